"""`playbook publish --to-dir`: mike's layout in a plain folder, for hosts without git.

    FOLDER/versions.json        the published versions, newest first, with their aliases
    FOLDER/1.1/, FOLDER/1.0/    one built site per version
    FOLDER/latest/              an alias: for every page of 1.1, a page redirecting to it
                                (latest/sla/index.html to ../../1.1/sla/), as mike's
                                redirect aliases do
    FOLDER/index.html           redirects to the default version

Only names checked by `published_versions` become paths, and each is checked again to stay
inside FOLDER (`safe_writes.child`); a folder of that name that Playbook did not publish is
never replaced. One publish at a time holds FOLDER's lock. The version is built aside; then
a note of what is about to change (`.playbook-publishing.json`) is written, and the switch
(version folder, versions.json, aliases, root page) runs with Ctrl-C and SIGTERM held. A
SIGKILL during the switch leaves the note: the next publish finishes the switch from it
before doing anything else. A SIGKILL before it leaves the previous state, plus staging
folders the next publish removes.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..safety import safe_writes
from .published_versions import (
    BadName,
    check_name,
    check_names,
    in_order,
    well_formed,
    with_version,
)

VERSIONS = "versions.json"
NOTE = ".playbook-publishing.json"
_REDIRECT = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]*)">')


class FolderError(Exception):
    """The folder cannot be published to as asked; the message says why."""


def redirect_page(url: str) -> str:
    url = html.escape(url)
    return (f'<!doctype html><meta charset="utf-8"><title>Redirecting</title>'
            f'<meta http-equiv="refresh" content="0; url={url}">'
            f'<link rel="canonical" href="{url}"><a href="{url}">{url}</a>\n')


def redirect_target(page: Path) -> str | None:
    """Where a redirect page written by `redirect_page` points, else None."""
    try:
        found = _REDIRECT.search(page.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return html.unescape(found.group(1)) if found else None


@contextlib.contextmanager
def session(folder: Path, notes: list[str]) -> Iterator[list[dict[str, Any]]]:
    """Hold FOLDER's lock, repair what an interrupted publish left, and give the versions
    published so far."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"cannot create {folder}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise FolderError(f"{folder} is not a folder")
    with safe_writes.locked(folder, lambda: print(
            f"Waiting for another publish to {folder} to finish...", flush=True)):
        _refuse_foreign(folder)
        yield repair(folder, notes)


def _refuse_foreign(folder: Path) -> None:
    """A folder Playbook has not published to (no versions.json, no note of an interrupted
    publish) must be empty: its index.html, or anything else, is not ours to replace."""
    if (folder / VERSIONS).exists() or (folder / NOTE).exists():
        return
    pattern = safe_writes.staging_names()
    theirs = sorted(entry.name for entry in folder.iterdir()
                    if not pattern.fullmatch(entry.name))
    if theirs:
        shown = ", ".join(theirs[:5]) + (f" and {len(theirs) - 5} more"
                                        if len(theirs) > 5 else "")
        raise FolderError(f"refusing to publish into {folder}: it holds files Playbook did "
                          f"not publish ({shown}) and no {VERSIONS}; nothing was written: "
                          "publish into an empty folder or one Playbook published to")


def publish(folder: Path, versions: list[dict[str, Any]], entry: dict[str, Any],
            default: str, build: Callable[[Path], None]) -> None:
    """Build `entry`'s version with `build(staging)`, then switch to it (inside `session`)."""
    version, aliases = entry["version"], entry.get("aliases", [])
    try:
        check_names(version, aliases, versions)
        target = safe_writes.child(folder, version)
        alias_paths = [safe_writes.child(folder, alias) for alias in aliases]
    except (BadName, safe_writes.OutsideTarget) as exc:
        raise FolderError(str(exc)) from None
    listed = {v["version"] for v in versions}
    known_aliases = {a for v in versions for a in v.get("aliases", [])}
    if (target.exists() or target.is_symlink()) and version not in listed:
        raise FolderError(f"{target} exists and is not a version Playbook published here: "
                          "move it away or publish another version name")
    for path in alias_paths:
        if (path.exists() or path.is_symlink()) and path.name not in known_aliases:
            raise FolderError(f"{path} exists and is not an alias Playbook published here: "
                              "move it away or pick another alias")
    staging = safe_writes.staging_beside(target)
    try:
        build(staging)
        after = with_version(versions, entry)
        note = {"version": version, "staging": staging.name, "versions": after,
                "default": default}
        safe_writes.write_atomic(folder / NOTE, json.dumps(note, indent=2) + "\n")
        with safe_writes.signals_deferred():
            safe_writes.swap_in(staging, target)
            _switch(folder, after, default)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _switch(folder: Path, versions: list[dict[str, Any]], default: str) -> None:
    """versions.json, the alias pages and the root page for `versions`, each replaced in
    one step; then the note goes: the publish is complete."""
    safe_writes.write_atomic(folder / VERSIONS, json.dumps(versions, indent=2) + "\n")
    for entry in versions:
        for alias in entry.get("aliases", []):
            _write_alias(folder, alias, entry["version"])
    safe_writes.write_atomic(folder / "index.html", redirect_page(f"{default}/"))
    (folder / NOTE).unlink(missing_ok=True)


def alias_pages(site: Path, version: str) -> dict[str, str]:
    """An alias of `version` (whose site is the folder `site`): for each of its HTML pages,
    the page at the same path in the alias folder that leads to it (mike's rule: a link to
    a folder's index.html names the folder)."""
    pages = {}
    for page in sorted(site.rglob("*.html")):
        relative = page.relative_to(site).as_posix()
        depth = relative.count("/") + 1
        href = "../" * depth + f"{version}/{relative}"
        if href.endswith("/index.html"):
            href = href[:-len("index.html")]
        pages[relative] = redirect_page(href)
    return pages


def _write_alias(folder: Path, alias: str, version: str) -> None:
    """The alias folder, every page of it made aside and swapped in whole."""
    path = safe_writes.child(folder, alias)
    pages = alias_pages(safe_writes.child(folder, version), version) or {
        "index.html": redirect_page(f"../{version}/")}
    staging = safe_writes.staging_beside(path)
    try:
        for relative, page in pages.items():
            target = staging.joinpath(*relative.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, encoding="utf-8")
        safe_writes.swap_in(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def repair(folder: Path, notes: list[str]) -> list[dict[str, Any]]:
    """Finish or undo what an interrupted publish left, and give the versions."""
    note_path = folder / NOTE
    if note_path.is_file():
        try:
            note = json.loads(note_path.read_text(encoding="utf-8"))
            staged = safe_writes.child(folder, str(note["staging"]))
            if not well_formed(note["versions"]):
                raise ValueError("no versions")
            for entry in note["versions"]:
                check_names(entry["version"], entry.get("aliases", []), [])
            check_name(str(note["default"]), "default")
        except (OSError, ValueError, KeyError, TypeError, safe_writes.OutsideTarget):
            note = None
        if note is None:
            notes.append(f"removed {NOTE}, unreadable: left by an interrupted publish")
        elif staged.exists():  # killed before the switch: the previous state stands
            notes.append(f"an interrupted publish of {note['version']} never switched to "
                         "it; the folder is as it was before it")
        else:
            _switch(folder, note["versions"], note["default"])
            notes.append(f"finished the interrupted publish of {note['version']}")
        note_path.unlink(missing_ok=True)
    notes.extend(safe_writes.recover(folder))
    path = folder / VERSIONS
    if not path.exists():
        return []
    try:
        versions = json.loads(path.read_text(encoding="utf-8"))
        if not well_formed(versions):
            raise ValueError("not a list of versions")
    except (OSError, ValueError) as exc:
        why = _why(exc, path)
        versions = _versions_from_folders(folder)
        safe_writes.write_atomic(path, json.dumps(versions, indent=2) + "\n")
        names = ", ".join(v["version"] for v in versions) or "none"
        notes.append(f"{VERSIONS} was damaged ({why}); rebuilt from the folders: {names} "
                     "(titles and source commits of those are lost)")
    _repair_root(folder, versions, notes)
    return versions


def _why(exc: Exception, path: Path) -> str:
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            return "0 bytes"
    return str(exc).split("\n")[0]


def _versions_from_folders(folder: Path) -> list[dict[str, Any]]:
    """What the folders say: a folder with only a redirect to ../X/ is an alias of X; any
    other folder with an index.html is a version."""
    versions: dict[str, dict[str, Any]] = {}
    aliases: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
        try:
            check_name(entry.name, "folder")
        except BadName:
            continue
        if entry.is_symlink() or not (entry / "index.html").is_file():
            continue
        target = redirect_target(entry / "index.html")
        if target and re.fullmatch(r"\.\./[^/]+/", target) and _only_redirects(entry):
            aliases[entry.name] = target[3:-1]
        else:
            versions[entry.name] = {"version": entry.name, "title": entry.name,
                                    "aliases": []}
    for alias, version in aliases.items():
        if version in versions:
            versions[version]["aliases"].append(alias)
    return in_order(list(versions.values()))


def _only_redirects(entry: Path) -> bool:
    """Whether a folder holds nothing but redirect pages (an alias, see `alias_pages`)."""
    return all(path.is_dir() or (path.suffix == ".html" and redirect_target(path))
               for path in entry.rglob("*"))


def _repair_root(folder: Path, versions: list[dict[str, Any]], notes: list[str]) -> None:
    """A root page leading to a folder that is not there points at the default again."""
    if not versions:
        return
    root = folder / "index.html"
    target = redirect_target(root) if root.is_file() else None
    if target and (folder / target.rstrip("/")).is_dir() and "/" not in target.rstrip("/"):
        return
    first = versions[0]
    default = (first.get("aliases") or [first["version"]])[0]
    for entry in versions:
        for alias in entry.get("aliases", []):
            if not (folder / alias).is_dir():
                _write_alias(folder, alias, entry["version"])
    if root.exists() and target is None:
        return  # a page someone else wrote: theirs
    safe_writes.write_atomic(root, redirect_page(f"{default}/"))
    notes.append(f"index.html led to {target or 'nothing'}; it leads to {default}/ again")
