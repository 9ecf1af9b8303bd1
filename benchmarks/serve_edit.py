"""Save → served: how long a real `playbook serve` takes to show an edit over HTTP.

The server runs as a user runs it (`playbook serve` in the playbook's folder). Each edit
changes one email template's subject (the template's page, the stages and campaigns that
send it, the role that owns it: a handful of pages) and is timed from the moment the file is
written until the template's page, fetched over HTTP, shows the new subject. The server's
CPU time over the same span comes from /proc (user + system, its children included).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import yaml
from measure import Sample

TICK = os.sysconf("SC_CLK_TCK")
EPOCH = re.compile(r"livereload\((\d+),")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system time of a process and of the children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # after the command name: utime, stime, cutime, cstime are fields 14-17 of the line
    return sum(int(value) for value in fields[11:15]) / TICK


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:  # loopback only
        return response.read().decode("utf-8")


def wait_for(url: str, text: str, seconds: float, server: subprocess.Popen[bytes]) -> str:
    """Poll `url` until it shows `text` (used while the server starts)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"playbook serve stopped (exit {server.returncode})")
        try:
            page = fetch(url)
            if text in page:
                return page
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{text!r} did not appear at {url} within {seconds} s")


def epoch(page: str) -> int:
    """The site version a page was served from (MkDocs' live-reload script names it)."""
    found = EPOCH.search(page)
    if not found:
        raise RuntimeError("the page has no live-reload script: is this `playbook serve`?")
    return int(found[1])


def wait_for_edit(base: str, url: str, text: str, since: int, seconds: float) -> None:
    """Wait until a rebuild after version `since` serves `url` with `text`.

    MkDocs' live-reload endpoint answers as soon as a newer version of the site is visible
    (the way a browser's page learns it must reload), so no polling delay is added.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        since = int(fetch(f"{base}livereload/{since}/0"))
        if text in fetch(url):
            return
    raise RuntimeError(f"{text!r} did not appear at {url} within {seconds} s")


@contextmanager
def serving(playbook: Sequence[str], repo: Path, env: Mapping[str, str], log: Path) \
        -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`playbook serve` in `repo`, on a free port; yields its base URL and process."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen([*playbook, "serve", "-a", f"127.0.0.1:{port}"], cwd=repo,
                                  env=dict(env), stdout=out, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}/", server
            if server.poll() is not None:
                raise RuntimeError(f"playbook serve stopped: see {log}")
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def serve_edits(playbook: Sequence[str], repo: Path, env: Mapping[str, str], edits: int,
                log: Path, startup_seconds: float = 900) -> list[Sample]:
    """Start `playbook serve` in `repo`, then time `edits` edits of one template.

    `playbook` is the command that runs Playbook, e.g. [".venv/bin/playbook"].
    """
    template = sorted((repo / "process_defs" / "templates").glob("*.yaml"))[0]
    original = template.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    url_path = f"emails/{template.stem}/"
    samples = []
    try:
        with serving(playbook, repo, env, log) as (base, server):
            wait_for(base + url_path, "</html>", startup_seconds, server)
            for number in range(edits):
                time.sleep(0.5)  # let the server settle: no build running or pending
                since = epoch(fetch(base + url_path))
                marker = f"Edited subject {number}"  # short: subjects have a length rule
                edited = {**data, "subject": marker}
                text = yaml.safe_dump(edited, sort_keys=False, allow_unicode=True)
                cpu = cpu_seconds(server.pid)
                start = time.perf_counter()
                template.write_text(text, encoding="utf-8")
                wait_for_edit(base, base + url_path, marker, since, 600)
                samples.append(Sample(time.perf_counter() - start, cpu_seconds(server.pid) - cpu))
    finally:
        template.write_text(original, encoding="utf-8")
    return samples

