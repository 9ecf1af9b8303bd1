"""`playbook build` with its build cache: a build that restores the cache writes the same
bytes as a cold build, after any edit, and renders only what changed; a cache that is
damaged, cut short, foreign or planted is ignored, and nothing is written through a link."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
from helpers import ROOT, make_repo

from revenue_playbook.engines.mkdocs import runner as mkdocs_runner
from revenue_playbook.incremental.session import Session


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Builds:
    """Cached builds of one repository, each checked against a cold build."""

    def __init__(self, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.repo = repo
        self.cache = repo / ".cache" / "playbook" / "build"
        self.sessions: list[Session] = []
        # what each cached build made and parsed, as it saved (the cold build that
        # follows may reuse the plugin, and with it the session's memo)
        self.made: list[list[str]] = []
        self.parses: list[int] = []
        saved = Session.save

        def save(session: Session, site_dir: str) -> None:
            self.sessions.append(session)
            self.made.append(list(session.pages.made_keys))
            self.parses.append(session.reads.parses)
            saved(session, site_dir)

        monkeypatch.setattr(Session, "save", save)

    @property
    def last(self) -> Session:
        return self.sessions[-1]

    def build(self) -> dict[str, bytes]:
        site = mkdocs_runner.build(self.repo / "mkdocs.yml", self.repo / "site")
        return tree(site)

    def cold(self) -> dict[str, bytes]:
        site = mkdocs_runner.build(self.repo / "mkdocs.yml", self.repo / "cold", cache=False)
        return tree(site)

    def check(self) -> dict[str, bytes]:
        """A cached build, and the same bytes as a cold build of the same sources."""
        got, expected = self.build(), self.cold()
        assert sorted(got) == sorted(expected)
        assert [name for name in expected if expected[name] != got[name]] == []
        return got


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Builds:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = make_repo(tmp_path, ROOT / "process_defs", docs=True)
    monkeypatch.chdir(repo)
    return Builds(repo, monkeypatch)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def stats(builds: Builds) -> tuple[int, int, int]:
    """Pages rendered, pages whose HTML came from the cache, pages made by the generator."""
    engine = builds.last.engine
    assert engine is not None
    return engine.stats.built, engine.stats.restored, builds.last.pages.made  # type: ignore[attr-defined]


def count_theme_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The theme's templates (404.html, sitemap.xml) rendered from now on, by name."""
    rendered: list[str] = []
    real = jinja2.Template.render

    def render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        if self.name in ("404.html", "sitemap.xml"):
            rendered.append(self.name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", render)
    return rendered


def count_svg_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SVG texts the diagram renderer checks from now on."""
    from revenue_playbook.site import diagrams

    checked: list[str] = []
    real = diagrams.check_svg

    def check(text: str) -> None:
        checked.append(text)
        real(text)

    monkeypatch.setattr(diagrams, "check_svg", check)
    return checked


@pytest.mark.slow
def test_cached_builds_after_a_series_of_edits_are_cold_builds(
        builds: Builds, monkeypatch: pytest.MonkeyPatch) -> None:
    defs = builds.repo / "process_defs"
    builds.check()
    first = builds.last
    assert first.restored == [] and first.store is not None
    assert first.store.ignored == "no cache yet"
    pages = first.engine.stats.pages  # type: ignore[union-attr]

    # nothing changed: every page from the cache, none rendered or made, no file parsed,
    # no calendar or download made again, no diagram's SVG checked again, neither the 404
    # page nor the sitemap rendered again
    checks = count_svg_checks(monkeypatch)
    rendered = count_theme_renders(monkeypatch)
    builds.build()
    assert checks == []
    assert rendered == []
    assert builds.last.restored == ["reads", "diagrams", "pages", "engine"]
    # each page's HTML, and every static file (the theme's assets, diagrams, downloads,
    # calendars), is a link to the cache's checked object: nothing copied; written anew are
    # only what is made from the whole site (by the theme, search, print-site and the
    # site's manifest) and print-site's own files, which it copies after the build
    site = builds.repo / "site"
    files = [p for p in site.rglob("*") if p.is_file()]
    written = sorted(p.relative_to(site).as_posix() for p in files if p.stat().st_nlink == 1)
    assert written == [".playbook-manifest.json", "404.html", "css/print-site-material.css",
                       "css/print-site.css", "js/print-site.js", "print_page/index.html",
                       "search/search_index.json", "sitemap.xml", "sitemap.xml.gz"]
    engine = builds.last.engine.stats  # type: ignore[union-attr]
    assert engine.copied == 0 and engine.restored == pages
    assert engine.linked == len(files) - pages - len(written) > 100
    builds.check()
    assert stats(builds)[:2] == (0, pages)
    assert builds.parses[-1] == 0
    assert [key for key in builds.made[-1] if key.startswith(("ics:", "downloads:"))] == []

    # a new commit, so a new build date (in the sitemap only): still nothing rendered
    # but the theme's templates (the check: their text is a cold build's); a check
    # renders them once in its cold build, twice if the cached build did too
    os.environ["SOURCE_DATE_EPOCH"] = "1790086400"
    rendered.clear()
    builds.check()
    assert stats(builds)[:2] == (0, pages)
    assert sorted(rendered) == ["404.html", "404.html", "sitemap.xml", "sitemap.xml"]

    # one template's subject: its page and the few that show it
    edit(defs / "templates" / "demo_followup.yaml", "Demo recording and next steps",
         "Your demo recording and next steps")
    builds.check()
    built, restored, _ = stats(builds)
    assert 0 < built <= 10 and restored == pages - built
    assert builds.parses[-1] == 1
    made = builds.made[-1]
    assert "emails/demo_followup.md" in made
    assert not [key for key in made if key.startswith("ics:")], made

    # a stage renamed: in the navigation of every page, so every page is written again,
    # and the 404 page, which prints the navigation
    rendered.clear()
    edit(defs / "processes" / "new_business.yaml", "name: Tailored demo",
         "name: Tailored product demo")
    builds.check()
    assert stats(builds)[0] == pages
    assert rendered.count("404.html") == 2

    # a campaign added, then removed
    campaign = defs / "campaigns" / "retention_webinar.yaml"
    added = defs / "campaigns" / "winback_webinar.yaml"
    shutil.copy(campaign, added)
    assert "campaigns/winback_webinar/index.html" in builds.check()
    added.unlink()
    assert "campaigns/winback_webinar/index.html" not in builds.check()

    # a hand-written page
    edit(builds.repo / "playbook" / "benchmarks.md", "# Benchmarks", "# Benchmarks, measured")
    builds.check()
    assert builds.last.engine.stats.populated == 1  # type: ignore[union-attr]

    # mkdocs.yml changed: every page rendered again, and the result still a cold build's
    edit(builds.repo / "mkdocs.yml", "site_name: ", "site_name: The ")
    builds.check()
    assert stats(builds)[1] == 0


def objects(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "objects").rglob("*") if p.is_file())


@pytest.mark.slow
def test_a_damaged_or_planted_cache_is_ignored_and_the_build_is_a_cold_one(
        builds: Builds, tmp_path: Path) -> None:
    builds.build()
    good = builds.check()
    pages = builds.last.engine.stats.pages  # type: ignore[union-attr]
    largest = max(objects(builds.cache), key=lambda p: p.stat().st_size)

    # objects of another mode than a written file's (restored by a tool that set it):
    # not linked into the site, whose files keep the mode a cold build gives them
    mask = os.umask(0o022)
    os.umask(mask)
    for path in objects(builds.cache):
        path.chmod(0o600)
    assert builds.check() == good
    modes = {p.stat().st_mode & 0o777 for p in (builds.repo / "site").rglob("*")
             if p.is_file()}
    assert modes == {0o666 & ~mask}

    # an object cut short (a build killed while copying the cache, a full disk)
    data = largest.read_bytes()
    largest.write_bytes(data[: len(data) // 2])
    assert builds.check() == good
    assert builds.last.store is not None and builds.last.store.misses >= 1

    # every object replaced: by a pickle that would run a command if loaded, a link to a
    # file outside the project, and garbage
    marker = tmp_path / "pickle-ran"
    outside = tmp_path / "secret.html"
    outside.write_text("<script>alert(1)</script>")

    class Boom:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    for number, path in enumerate(objects(builds.cache)):
        path.unlink()
        if number % 3 == 0:
            path.write_bytes(pickle.dumps(Boom()))
        elif number % 3 == 1:
            path.symlink_to(outside)
        else:
            path.write_bytes(b"\x00garbage")
    assert builds.check() == good
    assert not marker.exists()
    built, restored, _ = stats(builds)
    assert (built, restored) == (pages, 0)

    # a diagram's file in the diagram cache replaced by one with a script: its bytes are
    # not among those the build cache knows passed the check, so it is checked, refused
    # and drawn again
    builds.build()
    svgs = sorted((builds.repo / ".cache" / "playbook").glob("*.svg"))
    assert svgs
    svgs[0].write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
                       '</svg>')
    assert builds.check() == good
    assert "<script>" not in svgs[0].read_text()

    # an index of another version, and one that is not JSON
    index = builds.cache / "index.json"
    saved = json.loads(index.read_text())
    index.write_text(json.dumps({**saved, "format": 99}))
    assert builds.check() == good
    assert builds.last.restored == []
    index.write_bytes(b"\x80not json")
    assert builds.check() == good
    assert builds.last.restored == []

    # an index made under another key (another Playbook, engine or configuration)
    builds.build()
    saved = json.loads(index.read_text())
    index.write_text(json.dumps({**saved, "key": "0" * 40}))
    assert builds.check() == good
    assert builds.last.restored == []
    assert builds.last.store is not None
    assert "another Playbook" in str(builds.last.store.ignored)


@pytest.mark.slow
def test_the_cache_is_never_written_through_a_link(builds: Builds, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (builds.repo / ".cache").mkdir()
    (builds.repo / ".cache" / "playbook").symlink_to(elsewhere, target_is_directory=True)
    builds.check()
    assert list(elsewhere.iterdir()) == []
    assert "building without the build cache" in capsys.readouterr().err
    assert builds.last.store is None


def test_the_generated_workflow_restores_the_cache() -> None:
    workflow = (ROOT / "generator" / "revenue_playbook" / "templates" / "init"
                / "workflow.yml").read_text(encoding="utf-8")
    import yaml

    steps = yaml.safe_load(workflow)["jobs"]["check"]["steps"]
    names = [step.get("uses") or step.get("name") for step in steps]
    cache = steps[names.index("actions/cache@v4")]
    # restored before the build, and only data: Jinja's compiled templates are code
    assert names.index("actions/cache@v4") < names.index("Build the site")
    assert cache["with"]["path"].split() == [".cache/playbook", "!.cache/playbook/pages"]


@pytest.mark.slow
def test_playbook_build_twice_in_two_processes(builds: Builds) -> None:
    """As CI runs it: each build a new process, the second restoring the first's cache."""
    command = [sys.executable, "-m", "revenue_playbook.cli", "build"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    subprocess.run(command, cwd=builds.repo, env=env, check=True, capture_output=True)
    first = tree(builds.repo / "site")
    edit(builds.repo / "process_defs" / "templates" / "demo_followup.yaml",
         "Demo recording and next steps", "Your demo recording and next steps")
    subprocess.run(command, cwd=builds.repo, env=env, check=True, capture_output=True)
    second = tree(builds.repo / "site")
    assert second != first
    assert second == builds.cold()


def test_the_key_follows_the_libraries_and_the_time_zone_database(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Another icalendar, PyYAML or Jinja, or other time zone rules, may write other bytes
    (a calendar, a parsed file, a page): a cache made with them is foreign."""
    import importlib.metadata
    import zoneinfo

    from revenue_playbook.incremental import build_cache

    key = build_cache.cache_key({"engine": {}})
    assert build_cache.library_versions()["icalendar"] == importlib.metadata.version(
        "icalendar")
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "0.1" if name == "icalendar" else real(name))
    assert build_cache.cache_key({"engine": {}}) != key
    monkeypatch.undo()
    assert build_cache.cache_key({"engine": {}}) == key
    (tmp_path / "tzdata.zi").write_text("# version 1999z\n")
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(tmp_path),))
    assert "1999z" in build_cache.time_zone_database()
    assert build_cache.cache_key({"engine": {}}) != key
