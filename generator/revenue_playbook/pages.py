"""The playbook website as plain data: page path -> Markdown, diagram path -> SVG.

Nothing here knows MkDocs: the plugin (or any other engine) takes `Site.pages` and
`Site.assets` and publishes them. Pages are Jinja2 templates in `templates/pages/` whose
`{{ }}` output is escaped as plain Markdown text unless a filter says otherwise.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from markupsafe import Markup, escape

from . import agenda, calendars, markup, presentation
from .businesstime import Calendar
from .campaign_values import (
    DAYS,
    MONTHS,
    SAMPLE_END,
    SAMPLE_START,
    Moment,
    email_moment,
    marked_markdown,
    render_email,
    step_moment,
)
from .diagram_html import diagram_block
from .diagrams import (
    CHANNEL_ICON,
    DiagramRenderer,
    campaign_dot,
    lifecycle_dot,
    process_dot,
    touchpoints_dot,
)
from .merge_tokens import tool_versions
from .model import (
    ITEM_FOLDERS,
    SECTIONS,
    WEEKDAYS,
    Campaign,
    CampaignEmail,
    Node,
    Playbook,
    Stage,
    Template,
    json_schema,
)
from .presentation import render_sample
from .validate import all_rules


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


def _finalize(value: Any) -> Any:
    # Escape every `{{ }}` as plain Markdown text by default, so a value from YAML never
    # becomes markup by accident. Autoescape is on only so that macros and filters that
    # return Markup (links, checklists, fenced code) pass through unchanged.
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    return markup.text(value)


@lru_cache(maxsize=4)
def page_environment(cache_dir: Path | None = None) -> jinja2.Environment:
    """The page templates' environment; with `cache_dir`, compiled templates are kept there
    (Jinja's bytecode cache, checked against each template's source), which saves a fresh
    `playbook build` most of its own start-up time."""
    bytecode_cache = None
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache_dir))
        except OSError:
            pass  # an unwritable cache folder only costs time
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("revenue_playbook", "templates/pages"),
        finalize=_finalize, autoescape=True, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
        bytecode_cache=bytecode_cache)
    env.filters.update(text=markup.text, md=markup.markdown, cell=markup.cell,
                       fence=markup.code_fence, attr=markup.attr, code=markup.code,
                       sample=markup.sample)
    return env


class SiteBuilder:
    """Builds every page of one playbook; URLs follow MkDocs' `use_directory_urls`."""

    def __init__(self, playbook: Playbook, renderer: DiagramRenderer,
                 directory_urls: bool = True, changes_markdown: str | None = None):
        self.pb = playbook
        self.renderer = renderer
        self.directory_urls = directory_urls
        self.changes_markdown = changes_markdown
        self.calendar = Calendar.of(playbook)

    # ---------------------------------------------------------------- URLs

    def url(self, target: str, page: str) -> str:
        """Relative URL from page `page` to page `target` (both docs-relative .md paths)."""
        def location(path: str) -> str:
            if not self.directory_urls:
                return path[:-3] + ".html"
            if path == "index.md" or path.endswith("/index.md"):
                return path[: -len("index.md")]
            return path[:-3] + "/"

        here = posixpath.dirname(location(page).rstrip("/") + "/x") if self.directory_urls \
            else posixpath.dirname(location(page))
        there = location(target)
        rel = _relative(there, here)
        if there.endswith("/") and not rel.endswith("/"):
            rel += "/"
        return "./" if rel in (".", "./") else rel

    # ---------------------------------------------------------------- derived facts

    @cached_property
    def template_usage(self) -> dict[str, list[tuple[str, str]]]:
        """Template id -> [(where it is used, page path)]."""
        used: dict[str, list[tuple[str, str]]] = {}
        for process in self.pb.processes.values():
            for sid, stage in process.stages.items():
                for t in stage.touchpoints:
                    if t.template:
                        used.setdefault(t.template, []).append(
                            (f"Stage {stage.name}, day {t.day}", f"stages/{sid}.md"))
        for cadence in self.pb.cadences.values():
            for i, step in enumerate(cadence.steps, 1):
                if step.template:
                    used.setdefault(step.template, []).append(
                        (f"Cadence {cadence.name}, step {i} (day {step.day})", "sla.md"))
        for cid, campaign in self.pb.campaigns.items():
            for email in campaign.emails:
                used.setdefault(email.template, []).append(
                    (f"Campaign {campaign.name}, day {email.send:+d}", f"campaigns/{cid}.md"))
        return used

    @cached_property
    def ownership(self) -> dict[str, list[tuple[str, str, str]]]:
        """Role id -> [(kind, what, page path)] derived from every owner field."""
        owns: dict[str, list[tuple[str, str, str]]] = {rid: [] for rid in self.pb.roles}

        def add(role: str | None, kind: str, what: str, page: str) -> None:
            if role in owns:
                owns[role].append((kind, what, page))

        pb = self.pb
        for process in pb.processes.values():
            add(process.owner, "Sales process", process.name, "process/index.md")
            for sid, stage in process.stages.items():
                add(stage.owner, "Stage", stage.name, f"stages/{sid}.md")
                for t in stage.touchpoints:
                    if t.owner and t.owner != stage.owner:
                        add(t.owner, "Touchpoint", f"{stage.name}: {t.purpose}",
                            f"stages/{sid}.md")
        for stage in pb.lifecycle.values():
            add(stage.owner, "Lifecycle stage", stage.name, "lifecycle.md")
            if stage.handoff:
                add(stage.handoff.owner, "Hand-off",
                    f"into {stage.name} within {stage.handoff.within}", "lifecycle.md")
        for cadence in pb.cadences.values():
            add(cadence.owner, "Cadence", cadence.name, "sla.md")
        if pb.sla:
            for tier in pb.sla.tiers.values():
                add(tier.owner, "SLA response", f"{tier.name} within {tier.response_time}",
                    "sla.md")
            add(pb.sla.recycle.owner, "Recycling", "Recycling leads to marketing", "sla.md")
            for step in pb.sla.escalation:
                add(step.to, "Escalation", f"after {step.after}: {step.action}", "sla.md")
            if pb.sla.review:
                add(pb.sla.review.owner, "SLA review", f"every {pb.sla.review.every}",
                    "sla.md")
        for tid, template in pb.templates.items():
            add(template.owner, "Template", template.name, f"emails/{tid}.md")
        for cid, campaign in pb.campaigns.items():
            add(campaign.owner, "Campaign", campaign.name, f"campaigns/{cid}.md")
            for step in campaign.steps.values():
                add(step.owner, "Campaign step", f"{campaign.name}: {step.name}",
                    f"campaigns/{cid}.md")
        for kpi in pb.kpis.values():
            add(kpi.owner, "KPI", kpi.name, "scorecard.md")
        if pb.revenue_goal:
            add(pb.revenue_goal.owner, "Revenue goal", pb.revenue_goal.period, "scorecard.md")
        if pb.meeting:
            add(pb.meeting.chair, "Meeting", f"chairs the {pb.meeting.name}", "meeting.md")
            for item in pb.meeting.agenda:
                add(item.owner, "Agenda item", item.topic, "meeting.md")
        return owns

    def rendered(self, template: Template) -> tuple[str, str, str | None]:
        """(subject, body, error) with the template's sample values; the template's source
        when either part cannot render."""
        subject, body = render_sample(template, self.pb)
        if subject.text is None or body.text is None:
            return template.subject, template.body, subject.error or body.error
        return subject.text, body.text, None

    def rel(self, target: str, here: str) -> Markup:
        """A Markdown link target from page `here` to page `target` (MkDocs checks it)."""
        return Markup(_relative(target, posixpath.dirname(here)))

    def when(self, campaign: Campaign, offset: int, at: Moment | None = None) -> str:
        return presentation.when(campaign, offset, self.calendar, at)
    def step_when(self, campaign: Campaign, step_id: str) -> str:
        """When a campaign step is due, with its time of day when it has one."""
        return self.when(campaign, campaign.steps[step_id].offset,
                         step_moment(self.pb, campaign, self.calendar, step_id))

    def email_when(self, campaign: Campaign, email: CampaignEmail) -> str:
        return self.when(campaign, email.send,
                         email_moment(self.pb, campaign, self.calendar, email))

    @cached_property
    def months(self) -> list[calendars.Month]:
        """The campaign calendar's months."""
        return calendars.months(self.pb, calendars.all_entries(self.pb))

    entry_kinds: ClassVar[tuple[tuple[str, str], ...]] = tuple(calendars.KIND_TITLES.items())

    @property
    def calendar_workdays(self) -> list[str]:
        return [presentation.weekday(d) for d in presentation.WEEKDAY_NAMES
                if WEEKDAYS.index(d) in self.calendar.workdays]

    @staticmethod
    def day_label(day: date) -> str:
        """e.g. `Mon 23 Nov`."""
        return f"{DAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]}"

    def campaign_email(self, campaign: Campaign, email: CampaignEmail,
                       template: Template) -> dict[str, Any]:
        """A campaign email rendered with the campaign's values, as Markdown; the sample
        data of per-recipient fields is highlighted."""
        out = render_email(self.pb, campaign, email, template, self.calendar,
                           mark=lambda value: f"{SAMPLE_START}{value}{SAMPLE_END}")
        opening = '<mark class="pb-sample" title="Sample: each recipient gets their own">'

        def marked(text: Markup) -> Markup:
            return Markup(marked_markdown(str(text), opening, "</mark>"))

        return {"subject": marked(markup.text(out.subject)),
                "body": marked(markup.markdown(out.body)),
                "samples": out.samples, "unbound": sorted(out.unbound), "error": out.error}

    money = staticmethod(presentation.money)
    weekday = staticmethod(presentation.weekday)
    target = staticmethod(presentation.kpi_target)
    teams: ClassVar[list[tuple[str, str]]] = [
        (team, presentation.TEAM_TITLES[team]) for team in presentation.SCORECARD_TEAMS]

    def kpis_of(self, team: str) -> list[tuple[str, Any]]:
        """KPIs grouped under their owner's team."""
        return [(kid, k) for kid, k in self.pb.kpis.items()
                if (self.pb.roles[k.owner].team if k.owner in self.pb.roles else "revenue")
                == team]

    def role(self, role_id: str | None) -> str:
        return presentation.role_name(self.pb, role_id)

    def cadence_agenda(self, cadence_id: str) -> agenda.Agenda:
        return agenda.cadence_agenda(self.pb, cadence_id)

    def stage_agenda(self, stage_id: str) -> agenda.Agenda:
        return agenda.stage_agenda(self.pb, stage_id)

    @cached_property
    def role_days(self) -> dict[str, agenda.RoleDay]:
        """Each role's touches by business day (roles with touches only)."""
        return agenda.role_days(self.pb)

    @staticmethod
    def reason_name(reason_id: str) -> str:
        """A reason's id as words: `no_response` -> `No response`."""
        return reason_id.replace("_", " ").replace("-", " ").strip().capitalize()

    @staticmethod
    def channel_icon(channel: str) -> str:
        return CHANNEL_ICON.get(channel, "")

    def rel_anchor(self, target: str, here: str) -> Markup:
        """A link target to `page.md#anchor` (or `page.md`) from page `here`."""
        page, _, anchor = target.partition("#")
        suffix = f"#{anchor}" if anchor else ""
        if page == here:
            return Markup(suffix or "#")
        return Markup(str(self.rel(page, here)) + suffix)

    @staticmethod
    def team_title(team: str) -> str:
        return presentation.TEAM_TITLES.get(team, team)  # type: ignore[call-overload]

    def business_time(self, duration: str) -> str:
        """A duration from YAML in words: `1 business hour`."""
        return presentation.business_time(self.calendar, duration)

    def diagram_title(self, name: str) -> tuple[str, str]:
        """A diagram's accessible name and description, from its kind and subject."""
        pb = self.pb
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

    # ---------------------------------------------------------------- building

    def build(self) -> Site:
        site = Site()
        dots: dict[str, str] = {}
        plan: list[tuple[str, str, dict[str, Any], Node | None, list[str]]] = []
        pb = self.pb

        def page(path: str, page_template: str, source: Node | None = None,
                 diagrams: list[str] | None = None, **context: Any) -> None:
            plan.append((path, page_template, context, source, diagrams or []))

        page("index.md", "home.md.j2")
        for pid in pb.processes:
            dots[f"process-{pid}"] = process_dot(
                pb, pid, lambda sid: self.url(f"stages/{sid}.md", "process/index.md"))
        page("process/index.md", "process.md.j2",
             diagrams=[f"process-{pid}" for pid in pb.processes])
        for pid, process in pb.processes.items():
            for sid, stage in process.stages.items():
                path = f"stages/{sid}.md"
                names = []
                if stage.touchpoints:
                    dots[f"stage-{sid}"] = touchpoints_dot(
                        sid, stage.touchpoints,
                        lambda t, p=path: self.url(f"emails/{t}.md", p))
                    names.append(f"stage-{sid}")
                if stage.cadence in pb.cadences:
                    names.append(f"cadence-{stage.cadence}")
                page(path, "stage.md.j2", stage, names, sid=sid, stage=stage, pid=pid,
                     process=process)
        dots["lifecycle"] = lifecycle_dot(pb, lambda sid: f"#lifecycle-{sid}")
        page("lifecycle.md", "lifecycle.md.j2", None, ["lifecycle"])
        for cid, cadence in pb.cadences.items():
            dots[f"cadence-{cid}"] = touchpoints_dot(
                cid, cadence.steps, lambda t: self.url(f"emails/{t}.md", "sla.md"))
        if pb.sla:
            page("sla.md", "sla.md.j2", pb.sla, [f"cadence-{c}" for c in pb.cadences])
        # under emails/, not templates/: MkDocs leaves a docs folder named templates/ out
        page("emails/index.md", "templates.md.j2")
        for tid, template in pb.templates.items():
            page(f"emails/{tid}.md", "template.md.j2", template, tid=tid,
                 template=template, tool_versions=tool_versions(template, pb))
        page("campaigns/index.md", "campaigns.md.j2")
        page("calendar.md", "calendar.md.j2")
        for cid, campaign in pb.campaigns.items():
            if campaign.launch is not None:
                site.assets[f"calendars/{cid}.ics"] = calendars.ics(
                    calendars.campaign_calendar(pb, cid))
        if pb.meeting:
            site.assets["calendars/revenue-meeting.ics"] = calendars.ics(
                calendars.meeting_calendar(pb))
        for cid, campaign in pb.campaigns.items():
            dots[f"campaign-{cid}"] = campaign_dot(
                pb, cid, self.calendar,
                lambda t, p=f"campaigns/{cid}.md": self.url(f"emails/{t}.md", p))
            page(f"campaigns/{cid}.md", "campaign.md.j2", campaign, [f"campaign-{cid}"],
                 cid=cid, campaign=campaign)
        page("scorecard.md", "scorecard.md.j2")
        page("roles.md", "roles.md.j2")
        for rid in self.role_days:
            page(f"my-day/{rid}.md", "my_day.md.j2", pb.roles[rid], rid=rid,
                 role=pb.roles[rid], day=self.role_days[rid])
        if pb.meeting:
            page("meeting.md", "meeting.md.j2", pb.meeting)
        if self.changes_markdown is not None:
            page("changes.md", "changes.md.j2", changes=Markup(self.changes_markdown))
        page("reference/format.md", "format.md.j2")
        page("reference/rules.md", "rules.md.j2")

        svgs = self.renderer.render_many(dots)
        cache = self.renderer.cache_dir
        env = page_environment(cache / "pages" if cache is not None else None)
        for path, template_name, context, source, diagrams in plan:
            inline = {name: diagram_block(name, svgs[name], *self.diagram_title(name))
                      for name in diagrams if name in svgs}
            markdown = env.get_template(template_name).render(
                pb=pb, b=self, here=path, diagram=inline, **context)
            title = markdown.split("\n", 1)[0].lstrip("# ").strip()
            src = source.source.display if source is not None and source.source else None
            site.pages[path] = Page(path, title, markdown, src)
        for name, svg in svgs.items():
            site.assets[f"assets/diagrams/{name}.svg"] = svg
        site.nav = self.nav(site)
        return site

    def nav(self, site: Site) -> list[Any]:
        """Navigation with titles escaped: themes show nav titles as trusted HTML.

        A section with more than NAV_FLAT_MAX entries is split into groups (stages by
        process, emails by what sends them, campaigns by launch quarter). Material renders
        every visible entry of the current tab on each page, so a flat list of N pages costs
        N * N; nested groups stay collapsed, and `navigation.prune` leaves them out of every
        page but their own.
        """
        pb = self.pb
        processes = [(p.name, [{_title(s.name): f"stages/{sid}.md"}
                               for sid, s in p.stages.items()])
                     for p in pb.processes.values()]
        sales: list[Any] = [{"Overview": "process/index.md"}]
        if len(processes) == 1:
            sales += processes[0][1]
        elif sum(len(stages) for _, stages in processes) <= NAV_FLAT_MAX:
            sales += [{_title(name): stages} for name, stages in processes if stages]
        else:
            sales.append({"Stages by process": [{_title(name): stages}
                                                for name, stages in processes if stages]})
        sales.append({"Lead lifecycle": "lifecycle.md"})
        if "sla.md" in site.pages:
            sales.append({"SLA": "sla.md"})

        emails: list[Any] = [{"All templates": "emails/index.md"}]
        emails += _grouped(self.template_groups(), "Templates by use")
        campaigns: list[Any] = [{"All campaigns": "campaigns/index.md"},
                                {"Calendar": "calendar.md"}]
        campaigns += _grouped(self.campaign_groups(), "Campaigns by launch")

        team: list[Any] = [{"Scorecard": "scorecard.md"}, {"Roles": "roles.md"}]
        if self.role_days:
            team.append({"My day": [{_title(pb.roles[rid].name): f"my-day/{rid}.md"}
                                    for rid in self.role_days]})
        if "meeting.md" in site.pages:
            team.append({"Revenue meeting": "meeting.md"})
        home: list[Any] = [{"Home": "index.md"}]
        if "changes.md" in site.pages:
            home.append({"What changed": "changes.md"})
        return [
            {"Home": home},
            {"Sales process": sales},
            {"Email templates": emails},
            {"Campaigns": campaigns},
            {"Team": team},
            {"Reference": [{"Definition format": "reference/format.md"},
                           {"Validation rules": "reference/rules.md"}]},
        ]

    def template_groups(self) -> list[tuple[str, list[Any]]]:
        """Templates grouped by what sends them first (a process, cadence or campaign)."""
        groups: dict[str, list[Any]] = {}
        first_use = {tid: uses[0][1] for tid, uses in self.template_usage.items()}
        names = {f"stages/{sid}.md": p.name for p in self.pb.processes.values()
                 for sid in p.stages}
        # campaign emails by campaign, or by launch quarter when campaigns are many
        by_quarter = len(self.pb.campaigns) > NAV_FLAT_MAX
        names |= {f"campaigns/{cid}.md": f"Campaigns {_quarter(c)}" if by_quarter else c.name
                  for cid, c in self.pb.campaigns.items()}
        for tid, template in sorted(self.pb.templates.items(),
                                    key=lambda item: item[1].name.lower()):
            page = first_use.get(tid)
            group = names.get(page, "Lead follow-up" if page == "sla.md" else "Not used yet")
            groups.setdefault(group, []).append({_title(template.name): f"emails/{tid}.md"})
        return sorted(groups.items(), key=lambda item: (item[0] == "Not used yet", item[0]))

    def campaign_groups(self) -> list[tuple[str, list[Any]]]:
        """Campaigns grouped by the quarter they launch in."""
        groups: dict[str, list[Any]] = {}
        for cid, campaign in self.pb.campaigns.items():
            groups.setdefault(_quarter(campaign), []).append(
                {_title(campaign.name): f"campaigns/{cid}.md"})
        return sorted(groups.items())

    # ---------------------------------------------------------------- reference data

    @cached_property
    def rules(self) -> list[Any]:
        return all_rules()

    @property
    def format_sections(self) -> list[dict[str, Any]]:
        """The YAML reference, from the same JSON Schema editors use."""
        return _format_reference()


@lru_cache(maxsize=1)
def _format_reference() -> list[dict[str, Any]]:
    # depends only on the models: computed once per process (serve rebuilds, benchmarks)
    schema = json_schema()
    defs = schema.get("$defs", {})
    return [{"key": key, "section": section, "folder": key in ITEM_FOLDERS,
             "models": _schema_tables(section.model.__name__, defs)}
            for key, section in SECTIONS.items()]


def _relative(path: str, start: str) -> str:
    """posixpath.relpath for docs-relative paths, without asking the OS for the working
    folder on every link (it did, thousands of times per build)."""
    to = [part for part in path.split("/") if part not in ("", ".")]
    here = [part for part in start.split("/") if part not in ("", ".")]
    common = 0
    while common < min(len(to), len(here)) and to[common] == here[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


NAV_FLAT_MAX = 30  # entries a nav section lists flat before it is split into groups


def _grouped(groups: list[tuple[str, list[Any]]], title: str) -> list[Any]:
    """A flat list when it is short, else one collapsed group per key under `title`."""
    entries = [entry for _, items in groups for entry in items]
    if len(entries) <= NAV_FLAT_MAX or len(groups) == 1:
        return sorted(entries, key=lambda item: next(iter(item)).lower())
    return [{title: [{_title(name): items} for name, items in groups]}]


def _quarter(campaign: Campaign) -> str:
    launch = campaign.launch
    return f"{launch.year} Q{(launch.month - 1) // 3 + 1}" if launch else "not dated"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _title(name: str) -> str:
    return str(escape(name))


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].split("/")[-1]
    if "anyOf" in prop:
        return " or ".join(_type_of(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "enum" in prop:
        return " | ".join(str(v) for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {_type_of(prop.get('items', {}))}"
    if prop.get("type") == "object":
        extra = prop.get("additionalProperties")
        return f"map of id → {_type_of(extra)}" if isinstance(extra, dict) else "mapping"
    if "const" in prop:
        return str(prop["const"])
    return str(prop.get("type", "any"))


def _schema_tables(root: str, defs: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per model reachable from `root`, in the order a reader meets them."""
    seen: list[str] = []
    todo = [root]
    tables = []
    while todo:
        name = todo.pop(0)
        if name in seen or name not in defs:
            continue
        seen.append(name)
        model = defs[name]
        required = set(model.get("required", []))
        rows = []
        for key, prop in model.get("properties", {}).items():
            markdown_ok = "Markdown allowed" in (prop.get("description") or "")
            rows.append({"key": key, "type": _type_of(prop), "required": key in required,
                         "default": prop.get("default"), "markdown": markdown_ok,
                         "description": prop.get("description", "")})
            for ref in _refs(prop):
                if ref not in seen:
                    todo.append(ref)
        tables.append({"name": name, "doc": model.get("description", ""), "rows": rows})
    return tables


def _refs(prop: Any) -> list[str]:
    found: list[str] = []
    if isinstance(prop, dict):
        if "$ref" in prop:
            found.append(prop["$ref"].split("/")[-1])
        for value in prop.values():
            found += _refs(value)
    elif isinstance(prop, list):
        for value in prop:
            found += _refs(value)
    return found


def build_site(playbook: Playbook, renderer: DiagramRenderer, directory_urls: bool = True,
               changes_markdown: str | None = None) -> Site:
    """Every generated page and diagram of the playbook."""
    return SiteBuilder(playbook, renderer, directory_urls, changes_markdown).build()


__all__ = ["Page", "Site", "SiteBuilder", "Stage", "build_site"]
