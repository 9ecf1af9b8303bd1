"""The list of published versions (mike's `versions.json`) and the names allowed in it.

A version or an alias becomes a folder name in the publish folder or on the branch, so it
must be a plain name: it starts with a letter or digit and holds only letters, digits and
`. _ + -`, at most 100 characters (`1.0`, `v2`, `2027-q1`, `latest`). No separator, no
`.` or `..`, no space, and not `index.html` or `versions.json`, the two files beside the
versions. A name is one thing at a time: an alias cannot be a version's name, nor a new
version an alias of another one.
"""

from __future__ import annotations

import re
from typing import Any

from verspec.loose import LooseVersion

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
RESERVED = {"index.html", "versions.json"}
PATTERN_TEXT = "letters, digits and . _ + - (starting with a letter or digit, at most 100)"


class BadName(ValueError):
    """A version or alias that cannot be published; the message says what to do."""


def check_name(name: str, kind: str) -> None:
    if not NAME.fullmatch(name) or name.lower() in RESERVED:
        raise BadName(f"{kind} {name!r} is not a plain name: use {PATTERN_TEXT}, "
                      "e.g. 1.2 or latest")


def check_names(version: str, aliases: list[str], versions: list[dict[str, Any]]) -> None:
    """`version` and its `aliases` are plain names and do not clash with what is there."""
    check_name(version, "version")
    for alias in aliases:
        check_name(alias, "alias")
        if alias == version:
            raise BadName(f"alias {alias!r} is the version's own name: drop it")
    names = {entry.get("version"): entry for entry in versions}
    for alias in aliases:
        if alias in names:
            raise BadName(f"alias {alias!r} is already a published version; publishing it "
                          "as an alias would replace that version: pick another alias")
    for entry in versions:
        if version in entry.get("aliases", []) and entry.get("version") != version:
            raise BadName(f"version {version!r} is already an alias of version "
                          f"{entry.get('version')}: pick another version name")


def in_order(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The versions newest first, in the one order every versions.json of ours has: mike's
    on the pages branch (`mike.versions.Versions`), kept in a publish folder too. By version
    (`1.10` above `1.9`, whenever each was published), with a name that does not start with
    a digit (`dev`, `main`) above every numbered one."""
    def key(entry: dict[str, Any]) -> tuple[int, LooseVersion]:
        name = str(entry.get("version"))
        return (0 if re.match(r"v?\d", name) else 1, LooseVersion(name))
    return sorted(versions, key=key, reverse=True)


def with_version(versions: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The list after publishing `entry` (`in_order`), its aliases taken from the others."""
    aliases = set(entry.get("aliases", []))
    kept = [dict(other, aliases=[a for a in other.get("aliases", []) if a not in aliases])
            for other in versions if other.get("version") != entry["version"]]
    return in_order([entry, *kept])


def previous_version(versions: list[dict[str, Any]], new: str) -> dict[str, Any] | None:
    """The version a new one is compared with: the one called `latest`, else the newest."""
    others = [v for v in in_order(versions) if v.get("version") != new]
    for entry in others:
        if "latest" in entry.get("aliases", []):
            return entry
    return others[0] if others else None


def well_formed(data: object) -> bool:
    """A versions.json Playbook can read (one mike wrote or one of ours)."""
    return isinstance(data, list) and all(
        isinstance(entry, dict) and isinstance(entry.get("version"), str)
        and isinstance(entry.get("aliases", []), list) for entry in data)
