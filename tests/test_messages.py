"""Messages and words people read: no cascade from a value that already has an error,
"did you mean" for fixed values, Salesforce's own forecast words, one helper for counts
and articles, and schema examples of the right kind (issue 24, item 5)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import MINIMAL, diagrams

from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.definitions.config import load_settings
from revenue_playbook.definitions.model import json_schema
from revenue_playbook.definitions.wording import article, count, with_article
from revenue_playbook.site.pages import build_site


def edited(tmp_path: Path, old: str, new: str, name: str = "sales.yaml") -> Path:
    defs = tmp_path / "defs"
    if not defs.exists():
        shutil.copytree(MINIMAL, defs)
    path = defs / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return defs


def checked(defs: Path) -> Result:
    return validate(defs, load_settings(defs))


def test_a_wrong_value_brings_no_cascade_of_unused_warnings(tmp_path: Path) -> None:
    """`days: calendar_days` is one error: the reason and template that only the broken
    stage uses are not also reported as unused (PB315, PB407)."""
    defs = edited(tmp_path, "        hygiene: {warn_after: 10d}\n",
                  "        hygiene: {warn_after: 10d, act_after: 20d, days: calendar_days,\n"
                  "                  action: close, to: lost, reason: stale}\n")
    edited(tmp_path, "processes:\n", "reasons:\n  stale: No activity\n\nprocesses:\n")
    edited(tmp_path, "        outcome: lost\n", "        outcome: lost\n        reasons: [stale]\n")
    result = checked(defs)
    assert [f.code for f in result.findings] == ["PB103"]
    broken = edited(tmp_path, "days: calendar_days", "days: calendar")
    assert not checked(broken).failed(strict=True)
    defs = edited(tmp_path, "days: calendar,", "days: calendar_days,")
    edited(tmp_path, "        reasons: [stale]\n", "")  # now only the broken stage uses it
    codes = [(f.code, f.message) for f in checked(defs).findings]
    assert codes == [("PB103", "stages.discovery.hygiene.days: input should be 'business' or "
                      "'calendar' (got 'calendar_days')")]


@pytest.mark.parametrize(("written", "hint"), [
    ("COMMIT", "Did you mean 'commit'?"),
    ("best case", "Did you mean 'best_case'?"),
    ("best-case", "Did you mean 'best_case'?"),
    ("pipline", "Did you mean 'pipeline'?"),
])
def test_a_fixed_value_in_another_spelling_gets_did_you_mean(tmp_path: Path, written: str,
                                                              hint: str) -> None:
    defs = edited(tmp_path, "        probability: 50\n",
                  f"        probability: 50\n        forecast_category: {written}\n")
    [finding] = [f for f in checked(defs).findings if f.code == "PB103"]
    assert finding.hint == f"{hint} One of: pipeline, best_case, commit, closed, omitted."
    assert finding.location.line == 27


@pytest.mark.parametrize(("salesforce", "ours"), [
    ("Commit", "commit"), ("Forecast", "commit"), ("BestCase", "best_case"),
    ("Best Case", "best_case"), ("Pipeline", "pipeline"), ("Omitted", "omitted")])
def test_salesforce_forecast_words_are_read(tmp_path: Path, salesforce: str,
                                            ours: str) -> None:
    defs = edited(tmp_path, "        probability: 50\n",
                  f"        probability: 50\n        forecast_category: {salesforce}\n")
    result = checked(defs)
    assert not result.failed(strict=True), [f.message for f in result.findings]
    assert result.playbook.stages["proposal"].forecast_category == ours


def test_counts_and_articles() -> None:
    assert [count(1, "touch"), count(6, "touch"), count(1, "calendar day"),
            count(3, "business day"), count(1.5, "business day"), count(2, "company")] == [
        "1 touch", "6 touches", "1 calendar day", "3 business days", "1.5 business days",
        "2 companies"]
    assert [with_article(w) for w in ("Education MQL", "Account Executive", "SDR", "MQL",
                                      "Sales rep", "hour", "user", "CRO", "Inbound lead")] == [
        "an Education MQL", "an Account Executive", "an SDR", "an MQL", "a Sales rep",
        "an hour", "a user", "a CRO", "an Inbound lead"]
    assert article("") == "a"


def test_messages_and_pages_count_and_article_right(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    if not defs.exists():
        shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    sales.write_text(sales.read_text().replace(
        "      - day: 0\n        channel: email\n        template: hello\n"
        "      - day: 2\n        channel: call\n", ""))
    sla = defs / "sla.yaml"
    sla.write_text(sla.read_text().replace("name: Demo request", "name: Education MQL"))
    result = checked(defs)
    messages = [f.message for f in result.findings if f.code == "PB504"]
    assert messages == ["cadence 'hot' has 1 touch, but 3 are required before recycling"]
    site = build_site(result.playbook, diagrams())
    assert "What an Account Executive does today" in site.pages["my-day/ae.md"].markdown
    assert "an Education MQL lead comes in" in site.pages["sla.md"].markdown


def test_schema_examples_fit_their_field() -> None:
    stage = json_schema("processes")["$defs"]["Stage"]["properties"]
    assert stage["probability"]["examples"] == [20, {"enterprise": 10, "default": 20}]
    text = json.dumps(stage["probability"])
    assert "30d" not in text and "14d" not in text  # no duration shown for a percentage
    assert stage["forecast_category"]["examples"][0] == "pipeline"


def test_one_calendar_day_is_singular(tmp_path: Path) -> None:
    defs = edited(tmp_path, "        hygiene: {warn_after: 10d}\n",
                  "        hygiene: {warn_after: 1cd}\n")
    messages = [f.message for f in checked(defs).findings if f.code == "PB307"]
    assert messages == ["'discovery' is stale after 1 calendar day but typically takes "
                        "5 business days"]
