"""References: every id named anywhere (owner, template, stage, KPI, ...) is defined."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from functools import cache

from ...definitions.findings import Finding, Rule, Severity, Vocabulary
from ...definitions.model import Node, Ref, _marked, segmented_fields, walk
from .context import Context

RULE_BY_KIND = {
    "roles": Rule("PB201", "unknown-role", Severity.ERROR,
                  "Every owner, attendee or role named is a defined role.", "references"),
    "templates": Rule("PB202", "unknown-template", Severity.ERROR,
                      "Every template named exists.", "references"),
    "stages": Rule("PB203", "unknown-stage", Severity.ERROR,
                   "Every sales stage named exists.", "references"),
    "kpis": Rule("PB204", "unknown-kpi", Severity.ERROR,
                 "Every KPI named is on the scorecard.", "references"),
    "personas": Rule("PB205", "unknown-persona", Severity.ERROR,
                     "Every persona named is defined.", "references"),
    "cadences": Rule("PB206", "unknown-cadence", Severity.ERROR,
                     "Every cadence named is defined.", "references"),
    "lifecycle": Rule("PB207", "unknown-lifecycle-stage", Severity.ERROR,
                      "Every lifecycle stage named is defined.", "references"),
    "funnel": Rule("PB208", "unknown-phase", Severity.ERROR,
                   "Every funnel phase named is defined.", "references"),
    "segments": Rule("PB209", "unknown-segment", Severity.ERROR,
                     "Every segment named is declared under `segments:`.", "references"),
    "reasons": Rule("PB210", "unknown-reason", Severity.ERROR,
                    "Every reason named is declared under `reasons:`.", "references"),
    "outcomes": Rule("PB211", "unknown-outcome", Severity.ERROR,
                     "Every outcome is built in (won, lost, disqualified, duplicate, recycled) "
                     "or declared under `outcomes:`.", "references"),
    "lead_statuses": Rule("PB212", "unknown-lead-status", Severity.ERROR,
                          "Every lead status named is declared under `lead_statuses:`.",
                          "references"),
}

NOUN = {"roles": "role", "templates": "template", "stages": "stage", "kpis": "KPI",
        "personas": "persona", "cadences": "cadence", "lifecycle": "lifecycle stage",
        "funnel": "funnel phase", "segments": "segment", "reasons": "reason",
        "outcomes": "outcome", "lead_statuses": "lead status"}


@cache
def reference_fields(model: type[Node]) -> dict[str, str]:
    """Field name -> kind of id it holds, for fields annotated with `Ref` (or lists of it)."""
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        refs = [m for m in info.metadata if isinstance(m, Ref)]
        if not refs:
            # list[RoleId] keeps the marker on the item type
            for arg in typing.get_args(info.annotation):
                refs += [m for m in getattr(arg, "__metadata__", ()) if isinstance(m, Ref)]
                for inner in typing.get_args(arg):
                    refs += [m for m in getattr(inner, "__metadata__", ()) if isinstance(m, Ref)]
        if not refs and name in segmented_fields(model):
            marked = _marked(info.annotation, Ref)  # a per-segment reference
            refs = [marked] if marked is not None else []
        if refs:
            found[name] = refs[0].kind
    return found


def _hint(value: str, kind: str, defined: Vocabulary) -> str:
    close = defined.did_you_mean(value)
    if close:
        return close
    if not len(defined):
        return f"No {NOUN[kind]} is defined yet: add one, or fix the id."
    return f"Defined {NOUN[kind]} ids: {defined.listing()}."


def unknown_references(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    if pb.unreadable:
        return  # the unread files may define what looks missing
    ids = {kind: pb.ids(kind) for kind in RULE_BY_KIND}
    broken = {kind: pb.broken.get(kind, set()) for kind in RULE_BY_KIND}
    broken["stages"] = broken.get("processes", set())  # a broken process hides its stages
    vocabularies: dict[str, Vocabulary] = {}
    for references in ctx.per_item("references", _references_in):
        for node, keys, kind, item in references:
            if item in ids[kind]:
                continue
            if kind == "stages" and broken["stages"]:
                continue  # cannot tell: the stages of a broken process are unknown
            if item in broken[kind]:
                continue
            if kind not in vocabularies:
                vocabularies[kind] = Vocabulary(ids[kind])
            yield Finding(RULE_BY_KIND[kind], node.where(*keys),
                          f"unknown {NOUN[kind]} '{item}'",
                          _hint(item, kind, vocabularies[kind]))


Reference = tuple[Node, tuple[str | int, ...], str, str]  # where, field path, kind, id


def _references_in(definition: Node) -> list[Reference]:
    """Every id a definition (and what it holds) names, in order."""
    found: list[Reference] = []
    for node in walk(definition):
        for name, kind in reference_fields(type(node)).items():
            value = getattr(node, name)
            if isinstance(value, dict) and name in segmented_fields(type(node)):
                found.extend((node, (name, seg), kind, item) for seg, item in value.items()
                             if isinstance(item, str))
                continue
            if isinstance(value, dict):
                continue  # e.g. recycle reasons written inline: definitions, not references
            values = value if isinstance(value, list) else [value]
            for i, item in enumerate(values):
                if isinstance(item, str):
                    found.append((node, (name, i) if isinstance(value, list) else (name,),
                                  kind, item))
    return found
