"""Validating again after an edit (serve, preview --watch) reuses what did not change, and
finds exactly what a fresh validation finds."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLE, ROOT, example_playbook

from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.definitions.config import Options, Settings
from revenue_playbook.definitions.loader import ReadCache
from revenue_playbook.definitions.model import SECTIONS, Node, Playbook, walk
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.pages import build_site

sys.path.insert(0, str(ROOT / "benchmarks"))

from make_playbook import make

Edit = Callable[[Path], None]


def test_stages_are_built_once_and_again_when_processes_change() -> None:
    pb = copy.deepcopy(example_playbook())
    first = pb.stages
    assert pb.stages is first  # read thousands of times per build: built once
    assert list(first) == [sid for p in pb.processes.values() for sid in p.stages]
    pid, process = next(iter(pb.processes.items()))
    del pb.processes[pid]
    assert not set(process.stages) & set(pb.stages)
    pb.processes[pid] = process
    assert set(process.stages) <= set(pb.stages)
    pb.processes = {}
    assert pb.stages == {}
    copied = copy.deepcopy(example_playbook())
    assert copied.stages.keys() == example_playbook().stages.keys()
    assert all(copied.stages[s] is copied.processes[copied.process_of(s) or ""].stages[s]
               for s in copied.stages)


# ---------------------------------------------------------------------------- edits


def _file_with(defs: Path, section: str) -> Path:
    """The section file that holds `section` (the example splits them, a scaled playbook
    keeps them in shared.yaml)."""
    return next(p for p in sorted(defs.glob("*.yaml"))
                if section in (yaml.safe_load(p.read_text()) or {}))


def _change(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _first(defs: Path, folder: str, n: int = 0) -> Path:
    return sorted((defs / folder).glob("*.yaml"))[n]


def _edits(defs: Path) -> list[tuple[str, Edit]]:
    """A session of a sales-ops person: each edit as a name and what it does to `defs`."""
    template, other = _first(defs, "templates"), _first(defs, "templates", 1)
    campaign, process = _first(defs, "campaigns"), _first(defs, "processes")
    added = campaign.with_name(f"{campaign.stem}_copy.yaml")
    shared, roles = _file_with(defs, "merge_fields"), _file_with(defs, "roles")
    levels = _file_with(defs, "service_levels")
    stage = list(yaml.safe_load(process.read_text())["stages"])[1]  # the first one names it
    segment = yaml.safe_load(process.read_text())["segments"][0]
    kept = {path: path.read_text() for path in (template, process, shared, roles, levels)}

    def restore(path: Path) -> Edit:
        return lambda _: path.write_text(kept[path])

    def edit(path: Path, change: Callable[[dict[str, Any]], object]) -> Edit:
        return lambda _: _change(path, change)

    def subject(text: str) -> Callable[[dict[str, Any]], object]:
        return lambda data: data.update(subject=text)

    def rename_stage(data: dict[str, Any]) -> None:
        data["stages"] = {(f"{sid}_renamed" if sid == stage else sid): value
                          for sid, value in data["stages"].items()}

    def first_field(data: dict[str, Any]) -> dict[str, Any]:
        return next(iter(data["merge_fields"].values()))  # type: ignore[no-any-return]

    def long_sample(data: dict[str, Any]) -> None:
        first_field(data)["sample"] = "A sample far longer than any first name " * 2

    def drop_field(data: dict[str, Any]) -> None:
        data["merge_fields"].pop(next(iter(data["merge_fields"])))

    def per_segment(value: dict[str, int]) -> Callable[[dict[str, Any]], None]:
        def change(data: dict[str, Any]) -> None:
            next(iter(data["stages"].values()))["duration_days"] = value
        return change

    def more_notice(data: dict[str, Any]) -> None:
        for level in data["service_levels"].values():
            if level.get("applies_to") == "campaign_emails":
                level["lead_time"] = "40d"

    def unknown_manager(data: dict[str, Any]) -> None:
        next(iter(data["roles"].values()))["reports_to"] = "nobody"

    def duplicate(d: Path) -> None:
        (d / "extra.yaml").write_text(yaml.safe_dump(
            {"templates": {template.stem: yaml.safe_load(template.read_text())}}))

    return [
        ("change a template's subject",
         edit(template, subject("Edited: {{ first_name }}, a new subject"))),
        ("make a subject too long", edit(template, subject(
            "A subject far too long for an inbox line {{ first_name }} " + "x" * 40))),
        ("give a template an unknown key", edit(other, lambda t: t.update(subjet="typo"))),
        ("rename a stage", edit(process, rename_stage)),
        ("add a campaign", lambda _: shutil.copy(campaign, added)),
        ("edit the added campaign", edit(added, lambda c: c.update(
            name="A copied campaign", owner="nobody"))),
        ("delete a campaign", lambda _: campaign.unlink()),
        ("a value for an unknown segment", edit(process, per_segment({"nowhere": 5}))),
        ("a value for one segment of two", edit(process, per_segment({segment: 5}))),
        ("break a file", lambda _: process.write_text(
            kept[process] + "\n  broken: [unclosed\n")),
        ("fix the broken file", restore(process)),
        ("a merge field's sample grows", edit(shared, long_sample)),
        ("a shared merge field is removed", edit(shared, drop_field)),
        ("the shared file is restored", restore(shared)),
        ("a role reports to an unknown role", edit(roles, unknown_manager)),
        ("campaign emails need more notice", edit(levels, more_notice)),
        ("the notice is restored", restore(levels)),
        ("an id is defined twice", duplicate),
        ("the duplicate is deleted", lambda d: (d / "extra.yaml").unlink()),
        ("the roles are restored", restore(roles)),
        ("the template is restored", restore(template)),
    ]


# ---------------------------------------------------------------------------- comparing


def _dump(pb: Playbook) -> dict[str, Any]:
    """Everything in a playbook, where each definition is written included."""
    out: dict[str, Any] = {}
    for name in SECTIONS:
        value = getattr(pb, name)
        out[name] = value.model_dump() if isinstance(value, Node) else \
            {k: v.model_dump() for k, v in value.items()} if isinstance(value, dict) else value
    out["broken"] = pb.broken
    out["unreadable"] = pb.unreadable
    out["anchors"] = [(type(n).__name__, n.source.display if n.source else None, n.path)
                      for n in walk(pb)]
    out["stages"] = list(pb.stages)
    return out


def _assert_same(again: Result, fresh: Result, step: str) -> None:
    assert again.findings == fresh.findings, step
    assert [str(f.location) for f in again.findings] == \
        [str(f.location) for f in fresh.findings], step
    assert _dump(again.playbook) == _dump(fresh.playbook), step
    assert again.sources.keys() == fresh.sources.keys(), step


def _session(defs: Path, tmp_path: Path, build_pages: bool) -> None:
    settings = Settings(options=Options(subject_max=70))
    cache = ReadCache()
    before = validate(defs, settings, cache)
    _assert_same(before, validate(defs, settings), "first run")
    renderer = DiagramRenderer(tmp_path / "diagrams")
    seen: set[str] = set()
    for step, edit in _edits(defs):
        edit(defs)
        again = validate(defs, settings, cache)
        fresh = validate(defs, settings)
        _assert_same(again, fresh, step)
        seen |= {f.code for f in fresh.findings}
        if build_pages:  # a site is built from it, as serve does: the models stay unchanged
            build_site(again.playbook, renderer, findings=again.findings)
        before = again
    # the session met the findings it is about, and ends where it started
    assert {"PB001", "PB101", "PB104", "PB201", "PB203", "PB209", "PB312", "PB402",
            "PB405", "PB612"} <= seen, seen
    assert validate(defs, settings, cache).findings == validate(defs, settings).findings


@pytest.fixture
def example_defs(tmp_path: Path) -> Path:
    defs = tmp_path / "process_defs"
    shutil.copytree(EXAMPLE, defs)
    return defs


@pytest.mark.slow
def test_validating_again_after_each_edit_finds_what_a_fresh_run_finds(
        example_defs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _session(example_defs, tmp_path, build_pages=True)


@pytest.mark.slow
def test_the_same_at_scale_10(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    defs = tmp_path / "process_defs"
    make(EXAMPLE, 10, defs)
    monkeypatch.chdir(tmp_path)
    _session(defs, tmp_path, build_pages=False)


def test_unchanged_files_keep_their_models_and_checks(
        example_defs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = ReadCache()
    before = validate(example_defs, None, cache).playbook
    edited = _first(example_defs, "templates")
    _change(edited, lambda t: t.update(subject="Edited {{ first_name }}"))
    hits, misses = cache.memo.hits, cache.memo.misses
    after = validate(example_defs, None, cache).playbook
    assert cache.parses == len(list(example_defs.rglob("*.yaml"))) + 1  # the edited one
    assert after.templates[edited.stem] is not before.templates[edited.stem]
    assert after.templates[edited.stem].subject == "Edited {{ first_name }}"
    others = [t for t in after.templates if t != edited.stem]
    assert all(after.templates[t] is before.templates[t] for t in others)
    assert all(after.processes[p] is before.processes[p] for p in after.processes)
    # the other templates' checks are reused (their own, their tools', what they name...);
    # only what the edited one holds is worked out again
    assert cache.memo.hits - hits >= 2 * len(others)
    assert cache.memo.misses - misses < 10 < len(others)


def test_the_revalidation_benchmark_runs_and_compares(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "revalidate.py"), "--scales",
                    "1", "--rounds", "2", "--json", str(out)], check=True, cwd=tmp_path,
                   capture_output=True)
    figures = json.loads(out.read_text())["1"]
    assert figures["rounds"] == 2 and figures["files"] > 30
    assert figures["cached_cpu_s"] > 0 and figures["fresh_cpu_s"] > 0
    assert figures["verdict"] == "ok"


def test_other_options_with_the_same_cache_check_again(
        example_defs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = ReadCache()
    for limit in (60, 20, 60):
        settings = Settings(options=Options(subject_max=limit))
        again, fresh = validate(example_defs, settings, cache), validate(example_defs, settings)
        assert again.findings == fresh.findings
        assert any(f.code == "PB405" for f in again.findings) == (limit == 20)
