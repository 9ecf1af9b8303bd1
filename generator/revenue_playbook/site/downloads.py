"""The site's Downloads: every export target's files, and a zip of each target's folder.

The same bytes as `playbook export TARGET`, from the same validated model; a target that
cannot express this playbook is listed with the reason instead of its files.
"""

from __future__ import annotations

import functools
import io
import posixpath
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..definitions.model import Playbook
from ..exports import TARGETS, ExportFailed, build
from ..exports.base import Files
from ..exports.calendars import source_date_epoch
from ..incremental.page_memo import Build

FOLDER = "downloads"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same playbook gives the same zip bytes


@dataclass
class Download:
    """One target on the Downloads page."""

    name: str
    title: str
    summary: str
    how_to_import: str
    files: list[str] = field(default_factory=list)  # paths relative to the page
    archive: str = ""  # the zip of every file, relative to the page
    problem: str = ""  # why the target is not offered


def _export(name: str, made: Build | None, playbook: Playbook,
            shared: Mapping[str, Any]) -> Files | str:
    """A target's files: plain values, so that the build cache keeps them for the next
    process (its warnings are not shown on the page); or, for a playbook the target
    cannot express, why. A refusal is kept like files are: it would otherwise be worked
    out again in every build, whatever the edit (a large playbook over a CRM's limits).
    With the site's build, a target made in parts keeps each part as a value of the build
    (one template's emails made again after that template's edit, not every template's).
    No other value reads this one, so its function may hold the build (`_part`'s may not)."""
    parts = None if made is None else functools.partial(_part, made, name)
    try:
        return build(playbook, name, parts).files
    except ExportFailed as exc:
        return "; ".join(p.message for p in exc.problems)


def _part(made: Build, name: str, key: str, make: Callable[[Playbook], Any],
          args: Any) -> Any:
    """A part of target `name`'s files (`exports.base.Parts`), as a value of the build: its
    function holds no build (the next build makes it again with the function it has)."""
    return made.page(f"downloads:{name}:{key}", functools.partial(_made, make), args=args)


def _made(make: Callable[[Playbook], Any], playbook: Playbook,
          shared: Mapping[str, Any]) -> Any:
    return make(playbook)


def _zipped(files: dict[str, bytes], root: str, playbook: Playbook,
            shared: Mapping[str, Any]) -> bytes:
    return _zip(files, root)


def _zip(files: dict[str, bytes], root: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(posixpath.join(root, path), _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def downloads(playbook: Playbook, made: Build | None = None) \
        -> tuple[list[Download], dict[str, bytes]]:
    """The Downloads page's entries, and its assets by site path (under downloads/). With
    the site's build (`made`), a target's files are made again only when what the target
    reads changed."""
    entries: list[Download] = []
    assets: dict[str, bytes] = {}
    for name, target in TARGETS.items():
        if not target.applies(playbook):
            continue
        entry = Download(name, target.title, target.summary, target.how_to_import)
        entries.append(entry)
        # the calendars' times are clamped to SOURCE_DATE_EPOCH: a key of the files too
        files = (_export(name, None, playbook, {}) if made is None else
                 made.page(f"downloads:{name}", functools.partial(_export, name, made),
                           args=source_date_epoch()))
        if isinstance(files, str):
            entry.problem = files
            continue
        for path, data in sorted(files.items()):
            assets[f"{FOLDER}/{name}/{path}"] = data
            entry.files.append(f"{name}/{path}")
        assets[f"{FOLDER}/{name}.zip"] = (
            _zip(files, name) if made is None else
            made.page(f"downloads:{name}.zip", functools.partial(_zipped, files, name),
                      args=files))
        entry.archive = f"{name}.zip"
    return entries, assets
