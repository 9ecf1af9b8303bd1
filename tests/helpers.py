"""What many tests share: where things are, a playbook repository to build, publish or
serve, and the example playbook read once."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from revenue_playbook.model import Playbook

ROOT = Path(__file__).parent.parent  # the repository
FIXTURES = ROOT / "tests" / "fixtures"
MINIMAL = FIXTURES / "minimal"  # the smallest valid playbook
EXAMPLE = ROOT / "process_defs"  # the example playbook


def make_repo(parent: Path, defs: Path | None = MINIMAL, docs: bool = False) -> Path:
    """A playbook repository in `parent`/repo: this project's mkdocs.yml, a docs folder
    (the example's hand-written pages with `docs`, else empty) and a copy of `defs`
    (none when `defs` is None, for a test that writes its own)."""
    repo = parent / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    if docs:
        shutil.copytree(ROOT / "playbook", repo / "playbook")
    else:
        (repo / "playbook").mkdir()
    if defs is not None:
        shutil.copytree(defs, repo / "process_defs")
    return repo


@functools.cache
def example_playbook() -> Playbook:
    """The example playbook, validated once per test run (tests must not change it)."""
    from revenue_playbook.validate import validate

    result = validate(EXAMPLE)
    assert not result.errors, [str(f.location) + " " + f.message for f in result.errors]
    return result.playbook
