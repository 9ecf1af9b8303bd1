"""The `playbook` console script: the CLI, with Ctrl-C handled from the first import on.

Importing the CLI (click, pydantic, Jinja2) takes a noticeable moment: a Ctrl-C then, or
while the first one is being reported, would otherwise end in a traceback.

Importing also makes some 60,000 objects that live until exit (modules, classes, the
models' validators) and next to no garbage, yet the garbage collector walked them again and
again while they were made and once more at exit, just before the process ends. The import
now runs with the collector off, and what it made is then frozen, out of its way: a sixth
of the CPU time of `playbook validate`, which runs on every commit as a pre-commit hook.
"""

from __future__ import annotations

import gc
import sys

INTERRUPTED = 2  # the CLI's exit code for a usage or environment stop, Ctrl-C included


def run() -> None:
    """Run `playbook` and exit with its code."""
    try:
        try:
            gc.disable()
            try:
                from .cli import main
            finally:
                gc.freeze()
                gc.enable()
            code = main()
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted.\n")
            code = INTERRUPTED
    except KeyboardInterrupt:  # a second Ctrl-C while the first is reported
        code = INTERRUPTED
    sys.exit(code)


if __name__ == "__main__":
    run()
