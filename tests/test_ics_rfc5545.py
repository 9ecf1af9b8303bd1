"""The .ics files by RFC 5545's rules, read back by two independent parsers: `icalendar`
and `ics` (whose time zones are dateutil's `tzical`): a VTIMEZONE that covers every
occurrence of the meeting that repeats for ever, lines folded at 75 octets, text escaped,
and UID/SEQUENCE/DTSTAMP that let a calendar app update the events it imported before."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
from helpers import EXAMPLE, MINIMAL

from revenue_playbook.cli import main


def export(defs: Path, out: Path) -> Path:
    assert main(["export", "ics", str(defs), "--out", str(out), "--force"]) == 0
    return out


def defs_in(tmp_path: Path, zone: str) -> Path:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sla = defs / "sla.yaml"
    sla.write_text(sla.read_text().replace("timezone: Europe/Berlin", f"timezone: {zone}"))
    return defs


def offsets(text: str, zone: str, moments: list[datetime]) -> dict[str, list[timedelta]]:
    """Each parser's UTC offset at `moments`, from the file's own VTIMEZONE only."""
    by_icalendar = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    vtz = next(tz for tz in by_icalendar if str(tz["tzid"]) == zone).to_tz()
    by_ics = ics.Calendar(text)._timezones[zone]  # dateutil.tz.tzical's zone
    return {"icalendar": [vtz.utcoffset(m) for m in moments],
            "ics": [by_ics.utcoffset(m) for m in moments]}


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Australia/Sydney",
                                  "Asia/Tokyo", "Asia/Jerusalem"])
def test_the_weekly_meetings_time_zone_covers_every_occurrence(zone, tmp_path) -> None:
    out = export(defs_in(tmp_path, zone), tmp_path / "ics")
    text = (out / "revenue-meeting.ics").read_text()
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert "UNTIL" not in event["rrule"] and "COUNT" not in event["rrule"]  # for ever
    start = event.decoded("dtstart")
    # the meeting in January and in July of years up to the end of the plannable calendar
    moments = [datetime.combine(date(year, month, 1), start.time())
               for year in (start.year + 1, 2033, 2040, 2075, 2120, 2199) for month in (1, 7)]
    truth = [ZoneInfo(zone).utcoffset(m) for m in moments]
    for parser, found in offsets(text, zone, moments).items():
        assert found == truth, parser


def test_timezone_rules_come_as_yearly_rules_not_lists(tmp_path) -> None:
    text = (export(EXAMPLE, tmp_path / "ics") / "revenue-meeting.ics").read_text()
    (tz,) = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    rules = {part.name: part["rrule"] for part in tz.subcomponents}
    assert rules["DAYLIGHT"]["BYMONTH"] == [3] and rules["DAYLIGHT"]["BYDAY"] == ["2SU"]
    assert rules["STANDARD"]["BYMONTH"] == [11] and rules["STANDARD"]["BYDAY"] == ["1SU"]


def test_lines_are_folded_at_75_octets_and_text_escaped(tmp_path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    path = next(p for p in (defs / "campaigns").glob("*.yaml"))
    text = path.read_text()
    name = "Überprüfung, Planung; Häkchen \\ ✓ " + "Ä" * 60
    first_step_name = next(line for line in text.splitlines() if line.strip().startswith(
        "name:") and line.startswith("    "))
    path.write_text(text.replace(first_step_name, f"    name: '{name}'", 1))
    out = export(defs, tmp_path / "ics")
    raw = (out / f"{path.stem}.ics").read_bytes()
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line  # RFC 5545 3.1
        line.decode("utf-8")  # never split inside a character
    parsed = icalendar.Calendar.from_ical(raw)
    assert any(name in str(e["summary"]) for e in parsed.walk("VEVENT"))
    assert any(name in e.name for e in ics.Calendar(raw.decode("utf-8")).events)


def test_a_changed_definition_updates_the_same_events(tmp_path) -> None:
    """UIDs stay, SEQUENCE and DTSTAMP grow when a definition changes; an unchanged
    playbook writes the same bytes."""
    defs = tmp_path / "defs"
    shutil.copytree(EXAMPLE, defs)
    campaign = defs / "campaigns" / "retention_webinar.yaml"
    first = export(defs, tmp_path / "one") / "retention_webinar.ics"
    again = export(defs, tmp_path / "two") / "retention_webinar.ics"
    assert first.read_bytes() == again.read_bytes()
    campaign.write_text(campaign.read_text().replace(
        "name: Write the invitation and reminder emails and the recording email",
        "name: Write every email of the webinar"))
    later = datetime.now().timestamp() + 3600
    os.utime(campaign, (later, later))
    changed = export(defs, tmp_path / "three") / "retention_webinar.ics"

    def events(path: Path) -> dict[str, icalendar.Event]:
        return {str(e["uid"]): e for e in
                icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")}

    before, after = events(first), events(changed)
    assert set(before) == set(after)  # the same events, so an import updates them
    for uid, event in after.items():
        assert int(event["sequence"]) > int(before[uid]["sequence"]), uid
        assert event.decoded("dtstamp") > before[uid].decoded("dtstamp")
    assert any("Write every email" in str(e["summary"]) for e in after.values())
    by_ics = {e.uid: e for e in ics.Calendar(changed.read_text()).events}
    assert set(by_ics) == set(after)


def test_two_clones_of_one_commit_write_the_same_calendars(tmp_path, monkeypatch) -> None:
    """A clone's files are as new as the clone; under SOURCE_DATE_EPOCH (the last commit's
    date, which `playbook build` sets) the calendars do not depend on when it was made."""
    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(EXAMPLE, one)
    shutil.copytree(EXAMPLE, two)
    later = datetime.now().timestamp() + 7200
    for path in two.rglob("*.yaml"):
        os.utime(path, (later, later))
    unclamped = [export(d, tmp_path / f"plain-{d.name}") / "retention_webinar.ics"
                 for d in (one, two)]
    assert unclamped[0].read_bytes() != unclamped[1].read_bytes()  # the mtimes do count
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    clamped = [export(d, tmp_path / f"epoch-{d.name}") / "retention_webinar.ics"
               for d in (one, two)]
    assert clamped[0].read_bytes() == clamped[1].read_bytes()
    assert b"LAST-MODIFIED:20231114T221320Z" in clamped[0].read_bytes()


def test_every_meeting_occurrence_is_on_the_meeting_day_in_local_time(tmp_path) -> None:
    out = export(EXAMPLE, tmp_path / "ics")
    (event,) = icalendar.Calendar.from_ical(
        (out / "revenue-meeting.ics").read_bytes()).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and start.time() == time(10, 0)
