"""A VTIMEZONE that covers every occurrence of an event that repeats for ever.

RFC 5545 (3.6.5) asks a calendar's VTIMEZONE to cover all its date-times. A weekly meeting
with no end has occurrences in every future year, which a list of transitions (what
`icalendar.Calendar.add_missing_timezones` writes) cannot cover. The zone's current rule,
the POSIX TZ string at the end of its TZif file (RFC 8536, 3.3), is what every future year
follows: written as STANDARD and DAYLIGHT sub-components with a yearly RRULE, it covers
them all, as Outlook and Google Calendar write time zones.
"""

from __future__ import annotations

import importlib.resources
import re
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar

_NAME = r"(<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"([+-]?\d{1,3}(?::\d{2}){0,2})"
_RULE = r"(M\d{1,2}\.[1-5]\.[0-6])(?:/([+-]?\d{1,3}(?::\d{2}){0,2}))?"
_POSIX = re.compile(rf"^{_NAME}{_OFFSET}(?:{_NAME}{_OFFSET}?,{_RULE},{_RULE})?$")
_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")


def posix_rule(name: str) -> str | None:
    """The POSIX TZ string a zone follows after its last listed transition, or None."""
    data = None
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / name
        if path.is_file():
            data = path.read_bytes()
            break
    if data is None:
        try:
            data = (importlib.resources.files("tzdata.zoneinfo") / name).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            return None
    if not data.startswith(b"TZif") or data[4:5] < b"2":
        return None
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace") or None


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _onset(rule: str, year: int) -> date:
    month, week, weekday = (int(p) for p in rule[1:].split("."))
    first = date(year, month, 1)
    # POSIX counts weekdays from Sunday = 0, Python from Monday = 0
    day = first + timedelta(days=(weekday - 1 - first.weekday()) % 7)
    if week == 5:
        following = date(year + month // 12, month % 12 + 1, 1)
        while day + timedelta(days=7) < following:
            day += timedelta(days=7)
    else:
        day += timedelta(days=7 * (week - 1))
    return day


def _part(kind: str, tzname: str, offset_from: int, offset_to: int, start: datetime,
          rule: str | None) -> icalendar.cal.Component:
    part = icalendar.TimezoneDaylight() if kind == "DAYLIGHT" else \
        icalendar.TimezoneStandard()
    part.add("tzname", tzname.strip("<>"))
    part.add("dtstart", start)
    part.add("tzoffsetfrom", timedelta(seconds=offset_from))
    part.add("tzoffsetto", timedelta(seconds=offset_to))
    if rule is not None:
        month, week, weekday = (int(p) for p in rule[1:].split("."))
        part.add("rrule", {"freq": "yearly", "bymonth": month,
                           "byday": f"{-1 if week == 5 else week}{_DAYS[weekday]}"})
    return part


def open_ended(name: str, since: date) -> icalendar.Timezone | None:
    """Zone `name` from the year before `since` on, for ever, by its current rule; None when
    the rule cannot be written as a yearly RRULE (a transition at a time outside the day,
    as in a handful of zones): the caller then lists transitions."""
    rule = posix_rule(name)
    match = _POSIX.match(rule or "")
    if not match:
        return None
    std_name, std_offset, dst_name, dst_offset, start_rule, start_time, end_rule, end_time = \
        match.groups()
    std = -_seconds(std_offset)  # POSIX offsets count west of UTC
    tz = icalendar.Timezone()
    tz.add("tzid", name)
    year = since.year - 1
    if dst_name is None:
        tz.add_component(_part("STANDARD", std_name, std, std, datetime(year, 1, 1), None))
        return tz
    dst = -_seconds(dst_offset) if dst_offset else std + 3600
    times = [_seconds(t) if t else 7200 for t in (start_time, end_time)]
    if not all(0 <= t < 86400 for t in times):
        return None
    begins, ends = (datetime.combine(_onset(r, year), datetime.min.time()) + timedelta(seconds=t)
                    for r, t in ((start_rule, times[0]), (end_rule, times[1])))
    tz.add_component(_part("DAYLIGHT", dst_name, std, dst, begins, start_rule))
    tz.add_component(_part("STANDARD", std_name, dst, std, ends, end_rule))
    return tz
