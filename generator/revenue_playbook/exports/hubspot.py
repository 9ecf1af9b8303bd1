"""HubSpot: request bodies for the CRM Pipelines API v3 and the Properties API v3.

One `POST /crm/v3/pipelines/deals` body per sales process (stages with label, display
order, `metadata.probability` and `metadata.isClosed`), and `PATCH
/crm/v3/properties/contacts/{lifecyclestage,hs_lead_status}` bodies with the lifecycle
stages and lead statuses as property options. `calls.json` lists each call (method, URL,
body file) in the order to send them.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..model import Playbook
from .base import Output, Problem
from .crm import lead_statuses, ordered_stages, probability, stage_value

API = "https://api.hubapi.com"


def _json(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def deal_probability(percent: int) -> str:
    """HubSpot takes a deal stage's probability from 0.0 to 1.0 in steps of 0.1."""
    tenth = (Decimal(percent) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{tenth / 10:.1f}"


def pipeline(pid: str, playbook: Playbook, order: int, out: Output) -> dict[str, Any]:
    process = playbook.processes[pid]
    stages = []
    labels: dict[str, str] = {}
    for i, (sid, stage) in enumerate(ordered_stages(process)):
        label = stage_value(stage)
        if label in labels:
            out.problems.append(Problem(
                f"stages '{labels[label]}' and '{sid}' of process '{pid}' are both "
                f"'{label}'; HubSpot needs each stage label once in a pipeline",
                stage.where("crm_stage" if stage.crm_stage else "name"),
                "Give the stages different `crm_stage` names."))
        labels.setdefault(label, sid)
        percent = probability(stage)
        value = deal_probability(percent)
        if Decimal(value) * 100 != percent:
            out.warnings.append(Problem(
                f"stage '{sid}': HubSpot takes probabilities in steps of 10%, so "
                f"{percent}% is written as {value}", stage.where("probability"),
                "Use a multiple of 10 to keep the same number in both places."))
        stages.append({"label": stage_value(stage), "displayOrder": i,
                       "metadata": {"probability": value,
                                    "isClosed": "true" if stage.outcome else "false"}})
    return {"label": process.name, "displayOrder": order, "stages": stages}


def lifecycle_options(playbook: Playbook) -> dict[str, Any]:
    return {"options": [
        {"label": stage.name, "value": stage.crm_stage or sid,
         "description": stage.description.strip(),
         "displayOrder": i, "hidden": False}
        for i, (sid, stage) in enumerate(playbook.lifecycle.items())]}


def lead_status_options(playbook: Playbook) -> dict[str, Any]:
    return {"options": [
        {"label": status.stage.name, "value": status.stage.crm_stage or status.id,
         "description": status.stage.description.strip(), "displayOrder": i, "hidden": False}
        for i, status in enumerate(lead_statuses(playbook))]}


def export(playbook: Playbook) -> Output:
    out = Output()
    calls: list[dict[str, str]] = []

    def call(method: str, path: str, body_file: str) -> None:
        calls.append({"method": method, "url": f"{API}{path}", "body": body_file})

    for order, pid in enumerate(playbook.processes):
        name = f"pipelines/{pid}.json"
        out.files[name] = _json(pipeline(pid, playbook, order, out))
        call("POST", "/crm/v3/pipelines/deals", name)
    if playbook.lifecycle:
        out.files["properties/lifecyclestage.json"] = _json(lifecycle_options(playbook))
        call("PATCH", "/crm/v3/properties/contacts/lifecyclestage",
             "properties/lifecyclestage.json")
        out.files["properties/hs_lead_status.json"] = _json(lead_status_options(playbook))
        call("PATCH", "/crm/v3/properties/contacts/hs_lead_status",
             "properties/hs_lead_status.json")
    out.files["calls.json"] = _json(calls)
    return out
