"""Salesforce: a Metadata API deployment folder (`sf project deploy start --metadata-dir`).

Written with xml.etree in the Metadata API's documented file format: `package.xml`; the
OpportunityStage and LeadStatus standard value sets (`standardValueSets/`); one Path
(`pathAssistants/`) per sales process with each stage's guidance and key fields; Path turned
on (`settings/PathAssistant.settings`). Where there is more than one process, each gets an
Opportunity sales process and record type (`objects/Opportunity.object`), because Salesforce
allows one Path per record type. Elements are written in the order of the Metadata API's
WSDL, which the tests check against the published schema.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..model import Playbook, SalesProcess
from .base import Output, Problem
from .crm import (
    forecast_category,
    key_fields,
    lead_statuses,
    ordered_stages,
    probability,
    stage_value,
)

API_VERSION = "62.0"
NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
VALUE_MAX = 255  # characters of a picklist value's API name and label
GUIDANCE_MAX = 1000  # characters of "Guidance for Success" a Path step takes
KEY_FIELDS_MAX = 5  # key fields a Path step shows
MASTER_RECORD_TYPE = "__MASTER__"


def developer_name(text: str) -> str:
    """A Salesforce API name: letters, digits and single underscores, starting with a
    letter, not ending with an underscore (at most 40 characters)."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    name = re.sub(r"_+", "_", name)
    if not name or not name[0].isalpha():
        name = f"X{name}"
    return name[:40].rstrip("_")


def _element(parent: ET.Element | None, tag: str, text: object = None) -> ET.Element:
    node = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
    if text is not None:
        node.text = ("true" if text else "false") if isinstance(text, bool) else str(text)
    return node


def _document(root: ET.Element) -> bytes:
    root.set("xmlns", NAMESPACE)
    ET.indent(root, space="    ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def opportunity_stages(playbook: Playbook, out: Output) -> bytes:
    root = _element(None, "StandardValueSet")
    _element(root, "sorted", False)
    seen: dict[str, tuple[str, str, int, str]] = {}
    first = True
    for pid, process in playbook.processes.items():
        for sid, stage in ordered_stages(process):
            value = stage_value(stage)
            if len(value) > VALUE_MAX:
                out.problems.append(Problem(
                    f"stage '{sid}' is named '{value[:40]}…' in the CRM: Salesforce takes "
                    f"at most {VALUE_MAX} characters for a stage", stage.where(
                        "crm_stage" if stage.crm_stage else "name"),
                    "Give the stage a shorter `crm_stage`."))
            facts = (forecast_category(stage), stage.outcome or "", probability(stage))
            if value in seen:
                if seen[value][:3] != facts:
                    out.warnings.append(Problem(
                        f"stage '{sid}' of process '{pid}' is CRM stage '{value}', which "
                        f"stage '{seen[value][3]}' already defines with other values; "
                        "Salesforce keeps the first", stage.where("crm_stage"),
                        "Give the stages different `crm_stage` names, or the same "
                        "probability and outcome."))
                continue
            seen[value] = (*facts, sid)
            item = _element(root, "standardValue")
            _element(item, "fullName", value)
            _element(item, "default", first)
            _element(item, "label", value)
            _element(item, "closed", stage.outcome is not None)
            _element(item, "forecastCategory", facts[0])
            _element(item, "probability", facts[2])
            _element(item, "won", playbook.counts_as(stage.outcome) == "won")
            first = False
    return _document(root)


def lead_status(playbook: Playbook) -> bytes:
    root = _element(None, "StandardValueSet")
    _element(root, "sorted", False)
    for i, status in enumerate(lead_statuses(playbook)):
        item = _element(root, "standardValue")
        name = status.stage.crm_stage or status.stage.name
        _element(item, "fullName", name)
        _element(item, "default", i == 0)
        _element(item, "label", name)
        _element(item, "converted", status.converted)
    return _document(root)


def guidance(pid: str, sid: str, playbook: Playbook, out: Output) -> str:
    """A stage's "Guidance for Success" as the rich text Path shows: purpose, then the exit
    criteria as a list; criteria that do not fit the limit are left out with a warning."""
    stage = playbook.processes[pid].stages[sid]

    def html(criteria: list[str], more: int) -> str:
        body = ET.Element("div")
        if stage.purpose:
            _element(body, "p", stage.purpose)
        if criteria:
            _element(body, "p", "To move on:")
            items = _element(body, "ul")
            for criterion in criteria:
                _element(items, "li", criterion)
            if more:
                _element(items, "li", f"… and {more} more in the playbook")
        return "".join(ET.tostring(child, encoding="unicode", method="html")
                       for child in body)

    criteria = [str(c) for c in stage.exit_criteria]
    text = html(criteria, 0)
    while len(text) > GUIDANCE_MAX and criteria:
        criteria.pop()
        text = html(criteria, len(stage.exit_criteria) - len(criteria))
    if len(text) > GUIDANCE_MAX:
        text = text[:GUIDANCE_MAX]
    if len(criteria) < len(stage.exit_criteria) or len(text) == GUIDANCE_MAX:
        out.warnings.append(Problem(
            f"stage '{sid}': its guidance is longer than the {GUIDANCE_MAX} characters a "
            "Salesforce Path step shows; the rest is left out", stage.where("exit_criteria"),
            "Shorten the purpose or the exit criteria."))
    return text


def path(pid: str, process: SalesProcess, record_type: str, playbook: Playbook,
         out: Output) -> bytes:
    root = _element(None, "PathAssistant")
    _element(root, "active", True)
    _element(root, "entityName", "Opportunity")
    _element(root, "fieldName", "StageName")
    _element(root, "masterLabel", process.name)
    seen: dict[str, str] = {}
    for sid, stage in ordered_stages(process):
        value = stage_value(stage)
        if value in seen:
            out.problems.append(Problem(
                f"stages '{seen[value]}' and '{sid}' of process '{pid}' are both CRM stage "
                f"'{value}'; a Salesforce Path shows each stage once",
                stage.where("crm_stage" if stage.crm_stage else "name"),
                "Give the stages different `crm_stage` names."))
            continue
        seen[value] = sid
        step = _element(root, "pathAssistantSteps")
        fields = key_fields(stage)
        if len(fields) > KEY_FIELDS_MAX:
            out.problems.append(Problem(
                f"stage '{sid}' has {len(fields)} CRM fields; a Salesforce Path step shows "
                f"at most {KEY_FIELDS_MAX}", stage.where(),
                f"Keep the {KEY_FIELDS_MAX} fields reps fill in at this stage."))
        for name in fields[:KEY_FIELDS_MAX]:
            _element(step, "fieldNames", name)
        _element(step, "info", guidance(pid, sid, playbook, out))
        _element(step, "picklistValueName", stage_value(stage))
    _element(root, "recordTypeName", record_type)
    return _document(root)


def path_settings() -> bytes:
    root = _element(None, "PathAssistantSettings")
    _element(root, "pathAssistantEnabled", True)
    return _document(root)


def opportunity_object(playbook: Playbook, names: dict[str, str]) -> bytes:
    """Opportunity with one sales process and one record type per playbook process."""
    root = _element(None, "CustomObject")
    for pid, process in playbook.processes.items():
        business = _element(root, "businessProcesses")
        _element(business, "fullName", names[pid])
        if process.description:
            _element(business, "description", process.description.strip()[:255])
        _element(business, "isActive", True)
        for i, (_sid, stage) in enumerate(ordered_stages(process)):
            value = _element(business, "values")
            _element(value, "fullName", stage_value(stage))
            _element(value, "default", i == 0)
    for pid, process in playbook.processes.items():
        record = _element(root, "recordTypes")
        _element(record, "fullName", names[pid])
        _element(record, "active", True)
        _element(record, "businessProcess", names[pid])
        _element(record, "label", process.name[:80])
    return _document(root)


def package(members: dict[str, list[str]]) -> bytes:
    root = _element(None, "Package")
    for kind in sorted(members):
        types = _element(root, "types")
        for member in sorted(members[kind]):
            _element(types, "members", member)
        _element(types, "name", kind)
    _element(root, "version", API_VERSION)
    return _document(root)


def export(playbook: Playbook) -> Output:
    out = Output()
    files = out.files
    members: dict[str, list[str]] = {"StandardValueSet": ["OpportunityStage"],
                                     "Settings": ["PathAssistant"]}
    files["standardValueSets/OpportunityStage.standardValueSet"] = \
        opportunity_stages(playbook, out)
    if playbook.lifecycle:
        files["standardValueSets/LeadStatus.standardValueSet"] = lead_status(playbook)
        members["StandardValueSet"].append("LeadStatus")
    files["settings/PathAssistant.settings"] = path_settings()
    names = {pid: developer_name(process.name) for pid, process in playbook.processes.items()}
    taken: dict[str, str] = {}
    for pid, name in names.items():
        if name in taken:
            out.problems.append(Problem(
                f"processes '{taken[name]}' and '{pid}' both become '{name}' in Salesforce",
                playbook.processes[pid].where("name"),
                "Give the processes names that differ in letters or digits."))
        taken.setdefault(name, pid)
    several = len(playbook.processes) > 1
    if several:
        files["objects/Opportunity.object"] = opportunity_object(playbook, names)
        members["BusinessProcess"] = [f"Opportunity.{n}" for n in names.values()]
        members["RecordType"] = [f"Opportunity.{n}" for n in names.values()]
    members["PathAssistant"] = []
    for pid, process in playbook.processes.items():
        name = f"Opportunity_{names[pid]}"[:40].rstrip("_")
        record_type = names[pid] if several else MASTER_RECORD_TYPE
        files[f"pathAssistants/{name}.pathAssistant"] = path(pid, process, record_type,
                                                              playbook, out)
        members["PathAssistant"].append(name)
    files["package.xml"] = package(members)
    return out
