"""The data of the Today page: what each role does on a given date, computed in the reader's
browser from the playbook's business calendar.

The site is static and the date changes every day, so the page carries the calendar (time
zone, business weekdays, holidays) and the rules that put work on a date, and
`playbook.js` works out today in the SLA's time zone. The rules:

- `touches`: a cadence or stage touch on business day N is due today for the leads (or
  deals) that came in N business days before today;
- `dated`: campaign steps and sends on their own dates;
- `weekly`: the revenue meeting on its weekday (holidays excepted, as its calendar file);
- `hygiene`: a deal with no activity for a stage's warn or act limit reaches it today if
  its last activity was that many (business or calendar) days ago.

Plain data: links are URLs relative to the Today page, made by the caller's `url`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..definitions.businesstime import Calendar
from ..definitions.model import WEEKDAYS, Playbook
from ..definitions.presentation import HYGIENE_ACTIONS, hygiene_action, process_segments
from ..definitions.segments import value_for
from ..exports.calendars import KIND_TITLES, all_entries

PAGE = "today.md"


def today_data(pb: Playbook, url: Callable[[str], str],
               template_names: Mapping[str, str]) -> dict[str, Any]:
    """Everything the Today page needs, as JSON-ready data (`url`: a docs path, with an
    optional #anchor, to a URL from the Today page; `template_names`: each template's name
    by id)."""
    calendar = Calendar.of(pb)

    def link(target: str) -> str:
        path, _, anchor = target.partition("#")
        return url(path) + (f"#{anchor}" if anchor else "")

    touches: list[dict[str, Any]] = []
    for cid, cadence in pb.cadences.items():
        for step in cadence.steps:
            touches.append(_touch(template_names, step.owner or cadence.owner, step, "lead",
                                  cadence.name, link(f"sla.md#cadence-{cid}"), link))
    for sid, stage in pb.stages.items():
        for point in stage.touchpoints:
            touches.append(_touch(template_names, point.owner or stage.owner, point, "deal",
                                  stage.name, link(f"stages/{sid}.md#agenda"), link))

    dated: list[dict[str, Any]] = []
    for entry in all_entries(pb):
        campaign = pb.campaigns[entry.campaign_id]
        owner = entry.owner or campaign.owner
        target = f"campaigns/{entry.campaign_id}.md"
        if entry.kind == "send":
            email = campaign.emails[int(entry.key.split("-")[1]) - 1]
            if email.template in pb.templates:
                target = f"emails/{email.template}.md"
        dated.append({"roles": [owner] if owner in pb.roles else [],
                      "date": entry.day.isoformat(),
                      "time": entry.start.strftime("%H:%M") if entry.start else "",
                      "kind": KIND_TITLES[entry.kind], "text": entry.title,
                      "where": entry.campaign, "link": link(target)})

    weekly: list[dict[str, Any]] = []
    if pb.meeting is not None:
        meeting = pb.meeting
        weekly.append({"roles": [meeting.chair, *meeting.attendees],
                       "weekday": WEEKDAYS.index(meeting.day), "time": meeting.time,
                       "text": meeting.name, "link": link("meeting.md")})

    hygiene: list[dict[str, Any]] = []
    for pid, process in pb.processes.items():
        for sid, stage in process.stages.items():
            rule = stage.hygiene
            if rule is None:
                continue
            segments = process_segments(pb, process)
            by_segment = isinstance(rule.warn_after, dict) or isinstance(rule.act_after, dict)
            for seg in segments if by_segment and segments else [None]:
                for level, value in (("warn", rule.warn_after), ("act", rule.act_after)):
                    count = value_for(value, seg)
                    if count is None:
                        continue
                    hygiene.append({
                        "role": stage.owner or "", "process": pid, "stage": stage.name,
                        "segment": pb.segments[seg].name if seg in pb.segments else "",
                        "days": int(count), "business": rule.days == "business",
                        "level": level, "action": _hygiene_words(pb, process, rule, level),
                        "link": link(f"stages/{sid}.md#deal-hygiene")})

    roles = [{"id": rid, "name": role.name} for rid, role in pb.roles.items()
             if any(t["role"] == rid for t in touches)
             or any(rid in d["roles"] for d in dated + weekly)
             or any(h["role"] == rid for h in hygiene)]
    return {
        # None: the playbook states no time zone, and the reader's own is used
        "timezone": pb.timezone,
        "workdays": sorted(calendar.workdays),
        "holidays": sorted(day.isoformat() for day in calendar.holidays),
        "roles": roles, "touches": touches, "dated": dated, "weekly": weekly,
        "hygiene": hygiene,
        # in the order the touches name them: a set's order changes between runs
        "scheduleLinks": {rid: link(f"my-day/{rid}.md") for rid in
                          dict.fromkeys(t["role"] for t in touches)},
    }


def _touch(template_names: Mapping[str, str], owner: str | None, touch: Any, kind: str,
           where: str, where_link: str, link: Callable[[str], str]) -> dict[str, Any]:
    name = template_names.get(touch.template or "")
    return {"role": owner or "", "day": touch.day, "kind": kind,
            "channel": touch.channel, "text": touch.purpose or touch.channel.capitalize(),
            "template": name or "",
            "templateLink": link(f"emails/{touch.template}.md") if name else "",
            "where": where, "whereLink": where_link}


def _hygiene_words(pb: Playbook, process: Any, rule: Any, level: str) -> str:
    if level == "warn":
        return "warn the owner: no activity"
    if rule.action is None:
        return "the limit: no activity"
    return hygiene_action(pb, process, rule) or HYGIENE_ACTIONS[rule.action]


def has_work(pb: Playbook) -> bool:
    """Whether Today has anything to list for any role: a touch, a campaign step or send, a
    meeting or a stale-deal limit whose owner is a role of the playbook."""
    if not pb.roles:
        return False
    owners = {step.owner or cadence.owner for cadence in pb.cadences.values()
              for step in cadence.steps}
    owners |= {point.owner or stage.owner for stage in pb.stages.values()
               for point in stage.touchpoints}
    owners |= {stage.owner for stage in pb.stages.values() if stage.hygiene}
    owners |= {campaign.owner for campaign in pb.campaigns.values() if campaign.launch}
    if pb.meeting is not None:
        owners |= {pb.meeting.chair, *pb.meeting.attendees}
    return any(owner in pb.roles for owner in owners)
