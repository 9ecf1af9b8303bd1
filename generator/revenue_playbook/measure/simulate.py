"""A CRM's exports simulated from any playbook, seeded: leads arrive in business hours,
reps touch them on cadence (or late, or not at all), leads move along the lifecycle, and
deals move through the stages of their process with durations around the declared ones,
losses and wins at rates near the declared probabilities, and some left stale.

Written as the neutral schema (CSV or Parquet), as Salesforce Data Loader CSVs or as
HubSpot exports, so that `playbook measure` is tested on each vendor's shape. With
`comply=True` every lead is touched inside its tier's response time and on every step of
its cadence, and no deal is left past a hygiene limit.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..definitions.businesstime import Calendar
from ..definitions.model import Playbook, SalesProcess
from ..definitions.segments import value_for
from ..exports.crm import converted_stage, lead_statuses, stage_value
from .load import _lit

SHAPES = ("neutral", "salesforce", "hubspot")


@dataclass
class Options:
    leads: int = 500
    start: date = date(2026, 6, 1)
    days: int = 120  # leads arrive over this many calendar days from `start`
    seed: int = 1
    comply: bool = False
    late: float = 0.15  # share of leads first touched after the response time
    skipped: float = 0.2  # share of cadence steps not made
    stale: float = 0.2  # share of open deals without activity since they entered their stage


@dataclass
class Records:
    leads: list[tuple[str, datetime, str | None, str | None, str, str | None]] = \
        field(default_factory=list)
    lead_events: list[tuple[str, str, datetime]] = field(default_factory=list)
    deals: list[tuple[str, datetime, str, float, datetime | None, str, str, str | None,
                      str | None, str | None]] = field(default_factory=list)
    deal_stages: list[tuple[str, str, datetime]] = field(default_factory=list)
    activities: list[tuple[datetime, str | None, str | None, str, str, str]] = \
        field(default_factory=list)


def add_business(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` business minutes after `start` (local time)."""
    day = start.date()
    used = calendar.minute_of_day(start)
    left = minutes
    while True:
        if calendar.is_business_day(day):
            room = calendar.day_minutes - used
            if left <= room:
                clock = calendar.start_minute + used + left
                return datetime.combine(day, time()) + timedelta(minutes=clock)
            left -= room
        day += timedelta(days=1)
        used = 0


def main_path(playbook: Playbook) -> list[str]:
    """The lifecycle stages a lead passes on its way to customer: from the first stage no
    other leads to, each stage's first `next`."""
    stages = playbook.lifecycle
    targets = {n for s in stages.values() for n in s.next}
    current = next((sid for sid in stages if sid not in targets), next(iter(stages), None))
    path: list[str] = []
    while current is not None and current in stages and current not in path:
        path.append(current)
        current = stages[current].next[0] if stages[current].next else None
    return path


def _process_for(playbook: Playbook, segment: str | None) -> tuple[str, SalesProcess] | None:
    for pid, process in playbook.processes.items():
        if not process.segments or segment in process.segments:
            return pid, process
    return next(iter(playbook.processes.items()), None)


def simulate(playbook: Playbook, options: Options) -> Records:
    rng = random.Random(options.seed)
    calendar = Calendar.of(playbook)
    records = Records()
    sla = playbook.sla
    tiers = list(sla.tiers) if sla else []
    segments = list(playbook.segments)
    path = main_path(playbook)
    mql = playbook.qualified_point("marketing") or (path[1] if len(path) > 1 else None)
    start_at = path.index(mql) if mql in path else 0
    converted = converted_stage(playbook)
    won_stage = None
    if converted and playbook.lifecycle[converted].next:
        won_stage = playbook.lifecycle[converted].next[0]
    roles = ["rep_a", "rep_b", "rep_c"]
    activity_ids = iter(range(1, 1 << 62))
    deal_number = 0
    for n in range(options.leads):
        lead_id = f"L{n + 1:07d}"
        day = options.start + timedelta(days=rng.randrange(options.days))
        while not calendar.is_business_day(day):
            day += timedelta(days=1)
        minute = rng.randrange(max(calendar.day_minutes, 1))
        created = datetime.combine(day, time()) + timedelta(
            minutes=calendar.start_minute + minute)
        tier = rng.choice(tiers) if tiers else None
        segment = rng.choice(segments) if segments else None
        owner = rng.choice(roles)
        campaign = rng.choice([*playbook.campaigns, None]) if playbook.campaigns else None
        records.leads.append((lead_id, created, tier, segment, owner, campaign))
        if start_at > 0:
            records.lead_events.append((lead_id, path[start_at - 1], created))
        if mql is None:
            continue
        qualified_at = created + timedelta(seconds=rng.randrange(60, 600))
        records.lead_events.append((lead_id, mql, qualified_at))
        touches: list[datetime] = []
        if sla and tier:
            response = calendar.minutes(str(value_for(sla.tiers[tier].response_time, segment)))
            cadence_id = value_for(sla.tiers[tier].cadence, segment)
            cadence = playbook.cadences.get(cadence_id) if cadence_id else None
            late = not options.comply and rng.random() < options.late
            first = (response * (1.2 + rng.random()) if late
                     else response * (0.05 + 0.9 * rng.random()))
            first_at = add_business(calendar, qualified_at, first)
            for i, step in enumerate(cadence.steps if cadence else []):
                if i and not options.comply and rng.random() < options.skipped:
                    continue
                if i == 0 or step.day == 0:
                    at = first_at + timedelta(minutes=i)
                else:
                    at = add_business(calendar, datetime.combine(
                        calendar.add_days(qualified_at.date(), step.day), time()),
                        rng.randrange(max(calendar.day_minutes - 1, 1)))
                touches.append(at)
                records.activities.append((at, lead_id, None, step.channel, owner,
                                           f"A{next(activity_ids)}"))
        moment = touches[0] if touches else qualified_at
        for sid in path[start_at + 1:]:
            if rng.random() > (0.55 if sid != converted else 0.6):
                break
            moment = moment + timedelta(days=rng.randrange(1, 12), minutes=rng.randrange(600))
            records.lead_events.append((lead_id, sid, moment))
            if sid == converted:
                deal_number += 1
                won = _deal(playbook, records, rng, calendar, options, f"D{deal_number:07d}",
                            lead_id, moment, segment, owner, campaign, activity_ids)
                if won is not None and won_stage:
                    records.lead_events.append((lead_id, won_stage, won))
                break
    return records


def _deal(playbook: Playbook, records: Records, rng: random.Random, calendar: Calendar,
          options: Options, deal_id: str, lead_id: str, opened: datetime,
          segment: str | None, owner: str, campaign: str | None,
          ids: Iterator[int]) -> datetime | None:
    """A deal through its process; the moment it was won, or None."""
    found = _process_for(playbook, segment)
    if found is None:
        return None
    _, process = found
    end = datetime.combine(options.start + timedelta(days=options.days + 30), time(12))
    won_ids = [sid for sid, s in process.stages.items() if playbook.counts_as(s.outcome) == "won"]
    lost_ids = [sid for sid, s in process.stages.items()
                if playbook.counts_as(s.outcome) == "lost"]
    current = process.entry_stage()
    at = opened
    amount = float(rng.choice([12000, 24000, 36000, 48000, 90000, 150000]))
    closed_at: datetime | None = None
    won: datetime | None = None
    visited: set[str] = set()
    while current is not None and current not in visited:
        visited.add(current)
        stage = process.stages[current]
        records.deal_stages.append((deal_id, current, at))
        if stage.outcome:
            closed_at = at
            if playbook.counts_as(stage.outcome) == "won":
                won = at
            break
        typical = value_for(stage.duration_days, segment) or 5
        stay = max(1, round(typical * rng.uniform(0.5, 1.6)))
        leave = datetime.combine(calendar.add_days(at.date(), stay), at.time())
        hygiene = stage.hygiene
        limit = value_for(hygiene.warn_after, segment) if hygiene and hygiene.warn_after \
            else None
        if leave > end:  # still open at the end of the data
            stale = not options.comply and rng.random() < options.stale
            if not stale:
                last = end - timedelta(days=1)
                if limit:
                    last = max(at, end - timedelta(days=max(int(limit) // 3, 1)))
                records.activities.append((max(last, at), None, deal_id, "email", owner,
                                           f"A{next(ids)}"))
            break
        for touch in stage.touchpoints:
            if touch.day < stay:
                records.activities.append((datetime.combine(
                    calendar.add_days(at.date(), touch.day), at.time()), None, deal_id,
                    touch.channel, owner, f"A{next(ids)}"))
        declared = value_for(stage.probability, segment)
        successors = process.successors(current)
        lose = rng.random() < (0.25 if declared is None else (1 - declared / 100) * 0.35)
        nxt = ([s for s in successors if s in lost_ids] or lost_ids[:1]) if lose else \
            [s for s in successors if s not in lost_ids and
             playbook.counts_as(process.stages[s].outcome) in (None, "won")]
        current = nxt[0] if nxt else (won_ids[0] if won_ids else None)
        at = leave
    final = records.deal_stages[-1][1]
    records.deals.append((deal_id, opened, final, amount, closed_at, f"Deal {deal_id}",
                          owner, segment, lead_id, campaign))
    return won


# ------------------------------------------------------------------------------ writing


def write(playbook: Playbook, records: Records, folder: Path, shape: str = "neutral",
          parquet: bool = False) -> list[Path]:
    """Write the records into `folder` in `shape` (neutral, salesforce or hubspot)."""
    folder.mkdir(parents=True, exist_ok=True)
    tz = ZoneInfo(playbook.timezone or "UTC")
    if shape == "neutral":
        files = _neutral(records, folder)
    elif shape == "salesforce":
        files = _salesforce(playbook, records, folder, tz)
    elif shape == "hubspot":
        files = _hubspot(playbook, records, folder, tz)
    else:
        raise ValueError(f"unknown shape {shape!r}: {', '.join(SHAPES)}")
    if parquet:
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET TimeZone = '{tz.key}'")
        converted = []
        for path in files:
            target = path.with_suffix(".parquet")
            con.execute(f"COPY (SELECT * FROM read_csv({_lit(str(path))}, header = true)) "
                        f"TO {_lit(str(target))} (FORMAT parquet)")
            path.unlink()
            converted.append(target)
        files = converted
    return files


def _csv(path: Path, header: list[str], rows: object) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)  # type: ignore[arg-type]
    return path


def _local(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _neutral(records: Records, folder: Path) -> list[Path]:
    return [
        _csv(folder / "leads.csv", ["lead_id", "created_at", "tier", "segment", "owner",
                                    "campaign"],
             ((i, _local(c), t or "", s or "", o, k or "") for i, c, t, s, o, k in records.leads)),
        _csv(folder / "lead_events.csv", ["lead_id", "stage", "entered_at"],
             ((i, s, _local(a)) for i, s, a in records.lead_events)),
        _csv(folder / "deals.csv", ["deal_id", "created_at", "stage", "amount", "closed_at",
                                    "name", "owner", "segment", "lead_id", "campaign"],
             ((d, _local(c), s, f"{a:.2f}", _local(x), n, o, g or "", li or "", k or "")
              for d, c, s, a, x, n, o, g, li, k in records.deals)),
        _csv(folder / "deal_stages.csv", ["deal_id", "stage", "entered_at"],
             ((d, s, _local(a)) for d, s, a in records.deal_stages)),
        _csv(folder / "activities.csv", ["done_at", "lead_id", "deal_id", "channel", "owner",
                                         "activity_id"],
             ((_local(a), li or "", d or "", c, o, i)
              for a, li, d, c, o, i in records.activities)),
    ]


def _utc(moment: datetime | None, tz: ZoneInfo, millis: bool = True) -> str:
    if moment is None:
        return ""
    value = moment.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z" if millis else "%Y-%m-%dT%H:%M:%SZ")


def _sf_id(prefix: str, key: str) -> str:
    """An 18-character Salesforce id with the object's key prefix."""
    digits = "".join(ch for ch in key if ch.isdigit())
    return prefix + digits.rjust(15, "0")


def _salesforce(playbook: Playbook, records: Records, folder: Path,
                tz: ZoneInfo) -> list[Path]:
    # a lead's status until it is converted; what follows is the opportunity's
    status = {s.id: (s.stage.crm_stage or s.stage.name) for s in lead_statuses(playbook)}
    converted = converted_stage(playbook)
    conversion = {li: a for li, s, a in records.lead_events if s == converted}
    deal_of = {d[8]: d[0] for d in records.deals if d[8]}
    history = []
    last: dict[str, str] = {}
    for n, (li, sid, at) in enumerate(sorted(records.lead_events, key=lambda r: (r[0], r[2]))):
        if sid not in status:
            continue
        history.append((_sf_id("017", f"{n}"), _sf_id("00Q", li), "Status", last.get(li, ""),
                        status[sid], _utc(at, tz)))
        last[li] = status[sid]
    leads = [(_sf_id("00Q", i), _utc(c, tz), last.get(i, ""), _sf_id("005", o), t or "",
              s or "", "true" if i in conversion else "false",
              conversion[i].date().isoformat() if i in conversion else "",
              _sf_id("006", deal_of[i]) if i in deal_of else "")
             for i, c, t, s, o, _ in records.leads]
    stages = playbook.stages
    opportunities = [(
        _sf_id("006", d), n, stage_value(stages[s]), f"{a:.2f}",
        (x or c).date().isoformat(), "true" if x else "false",
        "true" if x and playbook.counts_as(stages[s].outcome) == "won" else "false",
        _utc(c, tz), _sf_id("005", o), g or "")
        for d, c, s, a, x, n, o, g, _, _ in records.deals]
    opp_history = [(_sf_id("008", f"{n}"), _sf_id("006", d), stage_value(stages[s]),
                    _utc(a, tz)) for n, (d, s, a) in enumerate(records.deal_stages)]
    channel_subtype = {"email": "Email", "call": "Call", "social": "LinkedIn",
                       "meeting": "Task", "event": "Task"}
    tasks = [(_sf_id("00T", i), _sf_id("00Q", li) if li else "", _sf_id("006", d) if d else "",
              f"{c.title()} touch", channel_subtype[c], "Completed", a.date().isoformat(),
              _utc(a, tz), _utc(a, tz), _sf_id("005", o))
             for a, li, d, c, o, i in records.activities]
    return [
        _csv(folder / "Lead.csv", ["Id", "CreatedDate", "Status", "OwnerId", "Tier__c",
                                   "Segment__c", "IsConverted", "ConvertedDate",
                                   "ConvertedOpportunityId"], leads),
        _csv(folder / "LeadHistory.csv", ["Id", "LeadId", "Field", "OldValue", "NewValue",
                                          "CreatedDate"], history),
        _csv(folder / "Opportunity.csv", ["Id", "Name", "StageName", "Amount", "CloseDate",
                                          "IsClosed", "IsWon", "CreatedDate", "OwnerId",
                                          "Segment__c"], opportunities),
        _csv(folder / "OpportunityHistory.csv", ["Id", "OpportunityId", "StageName",
                                                 "CreatedDate"], opp_history),
        _csv(folder / "Task.csv", ["Id", "WhoId", "WhatId", "Subject", "TaskSubtype", "Status",
                                   "ActivityDate", "CreatedDate", "CompletedDateTime",
                                   "OwnerId"], tasks),
    ]


# HubSpot's default lifecycle stages have a property of their own for the date entered
HUBSPOT_DEFAULT_STAGES = ("subscriber", "lead", "marketingqualifiedlead",
                          "salesqualifiedlead", "opportunity", "customer", "evangelist",
                          "other")


def _hubspot(playbook: Playbook, records: Records, folder: Path,
             tz: ZoneInfo) -> list[Path]:
    lc = playbook.lifecycle
    value = {sid: stage.crm_stage or sid for sid, stage in lc.items()}

    def date_column(v: str) -> str:
        return (f"hs_lifecyclestage_{v}_date" if v in HUBSPOT_DEFAULT_STAGES
                else f"hs_v2_date_entered_{v}")

    entered: dict[str, dict[str, datetime]] = {}
    current: dict[str, str] = {}
    for li, sid, at in sorted(records.lead_events, key=lambda r: (r[0], r[2])):
        entered.setdefault(li, {}).setdefault(sid, at)
        current[li] = sid
    columns = [date_column(value[sid]) for sid in lc]
    contacts = [(i, _utc(c, tz, False), value.get(current.get(i, ""), ""), o, t or "", s or "",
                 *[_utc(entered.get(i, {}).get(sid), tz, False) for sid in lc])
                for i, c, t, s, o, _ in records.leads]
    deal_columns = [f"hs_v2_date_entered_{sid}" for sid in playbook.stages]
    deal_entered: dict[str, dict[str, datetime]] = {}
    for d, s, a in records.deal_stages:
        deal_entered.setdefault(d, {}).setdefault(s, a)
    deals = [(d, n, s, next(iter(playbook.processes), ""), f"{a:.2f}", _utc(c, tz, False),
              _utc(x, tz, False), "true" if x else "false", o, g or "",
              *[_utc(deal_entered.get(d, {}).get(sid), tz, False) for sid in playbook.stages])
             for d, c, s, a, x, n, o, g, _, _ in records.deals]
    files = [
        _csv(folder / "contacts.csv", ["hs_object_id", "createdate", "lifecyclestage",
                                       "hubspot_owner_id", "lead_tier", "segment", *columns],
             contacts),
        _csv(folder / "deals.csv", ["hs_object_id", "dealname", "dealstage", "pipeline",
                                    "amount", "createdate", "closedate", "hs_is_closed",
                                    "hubspot_owner_id", "segment", *deal_columns], deals),
    ]
    by_file = {"calls": ("call",), "emails": ("email",),
               "communications": ("social", "meeting", "event")}
    kind = {"call": "CALL", "email": "EMAIL", "social": "LINKEDIN_MESSAGE",
            "meeting": "MEETING", "event": "MEETING"}
    for stem, channels in by_file.items():
        rows = [(i, _utc(a, tz, False), o, li or "", d or "", kind[c])
                for a, li, d, c, o, i in records.activities if c in channels]
        files.append(_csv(folder / f"{stem}.csv", ["hs_object_id", "hs_timestamp",
                                                   "hubspot_owner_id", "contact_id",
                                                   "deal_id", "hs_engagement_type"], rows))
    return files
