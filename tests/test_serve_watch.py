"""`playbook serve` watches everything that decides what it serves: the `[tool.playbook]`
settings in pyproject.toml, mkdocs.yml, and the definitions and docs folders mkdocs.yml
names *now*. A change to any of them rebuilds, and a failure it causes shows the banner.

Each test runs a real `playbook serve` and waits on what the served pages say."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from helpers import MINIMAL, make_repo
from test_serve import BANNER, Serving, fetch, wait_for

pytestmark = pytest.mark.slow  # each test runs a real `playbook serve`


def wait_without(url: str, text: str, seconds: float = 60) -> str:
    """The page once `text` is gone from it."""
    deadline = time.monotonic() + seconds
    page = fetch(url)
    while text in page and time.monotonic() < deadline:
        time.sleep(0.3)
        page = fetch(url)
    assert text not in page, f"{text!r} still at {url} after {seconds} s"
    return page


def builds(log: Path) -> int:
    return log.read_text().count("Building the site...")


def test_a_settings_change_that_breaks_the_build_shows_the_banner(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, MINIMAL)
    settings = repo / "pyproject.toml"
    good = "[tool.playbook]\nsubject_max = 70\n"
    settings.write_text(good)
    with Serving(repo, tmp_path / "serve.log") as serving:
        url = serving.url("stages/discovery/")
        wait_for(url, "Pain confirmed by the buyer")
        settings.write_text(good + "\n[tool.playbook.severity]\nno-such-rule = \"error\"\n")
        page = wait_for(url, BANNER)
        assert "unknown rule" in page and "no-such-rule" in page
        assert "Pain confirmed by the buyer" in page  # the last good version
        settings.write_text(good)
        wait_without(url, BANNER)
        # a limit that the templates now break fails the build the same way (mkdocs.yml
        # has `strict: true`: PB405's warning stops it)
        settings.write_text("[tool.playbook]\nsubject_max = 3\n")
        page = wait_for(url, BANNER)
        assert "PB405" in page
        settings.write_text(good)
        wait_without(url, BANNER)


def test_after_defs_moves_the_new_folder_is_watched_and_the_old_one_not(
        tmp_path: Path) -> None:
    repo = make_repo(tmp_path, MINIMAL)
    old = repo / "process_defs"
    new = repo / "definitions"
    shutil.copytree(old, new)
    sales = new / "sales.yaml"
    sales.write_text(sales.read_text().replace("Pain confirmed by the buyer",
                                               "Pain confirmed in the new folder"))
    config = repo / "mkdocs.yml"
    log = tmp_path / "serve.log"
    with Serving(repo, log) as serving:
        url = serving.url("stages/discovery/")
        wait_for(url, "Pain confirmed by the buyer")
        config.write_text(config.read_text().replace("defs: process_defs",
                                                     "defs: definitions"))
        wait_for(url, "Pain confirmed in the new folder")
        sales.write_text(sales.read_text().replace("in the new folder",
                                                   "and edited in the new folder"))
        wait_for(url, "Pain confirmed and edited in the new folder")
        # an edit to the folder mkdocs.yml no longer names starts no build: no build starts
        # within a few seconds (builds after an edit start within 20 ms)
        before = builds(log)
        stale = old / "sales.yaml"
        stale.write_text(stale.read_text().replace("by the buyer", "by nobody"))
        deadline = time.monotonic() + 3
        while builds(log) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert builds(log) == before
        assert "Pain confirmed and edited in the new folder" in fetch(url)


def test_after_docs_dir_moves_its_pages_are_watched(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, MINIMAL)
    pages = repo / "pages"
    pages.mkdir()
    notes = pages / "notes.md"
    notes.write_text("# Notes\n\nFirst words.\n")
    config = repo / "mkdocs.yml"
    with Serving(repo, tmp_path / "serve.log") as serving:
        wait_for(serving.url("stages/discovery/"), "Pain confirmed by the buyer")
        config.write_text(config.read_text().replace("docs_dir: playbook", "docs_dir: pages"))
        wait_for(serving.url("notes/"), "First words.")
        notes.write_text("# Notes\n\nSecond words.\n")
        wait_for(serving.url("notes/"), "Second words.")
