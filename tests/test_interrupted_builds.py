"""A build killed or interrupted at any step leaves a complete site/ (the old one or the
new one, never none), the next build clears what the killed one left, concurrent builds
take turns, and the site is readable by other users (issue 13, item 5)."""

from __future__ import annotations

import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import make_repo
from interrupt import NO_EXCHANGE, kill_at, run_cli

pytestmark = pytest.mark.slow


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def beside(repo: Path) -> list[str]:
    """Everything in the repository but what was there before the build."""
    return sorted(p.name for p in repo.iterdir()
                  if p.name not in {"mkdocs.yml", "playbook", "process_defs", ".cache", "site"})


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A repository with site/ built, what that site holds, and what the next build (after
    an edit) makes."""
    repo = make_repo(tmp_path)
    assert run_cli(["build"], repo).returncode == 0
    old = snapshot(repo / "site")
    sales = repo / "process_defs" / "sales.yaml"
    sales.write_text(sales.read_text().replace("name: Proposal\n", "name: Offer\n", 1))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert run_cli(["build", "-d", str(scratch / "site")], repo).returncode == 0
    new = snapshot(scratch / "site")
    assert new != old
    return repo, old, new


STEPS = {
    "before the exchange": kill_at("revenue_playbook.safety.safe_writes", "exchange"),
    "after the exchange": kill_at("revenue_playbook.safety.safe_writes", "exchange", after=True),
    "removing the old site": kill_at("shutil", "rmtree", when="'-new-' in str(args[0])"),
    "during MkDocs' build": kill_at("mkdocs.commands.build", "build"),
}
# MkDocs' own build runs when a build starts cold; a build with the build cache on (the
# default, and `built` left one) goes through the incremental builder instead.
COLD = {"during MkDocs' build": ["--no-cache"]}


def cache_files(repo: Path) -> dict[str, bytes]:
    return snapshot(repo / ".cache" / "playbook" / "build")


# Inside a build from the build cache (the incremental builder): writing the pages, and
# about to write the cache's index (the new build's objects partly written).
CACHED_STEPS = {
    "writing the pages from the cache": kill_at(
        "revenue_playbook.engines.mkdocs.incremental", "IncrementalBuilder._build_page",
        nth=20),
    "saving the build cache": kill_at("revenue_playbook.incremental.build_cache",
                                      "Store.save"),
}


@pytest.mark.parametrize("step", list(CACHED_STEPS))
def test_sigkill_inside_a_cached_build_keeps_the_site_and_the_cache(
        built: tuple[Path, dict, dict], step: str) -> None:
    """A build from the build cache killed on the way leaves the previous site and the
    cache it started from (its index, and every object that index names); the next build
    from that cache is right."""
    repo, old, _ = built
    # the cache holds the edited sources (`built` built them last): the edit undone, the
    # killed build had a cache of other sources to update
    sales = repo / "process_defs" / "sales.yaml"
    sales.write_text(sales.read_text().replace("name: Offer\n", "name: Proposal\n", 1))
    before = cache_files(repo)
    assert "index.json" in before
    result = run_cli(["build"], repo, CACHED_STEPS[step])
    assert result.returncode == -9, result.stderr
    assert snapshot(repo / "site") == old
    after = cache_files(repo)
    assert after["index.json"] == before["index.json"]
    assert {name: data for name, data in after.items() if name in before} == before
    again = run_cli(["build"], repo)
    assert again.returncode == 0, again.stderr
    assert snapshot(repo / "site") == old
    assert beside(repo) == []
    assert cache_files(repo)["index.json"] != before["index.json"]


@pytest.mark.parametrize("step", list(STEPS))
def test_sigkill_at_each_step_leaves_a_whole_site(built: tuple[Path, dict, dict],
                                                  step: str) -> None:
    repo, old, new = built
    result = run_cli(["build", *COLD.get(step, [])], repo, STEPS[step])
    assert result.returncode == -9, result.stderr
    site = snapshot(repo / "site")
    assert site in (old, new)
    assert site == (old if step in ("before the exchange", "during MkDocs' build") else new)
    after = run_cli(["build"], repo)
    assert after.returncode == 0, after.stderr
    assert snapshot(repo / "site") == new
    assert beside(repo) == []


def test_without_atomic_exchange_a_kill_between_renames_is_repaired(
        built: tuple[Path, dict, dict]) -> None:
    """Where the file system cannot exchange two folders, site/ is moved aside, then the
    new one moved in: a SIGKILL in between leaves no site/ until the next build, which
    puts the old one back first (even if that build then fails)."""
    repo, old, new = built
    second_rename = kill_at("os", "rename", when="'-new-' in str(args[0])")
    result = run_cli(["build"], repo, NO_EXCHANGE + second_rename)
    assert result.returncode == -9
    assert not (repo / "site").exists()
    sales = repo / "process_defs" / "sales.yaml"
    good = sales.read_text()
    sales.write_text(good.replace("owner: ", "owner: nobody_", 1))
    failed = run_cli(["build"], repo, NO_EXCHANGE)
    assert failed.returncode == 1
    assert "note: put back site/, left aside by an interrupted run" in failed.stderr
    assert snapshot(repo / "site") == old and beside(repo) == []
    sales.write_text(good)
    assert run_cli(["build"], repo, NO_EXCHANGE).returncode == 0
    assert snapshot(repo / "site") == new and beside(repo) == []


@pytest.mark.parametrize("signal", ["SIGTERM", "SIGINT"])
def test_sigterm_is_handled_like_ctrl_c(built: tuple[Path, dict, dict], signal: str) -> None:
    repo, old, _ = built
    for step in ("build", "exchange"):
        module = ("mkdocs.commands.build" if step == "build"
                  else "revenue_playbook.safety.safe_writes")
        command = ["build", "--no-cache"] if step == "build" else ["build"]
        result = run_cli(command, repo, kill_at(module, step, signal=signal))
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines()[-1] == "Interrupted."
        assert "Traceback" not in result.stderr
        assert snapshot(repo / "site") == old and beside(repo) == []


def test_stale_staging_folders_are_removed(built: tuple[Path, dict, dict]) -> None:
    repo, _, new = built
    stale = [Path(tempfile.mkdtemp(prefix=f".site-{kind}-", dir=repo)) for kind in
             ("new", "new", "old")]
    (stale[0] / "index.html").write_text("<html>half")
    (stale[2] / "other").mkdir()
    mine = [repo / ".site-new-notours", repo / ".sites-new-abcdefgh", repo / "site-new-x"]
    for folder in mine:  # names this build never makes: left alone
        folder.mkdir()
    result = run_cli(["build"], repo)
    assert result.returncode == 0
    assert all(not p.exists() for p in stale)
    assert all(p.is_dir() for p in mine)
    assert result.stderr.count("left by an interrupted run") == 3
    assert snapshot(repo / "site") == new


def test_concurrent_builds_take_turns(built: tuple[Path, dict, dict]) -> None:
    repo, _, new = built
    code = "import sys\nfrom revenue_playbook.cli import main\nsys.exit(main(['build']))"
    runs = [subprocess.Popen([sys.executable, "-c", code], cwd=repo, text=True,
                             stderr=subprocess.PIPE, stdout=subprocess.PIPE)
            for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert any("Waiting for another build" in err for _, err in outputs)
    assert snapshot(repo / "site") == new and beside(repo) == []


@pytest.mark.parametrize(("umask", "folders", "files"), [(0o022, 0o755, 0o644),
                                                         (0o027, 0o750, 0o640)])
def test_site_is_readable_as_the_umask_allows(tmp_path: Path, umask: int, folders: int,
                                              files: int) -> None:
    repo = make_repo(tmp_path)
    assert run_cli(["build"], repo, umask=umask).returncode == 0
    site = repo / "site"
    modes = {stat.S_IMODE(p.stat().st_mode) for p in [site, *site.rglob("*")] if p.is_dir()}
    assert modes == {folders}
    modes = {stat.S_IMODE(p.stat().st_mode) for p in site.rglob("*") if p.is_file()}
    assert modes == {files}
