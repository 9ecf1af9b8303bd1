"""The build cache on disk: what a `playbook build` made, kept for the next build.

One folder (`.cache/playbook/build/` beside mkdocs.yml by default) holds

- `index.json`: the cache's format, its key, and the digest of each section (the parsed
  definition files, the digests of the diagram files that passed the SVG check, the page
  memo's entries, the engine's records), nothing else;
- `objects/ab/abcdef...`: every other piece as a file named by the digest (`digest`) of its
  bytes (a section's JSON, a page's Markdown, a calendar, an export's files, its
  converted HTML and search entries, the page the theme wrote, a static file). An
  unchanged page the theme wrote, and every static file (the theme's assets, diagrams,
  downloads, calendars), goes into the new site as a hard link to its object
  (`Store.link`, `Store.link_data`), which is never written in place: a new object is
  written under a temporary name and renamed.

**What keys it.** The key is a digest of Playbook's version and its own code (every file of
the package), Python's version, the versions of the libraries Playbook requires, the time
zone database's version, the engine's and its plugins' versions, the engine's
configuration (mkdocs.yml and the theme's overrides, by content) and the kind of build. A
cache made under any other key is foreign: it is not read at all. Inside a valid cache, each
page is reused only when what it was made from is unchanged (`page_memo`, and the engine's
keys in `engines.mkdocs.incremental`), so a cached build writes the bytes a cold build writes.

**What is never trusted.** Whatever sits in the folder may have been damaged, cut short,
left half written by a killed build, restored from another machine, or planted. So:
nothing is unpickled or run: every section is JSON and is checked field by field against
the shape this code writes, and an object is used only if its bytes hash to its name (a
truncated or altered file is a miss); the folder and every file are opened without
following symbolic links, and nothing is written outside the folder, which itself must
lie inside the project with no link on the way (`open_cache`); an object that fails any
check is made again as in a cold build. Anything wrong costs time, never a wrong site.
What cannot be told apart from a good cache is a well-formed one written on purpose by
someone who can write the project folder: they could change the site as well through
mkdocs.yml or the definitions. Diagrams' SVG files are checked again as dot's output is
(`site.diagrams.DiagramRenderer`), unless those very bytes passed in the build that wrote
the cache.

Clear it with `rm -rf .cache/playbook/build` (or `playbook build --no-cache`, which
neither reads nor writes it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FORMAT = 2  # 2: objects named by SHA-256, not BLAKE2b
INDEX = "index.json"
OBJECTS = "objects"
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_HEX = frozenset("0123456789abcdef")
_MAX_INDEX = 1 << 20  # the index holds a handful of digests


def digest(data: bytes) -> str:
    """An object's name: the first 160 bits of the SHA-256 of its bytes, in hex. SHA-256,
    not BLAKE2b: every object linked into a site is hashed again when it is used (half a
    gigabyte of pages at scale 100), and processors' SHA instructions hash twice as fast."""
    return hashlib.sha256(data).hexdigest()[:40]


def is_object_name(name: object) -> bool:
    """Whether `name` is what `digest` gives (an object's name), and nothing else."""
    return type(name) is str and len(name) == 40 and _HEX.issuperset(name)


def code_fingerprint() -> str:
    """A digest of every file of the installed Playbook package (code, templates): a
    cache made by other code is foreign, even at the same version number."""
    root = Path(__file__).parents[1]  # the package
    hasher = hashlib.blake2b(digest_size=20)
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            hasher.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as handle:
                hasher.update(hashlib.blake2b(handle.read(), digest_size=20).digest())
    return hasher.hexdigest()


def cache_key(parts: Mapping[str, Any]) -> str:
    """The key of a cache: Playbook's version and code and Python's, the versions of the
    libraries it makes pages, calendars and parsed files with, the time zone database,
    with the engine's `parts` (versions, configuration)."""
    from .. import __version__

    text = json.dumps({"playbook": __version__, "code": code_fingerprint(),
                       "python": sys.version, "libraries": library_versions(),
                       "time zones": time_zone_database(), **parts},
                      sort_keys=True, default=repr)
    return digest(text.encode())


DISTRIBUTION = "revenue-playbook"


def library_versions() -> dict[str, str]:
    """The version of each library Playbook requires (PyYAML parses the files, Jinja and
    MarkupSafe write the pages, icalendar the calendars...): another version may write
    other bytes. Empty when Playbook runs from a folder without its package's metadata."""
    import importlib.metadata
    import re

    try:
        required = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    versions = {}
    for line in required:
        name = re.match(r"[A-Za-z0-9_.-]+", line)
        if name is None or "extra ==" in line:
            continue
        try:
            versions[name[0]] = importlib.metadata.version(name[0])
        except importlib.metadata.PackageNotFoundError:
            versions[name[0]] = ""
    return versions


def time_zone_database() -> str:
    """Which time zone rules zoneinfo reads (a calendar's VTIMEZONE and a time shown in a
    zone follow them): the system's database by its version line, or the tzdata package's
    version."""
    import zoneinfo

    for folder in zoneinfo.TZPATH:
        try:
            with open(os.path.join(folder, "tzdata.zi"), "rb") as handle:
                return f"{folder}: {handle.readline(200).decode('ascii', 'replace').strip()}"
        except OSError:
            continue
    try:
        import importlib.metadata

        return f"tzdata {importlib.metadata.version('tzdata')}"
    except importlib.metadata.PackageNotFoundError:
        return "none found"


class CacheUnusable(Exception):
    """The cache folder cannot be used (a link on the way, outside the project)."""


class Store:
    """Content-addressed objects in one folder, and its index. Every read is checked; a
    failed one is a miss. Writes go to a temporary name and are renamed into place."""

    def __init__(self, fd: int, folder: Path, key: str) -> None:
        self._fd = fd  # the cache folder, opened without following links
        self.folder = folder
        self.key = key
        self._subfolders: dict[str, int] = {}
        self.used: set[str] = set()  # objects the build that ends with `save` refers to
        self.reads = 0
        self.misses = 0
        self.writes = 0
        self.ignored: str | None = None  # why the index on disk was not used
        self._mode = _written_mode()  # of a file written now: an object a page may link to
        self.can_link = True  # False once the file system refused a hard link

    def close(self) -> None:
        for fd in self._subfolders.values():
            os.close(fd)
        self._subfolders.clear()
        with contextlib.suppress(OSError):
            os.close(self._fd)

    # ------------------------------------------------------------------------- objects
    def _objects(self) -> int:
        if OBJECTS not in self._subfolders:
            with contextlib.suppress(FileExistsError):
                os.mkdir(OBJECTS, 0o755, dir_fd=self._fd)
            self._subfolders[OBJECTS] = os.open(OBJECTS, _FOLDER, dir_fd=self._fd)
        return self._subfolders[OBJECTS]

    def _subfolder(self, name: str, create: bool) -> int | None:
        fd = self._subfolders.get(name)
        if fd is None:
            try:
                objects = self._objects()
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(name, 0o755, dir_fd=objects)
                fd = self._subfolders[name] = os.open(name, _FOLDER, dir_fd=objects)
            except OSError:  # missing, or a link (ELOOP), or not a folder
                return None
        return fd

    def get(self, name: str) -> bytes | None:
        """The object `name`, or None when it is missing or its bytes are not what its
        name says."""
        if not is_object_name(name):
            self.misses += 1
            return None
        folder = self._subfolder(name[:2], create=False)
        data = None
        if folder is not None:
            try:
                fd = os.open(name[2:], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder)
            except OSError:
                fd = -1
            if fd >= 0:
                with os.fdopen(fd, "rb") as handle:
                    data = handle.read()
        if data is None or digest(data) != name:
            self.misses += 1
            return None
        self.reads += 1
        self.used.add(name)
        return data

    def link(self, name: str, dest: str) -> bool:
        """Put the object `name` at `dest` (a path not yet taken) as a hard link to it,
        when its bytes hash to its name and it is a file of ours with the mode a written
        file gets: nothing is copied (a page's HTML, written again by every build from the
        cache, costs a write that the file system makes dear). False otherwise, and where
        links cannot be made to the file that was checked (the caller writes `dest`)."""
        folder = self._subfolder(name[:2], create=False) if is_object_name(name) else None
        try:
            fd = -1 if folder is None else os.open(name[2:], os.O_RDONLY | os.O_NOFOLLOW,
                                                   dir_fd=folder)
        except OSError:
            fd = -1
        if fd < 0:
            self.misses += 1
            return False
        with os.fdopen(fd, "rb") as handle:
            found = os.fstat(fd)
            if (not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid()
                    or stat.S_IMODE(found.st_mode) != self._mode
                    or digest(handle.read()) != name):
                self.misses += 1
                return False
            try:
                os.link(name[2:], dest, src_dir_fd=folder, follow_symlinks=False)
            except FileExistsError:
                return False
            except OSError:  # links across devices, or none on this file system
                self.can_link = False
                return False
            try:
                linked = os.lstat(dest)
            except OSError:
                return False
            if (linked.st_dev, linked.st_ino) != (found.st_dev, found.st_ino):
                # not the file checked: replaced under its name meanwhile
                with contextlib.suppress(OSError):
                    os.unlink(dest)
                return False
        self.reads += 1
        self.used.add(name)
        return True

    def link_data(self, data: bytes, dest: str) -> bool:
        """Put `data` at `dest` (a path not yet taken) as a hard link to its object, kept
        first if new, or written anew if the object on disk is not these bytes (damaged):
        False where no link can be made (the caller writes `dest`)."""
        if not self.can_link:
            return False
        name = self.put(data)
        if self.link(name, dest):
            return True
        folder = self._subfolder(name[:2], create=True)
        if not self.can_link or folder is None or os.path.lexists(dest):
            return False
        self._write(folder, name[2:], data)
        return self.link(name, dest)

    def keep(self, name: str) -> None:
        """The object `name` is still used (it is not removed by `save`)."""
        self.used.add(name)

    def get_json(self, name: str) -> Any:
        data = self.get(name)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def put(self, data: bytes) -> str:
        """Keep `data`; its name (digest). Already there: nothing is written."""
        name = digest(data)
        self.used.add(name)
        folder = self._subfolder(name[:2], create=True)
        if folder is None:
            return name
        try:
            os.stat(name[2:], dir_fd=folder, follow_symlinks=False)
            return name  # written by an earlier build (checked when read)
        except FileNotFoundError:
            pass
        except OSError:
            return name
        self._write(folder, name[2:], data)
        return name

    def put_json(self, value: Any) -> str:
        """Keep `value` as JSON, its mappings in their order (a search entry's keys are
        written to the index in the order they were made)."""
        return self.put(json.dumps(value, separators=(",", ":"), ensure_ascii=False
                                   ).encode("utf-8", "surrogatepass"))

    def _write(self, folder: int, name: str, data: bytes) -> None:
        temporary = f".{name}.{os.getpid()}.tmp"
        try:
            # the mode of any file written, so that a site's page may be a link to it
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         0o666, dir_fd=folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            # a rename replaces a link of that name rather than writing through it
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            self.writes += 1
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)

    # --------------------------------------------------------------------------- index
    def load(self) -> dict[str, str]:
        """The sections of the cache on disk (name -> object), or {} when there is no
        index or it is not exactly one of ours under this key (`ignored` says why)."""
        try:
            fd = os.open(INDEX, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=self._fd)
        except FileNotFoundError:
            self.ignored = "no cache yet"
            return {}
        except OSError as exc:
            self.ignored = f"{INDEX} cannot be read ({exc.strerror or exc})"
            return {}
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(_MAX_INDEX + 1)
        try:
            index = json.loads(data)
        except ValueError:
            index = None
        if (not isinstance(index, dict) or set(index) != {"format", "key", "sections"}
                or index["format"] != FORMAT or not isinstance(index["sections"], dict)
                or not all(isinstance(v, str) for v in index["sections"].values())):
            self.ignored = f"{INDEX} is not a Playbook build cache of this version"
            return {}
        if index["key"] != self.key:
            self.ignored = ("made by another Playbook, engine or configuration")
            return {}
        return dict(index["sections"])

    def save(self, sections: Mapping[str, str]) -> None:
        """Write the index naming `sections`, then remove the objects no section uses."""
        text = json.dumps({"format": FORMAT, "key": self.key, "sections": dict(sections)},
                          sort_keys=True).encode()
        temporary = f".{INDEX}.{os.getpid()}.tmp"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         0o644, dir_fd=self._fd)
            with os.fdopen(fd, "wb") as handle:
                handle.write(text)
            os.replace(temporary, INDEX, src_dir_fd=self._fd, dst_dir_fd=self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self._fd)
            return
        self._prune(self.used | set(sections.values()))
        with contextlib.suppress(OSError):  # what a killed build left of its index
            for name in os.listdir(self._fd):
                if name.startswith(f".{INDEX}.") and name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=self._fd)

    def _prune(self, keep: Iterable[str]) -> None:
        """Remove the objects the new index does not reach, so the folder does not grow
        with every edit."""
        wanted = set(keep)
        try:
            objects = self._objects()
            subfolders = os.listdir(objects)
        except OSError:
            return
        for sub in subfolders:
            if len(sub) != 2 or not _HEX.issuperset(sub):
                continue
            folder = self._subfolder(sub, create=False)
            if folder is None:
                continue
            with contextlib.suppress(OSError):
                for name in os.listdir(folder):
                    if sub + name not in wanted:
                        with contextlib.suppress(OSError):
                            os.unlink(name, dir_fd=folder)


def _written_mode() -> int:
    """The mode of a file written now: 0666 less the umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def open_cache(folder: Path, project: Path, key: str) -> Store:
    """The store in `folder`, created if needed. `folder` must lie inside `project` (the
    folder holding mkdocs.yml), and no part of the way from `project` to it may be a
    symbolic link: the cache never writes outside the project (CacheUnusable)."""
    project = Path(os.path.abspath(project))
    folder = Path(os.path.abspath(folder))
    if folder == project or project not in folder.parents:
        raise CacheUnusable(f"the build cache {folder} is not inside the project {project}")
    fd = os.open(project, os.O_RDONLY | os.O_DIRECTORY)  # the project itself: as given
    try:
        for part in folder.relative_to(project).parts:
            if part in ("", ".", ".."):
                raise CacheUnusable(f"the build cache {folder} is not a plain path")
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=fd)
            try:
                inner = os.open(part, _FOLDER, dir_fd=fd)
            except OSError as exc:
                raise CacheUnusable(f"the build cache {folder} cannot be used: {part} is a "
                                    f"link or not a folder ({exc.strerror or exc})") from None
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return Store(fd, folder, key)


__all__ = ["CacheUnusable", "Store", "cache_key", "code_fingerprint", "is_object_name",
           "library_versions", "open_cache", "time_zone_database"]
