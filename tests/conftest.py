"""Fixtures many test files share, made once per run: the example playbook built and served
(for tests that only read the site), and headless Chromium for a test file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLE, launch_chromium, make_repo, served

from revenue_playbook.cli import main


@pytest.fixture(scope="session")
def served_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The example playbook with its hand-written pages, built once and served on loopback:
    (the site's URL, the site folder). Tests must not change it."""
    repo = make_repo(tmp_path_factory.mktemp("example-site"), EXAMPLE, docs=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        assert main(["build"]) == 0
    site = repo / "site"
    with served(site) as url:
        yield url, site


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
