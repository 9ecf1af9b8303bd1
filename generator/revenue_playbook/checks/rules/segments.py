"""Segments: a value given per segment names declared segments, and covers all of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...definitions.findings import Finding, Rule, Severity, Vocabulary
from ...definitions.model import Node, segmented_fields, walk
from ...definitions.segments import DEFAULT
from .context import Context
from .references import RULE_BY_KIND

UNKNOWN_SEGMENT = RULE_BY_KIND["segments"]
COVERAGE = Rule("PB312", "segment-coverage", Severity.ERROR,
                "A value given per segment covers every segment it applies to, or has a "
                "`default`.", "process")


def _per_segment_in(definition: Node) -> list[tuple[Node, str, dict[str, Any]]]:
    """Every value a definition (and what it holds) gives per segment: where, the field,
    the mapping."""
    found: list[tuple[Node, str, dict[str, Any]]] = []
    for node in walk(definition):
        for name in segmented_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, dict):
                found.append((node, name, value))
    return found


def _scoped(ctx: Context) -> Iterator[tuple[Node, str, dict[str, Any], list[str]]]:
    """Every value given per segment with the segments it must cover: the processes' first
    (the segments each serves), then every other definition's (all declared segments)."""
    pb = ctx.playbook
    declared = list(pb.segments)
    found = list(zip(ctx.items, ctx.per_item("per segment", _per_segment_in), strict=True))
    processes = {id(process): process for process in pb.processes.values()}
    for item, values in found:
        process = processes.get(id(item))
        if process is not None:
            scope = [s for s in process.segments if s in pb.segments] or declared
            for node, name, value in values:
                yield node, name, value, scope
    for item, values in found:
        if id(item) not in processes:
            for node, name, value in values:
                yield node, name, value, declared


def segment_values(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    if pb.broken.get("segments"):
        return  # a broken segment hides which ids exist
    known = Vocabulary([*pb.segments, DEFAULT])
    listed = Vocabulary(pb.segments, ordered=False)
    for node, name, value, scope in _scoped(ctx):
        unknown = False
        for key in value:
            if key == DEFAULT or key in pb.segments:
                continue
            unknown = True
            hint = known.did_you_mean(key) or (
                f"Segments are: {listed.listing()}; or use `default`." if pb.segments else
                "No segments are declared: declare them once under `segments:`, "
                "or give one value for all.")
            yield Finding(UNKNOWN_SEGMENT, node.where(name, key, key=True),
                          f"unknown segment '{key}' in `{name}`", hint)
        if unknown or DEFAULT in value:
            continue
        missing = [s for s in scope if s not in value]
        if missing:
            yield Finding(COVERAGE, node.where(name, key=True),
                          f"`{name}` has no value for "
                          f"{'segment' if len(missing) == 1 else 'segments'} "
                          f"{', '.join(repr(m) for m in missing)}",
                          "Add a value for each, or a `default:` for the others.")
