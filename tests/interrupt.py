"""Running the `playbook` command in a child process that is killed or interrupted at a
chosen step: a test passes a prelude, Python run before the command, that wraps the step
(e.g. `safe_writes.exchange`) to send the process a signal. Nothing in Playbook itself
knows about these tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(args: list[str], cwd: Path, prelude: str = "", umask: int | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
    code = (f"import os\nif {umask!r} is not None: os.umask({umask!r})\n{prelude}\n"
            "import sys\nfrom revenue_playbook.cli import main\nsys.exit(main(sys.argv[1:]))")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, text=True,
                          capture_output=True, timeout=timeout, env=env)


def kill_at(module: str, function: str, *, after: bool = False, signal: str = "SIGKILL",
            when: str = "True", nth: int = 1) -> str:
    """A prelude sending `signal` to the process at the `nth` call of `module.function`
    for which `when` (an expression of `args`) holds: before the call, or `after` it.
    `function` may be a method, `Class.method` (`args[0]` is then the object)."""
    owner, _, name = function.rpartition(".")
    return f"""
import importlib, signal as _signal
_module = importlib.import_module({module!r})
for _part in {owner!r}.split(".") if {owner!r} else ():
    _module = getattr(_module, _part)
_real = getattr(_module, {name!r})
_calls = [0]
def _wrapped(*args, **kwargs):
    hit = False
    if {when}:
        _calls[0] += 1
        hit = _calls[0] == {nth}
    if hit and not {after!r}:
        os.kill(os.getpid(), _signal.{signal})
    result = _real(*args, **kwargs)
    if hit and {after!r}:
        os.kill(os.getpid(), _signal.{signal})
    return result
setattr(_module, {name!r}, _wrapped)
"""


NO_EXCHANGE = """
import errno
from revenue_playbook.safety import safe_writes
def _no_exchange(a, b):
    raise OSError(errno.EINVAL, "not supported here")
safe_writes.exchange = _no_exchange
"""


def interrupted_console(args: list[str], cwd: Path, at: int | None,
                        calls: Path) -> subprocess.CompletedProcess[str]:
    """The `playbook` script (console.run) run with `args` and sent SIGINT at its `at`-th
    call or return, Python's or C's, counted from the first line of `run()` (0: never;
    None: not even counted): each Ctrl-C lands at the same point of Playbook's run on any
    machine, however loaded. How many calls the run made by the end, or by the interrupt, is
    written to `calls`."""
    code = f"""
import atexit, os, signal, sys
from revenue_playbook.console import run
_calls = [0]
def _count(frame, event, arg):
    if frame.f_code is run.__code__ and event == "call":
        return  # not yet in its body: Python's own window between a call and its first line
    _calls[0] += 1
    if _calls[0] == {at}:
        sys.setprofile(None)
        os.kill(os.getpid(), signal.SIGINT)
def _written():  # at exit: a handler of its own keeps Python's full exit (console.leave)
    sys.setprofile(None)
    with open({str(calls)!r}, "w") as out:
        out.write(str(_calls[0]))
atexit.register(_written)
if {at is not None}:
    sys.setprofile(_count)
run()
"""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, text=True,
                          capture_output=True, timeout=600, env=env)
