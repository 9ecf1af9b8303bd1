"""How large a diagram may be, known before any DOT is written or `dot` started.

Graphviz's layout time grows much faster than a graph: a sales process drawn top to bottom
with every stage leading to "closed lost" took `dot` 0.3 s of CPU at 40 stages and 40 s at
100 (each long edge becomes a chain of virtual nodes that crossing minimisation reorders
again and again), and 3,000 stages ran out of memory. So each diagram has a size it may
not pass, in nodes and arrows, counted from the model exactly as `diagrams.py` draws it: a
larger one is not drawn (its page says why and lists the same content as text) and
validation warns about it (PB009) at the definition, with the limit.

Timelines (a cadence's or stage's touches by day, a campaign's steps and emails) hang off
one row and lay out in about linear time, so they may be much larger than flows.
"""

from __future__ import annotations

from typing import NamedTuple

from ..definitions.model import CadenceStep, Campaign, LifecycleStage, SalesProcess, Touchpoint


class Limit(NamedTuple):
    kind: str  # "flow" or "timeline"
    nodes: int
    arrows: int


# Measured with Graphviz 2.43 on the 2-core development machine (worst shapes: every stage
# leading to the next, to "won" and to "lost", or returning to the two before it): 40
# stages and 120 arrows lay out in under a second of CPU time.
FLOW = Limit("flow", 40, 120)
# A 1,000-touch cadence (1,500 arrows) took 0.17 s, a 300-step campaign (741 arrows) 0.07 s.
TIMELINE = Limit("timeline", 500, 1000)


class Size(NamedTuple):
    nodes: int
    arrows: int
    limit: Limit

    @property
    def too_large(self) -> bool:
        return self.nodes > self.limit.nodes or self.arrows > self.limit.arrows

    def describe(self, noun: str) -> str:
        """"100 stages and 398 arrows, more than a diagram shows (40 stages, 120 arrows)"."""
        return (f"{self.nodes:,} {noun} and {self.arrows:,} arrows, more than a diagram "
                f"shows ({self.limit.nodes:,} {noun}, {self.limit.arrows:,} arrows)")


def process_size(process: SalesProcess) -> Size:
    stages = process.stages
    arrows = sum(1 for sid, stage in stages.items()
                 for target in [*process.successors(sid), *stage.returns_to]
                 if target in stages)
    return Size(len(stages), arrows, FLOW)


def lifecycle_size(lifecycle: dict[str, LifecycleStage]) -> Size:
    # as lifecycle_dot draws it: a name node per team lane (with an invisible arrow to its
    # first stage), and a node on the way for each hand-off between teams (two arrows)
    arrows = sum(1 for stage in lifecycle.values() for target in stage.next
                 if target in lifecycle)
    handoffs = sum(1 for stage in lifecycle.values() for target in stage.next
                   if target in lifecycle and lifecycle[target].team != stage.team
                   and lifecycle[target].handoff)
    lanes = len({stage.team for stage in lifecycle.values() if stage.team is not None})
    return Size(len(lifecycle) + lanes + handoffs, arrows + lanes + handoffs, FLOW)


def timeline_size(touches: list[Touchpoint] | list[CadenceStep]) -> Size:
    days = len({touch.day for touch in touches})
    return Size(days + len(touches), max(days - 1, 0) + len(touches), TIMELINE)


def campaign_size(campaign: Campaign) -> Size:
    steps = campaign.steps
    depended_on = {dep for step in steps.values() if step.phase == "planning"
                   for dep in step.depends_on}
    arrows = sum(1 for step in steps.values() for dep in step.depends_on if dep in steps)
    arrows += sum(1 for sid, step in steps.items()
                  if step.phase == "planning" and sid not in depended_on)
    arrows += len(campaign.emails)
    return Size(len(steps) + len(campaign.emails) + 1, arrows, TIMELINE)
