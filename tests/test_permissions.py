"""One permission policy for everything Playbook writes: folders 0777 and files 0666 less the
umask (`safe_writes.dir_mode` / `file_mode`), as MkDocs leaves a build, whichever command
wrote them (a folder built aside with tempfile starts 0700 and must not stay so)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from helpers import EXAMPLE, make_repo
from interrupt import run_cli

UMASK = 0o027  # not the usual 022: a mode that ignores the umask shows


def _modes(folder: Path) -> tuple[set[int], set[int]]:
    entries = [folder, *folder.rglob("*")]
    return ({stat.S_IMODE(p.lstat().st_mode) for p in entries if p.is_dir()},
            {stat.S_IMODE(p.lstat().st_mode) for p in entries if p.is_file()})


@pytest.mark.slow
def test_every_command_writes_folders_and_files_with_the_same_modes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, EXAMPLE, docs=True)
    out = tmp_path / "out"
    commands = {
        "site": ["build", "-d", str(out / "site")],
        "export": ["export", "all", "--out", str(out / "export")],
        "schemas": ["schema", "--all", str(out / "schemas")],
        "new": ["init", str(out / "new"), "--name", "Acme"],
    }
    for name, args in commands.items():
        done = run_cli(args, repo, umask=UMASK)
        assert done.returncode == 0, (name, done.stderr)
    written = {name: _modes(out / name) for name in commands}
    assert {name: folders for name, (folders, _) in written.items()} == {
        name: {0o750} for name in commands}
    assert {name: files for name, (_, files) in written.items()} == {
        name: {0o640} for name in commands}
