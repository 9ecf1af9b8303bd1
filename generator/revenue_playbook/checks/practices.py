"""The alignment index: each practice that keeps sales and marketing working as one team,
whether this playbook encodes it, and whether its checks pass.

A practice is "not encoded" when the sections it needs are missing (the playbook may leave
them out), "not met" when one of its rules reports a problem, and "met" otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from ..definitions.findings import Finding, Severity
from ..definitions.model import Playbook


class Practice(NamedTuple):
    id: str
    title: str
    summary: str
    codes: tuple[str, ...]  # the rules that check it
    pages: tuple[tuple[str, str], ...]  # where its definitions are shown: (title, path)
    missing: Callable[[Playbook], str]  # what is missing to encode it, '' when encoded


def _need(*sections: str) -> Callable[[Playbook], str]:
    def missing(pb: Playbook) -> str:
        gone = [s for s in sections if not getattr(pb, s)]
        return ", ".join(f"`{s}:`" for s in gone)
    return missing


def _qualified(pb: Playbook) -> str:
    if not pb.lifecycle:
        return "`lifecycle:`"
    return "" if pb.qualified_point("marketing") else "`qualified: marketing` stage"


def _customer_kpis(pb: Playbook) -> str:
    if not pb.kpis:
        return "`kpis:`"
    if all(k.customer_focused is None for k in pb.kpis.values()):
        return "`customer_focused:` on a KPI"
    return ""


def _handoffs(pb: Playbook) -> str:
    if not pb.lifecycle:
        return "`lifecycle:`"
    teams = {st.team for st in pb.lifecycle.values() if st.team}
    if len(teams) < 2:
        return "lifecycle stages of more than one team"
    handoffs = {sid: st.handoff for sid, st in pb.lifecycle.items() if st.handoff}
    if not handoffs:
        return "hand-off (`handoff:` on a lifecycle stage)"
    untimed = [sid for sid, h in handoffs.items() if h.within is None]
    if untimed:
        return f"time target (`within:`) of the hand-off into {_ids(untimed)}"
    return ""


def _response(pb: Playbook) -> str:
    if pb.sla is None:
        return "`sla:`"
    if not pb.sla.tiers:
        return "response time (`sla.tiers:`)"
    if pb.sla.recycle is None:
        return "recycle rule (`sla.recycle:`)"
    gaps = [f"`{name}`" for name in ("after_days", "min_touches")
            if getattr(pb.sla.recycle, name) is None]
    if gaps:
        return f"{' or '.join(gaps)} in the recycle rule"
    without = [tid for tid, tier in pb.sla.tiers.items() if not tier.cadence_ids()]
    if without:
        return f"cadence (`cadence:`) of lead tier {_ids(without)}"
    return ""


def _exit_criteria(pb: Playbook) -> str:
    if not pb.processes:
        return "`processes:`"
    silent = [pid for pid in pb.processes if not states_exit_criteria(pb, pid)]
    if silent:
        return f"exit criteria in process {_ids(silent)}"
    without = [sid for process in pb.processes.values()
               for sid, stage in process.stages.items()
               if not stage.outcome and not stage.exit_criteria]
    return f"exit criteria of stage {_ids(without)}" if without else ""


def states_exit_criteria(pb: Playbook, process_id: str) -> bool:
    """Whether a process states exit criteria for any of its working stages: a process
    that states none (a CRM's default pipeline) does not encode them, and its stages are
    not each reported for lacking them."""
    return any(stage.exit_criteria for stage in pb.processes[process_id].stages.values()
               if not stage.outcome)


def _ids(ids: list[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids)


PRACTICES: tuple[Practice, ...] = (
    Practice("qualified-lead", "One definition of a qualified lead",
             "Marketing and sales agree on one marketing-qualified point, used by lead "
             "scoring and marketing's commitment, and on where sales accepts the lead.",
             ("PB702", "PB310"), (("Lead lifecycle", "lifecycle.md"),), _qualified),
    Practice("response-cadence", "Response times with a follow-up cadence before recycling",
             "Each lead tier has a response time that its cadence meets, and the cadence is "
             "worked to the end before a lead goes back to marketing.",
             ("PB502", "PB503", "PB504", "PB505"), (("Response times (SLA)", "sla.md"),),
             _response),
    Practice("sales-preview", "A sales preview in every campaign",
             "Sales sees every campaign before prospects do.",
             ("PB701", "PB602"), (("Campaigns", "campaigns/index.md"),), _need("campaigns")),
    Practice("customer-kpis", "Customer-focused KPIs on a shared scorecard",
             "Both teams own KPIs, at least one of them about customers.",
             ("PB704",), (("Scorecard", "scorecard.md"),), _customer_kpis),
    Practice("goal-owner", "One accountable owner of the revenue goal",
             "One role owns the revenue goal and the KPI that tracks it.",
             ("PB705",), (("Scorecard", "scorecard.md"),), _need("revenue_goal")),
    Practice("weekly-meeting", "A weekly meeting of both teams",
             "Marketing and sales review the scorecard together, with an agenda that fits.",
             ("PB708",), (("Revenue meeting", "meeting.md"),), _need("meeting")),
    Practice("handoffs", "Hand-offs with owners and times",
             "Every time a lead passes between teams, someone owns it within a set time.",
             ("PB703",), (("Lead lifecycle", "lifecycle.md"),), _handoffs),
    Practice("exit-criteria", "Exit criteria on every stage",
             "A rep can check what must be true before a deal moves on, stage by stage.",
             ("PB707",), (("Sales process", "process/index.md"),), _exit_criteria),
    Practice("operational-slas", "Operational SLAs between teams",
             "Internal requests (campaign emails, landing pages, lists) have agreed lead "
             "times, and campaigns respect them.",
             ("PB612",), (("Response times (SLA)", "sla.md"),), _need("service_levels")),
)


class Status(NamedTuple):
    practice: Practice
    state: str  # "met", "not met" or "not encoded"
    missing: str
    findings: tuple[Finding, ...]


def assess(pb: Playbook, findings: Iterable[Finding]) -> list[Status]:
    """Every practice's state for this playbook and its findings."""
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        if f.effective_severity in (Severity.ERROR, Severity.WARNING):
            by_code.setdefault(f.code, []).append(f)
    statuses = []
    for practice in PRACTICES:
        missing = practice.missing(pb)
        found = tuple(f for code in practice.codes for f in by_code.get(code, []))
        state = "not encoded" if missing else ("not met" if found else "met")
        statuses.append(Status(practice, state, missing, found))
    return statuses


def score(statuses: list[Status]) -> tuple[int, int]:
    """Practices met, out of all practices."""
    return sum(s.state == "met" for s in statuses), len(statuses)
