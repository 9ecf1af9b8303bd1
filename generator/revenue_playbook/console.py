"""The `playbook` console script: the CLI, with Ctrl-C handled from the first import on.

Importing the CLI (click, pydantic, Jinja2) takes a noticeable moment: a Ctrl-C then, or
while the first one is being reported, would otherwise end in a traceback. The import runs
out of the garbage collector's way (`definitions.collector.startup`): `playbook validate`
runs on every commit as a pre-commit hook.

Pydantic looks for plugins of its own among the entry points of every installed package
when the first model class is made (`PYDANTIC_DISABLE_PLUGINS`, pydantic's documented
switch, skips that). Playbook's models are its own and no plugin has a use in them: the
command turns the search off, unless the environment already says what to do. Switched off,
the search still imports `importlib.metadata` (email, zipfile, csv, sockets: 13-15 ms of
CPU, a twentieth of `playbook validate`) to read nothing: `no_plugin_search` puts in its
place a module that answers as the switched-off one does.

A run that leaves nothing behind it (one thread, nothing registered to run at exit: what
`playbook validate` is) ends as soon as its output is flushed (`leave`): Python's own exit
would free the 60,000 objects of the imports one by one (8 ms of CPU, 3% of a validate).
Any other run exits as Python does.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import types
from collections.abc import Iterable

INTERRUPTED = 2  # the CLI's exit code for a usage or environment stop, Ctrl-C included
# What pydantic reads `PYDANTIC_DISABLE_PLUGINS` as "no plugins at all" (`get_plugins` in
# pydantic/plugin/_loader.py, which then returns before it looks at any entry point).
PLUGINS_OFF = ("__all__", "1", "true")
PLUGIN_LOADER = "pydantic.plugin._loader"


def _no_plugins() -> Iterable[object]:
    return ()


def no_plugin_search() -> None:
    """With pydantic's plugins switched off, its plugin loader replaced by one that finds
    none without importing `importlib.metadata` (what the real one returns when switched
    off). Nothing changes when plugins are on or the loader is already imported."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in PLUGINS_OFF or \
            PLUGIN_LOADER in sys.modules:
        return
    loader = types.ModuleType(PLUGIN_LOADER, "pydantic's plugin loader, plugins switched off")
    setattr(loader, "get_plugins", _no_plugins)  # noqa: B010 (a module made here)
    sys.modules[PLUGIN_LOADER] = loader


def run() -> None:
    """Run `playbook` and exit with its code."""
    try:
        try:
            os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
            no_plugin_search()
            from .definitions import collector

            with collector.startup():
                from .cli import main
            code = main()
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted.\n")
            code = INTERRUPTED
        else:
            leave(code)
    except KeyboardInterrupt:  # a second Ctrl-C while the first is reported
        code = INTERRUPTED
    sys.exit(code)


def leave(code: int) -> None:
    """End the process with `code` at once, its output flushed, when nothing else would
    happen at exit: no other thread to wait for and nothing registered with `atexit` (a
    temporary folder to remove, logging to flush, a caller's own handler). Otherwise, or
    when the output cannot be flushed, return for Python's own exit."""
    if threading.active_count() != 1 or atexit._ncallbacks():
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: reported as Python would
        return
    os._exit(code)


if __name__ == "__main__":
    run()
