"""The alignment rules of DOMAIN.md: what keeps sales and marketing working as one team."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Location, Rule, Severity
from ..practices import PRACTICES, states_exit_criteria
from .context import Context

PREVIEW_STEP = Rule("PB701", "campaign-sales-preview", Severity.ERROR,
                    "Every campaign has a sales preview step.", "alignment")
ONE_QUALIFIED = Rule("PB702", "one-qualified-definition", Severity.ERROR,
                     "There is one marketing-qualified point (used by scoring and marketing's "
                     "commitment) and at most one sales-qualified point after it.", "alignment")
HANDOFF = Rule("PB703", "handoff-owner", Severity.ERROR,
               "Every hand-off between teams has an owner and a time target.", "alignment")
CUSTOMER_KPI = Rule("PB704", "customer-focused-kpi", Severity.ERROR,
                    "At least one shared KPI is customer-focused.", "alignment")
GOAL_OWNER = Rule("PB705", "revenue-goal-owner", Severity.ERROR,
                  "The revenue goal has one accountable owner, who also owns the KPI that "
                  "tracks it.", "alignment")
EMAIL_TEMPLATE = Rule("PB706", "email-template", Severity.ERROR,
                      "Every email touchpoint names a template.", "alignment")
EXIT_CRITERIA = Rule("PB707", "exit-criteria", Severity.INFO,
                     "Every working sales stage has exit criteria (said as information by "
                     "default, since a source may not state them: set it to `error` to "
                     "require them).", "alignment")
SKIPPED = Rule("PB709", "alignment-not-encoded", Severity.INFO,
               "Says once which alignment practices were not checked because the playbook "
               "leaves out what they need.", "alignment")
MEETING_TEAMS = Rule("PB708", "meeting-both-teams", Severity.WARNING,
                     "Marketing and sales both attend the revenue meeting, and its agenda "
                     "fits its time.", "alignment")


def campaign_previews(ctx: Context) -> Iterator[Finding]:
    for cid, campaign in ctx.playbook.campaigns.items():
        if not any(step.sales_preview for step in campaign.steps.values()):
            yield Finding(PREVIEW_STEP, campaign.where("steps", key=True),
                          f"campaign '{cid}' has no sales preview step",
                          "Mark a planning step `sales_preview: true`, due before launch, "
                          "where sales reviews what prospects will receive.")


def qualified_lead(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    if not pb.lifecycle:
        return
    points = {kind: [sid for sid, st in pb.lifecycle.items() if st.qualified == kind]
              for kind in ("marketing", "sales")}
    if not points["marketing"]:
        return  # no qualified point stated: "not encoded" (practices.py, PB709)
    for kind, found in points.items():
        for sid in found[1:]:
            yield Finding(ONE_QUALIFIED, pb.lifecycle[sid].where("qualified"),
                          f"'{sid}' is a second {kind}-qualified point (after '{found[0]}')",
                          f"Keep `qualified: {kind}` on one stage only.")
    the_one = points["marketing"][0]
    if pb.scoring and pb.scoring.qualifies_as in pb.lifecycle \
            and pb.scoring.qualifies_as != the_one:
        yield Finding(ONE_QUALIFIED, pb.scoring.where("qualifies_as"),
                      f"scoring qualifies leads as '{pb.scoring.qualifies_as}', but the "
                      f"marketing-qualified point is '{the_one}'",
                      f"Use `qualifies_as: {the_one}`.")
    commitment = pb.sla.marketing_commitment if pb.sla else None
    if commitment and commitment.stage in pb.lifecycle and commitment.stage != the_one:
        yield Finding(ONE_QUALIFIED, commitment.where("stage"),
                      f"marketing commits to '{commitment.stage}' leads, but the "
                      f"marketing-qualified point is '{the_one}'", f"Use `stage: {the_one}`.")
    if points["sales"]:
        sql = points["sales"][0]
        if sql not in _downstream(pb.lifecycle, the_one):
            yield Finding(ONE_QUALIFIED, pb.lifecycle[sql].where("qualified"),
                          f"the sales-qualified point '{sql}' cannot be reached from the "
                          f"marketing-qualified point '{the_one}'",
                          "Sales accepts leads after marketing qualifies them: link them "
                          "with `next:`.")


def _downstream(lifecycle: dict, start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(lifecycle[start].next)
    while todo:
        sid = todo.pop()
        if sid in lifecycle and sid not in seen:
            seen.add(sid)
            todo.extend(lifecycle[sid].next)
    return seen


def handoffs(ctx: Context) -> Iterator[Finding]:
    lifecycle = ctx.playbook.lifecycle
    if not any(stage.handoff for stage in lifecycle.values()):
        return  # the playbook says nothing of hand-offs: "not encoded" (practices.py)
    for sid, stage in lifecycle.items():
        for i, target in enumerate(stage.next):
            nxt = lifecycle.get(target)
            if nxt is None or nxt.handoff is not None or stage.team is None \
                    or nxt.team is None or nxt.team == stage.team:
                continue
            yield Finding(HANDOFF, stage.where("next", i),
                          f"leads pass from {stage.team} ('{sid}') to {nxt.team} "
                          f"('{target}') with no hand-off owner or time target",
                          f"Add to '{target}':\n  handoff:\n    owner: <role>\n"
                          "    within: 1bh")


def scorecard(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    stated = [k.customer_focused for k in pb.kpis.values() if k.customer_focused is not None]
    if stated and not any(stated):  # none stated at all: "not encoded" (practices.py)
        first = next(iter(pb.kpis.values()))
        yield Finding(CUSTOMER_KPI, first.where(key=bool(first.path)),
                      "no KPI on the scorecard is customer-focused",
                      "Add a KPI such as retention or satisfaction with "
                      "`customer_focused: true`.")
    goal = pb.revenue_goal
    if goal and goal.kpi in pb.kpis and goal.owner in pb.roles:
        kpi = pb.kpis[goal.kpi]
        if kpi.owner != goal.owner:
            yield Finding(GOAL_OWNER, kpi.where("owner"),
                          f"KPI '{goal.kpi}' tracks the revenue goal but is owned by "
                          f"'{kpi.owner}', not the goal's owner '{goal.owner}'",
                          "One role is accountable for revenue: make it own this KPI too.")


def email_templates(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    places: list[tuple[str, list]] = []
    for process in pb.processes.values():
        for sid, stage in process.stages.items():
            places.append((f"stage '{sid}'", stage.touchpoints))
    for cid, cadence in pb.cadences.items():
        places.append((f"cadence '{cid}'", cadence.steps))
    for owner, touches in places:
        for touch in touches:
            if touch.channel == "email" and not touch.template:
                yield Finding(EMAIL_TEMPLATE, touch.where("channel"),
                              f"email touch on day {touch.day} of {owner} names no template",
                              "Add `template: <template id>` so reps send the agreed email.")


def exit_criteria(ctx: Context) -> Iterator[Finding]:
    for pid, process in ctx.playbook.processes.items():
        if not states_exit_criteria(ctx.playbook, pid):
            continue  # a process that states none does not encode them (practices.py)
        for sid, stage in process.stages.items():
            if not stage.outcome and not stage.exit_criteria:
                yield Finding(EXIT_CRITERIA, stage.where(key=True),
                              f"stage '{sid}' states no exit criteria: not encoded",
                              "Add `exit_criteria:` as a checklist a rep can verify before "
                              "moving the deal on.")


def meeting(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    m = pb.meeting
    if m is None:
        return
    teams = {pb.roles[r].team for r in [m.chair, *m.attendees] if r in pb.roles}
    missing = [t for t in ("marketing", "sales") if t not in teams]
    if missing and len(teams) > 0:
        yield Finding(MEETING_TEAMS, m.where("attendees"),
                      f"no {' or '.join(missing)} role attends the revenue meeting",
                      "Both teams review the scorecard together every week.")
    total = sum(item.minutes for item in m.agenda)
    if total > m.duration_minutes:
        yield Finding(MEETING_TEAMS, m.where("agenda"),
                      f"the agenda takes {total} minutes but the meeting lasts "
                      f"{m.duration_minutes}", "Trim the agenda or lengthen the meeting.")


def not_encoded(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    if (pb.unreadable or pb.company is None or any(pb.broken.values())
            or not (pb.processes or pb.lifecycle or pb.campaigns)):
        return  # what looks missing may be in a file that could not be read, or invalid
    by_missing: dict[str, list] = {}
    for practice in PRACTICES:
        missing = practice.missing(pb)
        if missing.startswith("exit criteria of stage"):
            continue  # PB707 says it at each stage
        if missing:
            by_missing.setdefault(missing, []).append(practice)
    where = pb.company.where(key=bool(pb.company.path)) if pb.company.source else Location(".")
    for missing, practices in by_missing.items():
        codes = ", ".join(code for p in practices for code in p.codes)
        titles = "; ".join(p.title[:1].lower() + p.title[1:] for p in practices)
        yield Finding(SKIPPED, where,
                      f"no {missing} defined: the alignment checks {codes} ({titles}) were "
                      "skipped", "Nothing to fix if your team has no such agreement; add "
                      "it to have it checked and shown on the Alignment page.")
