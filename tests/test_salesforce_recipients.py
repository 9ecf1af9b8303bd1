"""Salesforce fills a merge field from the record an email is sent to: `{{{Contact.X}}}` is
blank in an email to a lead. The emails export knows who each template goes to (a cadence
an SLA tier starts: leads; a sales stage's touchpoints: the deal's contacts; a campaign:
both) and refuses a token of the other object at the line that declares it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLE, MINIMAL

from revenue_playbook.cli import main


def defs_with(tmp_path: Path, token: str, to_leads: bool) -> Path:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    team = defs / "team.yaml"
    team.write_text(team.read_text().replace(
        "    sample: Dana\n", f"    sample: Dana\n    tokens: {{salesforce: {token}}}\n", 1))
    recap = defs / "templates" / "recap.yaml"
    recap.write_text(recap.read_text() + "tools: [salesforce]\n")
    team.write_text(team.read_text().replace(
        "  sender_name:\n", "  sender_name:\n    tokens: {salesforce: Sender.Name}\n", 1))
    if to_leads:  # the hot-lead cadence sends the recap too
        sales = defs / "sales.yaml"
        sales.write_text(sales.read_text().replace("        template: hello\n",
                                                   "        template: recap\n", 1))
    return defs


def export(defs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["export", "emails", str(defs), "--out", str(tmp_path / "out")])
    return code, capsys.readouterr().err


def test_a_contact_field_in_an_email_to_leads_is_refused_at_its_line(tmp_path,
                                                                      capsys) -> None:
    defs = defs_with(tmp_path, "Contact.FirstName", to_leads=True)
    code, err = export(defs, tmp_path, capsys)
    assert code == 1
    line = next(i for i, text in enumerate((defs / "team.yaml").read_text().splitlines(), 1)
                if "Contact.FirstName" in text)
    assert (f"team.yaml:{line}:") in err
    assert ("template 'recap' goes to leads (SLA tier 'demo', cadence 'hot'), where "
            "Salesforce leaves {{{Contact.FirstName}}} blank") in err
    assert "Use `Recipient.FirstName`" in err


def test_the_recipients_own_field_or_a_contact_only_template_is_exported(tmp_path,
                                                                          capsys) -> None:
    code, err = export(defs_with(tmp_path, "Recipient.FirstName", to_leads=True), tmp_path,
                       capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "salesforce" / "recap.txt").read_text().startswith(
        "Hi {{{Recipient.FirstName}}}")
    code, err = export(defs_with(tmp_path / "2", "Contact.FirstName", to_leads=False),
                       tmp_path / "2", capsys)
    assert code == 0, err  # the recap goes to the deal's contacts only


def test_the_examples_salesforce_templates_reach_their_leads(tmp_path, capsys) -> None:
    code, err = export(EXAMPLE, tmp_path, capsys)
    assert code == 0, err
    for name in ("inbound_first_touch", "inbound_followup", "inbound_breakup"):
        text = (tmp_path / "out" / "salesforce" / f"{name}.txt").read_text()
        assert "{{{Contact." not in text and "{{{Account." not in text
        assert "{{{Recipient.FirstName}}}" in text
