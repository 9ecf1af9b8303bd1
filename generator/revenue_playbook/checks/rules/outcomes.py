"""Outcomes and reasons: terminal stages say how a deal ended and why; every declared
reason is picked somewhere."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from ...definitions.segments import describe, key_path, spread
from .context import Context

REASONS_PLACE = Rule("PB314", "reasons-on-terminal", Severity.ERROR,
                     "Reasons are listed on terminal stages (how a deal ended), and recycle "
                     "reasons are those of the stage leads are recycled to.", "process")
UNUSED_REASON = Rule("PB315", "unused-reason", Severity.WARNING,
                     "Every declared reason is offered somewhere: on a stage, a hygiene "
                     "action or the SLA's recycle rules.", "process")

FORECAST = Rule("PB316", "forecast-category", Severity.ERROR,
                "Forecast categories match the stage: `closed` only for won stages, "
                "`omitted` for lost ones.", "process")


CLOSED_PROBABILITY = Rule("PB317", "closed-probability", Severity.WARNING,
                          "A won stage has a win probability of 100% and a lost one of 0%.",
                          "process")


def closed_probabilities(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    segments = list(pb.segments)
    for process in pb.processes.values():
        for sid, stage in process.stages.items():
            expected = {"won": 100, "lost": 0}.get(pb.counts_as(stage.outcome) or "")
            if expected is None:
                continue
            for seg, probability in spread(stage.probability, segments).items():
                if probability is not None and probability != expected:
                    yield Finding(CLOSED_PROBABILITY, stage.where(
                        "probability", *key_path(stage.probability, seg)),
                        f"{'won' if expected else 'lost'} stage '{sid}' has a win probability "
                        f"of {probability}%{describe(seg)}",
                        f"A deal in it is {'won' if expected else 'lost'}: use "
                        f"`probability: {expected}`, or leave it out.")


def forecast_categories(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    segments = list(pb.segments)
    for process in pb.processes.values():
        for sid, stage in process.stages.items():
            kind = pb.counts_as(stage.outcome)
            for seg, category in spread(stage.forecast_category, segments).items():
                expected = {"won": "closed", "lost": "omitted"}.get(kind or "")
                wrong = (category is not None and (
                    (expected and category != expected) or (not kind and category == "closed")))
                if wrong:
                    want = f"`{expected}`" if expected else \
                        "`pipeline`, `best_case`, `commit` or `omitted`"
                    yield Finding(FORECAST, stage.where("forecast_category",
                                                        *key_path(stage.forecast_category, seg)),
                                  f"stage '{sid}' is forecast as '{category}'{describe(seg)}",
                                  f"Use {want}: `closed` counts booked revenue, `omitted` "
                                  "leaves the deal out of the forecast.")


def reasons(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    used: set[str] = set()
    for process in pb.processes.values():
        for sid, stage in process.stages.items():
            used.update(stage.reasons)
            if stage.hygiene and stage.hygiene.reason:
                used.add(stage.hygiene.reason)
            if stage.reasons and not stage.outcome:
                yield Finding(REASONS_PLACE, stage.where("reasons", key=True),
                              f"working stage '{sid}' lists reasons",
                              "Reasons record how a deal ended: list them on a terminal "
                              "stage (`outcome:`), e.g. the closed-lost stage.")
    for status in pb.lifecycle.values():
        used.update(status.reasons)
    for lead_status in pb.lead_statuses.values():
        used.update(lead_status.reasons)
    recycle = pb.sla.recycle if pb.sla else None
    if recycle is not None and isinstance(recycle.reasons, list):
        used.update(recycle.reasons)
        target = pb.lifecycle.get(recycle.to) if recycle.to else None
        if target is not None and target.reasons:
            for i, rid in enumerate(recycle.reasons):
                if rid not in target.reasons and rid in pb.reasons:
                    yield Finding(REASONS_PLACE, recycle.where("reasons", i),
                                  f"recycle reason '{rid}' is not a reason of lifecycle "
                                  f"stage '{recycle.to}' ({', '.join(target.reasons)})",
                                  f"Add it to the `reasons:` of '{recycle.to}'.")
    if pb.incomplete("processes", "lifecycle", "sla", "lead_statuses"):
        return  # an unread or invalid definition may offer them: no cascade of its error
    for rid, reason in pb.reasons.items():
        if rid not in used:
            yield Finding(UNUSED_REASON, reason.where(key=bool(reason.path)),
                          f"reason '{rid}' is not offered anywhere",
                          "List it in the `reasons:` of a terminal stage or lifecycle "
                          "stage, or remove it.")
