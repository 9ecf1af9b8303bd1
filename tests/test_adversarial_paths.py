"""Every command that writes × every path argument it takes × hostile kinds of path.

Each run either is refused (exit 2, nothing anywhere changed) or writes only inside the
path it was given (the whole tree around it compared before and after, byte for byte).
The table below is the one in the README ("What each command writes")."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import FIXTURES, GIT_IDENTITY, make_repo

from revenue_playbook.cli import main

# command -> (its arguments with PATH in the hostile place, the kind of thing PATH names)
COMMANDS: dict[str, tuple[Callable[[str], list[str]], str]] = {
    "build -d": (lambda p: ["build", "-d", p], "folder"),
    "publish --to-dir": (lambda p: ["publish", "1.0", "--to-dir", p], "folder"),
    "export --out": (lambda p: ["export", "asana", "--out", p], "folder"),
    "export --out --force": (lambda p: ["export", "asana", "--out", p, "--force"], "folder"),
    "init": (lambda p: ["init", p], "folder"),
    "schema --all": (lambda p: ["schema", "--all", p], "files"),
    "schema -o": (lambda p: ["schema", "-o", p], "file"),
    "preview --html": (lambda p: ["preview", "template", "hello", "--html", p], "file"),
    "import --out": (lambda p: ["import", "hubspot", str(FIXTURES / "crm" / "hubspot_default"),
                                "--company", "Acme", "--out", p], "folder"),
    "simulate": (lambda p: ["simulate", p, "--leads", "5"], "folder"),
}

# hostile kind -> the path given (relative to the repository, the current folder)
KINDS = {
    ".": ".",
    "..": "..",
    "the definitions": "process_defs",
    "inside the definitions": "process_defs/out",
    "the docs folder": "playbook",
    "inside the docs folder": "playbook/out",
    "mkdocs.yml": "mkdocs.yml",
    "pyproject.toml": "pyproject.toml",
    ".git": ".git",
    "inside .git": ".git/out",
    "a link to a folder": "link",
    "a dangling link": "dangling",
    "a file": "../outside/file.txt",
    "a folder with others' files": "../outside/theirs",
    "a new folder": "../outside/new",
}

REFUSED, WRITTEN = "refused", "written"


def expected(command: str, kind: str) -> str:
    """The table: what `command` does with a path of `kind`."""
    takes = COMMANDS[command][1]
    if kind == "a new folder":
        return WRITTEN
    if kind == "a file":
        return WRITTEN if takes == "file" else REFUSED  # -o names the file to replace
    if kind == "a folder with others' files":
        # init adds its files beside theirs (it never overwrites one); schema --all
        # replaces only its own *.schema.json files; nothing else replaces their folder
        return WRITTEN if command in ("init", "schema --all") else REFUSED
    return REFUSED  # the sources, around them or in them, and links


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A playbook repository (mkdocs.yml, docs, definitions, pyproject.toml, .git) beside
    a folder `outside`; links in the repository lead there. Copied for each case."""
    base = tmp_path_factory.mktemp("world")
    repo = make_repo(base)
    (repo / "playbook" / "index.md").write_text("# Home\n")
    (repo / "pyproject.toml").write_text("[tool.playbook]\nsubject_max = 60\n")
    outside = base / "outside"
    (outside / "linked").mkdir(parents=True)
    (outside / "linked" / "keep.txt").write_text("theirs")
    (outside / "file.txt").write_text("a file")
    (outside / "theirs").mkdir()
    (outside / "theirs" / "a.txt").write_text("theirs")
    (repo / "link").symlink_to(outside / "linked", target_is_directory=True)
    (repo / "dangling").symlink_to(outside / "nothing-here")
    env = dict(os.environ, **GIT_IDENTITY)
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "one"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return base


def tree(root: Path, skip: Path | None = None) -> dict[str, bytes | str]:
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            if skip is not None and (path == skip or skip in path.parents):
                continue
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[key] = "/"
            else:
                found[key] = path.read_bytes()
    return found


# the diagram cache a build keeps in the project (`.cache/playbook/`), by design
CACHE = "repo/.cache"


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_refused_or_written_only_inside(world: Path, tmp_path: Path, command: str, kind: str,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "w"
    shutil.copytree(world, base, symlinks=True)  # links kept as links
    repo = base / "repo"
    monkeypatch.chdir(repo)
    argument = KINDS[kind]
    target = (repo / argument) if not os.path.islink(repo / argument) else None
    before = tree(base)
    code = main(COMMANDS[command][0](argument))
    err = capsys.readouterr().err
    want = expected(command, kind)
    if want == REFUSED:
        assert code == 2, err
        assert "Traceback" not in err
        after = {k: v for k, v in tree(base).items() if not k.startswith(CACHE)}
        assert after == {k: v for k, v in before.items() if not k.startswith(CACHE)}, err
        return
    assert code == 0, err
    assert target is not None
    resolved = target.resolve()
    after = tree(base, skip=resolved)
    assert {k: v for k, v in after.items() if not k.startswith(CACHE)} == \
        {k: v for k, v in tree_without(before, base, resolved).items()
         if not k.startswith(CACHE)}
    assert resolved.exists()


def tree_without(snapshot: dict[str, bytes | str], base: Path,
                 target: Path) -> dict[str, bytes | str]:
    inside = target.relative_to(base.resolve()).as_posix() if \
        target.is_relative_to(base.resolve()) else None
    return {k: v for k, v in snapshot.items()
            if inside is None or not (k == inside or k.startswith(inside + "/"))}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders, so "
                    "the read-only case cannot be tested as root")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_read_only_folder_is_a_usage_error(world: Path, tmp_path: Path, command: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "w"
    shutil.copytree(world, base, symlinks=True)
    locked = base / "outside" / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.chdir(base / "repo")
    try:
        before = tree(base)
        argument = "../outside/locked/out"
        assert main(COMMANDS[command][0](argument)) == 2
        assert tree(base) == before
    finally:
        locked.chmod(0o700)
