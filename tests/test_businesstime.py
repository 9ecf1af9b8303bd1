"""Business time: durations in business hours, business days over weekends and holidays,
other working weeks, and moments in the SLA's time zone across daylight-saving changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from revenue_playbook.definitions.businesstime import DEFAULT_DAY_MINUTES, Calendar, clock_minutes
from revenue_playbook.definitions.campaign_time import Moment
from revenue_playbook.definitions.model import BusinessHours, Playbook

NEW_YORK = BusinessHours(timezone="America/New_York", start="09:00", end="17:30",
                         holidays=[date(2026, 11, 26), date(2026, 12, 25)])  # Thanksgiving


def test_clock_minutes():
    assert clock_minutes("00:00") == 0
    assert clock_minutes("09:30") == 570
    assert clock_minutes("23:59") == 1439


def test_without_an_sla_a_plain_working_week():
    calendar = Calendar.of(Playbook())
    assert calendar.day_minutes == DEFAULT_DAY_MINUTES == 480
    assert calendar.workdays == {0, 1, 2, 3, 4}
    assert calendar.minutes("1d") == 480


@pytest.mark.parametrize(("duration", "minutes"), [
    ("30m", 30), ("45min", 45), ("1h", 60), ("1.5h", 90), (" 2h ", 120), ("1d", 510),
    ("2d", 1020), ("0.5d", 255)])
def test_durations_in_business_minutes(duration, minutes):
    assert Calendar(NEW_YORK).minutes(duration) == minutes


@pytest.mark.parametrize("bad", ["", "1", "h", "1 week", "-1h", "1,5h", "2 days"])
def test_a_duration_that_is_not_one(bad):
    with pytest.raises(ValueError, match="not a duration"):
        Calendar(NEW_YORK).minutes(bad)


@pytest.mark.parametrize(("minutes", "words"), [
    (510, "1 business day"), (1020, "2 business days"), (60, "1 business hour"),
    (120, "2 business hours"), (90, "90 business minutes"), (600, "10 business hours"),
    (30.5, "30.5 business minutes")])
def test_described_the_way_a_rep_reads_it(minutes, words):
    assert Calendar(NEW_YORK).describe(minutes) == words


def test_weekends_and_holidays_are_not_business_days():
    calendar = Calendar(NEW_YORK)
    assert calendar.is_business_day(date(2026, 11, 25))  # Wednesday
    assert not calendar.is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert not calendar.is_business_day(date(2026, 11, 28))  # Saturday
    assert not calendar.is_business_day(date(2026, 11, 29))  # Sunday


def test_adding_business_days_skips_weekends_and_holidays():
    calendar = Calendar(NEW_YORK)
    wednesday = date(2026, 11, 25)
    assert calendar.add_days(wednesday, 0) == wednesday
    assert calendar.add_days(wednesday, 1) == date(2026, 11, 27)  # over Thanksgiving
    assert calendar.add_days(wednesday, 2) == date(2026, 11, 30)  # and the weekend
    assert calendar.add_days(date(2026, 11, 30), -2) == date(2026, 11, 25)
    assert calendar.add_days(date(2026, 12, 24), 1) == date(2026, 12, 28)  # Christmas
    # from a Saturday, day 1 is the Monday and day -1 the Friday before
    assert calendar.add_days(date(2026, 11, 28), 1) == date(2026, 11, 30)
    assert calendar.add_days(date(2026, 11, 28), -1) == date(2026, 11, 27)


def test_business_days_count_whatever_the_distance():
    calendar = Calendar(NEW_YORK)
    start = date(2026, 1, 5)  # a Monday
    end = calendar.add_days(start, 260)
    assert sum(calendar.is_business_day(start + timedelta(days=i))
               for i in range(1, (end - start).days + 1)) == 260
    assert calendar.add_days(end, -260) == start


def test_another_working_week():
    """A Sunday-to-Thursday week, as in much of the Middle East."""
    calendar = Calendar(BusinessHours(timezone="Asia/Dubai", days=["sun", "mon", "tue", "wed",
                                                                   "thu"]))
    thursday = date(2026, 11, 26)
    assert calendar.add_days(thursday, 1) == date(2026, 11, 29)  # the Sunday
    assert not calendar.is_business_day(date(2026, 11, 27))  # Friday
    assert calendar.day_minutes == 480  # 09:00 to 17:00 by default


def test_hours_that_end_before_they_start_count_nothing():
    calendar = Calendar(BusinessHours(timezone="UTC", start="18:00", end="09:00"))
    assert calendar.day_minutes == 0
    assert calendar.describe(calendar.minutes("2d")) == "0 business minutes"


def test_business_days_across_daylight_saving_changes():
    """Business days are dates: the spring-forward Sunday and fall-back Sunday in New York
    change no count, and a business day is as long before as after."""
    calendar = Calendar(NEW_YORK)
    assert calendar.add_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # DST starts 8 March
    assert calendar.add_days(date(2026, 10, 30), 1) == date(2026, 11, 2)  # ends 1 November
    assert calendar.minutes("1d") == 510


def test_a_moment_keeps_its_wall_clock_time_across_daylight_saving():
    """17:00 in New York is 22:00 UTC in winter and 21:00 UTC in summer: a step due at 17:00
    stays at 17:00 local time on both sides of the change."""
    before = Moment(date(2026, 3, 6), "17:00", "America/New_York")
    after = Moment(date(2026, 3, 9), "17:00", "America/New_York")
    assert before.at is not None and after.at is not None
    assert before.at.utcoffset() == timedelta(hours=-5)
    assert after.at.utcoffset() == timedelta(hours=-4)
    assert before.short() == "2026-03-06 17:00 EST"
    assert after.short() == "2026-03-09 17:00 EDT"
    berlin = Moment(date(2026, 10, 26), "09:00", "Europe/Berlin")  # after the fall back
    assert berlin.words() == "Monday 26 October 2026 at 09:00 CET"
    assert Moment(date(2026, 10, 23), "09:00", "Europe/Berlin").words("time") == "09:00 CEST"
