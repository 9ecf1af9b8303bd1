"""HubSpot's configuration from saved API responses.

What `GET /crm/v3/pipelines/deals` (or `.../deals/{id}`) and `GET
/crm/v3/properties/contacts/lifecyclestage` and `.../hs_lead_status` (or `GET
/crm/v3/properties/contacts`) answer, saved as JSON files in one folder; also a folder
`playbook export hubspot` wrote, read through its `calls.json`. Ticket pipelines and
archived stages are left out; hidden options are left out (HubSpot offers them to no one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .config import CrmConfig, CrmOption, CrmProcess, CrmReadError, CrmStage, files_below, read_text


def _load(path: Path, folder: Path) -> Any:
    where = path.relative_to(folder).as_posix()
    try:
        return json.loads(read_text(path, folder))
    except json.JSONDecodeError as exc:
        raise CrmReadError(f"{where}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}); save "
                           "HubSpot's response body as it came") from None


def _order(item: dict[str, Any]) -> int:
    order = item.get("displayOrder", 0)
    return order if isinstance(order, int) else 0


def _pipeline(body: dict[str, Any], pipeline_id: str, where: str,
              config: CrmConfig) -> CrmProcess | None:
    stages = [s for s in body.get("stages") or [] if isinstance(s, dict)]
    if stages and all("probability" not in (s.get("metadata") or {}) for s in stages):
        config.skipped.append(f"{where}: pipeline '{body.get('label', '')}' is not a deal "
                              "pipeline (its stages have no probability)")
        return None
    process = CrmProcess(str(body.get("id") or body.get("pipelineId") or pipeline_id),
                         str(body.get("label", "")))
    for stage in sorted(stages, key=_order):
        if stage.get("archived") is True:
            continue
        meta = stage.get("metadata") or {}
        text = str(meta.get("probability", ""))
        try:
            probability = round(float(text) * 100) if text else None
        except (ValueError, OverflowError):  # not a number, or inf
            raise CrmReadError(f"{where}: stage '{stage.get('label')}' has probability "
                               f"'{text}', not a number from 0.0 to 1.0") from None
        closed = str(meta.get("isClosed", "false")).lower() == "true"
        process.stages.append(CrmStage(
            value=str(stage.get("id") or stage.get("stageId") or ""),
            label=str(stage.get("label", "")), probability=probability, forecast=None,
            closed=closed, won=closed and probability == 100))
    return process


def _options(body: dict[str, Any]) -> list[CrmOption]:
    return [CrmOption(str(o.get("value", "")), str(o.get("label", "")),
                      str(o.get("description") or ""))
            for o in sorted((o for o in body.get("options") or [] if isinstance(o, dict)),
                            key=_order)
            if not o.get("hidden") and o.get("value")]


def _property(config: CrmConfig, name: str, body: dict[str, Any], where: str) -> None:
    if name == "lifecyclestage":
        config.lifecycle = _options(body)
        config.has_lifecycle = True
        config.sources["lifecycle"] = where
    elif name == "hs_lead_status":
        config.lead_statuses = _options(body)
        config.has_lead_statuses = True
        config.sources["lead_statuses"] = where


def read(folder: Path) -> CrmConfig:
    """The deal pipelines, lifecycle stages and lead statuses in a folder of saved HubSpot
    API responses (or of `playbook export hubspot`)."""
    config = CrmConfig("hubspot", folder)
    files = [p for p in files_below(folder) if p.suffix == ".json"]
    calls_file = folder / "calls.json"
    sent: dict[str, tuple[str, str]] = {}  # body file -> (method, path) of our own export
    if calls_file in files:
        calls = _load(calls_file, folder)
        if isinstance(calls, list):
            for call in calls:
                if isinstance(call, dict) and isinstance(call.get("body"), str):
                    sent[call["body"]] = (str(call.get("method", "")),
                                          unquote(urlsplit(str(call.get("url", ""))).path))
            files.remove(calls_file)
    orders: dict[int, int] = {}  # HubSpot lists pipelines by displayOrder
    for path in files:
        where = path.relative_to(folder).as_posix()
        body = _load(path, folder)
        if not isinstance(body, dict):
            config.skipped.append(f"{where}: not a HubSpot pipeline or property response")
            continue
        results = body.get("results")
        items: list[Any] = results if isinstance(results, list) else [body]
        method, url = sent.get(where, ("", ""))
        parts = url.strip("/").split("/")
        for item in items:
            if not isinstance(item, dict):
                continue
            if "stages" in item:
                # a PUT to /crm/v3/pipelines/deals/{id} names the pipeline it replaces
                pipeline_id = parts[-1] if method == "PUT" and len(parts) == 5 else ""
                process = _pipeline(item, pipeline_id, where, config)
                if process is not None and method:
                    process.file_id = path.stem  # the process id `playbook export` used
                if process is not None:
                    orders[id(process)] = _order(item)
                    config.processes.append(process)
                    config.sources.setdefault("processes", where)
            elif "options" in item:
                name = str(item.get("name") or (parts[-1] if url else ""))
                if name in ("lifecyclestage", "hs_lead_status"):
                    _property(config, name, item, where)
            elif body is item:
                config.skipped.append(f"{where}: not a HubSpot pipeline or property response")
    config.processes.sort(key=lambda p: orders.get(id(p), 0))
    if not (config.processes or config.has_lifecycle or config.has_lead_statuses):
        raise CrmReadError(
            f"{folder}: no deal pipeline, lifecycle stage or lead status property found; save "
            "the bodies of GET /crm/v3/pipelines/deals, GET /crm/v3/properties/contacts/"
            "lifecyclestage and GET /crm/v3/properties/contacts/hs_lead_status as .json files "
            "in it")
    return config
