"""`playbook crm-diff` finds where a CRM's configuration and the playbook differ, each at the
YAML line to change: the CRM folder is the playbook's own export, changed as an admin
would change the org."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLE

from revenue_playbook.cli import main

PROCESS = EXAMPLE / "processes" / "new_business.yaml"
LIFECYCLE = EXAMPLE / "lifecycle.yaml"


def line_of(path: Path, *steps: str) -> int:
    """The line of the last of `steps`, each looked for after the one before."""
    lines = path.read_text().splitlines()
    at = 0
    for step in steps:
        at = next(i for i in range(at, len(lines)) if step in lines[i])
    return at + 1


def diff(crm: str, folder: Path, capsys: pytest.CaptureFixture[str], fmt: str = "json",
         code: int = 1) -> str:
    result = main(["crm-diff", crm, str(folder), str(EXAMPLE), "--format", fmt])
    out = capsys.readouterr()
    assert result == code, out.err + out.out
    return out.out


def found(out: str) -> set[tuple[str, str, int]]:
    return {(f["code"], Path(f["file"]).name, f["line"])
            for f in json.loads(out)["findings"]}


@pytest.fixture
def salesforce(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "sf"
    assert main(["export", "salesforce", str(EXAMPLE), "--out", str(out)]) == 0
    capsys.readouterr()
    return out


@pytest.fixture
def hubspot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "hs"
    assert main(["export", "hubspot", str(EXAMPLE), "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def edit(path: Path, *changes: tuple[str, str]) -> None:
    text = path.read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def test_the_playbooks_own_export_shows_no_drift(salesforce, hubspot, capsys) -> None:
    assert "valid" in diff("salesforce", salesforce, capsys, "text", code=0)
    assert json.loads(diff("hubspot", hubspot, capsys, code=0))["findings"] == []


def test_a_changed_probability_label_order_and_forecast_category_in_salesforce(
        salesforce, capsys) -> None:
    stages = salesforce / "standardValueSets" / "OpportunityStage.standardValueSet"
    text = stages.read_text()
    blocks = re.findall(r"    <standardValue>.*?</standardValue>\n", text, re.S)
    negotiation = next(b for b in blocks if "5 - Negotiation" in b)
    closing = next(b for b in blocks if "6 - Closing" in b)
    text = text.replace(negotiation, "@@").replace(closing, negotiation).replace("@@", closing)
    stages.write_text(text)
    edit(stages, ("<label>3 - Validation</label>", "<label>3 - Technical validation</label>"),
         ("<probability>25</probability>", "<probability>30</probability>"),
         ("<forecastCategory>Forecast</forecastCategory>\n        <probability>80",
          "<forecastCategory>BestCase</forecastCategory>\n        <probability>80"))
    out = diff("salesforce", salesforce, capsys)
    assert found(out) == {
        ("PB901", "new_business.yaml", line_of(PROCESS, "  demo:", "probability: 25")),
        ("PB901", "new_business.yaml", line_of(PROCESS, "  technical_validation:",
                                                "crm_stage: 3 - Validation")),
        ("PB901", "new_business.yaml", line_of(PROCESS, "  negotiation:",
                                                "forecast_category: commit")),
        ("PB904", "new_business.yaml", line_of(PROCESS, "  closing:")),
    }
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert "Salesforce has '2 - Demo' at 30%, the playbook says 25% (standardValueSets/" \
           "OpportunityStage.standardValueSet)" in messages
    assert "Salesforce lists stage '6 - Closing' 5th, the playbook 6th" in messages


def test_a_stage_the_crm_lacks_or_adds_and_a_moved_converted_status(salesforce,
                                                                    capsys) -> None:
    stages = salesforce / "standardValueSets" / "OpportunityStage.standardValueSet"
    text = stages.read_text()
    demo = re.search(r"    <standardValue>\n        <fullName>2 - Demo</fullName>.*?"
                     r"</standardValue>\n", text, re.S)
    assert demo is not None
    stages.write_text(text.replace(demo[0], demo[0].replace("2 - Demo", "2b - Pilot")
                                   + demo[0].replace("2 - Demo", "2 - Demonstration")))
    statuses = salesforce / "standardValueSets" / "LeadStatus.standardValueSet"
    edit(statuses, ("<converted>true</converted>", "<converted>false</converted>"))
    out = diff("salesforce", salesforce, capsys)
    assert found(out) == {
        ("PB902", "new_business.yaml", line_of(PROCESS, "  demo:")),
        ("PB903", "new_business.yaml", line_of(PROCESS, "stages:")),
        ("PB903", "new_business.yaml", line_of(PROCESS, "stages:")),
        ("PB901", "lifecycle.yaml", line_of(LIFECYCLE, "  converted:", "converted: true")),
    }
    text = diff("salesforce", salesforce, capsys, "text")
    assert "Salesforce has the stage '2b - Pilot' in 'New business'" in text
    assert "error PB901 Salesforce has lead status 'Closed - Converted' not as the " \
           "converted status, the playbook does" in text


def test_hubspot_drift_by_stage_id_and_lifecycle_value(hubspot, capsys) -> None:
    body = hubspot / "pipelines" / "new_business.json"
    pipeline = json.loads(body.read_text())
    stages = pipeline["stages"]
    stages[0]["label"] = "1 - Discovery call"
    stages[5]["metadata"]["probability"] = "0.7"
    stages[3]["displayOrder"], stages[4]["displayOrder"] = 4, 3
    body.write_text(json.dumps(pipeline))
    options = hubspot / "properties" / "lifecyclestage.json"
    lifecycle = json.loads(options.read_text())
    lifecycle["options"][0]["label"] = "Newsletter reader"
    options.write_text(json.dumps(lifecycle))
    out = diff("hubspot", hubspot, capsys)
    # without stage ids a renamed stage is paired by its place in the pipeline
    assert found(out) == {
        ("PB901", "new_business.yaml", line_of(PROCESS, "  discovery:", "crm_stage:")),
        ("PB901", "new_business.yaml", line_of(PROCESS, "  closing:", "probability: 90")),
        ("PB904", "new_business.yaml", line_of(PROCESS, "  negotiation:")),
        ("PB901", "lifecycle.yaml", line_of(LIFECYCLE, "  subscriber:", "name: Subscriber")),
    }


def test_drift_in_every_format(salesforce, capsys) -> None:
    stages = salesforce / "standardValueSets" / "OpportunityStage.standardValueSet"
    edit(stages, ("<probability>25</probability>", "<probability>30</probability>"))
    line = line_of(PROCESS, "  demo:", "probability: 25")
    github = diff("salesforce", salesforce, capsys, "github")
    assert f"::error file=process_defs/processes/new_business.yaml,line={line},col=18," \
           "title=PB901 crm-value-differs::" in github.replace(str(EXAMPLE.parent) + "/", "")
    sarif = json.loads(diff("salesforce", salesforce, capsys, "sarif"))
    run = sarif["runs"][0]
    [result] = run["results"]
    assert result["ruleId"] == "PB901"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "PB901"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == line
    text = diff("salesforce", salesforce, capsys, "text")
    assert f"new_business.yaml:{line}:18: error PB901" in text


def test_a_drift_rule_can_be_made_a_warning(salesforce, tmp_path, capsys) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(EXAMPLE, defs)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.playbook.severity]\ncrm-value-differs = "warning"\n')
    stages = salesforce / "standardValueSets" / "OpportunityStage.standardValueSet"
    edit(stages, ("<probability>25</probability>", "<probability>30</probability>"))
    assert main(["crm-diff", "salesforce", str(salesforce), str(defs)]) == 0
    assert "warning PB901" in capsys.readouterr().out


def test_what_the_crm_cannot_hold_is_drift_too(salesforce, tmp_path, capsys) -> None:
    """A playbook changed after the export so that the export would refuse it: crm-diff
    says so at the line instead of comparing a value the CRM cannot have."""
    defs = tmp_path / "defs"
    shutil.copytree(EXAMPLE, defs)
    edit(defs / "processes" / "new_business.yaml",
         ("    crm: {salesforce: {probability: 50}, hubspot: {probability: 50}}\n", ""))
    assert main(["crm-diff", "salesforce", str(salesforce), str(defs), "--format",
                 "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["code"], f["line"]) for f in findings] == [
        ("PB905", line_of(PROCESS, "  proposal:", "probability:"))]
    assert "its probability differs by segment (mid_market: 60, enterprise: 50)" in \
        findings[0]["message"]
