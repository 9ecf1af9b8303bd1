"""Public real-world processes and CRM defaults, written in the format (each file cites its
source): each passes `validate --strict`, and its pages show what the source says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import FIXTURES, diagrams, make_repo

from revenue_playbook.checks.report import format_json
from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.cli import main
from revenue_playbook.definitions.config import load_settings
from revenue_playbook.definitions.findings import Severity
from revenue_playbook.site.diagrams import DiagramRenderer, process_dot
from revenue_playbook.site.pages import build_site

REAL = sorted(p for p in (FIXTURES / "real").iterdir() if p.is_dir())


def checked(folder: Path) -> Result:
    return validate(folder, load_settings(folder))


@pytest.mark.parametrize("folder", REAL, ids=[p.name for p in REAL])
def test_real_process_is_valid_strict(folder: Path) -> None:
    result = checked(folder)
    assert not result.failed(strict=True), [f"{f.location}: {f.code} {f.message}"
                                            for f in result.findings]
    # what the source leaves out is said as information, never invented
    assert {f.effective_severity for f in result.findings} <= {Severity.INFO}
    text = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.yaml"))
    assert "https://" in text.split("\ncompany:")[0]  # the public source, cited up front


def test_salesforce_defaults_keep_probability_and_forecast_category(tmp_path: Path) -> None:
    result = checked(FIXTURES / "real" / "salesforce_default")
    stages = result.playbook.processes["opportunity"].stages
    assert [(s.name, s.probability, s.forecast_category) for s in stages.values()][-3:] == [
        ("Negotiation/Review", 90, "pipeline"), ("Closed Won", 100, "closed"),
        ("Closed Lost", 0, "omitted")]
    site = build_site(result.playbook, diagrams())
    page = site.pages["stages/value_proposition.md"].markdown
    assert "**Win probability:** 50%" in page and "**Forecast category:** Pipeline" in page
    assert "**Forecast category:** Omitted" in site.pages["stages/closed_lost.md"].markdown


def test_hubspot_defaults_have_an_mql_and_an_sql(tmp_path: Path) -> None:
    result = checked(FIXTURES / "real" / "hubspot_default")
    pb = result.playbook
    assert pb.qualified_point("marketing") == "marketingqualifiedlead"
    assert pb.qualified_point("sales") == "salesqualifiedlead"
    site = build_site(pb, diagrams())
    lifecycle = site.pages["lifecycle.md"].markdown
    assert "### Marketing qualified lead (MQL)" in lifecycle
    assert "### Sales qualified lead (SQL)" in lifecycle
    assert "Bad timing - qualified, but not ready to buy now" in lifecycle  # a status reason
    # no SLA, campaigns, KPIs or meeting: those pages and tabs are not made
    assert "sla.md" not in site.pages and "meeting.md" not in site.pages


def test_published_stale_deal_policy_closes_with_its_reason(tmp_path: Path) -> None:
    result = checked(FIXTURES / "real" / "techdeputies_hubspot_pipeline")
    pb = result.playbook
    rule = pb.processes["core_pipeline"].stages["proposal_sent"].hygiene
    assert rule is not None
    assert (rule.act_after, rule.days, rule.action, rule.to, rule.reason) == (
        14, "calendar", "close", "closed_lost", "ghosted")
    site = build_site(pb, diagrams())
    process = site.pages["process/index.md"].markdown
    assert "### Stale deals: deal hygiene { #deal-hygiene }" in process
    assert ("| All segments | — | 14 calendar days | close the deal as Closed lost (Ghosted "
            "(no reply for more than 30 days)) |") in process
    lost = site.pages["stages/closed_lost.md"].markdown
    assert "## Reasons to record" in lost and "| Competitor |" in lost
    dot = process_dot(pb, "core_pipeline", lambda s: s)
    assert 'color="#c62828"' in dot and 'color="#2e7d32"' in dot  # lost and won colours


@pytest.mark.slow
@pytest.mark.parametrize("folder", REAL, ids=[p.name for p in REAL])
def test_real_process_builds_strict(folder: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, folder)
    # the build reads a fixture's [tool.playbook] severities (its pyproject.toml, copied
    # into process_defs/) as `playbook validate` does: nothing is repeated in mkdocs.yml
    monkeypatch.chdir(repo)
    assert main(["build", "--strict"]) == 0
    assert (repo / "site" / "alignment" / "index.html").is_file()
    if checked(folder).playbook.processes:
        assert (repo / "site" / "process" / "index.html").is_file()


def test_a_small_playbook_has_only_its_pages_and_an_honest_alignment_index(
        tmp_path: Path) -> None:
    """HubSpot's defaults define a pipeline and a lifecycle, nothing else: no SLA, campaign,
    template, KPI or meeting page or tab, and the Alignment page says what is not encoded."""
    result = checked(FIXTURES / "real" / "hubspot_default")
    site = build_site(result.playbook, diagrams(),
                      findings=result.findings)
    tabs = [next(iter(tab)) for tab in site.nav]
    # nothing dated or owned by a role: no Today
    assert tabs == ["Home", "Sales process", "Team", "For admins"]
    assert not any(p.startswith(("campaigns/", "emails/")) for p in site.pages)
    assert "scorecard.md" not in site.pages and "calendar.md" not in site.pages
    home = site.pages["index.md"].markdown
    for gone in ("campaigns/index.md", "emails/index.md", "scorecard.md", "| Campaigns |",
                 "| Email templates |", "| KPIs on the scorecard |"):
        assert gone not in home, gone
    alignment = site.pages["alignment.md"].markdown
    assert "**1 of 9 practices met.**" in alignment
    assert "| **One definition of a qualified lead**" in alignment
    report = json.loads(format_json(result))["alignment"]
    assert (report["met"], report["total"]) == (1, 9)
    states = {p["id"]: p["state"] for p in report["practices"]}
    assert alignment.count("➖ not encoded") == list(states.values()).count("not encoded") > 0
    assert states["qualified-lead"] == "met" and states["sales-preview"] == "not encoded"
    # HubSpot's defaults name no hand-off owner or time, and no exit criteria: "not
    # encoded", with no rule switched off (the folder has no severity settings)
    assert states["handoffs"] == "not encoded" and states["exit-criteria"] == "not encoded"
    assert "needs hand-off (\\`handoff:\\` on a lifecycle stage)" in alignment
    assert "needs exit criteria in process 'sales\\_pipeline'" in alignment


# ------------------------------------------------------------- sources mapped, nothing invented

MAPPED = [p for p in REAL if (p / "README.md").is_file()]
NOT_STATED = "not stated by the source"  # the marker for a field a source leaves empty


def _table(readme: Path) -> list[list[str]]:
    rows = [line.strip().strip("|").split(" | ") for line in
            readme.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row] for row in rows[1:]]  # without the header


def _resolve(playbook: object, path: str) -> tuple[bool, object]:
    """(found, value) for a dotted path into the playbook: `sla.tiers.p1.owner`."""
    value = playbook
    for part in path.split("."):
        if isinstance(value, dict):
            if part not in value:
                return False, None
            value = value[part]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            return False, None
    return True, value


def _paths(cell: str) -> list[str]:
    from revenue_playbook.definitions.model import SECTIONS
    return [p for p in re.findall(r"`([a-z_][a-z0-9_.]*)`", cell)
            if p.split(".")[0] in SECTIONS]


def test_at_least_four_mapped_sources_of_different_kinds() -> None:
    names = {p.name for p in MAPPED}
    assert {"posthog_product_led", "gitlab_enterprise_segments", "orchestra_agency_pipeline",
            "hivemq_support_hours"} <= names


@pytest.mark.parametrize("folder", MAPPED, ids=[p.name for p in MAPPED])
def test_every_rule_is_mapped_and_nothing_is_invented(folder: Path) -> None:
    """Each README row names the field that encodes a rule of the source (which holds a
    value), or a field marked "not stated by the source" (which the fixture leaves empty:
    zero invented values)."""
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "https://" in readme and NOT_STATED in readme
    pb = checked(folder).playbook
    rows = _table(folder / "README.md")
    assert len(rows) >= 8, folder
    stated = unstated = 0
    for rule, source, encoded in rows:
        paths = _paths(encoded)
        assert paths, f"{folder.name}: no field named for {rule!r}"
        for path in paths:
            found, value = _resolve(pb, path)
            if encoded.startswith(NOT_STATED):
                assert value in (None, "", [], {}), f"{folder.name}: {path} is filled"
                unstated += 1
            else:
                assert source != "—" and found and value not in (None, "", [], {}), \
                    f"{folder.name}: {path} does not hold {rule!r}"
                stated += 1
    assert stated and unstated
    text = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.yaml"))
    assert not re.search(r"(?i)\b(todo|tbd|placeholder|example\.com|invented|assumed)\b",
                         text)


@pytest.mark.parametrize("folder", MAPPED, ids=[p.name for p in MAPPED])
def test_what_a_source_leaves_out_is_shown_as_not_defined_or_left_off(folder: Path,
                                                                      tmp_path: Path) -> None:
    result = checked(folder)
    site = build_site(result.playbook, diagrams(),
                      findings=result.findings)
    alignment = site.pages["alignment.md"].markdown
    assert "➖ not encoded" in alignment and "❌ not met" not in alignment


def test_sources_rules_are_shown_where_reps_look(tmp_path: Path) -> None:
    def pages(name: str) -> dict[str, str]:
        result = checked(FIXTURES / "real" / name)
        site = build_site(result.playbook, DiagramRenderer(tmp_path / name))
        return {path: page.markdown for path, page in site.pages.items()}

    posthog = pages("posthog_product_led")["lifecycle.md"]
    assert "any one of: (MRR between $500 and $1,667 and Employee count over 50" in posthog
    hivemq = pages("hivemq_support_hours")["sla.md"]
    assert "09:00–18:00" in hivemq and "Europe/Berlin" in hivemq
    assert "| Basic Support 1 business day, Extended Support 4 business hours |" in hivemq
    assert "*not defined*" in hivemq  # who responds
    orchestra = pages("orchestra_agency_pipeline")
    assert "entered only from Contract Out" in orchestra["stages/closed_won.md"]
    assert "**Win probability:** 95%" in orchestra["stages/contract_out.md"]
    gitlab = pages("gitlab_enterprise_segments")
    assert "Qualified (converted)" in gitlab["lifecycle.md"]


def test_segment_criteria_are_shown(tmp_path: Path) -> None:
    """Segment criteria ("2001+ employees") were kept but shown on no page."""
    result = checked(FIXTURES / "real" / "gitlab_enterprise_segments")
    site = build_site(result.playbook, diagrams())
    lifecycle = site.pages["lifecycle.md"].markdown
    assert "## Customer segments" in lifecycle
    assert "| **Large** | 751-4999 users |" in lifecycle
    hivemq = checked(FIXTURES / "real" / "hivemq_support_hours")
    sla = build_site(hivemq.playbook, DiagramRenderer(tmp_path / "c2")).pages["sla.md"]
    assert "| **Basic Support** | *not defined* |" in sla.markdown
