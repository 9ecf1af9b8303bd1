"""The `playbook` console script: the CLI, with Ctrl-C handled from the first import on.

Importing the CLI (click, pydantic, Jinja2) takes a noticeable moment: a Ctrl-C then, or
while the first one is being reported, would otherwise end in a traceback.

Importing also makes some 60,000 objects that live until exit (modules, classes, the
models' validators) and next to no garbage, yet the garbage collector walked them again and
again while they were made and once more at exit, just before the process ends. The import
now runs with the collector off, and what it made is then frozen, out of its way: a sixth
of the CPU time of `playbook validate`, which runs on every commit as a pre-commit hook.

Pydantic looks for plugins of its own among the entry points of every installed package
when the first model class is made (`PYDANTIC_DISABLE_PLUGINS`, pydantic's documented
switch, skips that). Playbook's models are its own and no plugin has a use in them: the
command turns the search off, unless the environment already says what to do.
"""

from __future__ import annotations

import gc
import os
import sys

INTERRUPTED = 2  # the CLI's exit code for a usage or environment stop, Ctrl-C included


def run() -> None:
    """Run `playbook` and exit with its code."""
    try:
        try:
            os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
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
