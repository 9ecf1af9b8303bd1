"""The playbook's dates as calendars: every campaign's deadlines, sales preview gates, sends
and events, and the weekly revenue meeting.

One home for calendars: the site's month view reads `campaign_entries`, and the `.ics`
files (the site's, and any export's) come from `campaign_calendar` (`campaign_ics`) and
`meeting_calendar`, built with the `icalendar` library. Dates count business days and skip
holidays as the SLA's business hours define them (`businesstime.Calendar`); times of day are
in the campaign's time zone, else the SLA's.
"""

from __future__ import annotations

import functools
import os
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal

from ..definitions.businesstime import Calendar
from ..definitions.campaign_time import campaign_timezone, email_moment, step_moment
from ..definitions.model import LATEST, WEEKDAYS, Node, Playbook
from ..definitions.presentation import campaign_day
from ..definitions.wording import MONTHS, count
from ..safety.encoders import ics_line, ics_text

if TYPE_CHECKING:
    import icalendar

PRODID = "-//Playbook//revenue-playbook//EN"

EntryKind = Literal["deadline", "preview", "launch", "event", "step", "send"]
KIND_TITLES: dict[EntryKind, str] = {
    "deadline": "Planning deadline", "preview": "Sales preview gate", "launch": "Launch",
    "event": "Event", "step": "Step", "send": "Email send"}

SEND_MINUTES = 15  # a send with a time of day shows as a short slot
EVENT_MINUTES = 60  # an event step with a time of day (a webinar) shows as an hour


@dataclass(frozen=True)
class Entry:
    """One dated thing of a campaign, ready for a month view or a calendar file."""

    campaign_id: str
    campaign: str  # the campaign's name
    key: str  # unique within the campaign: "step-webinar", "email-2"
    kind: EntryKind
    title: str
    day: date
    offset: int  # business days from launch
    start: datetime | None = None  # with its time zone, when a time of day is set
    minutes: int = 0  # length of a timed entry
    owner: str = ""  # a role id
    description: str = ""


def campaign_entries(playbook: Playbook, campaign_id: str) -> list[Entry]:
    """The campaign's steps and sends in date order; none while it has no launch date."""
    campaign = playbook.campaigns[campaign_id]
    calendar = Calendar.of(playbook)
    entries: list[Entry] = []
    for sid, step in campaign.steps.items():
        when = step_moment(playbook, campaign, calendar, sid)
        if when is None:
            return []
        kind: EntryKind
        if step.sales_preview:
            kind = "preview"
        elif step.phase == "planning":
            kind = "deadline"
        elif step.offset == 0:
            kind = "launch"
        elif step.time is not None:
            kind = "event"
        else:
            kind = "step"
        entries.append(Entry(campaign_id, campaign.name, f"step-{sid}", kind, step.name,
                             when.day, step.offset, when.at,
                             EVENT_MINUTES if when.at else 0, step.owner,
                             step.description))
    for i, email in enumerate(campaign.emails, 1):
        when = email_moment(playbook, campaign, calendar, email)
        if when is None:
            return []
        template = playbook.templates.get(email.template)
        name = template.name if template else email.template
        entries.append(Entry(campaign_id, campaign.name, f"email-{i}", "send", f"Send: {name}",
                             when.day, email.send, when.at, SEND_MINUTES if when.at else 0,
                             template.owner or "" if template else "",
                             f"To: {email.audience}" if email.audience else ""))
    return sorted(entries, key=lambda e: (e.day, e.start is not None,
                                          e.start or datetime.min.replace(tzinfo=UTC), e.key))


def all_entries(playbook: Playbook) -> list[Entry]:
    """Every dated entry of every campaign, in date order."""
    entries = [e for cid in playbook.campaigns for e in campaign_entries(playbook, cid)]
    return sorted(entries, key=lambda e: (e.day, e.campaign_id, e.offset, e.key))


def _domain(playbook: Playbook) -> str:
    site = playbook.company.website if playbook.company else ""
    host = "".join(ics_line(site.split("://", 1)[-1].split("/", 1)[0]).split())
    return host or "playbook.invalid"


def _stamp(days: Iterable[date]) -> datetime:
    # DTSTAMP is required; a calendar built from the same definitions must be byte for byte
    # the same, so it is the earliest date of the calendar rather than the build's clock.
    first = min(days, default=date(1970, 1, 1))
    return datetime.combine(first, time(0), UTC)


SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def revision(playbook: Playbook, nodes: Iterable[Node | None]) -> datetime | None:
    """When the definitions a calendar is made from last changed: the newest modification
    time of their files (to the second, UTC), or None for definitions not read from files.

    A calendar app updates an event it imported again only when the event has the same UID
    and a higher SEQUENCE (or a later DTSTAMP): both follow this moment, so an edited
    definition updates the events, and an unchanged one writes the same bytes."""
    revised = playbook.revised
    times = [t for node in nodes if node is not None and node.source is not None
             if (t := revised.get(node.source.display)) is not None]
    if not times:
        return None
    # A fresh clone's files are as new as the clone: a reproducible build (SOURCE_DATE_EPOCH,
    # the last commit's date under `playbook build`) clamps them to that moment, so two
    # clones of one commit write the same calendars.
    newest = min(max(times), source_date_epoch() or max(times))
    return datetime.fromtimestamp(newest, UTC)


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH, the moment `revision` clamps files' times to: besides the
    definitions, the one input of a calendar's bytes (what a kept calendar is keyed by)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else None


def _versioned(event: icalendar.Event, changed: datetime | None) -> None:
    """SEQUENCE (minutes since 2020 at the definitions' last change: it grows with every
    edit) and LAST-MODIFIED, when the definitions' files are known."""
    if changed is None:
        event.add("sequence", 0)
        return
    event.add("last-modified", changed)
    event.add("sequence", max(0, int((changed - SEQUENCE_EPOCH).total_seconds()) // 60))


def _new_calendar(name: str, timezone: str | None) -> icalendar.Calendar:
    # imported where a calendar is made: a build from the build cache keeps the .ics files
    # and need not import icalendar and dateutil (~30 ms)
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # an X- property is written as given unless typed: TEXT escapes `,` `;` `\\` (RFC 5545)
    cal.add("x-wr-calname", icalendar.vText(ics_line(name)))
    if timezone:  # none stated: times are floating, local to whoever reads them
        cal.add("x-wr-timezone", timezone)
    return cal


def campaign_calendar(playbook: Playbook, campaign_id: str,
                      stamp: datetime | None = None) -> icalendar.Calendar:
    """A campaign's steps and sends as an iCalendar: all-day entries for due dates, timed
    ones (with their time zone) where a time of day is set. Empty while it has no launch."""
    return _campaign_calendar(*_campaign_facts(playbook, campaign_id), stamp)


def campaign_ics(playbook: Playbook, campaign_id: str) -> bytes:
    """`ics(campaign_calendar(playbook, campaign_id))`, made once for the same facts: the
    site and its Downloads both carry every campaign's file, and a live edit of one
    definition builds them all again."""
    return _campaign_ics(*_campaign_facts(playbook, campaign_id))


CampaignFacts = tuple[str, str, str | None, tuple[Entry, ...], tuple[str, ...], str,
                      datetime | None]


def _campaign_facts(playbook: Playbook, campaign_id: str) -> CampaignFacts:
    """Everything a campaign's calendar is made from, as plain values."""
    campaign = playbook.campaigns[campaign_id]
    entries = tuple(campaign_entries(playbook, campaign_id))
    owners = tuple(owner.name if (owner := playbook.roles.get(entry.owner)) else ""
                   for entry in entries)
    sources: list[Node | None] = [campaign, playbook.sla, playbook.company,
                                  *(playbook.roles.get(e.owner) for e in entries)]
    return (campaign_id, campaign.name, campaign_timezone(playbook, campaign), entries, owners,
            _domain(playbook), revision(playbook, sources))


@functools.lru_cache(maxsize=1024)
def _campaign_ics(*facts: Any) -> bytes:
    return ics(_campaign_calendar(*facts))


def _campaign_calendar(campaign_id: str, name: str, timezone: str | None,
                       entries: tuple[Entry, ...], owners: tuple[str, ...], domain: str,
                       changed: datetime | None = None,
                       stamp: datetime | None = None) -> icalendar.Calendar:
    import icalendar

    cal = _new_calendar(name, timezone)
    # what every event holds alike (DTSTAMP, SEQUENCE, LAST-MODIFIED, TRANSP, a kind's
    # CATEGORIES) encoded once: icalendar adds an encoded value as it is
    alike = icalendar.Event()
    alike.add("dtstamp", stamp or changed or _stamp(e.day for e in entries))
    _versioned(alike, changed)
    alike.add("transp", "TRANSPARENT")  # a due date does not block the day
    every = [(key, alike[key]) for key in ("DTSTAMP", "SEQUENCE", "LAST-MODIFIED")
             if key in alike]
    categories: dict[EntryKind, Any] = {}
    zones: set[str] = set()
    for entry, owner in zip(entries, owners, strict=True):
        event = icalendar.Event()
        event.add("uid", f"{campaign_id}-{entry.key}@{domain}")
        for key, value in every:
            event.add(key, value)
        event.add("summary", ics_text(f"{name}: {entry.title}"))
        if entry.start is not None:
            event.add("dtstart", entry.start)
            event.add("dtend", entry.start + timedelta(minutes=entry.minutes))
            zones.add(event["DTSTART"].params.get("TZID"))
            zones.add(event["DTEND"].params.get("TZID"))
        else:
            event.add("dtstart", entry.day)
            event.add("dtend", entry.day + timedelta(days=1))
            event.add("transp", alike["TRANSP"])
        lines = [f"{KIND_TITLES[entry.kind]}: {_from_launch(entry.offset)}."]
        if owner:
            lines.append(f"Owner: {owner}")
        if entry.description:
            lines.append(entry.description)
        event.add("description", ics_text("\n".join(lines)))
        if entry.kind not in categories:
            event.add("categories", [KIND_TITLES[entry.kind]])
            categories[entry.kind] = event["CATEGORIES"]
        else:
            event.add("categories", categories[entry.kind])
        cal.add_component(event)
    if entries:
        # the zones of the events' times (what `add_missing_timezones` finds by walking
        # every property of the calendar again)
        _add_timezones(cal, zones - {None}, entries[0].day, entries[-1].day)
    return cal


def _from_launch(offset: int) -> str:
    if offset == 0:
        return "launch day"
    days = count(abs(offset), "business day")
    return f"{campaign_day(offset)}, {days} {'before' if offset < 0 else 'after'} launch"


def _add_timezones(cal: icalendar.Calendar, tzids: Iterable[str], first: date,
                   last: date) -> None:
    """What `cal.add_missing_timezones` adds for the zones `tzids` (as the calendar's first
    components, by id), with the rules of the years the calendar covers (not from 1970 to
    2038); each zone made once per process, as icalendar asks (it walks every hour of the
    years)."""
    zones = [_zone(tzid, date(first.year, 1, 1), date(last.year + 1, 12, 31))
             for tzid in sorted(set(tzids) - {"UTC"})]
    cal.subcomponents[:0] = [zone for zone in zones if zone is not None]


@functools.lru_cache(maxsize=64)
def _zone(tzid: str, first: date, last: date) -> icalendar.Timezone | None:
    # shared by the calendars that use the zone: not to be changed once made
    import icalendar

    try:
        return icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:  # a zone icalendar does not know is left out, as it leaves it out
        return None


def meeting_start(playbook: Playbook) -> date:
    """The first meeting day of the playbook's own calendar: on or after its earliest date
    (a holiday, a launch or the next SLA review)."""
    days = [d for c in playbook.campaigns.values() for d in (c.launch,) if d]
    if playbook.sla is not None:
        days += playbook.holidays
        if playbook.sla.review and playbook.sla.review.next:
            days.append(playbook.sla.review.next)
    first = min(days, default=date(2026, 1, 1))
    meeting = playbook.meeting
    weekday = WEEKDAYS.index(meeting.day) if meeting else 0
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def meeting_calendar(playbook: Playbook, start: date | None = None,
                     stamp: datetime | None = None) -> icalendar.Calendar:
    """The weekly revenue meeting as a recurring event in the SLA's time zone, without the
    weeks whose meeting day is a holiday. Raises ValueError without a meeting."""
    meeting = playbook.meeting
    if meeting is None:
        raise ValueError("the playbook has no `meeting:`")
    timezone = playbook.timezone
    zone = zoneinfo.ZoneInfo(timezone) if timezone else None  # floating times
    first = start or meeting_start(playbook)
    weekday = WEEKDAYS.index(meeting.day)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    hours, minutes = (int(part) for part in meeting.time.split(":"))
    begin = datetime.combine(first, time(hours, minutes), zone)
    import icalendar

    from .ical_timezones import open_ended

    cal = _new_calendar(meeting.name, timezone)
    event = icalendar.Event()
    event.add("uid", f"revenue-meeting@{_domain(playbook)}")
    changed = revision(playbook, [meeting, playbook.sla, playbook.company,
                        *(playbook.roles.get(r) for r in [meeting.chair])])
    event.add("dtstamp", stamp or changed or _stamp([first]))
    _versioned(event, changed)
    event.add("summary", ics_text(meeting.name))
    event.add("dtstart", begin)
    event.add("dtend", begin + timedelta(minutes=meeting.duration_minutes))
    event.add("rrule", {"freq": "weekly", "byday": meeting.day[:2].upper()})
    holidays = sorted(d for d in playbook.holidays
                      if d.weekday() == weekday and d >= first)
    for day in holidays:
        event.add("exdate", datetime.combine(day, time(hours, minutes), zone))
    agenda = [f"{i}. {item.topic} ({item.minutes} min)"
              for i, item in enumerate(meeting.agenda, 1)]
    chair = playbook.roles.get(meeting.chair)
    event.add("description", ics_text("\n".join(
        ([f"Chair: {chair.name}"] if chair else []) + ["Agenda:", *agenda])))
    cal.add_component(event)
    # the meeting repeats for ever: its time zone by the zone's rule for every year to come
    zone_rules = open_ended(timezone, first) if timezone and timezone != "UTC" else None
    if zone_rules is not None:
        cal.subcomponents.insert(0, zone_rules)
    elif timezone:  # UTC needs none; a zone whose rule no RRULE can say: listed to the end
        _add_timezones(cal, cal.get_missing_tzids(), first, LATEST)
    return cal


def ics(calendar: icalendar.Calendar) -> bytes:
    """The calendar as an .ics file's bytes."""
    return calendar.to_ical()


# ---------------------------------------------------------------------------- month view


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    business: bool  # a business day by the SLA (not a weekend day or holiday)
    holiday: bool
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    weeks: tuple[tuple[Day, ...], ...]  # Monday first; none for a run of empty months
    until: tuple[int, int] | None = None  # (year, month): the last of a run without dates

    @property
    def title(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"

    @property
    def until_title(self) -> str:
        return f"{MONTHS[self.until[1] - 1]} {self.until[0]}" if self.until else ""

    @property
    def entries(self) -> list[Entry]:
        return [e for week in self.weeks for d in week if d.in_month for e in d.entries]


# Empty months between two months with dates are drawn as grids up to this many; a longer
# run (campaigns years apart: dates may lie anywhere from 1970 to 2199) is one line saying
# there is nothing from one month to another, so the page grows with its dates, not with
# the time between them (two campaigns at 1970 and 2199 made a 10 MB page of 2,760 empty
# months).
EMPTY_MONTHS_DRAWN = 2


def months(playbook: Playbook, entries: list[Entry]) -> list[Month]:
    """Month grids (Monday first) from the first entry's month to the last one's, a run of
    more than `EMPTY_MONTHS_DRAWN` empty months as one `Month` without weeks."""
    if not entries:
        return []
    calendar = Calendar.of(playbook)
    holidays = set(playbook.holidays)
    by_day: dict[date, list[Entry]] = {}
    for entry in entries:
        by_day.setdefault(entry.day, []).append(entry)

    def grid(year: int, month: int) -> Month:
        start = date(year, month, 1)
        start -= timedelta(days=start.weekday())
        weeks = []
        day = start
        while True:
            week = []
            for _ in range(7):
                week.append(Day(day, day.month == month, calendar.is_business_day(day),
                                day in holidays, tuple(by_day.get(day, ()))))
                day += timedelta(days=1)
            weeks.append(tuple(week))
            if day.month != month or day.year != year:
                break
        return Month(year, month, tuple(weeks))

    def ym(index: int) -> tuple[int, int]:
        return index // 12, index % 12 + 1

    busy = sorted({day.year * 12 + day.month - 1 for day in by_day})
    out: list[Month] = []
    for before, index in zip([None, *busy], busy, strict=False):
        if before is not None and index - before - 1 > EMPTY_MONTHS_DRAWN:
            out.append(Month(*ym(before + 1), (), until=ym(index - 1)))
        elif before is not None:
            out += [grid(*ym(between)) for between in range(before + 1, index)]
        out.append(grid(*ym(index)))
    return out
