"""Definitions as they were at a git revision, or as they are in a folder.

`playbook diff` compares two of these; publishing records the commit it was built from and
reads the previous version's definitions at the commit that version recorded. Every git
call goes through `git_calls`, which checks each value before git sees it.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..safety import git_calls


class RevisionError(Exception):
    """A revision could not be read: a usage or environment problem."""


def current_commit(start: Path) -> str | None:
    """The commit checked out at `start`, or None outside a git repository."""
    return git_calls.head_commit(start)


def last_commit_time(start: Path) -> str | None:
    """When the commit checked out at `start` was made (Unix seconds), or None outside a
    git repository."""
    return git_calls.head_time(start)


@contextlib.contextmanager
def definitions_at(spec: str, defs: Path) -> Iterator[Path]:
    """Yield a folder holding the definitions named by `spec`.

    `spec` is a folder (used as it is) or a git revision (tag, branch, commit); for a
    revision, the `defs` folder as it was in that revision is unpacked into a temporary
    folder, and nothing in the working tree is touched.
    """
    as_folder = Path(spec)
    if spec and not spec.startswith("-") and as_folder.is_dir():
        yield as_folder
        return
    root = _root(defs)
    try:
        commit = git_calls.resolve_revision(spec, root)
    except git_calls.GitError as exc:
        raise RevisionError(str(exc)) from None
    with definitions_at_commit(commit, defs, spec) as folder:
        yield folder


@contextlib.contextmanager
def definitions_at_commit(commit: str, defs: Path, label: str | None = None) -> Iterator[Path]:
    """Yield the `defs` folder as it was at `commit`, a full commit id (as recorded in a
    published version); anything else is refused, a folder path included."""
    try:
        git_calls.check_commit_id(commit)
    except git_calls.GitError as exc:
        raise RevisionError(str(exc)) from None
    root = _root(defs)
    try:
        relative = defs.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise RevisionError(f"{defs} is not inside the repository at {root}") from None
    try:
        archive = git_calls.archive(commit, relative, root)
    except git_calls.GitError as exc:
        raise RevisionError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="playbook-rev-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        folder = Path(tmp) / relative
        if not folder.is_dir():
            raise RevisionError(f"{relative} does not exist in revision {label or commit}")
        yield folder


def _root(defs: Path) -> Path:
    try:
        return git_calls.toplevel(defs if defs.is_dir() else Path.cwd())
    except git_calls.GitError as exc:
        raise RevisionError(f"{exc}; pass folders instead of revisions") from None
