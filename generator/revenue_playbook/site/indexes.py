"""Indexes over the playbook for the pages: who owns what, where each template is used,
which team each KPI belongs to. Pure functions of the model."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..definitions.businesstime import Calendar
from ..definitions.model import KPI, Playbook, Team
from ..definitions.presentation import per_segment

# (where it is used, page path)
Usage = list[tuple[str, str]]
# (kind, what, page path)
Owned = list[tuple[str, str, str]]


def template_usage(pb: Playbook) -> dict[str, Usage]:
    """Template id -> where it is used, in page order: stages, cadences, campaigns."""
    used: dict[str, Usage] = {}
    for process in pb.processes.values():
        for sid, stage in process.stages.items():
            for t in stage.touchpoints:
                if t.template:
                    used.setdefault(t.template, []).append(
                        (f"Stage {stage.name}, day {t.day}", f"stages/{sid}.md"))
    for cadence in pb.cadences.values():
        for i, step in enumerate(cadence.steps, 1):
            if step.template:
                used.setdefault(step.template, []).append(
                    (f"Cadence {cadence.name}, step {i} (day {step.day})", "sla.md"))
    for cid, campaign in pb.campaigns.items():
        for email in campaign.emails:
            used.setdefault(email.template, []).append(
                (f"Campaign {campaign.name}, day {email.send:+d}", f"campaigns/{cid}.md"))
    return used


Owner = tuple[str | None, str, str, str]  # (owner role, kind, what, page): a role's or not


def ownership(pb: Playbook) -> dict[str, Owned]:
    """Role id -> what it owns, from every owner field of the playbook."""
    return owners(pb, [owned(pb, section) for section in OWNED_SECTIONS])


def owners(pb: Playbook, parts: list[list[Owner]]) -> dict[str, Owned]:
    """`ownership` from each of `OWNED_SECTIONS`' `owned`, in that order."""
    owns: dict[str, Owned] = {rid: [] for rid in pb.roles}
    for part in parts:
        for role, kind, what, page in part:
            if role in owns:
                owns[role].append((kind, what, page))
    return owns


def owned(pb: Playbook, section: str) -> list[Owner]:
    """Each owner field of one of `OWNED_SECTIONS`: one part of `ownership` (the site
    keeps each, and makes one again only when its section changed)."""
    return list(_OWNED[section](pb))


def _processes(pb: Playbook) -> Iterator[Owner]:
    for process in pb.processes.values():
        yield process.owner, "Sales process", process.name, "process/index.md"
        for sid, stage in process.stages.items():
            yield stage.owner, "Stage", stage.name, f"stages/{sid}.md"
            for t in stage.touchpoints:
                if t.owner and t.owner != stage.owner:
                    yield t.owner, "Touchpoint", f"{stage.name}: {t.purpose}", f"stages/{sid}.md"


def _lifecycle(pb: Playbook) -> Iterator[Owner]:
    calendar = Calendar.of(pb)
    for life in pb.lifecycle.values():
        yield life.owner, "Lifecycle stage", life.name, "lifecycle.md"
        if life.handoff:
            within = f" within {calendar.words(life.handoff.within)}" \
                if life.handoff.within else ""
            yield life.handoff.owner, "Hand-off", f"into {life.name}{within}", "lifecycle.md"


def _cadences(pb: Playbook) -> Iterator[Owner]:
    for cadence in pb.cadences.values():
        yield cadence.owner, "Cadence", cadence.name, "sla.md"


def _service_levels(pb: Playbook) -> Iterator[Owner]:
    for op in pb.service_levels.values():
        asked_by = pb.roles[op.requester].name if op.requester in pb.roles else op.requester
        yield op.provider, "Operational SLA", f"{op.name} (asked by {asked_by})", "sla.md"


def _sla(pb: Playbook) -> Iterator[Owner]:
    if not pb.sla:
        return
    calendar = Calendar.of(pb)
    for tier in pb.sla.tiers.values():
        within = per_segment(pb, tier.response_time, calendar.words)
        yield tier.owner, "SLA response", f"{tier.name} within {within}", "sla.md"
    if pb.sla.recycle is not None:
        yield pb.sla.recycle.owner, "Recycling", "Recycling leads to marketing", "sla.md"
    for step in pb.sla.escalation:
        yield step.to, "Escalation", f"after {calendar.words(step.after)}: {step.action}", \
            "sla.md"
    if pb.sla.review:
        yield pb.sla.review.owner, "SLA review", f"every {pb.sla.review.every}", "sla.md"


def _templates(pb: Playbook) -> Iterator[Owner]:
    for tid, template in pb.templates.items():
        yield template.owner, "Template", template.name, f"emails/{tid}.md"


def _campaigns(pb: Playbook) -> Iterator[Owner]:
    for cid, campaign in pb.campaigns.items():
        yield campaign.owner, "Campaign", campaign.name, f"campaigns/{cid}.md"
        for step in campaign.steps.values():
            yield step.owner, "Campaign step", f"{campaign.name}: {step.name}", \
                f"campaigns/{cid}.md"


def _kpis(pb: Playbook) -> Iterator[Owner]:
    for kpi in pb.kpis.values():
        yield kpi.owner, "KPI", kpi.name, "scorecard.md"


def _revenue_goal(pb: Playbook) -> Iterator[Owner]:
    if pb.revenue_goal:
        yield pb.revenue_goal.owner, "Revenue goal", pb.revenue_goal.period, "scorecard.md"


def _meeting(pb: Playbook) -> Iterator[Owner]:
    if pb.meeting:
        yield pb.meeting.chair, "Meeting", f"chairs the {pb.meeting.name}", "meeting.md"
        for item in pb.meeting.agenda:
            yield item.owner, "Agenda item", item.topic, "meeting.md"


# The sections whose owner fields `ownership` reads, in the order it lists each role's items.
_OWNED: dict[str, Callable[[Playbook], Iterator[Owner]]] = {
    "processes": _processes, "lifecycle": _lifecycle, "cadences": _cadences,
    "service_levels": _service_levels, "sla": _sla, "templates": _templates,
    "campaigns": _campaigns, "kpis": _kpis, "revenue_goal": _revenue_goal,
    "meeting": _meeting}
OWNED_SECTIONS = tuple(_OWNED)


def kpis_of(pb: Playbook, team: Team | None) -> list[tuple[str, KPI]]:
    """The KPIs owned by a role of `team` (a KPI whose owner is not a known role counts as
    the revenue leadership's); `None`: the KPIs whose owner is not stated."""
    if team is None:
        return [(kid, k) for kid, k in pb.kpis.items() if k.owner is None]
    return [(kid, k) for kid, k in pb.kpis.items() if k.owner is not None
            and (pb.roles[k.owner].team if k.owner in pb.roles else "revenue") == team]
