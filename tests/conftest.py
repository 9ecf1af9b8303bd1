"""What many tests share: a playbook repository to build, publish or serve."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).parent.parent
MINIMAL = Path(__file__).parent / "fixtures" / "minimal"


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
