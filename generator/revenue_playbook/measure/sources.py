"""What each CRM export file is, and how its columns map onto the neutral schema.

A file is recognised by its name (without extension, any case) and its header:

- neutral (`schema.py`): `leads`, `lead_events`, `deals`, `deal_stages`, `activities`
  (CSV or Parquet), with the schema's column names;
- Salesforce, Data Loader or report CSV with API field names: `Lead`, `LeadHistory`,
  `Opportunity`, `OpportunityHistory` or `OpportunityFieldHistory`, `Task`, `Event`;
- HubSpot exports with internal property names (or the default labels of the key ones):
  `contacts` (with `hs_lifecyclestage_<stage>_date`, `hs_v2_date_entered_<stage>` or
  "Became a … Date" columns), `deals` (with `hs_v2_date_entered_<stage>`,
  `hs_date_entered_<stage>` or `Date entered "<stage> (<pipeline>)"` columns), and
  engagement exports `calls`, `emails`, `meetings`, `communications`, `engagements`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Col:
    """A neutral column read from the first of `names` the file has; with `coalesce`,
    from the first of them that holds a value on each row. `template` wraps the raw
    value in SQL ({} is the value), e.g. to keep only opportunity ids."""

    names: tuple[str, ...]
    template: str = "{}"
    coalesce: bool = False
    when: str | None = None  # the template applies when the file has this column


@dataclass(frozen=True)
class Ignore:
    """Rows whose `column` holds one of `values` are read but not used, for `reason`."""

    column: str
    values: tuple[str, ...]
    reason: str
    keep: bool = False  # True: rows with one of `values` are the ones used


@dataclass(frozen=True)
class Mapping:
    table: str
    columns: dict[str, Col]
    constants: dict[str, str] = field(default_factory=dict)  # neutral column -> SQL literal
    ignore: tuple[Ignore, ...] = ()


@dataclass(frozen=True)
class Wide:
    """Columns holding the date a record entered a stage, one column per stage: each
    non-empty cell is a row of `table` (`lead_events` or `deal_stages`)."""

    table: str
    key: Col
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Format:
    vendor: str
    name: str  # how the file's kind is named in messages
    rows: Mapping
    wide: tuple[Wide, ...] = ()
    needs: tuple[str, ...] = ()  # header names that identify the format


def _c(*names: str, template: str = "{}", coalesce: bool = False,
       when: str | None = None) -> Col:
    return Col(names, template, coalesce, when)


def _neutral(table: str, columns: tuple[str, ...]) -> Format:
    return Format("neutral", table, Mapping(table, {c: _c(c) for c in columns}))


NEUTRAL = {
    "leads": _neutral("leads", ("lead_id", "created_at", "tier", "segment", "owner",
                                "campaign", "deal_id")),
    "lead_events": _neutral("lead_events", ("lead_id", "stage", "entered_at")),
    "deals": _neutral("deals", ("deal_id", "created_at", "stage", "amount", "closed_at",
                                "name", "owner", "segment", "lead_id", "campaign")),
    "deal_stages": _neutral("deal_stages", ("deal_id", "stage", "entered_at")),
    "activities": _neutral("activities", ("done_at", "lead_id", "deal_id", "channel", "owner",
                                          "activity_id")),
}

# Salesforce record ids start with the object's key prefix: 00Q lead, 003 contact,
# 006 opportunity.
_OPPORTUNITY_ID = "CASE WHEN {0} LIKE '006%' THEN {0} END"
SEGMENT_FIELDS = ("Segment__c", "segment", "Segment")
TIER_FIELDS = ("Tier__c", "Lead_Tier__c", "lead_tier", "tier", "Tier")

SALESFORCE = {
    "lead": Format("salesforce", "Salesforce Lead", Mapping("leads", {
        "lead_id": _c("Id"), "created_at": _c("CreatedDate"), "owner": _c("OwnerId"),
        "tier": _c(*TIER_FIELDS), "segment": _c(*SEGMENT_FIELDS),
        "deal_id": _c("ConvertedOpportunityId")}), needs=("Id",)),
    "leadhistory": Format("salesforce", "Salesforce LeadHistory", Mapping("lead_events", {
        "lead_id": _c("LeadId"), "stage": _c("NewValue"), "entered_at": _c("CreatedDate")},
        ignore=(Ignore("Field", ("Status",), "a change of another field", keep=True),)),
        needs=("LeadId",)),
    "opportunity": Format("salesforce", "Salesforce Opportunity", Mapping("deals", {
        "deal_id": _c("Id"), "created_at": _c("CreatedDate"), "stage": _c("StageName"),
        "amount": _c("Amount"), "name": _c("Name"), "owner": _c("OwnerId"),
        "closed_at": _c("CloseDate", template="CASE WHEN lower(r.\"IsClosed\") IN ('true', "
                        "'1') THEN {} END", when="IsClosed"),
        "segment": _c(*SEGMENT_FIELDS), "campaign": _c("CampaignId")}),
        needs=("Id", "StageName")),
    "opportunityhistory": Format("salesforce", "Salesforce OpportunityHistory", Mapping(
        "deal_stages", {"deal_id": _c("OpportunityId"), "stage": _c("StageName"),
                        "entered_at": _c("CreatedDate")}), needs=("OpportunityId", "StageName")),
    "opportunityfieldhistory": Format("salesforce", "Salesforce OpportunityFieldHistory",
        Mapping("deal_stages", {"deal_id": _c("OpportunityId"), "stage": _c("NewValue"),
                                "entered_at": _c("CreatedDate")},
                ignore=(Ignore("Field", ("StageName",), "a change of another field",
                               keep=True),)),
        needs=("OpportunityId", "Field")),
    "task": Format("salesforce", "Salesforce Task", Mapping("activities", {
        "activity_id": _c("Id"), "lead_id": _c("WhoId"),
        "deal_id": _c("WhatId", template=_OPPORTUNITY_ID),
        "done_at": _c("CompletedDateTime", "CreatedDate", coalesce=True),
        "channel": _c("TaskSubtype", "Type", coalesce=True), "owner": _c("OwnerId")}),
        needs=("WhoId",)),
    "event": Format("salesforce", "Salesforce Event", Mapping("activities", {
        "activity_id": _c("Id"), "lead_id": _c("WhoId"),
        "deal_id": _c("WhatId", template=_OPPORTUNITY_ID),
        "done_at": _c("StartDateTime", "ActivityDateTime", "CreatedDate", coalesce=True),
        "owner": _c("OwnerId")}, constants={"channel": "'meeting'"}), needs=("WhoId",)),
}

_HS_ID = ("hs_object_id", "Record ID")
_LIFECYCLE_DATES = (re.compile(r"^hs_lifecyclestage_(?P<stage>.+)_date$"),
                    re.compile(r"^hs_v2_date_entered_(?P<stage>.+)$"),
                    re.compile(r"^Became an? (?P<stage>.+) Date$", re.IGNORECASE))
_DEAL_STAGE_DATES = (re.compile(r"^hs_v2_date_entered_(?P<stage>.+)$"),
                     re.compile(r"^hs_date_entered_(?P<stage>.+)$"),
                     re.compile(r'^Date entered "(?P<stage>.+?)(?: \([^()]*\))?"$'))
_ENGAGEMENT = Mapping("activities", {
    "activity_id": _c(*_HS_ID), "done_at": _c("hs_timestamp", "Activity date", "Activity Date"),
    "lead_id": _c("contact_id", "associated_contact_id", "Associated Contact IDs"),
    "deal_id": _c("deal_id", "associated_deal_id", "Associated Deal IDs"),
    "channel": _c("hs_engagement_type", "hs_activity_type", "Activity type", "Activity Type"),
    "owner": _c("hubspot_owner_id", "Activity assigned to")},
    ignore=(Ignore("hs_email_direction", ("INCOMING_EMAIL",), "an email from the prospect"),))

HUBSPOT = {
    "contacts": Format("hubspot", "HubSpot contacts", Mapping("leads", {
        "lead_id": _c(*_HS_ID), "created_at": _c("createdate", "Create Date"),
        "owner": _c("hubspot_owner_id", "Contact owner"), "tier": _c(*TIER_FIELDS),
        "segment": _c(*SEGMENT_FIELDS)}),
        wide=(Wide("lead_events", _c(*_HS_ID), _LIFECYCLE_DATES),)),
    "deals": Format("hubspot", "HubSpot deals", Mapping("deals", {
        "deal_id": _c(*_HS_ID), "created_at": _c("createdate", "Create Date"),
        "stage": _c("dealstage", "Deal Stage"), "amount": _c("amount", "Amount"),
        "name": _c("dealname", "Deal Name"), "owner": _c("hubspot_owner_id", "Deal owner"),
        "closed_at": _c("closedate", "Close Date",
                        template="CASE WHEN lower(r.\"hs_is_closed\") IN ('true', '1') "
                                 "THEN {} END", when="hs_is_closed"),
        "segment": _c(*SEGMENT_FIELDS)}),
        wide=(Wide("deal_stages", _c(*_HS_ID), _DEAL_STAGE_DATES),)),
}
for _stem, _channel in (("calls", "'call'"), ("emails", "'email'"), ("meetings", "'meeting'"),
                        ("communications", "NULL"), ("engagements", "NULL")):
    HUBSPOT[_stem] = Format("hubspot", f"HubSpot {_stem}", Mapping(
        _ENGAGEMENT.table, dict(_ENGAGEMENT.columns), {} if _channel == "NULL"
        else {"channel": _channel}, _ENGAGEMENT.ignore))

KNOWN_NAMES = (*NEUTRAL, "Lead", "LeadHistory", "Opportunity", "OpportunityHistory",
               "OpportunityFieldHistory", "Task", "Event", "contacts", "deals", "calls",
               "emails", "meetings", "communications", "engagements")


def recognise(stem: str, header: list[str]) -> Format | None:
    """The format of a file called `stem` (no extension) with these column names."""
    key = stem.lower()
    names = set(header)
    candidates = [f for f in (NEUTRAL.get(key), SALESFORCE.get(key), HUBSPOT.get(key)) if f]
    for fmt in candidates:
        if fmt.vendor == "neutral":
            first = next(iter(fmt.rows.columns))
            if first in names:
                return fmt
        elif all(n in names for n in fmt.needs):
            return fmt
    return candidates[0] if candidates else None
