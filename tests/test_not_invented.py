"""What a real source does not state stays unstated: optional in the format, "not defined"
on the pages, and "not encoded" on the Alignment page, never a default dressed as policy
and never a rule that must be switched off (issue 24, item 1)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from helpers import MINIMAL, diagrams

from revenue_playbook.checks.report import format_json
from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.definitions.config import load_settings
from revenue_playbook.site.pages import build_site


def unstated(tmp_path: Path) -> Path:
    """The minimal playbook without what many sources leave out: a recycle rule, a time
    zone, a hand-off time, a KPI target, a lifecycle stage's team, a campaign's persona."""
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sla = defs / "sla.yaml"
    text = sla.read_text()
    text = re.sub(r"\n  recycle:\n(    .*\n)+", "\n", text + "\n")
    text = text.replace("    timezone: Europe/Berlin\n", "")
    sla.write_text(text)
    team = defs / "team.yaml"
    team.write_text(team.read_text().replace("      within: 1bd\n", ""))
    kpis = defs / "scorecard.yaml"
    kpis.write_text(kpis.read_text().replace("    target: 90\n", "", 1))
    return defs


def checked(folder: Path) -> Result:
    return validate(folder, load_settings(folder))


def test_left_out_values_validate_strict_and_show_as_not_defined(tmp_path: Path) -> None:
    defs = unstated(tmp_path)
    result = checked(defs)
    assert not result.failed(strict=True), [f"{f.location}: {f.code} {f.message}"
                                            for f in result.findings]
    pb = result.playbook
    assert pb.sla is not None and pb.sla.recycle is None and pb.timezone is None
    site = build_site(pb, diagrams(), findings=result.findings)
    sla = site.pages["sla.md"].markdown
    assert "When a lead goes back to marketing is *not defined*." in sla
    assert "time zone *not defined*" in sla
    assert "Europe" not in sla and "UTC" not in sla  # no zone made up
    lifecycle = site.pages["lifecycle.md"].markdown
    assert "time target *not defined*" in lifecycle
    scorecard = site.pages["scorecard.md"].markdown
    assert "<dd markdown>*not defined*, review frequency *not defined*</dd>" in scorecard
    # the agenda of the cadence names no recycling that was never agreed
    assert "Recycle the lead" not in sla


def test_a_missing_value_makes_its_practice_not_encoded(tmp_path: Path) -> None:
    result = checked(unstated(tmp_path))
    report = json.loads(format_json(result))["alignment"]
    states = {p["id"]: (p["state"], p["missing"]) for p in report["practices"]}
    assert states["response-cadence"] == ("not encoded", "recycle rule (`sla.recycle:`)")
    assert states["handoffs"] == ("not encoded",
                                  "time target (`within:`) of the hand-off into 'recycled'")
    skipped = [f for f in result.findings if f.code == "PB709"]
    assert any("recycle rule" in f.message for f in skipped)


def test_a_pipeline_without_exit_criteria_is_not_encoded_not_an_error(tmp_path: Path) -> None:
    """PB707 had to be switched off for every vendor pipeline: a process that states no
    exit criteria at all is "not encoded"; one that states some still needs them all."""
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    text = sales.read_text()
    none = text.replace("        exit_criteria:\n          - Pain confirmed by the buyer\n",
                        "").replace("        exit_criteria:\n          - Proposal accepted\n",
                                    "")
    sales.write_text(none)
    result = checked(defs)
    assert "PB707" not in {f.code for f in result.findings}
    states = {p["id"]: p["state"] for p in json.loads(format_json(result))["alignment"][
        "practices"]}
    assert states["exit-criteria"] == "not encoded"
    sales.write_text(text.replace("        exit_criteria:\n          - Proposal accepted\n", ""))
    result = checked(defs)
    assert [(f.code, f.message, f.effective_severity.value) for f in result.findings
            if f.code == "PB707"] == [
        ("PB707", "stage 'proposal' states no exit criteria: not encoded", "info")]
    assert not result.failed(strict=True)
    states = {p["id"]: (p["state"], p["missing"]) for p in json.loads(format_json(result))[
        "alignment"]["practices"]}
    assert states["exit-criteria"] == ("not encoded", "exit criteria of stage 'proposal'")


def test_no_hand_off_anywhere_is_not_encoded(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    team = defs / "team.yaml"
    team.write_text(re.sub(r"    handoff:\n(      .*\n)+", "", team.read_text()))
    result = checked(defs)
    assert "PB703" not in {f.code for f in result.findings}
    assert not result.failed(strict=True)


def test_real_fixtures_switch_no_rule_off() -> None:
    for folder in (MINIMAL.parent / "real").iterdir():
        settings = folder / "pyproject.toml"
        assert not settings.exists() or '"off"' not in settings.read_text(), folder
