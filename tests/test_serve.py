"""`playbook serve`: an edit shows without a restart; an invalid edit keeps the last good
site and says what is wrong on the page."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import make_repo

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
        return response.read().decode("utf-8")


def wait_for(url: str, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    page = ""
    while time.monotonic() < deadline:
        try:
            page = fetch(url)
            if text in page:
                return page
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{text!r} did not appear at {url} in {seconds} s")


def test_edits_show_without_restart(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, ROOT / "process_defs", docs=True)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "revenue_playbook.cli", "serve", "-a",
                               f"127.0.0.1:{port}"], cwd=repo, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/stages/discovery/"
    process = repo / "process_defs" / "processes" / "new_business.yaml"
    try:
        wait_for(url, "Economic buyer named")
        process.write_text(process.read_text().replace("Economic buyer named",
                                                       "Economic buyer named and met"))
        wait_for(url, "Economic buyer named and met")
        process.write_text(process.read_text().replace("owner: sales_director",
                                                       "owner: nobody"))
        page = wait_for(url, "this is the last good version")
        assert "Economic buyer named and met" in page
        assert "unknown role &#39;nobody&#39;" in page or "unknown role 'nobody'" in page
        process.write_text(process.read_text().replace("owner: nobody",
                                                       "owner: sales_director"))
        page = wait_for(url, "Economic buyer named and met")
        deadline = time.monotonic() + 60
        while "last good version" in page and time.monotonic() < deadline:
            time.sleep(0.3)
            page = fetch(url)
        assert "last good version" not in page
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
