"""Writing output so that it is never half done, never outside its folder, and readable.

Every write of `playbook build` and `playbook publish` goes through here:

- `child(root, name)`: a name inside `root`, refused if it would land anywhere else;
- `write_atomic`: a file replaced in one step (temporary file, fsync, rename);
- `staging_beside` + `swap_in`: a folder built aside and exchanged with the old one in one
  step (`renameat2(RENAME_EXCHANGE)` on Linux), so the folder always exists; where the
  exchange is not available, two renames inside a section Ctrl-C cannot split, and
  `recover` puts back a folder a SIGKILL between them left aside;
- `recover`: staging folders of killed runs removed (only names this module makes);
- `locked`: one writer per folder at a time (flock on the folder itself: no lock file);
- `readable`: folders 0777 and files 0666 less the umask, as MkDocs and every static site
  generator leave them (temporary folders and files start 0700 and 0600).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; runs there are not serialised
    fcntl = None  # type: ignore[assignment]

STAGING_KINDS = ("new", "old")  # a folder being built; a replaced one waiting for removal


class InterruptedAfter(KeyboardInterrupt):
    """Ctrl-C or SIGTERM that came during a `signals_deferred` block, raised once the block
    had finished: what it did is done."""


class OutsideTarget(ValueError):
    """A name that would write outside the folder it was meant for."""


def child(root: Path, name: str) -> Path:
    """`root / name`, checked to be a direct child of `root` once resolved (no separator,
    no `..`, no symlink leading elsewhere)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise OutsideTarget(f"'{name}' is not a plain name inside {root}")
    path = root / name
    if path.resolve().parent != root.resolve() or path.is_symlink():
        raise OutsideTarget(f"'{name}' leads outside {root}")
    return path


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~umask()


def dir_mode() -> int:
    return 0o777 & ~umask()


def readable(path: Path) -> None:
    """Give a folder made by tempfile (0700) the mode any other folder would have."""
    os.chmod(path, dir_mode())


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace `path` in one step: a reader sees the old bytes or the new, never a part,
    and a killed process leaves at worst a `.name.*.tmp` file that `recover` removes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def staging_beside(target: Path, kind: str = "new") -> Path:
    """A fresh folder beside `target` (`.NAME-new-XXXXXXXX`), with a normal mode."""
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}-{kind}-", dir=target.parent))
    readable(folder)
    return folder


def _staging_pattern(name: str | None) -> re.Pattern[str]:
    # tempfile's names: 8 characters of [a-z0-9_]
    who = re.escape(name) if name is not None else ".+"
    return re.compile(rf"\.(?P<name>{who})-(?P<kind>{'|'.join(STAGING_KINDS)})-[a-z0-9_]{{8}}")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(first: Path, second: Path) -> None:
    """Swap two paths in one step (Linux renameat2). OSError where the system or the file
    system cannot (ENOSYS, EINVAL): the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "no atomic exchange on this system")
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 not in this C library")
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                 _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first))


def swap_in(staging: Path, target: Path) -> None:
    """Put the complete folder `staging` at `target`; `target` is never missing on the way.
    The old folder ends up in `staging`'s place and is removed."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutsideTarget(f"{target} is not a folder Playbook made; move it away")
    if not target.exists():
        os.rename(staging, target)
        _sync_folder(target.parent)
        return
    try:
        exchange(staging, target)
        _sync_folder(target.parent)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise
        _swap_by_renames(staging, target)
    else:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_by_renames(staging: Path, target: Path) -> None:
    old = staging_beside(target, "old")
    with signals_deferred():  # Ctrl-C or SIGTERM cannot fall between the two renames
        os.rename(target, old / target.name)
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(old / target.name, target)  # put the previous folder back
            raise
        _sync_folder(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def recover(folder: Path, name: str | None = None) -> list[str]:
    """After a killed run: put back a target that a kill between two renames left inside
    its `.NAME-old-*` folder, then remove staging folders and temporary files (only the
    names this module makes; `name` limits it to one target's). Returns what was done."""
    done: list[str] = []
    if not folder.is_dir():
        return done
    pattern = _staging_pattern(name)
    tmp_pattern = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
    entries = sorted(folder.iterdir())
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found and found["kind"] == "old" and entry.is_dir() and not entry.is_symlink():
            kept = entry / found["name"]
            target = folder / found["name"]
            if kept.is_dir() and not target.exists() and not target.is_symlink():
                os.rename(kept, target)
                done.append(f"put back {target.name}/, left aside by an interrupted run")
    for entry in entries:
        if entry.is_symlink():
            continue
        if pattern.fullmatch(entry.name) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed {entry.name}, left by an interrupted run")
        elif tmp_pattern.fullmatch(entry.name) and entry.is_file():
            entry.unlink(missing_ok=True)
            done.append(f"removed {entry.name}, left by an interrupted run")
    return done


_held: dict[tuple[int, int], int] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def locked(folder: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (flock on the folder itself, so nothing is written
    into it). Another process waits; `waiting` is called once if it has to. Re-entrant in
    one process (publishing locks the folder, then builds a version inside it)."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    stat = os.fstat(fd)
    key = (stat.st_dev, stat.st_ino)
    with _held_guard:
        if key in _held:
            _held[key] += 1
            os.close(fd)
            fd = -1
    if fd == -1:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                del _held[key]
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then interrupt as usual. A no-op
    outside the main thread (where Python delivers no signals anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        raise InterruptedAfter
