"""Salesforce's configuration from a retrieved metadata folder.

Both layouts Salesforce's CLI writes are read: the Metadata API format
(`sf project retrieve start --target-metadata-dir`, or `playbook export salesforce`):
`standardValueSets/OpportunityStage.standardValueSet`, `objects/Opportunity.object`,
`pathAssistants/*.pathAssistant`; and the source format (`force-app/main/default/...` with
`-meta.xml` names, business processes and record types in files of their own). Files are
parsed without DTDs or entities (defusedxml).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .config import CrmConfig, CrmOption, CrmProcess, CrmReadError, CrmStage, files_below, read_text

MASTER = "__MASTER__"


def _kind(path: Path) -> str:
    """`OpportunityStage.standardValueSet` for either layout's file name."""
    name = path.name
    return name[:-len("-meta.xml")] if name.endswith("-meta.xml") else name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(path: Path, folder: Path) -> ET.Element:
    where = path.relative_to(folder).as_posix()
    try:
        return SafeET.fromstring(read_text(path, folder))  # type: ignore[no-any-return]
    except ET.ParseError as exc:
        line, column = exc.position
        raise CrmReadError(f"{where}:{line}:{column + 1}: not well-formed XML ({exc}); "
                           "retrieve the file again") from None
    except DefusedXmlException:
        raise CrmReadError(f"{where}: holds a DTD or entity declarations, which Salesforce "
                           "metadata never has; retrieve the file again") from None


def _children(node: ET.Element, tag: str) -> list[ET.Element]:
    return [child for child in node if _local(child.tag) == tag]


def _text(node: ET.Element, tag: str, default: str = "") -> str:
    for child in node:
        if _local(child.tag) == tag:
            return (child.text or "").strip()
    return default


def _flag(node: ET.Element, tag: str, default: bool = False) -> bool:
    text = _text(node, tag)
    return text == "true" if text else default


def _values(root: ET.Element) -> list[ET.Element]:
    return [v for v in _children(root, "standardValue") if _flag(v, "isActive", True)]


def _stages(root: ET.Element, where: str) -> dict[str, CrmStage]:
    stages = {}
    for item in _values(root):
        value = _text(item, "fullName")
        if not value:
            raise CrmReadError(f"{where}: a standardValue without a fullName")
        text = _text(item, "probability")
        try:
            probability = round(float(text)) if text else None
        except (ValueError, OverflowError):  # not a number, or inf
            raise CrmReadError(f"{where}: stage '{value}' has probability '{text}', not a "
                               "number") from None
        stages[value] = CrmStage(
            value=value, label=_text(item, "label", value), probability=probability,
            forecast=_text(item, "forecastCategory") or None, closed=_flag(item, "closed"),
            won=_flag(item, "won"), description=_text(item, "description"))
    return stages


def read(folder: Path) -> CrmConfig:
    """The Opportunity stages, sales processes (with their record types and Paths) and lead
    statuses of a retrieved Salesforce metadata folder."""
    config = CrmConfig("salesforce", folder)
    found: dict[str, list[Path]] = {}
    for path in files_below(folder):
        found.setdefault(_kind(path), []).append(path)

    def one(kind: str) -> Path | None:
        paths = found.get(kind, [])
        if len(paths) > 1:
            listed = ", ".join(p.relative_to(folder).as_posix() for p in paths)
            raise CrmReadError(f"{folder}: {kind} is there {len(paths)} times ({listed}); "
                               "pass the folder of one retrieval")
        return paths[0] if paths else None

    stage_file = one("OpportunityStage.standardValueSet")
    status_file = one("LeadStatus.standardValueSet")
    if stage_file is None and status_file is None:
        raise CrmReadError(
            f"{folder}: no standardValueSets/OpportunityStage.standardValueSet or "
            "LeadStatus.standardValueSet; retrieve them with `sf project retrieve start "
            "--metadata StandardValueSet:OpportunityStage StandardValueSet:LeadStatus "
            "BusinessProcess RecordType PathAssistant --target-metadata-dir DIR`")
    stages: dict[str, CrmStage] = {}
    if stage_file is not None:
        where = stage_file.relative_to(folder).as_posix()
        config.sources["stages"] = where
        stages = _stages(_parse(stage_file, folder), where)
    if status_file is not None:
        where = status_file.relative_to(folder).as_posix()
        config.sources["lead_statuses"] = where
        config.has_lead_statuses = True
        config.lead_statuses = [
            CrmOption(_text(v, "fullName"), _text(v, "label", _text(v, "fullName")),
                      converted=_flag(v, "converted"))
            for v in _values(_parse(status_file, folder))]

    # sales processes: in Opportunity.object (metadata format) or one file each (source)
    processes: list[tuple[str, list[str], str]] = []
    record_types: list[tuple[str, str, str]] = []  # (record type, business process, label)
    sources = [*found.get("Opportunity.object", []),
               *[p for k, ps in found.items() for p in ps
                 if k.endswith((".businessProcess", ".recordType"))
                 and p.parent.parent.name == "Opportunity"]]
    for path in sources:
        root = _parse(path, folder)
        kind = _local(root.tag)
        nodes = ([root] if kind == "BusinessProcess" else _children(root, "businessProcesses"))
        for node in nodes:
            if not _flag(node, "isActive", True):
                continue
            name = _text(node, "fullName") or _kind(path).split(".")[0]
            processes.append((name, [unquote(_text(v, "fullName"))
                                     for v in _children(node, "values")],
                              _text(node, "description")))
        types = [root] if kind == "RecordType" else _children(root, "recordTypes")
        for node in types:
            if _flag(node, "active", True) and _text(node, "businessProcess"):
                name = _text(node, "fullName") or _kind(path).split(".")[0]
                record_types.append((name, _text(node, "businessProcess"),
                                     _text(node, "label", name)))
        config.sources.setdefault("processes", path.relative_to(folder).as_posix())
    guidance, master_label = _paths(found, folder, record_types)
    if processes and stages:
        for name, values, description in processes:
            label = next((lbl for _, bp, lbl in record_types if bp == name),
                         name.replace("_", " "))
            kept = []
            # Salesforce retrieves a sales process's values sorted by name: its stages are
            # in the Opportunity Stage picklist's order
            rank = {value: i for i, value in enumerate(stages)}
            values.sort(key=lambda v: rank.get(v, len(rank)))
            for value in values:
                if value not in stages:
                    config.skipped.append(f"sales process '{name}' lists stage '{value}', "
                                          "which is not an active Opportunity stage")
                    continue
                kept.append(_guided(stages[value], guidance.get((name, value))))
            config.processes.append(CrmProcess(name, label, kept, description))
        listed = {stage.value for process in config.processes for stage in process.stages}
        alone = [value for value in stages if value not in listed]
        if alone:
            config.skipped.append(
                f"{len(alone)} active Opportunity stage(s) are in no sales process of this "
                f"folder and were not imported: {', '.join(alone[:10])}"
                f"{' …' if len(alone) > 10 else ''}; retrieve every BusinessProcess to "
                "import them")
    elif stages:
        config.processes.append(CrmProcess("", master_label or "Opportunity", [
            _guided(stage, guidance.get((MASTER, value))) for value, stage in stages.items()]))
    return config


def _paths(found: dict[str, list[Path]], folder: Path,
           record_types: list[tuple[str, str, str]],
           ) -> tuple[dict[tuple[str, str], CrmStage], str]:
    """Each Opportunity Path step's guidance and key fields, by (business process or
    `__MASTER__`, stage value), and the label of the Path for all record types (the name
    of the one sales process of an org without business processes)."""
    master_label = ""
    business = {rt: bp for rt, bp, _ in record_types}
    steps: dict[tuple[str, str], CrmStage] = {}
    for kind, paths in sorted(found.items()):
        if not kind.endswith(".pathAssistant"):
            continue
        for path in paths:
            root = _parse(path, folder)
            if _text(root, "entityName") != "Opportunity" or \
                    _text(root, "fieldName") != "StageName" or not _flag(root, "active", True):
                continue
            record_type = _text(root, "recordTypeName") or MASTER
            process = business.get(record_type, MASTER)
            if process == MASTER:
                master_label = _text(root, "masterLabel")
            for step in _children(root, "pathAssistantSteps"):
                value = _text(step, "picklistValueName")
                steps[(process, value)] = CrmStage(
                    value, value, None, None, False, False,
                    guidance=_text(step, "info"),
                    key_fields=tuple((f.text or "").strip()
                                     for f in _children(step, "fieldNames")))
    return steps, master_label


def _guided(stage: CrmStage, step: CrmStage | None) -> CrmStage:
    if step is None:
        return stage
    return CrmStage(stage.value, stage.label, stage.probability, stage.forecast, stage.closed,
                    stage.won, stage.description, step.guidance, step.key_fields)
