"""`playbook serve`: an edit shows without a restart; an invalid edit keeps the last good
site and says what is wrong on the page."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, make_repo
from interrupt import kill_at, run_cli


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


class Serving:
    """`playbook serve` in a child process, stopped at the end."""

    def __init__(self, repo: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "revenue_playbook.cli", "serve", "-a",
             f"127.0.0.1:{self.port}"], cwd=repo, stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def __enter__(self) -> Serving:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.mark.slow
def test_edits_show_without_restart(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, ROOT / "process_defs", docs=True)
    serving = Serving(repo, tmp_path / "serve.log")
    url = serving.url("stages/discovery/")
    process = repo / "process_defs" / "processes" / "new_business.yaml"
    with serving:
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


BANNER = "The last change could not be built: this is the last good version"


@pytest.mark.slow
def test_a_burst_of_saves_ends_in_the_last_state(tmp_path: Path) -> None:
    """Files saved one after another, with pauses longer than the quiet time a rebuild
    waits for (a checkout, a search-and-replace over many files), some states between
    them invalid: the site served at the end is the last state, without a banner."""
    repo = make_repo(tmp_path, ROOT / "process_defs", docs=True)
    serving = Serving(repo, tmp_path / "serve.log")
    process = repo / "process_defs" / "processes" / "new_business.yaml"
    template = repo / "process_defs" / "templates" / "demo_followup.yaml"
    with serving:
        wait_for(serving.url("stages/discovery/"), "Economic buyer named")
        good, subject = process.read_text(), template.read_text()
        broken = good.replace("owner: sales_director", "owner: nobody")
        for step in range(6):  # even steps invalid, the last one valid
            process.write_text(broken if step % 2 == 0 else good)
            template.write_text(subject.replace("Demo recording and next steps",
                                                f"Demo recording, take {step}"))
            time.sleep(0.05)
        page = wait_for(serving.url("emails/demo_followup/"), "Demo recording, take 5")
        deadline = time.monotonic() + 60
        while BANNER in page and time.monotonic() < deadline:
            time.sleep(0.3)
            page = fetch(serving.url("emails/demo_followup/"))
        assert BANNER not in page
        assert "Economic buyer named" in fetch(serving.url("stages/discovery/"))


@pytest.mark.slow
def test_strict_mode_warnings_never_stop_serving(tmp_path: Path) -> None:
    """The example's mkdocs.yml has `strict: true`: a new template nothing uses yet, or a
    campaign file deleted while a page links to it, makes the rebuild fail on a warning.
    The last good site stays, with the warnings on top of every page, generated or not."""
    repo = make_repo(tmp_path, ROOT / "process_defs", docs=True)
    templates = repo / "process_defs" / "templates"
    campaign = repo / "process_defs" / "campaigns" / "retention_webinar.yaml"
    (repo / "playbook" / "notes.md").write_text(
        "# Notes\n\nSee [the webinar](campaigns/retention_webinar.md).\n")
    with Serving(repo, tmp_path / "serve.log") as serving:
        stage, notes = serving.url("stages/discovery/"), serving.url("notes/")
        wait_for(stage, "Economic buyer named")
        assert BANNER not in fetch(notes)
        unused = templates / "spare.yaml"
        unused.write_text((templates / "order_form.yaml").read_text()
                          .replace("Order form for signature", "A spare template"))
        page = wait_for(stage, BANNER)
        assert "Economic buyer named" in page  # the last good pages
        assert "spare" in page and "Strict mode stopped the build on these warnings" in page
        assert BANNER in fetch(notes)
        unused.unlink()
        deadline = time.monotonic() + 60
        while BANNER in fetch(stage) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert BANNER not in fetch(stage)

        saved = campaign.read_bytes()
        campaign.unlink()
        page = wait_for(notes, BANNER)
        assert "retention_webinar" in page
        # the deleted campaign's page is still served, as it was, with the warnings on top
        webinar = fetch(serving.url("campaigns/retention_webinar/"))
        name = yaml.safe_load(saved.decode("utf-8"))["name"]  # its page's title
        assert BANNER in webinar and f">{name}<" in webinar
        campaign.write_bytes(saved)
        deadline = time.monotonic() + 60
        while BANNER in fetch(notes) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert BANNER not in fetch(notes)
        assert serving.process.poll() is None  # still serving all along


def test_busy_port_is_a_clear_message(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["serve", "-a", f"127.0.0.1:{port}"], repo, timeout=60)
    assert result.returncode == 2
    # run as `python -c`: the hint names the interpreter, which works as typed
    assert result.stderr.strip() == (
        f"Error: cannot serve on 127.0.0.1:{port}: another program is using that port; "
        f"stop it or pick another port, e.g. "
        f"`{sys.executable} -m revenue_playbook.cli serve -a 127.0.0.1:{port + 1}`")


@contextlib.contextmanager
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.slow
def test_the_busy_port_hint_works_as_typed(tmp_path: Path) -> None:
    """`make serve` runs .venv/bin/playbook, which is not on PATH: the hint names the
    command the user can type, and the suggested command really serves."""
    repo = make_repo(tmp_path)
    script = Path(sys.executable).parent / "playbook"
    env = {k: v for k, v in os.environ.items() if k != "PLAYBOOK_SERVE_HINT"}
    env["PATH"] = "/usr/bin:/bin"  # the venv's bin is not on it
    with busy_port() as port:
        result = subprocess.run([str(script), "serve", "-a", f"127.0.0.1:{port}"], cwd=repo,
                                env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    hint = result.stderr.strip().rsplit("e.g. ", 1)[1]
    assert hint == f"`{script} serve -a 127.0.0.1:{port + 1}`"
    # typed as shown (in the shell, from the same folder), it gets as far as serving
    with busy_port() as other:
        typed = hint.strip("`").replace(f":{port + 1}", f":{other}")
        again = subprocess.run(typed, shell=True, cwd=repo, env=env, capture_output=True,
                               text=True, timeout=60)
    assert again.returncode == 2 and "cannot serve on" in again.stderr  # not "not found"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_serve_takes_a_port_and_its_hint_says_make(tmp_path: Path) -> None:
    prefix = Path(sys.prefix)
    if not (prefix / ".installed").exists():
        pytest.skip("the test environment was not made by `make setup`")
    with busy_port() as port:
        result = subprocess.run(["make", "-s", "-C", str(ROOT), f"VENV={prefix}", "serve",
                                 f"PORT={port}"], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert (f"cannot serve on 127.0.0.1:{port}: another program is using that port; stop it "
            f"or pick another port, e.g. `make serve PORT={port + 1}`") in result.stderr


@pytest.mark.slow
def test_every_log_line_is_printed_once(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    log = tmp_path / "serve.log"
    with Serving(repo, log) as serving:
        wait_for(serving.url(""), "</html>")
        deadline = time.monotonic() + 30
        while "Serving on" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert any("Documentation built in" in line for line in lines), lines
    assert not [line for line in lines if line.startswith(("INFO:", "WARNING:"))], lines
    assert len(lines) == len(set(lines)), lines


@pytest.mark.slow
def test_ctrl_c_during_start_up(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = run_cli(["serve", "-a", f"127.0.0.1:{free_port()}"], repo,
                     kill_at("mkdocs.commands.build", "_build_page", signal="SIGINT"),
                     timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Interrupted."
    assert "Traceback" not in result.stderr + result.stdout
