"""The `playbook` console script: the CLI, with Ctrl-C handled from the first import on.

Importing the CLI (click, pydantic, Jinja2) takes a noticeable moment: a Ctrl-C then, or
while the first one is being reported, would otherwise end in a traceback. The import runs
out of the garbage collector's way (`definitions.collector.startup`): `playbook validate`
runs on every commit as a pre-commit hook.

Pydantic looks for plugins of its own among the entry points of every installed package
when the first model class is made (`PYDANTIC_DISABLE_PLUGINS`, pydantic's documented
switch, skips that). Playbook's models are its own and no plugin has a use in them: the
command turns the search off, unless the environment already says what to do.
"""

from __future__ import annotations

import os
import sys

INTERRUPTED = 2  # the CLI's exit code for a usage or environment stop, Ctrl-C included


def run() -> None:
    """Run `playbook` and exit with its code."""
    try:
        try:
            os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
            from .definitions import collector

            with collector.startup():
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
