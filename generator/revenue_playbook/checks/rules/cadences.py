"""Follow-up cadences: steps in day order, branches to another cadence after a step that
exists."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from ...definitions.model import Cadence, CadenceStep, Playbook
from .context import Context

CADENCE_BRANCH = Rule("PB308", "cadence-branch", Severity.ERROR,
                      "A cadence branch goes to another cadence, after a step that exists.",
                      "process")
STEP_ORDER = Rule("PB309", "step-order", Severity.WARNING,
                  "Cadence steps and stage touchpoints are listed in day order.", "process")


TRACK_FITS_OWNER = Rule("PB318", "track-fits-owner", Severity.WARNING,
                        "A marketing-owned cadence step does not tell its reader to do sales "
                        "work (book the meeting, move a deal to a sales stage).", "process")

_SALES_WORK = re.compile(r"\b(book|schedule|set up|run)\b[^.;]*\b(meeting|call|demo)\b",
                         re.IGNORECASE)


def _step_team(pb: Playbook, cadence: Cadence, step: CadenceStep) -> str | None:
    owner = step.owner or cadence.owner
    role = pb.roles.get(owner) if owner else None
    return role.team if role else None


def tracks_fit_owners(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    stage_names = {stage.name.lower(): stage.name for stage in pb.stages.values()
                   if len(stage.name) >= 4}
    for cid, cadence in pb.cadences.items():
        for i, step in enumerate(cadence.steps):
            if _step_team(pb, cadence, step) != "marketing" or not step.purpose:
                continue
            said = step.purpose.lower()
            stage = next((name for low, name in stage_names.items()
                          if re.search(rf"\b{re.escape(low)}\b", said)), None)
            work = _SALES_WORK.search(step.purpose)
            if stage or work:
                what = f"names the sales stage '{stage}'" if stage else \
                    f"asks its reader to '{work[0] if work else ''}'"
                yield Finding(TRACK_FITS_OWNER, step.where("purpose"),
                              f"step {i + 1} of cadence '{cid}' is marketing's, but {what}",
                              "Give the step to a sales role (`owner:`), or say what "
                              "marketing does here (e.g. hand the lead to sales).")


def cadences(ctx: Context) -> Iterator[Finding]:
    for cid, cadence in ctx.playbook.cadences.items():
        days = [s.day for s in cadence.steps]
        if days != sorted(days):
            yield Finding(STEP_ORDER, cadence.where("steps"),
                          f"steps of cadence '{cid}' are not in day order",
                          "List them by day so the timeline reads top to bottom.")
        for i, branch in enumerate(cadence.branches):
            if branch.go_to == cid:
                yield Finding(CADENCE_BRANCH, branch.where("go_to"),
                              f"cadence '{cid}' branches to itself",
                              "Branch to a different cadence (e.g. a nurture track).")
            if branch.after_step is not None and branch.after_step > len(cadence.steps):
                yield Finding(CADENCE_BRANCH, cadence.branches[i].where("after_step"),
                              f"branch after step {branch.after_step}, but cadence '{cid}' "
                              f"has {len(cadence.steps)} steps",
                              "Name a step that exists (1-based).")
