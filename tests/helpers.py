"""What many tests share: where things are, a playbook repository to build, publish or
serve, and the example playbook read once."""

from __future__ import annotations

import atexit
import contextlib
import functools
import http.server
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revenue_playbook.definitions.model import Playbook

if TYPE_CHECKING:
    from revenue_playbook.site.diagrams import DiagramRenderer

ROOT = Path(__file__).parent.parent  # the repository
FIXTURES = ROOT / "tests" / "fixtures"
MINIMAL = FIXTURES / "minimal"  # the smallest valid playbook
EXAMPLE = ROOT / "process_defs"  # the example playbook
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, never a downloaded browser


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


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, without the background traffic a closed network refuses."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def defs_with_twin_process(parent: Path) -> Path:
    """The minimal playbook in `parent`/defs with a second process whose name differs from
    the first only by punctuation ("New-business"): valid, but one name in a CRM."""
    defs = parent / "defs"
    shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    text = sales.read_text()
    block = text.split("processes:\n", 1)[1].split("\ncadences:")[0]
    twin = block.replace("new_business:", "new_business_2:", 1).replace(
        "name: New business", "name: New-business", 1)
    for sid in ("discovery", "proposal", "won", "lost"):
        twin = twin.replace(f"      {sid}:", f"      t_{sid}:").replace(
            f" {sid}]", f" t_{sid}]").replace(f"[{sid},", f"[t_{sid},")
    sales.write_text(text.replace("processes:\n", "processes:\n" + twin + "\n", 1))
    return defs


GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` (the environment must carry `GIT_IDENTITY`); its output."""
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def committed_repo(parent: Path, defs: Path | None = MINIMAL,
                   message: str = "Playbook 1.0") -> Path:
    """`make_repo`, made a git repository with everything in one commit (the environment
    must carry `GIT_IDENTITY`)."""
    repo = make_repo(parent, defs)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", message)
    return repo


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """`folder` served over HTTP on a free loopback port, as a static host would: its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@functools.cache
def example_playbook() -> Playbook:
    """The example playbook, validated once per test run (tests must not change it)."""
    from revenue_playbook.checks.validate import validate

    result = validate(EXAMPLE)
    assert not result.errors, [str(f.location) + " " + f.message for f in result.errors]
    return result.playbook


@functools.cache
def _shared_cache() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="playbook-test-diagrams-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def diagrams() -> DiagramRenderer:
    """A diagram renderer whose cache is shared by the whole test run, for tests that make
    pages rather than test the cache: diagrams are kept by their DOT source and compiled
    page templates by theirs, so each is made once per run, not once per test."""
    from revenue_playbook.site.diagrams import DiagramRenderer

    return DiagramRenderer(_shared_cache())
