"""SLA arithmetic in business time: the cadences can keep the promises the SLA makes."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.businesstime import clock_minutes
from ...definitions.findings import Finding, Rule, Severity
from ...definitions.segments import describe, key_path, pairs, value_for
from ...definitions.wording import count
from .context import Context

HOURS = Rule("PB501", "business-hours", Severity.ERROR,
             "Business hours end after they start.", "sla")
FIRST_TOUCH = Rule("PB502", "first-touch", Severity.ERROR,
                   "A tier's cadence makes its first touch inside the tier's response time.",
                   "sla")
WINDOW = Rule("PB503", "recycle-window", Severity.ERROR,
              "Every tier's cadence ends inside the recycle window, so the cadence is "
              "exhausted before a lead is recycled.", "sla")
TOUCHES = Rule("PB504", "touch-count", Severity.ERROR,
               "Every tier's cadence has at least the touches required before recycling.",
               "sla")
ESCALATION = Rule("PB505", "escalation-order", Severity.WARNING,
                  "Escalations come after the response time and in increasing order.", "sla")


EXIT_BEFORE_RECYCLE = Rule("PB506", "cadence-exit-recycle", Severity.ERROR,
                           "A cadence's exits agree with each other and with the SLA: no "
                           "branch hands a lead back to marketing before the recycle rule "
                           "allows.", "sla")


def cadence_exits(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    recycle = pb.sla.recycle if pb.sla else None
    for cid, cadence in pb.cadences.items():
        first_no_reply: dict[str, int] = {}
        for branch in cadence.branches:
            if branch.when != "no_reply":
                continue
            step = branch.after_step or len(cadence.steps)
            if not 1 <= step <= len(cadence.steps):
                continue  # PB308
            earlier = next(iter(first_no_reply), None)
            if earlier is not None and earlier != branch.go_to:
                yield Finding(EXIT_BEFORE_RECYCLE, branch.where("go_to"),
                              f"cadence '{cid}' sends a lead that does not reply both to "
                              f"'{earlier}' (after step {first_no_reply[earlier]}) and to "
                              f"'{branch.go_to}' (after step {step})",
                              "Keep one way out for leads that do not reply.")
            first_no_reply.setdefault(branch.go_to, step)
            target = pb.cadences.get(branch.go_to)
            owner = pb.roles.get(target.owner) if target and target.owner else None
            if recycle is None or owner is None or owner.team != "marketing":
                continue
            day = cadence.steps[step - 1].day
            for seg, after_days, min_touches in pairs(recycle.after_days, recycle.min_touches,
                                                      list(pb.segments)):
                early = []
                if after_days is not None and day < after_days:
                    early.append(f"on business day {day}, before the "
                                 f"{count(after_days, 'business day')} the SLA requires")
                if min_touches is not None and step < min_touches:
                    early.append(f"after {count(step, 'touch')}, fewer than the "
                                 f"{min_touches} the SLA requires")
                if early:
                    yield Finding(EXIT_BEFORE_RECYCLE, branch.where("after_step"
                                                                    if branch.after_step
                                                                    else "when"),
                                  f"cadence '{cid}' hands a lead that does not reply to "
                                  f"marketing's '{branch.go_to}' {' and '.join(early)}"
                                  f"{describe(seg)}",
                                  "Branch after the recycle window and touches, or change "
                                  "the SLA's recycle rule so both say the same.")


def sla(ctx: Context) -> Iterator[Finding]:
    sla = ctx.playbook.sla
    if sla is None:
        return
    hours = sla.business_hours
    if hours is not None and clock_minutes(hours.end) <= clock_minutes(hours.start):
        yield Finding(HOURS, hours.where("end"),
                      f"business hours end at {hours.end}, not after they start at "
                      f"{hours.start}", "Use a 24-hour clock, e.g. `start: '09:00'`, "
                      "`end: '17:30'`.")
        return  # every figure below is measured in business hours
    cal = ctx.calendar
    recycle = sla.recycle
    segments = list(ctx.playbook.segments)
    fastest = None
    for tid, tier in sla.tiers.items():
        for seg, response_time, cadence_id in pairs(tier.response_time, tier.cadence,
                                                    segments):
            if response_time is None:
                continue  # a missing segment value is reported by PB312
            cadence = ctx.playbook.cadences.get(cadence_id) if cadence_id else None
            first_day = min(s.day for s in cadence.steps) if cadence else 0
            response = cal.minutes(response_time)
            fastest = response if fastest is None else min(fastest, response)
            if cadence is not None and first_day * cal.day_minutes > response:
                yield Finding(FIRST_TOUCH, tier.where("response_time",
                                                      *key_path(tier.response_time, seg)),
                              f"tier '{tid}' promises a response within "
                              f"{cal.words(response_time)}{describe(seg)}, but cadence "
                              f"'{cadence_id}' first touches on business day {first_day}",
                              "Start the cadence on day 0, or lengthen the response time.")
        own_touches = tier.min_touches is not None
        if recycle is None and not own_touches:
            continue  # without a recycle rule, the practice is "not encoded" (practices.py)
        window = recycle.after_days if recycle is not None else None
        needed = tier.min_touches if own_touches else \
            recycle.min_touches if recycle is not None else None
        by_segment = any(isinstance(v, dict) for v in (window, needed, tier.cadence))
        for seg in segments if by_segment else [None]:
            after_days, min_touches = value_for(window, seg), value_for(needed, seg)
            cadence_id = value_for(tier.cadence, seg)
            cadence = ctx.playbook.cadences.get(cadence_id) if cadence_id else None
            if cadence is None:
                continue  # an unknown cadence is reported by the reference check
            last = max(s.day for s in cadence.steps)
            if recycle is not None and after_days is not None and last > after_days:
                yield Finding(WINDOW, recycle.where("after_days",
                                                    *key_path(recycle.after_days, seg)),
                              f"leads may be recycled after "
                              f"{cal.describe(after_days * cal.day_minutes)}{describe(seg)}, "
                              f"but cadence '{cadence_id}' (tier '{tid}') runs to day {last}",
                              "Lengthen the recycle window or shorten the cadence: sales must "
                              "finish the cadence before handing the lead back.")
            if min_touches is not None and len(cadence.steps) < min_touches:
                whose = f" for tier '{tid}'" if own_touches else ""
                yield Finding(TOUCHES, tier.where("cadence"),
                              f"cadence '{cadence_id}' has {count(len(cadence.steps), 'touch')}"
                              f", but {min_touches} are required before recycling{whose}"
                              f"{describe(seg)}",
                              "Add steps to the cadence or lower `min_touches`.")
    previous = None
    for i, step in enumerate(sla.escalation):
        after = cal.minutes(step.after)
        if fastest is not None and after < fastest and i == 0:
            yield Finding(ESCALATION, step.where("after"),
                          f"escalation after {cal.words(step.after)} comes before the fastest "
                          "response "
                          "time has passed", "Escalate only once a response time is missed.")
        if previous is not None and after <= previous:
            yield Finding(ESCALATION, step.where("after"),
                          f"escalation after {cal.words(step.after)} is not later than the one "
                          "before",
                          "List escalations from first to last.")
        previous = after
