"""Day-by-day agendas: what a rep does on each business day of a cadence or a stage, what
day 0 is, which days have no touch, and where the rep goes when the work ends; and each
role's day, by how many business days ago a lead or deal came in.

Plain data for the pages: links are docs-relative page paths (`stages/discovery.md`) with
an optional `#anchor`, made into URLs by whoever writes the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..definitions.businesstime import Calendar
from ..definitions.model import CadenceStep, Playbook, Touchpoint
from ..definitions.presentation import business_time, per_segment, touches
from ..definitions.presentation import days as present_days
from ..definitions.wording import NOT_DEFINED, with_article

Touch = Touchpoint | CadenceStep


@dataclass(frozen=True)
class Day:
    day: int
    touches: tuple[Touch, ...]  # empty: nothing to do that day, the lead gets a rest
    last: int | None = None  # a run of days without a touch ends on this day

    @property
    def label(self) -> str:
        if self.last is not None and self.last != self.day:
            return f"Days {self.day}–{self.last}"
        return f"Day {self.day}"


@dataclass(frozen=True)
class Exit:
    """An event that ends the work, and what the rep does next (and where)."""

    when: str  # "A meeting is booked"
    then: str  # "Move the deal to"
    page: str | None = None  # docs-relative path, with an optional #anchor
    page_title: str = ""


@dataclass(frozen=True)
class Agenda:
    title: str
    day_zero: str  # what day 0 is, in words
    days: tuple[Day, ...]
    exits: tuple[Exit, ...] = ()
    owner: str | None = None  # the role doing the touches unless a touch says otherwise


def days(touches: Sequence[Touch]) -> tuple[Day, ...]:
    """Every business day from 0 to the last touch, touches in their written order; a run
    of days without a touch is one entry."""
    if not touches:
        return ()
    out: list[Day] = []
    for d in range(max(t.day for t in touches) + 1):
        todo = tuple(t for t in touches if t.day == d)
        if not todo and out and not out[-1].touches:
            out[-1] = Day(out[-1].day, (), d)
        else:
            out.append(Day(d, todo, None if todo else d))
    return tuple(out)


def _entry_stage(playbook: Playbook) -> str | None:
    for process in playbook.processes.values():
        entry = process.entry_stage()
        if entry:
            return entry
    return None


def cadence_agenda(playbook: Playbook, cadence_id: str) -> Agenda:
    cadence = playbook.cadences[cadence_id]
    tiers = [t for t in (playbook.sla.tiers.values() if playbook.sla else ())
             if cadence_id in t.cadence_ids()]
    if tiers:
        calendar = Calendar.of(playbook)

        def words(duration: str) -> str:
            return business_time(calendar, duration)

        arrivals = "; ".join(f"{with_article(t.name)} lead comes in (first touch within "
                             f"{per_segment(playbook, t.response_time, words)})" for t in tiers)
        day_zero = f"Day 0 is the business day {arrivals}."
    else:
        branched = [c.name for c in playbook.cadences.values()
                    for b in c.branches if b.go_to == cadence_id]
        day_zero = (f"Day 0 is the business day a lead moves here from {' or '.join(branched)}."
                    if branched else "Day 0 is the business day the lead enters this cadence.")
    stages = [(sid, s) for sid, s in playbook.stages.items() if s.cadence == cadence_id]
    exits: list[Exit] = []
    for event in cadence.exit_on:
        exits.append(_cadence_exit(playbook, event, stages))
    for branch in cadence.branches:
        target = playbook.cadences.get(branch.go_to)
        after = f" after touch {branch.after_step}" if branch.after_step else ""
        exits.append(Exit(f"{_EVENT_WORDS.get(branch.when, branch.when)}{after}",
                          "Move the lead to the cadence", f"sla.md#cadence-{branch.go_to}",
                          target.name if target else branch.go_to))
    recycle = playbook.sla.recycle if playbook.sla is not None else None
    if recycle is not None:
        to = playbook.lifecycle.get(recycle.to) if recycle.to else None
        limits = [per_segment(playbook, recycle.after_days, present_days)
                  if recycle.after_days is not None else "",
                  f"at least {per_segment(playbook, recycle.min_touches, touches)}"
                  if recycle.min_touches is not None else ""]
        said = " and ".join(limit for limit in limits if limit)
        exits.append(Exit(
            f"No answer after {said}" if said else "No answer (when is not defined)",
            "Recycle the lead, with a reason, to", "sla.md#recycle",
            to.name if to else (recycle.to or NOT_DEFINED)))
    return Agenda(cadence.name, day_zero, days(cadence.steps), tuple(exits), cadence.owner)


_EVENT_WORDS = {"reply": "They reply", "meeting_booked": "A meeting is booked",
                "unsubscribe": "They unsubscribe", "bounce": "The email bounces",
                "disqualified": "The lead is disqualified", "no_reply": "No reply",
                "opened": "They open an email", "clicked": "They click a link"}


def _cadence_exit(playbook: Playbook, event: str, stages: list) -> Exit:  # type: ignore[type-arg]
    when = _EVENT_WORDS.get(event, event)
    if event in ("meeting_booked", "reply"):
        if stages:  # the cadence belongs to a stage: on to the stage after it
            sid, _ = stages[0]
            pid = playbook.process_of(sid)
            nexts = playbook.processes[pid].successors(sid) if pid else []
            target = nexts[0] if nexts else sid
        else:
            target = _entry_stage(playbook)
        if target and target in playbook.stages:
            then = ("Stop the cadence and run the meeting in" if event == "meeting_booked"
                    else "Stop the cadence; qualify the reply and book the meeting for")
            return Exit(when, then, f"stages/{target}.md", playbook.stages[target].name)
    if event == "disqualified" and "disqualified" in playbook.lifecycle:
        return Exit(when, "Stop the cadence and mark the lead",
                    "lifecycle.md#lifecycle-disqualified",
                    playbook.lifecycle["disqualified"].name)
    stops = {"unsubscribe": "Stop every email at once; calls only if they asked for one",
             "bounce": "Stop the emails; find a working address or disqualify the lead"}
    return Exit(when, stops.get(event, "Stop the cadence"))


def stage_agenda(playbook: Playbook, stage_id: str) -> Agenda:
    stage = playbook.stages[stage_id]
    pid = playbook.process_of(stage_id)
    process = playbook.processes[pid] if pid else None
    exits: list[Exit] = []
    if stage.exit_criteria and process is not None:
        for target in process.successors(stage_id):
            if target not in process.stages:
                continue
            nxt = process.stages[target]
            if nxt.outcome == "lost":
                exits.append(Exit("The deal is lost", "Close it as", f"stages/{target}.md",
                                  nxt.name))
            else:
                exits.append(Exit("Every exit criterion is met", "Move the deal to",
                                  f"stages/{target}.md", nxt.name))
    for target in stage.returns_to:
        if target in playbook.stages:
            exits.append(Exit("The deal needs earlier work again", "Move it back to",
                              f"stages/{target}.md", playbook.stages[target].name))
    return Agenda(stage.name, f"Day 0 is the business day the deal enters {stage.name}.",
                  days(stage.touchpoints), tuple(exits), stage.owner)


# ---------------------------------------------------------------------------- my day


@dataclass(frozen=True)
class Task:
    day: int  # business days since the lead or deal came in
    where: str  # "Demo request follow-up" or "Stage Discovery"
    page: str  # docs-relative path with anchor
    touch: Touch


@dataclass
class RoleDay:
    role_id: str
    tasks: list[Task] = field(default_factory=list)

    def by_day(self) -> list[tuple[int, list[Task]]]:
        out: dict[int, list[Task]] = {}
        for task in sorted(self.tasks, key=lambda t: t.day):
            out.setdefault(task.day, []).append(task)
        return sorted(out.items())


def role_days(playbook: Playbook) -> dict[str, RoleDay]:
    """Each role's touches by business day, from every cadence and stage (roles with none
    are left out)."""
    result: dict[str, RoleDay] = {}

    def add(owner: str | None, task: Task) -> None:
        if owner in playbook.roles:
            result.setdefault(owner, RoleDay(owner)).tasks.append(task)

    for cid, cadence in playbook.cadences.items():
        for step in cadence.steps:
            add(step.owner or cadence.owner,
                Task(step.day, cadence.name, f"sla.md#cadence-{cid}", step))
    for sid, stage in playbook.stages.items():
        for touch in stage.touchpoints:
            add(touch.owner or stage.owner,
                Task(touch.day, f"Stage: {stage.name}", f"stages/{sid}.md#agenda", touch))
    return {rid: result[rid] for rid in playbook.roles if rid in result}
