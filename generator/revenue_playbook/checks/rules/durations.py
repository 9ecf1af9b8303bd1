"""Durations that cannot be misread: `72h` does not say whether it counts business or
calendar hours, and was shown as "9 business days". The old `h` and `d` forms are still
read (as business time, or as calendar time under an operational SLA's `days: calendar`);
this rule says how each one is read and what to write instead, at its file and line."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from ...definitions.model import (
    Escalation,
    Handoff,
    Node,
    OperationalSLA,
    ResponseTier,
    is_old_duration,
    parse_duration,
    walk,
)
from ...definitions.wording import count
from .context import Context

OLD_DURATION = Rule("PB109", "explicit-duration", Severity.WARNING,
                    "A duration says business or calendar time (`2bh`, `24ch`, `3bd`, "
                    "`14cd`); `2h` and `3d` alone are read as business time.", "schema")

# The fields that hold a duration, by the model that has them.
DURATION_FIELDS: dict[type[Node], tuple[str, ...]] = {
    Handoff: ("within",), ResponseTier: ("response_time",), Escalation: ("after",),
    OperationalSLA: ("lead_time",)}

_NOUNS = {"bh": "business hour", "ch": "calendar hour", "bd": "business day",
          "cd": "calendar day"}


def old_durations(ctx: Context) -> Iterator[Finding]:
    # each definition walked once, then again only when its file changed (serve)
    for found in ctx.per_item("old durations", _old_durations_in):
        yield from found


def _old_durations_in(item: Node) -> list[Finding]:
    return [finding for node in walk(item)
            for name in DURATION_FIELDS.get(type(node), ())
            for finding in _field(node, name)]


def _field(node: Node, name: str) -> Iterator[Finding]:
    value = getattr(node, name)
    days = getattr(node, "days", "business")
    values = value.items() if isinstance(value, dict) else [(None, value)]
    for key, text in values:
        if not isinstance(text, str) or not is_old_duration(text):
            continue
        amount, unit = parse_duration(text, days)
        read = count(amount, _NOUNS[unit])
        number = f"{amount:g}"
        why = " (because of `days: calendar`)" if unit[0] == "c" else ""
        span = unit[1]  # h or d
        write = " or ".join(f"`{number}{kind}{span}` ({count(amount, _NOUNS[kind + span])})"
                            for kind in ("b", "c"))
        at = (name, key) if key is not None else (name,)
        yield Finding(OLD_DURATION, node.where(*at),
                      f"`{name}: {text}` does not say business or calendar time; it is "
                      f"read as {read}{why}", f"Write {write}.")
