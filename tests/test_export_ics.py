"""`playbook export ics`: the calendar module's files, read back with icalendar."""

from __future__ import annotations

from datetime import date

import icalendar
from helpers import EXAMPLE

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main


def test_every_campaign_and_the_meeting_as_calendars(tmp_path) -> None:
    playbook = validate(EXAMPLE).playbook
    out = tmp_path / "ics"
    assert main(["export", "ics", str(EXAMPLE), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{cid}.ics" for cid, c in playbook.campaigns.items() if c.launch]
        + ["revenue-meeting.ics", ".playbook-manifest.json"])  # the list of what was written
    webinar = icalendar.Calendar.from_ical((out / "retention_webinar.ics").read_bytes())
    events = {str(e["summary"]): e for e in webinar.walk("VEVENT")}
    campaign = playbook.campaigns["retention_webinar"]
    for step in campaign.steps.values():
        assert any(step.name in summary for summary in events), step.name
    launch = next(e for s, e in events.items() if "Send the invitation" in s)
    start = launch.decoded("dtstart")
    assert (start.date() if hasattr(start, "date") else start) == campaign.launch
    meeting = icalendar.Calendar.from_ical((out / "revenue-meeting.ics").read_bytes())
    (event,) = meeting.walk("VEVENT")
    assert event["rrule"]["FREQ"] == ["WEEKLY"]
    assert isinstance(event.decoded("dtstart").date(), date)
