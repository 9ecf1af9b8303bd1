"""Fixtures many test files share, made once per run: the example playbook built (and
served, for the browser) for tests that only read the site, and headless Chromium for a
test file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLE, launch_chromium, make_repo, served

from revenue_playbook.cli import main


@pytest.fixture(scope="session")
def example_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository of the example playbook with its hand-written pages, built once per
    run with `playbook build --strict` into its `site/`. Tests must not change it: one
    that edits, rebuilds or serves with changes makes its own with `make_repo`."""
    repo = make_repo(tmp_path_factory.mktemp("example-site"), EXAMPLE, docs=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        assert main(["build", "--strict"]) == 0
    return repo


@pytest.fixture(scope="session")
def example_site(example_repo: Path) -> Path:
    """The example's built site folder (see `example_repo`)."""
    return example_repo / "site"


@pytest.fixture(scope="session")
def served_example(example_site: Path) -> Iterator[tuple[str, Path]]:
    """The example's built site served on loopback, as a static host would: (the site's
    URL, the site folder)."""
    with served(example_site) as url:
        yield url, example_site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright for one test file, closed at its end: files
    that start Playwright themselves cannot run while another sync_playwright is open."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        try:
            yield chromium
        finally:
            chromium.close()
