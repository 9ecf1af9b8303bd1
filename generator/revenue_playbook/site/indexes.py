"""Indexes over the playbook for the pages: who owns what, where each template is used,
which team each KPI belongs to. Pure functions of the model."""

from __future__ import annotations

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


# The sections whose owner fields `ownership` reads, in the order it lists each role's items.
OWNED_SECTIONS = ("processes", "lifecycle", "cadences", "service_levels", "sla", "templates",
                  "campaigns", "kpis", "revenue_goal", "meeting")


def ownership(pb: Playbook) -> dict[str, Owned]:
    """Role id -> what it owns, from every owner field of the playbook."""
    return owners(pb, [owned(pb, section) for section in OWNED_SECTIONS])


def owners(pb: Playbook, parts: list[list[tuple[str | None, str, str, str]]]) \
        -> dict[str, Owned]:
    """`ownership` from each of `OWNED_SECTIONS`' `owned`, in that order."""
    owns: dict[str, Owned] = {rid: [] for rid in pb.roles}
    for part in parts:
        for role, kind, what, page in part:
            if role in owns:
                owns[role].append((kind, what, page))
    return owns


def owned(pb: Playbook, section: str) -> list[tuple[str | None, str, str, str]]:
    """(owner, kind, what, page) for each owner field of one of `OWNED_SECTIONS`, a role's
    or not: one part of `ownership` (the site keeps each, and makes one again only when
    its section changed)."""
    found: list[tuple[str | None, str, str, str]] = []

    def add(role: str | None, kind: str, what: str, page: str) -> None:
        found.append((role, kind, what, page))

    if section == "processes":
        for process in pb.processes.values():
            add(process.owner, "Sales process", process.name, "process/index.md")
            for sid, stage in process.stages.items():
                add(stage.owner, "Stage", stage.name, f"stages/{sid}.md")
                for t in stage.touchpoints:
                    if t.owner and t.owner != stage.owner:
                        add(t.owner, "Touchpoint", f"{stage.name}: {t.purpose}",
                            f"stages/{sid}.md")
    elif section == "lifecycle":
        calendar = Calendar.of(pb)
        for life in pb.lifecycle.values():
            add(life.owner, "Lifecycle stage", life.name, "lifecycle.md")
            if life.handoff:
                within = f" within {calendar.words(life.handoff.within)}" \
                    if life.handoff.within else ""
                add(life.handoff.owner, "Hand-off", f"into {life.name}{within}",
                    "lifecycle.md")
    elif section == "cadences":
        for cadence in pb.cadences.values():
            add(cadence.owner, "Cadence", cadence.name, "sla.md")
    elif section == "service_levels":
        for op in pb.service_levels.values():
            add(op.provider, "Operational SLA", f"{op.name} (asked by "
                f"{pb.roles[op.requester].name if op.requester in pb.roles else op.requester})",
                "sla.md")
    elif section == "sla":
        if pb.sla:
            calendar = Calendar.of(pb)
            for tier in pb.sla.tiers.values():
                within = per_segment(pb, tier.response_time, calendar.words)
                add(tier.owner, "SLA response", f"{tier.name} within {within}", "sla.md")
            if pb.sla.recycle is not None:
                add(pb.sla.recycle.owner, "Recycling", "Recycling leads to marketing", "sla.md")
            for step in pb.sla.escalation:
                add(step.to, "Escalation", f"after {calendar.words(step.after)}: {step.action}",
                    "sla.md")
            if pb.sla.review:
                add(pb.sla.review.owner, "SLA review", f"every {pb.sla.review.every}", "sla.md")
    elif section == "templates":
        for tid, template in pb.templates.items():
            add(template.owner, "Template", template.name, f"emails/{tid}.md")
    elif section == "campaigns":
        for cid, campaign in pb.campaigns.items():
            add(campaign.owner, "Campaign", campaign.name, f"campaigns/{cid}.md")
            for campaign_step in campaign.steps.values():
                add(campaign_step.owner, "Campaign step",
                    f"{campaign.name}: {campaign_step.name}", f"campaigns/{cid}.md")
    elif section == "kpis":
        for kpi in pb.kpis.values():
            add(kpi.owner, "KPI", kpi.name, "scorecard.md")
    elif section == "revenue_goal":
        if pb.revenue_goal:
            add(pb.revenue_goal.owner, "Revenue goal", pb.revenue_goal.period, "scorecard.md")
    elif section == "meeting":
        if pb.meeting:
            add(pb.meeting.chair, "Meeting", f"chairs the {pb.meeting.name}", "meeting.md")
            for item in pb.meeting.agenda:
                add(item.owner, "Agenda item", item.topic, "meeting.md")
    else:
        raise ValueError(f"not an owned section: {section}")
    return found


def kpis_of(pb: Playbook, team: Team | None) -> list[tuple[str, KPI]]:
    """The KPIs owned by a role of `team` (a KPI whose owner is not a known role counts as
    the revenue leadership's); `None`: the KPIs whose owner is not stated."""
    if team is None:
        return [(kid, k) for kid, k in pb.kpis.items() if k.owner is None]
    return [(kid, k) for kid, k in pb.kpis.items() if k.owner is not None
            and (pb.roles[k.owner].team if k.owner in pb.roles else "revenue") == team]
