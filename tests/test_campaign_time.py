"""One answer to "when does this step happen" (`campaign_time`): the calendar file, the
Trello board and the Asana import of a campaign say the same day, time and time zone."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from helpers import EXAMPLE

from revenue_playbook.cli import main

BERLIN = ZoneInfo("Europe/Berlin")


def _berlin_webinar(parent: Path) -> Path:
    """The example, its webinar campaign run from Berlin (its own `timezone:`)."""
    defs = parent / "process_defs"
    shutil.copytree(EXAMPLE, defs)
    campaign = defs / "campaigns" / "retention_webinar.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "timezone: Europe/Berlin\n",
                        encoding="utf-8")
    return defs


def _exported(defs: Path, target: str, out: Path) -> Path:
    assert main(["export", target, str(defs), "--out", str(out)]) == 0
    return out


def test_ics_trello_and_asana_say_the_same_moment_for_every_step(tmp_path: Path) -> None:
    defs = _berlin_webinar(tmp_path)
    ics = _exported(defs, "ics", tmp_path / "ics") / "retention_webinar.ics"
    board = json.loads((_exported(defs, "trello", tmp_path / "trello")
                        / "retention_webinar.json").read_text(encoding="utf-8"))
    with (_exported(defs, "asana", tmp_path / "asana") / "retention_webinar.csv").open(
            newline="", encoding="utf-8") as handle:
        asana = {row["Name"]: row for row in csv.DictReader(handle)}
    cards = {card["name"]: card for card in board["cards"]}
    prefix = "Webinar: features that keep customers: "
    steps = {}
    for event in icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT"):
        if "-step-" in str(event["uid"]):
            steps[str(event["summary"]).removeprefix(prefix)] = event["dtstart"].dt
    assert set(steps) == set(cards) == set(asana) and len(steps) > 4

    # the webinar at 11:00 in Berlin, as the campaign says, in every export
    webinar = steps["Run the webinar"]
    assert (webinar.time(), webinar.tzinfo) == (time(11, 0), BERLIN)
    trello_due = datetime.fromisoformat(cards["Run the webinar"]["due"])
    assert trello_due == webinar and trello_due.tzinfo == UTC
    assert "at 11:00 CET" in asana["Run the webinar"]["Description"]
    assert "at 11:00 CET" in cards["Run the webinar"]["desc"]

    for name, start in steps.items():
        day = start.date() if isinstance(start, datetime) else start
        assert asana[name]["Due Date"] == day.strftime("%m/%d/%Y"), name
        due = datetime.fromisoformat(cards[name]["due"]).astimezone(BERLIN)
        assert due.date() == day, name
        if not isinstance(start, datetime):  # a due date: the end of that business day there
            assert isinstance(start, date) and due.time() == time(17, 30), name
