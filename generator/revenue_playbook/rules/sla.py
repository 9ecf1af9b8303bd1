"""SLA arithmetic in business time: the cadences can keep the promises the SLA makes."""

from __future__ import annotations

from collections.abc import Iterator

from ..businesstime import clock_minutes
from ..findings import Finding, Rule, Severity
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


def sla(ctx: Context) -> Iterator[Finding]:
    sla = ctx.playbook.sla
    if sla is None:
        return
    hours = sla.business_hours
    if clock_minutes(hours.end) <= clock_minutes(hours.start):
        yield Finding(HOURS, hours.where("end"),
                      f"business hours end at {hours.end}, not after they start at "
                      f"{hours.start}", "Use a 24-hour clock, e.g. `start: '09:00'`, "
                      "`end: '17:30'`.")
        return  # every figure below is measured in business hours
    cal = ctx.calendar
    recycle = sla.recycle
    fastest = None
    for tid, tier in sla.tiers.items():
        response = cal.minutes(tier.response_time)
        fastest = response if fastest is None else min(fastest, response)
        cadence = ctx.playbook.cadences.get(tier.cadence)
        if cadence is None:
            continue  # an unknown cadence is reported by the reference check
        first = min(s.day for s in cadence.steps) * cal.day_minutes
        if first > response:
            yield Finding(FIRST_TOUCH, tier.where("response_time"),
                          f"tier '{tid}' promises a response within {tier.response_time}, "
                          f"but cadence '{tier.cadence}' first touches on business day "
                          f"{min(s.day for s in cadence.steps)}",
                          "Start the cadence on day 0, or lengthen the response time.")
        last = max(s.day for s in cadence.steps)
        if last > recycle.after_days:
            yield Finding(WINDOW, recycle.where("after_days"),
                          f"leads may be recycled after "
                          f"{cal.describe(recycle.after_days * cal.day_minutes)}, "
                          f"but cadence '{tier.cadence}' (tier '{tid}') runs to day {last}",
                          "Lengthen the recycle window or shorten the cadence: sales must "
                          "finish the cadence before handing the lead back.")
        if len(cadence.steps) < recycle.min_touches:
            yield Finding(TOUCHES, tier.where("cadence"),
                          f"cadence '{tier.cadence}' has {len(cadence.steps)} touches, but "
                          f"{recycle.min_touches} are required before recycling",
                          "Add steps to the cadence or lower `min_touches`.")
    previous = None
    for i, step in enumerate(sla.escalation):
        after = cal.minutes(step.after)
        if fastest is not None and after < fastest and i == 0:
            yield Finding(ESCALATION, step.where("after"),
                          f"escalation after {step.after} comes before the fastest response "
                          "time has passed", "Escalate only once a response time is missed.")
        if previous is not None and after <= previous:
            yield Finding(ESCALATION, step.where("after"),
                          f"escalation after {step.after} is not later than the one before",
                          "List escalations from first to last.")
        previous = after
