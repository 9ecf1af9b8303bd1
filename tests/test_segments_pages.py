"""The example end to end: segments, deal hygiene, outcomes with reasons and operational
SLAs, from validation to the pages and diagrams a rep reads."""

from __future__ import annotations

from pathlib import Path

from helpers import EXAMPLE, diagrams

from revenue_playbook.checks.validate import validate
from revenue_playbook.site.diagrams import process_dot
from revenue_playbook.site.pages import build_site


def test_example_pages_show_segments_hygiene_outcomes_and_service_levels(
        tmp_path: Path) -> None:
    result = validate(EXAMPLE)
    assert not result.failed(strict=True)
    pb = result.playbook
    site = build_site(pb, diagrams(), findings=result.findings)
    discovery = site.pages["stages/discovery.md"].markdown
    assert "| Mid-market | 10 business days | 20 business days |" in discovery
    assert "| Enterprise | 15 business days | 30 business days |" in discovery
    assert "After the second limit: close the deal as Closed lost" in discovery
    assert "**Forecast category:** Pipeline" in discovery
    # reps read field names in words; the API names are on the admins' page
    assert "Economic buyer named (recorded in the CRM: Economic buyer)" in discovery
    assert "Economic_Buyer__c" not in discovery
    assert "`Economic_Buyer__c`" in site.pages["reference/index.md"].markdown
    assert "**Fill in before the deal enters:** Amount, Close date, Lead source" in discovery
    proposal = site.pages["stages/proposal.md"].markdown
    assert "## By segment" in proposal and "| Mid-market | 60% |" in proposal
    process = site.pages["process/index.md"].markdown
    assert "### Stale deals: deal hygiene { #deal-hygiene }" in process
    assert "Segments: Mid-market, Enterprise" in process
    assert "move the deal back to Tailored demo" in process
    no_decision = site.pages["stages/closed_no_decision.md"].markdown
    assert 'This stage ends the process: No decision' in no_decision
    assert "| Decided to keep their current tools |" in no_decision
    sla = site.pages["sla.md"].markdown
    assert "## Operational SLAs" in sla and "### Landing page build" in sla
    assert "**Lead time:** 10 calendar days" in sla
    assert "**Lead time:** Mid-market 2 business days, Enterprise 3 business days" in sla
    assert "Mid-market 1 business hour, Enterprise 30 business minutes" in sla
    # the process is drawn once, whatever the number of segments
    assert [name for name in site.assets if name.startswith("assets/diagrams/process-")] == [
        "assets/diagrams/process-new_business.svg"]
    dot = process_dot(pb, "new_business", lambda s: s)
    assert 'color="#8d6e63"' in dot  # the team's own outcome, in its colour
