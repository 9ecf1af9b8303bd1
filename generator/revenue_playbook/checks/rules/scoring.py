"""Lead scoring: the rules can add up to the qualifying threshold."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from .context import Context

SCORING = Rule("PB310", "scoring-threshold", Severity.ERROR,
               "Lead scoring can reach its qualifying threshold.", "process")


def lead_scoring(ctx: Context) -> Iterator[Finding]:
    scoring = ctx.playbook.scoring
    if scoring is None or not (scoring.fit or scoring.behaviour):
        return  # a threshold without its points table (a source that gives only the
        # number): the points are not encoded, so whether they reach it is not known
    best = sum(r.points for r in scoring.fit + scoring.behaviour if r.points > 0)
    if best < scoring.threshold:
        yield Finding(SCORING, scoring.where("threshold"),
                      f"the threshold is {scoring.threshold} points but the rules add up to "
                      f"at most {best}", "Lower the threshold or add scoring rules.")
