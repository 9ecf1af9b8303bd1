"""What the CRM targets (Salesforce, HubSpot) read the same way from the model.

Every value a CRM holds once per stage or status is resolved here, and a value the CRM
cannot hold (a probability that differs by segment, no converted status, a name over the
vendor's limit) becomes a `Problem` naming the YAML line and the choice to make, never a
silent pick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..definitions.model import CRM, CrmName, LifecycleStage, Playbook, SalesProcess, Stage
from ..definitions.model import LeadStatus as LeadStatusDef
from ..definitions.segments import DEFAULT, value_for
from .base import Output, Problem, Where, at

TITLES: dict[CRM, str] = {"salesforce": "Salesforce", "hubspot": "HubSpot"}

# Salesforce's forecast categories by their API names ("Forecast" is shown as "Commit").
FORECAST_CATEGORIES = ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed")
_BY_WORD = {"omitted": "Omitted", "pipeline": "Pipeline", "best_case": "BestCase",
            "bestcase": "BestCase", "commit": "Forecast", "forecast": "Forecast",
            "closed": "Closed"}
WORD_OF = {"Omitted": "omitted", "Pipeline": "pipeline", "BestCase": "best_case",
           "Forecast": "commit", "Closed": "closed"}

# The vendors' documented limits for what the exports write.
# Salesforce Help, "Picklist Limits": up to 1,000 values, each up to 255 characters.
SALESFORCE_VALUE_MAX = 255
SALESFORCE_VALUES_MAX = 1000
# HubSpot's published technical limits (knowledge base, "HubSpot's product and services
# catalog"): 100 stages per pipeline, 5,000 options per property. No length of a stage or
# option label was found documented, so none is checked here.
HUBSPOT_STAGES_MAX = 100
HUBSPOT_OPTIONS_MAX = 5000


def given(node: Any, crm: CRM) -> CrmName:
    """What a definition's `crm:` says for `crm`, as written (empty fields where silent)."""
    said = getattr(node, "crm", {}).get(crm)
    if isinstance(said, CrmName):
        return said
    return CrmName.model_construct(value=said or "", label="", probability=None,
                                   forecast_category=None)


def counts_as(playbook: Playbook, stage: Stage) -> str | None:
    """`won`, `lost` or `other` for a terminal stage (own outcomes by their `counts_as`)."""
    return playbook.counts_as(stage.outcome)


def one_value(value: object) -> Any:
    """A per-segment value's default, else its first segment's (for display only: the
    exports resolve values with `stage_value_for`)."""
    if isinstance(value, dict):
        return value.get(DEFAULT, next(iter(value.values()), None))
    return value


def stage_value_for(crm: CRM, process_id: str, process: SalesProcess, stage_id: str,
                    stage: Stage, field: str, out: Output) -> Any:
    """The one value of a stage's `field` (probability, forecast_category) that `crm` holds.

    The stage's `crm:` for this CRM wins; a per-segment value is the process's own
    segment's when the process serves one segment, or the value every segment shares.
    Otherwise there is no honest single value: a problem says what to choose."""
    stated = getattr(given(stage, crm), field)
    if stated is not None:
        return stated
    value = getattr(stage, field)
    if not isinstance(value, dict):
        return value
    if len(process.segments) == 1:
        return value_for(value, process.segments[0])
    segments = process.segments or [k for k in value if k != DEFAULT]
    found = {sid: value_for(value, sid) for sid in segments}
    if len(set(found.values())) == 1:
        return next(iter(found.values()))
    listed = ", ".join(f"{sid}: {v}" for sid, v in found.items())
    out.problems.append(Problem(
        f"stage '{stage_id}' of process '{process_id}': its {field.replace('_', ' ')} "
        "differs by segment "
        f"({listed}) and {TITLES[crm]} holds one per stage",
        at(stage, field),
        f"Say which one {TITLES[crm]} takes on the stage, e.g. `crm: {{{crm}: "
        f"{{{field}: {next(iter(found.values()))}}}}}`, or split process '{process_id}' into "
        "one process per segment (`segments: [one]`), each with its own stage names."))
    return None


def forecast_category(playbook: Playbook, stage: Stage, stated: object) -> str:
    """The stage's forecast category as Salesforce names it.

    A stage that states one keeps it. Otherwise the default is Salesforce's own for its
    standard stages: a stage that counts as won is Closed, any other ending is Omitted,
    and every open stage is Pipeline, whatever its probability (Salesforce Help,
    "Forecast Categories")."""
    if stated:
        return _BY_WORD.get(str(stated).lower().replace(" ", "_"), "Pipeline")
    ending = counts_as(playbook, stage)
    if ending == "won":
        return "Closed"
    if ending:
        return "Omitted"
    return "Pipeline"


def probability(playbook: Playbook, stage: Stage, stated: object) -> int:
    """Win probability in percent: stated, or 100 for an ending that counts as won and 0
    for any other ending or an open stage that states none."""
    if stated is not None:
        return int(stated)  # type: ignore[call-overload]
    return 100 if counts_as(playbook, stage) == "won" else 0


@dataclass(frozen=True)
class StageFacts:
    """A stage as one CRM holds it."""

    stage_id: str
    stage: Stage
    value: str  # Salesforce: the picklist API name; HubSpot: the stage id ("" when new)
    label: str
    probability: int
    forecast: str  # Salesforce's API name of the forecast category
    closed: bool
    won: bool
    # fields with no one value the CRM can hold (a problem says so): not to be compared
    unresolved: frozenset[str] = frozenset()


def stage_facts(crm: CRM, playbook: Playbook, process_id: str, out: Output) -> list[StageFacts]:
    """A process's stages as `crm` holds them, in the order the playbook writes them (the
    order a CRM lists them in; a CRM keeps whatever order it is given)."""
    process = playbook.processes[process_id]
    facts = []
    for sid, stage in process.stages.items():
        said = given(stage, crm)
        plain = stage.crm_stage or stage.name
        if crm == "salesforce":
            value = said.value or plain
            label = said.label or value
        else:  # HubSpot: the stage id, "" for a stage the export creates
            value = said.value
            label = said.label or (stage.name if said.value else plain)
        before = len(out.problems)
        percent = stage_value_for(crm, process_id, process, sid, stage, "probability", out)
        unresolved = {"probability"} if len(out.problems) > before else set()
        before = len(out.problems)
        category = stage_value_for(crm, process_id, process, sid, stage,
                                   "forecast_category", out) if crm == "salesforce" else None
        if len(out.problems) > before:
            unresolved.add("forecast_category")
        ending = counts_as(playbook, stage)
        facts.append(StageFacts(sid, stage, value, label, probability(playbook, stage, percent),
                                forecast_category(playbook, stage, category),
                                stage.outcome is not None, ending == "won",
                                frozenset(unresolved)))
    return facts


def key_fields(stage: Stage) -> list[str]:
    """The CRM fields a rep fills in at this stage (API names): its `required_fields`."""
    return list(stage.required_fields)


@dataclass(frozen=True)
class Status:
    """A lead status as a CRM holds it."""

    id: str
    definition: LeadStatusDef | LifecycleStage
    value: str
    label: str
    converted: bool
    description: str


def statuses_for(crm: CRM, playbook: Playbook, out: Output) -> list[Status]:
    """The lead statuses `crm` holds: the playbook's `lead_statuses:`, with exactly one
    converted status. Without `lead_statuses:`, Salesforce takes the lifecycle stages a lead
    (not yet a contact) can be in, the one marked `converted: true` the converted status;
    HubSpot's lead status is its own property and is left as it is (an empty list)."""
    if playbook.lead_statuses:
        statuses = []
        for sid, status in playbook.lead_statuses.items():
            said = given(status, crm)
            value = said.value or (status.name if crm == "salesforce" else sid)
            label = said.label or (value if crm == "salesforce" else status.name)
            statuses.append(Status(sid, status, value, label, status.converted,
                                   status.description.strip()))
        if crm == "salesforce":
            _one_converted(statuses, "lead status", "lead_statuses", out)
        return statuses
    if crm == "hubspot":
        return []
    return _statuses_from_lifecycle(playbook, out)


def _one_converted(statuses: list[Status], noun: str, section: str, out: Output) -> None:
    nouns = "lead statuses" if noun == "lead status" else f"{noun}s"
    converted = [s for s in statuses if s.converted]
    if not converted:
        first = statuses[0].definition
        out.problems.append(Problem(
            f"no {noun} is marked `converted: true`: Salesforce converts a lead into a "
            "contact, account and opportunity with exactly one status", at(first, key=True),
            f"Mark the {noun} a lead has when sales converts it with `converted: true` (under "
            f"`{section}:`)."))
    for extra in converted[1:]:
        out.problems.append(Problem(
            f"{nouns} '{converted[0].id}' and '{extra.id}' are both marked `converted: "
            "true`; Salesforce converts leads with one status",
            at(extra.definition, "converted"),
            "Keep `converted: true` on the one status a lead has when sales converts it."))


def after_conversion(stages: dict[str, LifecycleStage], converted: str | None) -> set[str]:
    """The lifecycle stages reached only by passing the converted stage (a customer, say):
    a contact's stages, not a lead's."""
    targets = {n for stage in stages.values() for n in stage.next}
    roots = [sid for sid in stages if sid not in targets] or list(stages)[:1]

    def reach(stop: str | None) -> set[str]:
        seen: set[str] = set()
        pending = list(roots)
        while pending:
            sid = pending.pop()
            if sid in seen or sid not in stages:
                continue
            seen.add(sid)
            if sid != stop:
                pending.extend(stages[sid].next)
        return seen

    return reach(None) - reach(converted)


def _statuses_from_lifecycle(playbook: Playbook, out: Output) -> list[Status]:
    stages = playbook.lifecycle
    converted = next((sid for sid, st in stages.items() if st.converted), None)
    only_after = after_conversion(stages, converted) if converted else set()
    statuses = []
    for sid, stage in stages.items():
        if sid in only_after:
            continue
        said = given(stage, "salesforce")
        if not said.value and stage.crm_stage:
            out.problems.append(Problem(
                f"lifecycle stage '{sid}' has `crm_stage: {stage.crm_stage}`, which is "
                "HubSpot's lifecycle value; Salesforce would show it as a lead status",
                at(stage, "crm_stage"),
                "Say how each CRM names it: `crm: {salesforce: <lead status>, hubspot: "
                f"{stage.crm_stage}}}`, or declare `lead_statuses:`."))
        value = said.value or stage.name
        label = said.label or value
        statuses.append(Status(sid, stage, value, label, sid == converted,
                               stage.description.strip()))
    if statuses:
        _one_converted(statuses, "lifecycle stage", "lifecycle", out)
    return statuses


def check_text(crm: CRM, what: str, text: str, limit: int, where: Where, out: Output) -> None:
    """A problem when `text` is longer than the vendor's documented `limit`."""
    if len(text) > limit:
        out.problems.append(Problem(
            f"{what} is {len(text):,} characters ('{text[:40]}…'); {TITLES[crm]} takes at "
            f"most {limit:,}", where,
            f"Shorten it, or give {TITLES[crm]} a shorter name with `crm: {{{crm}: ...}}`."))


def check_count(crm: CRM, what: str, count: int, limit: int, where: Where,
                out: Output) -> None:
    """A problem when a list holds more entries than the vendor's documented `limit`."""
    if count > limit:
        out.problems.append(Problem(
            f"{what} has {count:,} values; {TITLES[crm]} takes at most {limit:,}", where,
            "Merge or remove values until it fits."))


def lifecycle_value(sid: str, stage: LifecycleStage) -> tuple[str, str]:
    """A lifecycle stage's HubSpot option: (internal value, label)."""
    said = given(stage, "hubspot")
    return said.value or stage.crm_stage or sid, said.label or stage.name


# ---------------------------------------------------------------------------- for measuring
# `playbook measure` finds the CRM's stage and status values in exported data; it reads
# them through these, without the export's checks.


def stage_value(stage: Stage) -> str:
    """The stage's Salesforce picklist value: `crm: {salesforce: ...}`, `crm_stage` or name."""
    return given(stage, "salesforce").value or stage.crm_stage or stage.name


def converted_stage(playbook: Playbook) -> str | None:
    """The lifecycle stage at which a lead becomes a contact and an opportunity, for reading
    data: the one marked `converted: true`, else the last one the sales team works."""
    for sid, stage in playbook.lifecycle.items():
        if stage.converted:
            return sid
    sales = [sid for sid, stage in playbook.lifecycle.items() if stage.team == "sales"]
    return sales[-1] if sales else None


@dataclass(frozen=True)
class LeadStatus:
    id: str
    stage: LifecycleStage
    converted: bool


def lead_statuses(playbook: Playbook) -> list[LeadStatus]:
    """The lifecycle stages a lead (not yet a contact) can be in, in the order written, for
    reading data (`statuses_for` is what the exports write)."""
    converted = converted_stage(playbook)
    stages = playbook.lifecycle
    only_after = after_conversion(stages, converted)
    return [LeadStatus(sid, stage, sid == converted)
            for sid, stage in stages.items() if sid not in only_after]
