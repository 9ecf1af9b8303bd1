"""The neutral schema: five tables every CRM export is read into (and that a team can write
itself, as CSV or Parquet). Vendor exports are mapped onto it in `sources.py`; the measures
(`engine.py`) read only these tables.

Timestamps are ISO 8601 (`2026-11-02T14:05:00Z`, `2026-11-02 09:05`, a date alone is its
midnight); one without an offset is a time in the SLA's business-hours time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

# how a column is read: an id or text as it is, a timestamp, a number, a lifecycle or sales
# stage (mapped through the playbook's CRM values), a channel, a tier or a segment id
KINDS = ("id", "text", "timestamp", "number", "lifecycle", "stage", "channel", "tier",
         "segment")
CHANNELS = ("email", "call", "meeting", "social", "event")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool
    doc: str
    read: bool = True  # False: no measure needs it, so it is not read (5,000,000 activities)


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("leads", "One row per lead (or contact).", (
        Column("lead_id", "id", True, "The lead's id in the CRM."),
        Column("created_at", "timestamp", True, "When the lead was created."),
        Column("tier", "tier", False, "The SLA tier id (`demo_request`...): which response "
               "time and cadence apply."),
        Column("segment", "segment", False, "The segment id, for values given per segment."),
        Column("owner", "text", False, "The owner (a rep's id or name)."),
        Column("campaign", "text", False, "The campaign id the lead came from."),
        Column("deal_id", "id", False, "The deal the lead was converted into (or give "
               "`lead_id` on the deal)."),
    )),
    Table("lead_events", "A lead entering a lifecycle stage.", (
        Column("lead_id", "id", True, "The lead."),
        Column("stage", "lifecycle", True, "The lifecycle stage: its id, CRM value or name."),
        Column("entered_at", "timestamp", True, "When the lead entered it."),
    )),
    Table("deals", "One row per deal (opportunity).", (
        Column("deal_id", "id", True, "The deal's id in the CRM."),
        Column("created_at", "timestamp", True, "When the deal was created."),
        Column("stage", "stage", True, "Its stage now: the stage id, CRM value or name."),
        Column("amount", "number", False, "The deal's amount."),
        Column("closed_at", "timestamp", False, "When it closed (won or lost)."),
        Column("name", "text", False, "The deal's name (shown only with record-level "
               "output turned on)."),
        Column("owner", "text", False, "The owner."),
        Column("segment", "segment", False, "The segment id."),
        Column("lead_id", "id", False, "The lead it came from."),
        Column("campaign", "text", False, "The campaign id it came from."),
    )),
    Table("deal_stages", "A deal entering a sales stage.", (
        Column("deal_id", "id", True, "The deal."),
        Column("stage", "stage", True, "The stage entered."),
        Column("entered_at", "timestamp", True, "When the deal entered it."),
    )),
    Table("activities", "A touch: an email, call, meeting or social touch with a lead or "
          "on a deal.", (
        Column("done_at", "timestamp", True, "When it was made."),
        Column("lead_id", "id", False, "The lead touched (give it or `deal_id`)."),
        Column("deal_id", "id", False, "The deal it was about."),
        Column("channel", "channel", False, "email, call, meeting, social or event "
               "(anything else counts as a touch of another kind)."),
        Column("owner", "text", False, "Who made it (not read yet).", read=False),
        Column("activity_id", "id", False, "The activity's id (not read yet).", read=False),
    )),
)}
