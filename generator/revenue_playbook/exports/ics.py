"""Calendars: each campaign's dates and the weekly revenue meeting as .ics files, made by the
one calendar module (`calendars.py`) the site's calendar page uses too."""

from __future__ import annotations

from ..definitions.model import Playbook
from . import calendars
from .base import Output, Problem, at


def export(playbook: Playbook) -> Output:
    out = Output()
    for cid, campaign in playbook.campaigns.items():
        if campaign.launch is None:
            out.warnings.append(Problem(
                f"campaign '{cid}' has no launch date, so it has no calendar",
                at(campaign, key=True), "Set `launch:` to put its steps in a calendar."))
            continue
        out.files[f"{cid}.ics"] = calendars.campaign_ics(playbook, cid)
    if playbook.meeting is not None:
        out.files["revenue-meeting.ics"] = calendars.ics(calendars.meeting_calendar(playbook))
    return out


def applies(playbook: Playbook) -> bool:
    return playbook.meeting is not None or any(c.launch for c in playbook.campaigns.values())
