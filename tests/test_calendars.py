"""Calendars: every campaign's dates and the weekly meeting as .ics files (parsed back with
the icalendar library), counted in business days around the SLA's holidays, and the
month view across campaigns."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from helpers import ROOT

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.exports import calendars

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def example():  # type: ignore[no-untyped-def]
    return validate(ROOT / "process_defs").playbook


def events(data: bytes) -> dict[str, icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(data)
    return {str(e["uid"]).split("@")[0]: e for e in parsed.walk("VEVENT")}


def test_campaign_ics_holds_each_step_and_send_on_its_business_day(example) -> None:  # type: ignore[no-untyped-def]
    data = calendars.ics(calendars.campaign_calendar(example, "retention_webinar"))
    found = events(data)
    campaign = example.campaigns["retention_webinar"]
    assert len(found) == len(campaign.steps) + len(campaign.emails)
    webinar = found["retention_webinar-step-webinar"]
    assert webinar.start == datetime(2026, 11, 23, 11, 0, tzinfo=NEW_YORK)
    assert webinar.end - webinar.start == timedelta(hours=1)
    assert str(webinar["summary"]).endswith("Run the webinar")
    # 20 business days after a launch on Monday 9 November: Thanksgiving (26 November, a
    # holiday of the SLA) is skipped, so the review is on 8 December, not 7 December
    results = found["retention_webinar-step-results"]
    assert results.start == date(2026, 12, 8)
    assert results.end == date(2026, 12, 9)
    brief = found["retention_webinar-step-brief"]
    assert brief.start == date(2026, 10, 12)  # 20 business days before launch
    reminder = found["retention_webinar-email-2"]
    assert reminder.start == datetime(2026, 11, 20, 10, 0, tzinfo=NEW_YORK)
    preview = found["retention_webinar-step-sales_preview"]
    assert "Sales preview gate" in str(preview["categories"].cats[0])
    # the time zone travels with the file
    parsed = icalendar.Calendar.from_ical(data)
    assert [tz["tzid"] for tz in parsed.walk("VTIMEZONE")] == ["America/New_York"]
    business = Calendar.of(example)
    for event in found.values():
        day = event.start if isinstance(event.start, date) and not isinstance(
            event.start, datetime) else event.start.date()
        assert business.is_business_day(day), f"{event['summary']} on {day}"


def test_a_holiday_moves_every_later_date(example) -> None:  # type: ignore[no-untyped-def]
    pb = copy.deepcopy(example)
    pb.sla.business_hours.holidays.append(date(2026, 11, 16))  # a Monday before the webinar
    found = events(calendars.ics(calendars.campaign_calendar(pb, "retention_webinar")))
    assert found["retention_webinar-step-webinar"].start == datetime(
        2026, 11, 24, 11, 0, tzinfo=NEW_YORK)
    assert found["retention_webinar-step-launch"].start == date(2026, 11, 9)  # before it


def test_same_definitions_give_the_same_bytes(example) -> None:  # type: ignore[no-untyped-def]
    first = calendars.ics(calendars.campaign_calendar(example, "retention_webinar"))
    again = calendars.ics(calendars.campaign_calendar(copy.deepcopy(example),
                                                      "retention_webinar"))
    assert first == again


def test_meeting_ics_recurs_weekly_without_holidays(example) -> None:  # type: ignore[no-untyped-def]
    pb = copy.deepcopy(example)
    pb.sla.business_hours.holidays.append(date(2026, 12, 29))  # a Tuesday
    data = calendars.ics(calendars.meeting_calendar(pb))
    (meeting,) = events(data).values()
    assert meeting.start.weekday() == 1 and meeting.start.hour == 10  # tue, 10:00
    assert meeting.start.tzinfo == NEW_YORK
    assert meeting.end - meeting.start == timedelta(minutes=60)
    rule = meeting["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"]
    excluded = [d.dt for d in meeting["exdate"].dts]
    assert excluded == [datetime(2026, 12, 29, 10, 0, tzinfo=NEW_YORK)]
    assert "Scorecard review" in str(meeting["description"])


def test_a_campaign_without_launch_has_no_dates(example) -> None:  # type: ignore[no-untyped-def]
    pb = copy.deepcopy(example)
    guide = pb.campaigns["benchmark_guide"]
    pb.campaigns["benchmark_guide"] = guide.model_copy(update={"launch": None})
    assert calendars.campaign_entries(pb, "benchmark_guide") == []
    assert events(calendars.ics(calendars.campaign_calendar(pb, "benchmark_guide"))) == {}


def test_month_view_spans_every_campaign(example) -> None:  # type: ignore[no-untyped-def]
    months = calendars.months(example, calendars.all_entries(example))
    assert [m.title for m in months] == ["October 2026", "November 2026", "December 2026",
                                         "January 2027", "February 2027"]
    november = months[1]
    assert all(len(week) == 7 and week[0].day.weekday() == 0 for week in november.weeks)
    thanksgiving = next(d for w in november.weeks for d in w if d.day == date(2026, 11, 26))
    assert thanksgiving.holiday and not thanksgiving.business
    kinds = {e.kind for m in months for e in m.entries}
    assert kinds == {"deadline", "preview", "launch", "event", "step", "send"}
    assert sum(len(m.entries) for m in months) == len(calendars.all_entries(example))


def test_site_publishes_and_links_the_calendars(example, example_site: Path) -> None:  # type: ignore[no-untyped-def]
    site = example_site
    found = events((site / "calendars" / "retention_webinar.ics").read_bytes())
    assert found["retention_webinar-step-webinar"].start.hour == 11
    assert events((site / "calendars" / "revenue-meeting.ics").read_bytes())
    campaign = (site / "campaigns" / "retention_webinar" / "index.html").read_text()
    assert 'href="../../calendars/retention_webinar.ics"' in campaign
    meeting = (site / "meeting" / "index.html").read_text()
    assert 'href="../calendars/revenue-meeting.ics"' in meeting
    page = (site / "calendar" / "index.html").read_text()
    months = calendars.months(example, calendars.all_entries(example))
    assert page.count('<table class="pb-month"') == len([m for m in months if m.weeks]) > 1
    assert "Thu 26 Nov · holiday" in page
    assert 'href="../campaigns/retention_webinar/">Run the webinar</a> 11:00 EST' in page
