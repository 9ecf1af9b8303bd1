"""How the user ran Playbook, so that a hint names a command that works as typed.

`make serve` runs `.venv/bin/playbook`, which is not on PATH: a hint saying `playbook serve
-a …` would fail as typed. A Makefile that knows better (`make serve PORT=8001`) says so
in PLAYBOOK_SERVE_HINT.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

SERVE_HINT_VARIABLE = "PLAYBOOK_SERVE_HINT"  # e.g. "make serve PORT={port}"


def playbook_command() -> str:
    """The command that runs this Playbook from the current folder: `playbook` when that
    is the one on PATH, else the path it was run by, else `python -m revenue_playbook.cli`."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    ran = Path(argv0)
    if ran.name == "playbook":
        on_path = shutil.which("playbook")
        try:
            if on_path and Path(on_path).resolve() == ran.resolve():
                return "playbook"
        except OSError:
            pass
        if ran.is_file():
            return shlex.quote(argv0 if os.sep in argv0 else f"./{argv0}")
    return f"{shlex.quote(sys.executable)} -m revenue_playbook.cli"


def serve_on_port_hint(host: str, port: int) -> str:
    """A command that serves on `port` instead, as the user would type it."""
    template = os.environ.get(SERVE_HINT_VARIABLE, "")
    if "{port}" in template:
        return template.replace("{port}", str(port))
    return f"{playbook_command()} serve -a {host}:{port}"
