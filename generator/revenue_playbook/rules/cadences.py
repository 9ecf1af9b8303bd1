"""Follow-up cadences: steps in day order, branches to another cadence after a step that
exists."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Rule, Severity
from .context import Context

CADENCE_BRANCH = Rule("PB308", "cadence-branch", Severity.ERROR,
                      "A cadence branch goes to another cadence, after a step that exists.",
                      "process")
STEP_ORDER = Rule("PB309", "step-order", Severity.WARNING,
                  "Cadence steps and stage touchpoints are listed in day order.", "process")


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
