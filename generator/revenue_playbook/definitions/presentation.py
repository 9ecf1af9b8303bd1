"""How the playbook is put into words, in one place for the pages, the previews and the
diagrams, so that they always say the same thing.

Plain strings only: escaping for Markdown (`markup`), DOT (`diagrams.escape_label`) or HTML
is left to whoever writes the output. Nothing here knows MkDocs, Jinja's page templates or
Graphviz.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NamedTuple

from . import templating
from .businesstime import Calendar
from .campaign_time import Moment, campaign_date
from .model import KPI, WEEKDAYS, Campaign, CampaignPhase, Playbook, Team, Template, Weekday
from .segments import DEFAULT, value_for
from .wording import DAYS, MONTHS, NOT_DEFINED, count

# ---------------------------------------------------------------------------- names

# In the order of a lead's journey: the lifecycle diagram's swimlanes.
TEAM_TITLES: dict[Team, str] = {"marketing": "Marketing", "sales": "Sales",
                                "customer_success": "Customer success",
                                "revenue": "Revenue leadership"}
# The scorecard starts with the revenue leadership's numbers.
SCORECARD_TEAMS: tuple[Team, ...] = ("revenue", "marketing", "sales", "customer_success")

PHASE_TITLES: dict[CampaignPhase, str] = {"planning": "Planning", "execution": "Execution",
                                          "optimization": "Optimization"}

WEEKDAY_NAMES: dict[Weekday, str] = dict(zip(WEEKDAYS, DAYS, strict=True))


def role_name(playbook: Playbook, role_id: str | None) -> str:
    """A role's name; its id when it is not defined (the validator says so), "" for none."""
    if role_id is None:
        return ""
    role = playbook.roles.get(role_id)
    return role.name if role else role_id


def team_title(team: str | None) -> str:
    """A team's title (the model admits only known teams); "not defined" for none."""
    if team is None:
        return NOT_DEFINED
    return TEAM_TITLES.get(team, team)  # type: ignore[call-overload]


CHANNEL_ICON = {"email": "✉", "call": "☎", "meeting": "◎", "social": "◆", "event": "★"}


def channel_icon(channel: str) -> str:
    return CHANNEL_ICON.get(channel, "")


def reason_name(reason_id: str) -> str:
    """A reason's id as words: `no_response` -> `No response`."""
    return reason_id.replace("_", " ").replace("-", " ").strip().capitalize()


def weekday(day: str) -> str:
    return WEEKDAY_NAMES[day]  # type: ignore[index]  # a Weekday, checked by the model


# Compiled when first used (re keeps them): most runs, `playbook validate` among them, name no
# CRM field.
_CUSTOM_SUFFIX = r"(?i)__(c|r|pc|x|s|mdt|e|b)$"  # Salesforce's custom objects
_WORD_BREAK = r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])"


def field_words(api_name: str) -> str:
    """A CRM field's API name as a rep reads it: `Economic_Buyer__c` is "Economic buyer",
    `CloseDate` "Close date", `hs_lead_status` "Hs lead status". The API names are on the
    admins' page."""
    name = re.sub(_CUSTOM_SUFFIX, "", api_name.strip())
    words = [w for part in re.split(r"[_\s.]+", name) for w in re.split(_WORD_BREAK, part) if w]
    if not words:
        return api_name
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[0].upper() + text[1:]


# ---------------------------------------------------------------------------- time


def business_time(calendar: Calendar, duration: str) -> str:
    """A duration from YAML (`1bh`, `2bd`, `14cd`) in words a rep reads at a glance."""
    return calendar.words(duration)


def calendar_time(duration: str) -> str:
    """A duration of a field that counts calendar time (`days: calendar`): `10d` is '10
    calendar days'."""
    return Calendar().words(duration, "calendar")


def campaign_day(offset: int) -> str:
    """A campaign offset as a day relative to launch: `launch day`, `day -5`, `day +3`."""
    return "launch day" if offset == 0 else f"day {offset:+d}"


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
    """A KPI's target with its direction and unit: `≥ 25%`, `≤ 4 h`; "not defined"
    when the playbook states none."""
    if kpi.target is None:
        return NOT_DEFINED
    value = f"{kpi.target:,.0f}" if kpi.unit == "currency" else f"{kpi.target:g}"
    return f"{'≤' if kpi.better == 'lower' else '≥'} {value}{_UNIT_SUFFIX.get(kpi.unit, '')}"


def kpi_value(value: float | None, unit: str) -> str:
    """A measured KPI value in its unit, for people: "12.5 %", "1,500,000", "32.5 minutes"."""
    if value is None:
        return "no data"
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "currency":
        return f"{value:,.0f}"
    if unit in ("minutes", "hours", "days"):
        return f"{value:,.1f} {unit}"
    if unit in ("ratio", "score"):
        return f"{value:.2f}"
    return f"{value:,.0f}"


# ---------------------------------------------------------------------------- sample emails


def sample_values(template: Template, playbook: Playbook) -> dict[str, Any]:
    """The merge values a template is shown and checked with: the shared merge fields'
    samples, then the template's own."""
    values = {name: var.sample for name, var in playbook.merge_fields.items()}
    values.update({name: var.sample for name, var in template.variables.items()})
    return values


class RenderedPart(NamedTuple):
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


# ---------------------------------------------------------------------------- segments


def segment_rows(playbook: Playbook, value: Any) -> list[tuple[str, Any]]:
    """A possibly per-segment value as (segment name, value) rows: one row named "" when it
    is the same for every segment; otherwise the declared segments in order, then "Other
    segments" for a default that no named segment uses."""
    if not isinstance(value, dict):
        return [("", value)]
    rows = [(seg.name, value_for(value, sid)) for sid, seg in playbook.segments.items()
            if sid in value or DEFAULT in value]
    if DEFAULT in value and all(sid in value for sid in playbook.segments):
        return rows
    if DEFAULT in value and not rows:
        return [("", value[DEFAULT])]
    return rows


def per_segment(playbook: Playbook, value: Any, fmt: Callable[[Any], str] = str) -> str:
    """A possibly per-segment value in one line: `14 days` or `Mid-market 10 days,
    Enterprise 15 days`."""
    rows = segment_rows(playbook, value)
    if len(rows) == 1 and not rows[0][0]:
        return fmt(rows[0][1])
    return ", ".join(f"{name} {fmt(v)}" for name, v in rows)


def days(number: int, kind: str = "business") -> str:
    return count(number, f"{kind} day")


def percent(value: int) -> str:
    return f"{value}%"


def forecast_name(category: str) -> str:
    return FORECAST_NAMES.get(category, category)


def touches(number: int) -> str:
    return count(number, "touch")


HYGIENE_ACTIONS = {"notify_owner": "notify the owner", "notify_manager": "notify the owner's "
                   "manager", "close": "close the deal", "move": "move the deal"}
FORECAST_NAMES = {"pipeline": "Pipeline", "best_case": "Best case", "commit": "Commit",
                  "closed": "Closed", "omitted": "Omitted"}
QUALIFIED_NAMES = {"marketing": "marketing-qualified lead (MQL)",
                   "sales": "sales-qualified lead (SQL)"}


def hygiene_action(playbook: Playbook, stage_process: Any, rule: Any) -> str:
    """What happens at `act_after`, in words: 'close the deal as Closed lost (Went dark)'."""
    if rule.action is None:
        return ""
    text = HYGIENE_ACTIONS[rule.action]
    target = stage_process.stages.get(rule.to) if rule.to else None
    if rule.action == "close":
        text += f" as {target.name if target else rule.to}"
        if rule.reason:
            reason = playbook.reasons.get(rule.reason)
            text += f" ({reason.name if reason else rule.reason})"
    elif rule.action == "move":
        text += f" back to {target.name if target else rule.to}"
    return text


MOVEMENT_WORDS = {"forward_only": "forward only, never back to an earlier stage",
                  "no_skipping": "one stage at a time, never skipping one"}


def movement(process: Any, stage_id: str | None = None) -> str:
    """How deals move, in words: the process's policy, and (for a stage) where it may be
    entered from: "forward only, never back to an earlier stage; entered only from New"."""
    parts = [MOVEMENT_WORDS[policy] for policy in process.movement]
    stage = process.stages.get(stage_id) if stage_id else None
    if stage is not None and stage.enter_from:
        names = [process.stages[s].name if s in process.stages else s
                 for s in stage.enter_from]
        parts.append(f"entered only from {' or '.join(names)}")
    return "; ".join(parts)


def process_segments(playbook: Playbook, process: Any) -> list[str]:
    """The segments a process serves: those it names, or every declared one."""
    return [s for s in process.segments if s in playbook.segments] or list(playbook.segments)


def segment_table(playbook: Playbook, segments: list[str],
                  columns: list[tuple[Any, Callable[[Any], str]]]) -> list[list[str]]:
    """Rows of (segment name, one text per column) where any column differs by segment;
    one row named "All segments" when none does."""
    def text(value: Any, fmt: Callable[[Any], str], sid: str | None) -> str:
        found = value_for(value, sid)
        return fmt(found) if found is not None else "—"

    if not any(isinstance(value, dict) for value, _ in columns):
        return [["All segments", *(text(v, f, None) for v, f in columns)]]
    return [[playbook.segments[sid].name, *(text(v, f, sid) for v, f in columns)]
            for sid in segments]


def stage_segment_rows(playbook: Playbook, process: Any, stage: Any) -> tuple[list[str],
                                                                              list[list[str]]]:
    """The stage's values that differ by segment, as a table (headers, rows); empty when
    every value is the same for all."""
    fields: list[tuple[str, Any, Callable[[Any], str]]] = [
        ("Win probability", stage.probability, percent),
        ("Forecast category", stage.forecast_category, forecast_name),
        ("Typical duration", stage.duration_days, days)]
    varying = [(title, value, fmt) for title, value, fmt in fields if isinstance(value, dict)]
    if not varying:
        return [], []
    rows = segment_table(playbook, process_segments(playbook, process),
                         [(value, fmt) for _, value, fmt in varying])
    return ["Segment", *(title for title, _, _ in varying)], rows


def hygiene_rows(playbook: Playbook, process: Any, rule: Any) -> list[list[str]]:
    """A stage's hygiene policy per segment: (segment, warn after, act after)."""
    def in_days(count: int) -> str:
        return days(count, rule.days)
    return segment_table(playbook, process_segments(playbook, process),
                         [(rule.warn_after, in_days), (rule.act_after, in_days)])
