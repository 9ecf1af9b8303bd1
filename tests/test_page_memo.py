"""Pages kept between serve builds (page_memo): after any edit, a build that reuses the
pages whose reads did not change gives exactly the site a build from nothing gives."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLE, MINIMAL, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.loader import ReadCache
from revenue_playbook.incremental.page_memo import PageMemo
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.pages import Site, build_site

sys.path.insert(0, str(ROOT / "benchmarks"))
from make_playbook import make
from test_output_safety import FIELDS, set_field


class Served:
    """A definitions folder built again and again with one memo, as `playbook serve` does."""

    def __init__(self, defs: Path, cache: Path) -> None:
        self.defs = defs
        self.memo = PageMemo()
        self.reads = ReadCache()
        self.renderer = DiagramRenderer(cache)

    def check(self) -> PageMemo:
        """Build with the memo and from nothing; the two sites must be equal."""
        result = validate(self.defs, None, self.reads)
        assert not result.failed(False), result.findings
        kept = build_site(result.playbook, self.renderer, findings=result.findings,
                          memo=self.memo)
        fresh = build_site(result.playbook, self.renderer, findings=result.findings)
        assert_same(kept, fresh)
        return self.memo


def assert_same(kept: Site, fresh: Site) -> None:
    assert list(kept.pages) == list(fresh.pages)
    assert [p for p in fresh.pages if kept.pages[p] != fresh.pages[p]] == []
    assert list(kept.assets) == list(fresh.assets)
    assert [a for a in fresh.assets if kept.assets[a] != fresh.assets[a]] == []
    assert kept.nav == fresh.nav


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def example(tmp_path: Path) -> Served:
    shutil.copytree(EXAMPLE, tmp_path / "defs")
    return Served(tmp_path / "defs", tmp_path / "cache")


def test_a_series_of_edits_gives_what_a_fresh_build_gives(example: Served) -> None:
    defs = example.defs
    total = example.check().made
    assert example.check().made == 0  # nothing changed: nothing made again
    edit(defs / "templates" / "demo_followup.yaml", "Demo recording and next steps",
         "Your demo recording and next steps")
    made = example.check().made_keys
    assert len(made) < total / 4
    # the pages showing its subject; the roles page is kept although the templates' part
    # of the owners' lists was made again (that part alone)
    assert sorted(key for key in made if key.endswith(".md")) == [
        "emails/demo_followup.md", "emails/index.md"]
    assert [key for key in made if key.startswith("values:ownership")] == [
        "values:ownership:templates"]
    edit(defs / "processes" / "new_business.yaml", "name: Tailored demo",
         "name: Tailored product demo")
    example.check()
    # business hours move every date and duration in words
    edit(defs / "sla.yaml", "timezone: America/New_York", "timezone: Europe/Berlin")
    edit(defs / "sla.yaml", "holidays: [2026-11-26,", "holidays: [2026-11-27,")
    example.check()
    edit(defs / "roles.yaml", "name: Chief Revenue Officer", "name: Chief Revenue Lead")
    example.check()
    edit(defs / "merge_fields.yaml", "sample: Dana", "sample: Zoë")
    example.check()
    added = defs / "campaigns" / "winback_webinar.yaml"
    shutil.copy(defs / "campaigns" / "retention_webinar.yaml", added)
    example.check()
    added.unlink()
    example.check()
    template = defs / "templates" / "order_form.yaml"
    good = template.read_text(encoding="utf-8")
    template.write_text(good.replace("owner:", "owner: nobody\nowner_was:", 1),
                        encoding="utf-8")
    assert validate(defs, None, example.reads).failed(False)  # serve keeps the last site
    template.write_text(good, encoding="utf-8")
    example.check()


@pytest.mark.slow
def test_edits_of_a_playbook_three_times_the_example(tmp_path: Path) -> None:
    make(EXAMPLE, 3, tmp_path / "defs")
    served = Served(tmp_path / "defs", tmp_path / "cache")
    total = served.check().made
    template = sorted((tmp_path / "defs" / "templates").glob("*.yaml"))[0]
    data = yaml.safe_load(template.read_text(encoding="utf-8"))
    template.write_text(yaml.safe_dump({**data, "subject": "Edited subject"}, sort_keys=False),
                        encoding="utf-8")
    assert served.check().made < total / 10
    for process in sorted((tmp_path / "defs" / "processes").glob("*.yaml"))[:2]:
        data = yaml.safe_load(process.read_text(encoding="utf-8"))
        stage = next(iter(data["stages"].values()))
        stage["name"] = stage["name"] + " (renamed)"
        process.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        served.check()


TEXT = st.sampled_from(["Renamed", "<b>x</b>", "{{ x }}", "```", "a\nb", "Zoë", "#"])


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.sampled_from(range(len(FIELDS))), TEXT), min_size=1,
                         max_size=3), min_size=1, max_size=3))
def test_any_edit_of_any_field_gives_what_a_fresh_build_gives(
        tmp_path_factory: pytest.TempPathFactory, rounds: list[list[tuple[int, str]]]) -> None:
    tmp = tmp_path_factory.mktemp("memo")
    shutil.copytree(MINIMAL, tmp / "defs")
    served = Served(tmp / "defs", tmp / "cache")
    served.check()
    for edits in rounds:  # one save after another, each changing some fields
        for index, value in edits:
            name, path = FIELDS[index]
            data = yaml.safe_load((tmp / "defs" / name).read_text(encoding="utf-8"))
            set_field(data, path, value)
            (tmp / "defs" / name).write_text(yaml.safe_dump(data, allow_unicode=True),
                                             encoding="utf-8")
        if not validate(tmp / "defs", None, served.reads).failed(False):
            served.check()


def test_digests_tell_apart_what_a_page_could_show() -> None:
    from revenue_playbook.incremental.page_memo import Digests, Uncacheable

    digest = Digests().of

    def needs(*sections: str):  # type: ignore[no-untyped-def]
        def missing() -> tuple[str, ...]:
            return sections
        return missing

    assert digest(needs("sla")) == digest(needs("sla"))
    assert digest(needs("sla")) != digest(needs("kpis"))  # what the closure captured
    assert digest({"a": 1, "b": 2}) != digest({"b": 2, "a": 1})  # order is shown
    assert digest([1]) != digest((1,)) and digest("1") != digest(1)
    assert digest(b"x" * 10) != digest(b"x" * 11)
    with pytest.raises(Uncacheable):  # an unknown kind of value: the page is always made
        digest(object())
