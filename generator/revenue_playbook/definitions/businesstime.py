"""Business time: durations like `1h` or `3d` measured in the SLA's business hours."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .model import WEEKDAYS, BusinessHours, Playbook, parse_duration
from .wording import count

DEFAULT_DAY_MINUTES = 8 * 60
_LAST_DAY = date.max.toordinal()


def clock_minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Calendar:
    """Counts business minutes and business days for one set of business hours."""

    def __init__(self, hours: BusinessHours | None = None):
        self.hours = hours
        if hours is None:
            self.day_minutes = DEFAULT_DAY_MINUTES
            self.start_minute = 9 * 60
            self.workdays = {0, 1, 2, 3, 4}
            self.holidays: set[date] = set()
        else:
            self.day_minutes = max(clock_minutes(hours.end) - clock_minutes(hours.start), 0)
            self.start_minute = clock_minutes(hours.start)
            self.workdays = {WEEKDAYS.index(d) for d in hours.days}
            self.holidays = set(hours.holidays)
        self._holiday_numbers = {day.toordinal() for day in self.holidays}

    @classmethod
    def of(cls, playbook: Playbook) -> Calendar:
        """The calendar of a playbook's SLA business hours (a plain week without an SLA)."""
        return cls(playbook.business_hours)

    def minutes(self, duration: str, days: str = "business") -> float:
        """A duration (`90m`, `1.5bh`, `2bd`) in business minutes. Calendar time (`24ch`,
        `3cd`) counts the share of business time an average week holds: for comparing a
        calendar promise with business-day touches, not for timing one lead."""
        amount, unit = parse_duration(duration, days)
        if unit == "eod":  # by the end of the day it came in: a minute before, at the latest
            return max(self.day_minutes - 1, 0)
        if unit == "bd":
            return amount * self.day_minutes
        if unit == "bh":
            return amount * 60
        if unit in ("ch", "cd"):
            share = self.day_minutes / (24 * 60) * len(self.workdays or range(7)) / 7
            return self.clock_minutes(duration, days) * share
        return amount

    @staticmethod
    def clock_minutes(duration: str, days: str = "business") -> float:
        """A duration on the clock, every day: `3cd` is 4,320 minutes (business units
        counted as if every minute were business time)."""
        amount, unit = parse_duration(duration, days)
        if unit == "eod":
            return 24 * 60 - 1
        return amount * {"m": 1, "bh": 60, "ch": 60, "bd": 24 * 60, "cd": 24 * 60}[unit]

    def words(self, duration: str, days: str = "business") -> str:
        """A duration in words a rep cannot misread: `2bh` "2 business hours", `14cd` "14
        calendar days", `90m` "90 business minutes" (`120m` "2 business hours")."""
        amount, unit = parse_duration(duration, days)
        if unit == "eod":
            return "the same business day"
        if unit == "m":
            return self.describe(amount)
        noun = {"bh": "business hour", "ch": "calendar hour", "bd": "business day",
                "cd": "calendar day"}[unit]
        return count(amount, noun)

    def describe(self, minutes: float) -> str:
        """Business minutes in words a rep reads at a glance."""
        if self.day_minutes and minutes >= self.day_minutes and minutes % self.day_minutes == 0:
            days = int(minutes // self.day_minutes)
            return count(days, "business day")
        if minutes >= 60 and minutes % 60 == 0:
            hours = int(minutes // 60)
            return count(hours, "business hour")
        return count(minutes, "business minute")

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def add_days(self, start: date, days: int) -> date:
        """The date `days` business days after (or before, if negative) `start`."""
        if not self.workdays:
            return start + timedelta(days=days)
        # day numbers rather than dates: every campaign step and send of a build asks
        # (day 1, a Monday, is weekday 0)
        workdays, holidays = self.workdays, self._holiday_numbers
        step = 1 if days >= 0 else -1
        number, left = start.toordinal(), abs(days)
        while left:
            number += step
            if (number - 1) % 7 in workdays and number not in holidays:
                left -= 1
        if not 1 <= number <= _LAST_DAY:
            raise OverflowError("date value out of range")
        return date.fromordinal(number)

    def minute_of_day(self, moment: datetime) -> float:
        """Business minutes of `moment`'s own day before `moment` (local time)."""
        if not self.is_business_day(moment.date()):
            return 0.0
        clock = moment.hour * 60 + moment.minute + moment.second / 60
        return min(max(clock - self.start_minute, 0.0), float(self.day_minutes))

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Business minutes from `start` to `end` (naive local times of the business
        hours' time zone): only the minutes inside business hours of business days count;
        0 when `end` is not after `start`."""
        if end <= start:
            return 0.0
        day, last = start.date(), end.date()
        if day == last:
            return self.minute_of_day(end) - self.minute_of_day(start)
        total = (self.day_minutes if self.is_business_day(day) else 0) - self.minute_of_day(start)
        day += timedelta(days=1)
        while day < last:
            if self.is_business_day(day):
                total += self.day_minutes
            day += timedelta(days=1)
        return total + self.minute_of_day(end)

    def days_table(self, first: date, last: date) -> list[tuple[date, bool, int]]:
        """Each day from `first` to `last`: whether it is a business day, and the business
        minutes from the start of `first` to the start of that day. Business time between
        two moments is the difference of (minutes before the day + `minute_of_day`), which
        lets a database count it with one join (`measure/engine.py`)."""
        rows, before, day = [], 0, first
        while day <= last:
            business = self.is_business_day(day)
            rows.append((day, business, before))
            before += self.day_minutes if business else 0
            day += timedelta(days=1)
        return rows
