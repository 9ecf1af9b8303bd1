"""When a campaign's steps and sends happen: the one home every page, preview, check,
calendar and export asks (the site's calendar and `.ics` files, Asana, Trello).

A step or send falls `offset` business days from launch, on the SLA's business calendar;
with a time of day (`time:`) it happens then, in its own `timezone:`, else the campaign's,
else the SLA's business hours' time zone; with none stated, the time is "floating" (local to
whoever reads it).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time
from typing import NamedTuple

from .businesstime import Calendar
from .model import Campaign, CampaignEmail, Playbook
from .wording import DAYS, MONTHS

END_OF_DAY = "17:00"  # a deadline's time where neither the step nor the SLA states one


def campaign_timezone(playbook: Playbook, campaign: Campaign) -> str | None:
    """The campaign's own time zone, else the SLA's business hours'; None when neither is
    stated (times are then local to the reader: "floating" in iCalendar)."""
    return campaign.timezone or playbook.timezone


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class Moment(NamedTuple):
    """A campaign day, with a time of day in a time zone when one is set."""

    day: date
    clock: str | None = None  # "17:00"
    timezone: str | None = None  # None: not stated, a floating time

    @property
    def at(self) -> datetime | None:
        """The time of day on its day, in its time zone (naive when none is stated); None
        without a time of day."""
        if self.clock is None:
            return None
        zone = zoneinfo.ZoneInfo(self.timezone) if self.timezone else None
        return datetime.combine(self.day, _clock(self.clock), zone)

    def words(self, fmt: str | None = None) -> str:
        """e.g. `Thursday 19 November 2026 at 17:00 EST`, or only the date or time."""
        day = f"{DAYS[self.day.weekday()]} {self.day.day} {MONTHS[self.day.month - 1]} " \
              f"{self.day.year}"
        at = self.at
        if at is None or fmt == "date":
            return day
        clock = f"{self.clock} {at.strftime('%Z')}".strip()
        if fmt == "time":
            return clock
        return f"{day} at {clock}"

    def short(self) -> str:
        """e.g. `2026-11-19 17:00 EST`, for timelines and tables."""
        at = self.at
        return self.day.isoformat() + (f" {self.clock} {at.strftime('%Z')}".rstrip()
                                       if at else "")

    def deadline(self, end_of_day: str | None) -> datetime:
        """The moment as one instant in UTC, for a tool that stores instants (Trello): its
        time of day, else `end_of_day` (the business day's end); in its time zone, else in
        UTC."""
        clock = self.clock or end_of_day or END_OF_DAY
        zone = zoneinfo.ZoneInfo(self.timezone) if self.timezone else UTC
        return datetime.combine(self.day, _clock(clock), zone).astimezone(UTC)


def campaign_date(campaign: Campaign, offset: int, calendar: Calendar) -> date | None:
    """The date `offset` business days from launch; None while the launch is not set."""
    if campaign.launch is None:
        return None
    return calendar.add_days(campaign.launch, offset)


def on_day(playbook: Playbook, campaign: Campaign, day: date, clock: str | None = None,
           timezone: str | None = None) -> Moment:
    """`clock` on `day`, in `timezone`, else the campaign's time zone."""
    return Moment(day, clock, timezone or campaign_timezone(playbook, campaign))


def moment(playbook: Playbook, campaign: Campaign, calendar: Calendar, offset: int,
           clock: str | None = None, timezone: str | None = None) -> Moment | None:
    """The moment `offset` business days from launch, or None while there is no launch."""
    day = campaign_date(campaign, offset, calendar)
    return None if day is None else on_day(playbook, campaign, day, clock, timezone)


def step_moment(playbook: Playbook, campaign: Campaign, calendar: Calendar,
                step_id: str) -> Moment | None:
    """When step `step_id` of `campaign` happens (is due)."""
    step = campaign.steps[step_id]
    return moment(playbook, campaign, calendar, step.offset, step.time, step.timezone)


def email_moment(playbook: Playbook, campaign: Campaign, calendar: Calendar,
                 email: CampaignEmail) -> Moment | None:
    """When a campaign email is sent."""
    return moment(playbook, campaign, calendar, email.send, email.time, email.timezone)
