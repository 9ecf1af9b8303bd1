"""The playbook website as plain data: page path -> Markdown, diagram path -> SVG.

Nothing here knows MkDocs: the plugin (or any other engine) takes `Site.pages`,
`Site.assets` and `Site.nav` and publishes them. `build_site` gathers what every page
shows, as values (the model, the indexes of `indexes.py`, rendered samples, dates in
words), and renders the Jinja2 templates in `templates/pages/` with them; the templates
only format values, through the filters of `page_filters.py`. Diagrams come from
`diagrams.py`, the navigation from `navigation.py`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from . import agenda, calendars, links, markup
from .businesstime import Calendar
from .campaign_values import (
    SAMPLE_END,
    SAMPLE_START,
    email_moment,
    marked_markdown,
    render_email,
    step_moment,
)
from .diagram_html import diagram_block
from .diagrams import DiagramRenderer, campaign_dot, lifecycle_dot, process_dot, touchpoints_dot
from .downloads import downloads
from .findings import Finding
from .format_reference import format_sections
from .indexes import kpis_of, ownership, template_usage
from .merge_tokens import tool_versions
from .model import Campaign, Node, Playbook, SalesProcess, Stage, Template
from .navigation import build_nav
from .page_filters import page_environment
from .practices import assess, score
from .presentation import (
    PHASE_TITLES,
    SCORECARD_TEAMS,
    TEAM_TITLES,
    hygiene_action,
    hygiene_rows,
    render_sample,
    stage_segment_rows,
    when,
    workdays,
)
from .rules import Context, all_rules, run_checks


@dataclass
class Page:
    path: str  # relative to the docs folder, e.g. "stages/discovery.md"
    title: str
    markdown: str
    source: str | None = None  # the definition file the page is built from


@dataclass
class Site:
    pages: dict[str, Page] = field(default_factory=dict)
    assets: dict[str, bytes] = field(default_factory=dict)  # e.g. diagrams as SVG
    nav: list[Any] = field(default_factory=list)  # MkDocs-style nav of generated pages


def stage_hygiene(pb: Playbook, process: SalesProcess, stage: Stage) -> dict[str, Any]:
    """A stage's deal hygiene policy for the pages: rows per segment and the action."""
    return {"rows": hygiene_rows(pb, process, stage.hygiene),
            "action": hygiene_action(pb, process, stage.hygiene)}


def build_site(playbook: Playbook, renderer: DiagramRenderer, directory_urls: bool = True,
               changes_markdown: str | None = None,
               findings: list[Finding] | None = None) -> Site:
    """Every generated page and diagram of the playbook. Links inside diagrams follow
    MkDocs' `use_directory_urls`; `changes_markdown` adds the "What changed" page."""
    pb = playbook
    calendar = Calendar.of(pb)
    usage = template_usage(pb)
    site = Site()
    dots: dict[str, str] = {}
    plan: list[tuple[str, str, dict[str, Any], Node | None, list[str]]] = []

    def page(path: str, page_template: str, source: Node | None = None,
             diagrams: list[str] | None = None, **context: Any) -> None:
        plan.append((path, page_template, context, source, diagrams or []))

    def url(target: str, here: str) -> str:
        return links.url(target, here, directory_urls)

    def email_url(template_id: str, page: str) -> str:
        """From `page` (in a diagram) to the page of email template `template_id`."""
        return url(f"emails/{template_id}.md", page)

    page("index.md", "home.md.j2")
    if findings is None:  # not handed over by a validation run: check the playbook here
        findings = run_checks(Context(pb))
    statuses = assess(pb, findings)
    met, total = score(statuses)
    page("alignment.md", "alignment.md.j2", statuses=statuses, met=met, total=total)
    for pid in pb.processes:
        dots[f"process-{pid}"] = process_dot(
            pb, pid, lambda sid: url(f"stages/{sid}.md", "process/index.md"))
    hygiene = {pid: {sid: stage_hygiene(pb, process, stage) for sid, stage in
                     process.stages.items() if stage.hygiene}
               for pid, process in pb.processes.items()}
    if pb.processes:
        page("process/index.md", "process.md.j2",
             diagrams=[f"process-{pid}" for pid in pb.processes], hygiene=hygiene)
    for pid, process in pb.processes.items():
        for sid, stage in process.stages.items():
            path = f"stages/{sid}.md"
            names = []
            if stage.touchpoints:
                dots[f"stage-{sid}"] = touchpoints_dot(
                    sid, stage.touchpoints, functools.partial(email_url, page=path))
                names.append(f"stage-{sid}")
            if stage.cadence in pb.cadences:
                names.append(f"cadence-{stage.cadence}")
            page(path, "stage.md.j2", stage, names, sid=sid, stage=stage, pid=pid,
                 process=process, nexts=process.successors(sid),
                 hygiene=hygiene[pid].get(sid),
                 outcome=pb.outcome(stage.outcome) if stage.outcome else None,
                 counts_as=pb.counts_as(stage.outcome),
                 by_segment=stage_segment_rows(pb, process, stage),
                 stage_agenda=agenda.stage_agenda(pb, sid))
    if pb.lifecycle:
        dots["lifecycle"] = lifecycle_dot(pb, lambda sid: f"#lifecycle-{sid}")
        page("lifecycle.md", "lifecycle.md.j2", None, ["lifecycle"])
    for cid, cadence in pb.cadences.items():
        dots[f"cadence-{cid}"] = touchpoints_dot(
            cid, cadence.steps, lambda t: url(f"emails/{t}.md", "sla.md"))
    if pb.sla or pb.service_levels:
        page("sla.md", "sla.md.j2", pb.sla, [f"cadence-{c}" for c in pb.cadences],
             day_minutes=calendar.day_minutes,
             agendas={cid: agenda.cadence_agenda(pb, cid) for cid in pb.cadences})
    # under emails/, not templates/: MkDocs leaves a docs folder named templates/ out
    if pb.templates:
        page("emails/index.md", "templates.md.j2")
    for tid, template in pb.templates.items():
        page(f"emails/{tid}.md", "template.md.j2", template, tid=tid, template=template,
             tool_versions=tool_versions(template, pb))
    if pb.campaigns:
        page("campaigns/index.md", "campaigns.md.j2")
        page("calendar.md", "calendar.md.j2", workdays=workdays(calendar),
             entry_kinds=tuple(calendars.KIND_TITLES.items()),
             months=calendars.months(pb, calendars.all_entries(pb)))
    for cid, campaign in pb.campaigns.items():
        if campaign.launch is not None:
            site.assets[f"calendars/{cid}.ics"] = calendars.campaign_ics(pb, cid)
    if pb.meeting:
        site.assets["calendars/revenue-meeting.ics"] = calendars.ics(
            calendars.meeting_calendar(pb))
    for cid, campaign in pb.campaigns.items():
        dots[f"campaign-{cid}"] = campaign_dot(
            pb, cid, calendar, functools.partial(email_url, page=f"campaigns/{cid}.md"))
        page(f"campaigns/{cid}.md", "campaign.md.j2", campaign, [f"campaign-{cid}"],
             cid=cid, campaign=campaign, **_campaign_data(pb, campaign, calendar))
    entries, files = downloads(pb)
    site.assets.update(files)
    page("downloads/index.md", "downloads.md.j2", entries=entries)
    if pb.kpis or pb.revenue_goal:
        page("scorecard.md", "scorecard.md.j2",
             teams=[(TEAM_TITLES[team], kpis_of(pb, team)) for team in SCORECARD_TEAMS])
    role_days = agenda.role_days(pb)  # roles with touches only
    page("roles.md", "roles.md.j2", ownership=ownership(pb), role_days=role_days)
    for rid, day in role_days.items():
        page(f"my-day/{rid}.md", "my_day.md.j2", pb.roles[rid], rid=rid, role=pb.roles[rid],
             days=day.by_day())
    if pb.meeting:
        page("meeting.md", "meeting.md.j2", pb.meeting)
    if changes_markdown is not None:
        page("changes.md", "changes.md.j2", changes=Markup(changes_markdown))
    page("reference/format.md", "format.md.j2", sections=format_sections())
    page("reference/rules.md", "rules.md.j2", rules=all_rules())

    shared = {"pb": pb, "calendar": calendar, "usage": usage, "phase_titles": PHASE_TITLES,
              "samples": {tid: _sample_email(t, pb) for tid, t in pb.templates.items()},
              "has_changes": changes_markdown is not None, "directory_urls": directory_urls}
    svgs = renderer.render_many(dots)
    cache = renderer.cache_dir
    env = page_environment(cache / "pages" if cache is not None else None)
    for path, template_name, context, source, diagrams in plan:
        inline = {name: diagram_block(name, svgs[name], *_diagram_title(pb, name))
                  for name in diagrams if name in svgs}
        markdown = env.get_template(template_name).render(
            **shared, here=path, diagram=inline, **context)
        title = markdown.split("\n", 1)[0].lstrip("# ").strip()
        if path.startswith("reference/"):
            # for developers and sales ops: search ranks them below the playbook's pages
            markdown = f"---\nsearch:\n  boost: {REFERENCE_SEARCH_BOOST}\n---\n" + markdown
        src = source.source.display if source is not None and source.source else None
        site.pages[path] = Page(path, title, markdown, src)
    for name, svg in svgs.items():
        site.assets[f"assets/diagrams/{name}.svg"] = svg
    site.nav = build_nav(pb, site.pages, usage)
    return site


REFERENCE_SEARCH_BOOST = 0.1  # Material's search: 1 is a page's usual weight


def _sample_email(template: Template, pb: Playbook) -> tuple[str, str, str | None]:
    """(subject, body, error) with the template's sample values; the template's source
    when either part cannot render (the page says why)."""
    subject, body = render_sample(template, pb)
    if subject.text is None or body.text is None:
        return template.subject, template.body, subject.error or body.error
    return subject.text, body.text, None


def _campaign_data(pb: Playbook, campaign: Campaign, calendar: Calendar) -> dict[str, Any]:
    """What a campaign page shows beyond the model: when each step is due, and each email
    (by send day) with its date and its text rendered with the campaign's values."""
    due = {sid: when(campaign, step.offset, calendar,
                     step_moment(pb, campaign, calendar, sid))
           for sid, step in campaign.steps.items()}
    opening = '<mark class="pb-sample" title="Sample: each recipient gets their own">'

    def marked(text: Markup) -> Markup:
        return Markup(marked_markdown(str(text), opening, "</mark>"))

    emails = []
    for email in sorted(campaign.emails, key=lambda e: e.send):
        template = pb.templates.get(email.template)
        entry: dict[str, Any] = {
            "email": email, "template": template,
            "when": when(campaign, email.send, calendar,
                         email_moment(pb, campaign, calendar, email))}
        if template is not None:
            # the sample data of per-recipient fields is highlighted
            out = render_email(pb, campaign, email, template, calendar,
                               mark=lambda value: f"{SAMPLE_START}{value}{SAMPLE_END}")
            entry.update(subject=marked(markup.text(out.subject)),
                         body=marked(markup.markdown(out.body)), samples=out.samples,
                         unbound=sorted(out.unbound), error=out.error)
        emails.append(entry)
    return {"due": due, "emails": emails}


def _diagram_title(pb: Playbook, name: str) -> tuple[str, str]:
    """A diagram's accessible name and description, from its kind and subject."""
    kind, _, key = name.partition("-")
    if kind == "process" and key in pb.processes:
        process = pb.processes[key]
        return (f"{process.name}: the sales process",
                "Stages in order, each linking to its page: "
                + ", ".join(s.name for s in process.stages.values()) + ".")
    if kind == "stage" and key in pb.stages:
        stage = pb.stages[key]
        return (f"{stage.name}: touchpoints by business day",
                f"{_count(len(stage.touchpoints), 'touch', 'touches')} after a deal "
                "enters the stage; emails link to their templates.")
    if kind == "cadence" and key in pb.cadences:
        cadence = pb.cadences[key]
        return (f"{cadence.name}: touches by business day",
                f"{_count(len(cadence.steps), 'touch', 'touches')} from day 0; emails "
                "link to their templates.")
    if kind == "campaign" and key in pb.campaigns:
        campaign = pb.campaigns[key]
        return (f"{campaign.name}: campaign timeline",
                "Planning, execution and optimization steps with their due dates and "
                "dependencies, and the emails sent after launch.")
    if kind == "lifecycle":
        return ("The lead lifecycle by team",
                "Stages in team lanes, with hand-offs and their time targets: "
                + ", ".join(s.name for s in pb.lifecycle.values()) + ".")
    return name, ""


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
