"""The `playbook` console script: the CLI, with Ctrl-C handled from the first import on.

Importing the CLI (click, pydantic, Jinja2) takes a noticeable moment: a Ctrl-C then, or
while the first one is being reported, would otherwise end in a traceback.
"""

from __future__ import annotations

import sys

INTERRUPTED = 2  # the CLI's exit code for a usage or environment stop, Ctrl-C included


def run() -> None:
    """Run `playbook` and exit with its code."""
    try:
        try:
            from .cli import main

            code = main()
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted.\n")
            code = INTERRUPTED
    except KeyboardInterrupt:  # a second Ctrl-C while the first is reported
        code = INTERRUPTED
    sys.exit(code)


if __name__ == "__main__":
    run()
