"""Each CRM's own default stages, written as a playbook, come back out of the export as the
CRM ships them: material from the vendors, not written for these tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES
from lxml import etree

from revenue_playbook.cli import main

XSD = Path(__file__).parent / "vendor" / "salesforce" / "metadata-fragment.xsd"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}

# (label, probability, forecast category, closed, won) as a new Salesforce org has them
SALESFORCE_DEFAULTS = [
    ("Prospecting", 10, "Pipeline", False, False),
    ("Qualification", 10, "Pipeline", False, False),
    ("Needs Analysis", 20, "Pipeline", False, False),
    ("Value Proposition", 50, "Pipeline", False, False),
    ("Id. Decision Makers", 60, "Pipeline", False, False),
    ("Perception Analysis", 70, "Pipeline", False, False),
    ("Proposal/Price Quote", 75, "Pipeline", False, False),
    ("Negotiation/Review", 90, "Pipeline", False, False),
    ("Closed Won", 100, "Closed", True, True),
    ("Closed Lost", 0, "Omitted", True, False),
]
# (label, probability, closed) as HubSpot's default deal pipeline has them
HUBSPOT_DEFAULTS = [
    ("Appointment Scheduled", "0.2", "false"), ("Qualified To Buy", "0.4", "false"),
    ("Presentation Scheduled", "0.6", "false"), ("Decision Maker Bought-In", "0.8", "false"),
    ("Contract Sent", "0.9", "false"), ("Closed Won", "1.0", "true"),
    ("Closed Lost", "0.0", "true")]


def playbook_with(process_file: str, tmp_path: Path) -> Path:
    defs = tmp_path / "defs"
    shutil.copytree(FIXTURES / "minimal", defs)
    sales = defs / "sales.yaml"
    sales.write_text("cadences:" + sales.read_text().split("\ncadences:", 1)[1])
    shutil.copy(FIXTURES / "exports" / process_file, defs / "processes.yaml")
    # a vendor's defaults name stages, not what must be true to leave them: the alignment
    # rule that asks for exit criteria is turned off, as a team importing them would
    (tmp_path / "pyproject.toml").write_text(
        '[tool.playbook.severity]\nexit-criteria = "off"\nunused-template = "off"\n')
    return defs


def test_salesforce_default_stages_come_back_as_salesforce_ships_them(tmp_path) -> None:
    defs = playbook_with("salesforce_default_stages.yaml", tmp_path)
    assert main(["export", "salesforce", str(defs), "--out", str(tmp_path / "sf")]) == 0
    doc = etree.parse(str(tmp_path / "sf" / "standardValueSets" /
                          "OpportunityStage.standardValueSet"))
    assert etree.XMLSchema(etree.parse(str(XSD))).validate(doc)
    values = [(v.findtext("md:label", namespaces=NS),
               int(v.findtext("md:probability", namespaces=NS)),
               v.findtext("md:forecastCategory", namespaces=NS),
               v.findtext("md:closed", namespaces=NS) == "true",
               v.findtext("md:won", namespaces=NS) == "true")
              for v in doc.getroot().findall("md:standardValue", NS)]
    assert values == SALESFORCE_DEFAULTS


@pytest.mark.parametrize("process_file", ["hubspot_default_pipeline.yaml"])
def test_hubspot_default_pipeline_comes_back_without_rounding(process_file, tmp_path,
                                                             capsys) -> None:
    defs = playbook_with(process_file, tmp_path)
    assert main(["export", "hubspot", str(defs), "--out", str(tmp_path / "hs")]) == 0
    assert "steps of 10%" not in capsys.readouterr().err
    body = json.loads((tmp_path / "hs" / "pipelines" / "hubspot_default.json").read_text())
    assert [(s["label"], s["metadata"]["probability"], s["metadata"]["isClosed"])
            for s in body["stages"]] == HUBSPOT_DEFAULTS
