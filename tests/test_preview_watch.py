"""`playbook preview … --watch`: a marketer edits a template and the preview follows; a
broken edit shows the error and keeps the last good preview; Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MINIMAL

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.loader import ReadCache


def eventually(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Poll until `condition` holds (a bound for a hung watcher, not a speed check)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_preview_follows_edits_until_interrupted(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    template = defs / "templates" / "hello.yaml"
    original = template.read_text(encoding="utf-8")
    out, err = tmp_path / "preview.html", tmp_path / "stderr.txt"
    with err.open("w", encoding="utf-8") as stderr:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "revenue_playbook.cli", "preview", "template", "hello",
             str(defs), "--watch", "--html", str(out)], stdout=subprocess.DEVNULL, stderr=stderr,
            cwd=tmp_path)
        try:
            eventually(lambda: "Watching" in err.read_text(encoding="utf-8"), "first preview")
            assert "your demo" in out.read_text(encoding="utf-8")

            template.write_text(original.replace("your demo", "your tailored demo"),
                                encoding="utf-8")
            eventually(lambda: "your tailored demo" in out.read_text(encoding="utf-8"),
                       "the edited subject")

            template.write_text(original.replace("your demo\"", "your demo"),
                                encoding="utf-8")  # a quote left open
            eventually(lambda: "PB001" in err.read_text(encoding="utf-8"), "the error")
            assert "templates/hello.yaml:2:10: error PB001" in err.read_text(encoding="utf-8")
            assert "your tailored demo" in out.read_text(encoding="utf-8")  # last good one

            template.write_text(original, encoding="utf-8")
            eventually(lambda: "your tailored demo" not in out.read_text(encoding="utf-8"),
                       "the fixed preview")
        finally:
            watcher.send_signal(signal.SIGINT)
            try:  # a bound for a hung watcher, wide enough for a starved machine
                code = watcher.wait(timeout=120)
            except subprocess.TimeoutExpired:
                watcher.kill()  # not left running into the next test
                watcher.wait()
                raise
    assert code == 0
    assert err.read_text(encoding="utf-8").rstrip().endswith("Stopped watching.")
    assert template.read_text(encoding="utf-8") == original


def test_revalidation_parses_only_changed_files(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    defs = Path("defs")
    shutil.copytree(MINIMAL, defs)
    cache = ReadCache()
    first = validate(defs, cache=cache)
    assert cache.parses == 9 and first.findings == []
    again = validate(defs, cache=cache)
    assert cache.parses == 9 and again.playbook.templates.keys() == first.playbook.templates.keys()

    recap = defs / "templates" / "recap.yaml"
    recap.write_text(recap.read_text(encoding="utf-8").replace("name:", "nmae:"),
                     encoding="utf-8")
    (defs / "campaigns" / "launch.yaml").unlink()
    changed = validate(defs, cache=cache)
    assert cache.parses == 10  # the edited file only
    assert [f"{f.location}: {f.code}" for f in changed.findings] == [
        "defs/templates/newsletter.yaml:1:1: PB407",  # only the deleted campaign sent it
        "defs/templates/recap.yaml:1:1: PB101", "defs/templates/recap.yaml:1:1: PB102"]
    assert "launch" not in changed.playbook.campaigns

    # an edit that keeps the size and the file times (two saves in one timestamp tick)
    hello = defs / "templates" / "hello.yaml"
    times = hello.stat()
    text = hello.read_text(encoding="utf-8")
    hello.write_text(text.replace("your demo", "YOUR DEMO"), encoding="utf-8")
    os.utime(hello, ns=(times.st_atime_ns, times.st_mtime_ns))
    edited = validate(defs, cache=cache)
    assert cache.parses == 11
    assert edited.playbook.templates["hello"].subject == "{{ first_name }}, YOUR DEMO"


INTERRUPTED_FROM_ANOTHER_THREAD = """
import signal, sys, threading, time
from pathlib import Path
from revenue_playbook.incremental.watch import DefinitionsWatch

def ctrl_c_lands_here():
    time.sleep(0.3)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)

with DefinitionsWatch(Path(sys.argv[1])) as watch:
    threading.Thread(target=ctrl_c_lands_here).start()
    try:
        watch.wait()
    except KeyboardInterrupt:
        print("interrupted")
"""


def test_ctrl_c_stops_the_wait_whichever_thread_receives_it(tmp_path: Path) -> None:
    """The kernel hands a Ctrl-C to any thread of the process, watchdog's too: one that
    lands there must still end a wait the main thread is blocked in (it once did not, and
    `preview --watch` ignored Ctrl-C now and then)."""
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_FROM_ANOTHER_THREAD, str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert (done.stdout, done.returncode) == ("interrupted\n", 0), done.stderr
