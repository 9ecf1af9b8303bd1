"""Every call Playbook makes to git, and the checks on what reaches it as an argument.

A value from outside (a revision on the command line, a commit id read from a published
`versions.json`, a branch name) is checked for what it is before git sees it, so that it
can never become one of git's options (`--output=FILE` makes `git archive` truncate FILE)
or be taken for something else (a folder path where a commit id belongs):

- a revision is resolved to a commit id with `git rev-parse --verify --end-of-options`;
  only that id is handed on;
- a commit id read from a file must be 40 or 64 hexadecimal digits (SHA-1, SHA-256);
- a branch must be a name `git check-ref-format --branch` accepts, not starting with `-`;
- a path goes after `--`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
TIMEOUT = 120  # seconds; an archive of a large history takes a few


class GitError(Exception):
    """git refused, is missing, or was given something that is not what it should be."""


def run(args: list[str], cwd: Path, timeout: float = TIMEOUT) -> bytes:
    """`git ARGS` in `cwd`; its standard output, or GitError with git's own message.
    The only place Playbook starts git (mike, driven through its Python API, starts its own
    after `check_branch`)."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except NotADirectoryError:
        raise GitError(f"{cwd} is not a folder") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:2])} took longer than {timeout:g} s") from None
    if proc.returncode != 0:
        raise GitError(proc.stderr.decode("utf-8", "replace").strip()
                       or f"git {' '.join(args[:2])} failed")
    return proc.stdout


def check_commit_id(value: object, where: str = "") -> str:
    """`value` if it is a full commit id (40 or 64 lowercase hexadecimal digits)."""
    if isinstance(value, str) and COMMIT_ID.fullmatch(value):
        return value
    shown = repr(value)[:80]
    raise GitError(f"{shown}{' in ' + where if where else ''} is not a commit id "
                   "(40 or 64 hexadecimal digits)")


def resolve_revision(spec: str, cwd: Path) -> str:
    """The commit id a revision (tag, branch, `HEAD~2`, an abbreviated id) names in the
    repository at `cwd`. Anything else, an option-shaped value included, is refused."""
    if not spec or spec.startswith("-") or "\0" in spec or "\n" in spec:
        raise GitError(f"{spec!r} is not a revision")
    try:
        out = run(["rev-parse", "--verify", "--quiet", "--end-of-options",
                   f"{spec}^{{commit}}"], cwd)
    except GitError:
        raise GitError(f"{spec!r} is neither a folder nor a revision of the repository at "
                       f"{cwd}") from None
    return check_commit_id(out.decode("ascii", "replace").strip(), "git's answer")


def check_branch(name: str, cwd: Path) -> str:
    """`name` if git accepts it as a branch name (`git check-ref-format --branch`)."""
    if not name or name.startswith("-") or "\0" in name:
        raise GitError(f"{name!r} is not a branch name")
    try:
        run(["check-ref-format", "--branch", name], cwd)
    except GitError:
        raise GitError(f"{name!r} is not a branch name git accepts") from None
    return name


def toplevel(start: Path) -> Path:
    """The top folder of the repository holding `start`."""
    return Path(run(["rev-parse", "--show-toplevel"], start).decode().strip())


def git_dir(start: Path) -> Path:
    """The repository's git folder (`.git`, or a worktree's folder inside it)."""
    return Path(run(["rev-parse", "--absolute-git-dir"], start).decode().strip())


def head_commit(start: Path) -> str | None:
    """The commit checked out at `start`, or None outside a git repository."""
    try:
        return check_commit_id(run(["rev-parse", "--verify", "HEAD"], start).decode().strip())
    except GitError:
        return None


def head_time(start: Path) -> str | None:
    """When the commit checked out at `start` was made (Unix seconds), or None outside a
    git repository."""
    try:
        stamp = run(["log", "-1", "--format=%ct"], start).decode().strip()
    except GitError:
        return None
    return stamp if stamp.isdigit() else None


def archive(commit: str, path: str, cwd: Path) -> bytes:
    """A tar of `path` (relative to the top folder) as it was at `commit` (a commit id)."""
    check_commit_id(commit)
    # a literal path: a folder named `*` or `:(top)x` means only itself
    return run(["--literal-pathspecs", "archive", "--format=tar", commit, "--", path], cwd)
