"""The playbook's typed model: every concept of the sales and marketing process.

The YAML is written by people who are not engineers, so keys are short words, most have
defaults, and collections are mappings from a readable id (`discovery`, `demo_followup`) to
the item. The JSON Schema of a definition file is exported from these models.
"""

from __future__ import annotations

import functools
import re
import typing
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr

from .findings import Location

if TYPE_CHECKING:
    from .loader import SourceFile


@dataclass(frozen=True)
class Ref:
    """Marks a field whose value is the id of another definition of kind `kind`."""

    kind: str


# ---------------------------------------------------------------------------- value types

# Business time: minutes, hours or business days. The one definition of the syntax: the
# model checks it, the JSON Schema publishes it, `parse_duration` reads it.
DURATION_PATTERN = r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$"
_DURATION = re.compile(DURATION_PATTERN)


def parse_duration(text: str) -> tuple[float, str]:
    """A duration such as `90m`, `1.5h` or `2d` as (amount, unit); unit is m, min, h or d."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return float(match[1]), match[2]


def _duration(text: str) -> str:
    match = _DURATION.match(text)
    if not match:
        raise ValueError("write a duration in business time like `30m`, `2h` or `3d`")
    # in days of 24 hours, the longest business day there is: `9…9d` would count to infinity
    days = float(match[1]) / {"m": 24 * 60, "min": 24 * 60, "h": 24, "d": 1}[match[2]]
    if days > MAX_BUSINESS_DAYS:
        raise ValueError(f"write a duration of at most {MAX_BUSINESS_DAYS:,} business days "
                         "(about ten years)")
    return text.strip()


def _clock(text: str) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError("write a time of day like `09:00` or `17:30`")
    return f"{int(match[1]):02d}:{match[2]}"


# The dates and business-day counts a playbook plans with. Outside these, business-day
# arithmetic runs past the calendar's end (year 9999) or counts days for minutes.
EARLIEST, LATEST = date(1970, 1, 1), date(2199, 12, 31)
MAX_BUSINESS_DAYS = 2600  # about ten years


def _plan_date(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"use a date between {EARLIEST} and {LATEST}")
    return day


def _timezone(text: str) -> str:
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("use a time zone name such as `America/New_York` or "
                         "`Europe/Berlin`") from None
    return text


Duration = Annotated[str, AfterValidator(_duration), Field(
    description="Business time: minutes `m`, hours `h` or business days `d`, e.g. `1h`.",
    examples=["30m", "1h", "2d"],
    json_schema_extra={"pattern": DURATION_PATTERN})]
Clock = Annotated[str, AfterValidator(_clock), Field(
    description="A time of day, 24-hour clock, e.g. `09:00`.", examples=["09:00"],
    json_schema_extra={"pattern": r"^([01]?\d|2[0-3]):[0-5]\d$"})]
TimeZone = Annotated[str, AfterValidator(_timezone), Field(
    description="An IANA time zone name.", examples=["America/New_York"])]
PlanDate = Annotated[date, AfterValidator(_plan_date), Field(
    description=f"A date (YYYY-MM-DD) between {EARLIEST} and {LATEST}.")]
Text = Annotated[str, Field(min_length=1)]
Markdown = Annotated[str, Field(description=(
    "Text; Markdown allowed (links to http, https, mailto and tel addresses or within the "
    "site), raw HTML is not rendered."))]

RoleId = Annotated[str, Ref("roles"), Field(description="The id of a role.")]
PersonaId = Annotated[str, Ref("personas"), Field(description="The id of a persona.")]
PhaseId = Annotated[str, Ref("funnel"), Field(description="The id of a funnel phase.")]
LifecycleId = Annotated[str, Ref("lifecycle"), Field(
    description="The id of a lead lifecycle stage.")]
StageId = Annotated[str, Ref("stages"), Field(description="The id of a sales stage.")]
CadenceId = Annotated[str, Ref("cadences"), Field(description="The id of a cadence.")]
TemplateId = Annotated[str, Ref("templates"), Field(description="The id of an email template.")]
KpiId = Annotated[str, Ref("kpis"), Field(description="The id of a KPI.")]

Team = Literal["marketing", "sales", "customer_success", "revenue"]
Channel = Literal["email", "call", "meeting", "social", "event"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Frequency = Literal["daily", "weekly", "biweekly", "monthly", "quarterly", "yearly"]
CadenceExit = Literal["reply", "meeting_booked", "unsubscribe", "bounce", "disqualified"]
Outcome = Literal["won", "lost", "recycled"]
CampaignPhase = Literal["planning", "execution", "optimization"]
CampaignStatus = Literal["draft", "scheduled", "live", "done"]
Unit = Literal["count", "percent", "currency", "minutes", "hours", "days", "ratio", "score"]

WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Node(BaseModel):
    """A definition read from YAML; remembers which file and path it came from."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True,
                              str_strip_whitespace=True, validate_default=False)

    _source: SourceFile | None = PrivateAttr(default=None)
    _path: tuple[str | int, ...] = PrivateAttr(default=())

    def anchor(self, source: SourceFile, path: tuple[str | int, ...]) -> None:
        self._source = source
        self._path = path

    @property
    def source(self) -> SourceFile | None:
        return self._source

    @property
    def path(self) -> tuple[str | int, ...]:
        return self._path

    def where(self, *keys: str | int, key: bool = False) -> Location:
        """Where this definition (or one of its keys, or the value under it) is written."""
        if self._source is None:
            return Location("<unknown>")
        return self._source.location((*self._path, *keys), key=key)


# ---------------------------------------------------------------------------- organisation


class Company(Node):
    """Who the playbook is for."""

    name: Text
    product: str = Field("", description="What the company sells, used in pages and samples.")
    description: Markdown = ""
    website: str = ""


class Role(Node):
    """A role on the revenue team; every owner anywhere else is a role id."""

    name: Text
    team: Team = Field(description="The team the role belongs to.")
    description: Markdown = ""
    reports_to: RoleId | None = None
    responsibilities: list[Text] = []
    email: str = Field("", description="The email of the person who takes this role's tasks "
                       "in task boards (Asana, Trello); `playbook export asana|trello` "
                       "assigns the role's campaign steps to it.",
                       pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Persona(Node):
    """A buyer persona that campaigns target."""

    name: Text
    title: str = Field("", description="Typical job title.")
    description: Markdown = ""
    pains: list[Text] = []
    goals: list[Text] = []
    objections: list[Text] = []


class Phase(Node):
    """A phase of the funnel (Attract, Convert, Close, Delight)."""

    name: Text
    description: Markdown = ""
    team: Team | None = None


DEFAULT_FUNNEL: dict[str, dict[str, str]] = {
    "attract": {"name": "Attract", "team": "marketing",
                "description": "Strangers become visitors and subscribers."},
    "convert": {"name": "Convert", "team": "marketing",
                "description": "Visitors become leads and qualified leads."},
    "close": {"name": "Close", "team": "sales",
              "description": "Qualified leads become customers."},
    "delight": {"name": "Delight", "team": "customer_success",
                "description": "Customers stay, grow and refer."},
}


# ---------------------------------------------------------------------------- lead lifecycle


class Handoff(Node):
    """A hand-off between teams: someone owns it and it has a time target."""

    owner: RoleId
    within: Duration
    description: Markdown = ""


class LifecycleStage(Node):
    """A lead lifecycle stage (subscriber, lead, MQL, SAL, SQL, ...) both teams agreed on."""

    name: Text
    phase: PhaseId | None = None
    team: Team = Field(description="The team that works leads in this stage.")
    owner: RoleId | None = None
    description: Markdown = ""
    entry_criteria: list[Text] = Field([], description="What must be true to enter.")
    qualified: bool = Field(False, description="This stage is THE definition of a qualified "
                            "lead (exactly one stage says so).")
    handoff: Handoff | None = Field(None, description="Required where the team changes "
                                    "from the previous stage.")
    next: list[LifecycleId] = Field([], description="Stages a lead can move to from here.")


class ScoringRule(Node):
    criterion: Text
    points: int


class Scoring(Node):
    """Lead scoring: fit and behaviour points, and the threshold that makes a lead qualified."""

    threshold: int = Field(gt=0, description="Points at which a lead becomes qualified.")
    qualifies_as: LifecycleId = Field(description="The lifecycle stage reached at the "
                                      "threshold.")
    fit: list[ScoringRule] = []
    behaviour: list[ScoringRule] = []
    decay: str = Field("", description="How points fade without activity.")


# ---------------------------------------------------------------------------- sales process


class Touchpoint(Node):
    """One contact with the prospect at a stage."""

    day: int = Field(ge=0, le=MAX_BUSINESS_DAYS,
                     description="Business days after entering the stage.")
    channel: Channel
    owner: RoleId | None = Field(None, description="Defaults to the stage owner.")
    purpose: Text
    template: TemplateId | None = Field(None, description="The email template (emails).")


class Question(Node):
    """A question prospects ask at this stage and the content that answers it."""

    question: Text
    answer: Markdown = ""
    content: list[Text] = Field([], description="Content that answers it.")


class Stage(Node):
    """A sales stage: what a rep does, and what must be true to move on."""

    name: Text
    purpose: Markdown = ""
    owner: RoleId | None = None
    crm_stage: str = Field("", description="The stage's name in the CRM.")
    probability: int | None = Field(None, ge=0, le=100, description="Win probability, %.")
    duration_days: int | None = Field(None, ge=0, le=MAX_BUSINESS_DAYS,
                                      description="Typical business days here.")
    stale_after_days: int | None = Field(None, gt=0, le=MAX_BUSINESS_DAYS,
                                         description="A deal with no activity for this "
                                         "many business days is stale.")
    entry_criteria: list[Text] = []
    exit_criteria: list[Text] = []
    touchpoints: list[Touchpoint] = []
    cadence: CadenceId | None = None
    questions: list[Question] = []
    competitive_notes: list[Markdown] = []
    next: list[StageId] | None = Field(None, description="Stages a deal can move to; "
                                       "defaults to the following stage.")
    returns_to: list[StageId] = Field([], description="Earlier stages a deal may go back "
                                      "to (a declared loop).")
    outcome: Outcome | None = Field(None, description="Set on terminal stages.")


class SalesProcess(Node):
    """An ordered set of sales stages, branching to won and lost."""

    name: Text
    description: Markdown = ""
    segment: str = ""
    owner: RoleId | None = None
    entry: StageId | None = Field(None, description="Defaults to the first stage.")
    stages: dict[str, Stage] = Field(min_length=1)

    def entry_stage(self) -> str | None:
        return self.entry or next(iter(self.stages), None)

    def successors(self, stage_id: str) -> list[str]:
        """Where a deal can go from `stage_id` (following stage by default)."""
        stage = self.stages[stage_id]
        if stage.next is not None:
            return list(stage.next)
        if stage.outcome:
            return []
        ids = list(self.stages)
        i = ids.index(stage_id)
        return [ids[i + 1]] if i + 1 < len(ids) else []


# ---------------------------------------------------------------------------- cadences


class CadenceStep(Node):
    day: int = Field(ge=0, le=MAX_BUSINESS_DAYS,
                     description="Business days after the cadence starts.")
    channel: Channel
    template: TemplateId | None = None
    owner: RoleId | None = None
    purpose: str = ""


class Branch(Node):
    """An optional branch: on an event, continue in another cadence."""

    when: Literal["no_reply", "reply", "opened", "clicked", "meeting_booked", "bounce"]
    after_step: int | None = Field(None, ge=1, description="Only after this step (1-based).")
    go_to: CadenceId


class Cadence(Node):
    """A sequence of touches over business days, ending on an exit condition."""

    name: Text
    description: Markdown = ""
    owner: RoleId | None = None
    steps: list[CadenceStep] = Field(min_length=1)
    exit_on: list[CadenceExit] = ["reply", "meeting_booked", "unsubscribe"]
    branches: list[Branch] = []


# ---------------------------------------------------------------------------- templates


EmailTool = Literal["hubspot", "salesforce", "marketo", "outreach", "salesloft"]
EMAIL_TOOLS: tuple[EmailTool, ...] = typing.get_args(EmailTool)


class Variable(Node):
    """A merge field: what it holds and a sample value for previews."""

    description: Text
    sample: Any = Field(description="A sample value used to preview the template.")
    tokens: dict[EmailTool, Annotated[str, Field(min_length=1, pattern=r"^[^{}\n]+$")]] = \
        Field({}, description=(
        "How each sales or marketing tool names this field, written without the tool's "
        "braces: `hubspot: contact.firstname`, `salesforce: Contact.FirstName`, "
        "`marketo: lead.First Name`, `outreach: first_name`, `salesloft: first_name`."))


class Template(Node):
    """An email template with Jinja2 merge fields."""

    name: Text
    type: Literal["one_to_one", "bulk"] = Field(
        "one_to_one", description="`bulk` marketing emails need an unsubscribe link.")
    description: Markdown = ""
    owner: RoleId | None = None
    subject: Text
    body: Text
    variables: dict[str, Variable] = {}
    tools: list[EmailTool] = Field([], description=(
        "The sales or marketing tools this template is sent from: `playbook export emails` "
        "writes it in each tool's merge-field syntax, and every merge field it uses needs "
        "a token for each tool (outside blocks marked `{# rep-edit #}`)."))


# ---------------------------------------------------------------------------- SLA


class BusinessHours(Node):
    timezone: TimeZone
    days: list[Weekday] = Field(["mon", "tue", "wed", "thu", "fri"], min_length=1)
    start: Clock = "09:00"
    end: Clock = "17:00"
    holidays: list[PlanDate] = []


class MarketingCommitment(Node):
    """What marketing commits to deliver."""

    stage: LifecycleId = Field(description="The lifecycle stage delivered (the qualified "
                               "lead definition).")
    count: int = Field(gt=0)
    per: Frequency = "monthly"
    description: Markdown = ""


class ResponseTier(Node):
    """A lead tier and how fast sales must respond to it."""

    name: Text
    description: Markdown = ""
    criteria: list[Text] = []
    response_time: Duration
    owner: RoleId
    cadence: CadenceId


class Recycle(Node):
    """When and how a lead goes back to marketing."""

    after_days: int = Field(gt=0, le=MAX_BUSINESS_DAYS, description="Business days of "
                            "follow-up before a lead may be recycled.")
    min_touches: int = Field(1, ge=1, description="Touches required before recycling.")
    to: LifecycleId
    owner: RoleId
    reasons: dict[str, Text] = Field(min_length=1, description="Allowed recycle reasons.")


class Escalation(Node):
    after: Duration
    to: RoleId
    action: Text


class Review(Node):
    every: Frequency
    owner: RoleId
    next: PlanDate | None = None


class SLA(Node):
    """The service level agreement between marketing and sales."""

    name: str = "Sales and marketing SLA"
    description: Markdown = ""
    business_hours: BusinessHours
    marketing_commitment: MarketingCommitment | None = None
    tiers: dict[str, ResponseTier] = Field(min_length=1)
    recycle: Recycle
    escalation: list[Escalation] = []
    review: Review | None = None


# ---------------------------------------------------------------------------- campaigns


class CampaignStep(Node):
    name: Text
    phase: CampaignPhase
    owner: RoleId
    offset: int = Field(ge=-MAX_BUSINESS_DAYS, le=MAX_BUSINESS_DAYS,
                        description="Business days from launch when it is due (negative "
                        "before launch).")
    time: Clock | None = Field(None, description="Time of day it happens (an event such as "
                               "a webinar), e.g. `17:00`.")
    timezone: TimeZone | None = Field(None, description="Time zone of `time`; defaults to "
                                      "the campaign's.")
    depends_on: list[str] = Field([], description="Ids of steps of this campaign.")
    sales_preview: bool = Field(False, description="The step where sales previews the "
                                "campaign before launch.")
    description: Markdown = ""


CampaignField = Literal["name", "launch", "end", "landing_page"]
ValueFormat = Literal["date", "time", "datetime"]


class Binding(Node):
    """Where a campaign email's variable takes its value from: give exactly one of `step`,
    `campaign` or `recipient: true`."""

    step: str | None = Field(None, description="The id of a step of this campaign: its "
                             "date, with its time and time zone when it has a `time`.")
    campaign: CampaignField | None = Field(None, description="A fact of the campaign: its "
                                           "name, launch or end date, or landing page.")
    recipient: bool = Field(False, description="Filled for each recipient by the email "
                            "platform; previews show the sample, marked as such.")
    format: ValueFormat | None = Field(None, description="How a date is written: `date`, "
                                       "`time` or `datetime` (the default when a time is "
                                       "set).")


BindingValue = Annotated[Binding | str | int | float, Field(
    description="Literal text or a number, or where the value comes from, e.g. `{step: webinar}`, "
    "`{campaign: landing_page}` or `{recipient: true}`.")]


class CampaignEmail(Node):
    template: TemplateId
    send: int = Field(ge=-MAX_BUSINESS_DAYS, le=MAX_BUSINESS_DAYS,
                      description="Business days from launch when it is sent.")
    time: Clock | None = Field(None, description="Time of day it is sent, e.g. `10:00`.")
    timezone: TimeZone | None = Field(None, description="Time zone of `time`; defaults to "
                                      "the campaign's.")
    audience: str = ""
    values: dict[str, BindingValue] = Field({}, description="Values of the template's "
                                            "variables for this email (over the campaign's "
                                            "`values`).")


class Campaign(Node):
    """A marketing campaign: plan, execution and optimization, previewed by sales."""

    name: Text
    status: CampaignStatus = "draft"
    objective: Text
    persona: PersonaId
    owner: RoleId
    launch: PlanDate | None = None
    end: PlanDate | None = None
    timezone: TimeZone | None = Field(None, description="Time zone of the campaign's times; "
                                      "defaults to the SLA's business hours.")
    landing_page: str = Field("", description="The campaign's landing page URL.")
    description: Markdown = ""
    steps: dict[str, CampaignStep] = Field(min_length=1)
    values: dict[str, BindingValue] = Field({}, description="Values of template variables "
                                            "shared by all of the campaign's emails.")
    emails: list[CampaignEmail] = []
    kpis: list[KpiId] = []
    sales_inclusion: list[RoleId] = Field([], description="Sales roles that receive every "
                                          "email the prospects receive.")


# ---------------------------------------------------------------------------- scorecard


class KPI(Node):
    """A KPI on the shared scorecard."""

    name: Text
    definition: Text
    formula: str = ""
    unit: Unit = "count"
    owner: RoleId
    target: float
    better: Literal["higher", "lower"] = "higher"
    frequency: Frequency = "weekly"
    customer_focused: bool = False
    teams: list[Team] = []


class RevenueGoal(Node):
    """The revenue goal both teams share, with exactly one accountable owner."""

    amount: float = Field(gt=0)
    currency: str = "USD"
    period: Text
    owner: RoleId = Field(description="The one role accountable for the goal.")
    kpi: KpiId | None = Field(None, description="The KPI tracking projected revenue against "
                              "the goal.")
    description: Markdown = ""


class AgendaItem(Node):
    topic: Text
    minutes: int = Field(gt=0, le=24 * 60)
    owner: RoleId
    kpis: list[KpiId] = []
    description: Markdown = ""


class Meeting(Node):
    """The weekly revenue team meeting: same time, same agenda."""

    name: str = "Weekly revenue team meeting"
    day: Weekday
    time: Clock
    duration_minutes: int = Field(gt=0, le=24 * 60)
    chair: RoleId
    attendees: list[RoleId] = Field(min_length=1)
    agenda: list[AgendaItem] = Field(min_length=1)


# ---------------------------------------------------------------------------- files


class Section:
    """How a top-level key of a definition file maps to the model."""

    def __init__(self, key: str, model: type[Node], collection: bool, title: str,
                 noun: str = ""):
        self.key = key
        self.model = model
        self.collection = collection
        self.title = title  # how the whole section is named in messages
        self.noun = noun or title  # how one item is named


SECTIONS: dict[str, Section] = {s.key: s for s in [
    Section("company", Company, False, "the company"),
    Section("roles", Role, True, "roles", "role"),
    Section("personas", Persona, True, "personas", "persona"),
    Section("funnel", Phase, True, "funnel phases", "funnel phase"),
    Section("lifecycle", LifecycleStage, True, "lead lifecycle stages", "lifecycle stage"),
    Section("scoring", Scoring, False, "lead scoring"),
    Section("processes", SalesProcess, True, "sales processes", "process"),
    Section("cadences", Cadence, True, "cadences", "cadence"),
    Section("merge_fields", Variable, True, "shared merge fields", "merge field"),
    Section("templates", Template, True, "email templates", "template"),
    Section("sla", SLA, False, "the SLA"),
    Section("campaigns", Campaign, True, "campaigns", "campaign"),
    Section("kpis", KPI, True, "KPIs", "KPI"),
    Section("revenue_goal", RevenueGoal, False, "the revenue goal"),
    Section("meeting", Meeting, False, "the revenue team meeting"),
]}

# Folders whose files each hold one item of a collection; the file name is the id.
ITEM_FOLDERS = ("roles", "personas", "processes", "cadences", "templates", "campaigns", "kpis")

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def is_id(text: str) -> bool:
    """Whether `text` is a valid id. The whole text must match: `$` alone would let an id
    end in a newline (and a page folder be named with one). The pattern keeps `$` for the
    JSON Schema, where it means the end of the text."""
    return ID_PATTERN.fullmatch(text) is not None


class DefinitionFile(BaseModel):
    """A file in `process_defs/`: any of these sections, each at most once in the playbook."""

    model_config = ConfigDict(extra="forbid", title="Playbook definition file")

    company: Company | None = None
    roles: dict[str, Role] | None = None
    personas: dict[str, Persona] | None = None
    funnel: dict[str, Phase] | None = None
    lifecycle: dict[str, LifecycleStage] | None = None
    scoring: Scoring | None = None
    processes: dict[str, SalesProcess] | None = None
    cadences: dict[str, Cadence] | None = None
    merge_fields: dict[str, Variable] | None = None
    templates: dict[str, Template] | None = None
    sla: SLA | None = None
    campaigns: dict[str, Campaign] | None = None
    kpis: dict[str, KPI] | None = None
    revenue_goal: RevenueGoal | None = None
    meeting: Meeting | None = None


def json_schema(kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema of a definition file, or of a one-item file in folder `kind`."""
    if kind is None:
        schema = DefinitionFile.model_json_schema()
    else:
        schema = SECTIONS[kind].model.model_json_schema()
        schema["title"] = f"Playbook {SECTIONS[kind].noun} file"
    _id_keys(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _id_keys(node: Any) -> None:
    """Mappings from id to a definition only accept readable slugs as keys."""
    if isinstance(node, dict):
        extra = node.get("additionalProperties")
        if node.get("type") == "object" and isinstance(extra, dict) and "$ref" in extra:
            node["propertyNames"] = {"pattern": ID_PATTERN.pattern}
        for value in node.values():
            _id_keys(value)
    elif isinstance(node, list):
        for value in node:
            _id_keys(value)


def schema_files() -> dict[str, dict[str, Any]]:
    """Every schema an editor needs, by file name: one for section files, one per folder."""
    files = {"playbook.schema.json": json_schema()}
    files.update({f"{kind}.schema.json": json_schema(kind) for kind in ITEM_FOLDERS})
    return files


@dataclass
class Playbook:
    """Every definition, gathered from all files, ready for the checks and the pages."""

    company: Company | None = None
    roles: dict[str, Role] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)
    funnel: dict[str, Phase] = field(default_factory=dict)
    lifecycle: dict[str, LifecycleStage] = field(default_factory=dict)
    scoring: Scoring | None = None
    processes: dict[str, SalesProcess] = field(default_factory=dict)
    cadences: dict[str, Cadence] = field(default_factory=dict)
    merge_fields: dict[str, Variable] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    sla: SLA | None = None
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    kpis: dict[str, KPI] = field(default_factory=dict)
    revenue_goal: RevenueGoal | None = None
    meeting: Meeting | None = None
    # ids defined but invalid, by kind: references to them are not reported again
    broken: dict[str, set[str]] = field(default_factory=dict)
    # files that could not be read at all: what they define is unknown, so checks that
    # need the whole playbook (references, missing sections) stay quiet until they are fixed
    unreadable: list[str] = field(default_factory=list)

    @property
    def stages(self) -> dict[str, Stage]:
        """Every sales stage of every process, by id."""
        return {sid: stage for process in self.processes.values()
                for sid, stage in process.stages.items()}

    def process_of(self, stage_id: str) -> str | None:
        for pid, process in self.processes.items():
            if stage_id in process.stages:
                return pid
        return None

    def ids(self, kind: str) -> set[str]:
        """The ids defined for a kind of reference (see `Ref`)."""
        if kind == "stages":
            return set(self.stages)
        return set(getattr(self, kind))


def _can_hold_nodes(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Node):
        return True
    return any(_can_hold_nodes(arg) for arg in typing.get_args(annotation))


@functools.cache
def node_fields(cls: type[Node]) -> tuple[str, ...]:
    """The fields of `cls` that can hold other definitions (most hold text or numbers,
    and skipping them halves the cost of walking a large playbook)."""
    return tuple(name for name, info in cls.model_fields.items()
                 if _can_hold_nodes(info.annotation))


_CONTAINERS = (Node, dict, list)


def walk(value: Any) -> Iterator[Node]:
    """Every model object inside `value` (a Node, Playbook, dict or list), depth first."""
    if isinstance(value, Playbook):
        for name in SECTIONS:
            yield from walk(getattr(value, name))
    elif isinstance(value, Node):
        yield value
        for name in node_fields(type(value)):
            child = getattr(value, name)
            if isinstance(child, _CONTAINERS):
                yield from walk(child)
    elif isinstance(value, dict):
        for child in value.values():
            if isinstance(child, _CONTAINERS):
                yield from walk(child)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, _CONTAINERS):
                yield from walk(child)
