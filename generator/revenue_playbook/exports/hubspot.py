"""HubSpot: request bodies for the CRM Pipelines API v3 and the Properties API v3.

A deal pipeline per sales process: `PUT /crm/v3/pipelines/deals/{id}` for a process that
names its pipeline (`crm: {hubspot: default}`), keeping the stage ids it names, else
`POST /crm/v3/pipelines/deals` (stages with label, display order, `metadata.probability`
and `metadata.isClosed`). `PATCH /crm/v3/properties/contacts/lifecyclestage` with the
lifecycle stages as options, HubSpot's own lifecycle values kept (reports and workflows use
them), and `PATCH .../hs_lead_status` with the playbook's `lead_statuses:` (only when it
declares them: lead status is its own property, not the lifecycle). `calls.json` lists each
call (method, URL, body file) in the order to send them.
"""

from __future__ import annotations

import functools
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from ..definitions.model import Playbook
from ..safety.encoders import json_clean
from .base import Output, Problem, at
from .crm import (
    HUBSPOT_OPTIONS_MAX,
    HUBSPOT_STAGES_MAX,
    check_count,
    lifecycle_value,
    stage_facts,
    statuses_for,
)

API = "https://api.hubapi.com"

# HubSpot's own lifecycle stages, in its order (Properties API, `lifecyclestage`): its
# reports, lists and workflows use these internal values, so an export keeps them.
LIFECYCLE_DEFAULTS = [
    ("subscriber", "Subscriber"), ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"), ("opportunity", "Opportunity"),
    ("customer", "Customer"), ("evangelist", "Evangelist"), ("other", "Other")]


def _json(document: Any) -> bytes:
    return (json.dumps(json_clean(document), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def deal_probability(percent: int) -> str:
    """HubSpot takes a deal stage's probability from 0.0 to 1.0 in steps of 0.1."""
    tenth = (Decimal(percent) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{tenth / 10:.1f}"


def pipeline(pid: str, playbook: Playbook, order: int, out: Output) -> dict[str, Any]:
    process = playbook.processes[pid]
    stages = []
    labels: dict[str, str] = {}
    facts = stage_facts("hubspot", playbook, pid, out)
    check_count("hubspot", f"process '{pid}' (a HubSpot pipeline)", len(facts),
                HUBSPOT_STAGES_MAX, functools.partial(process.where, "stages", key=True), out)
    for i, fact in enumerate(facts):
        stage, sid, label = fact.stage, fact.stage_id, fact.label
        if label in labels:
            out.problems.append(Problem(
                f"stages '{labels[label]}' and '{sid}' of process '{pid}' are both "
                f"'{label}'; HubSpot needs each stage label once in a pipeline",
                at(stage, "crm" if stage.crm.get("hubspot") else
                            "crm_stage" if stage.crm_stage else "name"),
                "Give the stages different names or `crm: {hubspot: ...}` labels."))
        labels.setdefault(label, sid)
        percent = fact.probability
        value = deal_probability(percent)
        if not fact.closed and value in ("0.0", "1.0"):
            out.problems.append(Problem(
                f"stage '{sid}' is open at {percent}%, which HubSpot would hold as {value}: "
                f"a closed {'won' if value == '1.0' else 'lost'} deal's probability",
                at(stage, "probability"),
                "Give the open stage a probability from 10 to 90% for HubSpot (`crm: "
                "{hubspot: {probability: 10}}`), or mark it as an ending with `outcome:`."))
        elif Decimal(value) * 100 != percent:
            out.warnings.append(Problem(
                f"stage '{sid}': HubSpot takes probabilities in steps of 10%, so "
                f"{percent}% is written as {value}", at(stage, "probability"),
                "Use a multiple of 10, or say what HubSpot takes with `crm: {hubspot: "
                "{probability: N}}`."))
        if fact.closed and value != ("1.0" if fact.won else "0.0"):
            out.problems.append(Problem(
                f"stage '{sid}' ends the process as {'won' if fact.won else 'not won'} at "
                f"{percent}%; HubSpot reads a closed stage's probability as won (1.0) or "
                "lost (0.0)", at(stage, "probability"),
                f"Write `probability: {100 if fact.won else 0}` on the stage, or the outcome "
                "it counts as."))
        body: dict[str, Any] = {"label": label, "displayOrder": i,
                                "metadata": {"probability": value,
                                             "isClosed": "true" if fact.closed else "false"}}
        if fact.value:
            body["stageId"] = fact.value
        stages.append(body)
    document: dict[str, Any] = {"label": process.name, "displayOrder": order,
                                "stages": stages}
    return document


def lifecycle_options(playbook: Playbook, out: Output) -> dict[str, Any]:
    """Every lifecycle stage as an option, in the playbook's order, then HubSpot's own
    values the playbook does not use, kept as HubSpot has them (a PATCH replaces the whole
    list of options)."""
    options: list[dict[str, Any]] = []
    used: dict[str, str] = {}
    for sid, stage in playbook.lifecycle.items():
        value, label = lifecycle_value(sid, stage)
        if value in used:
            out.problems.append(Problem(
                f"lifecycle stages '{used[value]}' and '{sid}' are both HubSpot lifecycle "
                f"stage '{value}'", at(stage, key=True),
                "Give them different `crm: {hubspot: ...}` values."))
            continue
        used[value] = sid
        option: dict[str, Any] = {"label": label, "value": value}
        if stage.description.strip():
            option["description"] = stage.description.strip()
        options.append({**option, "displayOrder": len(options), "hidden": False})
    for value, label in LIFECYCLE_DEFAULTS:
        if value not in used:
            options.append({"label": label, "value": value, "displayOrder": len(options),
                            "hidden": False})
    return {"options": options}


def lead_status_options(playbook: Playbook, out: Output) -> dict[str, Any]:
    statuses = statuses_for("hubspot", playbook, out)
    seen: dict[str, str] = {}
    options: list[dict[str, Any]] = []
    for status in statuses:
        if status.value in seen:
            out.problems.append(Problem(
                f"lead statuses '{seen[status.value]}' and '{status.id}' are both HubSpot "
                f"lead status '{status.value}'", at(status.definition, key=True),
                "Give them different `crm: {hubspot: ...}` values."))
            continue
        seen[status.value] = status.id
        option = {"label": status.label, "value": status.value}
        if status.description:
            option["description"] = status.description
        options.append({**option, "displayOrder": len(options), "hidden": False})
    if statuses:
        check_count("hubspot", "the lead status property", len(options),
                    HUBSPOT_OPTIONS_MAX, functools.partial(statuses[0].definition.where,
                                                           key=True), out)
    return {"options": options}


def export(playbook: Playbook) -> Output:
    out = Output()
    calls: list[dict[str, str]] = []

    def call(method: str, path: str, body_file: str) -> None:
        calls.append({"method": method, "url": f"{API}{path}", "body": body_file})

    for order, (pid, process) in enumerate(playbook.processes.items()):
        name = f"pipelines/{pid}.json"
        out.files[name] = _json(pipeline(pid, playbook, order, out))
        pipeline_id = process.crm.get("hubspot")
        if pipeline_id:
            call("PUT", f"/crm/v3/pipelines/deals/{quote(pipeline_id, safe='')}", name)
        else:
            call("POST", "/crm/v3/pipelines/deals", name)
    if playbook.lifecycle:
        out.files["properties/lifecyclestage.json"] = _json(lifecycle_options(playbook, out))
        call("PATCH", "/crm/v3/properties/contacts/lifecyclestage",
             "properties/lifecyclestage.json")
    if playbook.lead_statuses:
        out.files["properties/hs_lead_status.json"] = _json(lead_status_options(playbook, out))
        call("PATCH", "/crm/v3/properties/contacts/hs_lead_status",
             "properties/hs_lead_status.json")
    out.files["calls.json"] = _json(calls)
    return out
