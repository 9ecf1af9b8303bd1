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

import functools
import re
import xml.etree.ElementTree as ET

from ..definitions.model import Playbook, SalesProcess
from ..safety.encoders import Unwritable, xml_text
from .base import Output, Problem, at
from .crm import (
    SALESFORCE_VALUE_MAX,
    SALESFORCE_VALUES_MAX,
    StageFacts,
    check_count,
    check_text,
    key_fields,
    stage_facts,
    statuses_for,
)

API_VERSION = "62.0"
NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
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
        node.text = ("true" if text else "false") if isinstance(text, bool) else \
            xml_text(text, "Salesforce metadata (XML 1.0)")
    return node


def _document(root: ET.Element) -> bytes:
    """The file as Salesforce's own retrieve writes it (declaration, four-space indent), so
    a value set retrieved from an org and one exported from its playbook compare byte for
    byte."""
    root.set("xmlns", NAMESPACE)
    ET.indent(root, space="    ")
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n")


def stages_by_process(playbook: Playbook, out: Output) -> dict[str, list[StageFacts]]:
    return {pid: stage_facts("salesforce", playbook, pid, out) for pid in playbook.processes}


def opportunity_stages(playbook: Playbook, stages: dict[str, list[StageFacts]],
                       out: Output) -> bytes:
    """The OpportunityStage value set: one value per stage name across every process;
    Salesforce holds one probability, forecast category and won flag per value."""
    root = _element(None, "StandardValueSet")
    _element(root, "sorted", False)
    seen: dict[str, tuple[tuple[object, ...], str, str]] = {}
    for pid, facts in stages.items():
        for fact in facts:
            where = functools.partial(
                fact.stage.where, "crm" if fact.stage.crm.get("salesforce") else
                "crm_stage" if fact.stage.crm_stage else "name")
            for what, text in (("value", fact.value), ("label", fact.label)):
                check_text("salesforce", f"stage '{fact.stage_id}': its Salesforce {what}",
                           text, SALESFORCE_VALUE_MAX, where, out)
            held = (fact.forecast, fact.closed, fact.won, fact.probability)
            if fact.value in seen:
                earlier, first_pid, first_sid = seen[fact.value]
                if earlier != held:
                    out.problems.append(Problem(
                        f"stage '{fact.stage_id}' of process '{pid}' and stage '{first_sid}' "
                        f"of process '{first_pid}' are both Salesforce stage '{fact.value}' "
                        f"with other values (probability {fact.probability} vs {earlier[3]}, "
                        f"forecast {fact.forecast} vs {earlier[0]}); Salesforce holds one "
                        "per stage value", where,
                        "Give the stages different Salesforce names (`crm: {salesforce: "
                        "...}`), or the same probability, forecast category and outcome."))
                continue
            seen[fact.value] = (held, pid, fact.stage_id)
            item = _element(root, "standardValue")
            _element(item, "fullName", fact.value)
            _element(item, "default", len(seen) == 1)
            _element(item, "label", fact.label)
            _element(item, "closed", fact.closed)
            _element(item, "forecastCategory", fact.forecast)
            _element(item, "probability", fact.probability)
            _element(item, "won", fact.won)
    if playbook.processes:
        first = next(iter(playbook.processes.values()))
        check_count("salesforce", "the Opportunity Stage picklist", len(seen),
                    SALESFORCE_VALUES_MAX, functools.partial(first.where, key=True), out)
    return _document(root)


def lead_status(playbook: Playbook, out: Output) -> bytes:
    root = _element(None, "StandardValueSet")
    _element(root, "sorted", False)
    statuses = statuses_for("salesforce", playbook, out)
    seen: dict[str, str] = {}
    for i, status in enumerate(statuses):
        where = functools.partial(status.definition.where, key=True)
        for what, text in (("value", status.value), ("label", status.label)):
            check_text("salesforce", f"lead status '{status.id}': its Salesforce {what}",
                       text, SALESFORCE_VALUE_MAX, where, out)
        if status.value in seen:
            out.problems.append(Problem(
                f"lead statuses '{seen[status.value]}' and '{status.id}' are both Salesforce "
                f"lead status '{status.value}'", where,
                "Give them different names or `crm: {salesforce: ...}` values."))
            continue
        seen[status.value] = status.id
        item = _element(root, "standardValue")
        _element(item, "fullName", status.value)
        _element(item, "default", i == 0)
        _element(item, "label", status.label)
        _element(item, "converted", status.converted)
    if statuses:
        check_count("salesforce", "the Lead Status picklist", len(seen),
                    SALESFORCE_VALUES_MAX, functools.partial(statuses[0].definition.where,
                                                             key=True), out)
    return _document(root)


def guidance(pid: str, fact: StageFacts, out: Output) -> str:
    """A stage's "Guidance for Success" as the rich text Path shows: purpose, then the exit
    criteria as a list. The limit counts the stored rich text (tags and entities): whole
    criteria that do not fit are named as "… and N more in the playbook" (a warning), and
    a purpose that alone does not fit is an error, never cut inside a tag or an entity."""
    stage, sid = fact.stage, fact.stage_id

    def html(criteria: list[str], more: int) -> str:
        body = ET.Element("div")
        if stage.purpose:
            _element(body, "p", stage.purpose.strip())
        if criteria or more:
            _element(body, "p", "To move on:")
            items = _element(body, "ul")
            for criterion in criteria:
                _element(items, "li", criterion)
            if more:
                _element(items, "li", f"… and {more} more in the playbook")
        return "".join(ET.tostring(child, encoding="unicode", method="html")
                       for child in body)

    everything = [str(c) for c in stage.exit_criteria]
    criteria = list(everything)
    text = html(criteria, 0)
    while len(text) > GUIDANCE_MAX and criteria:
        criteria.pop()
        text = html(criteria, len(everything) - len(criteria))
    if len(text) > GUIDANCE_MAX:
        out.problems.append(Problem(
            f"stage '{sid}' of process '{pid}': its purpose is {len(html([], 0)):,} "
            f"characters of rich text; a Salesforce Path step's guidance holds "
            f"{GUIDANCE_MAX:,}", at(stage, "purpose"),
            "Shorten the purpose to a few sentences; the stage's page keeps the detail."))
        return ""
    if len(criteria) < len(everything):
        out.warnings.append(Problem(
            f"stage '{sid}' of process '{pid}': {len(everything) - len(criteria)} of its "
            f"{len(everything)} exit criteria do not fit the {GUIDANCE_MAX:,} characters of "
            "a Salesforce Path step; the step says how many more the playbook has",
            at(stage, "exit_criteria"), "Shorten the purpose or the exit criteria."))
    return text


def path(pid: str, process: SalesProcess, facts: list[StageFacts], record_type: str,
         out: Output) -> bytes:
    root = _element(None, "PathAssistant")
    _element(root, "active", True)
    _element(root, "entityName", "Opportunity")
    _element(root, "fieldName", "StageName")
    _element(root, "masterLabel", process.name)
    seen: dict[str, str] = {}
    for fact in facts:
        stage, sid = fact.stage, fact.stage_id
        if fact.value in seen:
            out.problems.append(Problem(
                f"stages '{seen[fact.value]}' and '{sid}' of process '{pid}' are both "
                f"Salesforce stage '{fact.value}'; a Salesforce Path shows each stage once",
                at(stage, "crm_stage" if stage.crm_stage else "name"),
                "Give the stages different `crm_stage` names."))
            continue
        seen[fact.value] = sid
        step = _element(root, "pathAssistantSteps")
        fields = key_fields(stage)
        if len(fields) > KEY_FIELDS_MAX:
            out.problems.append(Problem(
                f"stage '{sid}' has {len(fields)} CRM fields; a Salesforce Path step shows "
                f"at most {KEY_FIELDS_MAX}", at(stage),
                f"Keep the {KEY_FIELDS_MAX} fields reps fill in at this stage."))
        for name in fields[:KEY_FIELDS_MAX]:
            _element(step, "fieldNames", name)
        _element(step, "info", guidance(pid, fact, out))
        _element(step, "picklistValueName", fact.value)
    _element(root, "recordTypeName", record_type)
    return _document(root)


def path_settings() -> bytes:
    root = _element(None, "PathAssistantSettings")
    _element(root, "pathAssistantEnabled", True)
    return _document(root)


def opportunity_object(playbook: Playbook, stages: dict[str, list[StageFacts]],
                       names: dict[str, str]) -> bytes:
    """Opportunity with one sales process and one record type per playbook process."""
    root = _element(None, "CustomObject")
    for pid, process in playbook.processes.items():
        business = _element(root, "businessProcesses")
        _element(business, "fullName", names[pid])
        if process.description:
            _element(business, "description", process.description.strip()[:255])
        _element(business, "isActive", True)
        for i, fact in enumerate(stages[pid]):
            value = _element(business, "values")
            _element(value, "fullName", fact.value)
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
    try:
        _export(playbook, out)
    except Unwritable as exc:  # the loader refuses these characters; never a broken file
        out.problems.append(Problem(f"{exc}: {exc.value[:60]!r}"))
    return out


def _export(playbook: Playbook, out: Output) -> None:
    files = out.files
    members: dict[str, list[str]] = {"StandardValueSet": ["OpportunityStage"],
                                     "Settings": ["PathAssistant"]}
    stages = stages_by_process(playbook, out)
    files["standardValueSets/OpportunityStage.standardValueSet"] = \
        opportunity_stages(playbook, stages, out)
    if playbook.lifecycle or playbook.lead_statuses:
        files["standardValueSets/LeadStatus.standardValueSet"] = lead_status(playbook, out)
        members["StandardValueSet"].append("LeadStatus")
    files["settings/PathAssistant.settings"] = path_settings()
    names = {pid: process.crm.get("salesforce") or developer_name(process.name)
             for pid, process in playbook.processes.items()}
    taken: dict[str, str] = {}
    for pid, name in names.items():
        if name in taken:
            out.problems.append(Problem(
                f"processes '{taken[name]}' and '{pid}' both become '{name}' in Salesforce",
                at(playbook.processes[pid], "name"),
                "Give the processes names that differ in letters or digits, or their own "
                "`crm: {salesforce: ...}` record type names."))
        taken.setdefault(name, pid)
    several = len(playbook.processes) > 1
    if several:
        files["objects/Opportunity.object"] = opportunity_object(playbook, stages, names)
        members["BusinessProcess"] = [f"Opportunity.{n}" for n in names.values()]
        members["RecordType"] = [f"Opportunity.{n}" for n in names.values()]
    members["PathAssistant"] = []
    for pid, process in playbook.processes.items():
        name = f"Opportunity_{names[pid]}"[:40].rstrip("_")
        record_type = names[pid] if several else MASTER_RECORD_TYPE
        files[f"pathAssistants/{name}.pathAssistant"] = path(pid, process, stages[pid],
                                                              record_type, out)
        members["PathAssistant"].append(name)
    files["package.xml"] = package(members)
