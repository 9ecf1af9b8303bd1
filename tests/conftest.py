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


@pytest.fixture(scope="session", autouse=True)
def theme_templates_compiled_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """MkDocs compiles its theme's hundred Jinja templates again for every build, and a run
    of the tests makes dozens of builds of the same theme in one process: Jinja's own
    bytecode cache (each template keyed by its file, checked against its source) keeps
    them compiled for the run. What a build writes is unchanged; only compiling is shared.
    Builds in child processes (`playbook serve`, the console script) compile as users'
    do."""
    import jinja2
    from mkdocs.theme import Theme

    cache = jinja2.FileSystemBytecodeCache(str(tmp_path_factory.mktemp("theme-bytecode")))
    get_env = Theme.get_env

    def with_cache(theme: Theme) -> jinja2.Environment:
        env = get_env(theme)
        env.bytecode_cache = cache
        return env

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Theme, "get_env", with_cache)
        yield


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
