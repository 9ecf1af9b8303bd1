"""Waiting for edits to the definitions, for commands that keep running (`preview --watch`).

watchdog reports changes as the operating system sees them; an editor's save is often
several of them (a temporary file, a rename), so a change counts once things settle.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

# Opening and reading a file are events too on Linux: ours would wake us up for ever.
_CHANGES = {"created", "modified", "deleted", "moved"}
_WAKE = 0.25  # seconds between checks for a Ctrl-C while nothing changes


class _Handler(FileSystemEventHandler):
    def __init__(self, changed: threading.Event) -> None:
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
        if event.is_directory or any(p.endswith((".yaml", ".yml")) for p in paths):
            self.changed.set()


class DefinitionsWatch:
    """A context manager whose `wait()` returns after YAML files below `root` change."""

    def __init__(self, root: Path, settle: float = 0.1) -> None:
        self.root = root
        self.settle = settle
        self._changed = threading.Event()
        self._observer = Observer()

    def __enter__(self) -> DefinitionsWatch:
        self._observer.schedule(_Handler(self._changed), str(self.root), recursive=True)
        self._observer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a change has settled; False if `timeout` passed without one."""
        deadline = None if timeout is None else time.monotonic() + timeout
        # A Ctrl-C the kernel hands to watchdog's thread does not wake a main thread blocked
        # without a timeout: waking up now and then lets Python raise KeyboardInterrupt.
        while not self._changed.wait(_WAKE if deadline is None
                                     else min(_WAKE, deadline - time.monotonic())):
            if deadline is not None and time.monotonic() >= deadline:
                return False
        while True:
            self._changed.clear()
            if not self._changed.wait(self.settle):
                return True
