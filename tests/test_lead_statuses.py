"""Lead status is its own dimension beside the lifecycle stage, and a definition can say
how each CRM names it (`crm: {salesforce: ..., hubspot: ...}`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import MINIMAL, diagrams

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.config import load_settings
from revenue_playbook.definitions.model import crm_name
from revenue_playbook.site.pages import build_site

LEAD_STATUSES = """
lead_statuses:
  open:
    name: Open - Not Contacted
    lifecycle: [lead, mql]
    crm: {salesforce: Open - Not Contacted, hubspot: NEW}
  working:
    name: Working - Contacted
    lifecycle: [mql, sal]
    crm: {hubspot: {value: IN_PROGRESS, label: In progress}}
  converted:
    name: Closed - Converted
    converted: true
    lifecycle: [sal]
  not_converted:
    name: Closed - Not Converted
    description: Not a fit, or no answer after the whole cadence.
"""


def defs_with(tmp_path: Path, extra: str) -> Path:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    (defs / "statuses.yaml").write_text(extra)
    return defs


def test_lead_statuses_are_read_checked_and_shown(tmp_path: Path) -> None:
    defs = defs_with(tmp_path, LEAD_STATUSES)
    result = validate(defs, load_settings(defs))
    assert not result.failed(strict=True), [str(f) for f in result.findings]
    pb = result.playbook
    assert list(pb.lead_statuses) == ["open", "working", "converted", "not_converted"]
    assert [s for s, st in pb.lead_statuses.items() if st.converted] == ["converted"]
    working = pb.lead_statuses["working"]
    assert crm_name(working, "hubspot") == crm_name(working, "hubspot")
    hub = crm_name(working, "hubspot")
    assert hub is not None and (hub.value, hub.label) == ("IN_PROGRESS", "In progress")
    assert crm_name(working, "salesforce") is None
    sf = crm_name(pb.lead_statuses["open"], "salesforce")
    assert sf is not None and (sf.value, sf.label) == ("Open - Not Contacted",) * 2
    hs = crm_name(pb.lead_statuses["open"], "hubspot")
    assert hs is not None and (hs.value, hs.label) == ("NEW", "Open - Not Contacted")
    page = build_site(pb, diagrams()).pages["lifecycle.md"].markdown
    assert "## Lead statuses" in page
    assert "with the status **Closed - Converted**" in page
    assert ("| Working - Contacted | Marketing qualified lead, Sales accepted lead | — | "
            "HubSpot: IN\\_PROGRESS (shown as In progress) |") in page
    assert "| Closed - Not Converted | all | Not a fit, or no answer after the whole " \
           "cadence. | not defined |" in page


def test_a_lead_status_names_lifecycle_stages_that_exist(tmp_path: Path) -> None:
    defs = defs_with(tmp_path, LEAD_STATUSES.replace("[lead, mql]", "[lead, mqll]"))
    result = validate(defs, load_settings(defs))
    assert [(f.code, f.location.line) for f in result.findings if f.code == "PB207"] == [
        ("PB207", 5)]


def test_a_crm_other_than_salesforce_or_hubspot_is_refused_at_its_line(tmp_path: Path) -> None:
    defs = defs_with(tmp_path, LEAD_STATUSES.replace("hubspot: NEW", "pipedrive: NEW"))
    result = validate(defs, load_settings(defs))
    found = [(f.code, f.location.line) for f in result.findings if f.severity.name == "ERROR"]
    assert found and found[0][1] == 6, found
