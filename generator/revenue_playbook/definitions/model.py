"""The playbook's typed model: every concept of the sales and marketing process.

The YAML is written by people who are not engineers, so keys are short words, most have
defaults, and collections are mappings from a readable id (`discovery`, `demo_followup`) to
the item. The JSON Schema of a definition file is exported from these models.
"""

# Unlike the other modules, no `from __future__ import annotations`: pydantic would read each
# field's annotation back from its text (a compile and an eval each, about a sixth of the
# time these classes take to build on every start); left as objects, they are evaluated
# once as the class body runs. So is `SourceFile`, imported for it: as text that names nothing
# here, pydantic tried and failed to evaluate it again for each of the 45 classes (~2 ms).

import functools
import re
import typing
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)

from .findings import Location
from .loader import SourceFile


@dataclass(frozen=True)
class Ref:
    """Marks a field whose value is the id of another definition of kind `kind`."""

    kind: str


@dataclass(frozen=True)
class Varies:
    """Marks a field whose value may be given per segment (see `segments.py`)."""


# ---------------------------------------------------------------------------- value types

# Durations say whether they count business or calendar time: the one definition of the
# syntax for the whole format (the model checks it, the JSON Schema publishes it,
# `parse_duration` reads it, pages and exports word it with `wording.duration`):
#   minutes  `30m`, `30 minutes` (business minutes)
#   hours    `2bh`, `2 business hours`  or  `24ch`, `24 calendar hours`
#   days     `3bd`, `3 business days`   or  `14cd`, `14 calendar days`
# `h` and `d` alone are the old forms: still read, as business time (or calendar time in an
# operational SLA whose `days:` is `calendar`), and reported by PB109 with the form to write.
DURATION_UNITS: dict[str, str] = {
    "m": "m", "min": "m", "minute": "m", "minutes": "m", "business minute": "m",
    "business minutes": "m",
    "bh": "bh", "business hour": "bh", "business hours": "bh",
    "ch": "ch", "calendar hour": "ch", "calendar hours": "ch",
    "bd": "bd", "business day": "bd", "business days": "bd",
    "cd": "cd", "calendar day": "cd", "calendar days": "cd",
    "h": "h", "d": "d"}
OLD_UNITS = ("h", "d")
# "By the end of the same business day": a deadline, not an amount of time.
SAME_DAY = re.compile(r"\s*(?:(?:by\s+)?(?:the\s+)?end\s+of\s+the\s+)?same\s+business\s+day"
                      r"\s*|\s*eod\s*", re.IGNORECASE)
DURATION_PATTERN = (r"^\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?|bh|ch|bd|cd|h|d|"
                    r"business\s+(?:minutes?|hours?|days?)|calendar\s+(?:hours?|days?))\s*$"
                    r"|^" + SAME_DAY.pattern + "$")
_DURATION = re.compile(DURATION_PATTERN, re.IGNORECASE)
_UNIT_DAYS = {"m": 24 * 60, "bh": 24, "ch": 24, "h": 24, "bd": 1, "cd": 1, "d": 1}


def parse_duration(text: str, days: str = "business") -> tuple[float, str]:
    """A duration as (amount, unit), unit one of `m` (business minutes), `bh`, `ch`, `bd`,
    `cd`, or `eod` for "the end of the same business day" (amount 0): `2 business hours` is
    (2.0, "bh"). An old `h` or `d` is read as business time, or as calendar time when
    `days` is "calendar" (an operational SLA's `days:`)."""
    amount, unit = _split_duration(text)
    if unit in OLD_UNITS:
        unit = ("c" if days == "calendar" else "b") + unit
    return amount, unit


def _split_duration(text: str) -> tuple[float, str]:
    if SAME_DAY.fullmatch(text):
        return 0.0, "eod"
    match = _DURATION.match(text)
    if not match or match[1] is None:
        raise ValueError(f"not a duration: {text!r}")
    return float(match[1]), DURATION_UNITS[" ".join(match[2].lower().split())]


def is_old_duration(text: str) -> bool:
    """Whether a duration uses `h` or `d` alone, which does not say business or calendar."""
    return _split_duration(text)[1] in OLD_UNITS


def _duration(text: str) -> str:
    match = _DURATION.match(text)
    if not match:
        raise ValueError("write a duration that says business or calendar time, like "
                         "`30m`, `2bh` (2 business hours), `3bd` (3 business days), `24ch` "
                         "(24 calendar hours), `14cd` (14 calendar days) or `same business "
                         "day`")
    if match[1] is None:
        return "same business day"
    # in days of 24 hours, the longest business day there is: `9…9d` would count to infinity
    days = float(match[1]) / _UNIT_DAYS[DURATION_UNITS[" ".join(match[2].lower().split())]]
    if days > MAX_BUSINESS_DAYS:
        raise ValueError(f"write a duration of at most {MAX_BUSINESS_DAYS:,} business days "
                         "(about ten years)")
    return " ".join(text.split())


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


_DAY_COUNT = re.compile(r"\s*(\d+)\s*(d|bd|cd|(?:business|calendar)\s+days?)\s*")


def _days(value: Any) -> Any:
    if isinstance(value, str):
        match = _DAY_COUNT.fullmatch(value)
        if not match:
            raise ValueError("write a number of days like `14bd` (business days), `14cd` "
                             "(calendar days) or `14`")
        return int(match[1])
    return value


def day_kind(value: Any) -> str | None:
    """"business" or "calendar" when a count of days says which (`14bd`, `14 calendar
    days`), None when it does not (`14`, `14d`)."""
    if not isinstance(value, str):
        return None
    match = _DAY_COUNT.fullmatch(value)
    if not match:
        return None
    unit = match[2]
    return "business" if unit.startswith("b") else "calendar" if unit.startswith("c") else None


def _colour(text: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text.strip()):
        raise ValueError("write a colour as `#` and six hex digits, e.g. `#2e7d32`")
    return text.strip().lower()


Duration = Annotated[str, AfterValidator(_duration), Field(
    description="A duration that says business or calendar time: minutes `30m`, business "
    "hours `2bh` (`2 business hours`), calendar hours `24ch`, business days `3bd`, calendar "
    "days `14cd` (`14 calendar days`), or `same business day` (by its end). Old `2h`/`3d` "
    "are read as business time (warning PB109).",
    examples=["30m", "1bh", "2bd", "24ch", "14cd", "same business day"],
    json_schema_extra={"pattern": DURATION_PATTERN})]
Clock = Annotated[str, AfterValidator(_clock), Field(
    description="A time of day, 24-hour clock, e.g. `09:00`.", examples=["09:00"],
    json_schema_extra={"pattern": r"^([01]?\d|2[0-3]):[0-5]\d$"})]
TimeZone = Annotated[str, AfterValidator(_timezone), Field(
    description="An IANA time zone name.", examples=["America/New_York"])]
PlanDate = Annotated[date, AfterValidator(_plan_date), Field(
    description=f"A date (YYYY-MM-DD) between {EARLIEST} and {LATEST}.")]
Days = Annotated[int, BeforeValidator(_days), Field(gt=0, le=MAX_BUSINESS_DAYS), WithJsonSchema({
    "anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_BUSINESS_DAYS},
              {"type": "string", "pattern": "^" + _DAY_COUNT.pattern + "$"}],
    "description": "A number of days: `14bd` business days, `14cd` calendar days (`14` or "
    "`14d` count as `days:` says).",
    "examples": ["14bd", "14cd"]})]
Colour = Annotated[str, AfterValidator(_colour), Field(
    description="A colour for diagrams, `#` and six hex digits.", examples=["#2e7d32"],
    json_schema_extra={"pattern": r"^#[0-9a-fA-F]{6}$"})]
Text = Annotated[str, Field(min_length=1)]
Markdown = Annotated[str, Field(description=(
    "Text; Markdown allowed (links to http, https, mailto and tel addresses or within the "
    "site), raw HTML is not rendered."))]

LeadStatusId = Annotated[str, Ref("lead_statuses"), Field(
    description="The id of a lead status.")]
ReasonId = Annotated[str, Ref("reasons"), Field(description="The id of a reason.")]
OutcomeId = Annotated[str, Ref("outcomes"), Field(
    description="`won`, `lost`, `disqualified`, `duplicate`, `recycled`, or the id of an "
    "outcome declared under `outcomes:`.")]

# A value that may differ by segment: one value for all, or a mapping from segment id (and
# optionally `default`) to the value. `segments.py` reads it; never by copying a definition.
T = typing.TypeVar("T")
PerSegment = Annotated[T | dict[str, T], Varies(), Field(
    description="One value for every segment, or a value per segment id (and `default` "
    "for the others).")]

Team = Literal["marketing", "sales", "customer_success", "revenue"]
Channel = Literal["email", "call", "meeting", "social", "event"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Frequency = Literal["daily", "weekly", "biweekly", "monthly", "quarterly", "yearly"]
CadenceExit = Literal["reply", "meeting_booked", "unsubscribe", "bounce", "disqualified"]
DayKind = Literal["business", "calendar"]
# Salesforce's own words for its forecast categories (API names, then labels), as a
# Salesforce export writes them: read as the format's, as `playbook export` maps them back.
SALESFORCE_FORECAST_WORDS = {"Pipeline": "pipeline", "BestCase": "best_case",
                             "Forecast": "commit", "Closed": "closed", "Omitted": "omitted",
                             "Best Case": "best_case", "Commit": "commit"}


def _forecast_word(value: Any) -> Any:
    return SALESFORCE_FORECAST_WORDS.get(value.strip(), value) if isinstance(value, str) \
        else value


ForecastCategory = Annotated[
    Literal["pipeline", "best_case", "commit", "closed", "omitted"],
    BeforeValidator(_forecast_word)]
HygieneAction = Literal["notify_owner", "notify_manager", "close", "move"]
CampaignPhase = Literal["planning", "execution", "optimization"]
CampaignStatus = Literal["draft", "scheduled", "live", "done"]
Unit = Literal["count", "percent", "currency", "minutes", "hours", "days", "ratio", "score"]

WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Node(BaseModel):
    """A definition read from YAML; remembers which file and path it came from.

    Frozen: a definition is never changed once read (a changed one is a new object, e.g.
    `model_copy(update=...)`), so the memos of pages and checks may trust that an object
    they saw still says what it said."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True,
                              str_strip_whitespace=True, validate_default=False, frozen=True)

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


CRM = Literal["salesforce", "hubspot"]
CRMS: tuple[CRM, ...] = typing.get_args(CRM)


class CrmName(Node):
    """A definition as one CRM holds it, where that differs from the short form's defaults.
    On a sales stage, `probability` and `forecast_category` are what this CRM takes where
    the playbook's value differs by segment and the CRM holds one value per stage."""

    value: str = Field("", description="The CRM's internal name: a Salesforce picklist "
                       "API name, a HubSpot internal value, stage id or pipeline id.")
    label: str = Field("", description="The label the CRM shows.")
    probability: Annotated[int, Field(ge=0, le=100)] | None = Field(
        None, description="On a sales stage: the win probability, %, this CRM takes.")
    forecast_category: ForecastCategory | None = Field(
        None, description="On a sales stage: the forecast category this CRM takes.")

    @model_validator(mode="after")
    def _something(self) -> "CrmName":
        if not (self.value or self.label or self.probability is not None
                or self.forecast_category):
            raise ValueError("give at least one of `value`, `label`, `probability` or "
                             "`forecast_category`")
        return self


CrmValues = Annotated[dict[CRM, Annotated[str, Field(min_length=1)] | CrmName], Field(
    description="How each CRM names this, where the CRMs differ: "
    "`{salesforce: Closed Won, hubspot: closedwon}`. For Salesforce the text is the "
    "picklist value (its API name and label); for HubSpot it is the internal value, stage "
    "id or pipeline id, and the label is the `name`. Write `{value: ..., label: ...}` "
    "where the label differs. Overrides `crm_stage` for that CRM.")]


def crm_name(node: Any, crm: CRM) -> CrmName | None:
    """How `crm` names a definition with a `crm:` mapping (None where it says nothing), its
    value and label filled in: a Salesforce label defaults to the value, a HubSpot one to
    the definition's name."""
    given = getattr(node, "crm", {}).get(crm)
    if given is None:
        return None
    if isinstance(given, str):
        given = CrmName(value=given)
    if given.value and given.label:
        return given
    label = given.label or (given.value if crm == "salesforce" else "") or node.name
    return given.model_copy(update={"label": label})


RoleId = Annotated[str, Ref("roles"), Field(description="The id of a role.")]
PersonaId = Annotated[str, Ref("personas"), Field(description="The id of a persona.")]
PhaseId = Annotated[str, Ref("funnel"), Field(description="The id of a funnel phase.")]
LifecycleId = Annotated[str, Ref("lifecycle"), Field(
    description="The id of a lead lifecycle stage.")]
StageId = Annotated[str, Ref("stages"), Field(description="The id of a sales stage.")]
CadenceId = Annotated[str, Ref("cadences"), Field(description="The id of a cadence.")]
TemplateId = Annotated[str, Ref("templates"), Field(description="The id of an email template.")]
KpiId = Annotated[str, Ref("kpis"), Field(description="The id of a KPI.")]
SegmentId = Annotated[str, Ref("segments"), Field(description="The id of a segment.")]

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


class Segment(Node):
    """A customer segment (large, mid-market, small...): values may differ per segment."""

    name: Text
    description: Markdown = ""
    criteria: list[Text] = Field([], description="What puts an account in this segment "
                                 "(employee range, region, ARR band).")


class Reason(Node):
    """A reason a rep picks when a deal or lead ends somewhere (lost, disqualified,
    recycled); written once, referenced by id."""

    name: Text
    description: Markdown = ""

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data


class OutcomeType(Node):
    """An outcome a terminal stage can have, beyond or instead of the built-in ones."""

    name: Text
    counts_as: Literal["won", "lost", "other"] = Field(
        "other", description="How it counts: a process needs a won and a lost outcome.")
    colour: Colour = "#546e7a"
    description: Markdown = ""


BUILTIN_OUTCOMES: dict[str, dict[str, str]] = {
    "won": {"name": "Won", "counts_as": "won", "colour": "#2e7d32"},
    "lost": {"name": "Lost", "counts_as": "lost", "colour": "#c62828"},
    "disqualified": {"name": "Disqualified", "counts_as": "other", "colour": "#6a1b9a"},
    "duplicate": {"name": "Duplicate", "counts_as": "other", "colour": "#757575"},
    "recycled": {"name": "Recycled", "counts_as": "other", "colour": "#ef6c00"},
}


# ---------------------------------------------------------------------------- lead lifecycle


class AllOf(Node):
    """Conditions that must all hold together: one option of an `any_of`."""

    all_of: list[Text] = Field(min_length=2, description="Every one of these holds.")

    def __str__(self) -> str:
        return " and ".join(self.all_of)


class AnyOf(Node):
    """Options of which any one is enough (an MQL by a demo request, or by score); an
    option may be `{all_of: [...]}`."""

    any_of: list[Text | AllOf] = Field(min_length=2, description="Any one of these holds.")

    def __str__(self) -> str:
        return "any one of: " + "; ".join(f"({option})" if isinstance(option, AllOf)
                                          else option for option in self.any_of)


Criteria = Annotated[list[Text | AnyOf], Field(
    description="A checklist: every item holds; an item `{any_of: [...]}` holds when any "
    "one of its options does, and an option `{all_of: [...]}` when all of its parts do.",
    examples=[["Works at a company of 50+ employees",
               {"any_of": ["Requested a demo", {"all_of": ["Score of 90+", "Work email"]}]}]])]


class Handoff(Node):
    """A hand-off between teams: someone owns it and it has a time target."""

    owner: RoleId
    within: Duration | None = Field(None, description="The time target of the hand-off; "
                                    "\"not defined\" when left out.")
    description: Markdown = ""


class LifecycleStage(Node):
    """A lead lifecycle stage (subscriber, lead, MQL, SAL, SQL, ...) both teams agreed on."""

    name: Text
    phase: PhaseId | None = None
    team: Team | None = Field(None, description="The team that works leads in this stage "
                              "(\"not defined\" when left out: hand-offs are then not "
                              "checked at this stage).")
    owner: RoleId | None = None
    description: Markdown = ""
    entry_criteria: Criteria = []
    deal_stages: list[StageId] = Field([], description="The deal stages that put a lead "
                                       "in this lifecycle stage (HubSpot and Salesforce "
                                       "sync the two): each deal stage belongs to at most "
                                       "one lifecycle stage.")
    qualified: Literal["marketing", "sales"] | None = Field(
        None, description="`marketing`: the marketing-qualified point (MQL, used by scoring "
        "and marketing's commitment); `sales`: the sales-qualified point (SQL, where sales "
        "accepts the lead). Each is set on one stage. `true` means `marketing`.")
    reasons: list[ReasonId] = Field([], description="Reasons a lead is put in this status "
                                    "(disqualified, recycled, ineligible).")
    handoff: Handoff | None = Field(None, description="Required where the team changes "
                                    "from the previous stage.")
    crm_stage: str = Field("", description="The stage's value in the CRM (a HubSpot "
                           "lifecycle stage such as `marketingqualifiedlead`, a Salesforce "
                           "lead status); defaults to the id (HubSpot) or name (Salesforce).")
    converted: bool = Field(False, description="Leads are converted into contacts and "
                            "opportunities on reaching this stage (Salesforce's converted "
                            "lead status), where the playbook has no `lead_statuses:`.")
    crm: CrmValues = {}
    next: list[LifecycleId] = Field([], description="Stages a lead can move to from here.")

    @model_validator(mode="before")
    @classmethod
    def _qualified_true(cls, data: Any) -> Any:
        # `qualified: true` was the one qualified point before MQL and SQL were told apart
        if isinstance(data, dict) and isinstance(data.get("qualified"), bool):
            data = {**data, "qualified": "marketing" if data["qualified"] else None}
        return data


class LeadStatus(Node):
    """A lead status: where a rep is in working a lead, beside its lifecycle stage
    (HubSpot's `hs_lead_status`, Salesforce's Lead Status picklist)."""

    name: Text
    description: Markdown = ""
    lifecycle: list[LifecycleId] = Field([], description="The lifecycle stages in which a "
                                         "lead can have this status (all when empty).")
    converted: bool = Field(False, description="Salesforce converts the lead into a contact, "
                            "account and opportunity with this status; exactly one status "
                            "is the converted one.")
    reasons: list[ReasonId] = Field([], description="The reasons a rep picks when setting "
                                    "this status (why a lead is disqualified or recycled).")
    stale_after: Days | None = Field(None, description="Days in this status without "
                                     "activity after which the lead is stale (`14bd` "
                                     "business or `30cd` calendar days; business by default).")
    stale_to: LeadStatusId | None = Field(None, description="The status a stale lead is "
                                          "moved to (with `stale_after`).")
    crm: CrmValues = {}

    @model_validator(mode="before")
    @classmethod
    def _stale_days(cls, data: Any) -> Any:
        if isinstance(data, dict) and day_kind(data.get("stale_after")) is not None:
            data = {**data, "stale_days": day_kind(data["stale_after"])}
        return data

    stale_days: DayKind = Field("business", description="Set by `stale_after` (`bd`/`cd`).")


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


class Criterion(Node):
    """An exit criterion that a CRM field records."""

    criterion: Text
    field: Text = Field(description="The CRM field that records it (its API name).")

    def __str__(self) -> str:
        return self.criterion


class Hygiene(Node):
    """What happens to a deal with no activity: a warning, then an action."""

    warn_after: PerSegment[Days] | None = Field(
        None, description="Warn the owner after this many days without activity.")
    act_after: PerSegment[Days] | None = Field(
        None, description="Take `action` after this many days without activity.")
    days: DayKind = Field("business", description="Count business or calendar days (set "
                          "by `14bd` or `14cd` in `warn_after`/`act_after`).")
    action: HygieneAction | None = Field(
        None, description="At `act_after`: notify the owner or their manager, `close` the "
        "deal into a lost stage with a `reason`, or `move` it to stage `to`.")
    to: StageId | None = Field(None, description="The stage for `close` or `move`.")
    reason: ReasonId | None = Field(None, description="The reason recorded on `close`.")

    @model_validator(mode="before")
    @classmethod
    def _days_from_units(cls, data: Any) -> Any:
        # `act_after: 14cd` says calendar days itself: `days:` follows it, or must agree
        if not isinstance(data, dict):
            return data
        said = set()
        for name in ("warn_after", "act_after"):
            value = data.get(name)
            for one in value.values() if isinstance(value, dict) else [value]:
                kind = day_kind(one)
                if kind:
                    said.add(kind)
        if len(said) > 1:
            raise ValueError("`warn_after` and `act_after` count days differently: use "
                             "`bd` or `cd` in both")
        if said:
            kind = said.pop()
            if "days" in data and data["days"] != kind:
                raise ValueError(f"the days are {kind} days, but `days: {data['days']}`: "
                                 "remove `days:`")
            data = {**data, "days": kind}
        return data


class Stage(Node):
    """A sales stage: what a rep does, and what must be true to move on."""

    name: Text
    purpose: Markdown = ""
    owner: RoleId | None = None
    crm_stage: str = Field("", description="The stage's name in the CRM (both CRMs: "
                           "write `crm:` where they differ).")
    crm: CrmValues = {}
    probability: PerSegment[Annotated[int, Field(ge=0, le=100)]] | None = Field(
        None, description="Win probability, %; one number or one per segment.",
        examples=[20, {"enterprise": 10, "default": 20}])
    forecast_category: PerSegment[ForecastCategory] | None = Field(
        None, description="The CRM forecast category: pipeline, best_case, commit, closed "
        "or omitted (Salesforce's `Pipeline`, `BestCase`, `Forecast`, `Closed`, `Omitted` "
        "are read as these).", examples=["pipeline", {"enterprise": "best_case",
                                                       "default": "pipeline"}])
    duration_days: PerSegment[Annotated[int, Field(ge=0, le=MAX_BUSINESS_DAYS)]] | None = Field(
        None, description="Typical business days here; one number or one per segment.",
        examples=[5, {"enterprise": 15, "default": 5}])
    hygiene: Hygiene | None = Field(None, description="Deal hygiene: when a deal with no "
                                    "activity is stale, and what then happens.")
    required_fields: list[Text] = Field([], description="CRM fields that must be filled to "
                                        "enter this stage (as the CRM names them).")
    entry_criteria: Criteria = []
    enter_from: list[StageId] = Field([], description="The only stages a deal may enter "
                                      "this one from (\"Duplicate only from stage 0\"): "
                                      "checked against every stage's `next`.")
    no_campaigns: bool = Field(False, description="Contacts of deals in this stage are not "
                               "sent marketing campaigns (checked against each campaign's "
                               "`audience`).")
    exit_criteria: list[Text | Criterion] = Field(
        [], description="A checklist; an item may name the CRM field that records it: "
        "`{criterion: Economic buyer named, field: Economic_Buyer__c}`.")
    touchpoints: list[Touchpoint] = []
    cadence: CadenceId | None = None
    questions: list[Question] = []
    competitive_notes: list[Markdown] = []
    next: list[StageId] | None = Field(None, description="Stages a deal can move to; "
                                       "defaults to the following stage.")
    returns_to: list[StageId] = Field([], description="Earlier stages a deal may go back "
                                      "to (a declared loop).")
    outcome: OutcomeId | None = Field(None, description="Set on terminal stages: won, lost, "
                                      "disqualified, duplicate, recycled or your own.")
    reasons: list[ReasonId] = Field([], description="On a terminal stage: the reasons a rep "
                                    "picks from (closed-lost or disqualification reasons).")


class SalesProcess(Node):
    """An ordered set of sales stages, branching to won and lost."""

    name: Text
    description: Markdown = ""
    segments: list[SegmentId] = Field([], description="The segments this process serves "
                                      "(all when empty).")
    owner: RoleId | None = None
    crm: Annotated[dict[CRM, Annotated[str, Field(min_length=1)]], Field(
        description="The process in each CRM: `hubspot:` the id of the deal pipeline the "
        "export updates (e.g. `default`) instead of creating a new one; `salesforce:` the "
        "API name of its Opportunity record type and sales process.")] = {}
    entry: StageId | None = Field(None, description="Defaults to the first stage.")
    movement: list[Literal["forward_only", "no_skipping"]] = Field(
        [], description="How deals move, checked against every `next` and `returns_to`: "
        "`forward_only` (never back to an earlier stage), `no_skipping` (only to the "
        "following working stage, or to a terminal one).")
    deal_types: dict[str, Reason] = Field(
        {}, description="The kinds of deal this process handles (new business, add-on, "
        "renewal), `id: name` or `id: {name, description}`.")
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
    timezone: TimeZone | None = Field(None, description="The time zone of the business "
                                      "hours; \"not defined\" when left out (times are "
                                      "then shown without a zone).")
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
    response_time: PerSegment[Duration]
    owner: RoleId | None = None
    cadence: PerSegment[CadenceId] | None = Field(
        None, description="The follow-up cadence, one for all or one per segment; when left "
        "out, the first-touch and recycle checks of this tier are not encoded.",
        examples=["inbound_hot", {"enterprise": "enterprise_follow_up", "default": "inbound_hot"}])

    def cadence_ids(self) -> list[str]:
        """Every cadence this tier names (one, or one per segment)."""
        value = self.cadence
        if value is None:
            return []
        return list(dict.fromkeys(value.values())) if isinstance(value, dict) else [value]
    min_touches: PerSegment[Annotated[int, Field(ge=1)]] | None = Field(
        None, description="Touches before a lead of this tier may be recycled, where they "
        "differ from the recycle rule's (one number or one per segment).",
        examples=[8, {"enterprise": 10, "default": 6}])


class Recycle(Node):
    """When and how a lead goes back to marketing."""

    after_days: PerSegment[Annotated[int, Field(gt=0, le=MAX_BUSINESS_DAYS)]] | None = Field(
        None, description="Business days of follow-up before a lead may be recycled "
        "(\"not defined\" when left out).")
    min_touches: PerSegment[Annotated[int, Field(ge=1)]] | None = Field(
        None, description="Touches required before recycling (\"not defined\" when left "
        "out).")
    to: LifecycleId | None = None
    owner: RoleId | None = None
    reasons: dict[str, Text] | list[ReasonId] = Field(
        [], description="Allowed recycle reasons: ids of `reasons:` (or, written "
        "here, `id: text`).")


class Escalation(Node):
    after: Duration
    to: RoleId
    action: Text


class Review(Node):
    every: Frequency
    owner: RoleId
    next: PlanDate | None = None


class OperationalSLA(Node):
    """An operational SLA: an internal service level between teams, a request and the
    notice it needs (counted in the SLA's business hours)."""

    name: Text
    request: Text = Field(description="What is requested, e.g. 'Send a campaign email'.")
    requester: RoleId = Field(description="The role that asks.")
    provider: RoleId = Field(description="The role that delivers.")
    lead_time: PerSegment[Duration] = Field(description="The notice the provider needs.")
    days: DayKind = Field("business", description="Whether `d` in `lead_time` counts "
                          "business or calendar days.")
    how: Markdown = Field("", description="How to make the request.")
    applies_to: Literal["campaign_emails"] | None = Field(
        None, description="`campaign_emails`: every campaign email is requested at a "
        "planning step at least `lead_time` before it is sent (checked).")


class SLA(Node):
    """The service level agreement between marketing and sales."""

    name: str = "Sales and marketing SLA"
    description: Markdown = ""
    business_hours: BusinessHours | None = Field(
        None, description="When left out, business time counts a 09:00-17:00 Monday to "
        "Friday day and the pages say the hours are not defined.")
    marketing_commitment: MarketingCommitment | None = None
    tiers: dict[str, ResponseTier] = {}
    recycle: Recycle | None = Field(None, description="When a lead may go back to "
                                    "marketing; \"not defined\" when left out.")
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
    requested_at: str | None = Field(None, description="The planning step at which the send "
                                     "is requested (defaults to the last planning step).")
    audience: str = ""
    values: dict[str, BindingValue] = Field({}, description="Values of the template's "
                                            "variables for this email (over the campaign's "
                                            "`values`).")


class Audience(Node):
    """Who a campaign reaches, by lifecycle stage and deal stage, and who it must not."""

    lifecycle: list[LifecycleId] = Field([], description="Leads in these lifecycle stages.")
    deal_stages: list[StageId] = Field([], description="Contacts of deals in these stages.")
    exclude_lifecycle: list[LifecycleId] = Field([], description="Never leads in these.")
    exclude_deal_stages: list[StageId] = Field([], description="Never contacts of deals in "
                                               "these stages.")
    description: Markdown = ""


class Campaign(Node):
    """A marketing campaign: plan, execution and optimization, previewed by sales."""

    name: Text
    status: CampaignStatus = "draft"
    objective: str = ""
    persona: PersonaId | None = None
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
    audience: Audience | None = Field(None, description="Who the campaign reaches and who "
                                      "it must not reach, by lifecycle and deal stage.")
    sales_inclusion: list[RoleId] = Field([], description="Sales roles that receive every "
                                          "email the prospects receive.")


# ---------------------------------------------------------------------------- scorecard


MeasureKind = Literal["entries", "conversion", "cohort_conversion", "median_time", "sum",
                      "weighted_sum", "win_rate"]
MEASURE_EVENTS = ("created", "first_touch")  # besides lifecycle and sales stage ids


class Measure(Node):
    """How `playbook measure` computes a KPI from CRM data, in one of a few documented
    measures; a KPI without one keeps its free-text `formula` and shows "not measured"."""

    kind: MeasureKind = Field(description=(
        "`entries`: leads (or deals) entering `stage` in the period; `conversion`: share of "
        "those entering `from` in the period who reach `to` within `within` days; "
        "`cohort_conversion`: share of leads created in the period who reach `to` within "
        "`within` days; `median_time`: median business time from `from` to `to` (the "
        "SLA's business hours and holidays); `sum`: deal amounts (`of`); `weighted_sum`: "
        "won amounts of the year to date plus open pipeline × its stage's probability; "
        "`win_rate`: won among deals closed in the period."))
    stage: str | None = Field(None, description="`entries`: a lifecycle or sales stage id.")
    from_: str | None = Field(None, alias="from", description=(
        "`conversion`, `median_time`: a lifecycle or sales stage id, `created` or "
        "`first_touch`."))
    to: str | None = Field(None, description="`conversion`, `cohort_conversion`, "
                           "`median_time`: a lifecycle or sales stage id, or `first_touch`.")
    within: Days | None = Field(None, description="Conversions: calendar days allowed "
                                "(all the time there is when left out).")
    of: Literal["created", "won"] = Field("created", description="`sum`: the amounts of "
                                          "deals created, or won, in the period.")
    per_goal: bool = Field(False, description="`weighted_sum`: as a percent of the "
                           "revenue goal.")
    per: Frequency | None = Field(None, description="The period each actual covers "
                                  "(a month for `420 MQLs a month`); defaults to the KPI's "
                                  "`frequency`.")


class KPI(Node):
    """A KPI on the shared scorecard."""

    name: Text
    definition: Text
    formula: str = ""
    measure: Measure | None = Field(None, description="The formula in a form `playbook "
                                    "measure` computes from CRM data.")
    unit: Unit = "count"
    owner: RoleId | None = Field(None, description="The role that owns it; \"not defined\" "
                                 "when left out.")
    target: float | None = Field(None, description="\"not defined\" when left out.")
    better: Literal["higher", "lower"] = "higher"
    frequency: Frequency | None = Field(None, description="How often it is reviewed; \"not "
                                        "defined\" when left out.")
    customer_focused: bool | None = Field(
        None, description="`true` for a KPI about customers (retention, satisfaction); "
        "`false` for one that is not; left out when the source does not say.")
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
    Section("segments", Segment, True, "segments", "segment"),
    Section("outcomes", OutcomeType, True, "outcomes", "outcome"),
    Section("reasons", Reason, True, "reasons", "reason"),
    Section("roles", Role, True, "roles", "role"),
    Section("personas", Persona, True, "personas", "persona"),
    Section("funnel", Phase, True, "funnel phases", "funnel phase"),
    Section("lifecycle", LifecycleStage, True, "lead lifecycle stages", "lifecycle stage"),
    Section("lead_statuses", LeadStatus, True, "lead statuses", "lead status"),
    Section("scoring", Scoring, False, "lead scoring"),
    Section("processes", SalesProcess, True, "sales processes", "process"),
    Section("cadences", Cadence, True, "cadences", "cadence"),
    Section("merge_fields", Variable, True, "shared merge fields", "merge field"),
    Section("templates", Template, True, "email templates", "template"),
    Section("sla", SLA, False, "the SLA"),
    Section("service_levels", OperationalSLA, True, "operational SLAs", "operational SLA"),
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


@functools.cache
def definition_file() -> type[BaseModel]:
    """The model of a whole definition file. Only its JSON Schema is used (files are
    validated section by section, see `SECTIONS`): the class is made when first asked for,
    not on every start."""

    class DefinitionFile(BaseModel):
        """A file in `process_defs/`: any of these sections, each at most once in the playbook."""

        model_config = ConfigDict(extra="forbid", title="Playbook definition file")

        company: Company | None = None
        segments: dict[str, Segment] | None = None
        outcomes: dict[str, OutcomeType] | None = None
        reasons: dict[str, Reason | Text] | None = None  # a reason may be just its name
        roles: dict[str, Role] | None = None
        personas: dict[str, Persona] | None = None
        funnel: dict[str, Phase] | None = None
        lifecycle: dict[str, LifecycleStage] | None = None
        lead_statuses: dict[str, LeadStatus] | None = None
        scoring: Scoring | None = None
        processes: dict[str, SalesProcess] | None = None
        cadences: dict[str, Cadence] | None = None
        merge_fields: dict[str, Variable] | None = None
        templates: dict[str, Template] | None = None
        sla: SLA | None = None
        service_levels: dict[str, OperationalSLA] | None = None
        campaigns: dict[str, Campaign] | None = None
        kpis: dict[str, KPI] | None = None
        revenue_goal: RevenueGoal | None = None
        meeting: Meeting | None = None

    return DefinitionFile


def json_schema(kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema of a definition file, or of a one-item file in folder `kind`."""
    if kind is None:
        schema = definition_file().model_json_schema()
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
    segments: dict[str, Segment] = field(default_factory=dict)
    outcomes: dict[str, OutcomeType] = field(default_factory=dict)
    reasons: dict[str, Reason] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)
    funnel: dict[str, Phase] = field(default_factory=dict)
    lifecycle: dict[str, LifecycleStage] = field(default_factory=dict)
    lead_statuses: dict[str, LeadStatus] = field(default_factory=dict)
    scoring: Scoring | None = None
    processes: dict[str, SalesProcess] = field(default_factory=dict)
    cadences: dict[str, Cadence] = field(default_factory=dict)
    merge_fields: dict[str, Variable] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    sla: SLA | None = None
    service_levels: dict[str, OperationalSLA] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    kpis: dict[str, KPI] = field(default_factory=dict)
    revenue_goal: RevenueGoal | None = None
    meeting: Meeting | None = None
    # when each definition file last changed (whole seconds since the epoch), by the path
    # messages show: calendars version their events by it (SEQUENCE, DTSTAMP)
    revised: dict[str, int] = field(default_factory=dict)
    # ids defined but invalid, by kind: references to them are not reported again
    broken: dict[str, set[str]] = field(default_factory=dict)
    # files that could not be read at all: what they define is unknown, so checks that
    # need the whole playbook (references, missing sections) stay quiet until they are fixed
    unreadable: list[str] = field(default_factory=list)
    # `stages` as last built, with the `processes` mapping and its size it was built from
    _stage_index: tuple[dict[str, SalesProcess], int, dict[str, Stage]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def stages(self) -> dict[str, Stage]:
        """Every sales stage of every process, by id (read it, do not change it).

        A playbook is assembled, then only read; pages and checks ask for its stages
        thousands of times, so the mapping is built once, and again when a process is added
        or removed or `processes` is replaced. Replace a process's stages only before it is
        added to a playbook."""
        processes = self.processes
        index = self._stage_index
        if index is None or index[0] is not processes or index[1] != len(processes):
            stages = {sid: stage for process in processes.values()
                      for sid, stage in process.stages.items()}
            self._stage_index = index = (processes, len(processes), stages)
        return index[2]

    def incomplete(self, *kinds: str) -> bool:
        """Whether a file could not be read or a definition of one of `kinds` is invalid:
        what those use is then not known, and "X is not used" would be a cascade of the
        real error."""
        return bool(self.unreadable) or any(self.broken.get(kind) for kind in kinds)

    def process_of(self, stage_id: str) -> str | None:
        for pid, process in self.processes.items():
            if stage_id in process.stages:
                return pid
        return None

    def ids(self, kind: str) -> set[str]:
        """The ids defined for a kind of reference (see `Ref`)."""
        if kind == "stages":
            return set(self.stages)
        if kind == "outcomes":
            return set(BUILTIN_OUTCOMES) | set(self.outcomes)
        return set(getattr(self, kind))

    def outcome(self, outcome_id: str) -> OutcomeType | None:
        """An outcome type by id: a declared one, or a built-in one."""
        if outcome_id in self.outcomes:
            return self.outcomes[outcome_id]
        if outcome_id in BUILTIN_OUTCOMES:
            return _builtin_outcome(outcome_id)
        return None

    def counts_as(self, outcome_id: str | None) -> str | None:
        """`won`, `lost` or `other` for a terminal stage's outcome, None if not terminal."""
        if not outcome_id:
            return None
        found = self.outcome(outcome_id)
        return found.counts_as if found else "other"

    @property
    def business_hours(self) -> BusinessHours | None:
        """The SLA's business hours, None when the playbook does not state them."""
        return self.sla.business_hours if self.sla else None

    @property
    def timezone(self) -> str | None:
        """The business hours' time zone, None when the playbook does not state one."""
        hours = self.business_hours
        return hours.timezone if hours else None

    @property
    def holidays(self) -> list[date]:
        hours = self.business_hours
        return list(hours.holidays) if hours else []

    def qualified_point(self, kind: str) -> str | None:
        """The lifecycle stage marked `qualified: marketing` (or `sales`), if any."""
        return next((sid for sid, st in self.lifecycle.items() if st.qualified == kind), None)


@functools.cache
def _builtin_outcome(outcome_id: str) -> OutcomeType:
    return OutcomeType.model_validate(BUILTIN_OUTCOMES[outcome_id])


def _marked(annotation: Any, marker: type) -> Any:
    """The first `marker` instance in an annotation's Annotated metadata, at any depth."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, marker):
            return meta
    for arg in typing.get_args(annotation):
        found = _marked(arg, marker)
        if found is not None:
            return found
    return None


@functools.cache
def segmented_fields(cls: type[Node]) -> tuple[str, ...]:
    """The fields of `cls` whose value may be given per segment."""
    return tuple(name for name, info in cls.model_fields.items()
                 if any(isinstance(m, Varies) for m in info.metadata)
                 or _marked(info.annotation, Varies) is not None)


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
    # gathered into one list: nested generators passed each node up through every level
    found: list[Node] = []
    if isinstance(value, Playbook):
        for name in SECTIONS:
            _gather(getattr(value, name), found)
    else:
        _gather(value, found)
    return iter(found)


def _gather(value: Any, found: list[Node]) -> None:
    if isinstance(value, Node):
        found.append(value)
        for name in node_fields(type(value)):
            child = getattr(value, name)
            if isinstance(child, _CONTAINERS):
                _gather(child, found)
    elif isinstance(value, dict):
        for child in value.values():
            if isinstance(child, _CONTAINERS):
                _gather(child, found)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, _CONTAINERS):
                _gather(child, found)
