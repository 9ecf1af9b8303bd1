"""Definitions as they were at a git revision, or as they are in a folder.

`playbook diff` compares two of these; publishing records the revision it was built from.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path


class RevisionError(Exception):
    """A revision could not be read: a usage or environment problem."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise RevisionError("git is not installed; pass folders instead of revisions") \
            from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"git {' '.join(args)} took too long") from None
    if proc.returncode != 0:
        raise RevisionError(proc.stderr.decode("utf-8", "replace").strip()
                            or f"git {' '.join(args)} failed")
    return proc.stdout


def repo_root(start: Path) -> Path:
    return Path(_git(["rev-parse", "--show-toplevel"], start).decode().strip())


def current_commit(start: Path) -> str | None:
    """The commit checked out at `start`, or None outside a git repository."""
    try:
        return _git(["rev-parse", "HEAD"], start).decode().strip()
    except RevisionError:
        return None


def last_commit_time(start: Path) -> str | None:
    """When the commit checked out at `start` was made (Unix seconds), or None outside a
    git repository."""
    try:
        return _git(["log", "-1", "--format=%ct"], start).decode().strip() or None
    except RevisionError:
        return None


@contextlib.contextmanager
def definitions_at(spec: str, defs: Path) -> Iterator[Path]:
    """Yield a folder holding the definitions named by `spec`.

    `spec` is a folder (used as it is) or a git revision (tag, branch, commit); for a
    revision, the `defs` folder as it was in that revision is unpacked into a temporary
    folder, and nothing in the working tree is touched.
    """
    as_folder = Path(spec)
    if as_folder.is_dir():
        yield as_folder
        return
    root = repo_root(defs if defs.is_dir() else Path.cwd())
    relative = defs.resolve().relative_to(root.resolve()).as_posix()
    archive = _git(["archive", "--format=tar", spec, "--", relative], root)
    with tempfile.TemporaryDirectory(prefix="playbook-rev-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        folder = Path(tmp) / relative
        if not folder.is_dir():
            raise RevisionError(f"{relative} does not exist in revision {spec}")
        yield folder
