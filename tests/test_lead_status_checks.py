"""Lead statuses get the checks stage values get: a value over the CRM's length limit and
two statuses that would be one value in the CRM are errors naming the line, never a file
the CRM refuses or a status silently merged. Without `lead_statuses:` the statuses are the
lifecycle stages a lead passes through (as on 88bef88, where neither was checked)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import MINIMAL

from revenue_playbook.cli import main


def defs_with(tmp_path: Path, changes: dict[str, str], extra: str = "") -> Path:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    team = defs / "team.yaml"
    text = team.read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    team.write_text(text)
    if extra:
        (defs / "extra.yaml").write_text(extra)
    return defs


def export(defs: Path, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
           ) -> tuple[int, str]:
    assert main(["validate", str(defs)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    code = main(["export", target, str(defs), "--out", str(tmp_path / f"out-{target}")])
    return code, capsys.readouterr().err


def test_two_lifecycle_stages_with_one_name_are_not_one_salesforce_status(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    defs = defs_with(tmp_path, {"    name: Sales accepted lead\n":
                                "    name: Marketing qualified lead\n"})
    code, err = export(defs, "salesforce", tmp_path, capsys)
    assert code == 1
    assert "are both Salesforce lead status 'Marketing qualified lead'" in err
    assert not (tmp_path / "out-salesforce").exists()


def test_a_lifecycle_name_over_salesforces_limit_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = "Marketing qualified lead " + "x" * 280
    defs = defs_with(tmp_path, {"    name: Marketing qualified lead\n": f"    name: {long}\n"})
    code, err = export(defs, "salesforce", tmp_path, capsys)
    assert code == 1
    assert "lead status 'mql': its Salesforce value is 305 characters" in err
    assert "Salesforce takes at most 255" in err


def test_a_long_lead_status_label_is_held_by_hubspot_as_a_stage_label_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """HubSpot documents no label length (3d756b1): lead statuses, like stages, are not held
    to an invented one, and the label is written whole."""
    extra = ("lead_statuses:\n  new: {name: New}\n"
             f"  long: {{name: {'L' * 3001}, converted: true}}\n")
    defs = defs_with(tmp_path, {}, extra)
    code, err = export(defs, "hubspot", tmp_path, capsys)
    assert code == 0, err
    sent = json.loads((tmp_path / "out-hubspot" / "properties" / "hs_lead_status.json").read_text())
    assert "L" * 3001 in [option["label"] for option in sent["options"]]


@pytest.mark.parametrize("target", ["salesforce", "hubspot"])
def test_two_lead_statuses_with_one_crm_value_are_an_error(
        target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = "New" if target == "salesforce" else "new"  # 'new''s value in each CRM
    extra = ("lead_statuses:\n  new: {name: New}\n  working: {name: Working, crm: {"
             f"{target}: {taken}}}}}\n  done: {{name: Done, converted: true}}\n")
    defs = defs_with(tmp_path, {}, extra)
    code, err = export(defs, target, tmp_path, capsys)
    assert code == 1
    assert "lead statuses 'new' and 'working' are both" in err
