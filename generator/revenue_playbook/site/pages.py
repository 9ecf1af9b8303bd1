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
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..checks.diagram_limits import Size, campaign_size, lifecycle_size, process_size, timeline_size
from ..checks.practices import PRACTICES, assess, score
from ..checks.rules import Context, all_rules, run_checks
from ..definitions.businesstime import Calendar
from ..definitions.campaign_time import email_moment, step_moment
from ..definitions.campaign_values import SAMPLE_END, SAMPLE_START, marked_markdown, render_email
from ..definitions.findings import Finding
from ..definitions.merge_tokens import tool_versions
from ..definitions.model import Campaign, Node, Playbook, SalesProcess, Stage, Template
from ..definitions.presentation import (
    PHASE_TITLES,
    SCORECARD_TEAMS,
    TEAM_TITLES,
    hygiene_action,
    hygiene_rows,
    movement,
    render_sample,
    stage_segment_rows,
    when,
    workdays,
)
from ..definitions.wording import count
from ..exports import calendars
from ..incremental.page_memo import Build, PageMemo
from ..incremental.session import Session
from ..safety import markup
from . import agenda, links
from .diagram_html import diagram_block, not_drawn_note
from .diagrams import DiagramRenderer, campaign_dot, lifecycle_dot, process_dot, touchpoints_dot
from .downloads import downloads
from .format_reference import format_sections
from .indexes import OWNED_SECTIONS, kpis_of, owned, owners, template_usage
from .navigation import build_nav
from .page_filters import page_environment
from .today import has_work, today_data

# the pages measured from CRM data (see `measure/site.py`, which imports nothing of MkDocs)
MEASURED_TEMPLATES = {"actuals/index.md": "actuals.md.j2", "actuals/sla.md": "actuals_sla.md.j2",
                      "actuals/reality.md": "actuals_reality.md.j2",
                      "actuals/meeting-pack.md": "actuals_meeting.md.j2",
                      "actuals/records.md": "actuals_records.md.j2"}
RECORDS_PAGE = "actuals/records.md"


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


# A list of every definition of a kind grows with the playbook (1,900 email templates at a
# hundred times the example): past this many rows it is split into pages of this many, so
# that an edit makes again the one page listing what changed, and a phone loads a table of
# a bounded size. Search finds a row on whichever page holds it.
ROWS_PER_PAGE = 100


def list_pages(ids: list[str], index: str, folder: str) -> list[tuple[str, list[str]]]:
    """(path, ids) of each page of a list of `ids`, in their order: the first page is the
    section's `index`, the others `folder/2.md`, `folder/3.md`... (a folder beside the
    definitions' own pages: an id can name a page, never a folder of pages)."""
    chunks = [ids[start:start + ROWS_PER_PAGE] for start in range(0, len(ids), ROWS_PER_PAGE)]
    return [(index if number == 1 else f"{folder}/{number}.md", chunk)
            for number, chunk in enumerate(chunks or [[]], 1)]


@dataclass
class _Plan:
    """What a build plans before rendering: each page (path, template, source, diagrams,
    values) and each diagram's DOT maker, in the order the site lists them."""

    pb: Playbook
    build: Build
    directory_urls: bool
    site: Site
    findings: list[Finding] | None
    changes_markdown: str | None
    measured: Mapping[str, dict[str, Any]]
    pages: list[tuple[str, str, Node | None, list[str], Any]] = field(default_factory=list)
    # each diagram's DOT source and each page's values are made from the playbook they are
    # handed (the build records what they read): they capture ids and constants only
    dot_makers: dict[str, Callable[[Playbook], str]] = field(default_factory=dict)
    # diagrams too large to draw (see diagram_limits): never handed to `dot`; their pages
    # say why
    not_drawn: dict[str, str] = field(default_factory=dict)

    def page(self, path: str, page_template: str, source: Node | None = None,
             diagrams: list[str] | None = None,
             values: Callable[[Playbook], dict[str, Any]] | dict[str, Any] | None = None) \
            -> None:
        self.pages.append((path, page_template, source, diagrams or [], values or {}))

    def drawable(self, name: str, size: Size, noun: str) -> bool:
        if size.too_large:
            self.not_drawn[name] = size.describe(noun)
        return not size.too_large

    def url(self, target: str, here: str) -> str:
        return links.url(target, here, self.directory_urls)

    def email_url(self, template_id: str, page: str) -> str:
        """From `page` (in a diagram) to the page of email template `template_id`."""
        return self.url(f"emails/{template_id}.md", page)


def _home(plan: _Plan) -> None:
    today = has_work(plan.pb)
    plan.page("index.md", "home.md.j2", values=dict(has_today=today))
    if today:
        plan.page("today.md", "today.md.j2", values=functools.partial(
            _today_values, url=lambda target: plan.url(target, "today.md"), build=plan.build))


def _alignment(plan: _Plan) -> None:
    findings = plan.findings
    if findings is None:  # not handed over by a validation run: check the playbook here
        findings = run_checks(Context(plan.pb))
    statuses = assess(plan.pb, findings)
    met, total = score(statuses)
    plan.page("alignment.md", "alignment.md.j2",
              values=dict(statuses=statuses, met=met, total=total))


def _sales_process(plan: _Plan) -> None:
    pb = plan.pb
    for pid in pb.processes:
        if not plan.drawable(f"process-{pid}", process_size(pb.processes[pid]), "stages"):
            continue
        plan.dot_makers[f"process-{pid}"] = functools.partial(
            process_dot, process_id=pid,
            stage_url=lambda sid: plan.url(f"stages/{sid}.md", "process/index.md"))
    if pb.processes:
        plan.page("process/index.md", "process.md.j2",
                  diagrams=[f"process-{pid}" for pid in pb.processes],
                  values=lambda pb: dict(hygiene={
                      pid: {sid: stage_hygiene(pb, process, stage)
                            for sid, stage in process.stages.items() if stage.hygiene}
                      for pid, process in pb.processes.items()},
                      steps={pid: _flow_steps(process)
                             for pid, process in pb.processes.items()}))
    for pid, process in pb.processes.items():
        for sid, stage in process.stages.items():
            path = f"stages/{sid}.md"
            names = []
            if stage.touchpoints:
                if plan.drawable(f"stage-{sid}", timeline_size(stage.touchpoints), "nodes"):
                    plan.dot_makers[f"stage-{sid}"] = functools.partial(
                        _stage_dot, sid=sid, pid=pid,
                        url=functools.partial(plan.email_url, page=path))
                names.append(f"stage-{sid}")
            if stage.cadence in pb.cadences:
                names.append(f"cadence-{stage.cadence}")
            plan.page(path, "stage.md.j2", stage, names,
                      functools.partial(_stage_values, pid=pid, sid=sid))


def _lifecycle(plan: _Plan) -> None:
    if not plan.pb.lifecycle:
        return
    if plan.drawable("lifecycle", lifecycle_size(plan.pb.lifecycle), "stages"):
        plan.dot_makers["lifecycle"] = lambda pb: lifecycle_dot(
            pb, lambda sid: f"#lifecycle-{sid}")
    plan.page("lifecycle.md", "lifecycle.md.j2", None, ["lifecycle"])


def _sla(plan: _Plan) -> None:
    pb = plan.pb
    for cid in pb.cadences:
        if not plan.drawable(f"cadence-{cid}", timeline_size(pb.cadences[cid].steps), "nodes"):
            continue
        plan.dot_makers[f"cadence-{cid}"] = functools.partial(
            _cadence_dot, cid=cid, url=lambda t: plan.url(f"emails/{t}.md", "sla.md"))
    if pb.sla or pb.service_levels:
        plan.page("sla.md", "sla.md.j2", pb.sla, [f"cadence-{c}" for c in pb.cadences],
                  lambda pb: dict(day_minutes=Calendar.of(pb).day_minutes,
                                  agendas={cid: agenda.cadence_agenda(pb, cid)
                                           for cid in pb.cadences}))


def _emails(plan: _Plan) -> None:
    # under emails/, not templates/: MkDocs leaves a docs folder named templates/ out
    if plan.pb.templates:
        listed = list_pages(list(plan.pb.templates), "emails/index.md", "emails/list")
        for number, (path, ids) in enumerate(listed, 1):
            plan.page(path, "templates.md.j2", values=dict(
                ids=ids, number=number, pager=[path for path, _ in listed]))
    for tid, template in plan.pb.templates.items():
        plan.page(f"emails/{tid}.md", "template.md.j2", template,
                  values=functools.partial(_template_values, tid=tid))


def _campaigns(plan: _Plan) -> None:
    pb = plan.pb
    if pb.campaigns:
        plan.page("campaigns/index.md", "campaigns.md.j2")
        plan.page("calendar.md", "calendar.md.j2", values=lambda pb: dict(
            workdays=workdays(Calendar.of(pb)),
            calendar_timezone=pb.timezone or "",  # none stated: the reader's own
            drafts={cid for cid, c in pb.campaigns.items() if c.status == "draft"},
            entry_kinds=tuple(calendars.KIND_TITLES.items()),
            months=calendars.months(pb, calendars.all_entries(pb))))
    # each calendar kept as long as what it reads (and the moment its times are clamped
    # to) is the same: making one is most of a campaign's cost in a build from the cache
    moment = calendars.source_date_epoch()
    for cid, campaign in pb.campaigns.items():
        if campaign.launch is not None:
            plan.site.assets[f"calendars/{cid}.ics"] = plan.build.page(
                f"ics:{cid}", functools.partial(_campaign_ics, cid=cid), args=moment)
    if pb.meeting:
        plan.site.assets["calendars/revenue-meeting.ics"] = plan.build.page(
            "ics:revenue-meeting", _meeting_ics, args=moment)
    for cid, campaign in pb.campaigns.items():
        if plan.drawable(f"campaign-{cid}", campaign_size(campaign), "nodes"):
            plan.dot_makers[f"campaign-{cid}"] = functools.partial(
                _campaign_dot, cid=cid,
                url=functools.partial(plan.email_url, page=f"campaigns/{cid}.md"))
        plan.page(f"campaigns/{cid}.md", "campaign.md.j2", campaign, [f"campaign-{cid}"],
                  functools.partial(_campaign_values, cid=cid))


def _downloads(plan: _Plan) -> None:
    entries, files = downloads(plan.pb, plan.build)
    plan.site.assets.update(files)
    plan.page("downloads/index.md", "downloads.md.j2", values=dict(entries=entries))


def _scorecard(plan: _Plan) -> None:
    if plan.pb.kpis or plan.pb.revenue_goal:
        plan.page("scorecard.md", "scorecard.md.j2", values=lambda pb: dict(
            teams=[(TEAM_TITLES[team], kpis_of(pb, team)) for team in SCORECARD_TEAMS]
            + [("Owner not defined", kpis_of(pb, None))]))


def _roles(plan: _Plan) -> None:
    build = plan.build
    # values of their own, so that a page showing one is kept while it comes out the same
    plan.page("roles.md", "roles.md.j2", values=lambda pb: dict(
        ownership=owners(pb, [build.page(f"values:ownership:{section}",
                                         functools.partial(_owned, section))
                              for section in OWNED_SECTIONS]),
        role_days=build.page("values:role_days", _role_days)))
    for rid in build.page("values:role_days", _role_days):  # roles with touches only
        plan.page(f"my-day/{rid}.md", "my_day.md.j2", plan.pb.roles[rid],
                  values=functools.partial(_my_day_values, rid=rid, build=build))


def _owned(section: str, pb: Playbook, shared: Mapping[str, Any]) \
        -> list[tuple[str | None, str, str, str]]:
    # a value per section: a template's edit makes the templates' part alone again
    return owned(pb, section)


def _meeting_and_changes(plan: _Plan) -> None:
    if plan.pb.meeting:
        plan.page("meeting.md", "meeting.md.j2", plan.pb.meeting)
    if plan.changes_markdown is not None:
        plan.page("changes.md", "changes.md.j2",
                  values=dict(changes=Markup(plan.changes_markdown)))
    for path, values in plan.measured.items():
        plan.page(path, MEASURED_TEMPLATES[path], values=values)


def _team_and_reference(plan: _Plan) -> None:
    build = plan.build
    plan.page("team/index.md", "team.md.j2", values=lambda pb: dict(schedule_roles=[
        {"id": rid, "name": pb.roles[rid].name}
        for rid in build.page("values:role_days", _role_days)]))
    plan.page("reference/index.md", "admins.md.j2", values=lambda pb: dict(
        practices=PRACTICES, crm_rows=_crm_rows(pb)))
    plan.page("reference/format.md", "format.md.j2", values=dict(sections=format_sections()))
    plan.page("reference/rules.md", "rules.md.j2", values=dict(rules=all_rules()))


# The site's parts, in the order its pages, diagrams and files are listed.
PAGE_MAKERS: tuple[Callable[[_Plan], None], ...] = (
    _home, _alignment, _sales_process, _lifecycle, _sla, _emails, _campaigns, _downloads,
    _scorecard, _roles, _meeting_and_changes, _team_and_reference)


def build_site(playbook: Playbook, renderer: DiagramRenderer, directory_urls: bool = True,
               changes_markdown: str | None = None,
               findings: list[Finding] | None = None, memo: PageMemo | None = None,
               measured: Mapping[str, dict[str, Any]] | None = None) -> Site:
    """Every generated page and diagram of the playbook. Links inside diagrams follow
    MkDocs' `use_directory_urls`; `changes_markdown` adds the "What changed" page. With a
    `memo` kept from the last build, a page (or diagram) is made again only when something
    it reads changed (`page_memo`); the site is the same either way. `measured` holds the
    values of the pages measured from CRM data (`measure.site.page_values`), by path."""
    pb = playbook
    usage = template_usage(pb)
    # template names, for links: a page linking a template reads its name, not all of it
    template_names = {tid: template.name for tid, template in pb.templates.items()}
    build = Build(memo, pb, {"usage": usage, "template_names": template_names})
    plan = _Plan(pb, build, directory_urls, Site(), findings, changes_markdown,
                 measured or {})
    for make_part in PAGE_MAKERS:
        make_part(plan)
    dots = {name: build.page(f"dot:{name}", functools.partial(_dot, make_dot))
            for name, make_dot in plan.dot_makers.items()}
    svgs = renderer.render_many(dots)
    build.shared = {**build.shared, "svg": svgs, "not_drawn": plan.not_drawn}
    _render_pages(plan, renderer, svgs)
    build.finish()
    site = plan.site
    for name, svg in svgs.items():
        site.assets[f"assets/diagrams/{name}.svg"] = svg
    site.nav = build_nav(pb, site.pages, usage)
    return site


def _render_pages(plan: _Plan, renderer: DiagramRenderer, svgs: dict[str, bytes]) -> None:
    """Each planned page rendered from its template (or kept from the memo), with its
    diagrams inline."""
    pb, build = plan.pb, plan.build
    env = page_environment(Session.template_cache(renderer.cache_dir))
    constants = {"phase_titles": PHASE_TITLES, "has_changes": plan.changes_markdown is not None,
                 "directory_urls": plan.directory_urls, "has_actuals": bool(plan.measured)}
    fixed = build.digests.of(constants)  # in every page's arguments: digested once
    replies = _first_replies(pb)  # for each email page's search tags: found once
    for path, template_name, source, diagrams, values in plan.pages:
        def make(pb: Playbook, shared: Mapping[str, Any], path: str = path,
                 template_name: str = template_name, diagrams: list[str] = diagrams,
                 values: Any = values) -> str:
            inline = {name: diagram_block(name, shared["svg"][name], *_diagram_title(pb, name))
                      if name in shared["svg"] else
                      not_drawn_note(_diagram_title(pb, name)[0], shared["not_drawn"][name])
                      for name in diagrams
                      if name in shared["svg"] or name in shared["not_drawn"]}
            context = values(pb) if callable(values) else values
            return env.get_template(template_name).render(
                pb=pb, calendar=Calendar.of(pb), usage=shared["usage"],
                template_names=shared["template_names"],
                samples=_Samples(pb, build), **constants, here=path, diagram=inline, **context)

        # one string for most pages (their values are made inside): digested at once
        arguments: Any = (f"{template_name}\x00{diagrams!r}\x00{fixed}" if callable(values)
                          else (template_name, diagrams, fixed, values))
        markdown = build.page(path, make, arguments)
        title = markdown.split("\n", 1)[0].lstrip("# ").strip()
        markdown = _search_front_matter(pb, path, replies) + markdown
        found = source.source if source is not None else None
        src = found.display if found else None
        plan.site.pages[path] = Page(path, title, markdown, src)


class _Samples(Mapping[str, tuple[str, str, str | None]]):
    """Each template's sample email, made when a page shows it (once per build, and again
    only when what it reads changed)."""

    def __init__(self, pb: Playbook, build: Build) -> None:
        self._pb = pb
        self._build = build

    def __getitem__(self, tid: str) -> tuple[str, str, str | None]:
        if tid not in self._pb.templates:
            raise KeyError(tid)
        sample: tuple[str, str, str | None] = self._build.page(
            f"sample:{tid}", functools.partial(_template_sample, tid))
        return sample

    def __iter__(self) -> Iterator[str]:
        return iter(self._pb.templates)

    def __len__(self) -> int:
        return len(self._pb.templates)


def _campaign_ics(pb: Playbook, shared: Mapping[str, Any], cid: str) -> bytes:
    return calendars.campaign_ics(pb, cid)


def _meeting_ics(pb: Playbook, shared: Mapping[str, Any]) -> bytes:
    return calendars.ics(calendars.meeting_calendar(pb))


def _dot(make: Callable[[Playbook], str], pb: Playbook, shared: Mapping[str, Any]) -> str:
    return make(pb)


def _stage_dot(pb: Playbook, pid: str, sid: str, url: Callable[[str], str]) -> str:
    return touchpoints_dot(sid, pb.processes[pid].stages[sid].touchpoints, url)


def _cadence_dot(pb: Playbook, cid: str, url: Callable[[str], str]) -> str:
    return touchpoints_dot(cid, pb.cadences[cid].steps, url)


def _campaign_dot(pb: Playbook, cid: str, url: Callable[[str], str]) -> str:
    return campaign_dot(pb, cid, Calendar.of(pb), url)


def _stage_values(pb: Playbook, pid: str, sid: str) -> dict[str, Any]:
    process = pb.processes[pid]
    stage = process.stages[sid]
    return dict(sid=sid, stage=stage, pid=pid, process=process,
                nexts=process.successors(sid),
                hygiene=stage_hygiene(pb, process, stage) if stage.hygiene else None,
                outcome=pb.outcome(stage.outcome) if stage.outcome else None,
                counts_as=pb.counts_as(stage.outcome),
                lifecycle=next(((lid, life) for lid, life in pb.lifecycle.items()
                                if sid in life.deal_stages), None),
                moves=movement(process, sid),
                by_segment=stage_segment_rows(pb, process, stage),
                stage_agenda=agenda.stage_agenda(pb, sid))


def _template_values(pb: Playbook, tid: str) -> dict[str, Any]:
    template = pb.templates[tid]
    return dict(tid=tid, template=template, tool_versions=tool_versions(template, pb))


def _campaign_values(pb: Playbook, cid: str) -> dict[str, Any]:
    campaign = pb.campaigns[cid]
    return dict(cid=cid, campaign=campaign, **_campaign_data(pb, campaign, Calendar.of(pb)))


def _role_days(pb: Playbook, shared: Mapping[str, Any]) -> dict[str, agenda.RoleDay]:
    return agenda.role_days(pb)


def _flow_steps(process: SalesProcess) -> list[dict[str, Any]]:
    """The process as a list of steps, from the same model as its diagram: each open
    stage with the stages it may go to next and the earlier ones it may return to."""
    return [{"sid": sid, "stage": stage,
             "nexts": [t for t in process.successors(sid) if t in process.stages],
             "returns": [t for t in stage.returns_to if t in process.stages]}
            for sid, stage in process.stages.items() if not stage.outcome]


def _crm_rows(pb: Playbook) -> list[dict[str, Any]]:
    """Each stage that names CRM fields, with their API names (for the admins' page)."""
    rows = []
    for sid, stage in pb.stages.items():
        criteria = [(str(c), c.field) for c in stage.exit_criteria
                    if not isinstance(c, str) and c.field]
        if stage.required_fields or criteria:
            rows.append({"sid": sid, "stage": stage.name,
                         "required": list(stage.required_fields), "criteria": criteria})
    return rows


def _today_values(pb: Playbook, url: Callable[[str], str], build: Build) -> dict[str, Any]:
    data = build.page("values:today", functools.partial(_today, url=url))
    return dict(today_json=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                today_timezone=(data["timezone"] or "").replace("_", " "),
                today_roles=[{"id": rid, "name": pb.roles[rid].name}
                             for rid in build.page("values:role_days", _role_days)])


def _today(pb: Playbook, shared: Mapping[str, Any], url: Callable[[str], str]) \
        -> dict[str, Any]:
    # template names from the shared list: an edit to a template's text keeps the page
    return today_data(pb, url, shared["template_names"])


def _my_day_values(pb: Playbook, rid: str, build: Build) -> dict[str, Any]:
    days = build.page(f"values:my-day:{rid}", functools.partial(_my_day, rid))
    return dict(rid=rid, role=pb.roles[rid], days=days)


def _my_day(rid: str, pb: Playbook, shared: Mapping[str, Any]) -> list[Any]:
    return agenda.role_days(pb)[rid].by_day()


REFERENCE_SEARCH_BOOST = 0.1  # Material's search: 1 is a page's usual weight


def _first_replies(pb: Playbook) -> dict[str, str]:
    """Template id -> the lead tier whose reply it is: the first email of one of the tier's
    cadences (the first such tier, in the SLA's order)."""
    replies: dict[str, str] = {}
    if pb.sla is None:
        return replies
    for tier in pb.sla.tiers.values():
        ids = tier.cadence.values() if isinstance(tier.cadence, dict) else [tier.cadence]
        firsts = {next((s.template for s in sorted(pb.cadences[cid].steps,
                                                   key=lambda s: s.day) if s.template),
                       None) for cid in ids if cid in pb.cadences}
        for tid in firsts:
            if tid is not None:
                replies.setdefault(tid, tier.name)
    return replies


def _search_front_matter(pb: Playbook, path: str, replies: dict[str, str]) -> str:
    """How search weighs a page (and the calendar's width), as front matter. The pages
    that define the playbook's terms come first for them, through Material's search tags
    (weighed above titles): the lifecycle defines MQL and SQL; the first email of a lead
    tier's cadence is *the* reply to that request ("demo" finds the demo request's reply
    before the post-demo email). The reference, for developers and sales ops, comes below
    the playbook's pages."""
    terms: list[str] = []
    if path == "lifecycle.md":
        terms = [{"marketing": "MQL", "sales": "SQL"}[stage.qualified]
                 for stage in pb.lifecycle.values() if stage.qualified]
    elif path.startswith("emails/") and path[len("emails/"):-3] in replies:
        # one tag: a tier named "… MQL" must not outweigh the definition
        terms.append(replies[path[len("emails/"):-3]])
    lines = []
    if path == RECORDS_PAGE:  # record-level figures (names, owners): never in search
        lines += ["search:", "  exclude: true"]
    if path == "calendar.md":  # a month of seven days wants the whole width of a laptop
        lines += ["hide:", "  - navigation", "  - toc"]
    if path.startswith("reference/"):
        lines += ["search:", f"  boost: {REFERENCE_SEARCH_BOOST}"]
    if terms:
        lines += ["tags:", *(f"  - {json.dumps(term)}" for term in dict.fromkeys(terms))]
    return "---\n" + "\n".join(lines) + "\n---\n" if lines else ""


def _template_sample(tid: str, pb: Playbook, shared: Mapping[str, Any]) \
        -> tuple[str, str, str | None]:
    return _sample_email(pb.templates[tid], pb)


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
                f"{count(len(stage.touchpoints), 'touch')} after a deal "
                "enters the stage; emails link to their templates.")
    if kind == "cadence" and key in pb.cadences:
        cadence = pb.cadences[key]
        return (f"{cadence.name}: touches by business day",
                f"{count(len(cadence.steps), 'touch')} from day 0; emails "
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


