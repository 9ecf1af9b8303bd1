"""Segments: a value given per segment names declared segments, and covers all of them."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Rule, Severity, close_matches
from ..model import Node, segmented_fields, walk
from ..segments import DEFAULT
from .context import Context
from .references import RULE_BY_KIND

UNKNOWN_SEGMENT = RULE_BY_KIND["segments"]
COVERAGE = Rule("PB312", "segment-coverage", Severity.ERROR,
                "A value given per segment covers every segment it applies to, or has a "
                "`default`.", "process")


def _scopes(ctx: Context) -> Iterator[tuple[Node, list[str]]]:
    """Every definition with the segments its values must cover."""
    pb = ctx.playbook
    declared = list(pb.segments)
    in_process: set[int] = set()
    for process in pb.processes.values():
        scope = [s for s in process.segments if s in pb.segments] or declared
        for node in walk(process):
            in_process.add(id(node))
            yield node, scope
    for node in ctx.nodes:
        if id(node) not in in_process:
            yield node, declared


def segment_values(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    if pb.broken.get("segments"):
        return  # a broken segment hides which ids exist
    for node, scope in _scopes(ctx):
        for name in segmented_fields(type(node)):
            value = getattr(node, name)
            if not isinstance(value, dict):
                continue
            unknown = False
            for key in value:
                if key == DEFAULT or key in pb.segments:
                    continue
                unknown = True
                match = close_matches(key, [*pb.segments, DEFAULT])
                hint = (f"Did you mean '{match[0]}'?" if match else
                        f"Segments are: {', '.join(pb.segments)}; or use `default`."
                        if pb.segments else
                        "No segments are declared: declare them once under `segments:`, "
                        "or give one value for all.")
                yield Finding(UNKNOWN_SEGMENT, node.where(name, key, key=True),
                              f"unknown segment '{key}' in `{name}`", hint)
            if unknown or DEFAULT in value:
                continue
            missing = [s for s in scope if s not in value]
            if missing:
                yield Finding(COVERAGE, node.where(name, key=True),
                              f"`{name}` has no value for segment"
                              f"{'s' if len(missing) > 1 else ''} "
                              f"{', '.join(repr(m) for m in missing)}",
                              "Add a value for each, or a `default:` for the others.")
