"""Values that differ by customer segment, written once (`{large: 30d, smb: 5d}`).

A per-segment value is either a plain value, the same for every segment, or a mapping from
segment ids (and optionally `default`) to values. Everything that reads one goes through
here, so "which value applies to segment X" has one answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

DEFAULT = "default"


def varies(value: Any) -> bool:
    """True when `value` is given per segment."""
    return isinstance(value, dict)


def value_for(value: Any, segment: str | None) -> Any:
    """The value that applies to `segment` (None: the one value, or the default)."""
    if not isinstance(value, dict):
        return value
    if segment is not None and segment in value:
        return value[segment]
    return value.get(DEFAULT)


def spread(value: Any, segments: Iterable[str]) -> dict[str | None, Any]:
    """The value per segment: `{None: value}` when it does not vary, otherwise one entry per
    segment in `segments` (missing ones use the default, or are None)."""
    if not isinstance(value, dict):
        return {None: value}
    return {sid: value_for(value, sid) for sid in segments}


def pairs(a: Any, b: Any, segments: Iterable[str]) -> Iterator[tuple[str | None, Any, Any]]:
    """Two possibly per-segment values side by side, segment by segment."""
    if not varies(a) and not varies(b):
        yield None, a, b
        return
    for sid in segments:
        yield sid, value_for(a, sid), value_for(b, sid)


def describe(segment: str | None) -> str:
    """How a segment is named in a message: '' for all, otherwise ' for segment X'."""
    return f" for segment '{segment}'" if segment else ""


def key_path(value: Any, segment: str | None) -> tuple[str, ...]:
    """The path below a field to the value written for `segment` (for locations)."""
    if isinstance(value, dict):
        if segment is not None and segment in value:
            return (segment,)
        if DEFAULT in value:
            return (DEFAULT,)
    return ()
