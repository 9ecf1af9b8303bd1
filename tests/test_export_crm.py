"""`playbook export salesforce|hubspot` end to end: the example playbook exported, parsed with
a real parser, validated against the vendor's published schema, and every value checked."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
from helpers import EXAMPLE, MINIMAL, defs_with_twin_process
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.exports.crm import given, one_value

VENDOR = Path(__file__).parent / "vendor"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}


@pytest.fixture(scope="module")
def example():
    return validate(EXAMPLE).playbook


@pytest.fixture(scope="module")
def salesforce_xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(VENDOR / "salesforce" / "metadata-fragment.xsd")))


def export(tmp_path: Path, target: str, defs: Path = EXAMPLE, *extra: str) -> Path:
    out = tmp_path / target
    assert main(["export", target, str(defs), "--out", str(out), *extra]) == 0
    return out


def crm_probability(stage, crm: str) -> int:
    """The probability a CRM holds for a stage: the one the stage says it takes, else its
    own (one value for every segment)."""
    stated = given(stage, crm).probability
    if stated is not None:
        return stated
    if stage.probability is not None:
        value = one_value(stage.probability)
        assert not isinstance(stage.probability, dict) or \
            len(set(stage.probability.values())) == 1
        return int(value)
    return 100 if stage.outcome == "won" else 0


def check_salesforce(out: Path, xsd: etree.XMLSchema) -> dict[str, etree._ElementTree]:
    docs = {}
    # `.playbook-manifest.json` lists what the export wrote (so that --force replaces only
    # that); the Metadata API deploys what package.xml names and, AutoUpdatePackage being
    # false by default, adds no other file of the folder
    for path in sorted(p for p in out.rglob("*") if p.is_file()
                       and p.name != ".playbook-manifest.json"):
        doc = etree.parse(str(path))
        assert xsd.validate(doc), f"{path.relative_to(out)}: {xsd.error_log}"
        docs[path.relative_to(out).as_posix()] = doc
    return docs


def test_salesforce_folder_is_valid_metadata_with_every_stage(tmp_path, example,
                                                               salesforce_xsd) -> None:
    docs = check_salesforce(export(tmp_path, "salesforce"), salesforce_xsd)
    package = docs.pop("package.xml")
    listed = {(t.findtext("md:name", namespaces=NS), m.text)
              for t in package.getroot().findall("md:types", NS)
              for m in t.findall("md:members", NS)}
    assert listed == {("StandardValueSet", "OpportunityStage"), ("StandardValueSet", "LeadStatus"),
                      ("Settings", "PathAssistant"),
                      ("PathAssistant", "Opportunity_New_business")}
    assert set(docs) == {"standardValueSets/OpportunityStage.standardValueSet",
                         "standardValueSets/LeadStatus.standardValueSet",
                         "settings/PathAssistant.settings",
                         "pathAssistants/Opportunity_New_business.pathAssistant"}

    values = {v.findtext("md:fullName", namespaces=NS): v for v in docs[
        "standardValueSets/OpportunityStage.standardValueSet"].getroot().findall(
        "md:standardValue", NS)}
    stages = example.processes["new_business"].stages
    assert set(values) == {s.crm_stage for s in stages.values()}
    for stage in stages.values():
        value = values[stage.crm_stage]
        assert value.findtext("md:label", namespaces=NS) == stage.crm_stage
        # one probability per CRM stage: a per-segment one is the one the stage says
        # Salesforce takes (`crm: {salesforce: {probability: 50}}`)
        assert int(value.findtext("md:probability", namespaces=NS)) == crm_probability(
            stage, "salesforce")
        assert value.findtext("md:closed", namespaces=NS) == str(bool(stage.outcome)).lower()
        assert value.findtext("md:won", namespaces=NS) == str(stage.outcome == "won").lower()
    forecast = {name: v.findtext("md:forecastCategory", namespaces=NS)
                for name, v in values.items()}
    assert forecast["Closed Won"] == "Closed" and forecast["Closed Lost"] == "Omitted"
    words = {"pipeline": "Pipeline", "best_case": "BestCase", "commit": "Forecast",
             "closed": "Closed", "omitted": "Omitted"}
    for stage in stages.values():
        if stage.forecast_category:  # stated in the example: Salesforce's API name for it
            assert forecast[stage.crm_stage] == words[stage.forecast_category]
    assert "BestCase" in forecast.values() and "Forecast" in forecast.values()

    statuses = [(v.findtext("md:label", namespaces=NS), v.findtext("md:converted", namespaces=NS))
                for v in docs["standardValueSets/LeadStatus.standardValueSet"].getroot()
                if v.tag.endswith("standardValue")]
    # the playbook's lead statuses, not its lifecycle stages
    assert [s for s, _ in statuses] == [
        "Open - Not Contacted", "Working - Attempting", "Working - Connected",
        "Closed - Converted", "Closed - Not Now", "Closed - Not Converted"]
    assert [s for s, converted in statuses if converted == "true"] == ["Closed - Converted"]

    path = docs["pathAssistants/Opportunity_New_business.pathAssistant"].getroot()
    assert path.findtext("md:recordTypeName", namespaces=NS) == "__MASTER__"
    steps = {s.findtext("md:picklistValueName", namespaces=NS): s.findtext("md:info",
                                                                           namespaces=NS)
             for s in path.findall("md:pathAssistantSteps", NS)}
    assert set(steps) == set(values)
    discovery = etree.fromstring(f"<div>{steps['1 - Discovery']}</div>", etree.HTMLParser())
    assert stages["discovery"].purpose in discovery.xpath("string(.)")
    fields = {s.findtext("md:picklistValueName", namespaces=NS):
              [f.text for f in s.findall("md:fieldNames", NS)]
              for s in path.findall("md:pathAssistantSteps", NS)}
    for stage in stages.values():
        assert fields[stage.crm_stage] == list(stage.required_fields)[:5]
    assert fields["1 - Discovery"] == ["Amount", "CloseDate", "LeadSource"]
    assert discovery.xpath("//li/text()") == [str(c) for c in stages["discovery"].exit_criteria]


def test_salesforce_several_processes_get_a_record_type_each(tmp_path, salesforce_xsd) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    text = sales.read_text()
    renewal = text.split("processes:\n", 1)[1].replace("new_business:", "renewal:", 1) \
        .replace("name: New business", "name: Renewal", 1)
    renewal = renewal.split("\ncadences:")[0]
    for sid in ("discovery", "proposal", "won", "lost"):
        renewal = renewal.replace(f"      {sid}:", f"      r_{sid}:") \
            .replace(f" {sid}]", f" r_{sid}]").replace(f"[{sid},", f"[r_{sid},")
    renewal = renewal.replace("name: Closed won", "name: Renewed")
    sales.write_text(text.replace("processes:\n", "processes:\n" + renewal + "\n", 1))
    assert validate(defs).errors == []
    docs = check_salesforce(export(tmp_path, "salesforce", defs), salesforce_xsd)
    record_types = docs["objects/Opportunity.object"].getroot().findall("md:recordTypes", NS)
    assert sorted(r.findtext("md:fullName", namespaces=NS) for r in record_types) == \
        ["New_business", "Renewal"]
    paths = {p: d.getroot().findtext("md:recordTypeName", namespaces=NS)
             for p, d in docs.items() if p.startswith("pathAssistants/")}
    assert paths == {"pathAssistants/Opportunity_New_business.pathAssistant": "New_business",
                     "pathAssistants/Opportunity_Renewal.pathAssistant": "Renewal"}


def hubspot_validator(name: str, schema: str) -> jsonschema.Validator:
    spec = json.loads((VENDOR / "hubspot" / name).read_text())
    registry = Registry().with_resource("spec", Resource(spec, DRAFT202012))
    return jsonschema.Draft202012Validator({"$ref": f"spec#/components/schemas/{schema}"},
                                           registry=registry)


def test_hubspot_bodies_match_the_published_openapi_schema(tmp_path, example,
                                                           capsys) -> None:
    out = export(tmp_path, "hubspot")
    assert "25% is written as 0.3" in capsys.readouterr().err  # HubSpot's 10% steps
    body = json.loads((out / "pipelines" / "new_business.json").read_text())
    hubspot_validator("pipelines-v3.json", "PipelineInput").validate(body)
    stages = example.processes["new_business"].stages
    assert body["label"] == "New business"
    by_label = {s["label"]: s for s in body["stages"]}
    assert set(by_label) == {s.crm_stage for s in stages.values()}
    for stage in stages.values():
        meta = by_label[stage.crm_stage]["metadata"]
        assert abs(float(meta["probability"]) * 100 - crm_probability(stage, "hubspot")) <= 5
        assert meta["isClosed"] == ("true" if stage.outcome else "false")
    assert [s["displayOrder"] for s in body["stages"]] == list(range(len(stages)))

    options = hubspot_validator("properties-v3.json", "PropertyUpdate")
    lifecycle = json.loads((out / "properties" / "lifecyclestage.json").read_text())
    options.validate(lifecycle)
    # the playbook's stages as HubSpot names them, then HubSpot's own it does not use,
    # kept: a PATCH replaces every option, and HubSpot's reports use its own values
    assert [o["value"] for o in lifecycle["options"]] == [
        "subscriber", "lead", "marketingqualifiedlead", "sal", "salesqualifiedlead",
        "opportunity", "customer", "recycled", "disqualified", "evangelist", "other"]
    leads = json.loads((out / "properties" / "hs_lead_status.json").read_text())
    options.validate(leads)
    # HubSpot's lead status is the playbook's lead statuses, not the lifecycle stages
    assert [o["value"] for o in leads["options"]] == [
        "NEW", "ATTEMPTED_TO_CONTACT", "CONNECTED", "OPEN_DEAL", "BAD_TIMING", "UNQUALIFIED"]
    calls = json.loads((out / "calls.json").read_text())
    assert [(c["method"], c["body"]) for c in calls] == [
        ("POST", "pipelines/new_business.json"),
        ("PATCH", "properties/lifecyclestage.json"),
        ("PATCH", "properties/hs_lead_status.json")]
    assert all((out / c["body"]).is_file() for c in calls)


def test_the_vendored_schemas_reject_a_wrong_body() -> None:
    """The validation above can fail: a stage without metadata is refused."""
    with pytest.raises(jsonschema.ValidationError):
        hubspot_validator("pipelines-v3.json", "PipelineInput").validate(
            {"label": "x", "displayOrder": 0, "stages": [{"label": "a", "displayOrder": 0}]})


def test_unknown_target_is_a_usage_error(tmp_path, capsys) -> None:
    assert main(["export", "pipedrive", str(EXAMPLE), "--out", str(tmp_path / "x")]) == 2
    assert "pipedrive" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_folder_with_other_files_is_never_replaced(tmp_path, capsys) -> None:
    """Without --force a non-empty folder is refused; with it, only a folder holding
    nothing but an earlier export is replaced, never files Playbook did not write."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert main(["export", "salesforce", str(EXAMPLE), "--out", str(out)]) == 2
    assert "not empty; pass --force" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert main(["export", "salesforce", str(EXAMPLE), "--out", str(out), "--force"]) == 2
    assert "Playbook did not make it (it holds mine.txt)" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    (out / "mine.txt").unlink()
    assert main(["export", "salesforce", str(EXAMPLE), "--out", str(out)]) == 0
    assert main(["export", "salesforce", str(EXAMPLE), "--out", str(out), "--force"]) == 0
    assert (out / "package.xml").is_file()
    assert (out / ".playbook-manifest.json").is_file()  # what the export wrote
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_folder_is_a_usage_error_and_writes_nothing(tmp_path, capsys) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        assert main(["export", "hubspot", str(EXAMPLE), "--out", str(parent / "out")]) == 2
        assert "cannot write" in capsys.readouterr().err
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o700)


def test_a_failing_write_leaves_nothing_partial(tmp_path, monkeypatch, capsys) -> None:
    """Whatever the reason a file cannot be written, no half export stays behind."""
    calls = {"n": 0}
    real = Path.write_bytes

    def flaky(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    assert main(["export", "salesforce", str(EXAMPLE), "--out", str(tmp_path / "out")]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_processes_that_become_one_salesforce_name_are_an_error(tmp_path, capsys) -> None:
    defs = defs_with_twin_process(tmp_path)
    assert validate(defs).errors == []
    assert main(["export", "salesforce", str(defs), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "both become 'New_business' in Salesforce" in err
    assert "sales.yaml:" in err
    assert not (tmp_path / "out").exists()


def test_out_folder_below_a_file_is_a_usage_error(tmp_path, capsys) -> None:
    """An output folder that cannot be made (here below a file; also as root) says why."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["export", "hubspot", str(EXAMPLE), "--out", str(blocker / "out")]) == 2
    assert f"cannot write {blocker / 'out'}" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]


@pytest.mark.parametrize("target", ["hubspot", "salesforce"])
def test_two_stages_with_one_crm_name_are_an_error(target, tmp_path, capsys) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    sales.write_text(sales.read_text().replace("        name: Proposal\n",
                                               "        name: Proposal\n"
                                               "        crm_stage: Discovery\n", 1))
    assert main(["export", target, str(defs), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "stages 'discovery' and 'proposal' of process 'new_business' are both " in err
    assert "sales.yaml:" in err
    assert not (tmp_path / "out").exists()


def test_a_stage_name_longer_than_salesforce_takes_is_an_error(tmp_path, capsys) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    sales.write_text(sales.read_text().replace("        name: Proposal\n",
                                               "        name: Proposal\n"
                                               f"        crm_stage: {'P' * 300}\n", 1))
    assert main(["export", "salesforce", str(defs), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "stage 'proposal': its Salesforce value is 300 characters" in err
    assert "Salesforce takes at most 255" in err and "sales.yaml:" in err


def test_help_names_every_target(capsys) -> None:
    from revenue_playbook.exports import TARGETS

    assert main(["export", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert all(f"{name}," in help_text for name in TARGETS) and "or all" in help_text


def test_lifecycle_crm_values_and_the_converted_stage_are_stated(tmp_path) -> None:
    """`crm: {hubspot: ...}` names a lifecycle stage as HubSpot does; `converted: true` says
    which status Salesforce converts leads with."""
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    team = defs / "team.yaml"
    text = team.read_text().replace("    converted: true\n", "")
    mql = text.index("  mql:\n")
    team.write_text(text[:mql] + "  mql:\n    crm: {hubspot: marketingqualifiedlead}\n"
                    "    converted: true\n" + text[mql + len("  mql:\n"):])
    assert validate(defs).errors == []
    hubspot = export(tmp_path, "hubspot", defs)
    options = json.loads((hubspot / "properties" / "lifecyclestage.json").read_text())
    assert "marketingqualifiedlead" in [o["value"] for o in options["options"]]
    salesforce = export(tmp_path, "salesforce", defs)
    statuses = etree.parse(str(salesforce / "standardValueSets" /
                               "LeadStatus.standardValueSet")).getroot()
    converted = [v.findtext("md:fullName", namespaces=NS) for v in statuses
                 if v.findtext("md:converted", namespaces=NS) == "true"]
    assert converted == ["Marketing qualified lead"]  # its name: Salesforce has no HubSpot value
