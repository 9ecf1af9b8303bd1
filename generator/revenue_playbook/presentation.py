"""How the playbook is put into words, in one place for the pages, the previews and the
diagrams, so that they always say the same thing.

Plain strings only: escaping for Markdown (`markup`), DOT (`diagrams.escape_label`) or HTML
is left to whoever writes the output. Nothing here knows MkDocs, Jinja's page templates or
Graphviz.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import templating
from .businesstime import Calendar
from .model import KPI, Campaign, CampaignPhase, Playbook, Team, Template, Weekday

if TYPE_CHECKING:
    from .campaign_values import Moment

# ---------------------------------------------------------------------------- names

# In the order of a lead's journey: the lifecycle diagram's swimlanes.
TEAM_TITLES: dict[Team, str] = {"marketing": "Marketing", "sales": "Sales",
                                "customer_success": "Customer success",
                                "revenue": "Revenue leadership"}
# The scorecard starts with the revenue leadership's numbers.
SCORECARD_TEAMS: tuple[Team, ...] = ("revenue", "marketing", "sales", "customer_success")

PHASE_TITLES: dict[CampaignPhase, str] = {"planning": "Planning", "execution": "Execution",
                                          "optimization": "Optimization"}

WEEKDAY_NAMES: dict[Weekday, str] = {
    "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
    "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
DAYS = tuple(WEEKDAY_NAMES.values())  # by date.weekday()
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def role_name(playbook: Playbook, role_id: str | None) -> str:
    """A role's name; its id when it is not defined (the validator says so), "" for none."""
    if role_id is None:
        return ""
    role = playbook.roles.get(role_id)
    return role.name if role else role_id


def team_title(team: str) -> str:
    """A team's title (the model admits only known teams)."""
    return TEAM_TITLES.get(team, team)  # type: ignore[call-overload]


CHANNEL_ICON = {"email": "✉", "call": "☎", "meeting": "◎", "social": "◆", "event": "★"}


def channel_icon(channel: str) -> str:
    return CHANNEL_ICON.get(channel, "")


def reason_name(reason_id: str) -> str:
    """A reason's id as words: `no_response` -> `No response`."""
    return reason_id.replace("_", " ").replace("-", " ").strip().capitalize()


def weekday(day: str) -> str:
    return WEEKDAY_NAMES[day]  # type: ignore[index]  # a Weekday, checked by the model


# ---------------------------------------------------------------------------- time


def business_time(calendar: Calendar, duration: str) -> str:
    """A duration from YAML (`1h`, `2d`) in words a rep reads at a glance."""
    return calendar.describe(calendar.minutes(duration))


def campaign_day(offset: int) -> str:
    """A campaign offset as a day relative to launch: `launch day`, `day -5`, `day +3`."""
    return "launch day" if offset == 0 else f"day {offset:+d}"


def campaign_date(campaign: Campaign, offset: int, calendar: Calendar) -> date | None:
    """The date `offset` business days from launch; None while the launch is not set."""
    if campaign.launch is None:
        return None
    return calendar.add_days(campaign.launch, offset)


def _due(campaign: Campaign, offset: int, calendar: Calendar, at: Moment | None) -> str:
    if at is not None:
        return at.short()
    due = campaign_date(campaign, offset, calendar)
    return due.isoformat() if due else ""


def when(campaign: Campaign, offset: int, calendar: Calendar, at: Moment | None = None) -> str:
    """When a campaign step or email is due, date first: `2026-03-02 (day -5)`; with `at`
    (the step's or send's moment) its time of day too: `2026-03-16 11:00 EST (day +10)`."""
    day = campaign_day(offset)
    due = _due(campaign, offset, calendar, at)
    return f"{due} ({day})" if due else day


def when_label(campaign: Campaign, offset: int, calendar: Calendar,
               at: Moment | None = None) -> str:
    """The same, day first, for a diagram's node: `day -5 · 2026-03-02`."""
    day = campaign_day(offset)
    due = _due(campaign, offset, calendar, at)
    return f"{day} · {due}" if due else day


def day_label(day: date) -> str:
    """A day in a calendar's cell, e.g. `Mon 23 Nov`."""
    return f"{DAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]}"


def time_of_day(moment: datetime) -> str:
    """A time of day with its zone, e.g. `17:00 CET`."""
    return moment.strftime("%H:%M %Z")


def workdays(calendar: Calendar) -> list[str]:
    """The names of a calendar's business days, Monday first."""
    return [name for i, name in enumerate(DAYS) if i in calendar.workdays]


# ---------------------------------------------------------------------------- numbers


def money(amount: float, currency: str) -> str:
    return f"{currency} {amount:,.0f}"


_UNIT_SUFFIX = {"percent": "%", "minutes": " min", "hours": " h", "days": " days"}


def kpi_target(kpi: KPI) -> str:
    """A KPI's target with its direction and unit: `≥ 25%`, `≤ 4 h`."""
    value = f"{kpi.target:,.0f}" if kpi.unit == "currency" else f"{kpi.target:g}"
    return f"{'≤' if kpi.better == 'lower' else '≥'} {value}{_UNIT_SUFFIX.get(kpi.unit, '')}"


# ---------------------------------------------------------------------------- sample emails


def sample_values(template: Template, playbook: Playbook) -> dict[str, Any]:
    """The merge values a template is shown and checked with: the shared merge fields'
    samples, then the template's own."""
    values = {name: var.sample for name, var in playbook.merge_fields.items()}
    values.update({name: var.sample for name, var in template.variables.items()})
    return values


@dataclass(frozen=True)
class RenderedPart:
    """A subject or body rendered with the sample values, or why it could not be."""

    text: str | None
    error: str | None = None  # "TypeName: message"


def render_sample(template: Template, playbook: Playbook) -> tuple[RenderedPart, RenderedPart]:
    """The template's subject and body rendered with its sample values; a part that cannot
    render carries the error instead (the validator reports it by line)."""
    values = sample_values(template, playbook)
    parts = []
    for source in (template.subject, template.body):
        try:
            parts.append(RenderedPart(templating.render(source, values)))
        except Exception as exc:  # any template error is shown, never raised
            parts.append(RenderedPart(None, f"{type(exc).__name__}: {exc}"))
    return parts[0], parts[1]
