"""When the environment fails (no dot, no room, no permission, Ctrl-C): a clear message,
exit 2, and the previous site/ exactly as it was."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, make_repo
from interrupt import interrupted_console

from revenue_playbook.cli import main


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = make_repo(tmp_path_factory.mktemp("built"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        assert main(["build"]) == 0
    return repo


@pytest.fixture
def built(built_once: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with its site built: a copy of one built once for this file, which
    each test may break as it likes."""
    repo = shutil.copytree(built_once, tmp_path / "repo", symlinks=True)
    monkeypatch.chdir(repo)
    return repo


def snapshot(repo: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (repo / "site").rglob("*") if p.is_file()}


def leftovers(repo: Path) -> list[str]:
    return [p.name for p in repo.iterdir() if p.name.startswith(".site-")]


def failing_build(exc: BaseException):  # type: ignore[no-untyped-def]
    def build(*args: Any, **kwargs: Any) -> None:  # MkDocs' build(config) or a method's
        config = next(arg for arg in args if hasattr(arg, "site_dir"))
        site = Path(config.site_dir)
        site.mkdir(parents=True, exist_ok=True)
        (site / "half-written.html").write_text("<html>")
        raise exc
    return build


# A build either starts cold (MkDocs' own build) or from the build cache the first build
# left (the incremental builder): a failure while writing must keep the site on both.
WRITERS = {"cold": ("mkdocs.commands.build.build", ["build", "--no-cache"]),
           "cached": ("revenue_playbook.engines.mkdocs.incremental.IncrementalBuilder.build",
                      ["build"])}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_disk_full_keeps_the_previous_site(built: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str],
                                           writer: str) -> None:
    before = snapshot(built)
    target, command = WRITERS[writer]
    monkeypatch.setattr(target, failing_build(OSError(errno.ENOSPC, "No space left on device")))
    assert main(command) == 2
    assert "Error: build failed: writing the site failed: No space left on device" in \
        capsys.readouterr().err
    assert snapshot(built) == before and leftovers(built) == []


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_ctrl_c_keeps_the_previous_site(built: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str],
                                        writer: str) -> None:
    before = snapshot(built)
    target, command = WRITERS[writer]
    monkeypatch.setattr(target, failing_build(KeyboardInterrupt()))
    assert main(command) == 2
    assert capsys.readouterr().err.strip() == "Interrupted."
    assert snapshot(built) == before and leftovers(built) == []


def test_unwritable_output_folder(built: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(built)

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkdtemp", refuse)
    assert main(["build"]) == 2
    assert "cannot write beside" in capsys.readouterr().err
    assert snapshot(built) == before


def with_fake_dot(built: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                  script: bytes) -> dict[Path, bytes]:
    """`dot` replaced by `script`, the diagram cache emptied; the repo as it is now."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dot").write_bytes(script)
    (fake / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    shutil.rmtree(built / ".cache")
    before = snapshot(built)
    # a new folder for the cache, so the plugin starts a fresh renderer
    (built / "mkdocs.yml").write_text((built / "mkdocs.yml").read_text().replace(
        "defs: process_defs", "defs: process_defs\n      cache_dir: .cache/other"))
    return before


def test_dot_crashing_is_a_clear_error(built: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    before = with_fake_dot(built, monkeypatch, tmp_path,
                           b"#!/bin/sh\necho 'dot: out of memory' >&2\nexit 137\n")
    assert main(["build"]) == 2
    assert "Graphviz's `dot` failed: dot: out of memory" in capsys.readouterr().err
    assert snapshot(built) == before


def test_dot_printing_binary_garbage_is_a_clear_error(
        built: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    before = with_fake_dot(built, monkeypatch, tmp_path,
                           b"#!/bin/sh\nprintf '\\211PNG\\000\\377\\376<svg\\001'\n")
    assert main(["build"]) == 2  # it was a crash (exit 3) with a UnicodeDecodeError
    err = capsys.readouterr().err
    assert "printed something that is not a safe SVG diagram" in err and "Traceback" not in err
    assert snapshot(built) == before


def without_permission_override() -> list[str]:
    """A command prefix under which folder permissions hold: as root, root's power to read
    any folder (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) is dropped with setpriv."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be taken away")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_an_unreadable_folder_fails_the_build(tmp_path: Path) -> None:
    prefix = without_permission_override()
    repo = make_repo(tmp_path)
    campaigns = repo / "process_defs" / "campaigns"
    campaigns.chmod(0)
    try:
        done = subprocess.run([*prefix, sys.executable, "-m", "revenue_playbook.cli", "build"],
                              cwd=repo, capture_output=True, text=True, timeout=120)
    finally:
        campaigns.chmod(0o755)
    # it used to be skipped silently: "valid", and a site without its campaign pages
    assert done.returncode == 1, done.stderr
    assert "process_defs/campaigns: error PB008 cannot read this folder: Permission denied" \
        in done.stderr
    assert not (repo / "site").exists()


def interrupt_points(calls: int, fractions: tuple[float, ...]) -> list[int]:
    """Where to interrupt a run of `calls` calls: the first few thousand (the imports)
    spaced out by powers of ten, then the given fractions of the whole."""
    early = [n for n in (1, 10, 100, 1_000, 10_000) if n < calls * fractions[0]]
    return early + [round(calls * f) for f in fractions]


@pytest.mark.slow
@pytest.mark.parametrize(("command", "fractions"), [
    (["validate"], (0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9)),
    (["build"], (0.15, 0.4, 0.65, 0.9)),
])
def test_ctrl_c_at_any_moment_ends_without_a_traceback(tmp_path: Path, command: list[str],
                                                       fractions: tuple[float, ...]) -> None:
    """Ctrl-C anywhere in the `playbook` script's run, its imports included, ends with
    "Interrupted." and exit 2. The signal is sent at a counted call, not after a delay: a
    delay lands wherever the machine's load puts it, before Playbook starts (Python's own
    traceback, from the script's first line) or after it has finished."""
    repo = make_repo(tmp_path, ROOT / "process_defs", docs=True)
    calls = tmp_path / "calls"
    for at in (None, 0):  # counted the second time, with the diagrams cached as they stay
        whole = interrupted_console(command, repo, at, calls)
        assert whole.returncode == 0, whole.stderr
    total = int(calls.read_text())
    for at in interrupt_points(total, fractions):
        done = interrupted_console(command, repo, at, calls)
        assert int(calls.read_text()) == at, (at, total)  # interrupted there, not after
        assert "Traceback" not in done.stderr, (at, done.stderr)
        assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (2, "Interrupted."), \
            (at, done.returncode, done.stderr)
