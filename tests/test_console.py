"""The `playbook` script's exit: a run that leaves nothing behind ends as soon as its output
is flushed, with its code; any other exits as Python does, its handlers run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import make_repo

SCRIPT = """
import sys
from revenue_playbook.console import run
sys.argv = ["playbook", *sys.argv[1:]]
{before}
run()
"""


def _script(repo: Path, *args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT.format(before=before), *args],
                          cwd=repo, capture_output=True, text=True, timeout=120)


def _many_problems(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    roles = "\n".join(f"  role_{i}:\n    name: Role {i}\n    team: nowhere" for i in range(300))
    (repo / "process_defs" / "many.yaml").write_text(f"roles:\n{roles}\n")
    return repo


def test_a_run_that_leaves_nothing_behind_ends_with_all_its_output(tmp_path: Path) -> None:
    repo = _many_problems(tmp_path)
    done = _script(repo, "validate", "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)  # all of it, through a pipe
    assert len([f for f in report["findings"] if f["code"] == "PB103"]) == 300
    assert done.stderr == ""


def test_a_handler_registered_for_the_exit_still_runs(tmp_path: Path) -> None:
    repo = _many_problems(tmp_path)
    done = _script(repo, "validate", before="import atexit\n"
                   "atexit.register(lambda: print('handler ran', file=sys.stderr))")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "handler ran"
    assert "invalid" in done.stdout.strip().splitlines()[-1]


def test_a_closed_output_is_reported_as_python_reports_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    done = _script(repo, "validate", before="sys.stdout.close()")
    assert done.returncode != 0
    assert done.stdout == ""
