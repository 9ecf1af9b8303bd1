"""Writing output so that it is never half done, never outside its folder, never over the
project's sources or a folder Playbook did not make, and readable.

Every write of every command goes through here (build, publish, export, init, preview,
schema):

- `project_sources` + `check_target`: the one rule for a target: it may not be, contain or
  sit inside the project's sources (definitions, docs folder, mkdocs.yml, pyproject.toml,
  `.git`), nor be a symbolic link; refused before anything is written;
- `claim` + `replace_folder`: a folder is replaced only when it is missing, empty, or holds
  nothing but what an earlier run of ours wrote there (as its `.playbook-manifest.json`
  lists, as mike's versions.json does); the swap refuses, and puts the folder back, if
  anything in it changed since the check;
- `write_new_files` (`playbook init`): files created only where nothing is, every path
  checked before the first write, no write through a symbolic link, and nothing left
  after a failure or Ctrl-C; `write_files` (`schema --all`) and `write_file` (`-o`,
  `--html`) replace files of their own names, each in one step;

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
import errno
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import DEFINITIONS_FOLDER

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
    # tempfile's names: 8 characters of [a-z0-9_]; `.NAME.partial-` and `.NAME.old-` (the
    # old folder kept as `x` inside) are what exports of earlier versions left
    who = re.escape(name) if name is not None else ".*"
    return re.compile(rf"\.(?P<name>{who})(?:-(?P<kind>{'|'.join(STAGING_KINDS)})"
                      rf"|\.(?P<legacy>partial|old))-[a-z0-9_]{{8}}")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(first: Path, second: Path) -> None:
    """Swap two paths in one step (Linux renameat2). OSError where the system or the file
    system cannot (ENOSYS, EINVAL): the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "no atomic exchange on this system")
    import ctypes  # here: `playbook validate` loads this module and never swaps a folder

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 not in this C library")
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                 _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first))


def swap_in(staging: Path, target: Path, expected: Snapshot | None = None) -> None:
    """Put the complete folder `staging` at `target`; `target` is never missing on the way.
    The old folder ends up in `staging`'s place and is removed.

    With `expected` (what `claim` saw), the swap is refused if the folder changed since:
    checked just before the exchange and again on the folder exchanged out, which is put
    back if a file landed in it in between, so nothing saved there is ever removed."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutsideTarget(f"{target} is not a folder Playbook made; move it away")
    if not target.exists():
        if expected is not None and expected.existed:
            raise FolderChanged(f"{target} was removed while Playbook was writing")
        os.rename(staging, target)  # onto nothing, or onto a folder made empty meanwhile
        _sync_folder(target.parent)
        return
    if expected is not None:
        _unchanged(target, expected, target)
    try:
        exchange(staging, target)
        _sync_folder(target.parent)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise
        _swap_by_renames(staging, target, expected)
        return
    if expected is not None and snapshot(staging) != expected.entries:
        exchange(staging, target)  # put it back: something was saved in it meanwhile
        _sync_folder(target.parent)
        _unchanged(target, expected, target)
    shutil.rmtree(staging, ignore_errors=True)


def _swap_by_renames(staging: Path, target: Path, expected: Snapshot | None = None) -> None:
    old = staging_beside(target, "old")
    with signals_deferred():  # Ctrl-C or SIGTERM cannot fall between the two renames
        os.rename(target, old / target.name)
        try:
            if expected is not None:
                _unchanged(old / target.name, expected, target)
            os.rename(staging, target)
        except (OSError, FolderChanged):
            os.rename(old / target.name, target)  # put the previous folder back
            shutil.rmtree(old, ignore_errors=True)
            raise
        _sync_folder(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def staging_names() -> re.Pattern[str]:
    """The names of the staging folders this module makes (for any target)."""
    return _staging_pattern(None)


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
        old = found and (found["kind"] == "old" or found["legacy"] == "old")
        if found and old and entry.is_dir() and not entry.is_symlink():
            kept = entry / (found["name"] if found["kind"] else "x")
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


_LEGACY_HERE = re.compile(r"\.\.(?P<kind>old|partial)-[a-z0-9_]{8}")


def clean_legacy(folder: Path) -> list[str]:
    """Remove what exports of earlier versions run with `--out .` left in the folder they
    ran in: `..partial-*` (a half export) and an empty `..old-*` (the folder could not be
    moved aside). A `..old-*` that holds anything is left alone."""
    done: list[str] = []
    with contextlib.suppress(OSError):
        for entry in sorted(folder.iterdir()):
            found = _LEGACY_HERE.fullmatch(entry.name)
            if not found or entry.is_symlink() or not entry.is_dir():
                continue
            if found["kind"] == "partial":
                shutil.rmtree(entry, ignore_errors=True)
            else:
                try:
                    entry.rmdir()
                except OSError:
                    continue
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


# ---- the one rule for a target: never the sources, never a folder we did not make ----


class Refused(Exception):
    """A target Playbook will not write to; the message names it and says why (exit 2)."""


class FolderChanged(Refused):
    """The folder changed between the check and the swap: it was left as it is."""


@dataclass(frozen=True)
class Sources:
    """The project's sources: what no command may write over, into or around."""

    paths: tuple[tuple[str, Path], ...]  # (what it is, its resolved path)

    def __add__(self, other: Sources) -> Sources:
        return Sources(tuple(dict.fromkeys(self.paths + other.paths)))


class _AnyTag(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !ENV: read them as plain values."""


_AnyTag.add_multi_constructor("!", lambda loader, suffix, node: None)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _mkdocs_sources(config: Path) -> list[tuple[str, Path]]:
    found = [("the MkDocs configuration", config)]
    try:
        data = _mapping(yaml.load(config.read_text(encoding="utf-8"), Loader=_AnyTag))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = {}
    docs = data.get("docs_dir")
    found.append(("the docs folder", config.parent / (docs if isinstance(docs, str) and docs
                                                      else "docs")))
    for plugin in data.get("plugins") or []:
        if isinstance(plugin, dict) and "playbook" in plugin:
            defs = _mapping(plugin["playbook"]).get("defs")
            if isinstance(defs, str) and defs:
                found.append(("the definitions folder", config.parent / defs))
    return found


def _git_sources(start: Path) -> list[tuple[str, Path]]:
    """`.git` of the repository holding `start` (and, for a worktree or submodule, the
    folder its `.git` file points to)."""
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if not os.path.lexists(dot_git):
            continue
        found = [("the git repository", dot_git)]
        if dot_git.is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                line = dot_git.read_text(encoding="utf-8").strip()
                if line.startswith("gitdir:"):
                    found.append(("the git repository", folder / line[7:].strip()))
        return found
    return []


def project_sources(*, config_file: Path | None = None, defs: Path | None = None,
                    extra: Mapping[str, Path] | None = None) -> Sources:
    """The sources of the project a command works on: found from its configuration file
    (`-f`), its definitions folder (PATH) and the current folder. For each of these
    projects: mkdocs.yml, the docs and definitions folders it names, `process_defs/`,
    pyproject.toml and `.git`."""
    found: list[tuple[str, Path]] = []
    anchors: list[Path] = [Path.cwd()]
    if config_file is not None:
        anchors.insert(0, config_file.parent)
        found.extend(_mkdocs_sources(config_file))
    if defs is not None:
        anchors.insert(0, defs.parent)
        found.append(("the definitions folder", defs))
    for folder in dict.fromkeys(a.resolve() for a in anchors):
        config = folder / "mkdocs.yml"
        if config.is_file() and config_file is None:
            found.extend(_mkdocs_sources(config))
        if (folder / DEFINITIONS_FOLDER).is_dir():
            found.append(("the definitions folder", folder / DEFINITIONS_FOLDER))
        if (folder / "pyproject.toml").is_file():
            found.append(("the project settings", folder / "pyproject.toml"))
        found.extend(_git_sources(folder))
    found.extend((what, path) for what, path in (extra or {}).items())
    return Sources(tuple(dict.fromkeys((what, path.resolve()) for what, path in found)))


def check_target(target: Path, sources: Sources, what: str, *,
                 kind: str = "folder") -> Path:
    """Refuse (`Refused`) a `target` that is, contains or sits inside one of the
    `sources`, that is a symbolic link, or that is a file where a folder belongs (and
    the reverse). Returns it resolved. Nothing is written."""
    if target.is_symlink():
        raise Refused(f"refusing to write {what} to {target}: it is a symbolic link; give "
                      "the path it points to, or remove the link")
    if kind == "folder" and target.exists() and not target.is_dir():
        raise Refused(f"refusing to write {what} to {target}: it exists and is not a folder")
    if kind == "file" and target.is_dir():
        raise Refused(f"refusing to write {what} to {target}: it is a folder; give a file "
                      "name")
    resolved = target.resolve()
    for label, source in sources.paths:
        if resolved == source:
            how = "is"
        elif source in resolved.parents:
            how = "is inside"
        elif resolved in source.parents:
            how = "contains"
        else:
            continue
        raise Refused(f"refusing to write {what} to {target}: it {how} {label} {source}; "
                      f"nothing was written (choose a {kind} outside the project's sources)")
    return resolved


Entry = tuple[bool, int, int, int]  # a folder?, size, modification time (ns), inode


def snapshot(folder: Path) -> dict[str, Entry]:
    """Every file and folder inside `folder` (symbolic links not followed), by relative
    path, with what changes when it is written."""
    entries: dict[str, Entry] = {}

    def walk(path: str, prefix: str) -> None:
        with os.scandir(path) as scan:
            for item in scan:
                info = item.stat(follow_symlinks=False)
                is_dir = stat.S_ISDIR(info.st_mode)
                entries[prefix + item.name] = (is_dir, info.st_size, info.st_mtime_ns,
                                               info.st_ino)
                if is_dir:
                    walk(item.path, f"{prefix}{item.name}/")

    walk(os.fspath(folder), "")
    return entries


def names(folder: Path) -> list[str]:
    """The relative path of every file and folder inside `folder` (symbolic links not
    followed): `snapshot` without a `stat` of each (the kind of each entry comes with its
    name), for a folder only listed."""
    found: list[str] = []

    def walk(path: str, prefix: str) -> None:
        with os.scandir(path) as scan:
            for item in scan:
                found.append(prefix + item.name)
                if item.is_dir(follow_symlinks=False):
                    walk(item.path, f"{prefix}{item.name}/")

    walk(os.fspath(folder), "")
    return found


@dataclass(frozen=True)
class Snapshot:
    """What `claim` saw in a folder: the swap refuses if it is not still so."""

    existed: bool
    entries: dict[str, Entry]


def _unchanged(folder: Path, expected: Snapshot, target: Path) -> None:
    now = snapshot(folder)
    if now != expected.entries:
        changed = sorted(set(now) ^ set(expected.entries)
                         | {k for k in now if k in expected.entries and
                            now[k] != expected.entries[k]})
        raise FolderChanged(f"{target} changed while Playbook was writing "
                            f"({_listed(changed)}); it was left as it is: run again")


def _listed(names: list[str], most: int = 5) -> str:
    return ", ".join(names[:most]) + (f" and {len(names) - most} more"
                                      if len(names) > most else "")


MANIFEST = ".playbook-manifest.json"


def _read_manifest(target: Path) -> dict[str, Any] | None:
    path = target / MANIFEST
    try:
        if path.is_symlink():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        return None
    return data


def _write_manifest(folder: Path, what: str) -> None:
    """List everything in `folder` (a staging folder, complete) in its manifest."""
    entries = sorted([*names(folder), MANIFEST])
    write_atomic(folder / MANIFEST, json.dumps({"written_by": f"Playbook: {what}",
                                                "entries": entries}, indent=1) + "\n")


def claim(target: Path, what: str, *, force: bool = True) -> Snapshot:
    """Check that `target` may be replaced, and what is in it now. It may if it is
    missing, empty, or (with `force`) holds only what an earlier run of ours wrote there,
    as its manifest lists; anything else is refused, naming what is not ours."""
    if not target.exists():
        return Snapshot(existed=False, entries={})
    entries = snapshot(target)
    if not entries:
        return Snapshot(existed=True, entries={})
    if not force:
        raise Refused(f"{target} is not empty; pass --force to replace it with {what} "
                      "(its contents are replaced as a whole)")
    manifest = _read_manifest(target)
    if manifest is None:
        raise Refused(f"refusing to replace {target}: Playbook did not make it (it holds "
                      f"{_listed(sorted(entries))}); nothing was written: move it away or "
                      "choose an empty folder")
    ours = set(manifest["entries"])
    foreign = sorted(name for name in entries if name not in ours)
    if foreign:
        raise Refused(f"refusing to replace {target}: it holds files Playbook did not write "
                      f"there ({_listed(foreign)}); nothing was written: move them away")
    return Snapshot(existed=True, entries=entries)


def replace_folder(target: Path, what: str, fill: Callable[[Path], None], *,
                   force: bool = True, sources: Sources | None = None,
                   waiting: Callable[[], None] | None = None,
                   say: Callable[[str], None] | None = None) -> list[str]:
    """Make `target` a folder holding what `fill(staging)` writes, in one step: checked
    against `sources`, claimed (see `claim`), filled aside, then swapped in (see
    `swap_in`) and recorded in its manifest. One writer per parent folder at a time;
    leftovers of killed runs beside `target` are cleaned first. Returns notes on what
    was cleaned (each also given to `say` at once, before the folder is filled)."""
    if sources is not None:
        target = check_target(target, sources, what)
    elif target.is_symlink():
        raise Refused(f"refusing to write {what} to {target}: it is a symbolic link")
    else:
        target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(target.parent, waiting):
        notes = recover(target.parent, target.name)
        if say is not None:
            for note in notes:
                say(note)
        expected = claim(target, what, force=force)
        staging = staging_beside(target)
        try:
            fill(staging)
            _write_manifest(staging, what)
            swap_in(staging, target, expected)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return notes


def _open_dir(name: str, dir_fd: int | None) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def _plan(target: Path, relatives: list[str]) -> list[str]:
    """What stands in the way of creating each of `relatives` inside `target`."""
    problems: list[str] = []
    for relative in relatives:
        parts = relative.split("/")
        for depth in range(1, len(parts) + 1):
            path = target.joinpath(*parts[:depth])
            if not os.path.lexists(path):
                break
            shown = "/".join(parts[:depth])
            if path.is_symlink():
                problems.append(f"{shown} (a symbolic link)")
                break
            if depth == len(parts):
                problems.append(shown)
            elif not path.is_dir():
                problems.append(f"{shown} (a file where a folder belongs)")
                break
    return list(dict.fromkeys(problems))


def write_new_files(target: Path, files: Mapping[str, bytes], what: str,
                    sources: Sources | None = None) -> list[Path]:
    """Create `files` (relative path -> bytes) inside `target`, overwriting nothing: every
    path is checked first (no existing file, link or file-for-a-folder on the way), then
    all are written with Ctrl-C held, each created without following any link; any
    failure removes everything this call created. A missing `target` is made aside and
    renamed into place whole."""
    if sources is not None:
        check_target(target, sources, what)
    elif target.is_symlink() or (target.exists() and not target.is_dir()):
        raise Refused(f"refusing to write {what} to {target}: it is not a folder")
    if any(not name or name.startswith("/") or ".." in name.split("/") for name in files):
        raise OutsideTarget(f"a path of {what} leaves {target}")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = staging_beside(target)
        try:
            _create(staging, files)
            os.rename(staging, target)  # fails if a folder with files appeared meanwhile
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return [target / name for name in files]
    problems = _plan(target, list(files))
    if problems:
        raise Refused(f"{target} already has {_listed(problems)}; nothing was written "
                      "(choose a new folder, or move those away)")
    with signals_deferred():
        _create(target, files)
    return [target / name for name in files]


def _create(root: Path, files: Mapping[str, bytes]) -> None:
    made: list[tuple[int, str, bool]] = []  # (folder fd, name, is a folder), in order
    fds: dict[str, int] = {"": _open_dir(str(root), None)}
    try:
        for relative, data in files.items():
            *folders, name = relative.split("/")
            at = ""
            for folder in folders:
                here = f"{at}{folder}/"
                if here not in fds:
                    try:
                        os.mkdir(folder, dir_mode(), dir_fd=fds[at])
                        made.append((fds[at], folder, True))
                    except FileExistsError:
                        pass
                    fds[here] = _open_dir(folder, fds[at])  # a link there: ELOOP
                at = here
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         file_mode(), dir_fd=fds[at])
            made.append((fds[at], name, False))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
    except BaseException:
        for dir_fd, name, is_folder in reversed(made):
            with contextlib.suppress(OSError):
                if is_folder:
                    os.rmdir(name, dir_fd=dir_fd)
                else:
                    os.unlink(name, dir_fd=dir_fd)
        raise
    finally:
        for fd in fds.values():
            os.close(fd)


def write_files(folder: Path, files: Mapping[str, bytes], what: str,
                sources: Sources | None = None) -> None:
    """Write `files` (plain names) into `folder`, replacing files of those names and
    leaving everything else there alone: all are written aside first, then renamed into
    place with Ctrl-C held. A name taken by a link or a folder is refused first."""
    if sources is not None:
        check_target(folder, sources, what)
    folder.mkdir(parents=True, exist_ok=True)
    if folder.is_symlink() or not folder.is_dir():
        raise Refused(f"refusing to write {what} to {folder}: it is not a folder")
    paths = [child(folder, name) for name in files]
    taken = [p.name for p in paths if os.path.lexists(p) and not
             stat.S_ISREG(os.lstat(p).st_mode)]
    if taken:
        raise Refused(f"refusing to write {what} to {folder}: {_listed(taken)} is not a "
                      "file Playbook can replace; nothing was written")
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in zip(paths, files.values(), strict=True):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, file_mode())
        with signals_deferred():
            for tmp, path in temps:
                os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _sync_folder(folder)


def write_file(path: Path, data: str | bytes, what: str,
               sources: Sources | None = None) -> None:
    """Replace the file `path` in one step (see `write_atomic`), after `check_target`."""
    if sources is not None:
        check_target(path, sources, what, kind="file")
    elif path.is_symlink() or path.is_dir():
        raise Refused(f"refusing to write {what} to {path}: it is not a file")
    write_atomic(path, data)
