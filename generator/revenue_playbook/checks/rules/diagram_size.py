"""Diagrams small enough to draw: each one's nodes and arrows within the limits of
`diagram_limits`, counted before any DOT is written (a process too large to draw is not
drawn, and this says so at its definition)."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from ..diagram_limits import campaign_size, lifecycle_size, process_size, timeline_size
from .context import Context

TOO_LARGE = Rule("PB009", "diagram-too-large", Severity.WARNING,
                 "Every diagram stays within the size Graphviz lays out in about a second "
                 "(flows: 40 stages and 120 arrows; timelines: 500 nodes and 1,000 arrows); "
                 "a larger one is not drawn.", "files")

_NOT_DRAWN = "its page shows it as text, without a diagram"


def diagram_sizes(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    for pid, process in pb.processes.items():
        size = process_size(process)
        if size.too_large:
            yield Finding(TOO_LARGE, process.where("stages", key=True),
                          f"process '{pid}' has {size.describe('stages')}: {_NOT_DRAWN}",
                          "Split it into smaller processes (one per segment or sales motion), "
                          "or draw fewer `returns_to` loops.")
        for sid, stage in process.stages.items():
            size = timeline_size(stage.touchpoints)
            if size.too_large:
                yield Finding(TOO_LARGE, stage.where("touchpoints", key=True),
                              f"the touchpoints of stage '{sid}' make "
                              f"{size.describe('nodes')}: {_NOT_DRAWN}",
                              "Move repeated touches into a cadence.")
    if pb.lifecycle:
        size = lifecycle_size(pb.lifecycle)
        if size.too_large:
            first = next(iter(pb.lifecycle.values()))
            yield Finding(TOO_LARGE, first.where(key=True),
                          f"the lead lifecycle has {size.describe('stages')}: {_NOT_DRAWN}",
                          "Keep the lifecycle to the stages both teams report on; a lead "
                          "status (`lead_statuses:`) holds the finer steps sales works "
                          "through.")
    for cid, cadence in pb.cadences.items():
        size = timeline_size(cadence.steps)
        if size.too_large:
            yield Finding(TOO_LARGE, cadence.where("steps", key=True),
                          f"cadence '{cid}' has {size.describe('nodes')}: {_NOT_DRAWN}",
                          "Split it into cadences that branch to one another.")
    for cid, campaign in pb.campaigns.items():
        size = campaign_size(campaign)
        if size.too_large:
            yield Finding(TOO_LARGE, campaign.where("steps", key=True),
                          f"campaign '{cid}' has {size.describe('nodes')}: {_NOT_DRAWN}",
                          "Split it into campaigns, one per wave or channel.")
