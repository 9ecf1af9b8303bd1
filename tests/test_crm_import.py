"""`playbook import` starts a playbook from a CRM's own configuration; what it writes goes
back out of `playbook export` as the CRM had it (byte for byte where the format allows,
value for value otherwise), and a playbook's export comes back through the import with its
CRM-facing values. Material from the vendors and from public orgs (tests/fixtures/crm,
each cited in its README), not written for these tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLE, FIXTURES
from lxml import etree

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.definitions.config import load_settings

CRM = FIXTURES / "crm"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
REAL = sorted(p for p in (FIXTURES / "real").iterdir() if p.is_dir())


def run(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 0) -> str:
    result = main(argv)
    captured = capsys.readouterr()
    assert result == code, captured.err + captured.out
    return captured.out + captured.err


def imported(crm: str, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
             name: str = "defs") -> Path:
    out = tmp_path / name
    run(["import", crm, str(source), "--company", "Acme", "--out", str(out)], capsys)
    result = validate(out, load_settings(out))
    # valid: what the CRM does not hold is "not defined", never an error or an invented value
    assert not result.failed(), [f"{f.location}: {f.code} {f.message}" for f in result.errors]
    return out


def exported(crm: str, defs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
             name: str = "") -> Path:
    out = tmp_path / (name or f"export-{crm}")
    run(["export", crm, str(defs), "--out", str(out)], capsys)
    return out


def values(path: Path, fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    root = etree.parse(str(path)).getroot()
    return [tuple(v.findtext(f"md:{f}", namespaces=NS) or "" for f in fields)
            for v in root.findall("md:standardValue", NS)]


STAGE_FIELDS = ("fullName", "label", "closed", "won", "probability", "forecastCategory")


def test_salesforce_defaults_come_back_byte_for_byte(tmp_path, capsys) -> None:
    source = CRM / "salesforce_default" / "standardValueSets"
    defs = imported("salesforce", CRM / "salesforce_default", tmp_path, capsys)
    process = (defs / "processes" / "opportunity.yaml").read_text()
    assert "# owner: not in Salesforce" in process  # a marked gap, not an invented owner
    assert "# exit_criteria: not in Salesforce" in process
    out = exported("salesforce", defs, tmp_path, capsys) / "standardValueSets"
    for name in ("OpportunityStage.standardValueSet", "LeadStatus.standardValueSet"):
        assert (out / name).read_bytes() == (source / name).read_bytes(), name


@pytest.mark.parametrize("folder", ["salesforce_adoption_sales", "salesforce_gusto"])
def test_real_salesforce_orgs_come_back_value_for_value(folder, tmp_path, capsys) -> None:
    """Two public orgs' retrieved stages (source format). Gusto's 57 values, with open
    stages at 0% and a won stage in the middle, come back in their order."""
    source = tmp_path / "source"
    shutil.copytree(CRM / folder / "force-app" / "main" / "default" / "standardValueSets",
                    source / "standardValueSets")
    original = values(source / "standardValueSets" /
                      "OpportunityStage.standardValueSet-meta.xml", STAGE_FIELDS)
    defs = imported("salesforce", source, tmp_path, capsys)
    out = exported("salesforce", defs, tmp_path, capsys)
    assert values(out / "standardValueSets" / "OpportunityStage.standardValueSet",
                  STAGE_FIELDS) == original
    # and the playbook it made matches the org: no drift
    assert "valid" in run(["crm-diff", "salesforce", str(source), str(defs)], capsys)


def test_a_sales_process_becomes_a_process_in_the_picklists_order(tmp_path, capsys) -> None:
    """Salesforce retrieves a sales process's stages sorted by name; the process keeps the
    picklist's order, and stages in no retrieved process are named, not dropped quietly."""
    source = CRM / "salesforce_gusto"
    out = run(["import", "salesforce", str(source), "--company", "Gusto", "--out",
               str(tmp_path / "defs")], capsys)
    assert "49 active Opportunity stage(s) are in no sales process of this folder" in out
    process = (tmp_path / "defs" / "processes" / "upsell_opportunity_process.yaml").read_text()
    assert "crm: {salesforce: Upsell Opportunity Process}" not in process  # label = name
    names = [line.split(": ", 1)[1] for line in process.splitlines()
             if line.startswith("    name: ")]
    assert names == ["New", "Attempting Contact", "Discovery Call Scheduled", "Commit",
                     "Closed Won", "Closed Lost", "Closed Admin", "Onboarding Completed"]
    assert "description: This sales process is created to track tier upsell " \
           "opportunities" in process


def test_hubspot_defaults_come_back_value_for_value(tmp_path, capsys) -> None:
    source = CRM / "hubspot_default"
    defs = imported("hubspot", source, tmp_path, capsys)
    lifecycle = (defs / "lifecycle.yaml").read_text()
    assert "# team: not in HubSpot" in lifecycle
    assert "qualified: marketing" in lifecycle and "qualified: sales" in lifecycle
    out = exported("hubspot", defs, tmp_path, capsys)
    calls = json.loads((out / "calls.json").read_text())
    assert calls[0]["method"] == "PUT"  # HubSpot's default pipeline, updated by its id
    assert calls[0]["url"] == "https://api.hubapi.com/crm/v3/pipelines/deals/default"
    body = json.loads((out / calls[0]["body"]).read_text())
    got = json.loads((source / "pipelines-deals.json").read_text())["results"][0]
    assert body["label"] == got["label"]
    assert [(s["stageId"], s["label"], s["displayOrder"], s["metadata"])
            for s in body["stages"]] == [(s["id"], s["label"], s["displayOrder"], s["metadata"])
                                         for s in got["stages"]]
    for prop in ("lifecyclestage", "hs_lead_status"):
        sent = json.loads((out / "properties" / f"{prop}.json").read_text())["options"]
        held = json.loads((source / f"property-{prop}.json").read_text())["options"]
        assert [(o["value"], o["label"], o["displayOrder"]) for o in sent] == \
            [(o["value"], o["label"], o["displayOrder"]) for o in held], prop
    assert "valid" in run(["crm-diff", "hubspot", str(source), str(defs)], capsys)


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
@pytest.mark.parametrize("folder", [EXAMPLE, *REAL], ids=["example", *(p.name for p in REAL)])
def test_a_playbooks_export_comes_back_through_the_import(folder, crm, tmp_path,
                                                          capsys) -> None:
    """import(export(P)) holds P's CRM-facing values: exporting it again writes the same
    bytes, and the CRM folder shows no drift against P."""
    from revenue_playbook.exports import TARGETS

    playbook = validate(folder, load_settings(folder)).playbook
    if not (playbook.processes or playbook.lifecycle or playbook.lead_statuses):
        assert not TARGETS[crm].applies(playbook)
        return  # nothing a CRM holds (an SLA alone)
    first = tmp_path / "first"
    if main(["export", crm, str(folder), "--out", str(first)]) == 1:
        # what the CRM cannot hold is refused at the YAML line, never written
        err = capsys.readouterr().err
        assert f"{folder.name}/" in err and ": error: " in err and not first.exists()
        return
    capsys.readouterr()
    assert "valid" in run(["crm-diff", crm, str(first), str(folder)], capsys)
    defs = imported(crm, first, tmp_path, capsys)
    second = exported(crm, defs, tmp_path, capsys, "second")
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*")
                   if p.is_file() and p.name != ".playbook-manifest.json")
    assert files == sorted(p.relative_to(second).as_posix() for p in second.rglob("*")
                           if p.is_file() and p.name != ".playbook-manifest.json")
    for name in files:
        assert (second / name).read_bytes() == (first / name).read_bytes(), name


def test_the_import_writes_only_a_new_folder(tmp_path, capsys) -> None:
    source = tmp_path / "crm"
    shutil.copytree(CRM / "salesforce_default", source)
    before = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    inside = source / "defs"
    err = run(["import", "salesforce", str(source), "--company", "A", "--out", str(inside)],
              capsys, code=2)
    assert "it is inside the CRM folder" in err and not inside.exists()
    err = run(["import", "salesforce", str(source), "--company", "A", "--out",
               str(tmp_path)], capsys, code=2)
    assert "it contains the CRM folder" in err
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.yaml").write_text("company: {name: Mine}\n")
    err = run(["import", "salesforce", str(source), "--company", "A", "--out", str(taken)],
              capsys, code=2)
    assert "not empty" in err and "--force" not in err  # import has no --force
    assert (taken / "mine.yaml").read_text() == \
        "company: {name: Mine}\n"
    assert sorted(p.name for p in taken.iterdir()) == ["mine.yaml"]
    assert before == {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}


@pytest.mark.parametrize("crm,name,text,message", [
    ("salesforce", "standardValueSets/OpportunityStage.standardValueSet",
     "<StandardValueSet><standardValue>", "OpportunityStage.standardValueSet:1:"),
    ("salesforce", "standardValueSets/OpportunityStage.standardValueSet",
     '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><StandardValueSet/>',
     "holds a DTD or entity declarations"),
    ("salesforce", "README.md", "nothing here", "no standardValueSets/OpportunityStage"),
    ("hubspot", "pipelines.json", '{"results": [', "pipelines.json:1:14: not JSON"),
    ("hubspot", "other.json", '{"hello": 1}', "no deal pipeline, lifecycle stage or lead"),
    ("hubspot", "pipelines.json", '{"results": [{"label": "P", "id": "p", "stages": [{"label": '
     '"S", "id": "s", "metadata": {"probability": "Infinity"}}]}]}', "not a number"),
    ("salesforce", "standardValueSets/OpportunityStage.standardValueSet",
     '<StandardValueSet xmlns="http://soap.sforce.com/2006/04/metadata"><standardValue>'
     '<fullName>S</fullName><probability>1e999</probability></standardValue>'
     '</StandardValueSet>', "not a number"),
])
def test_what_is_not_a_crm_configuration_is_refused_with_where(crm, name, text, message,
                                                                tmp_path, capsys) -> None:
    source = tmp_path / "crm"
    (source / name).parent.mkdir(parents=True)
    (source / name).write_text(text)
    err = run(["import", crm, str(source), "--company", "A", "--out",
               str(tmp_path / "defs")], capsys, code=2)
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "defs").exists()


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
@pytest.mark.parametrize("process_file", ["salesforce_default_stages.yaml",
                                          "hubspot_default_pipeline.yaml"])
def test_the_vendor_default_playbooks_come_back_through_the_import(process_file, crm, tmp_path,
                                                                   capsys) -> None:
    """Each CRM's shipped stages written as a playbook (tests/fixtures/exports) survive
    export -> import -> export byte for byte in both CRMs."""
    from test_export_vendor_defaults import playbook_with

    defs = playbook_with(process_file, tmp_path / "vendor")
    first = exported(crm, defs, tmp_path, capsys, "first")
    assert "valid" in run(["crm-diff", crm, str(first), str(defs)], capsys)
    second = exported(crm, imported(crm, first, tmp_path, capsys), tmp_path, capsys, "second")
    for path in sorted(p for p in first.rglob("*") if p.is_file()):
        name = path.relative_to(first).as_posix()
        if name == ".playbook-manifest.json":
            continue
        assert (second / name).read_bytes() == path.read_bytes(), name


def test_crm_text_never_writes_yaml_of_its_own(tmp_path, capsys) -> None:
    """A label or description holding line breaks (of any kind YAML reads as one) stays the
    value it is: the `# Imported from ... 'LABEL'` comment took a pipeline label raw, so
    "Sales\\nowner: injected" wrote an owner key into the process file."""
    import yaml

    source = tmp_path / "hubspot"
    shutil.copytree(CRM / "hubspot_default", source)
    pipelines = json.loads((source / "pipelines-deals.json").read_text())
    label = "Sales\nowner: injected\nstages: {}"
    pipelines["results"][0]["label"] = label
    pipelines["results"][0]["stages"][0]["label"] = "Appointment\u2028owner: injected"
    (source / "pipelines-deals.json").write_text(json.dumps(pipelines))
    lifecycle = json.loads((source / "property-lifecyclestage.json").read_text())
    descriptions = ["  indented first line\nnext: [customer]", "one\u2028  team: sales\ntwo",
                    "ends with a break\n", "tab\tand\x85next line"]
    for option, text in zip(lifecycle["options"], descriptions, strict=False):
        option["description"] = text
    (source / "property-lifecyclestage.json").write_text(json.dumps(lifecycle))
    out = tmp_path / "defs"
    run(["import", "hubspot", str(source), "--company", "Acme", "--out", str(out)], capsys)
    process = yaml.safe_load(next((out / "processes").glob("*.yaml")).read_text())
    assert process["name"] == label and "owner" not in process
    assert next(s["name"] for s in process["stages"].values()) == \
        "Appointment\u2028owner: injected"
    assert all("owner" not in s for s in process["stages"].values())
    stages = yaml.safe_load((out / "lifecycle.yaml").read_text())["lifecycle"]
    assert [s.get("description") for s in stages.values()][:4] == descriptions
    assert all("team" not in s for s in stages.values())


@pytest.mark.parametrize("company", ["Acme\x7f", "Acme\u202e", " ", "A\nB"])
def test_a_company_name_the_playbook_cannot_hold_is_refused(company, tmp_path, capsys) -> None:
    """--company follows init --name's rule: a control or invisible character is refused."""
    out = tmp_path / "defs"
    err = run(["import", "hubspot", str(CRM / "hubspot_default"), "--company", company,
               "--out", str(out)], capsys, code=2)
    assert "--company" in err and "nothing was written" in err
    assert not out.exists()
