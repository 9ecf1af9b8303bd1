"""What real teams' rules needed and the format could not say (issue 24, item 2), each
validated (fixtures/invalid/PB212, PB319, PB320, PB321, PB614) and shown where a rep or
marketer looks."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import MINIMAL, diagrams

from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.definitions.config import load_settings
from revenue_playbook.definitions.model import AllOf, AnyOf
from revenue_playbook.site.pages import Site, build_site


def edit(defs: Path, name: str, old: str, new: str) -> None:
    path = defs / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def playbook(tmp_path: Path) -> tuple[Result, Site]:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    edit(defs, "team.yaml", "    entry_criteria: [Score of 50 or more]\n",
         "    entry_criteria:\n"
         "      - Works at a company in an ICP country\n"
         "      - any_of:\n"
         "          - Requested a demo\n"
         "          - all_of: [Score of 50 or more, Invited a teammate]\n"
         "    deal_stages: [discovery]\n")
    edit(defs, "sales.yaml", "    owner: ae\n    stages:\n",
         "    owner: ae\n    movement: [forward_only]\n"
         "    deal_types: {new_business: New business, renewal: {name: Renewal, "
         "description: the same customer for another term}}\n    stages:\n")
    edit(defs, "sales.yaml", "        outcome: lost\n",
         "        outcome: lost\n      duplicate:\n        name: Duplicate\n"
         "        outcome: duplicate\n        enter_from: [discovery]\n")
    edit(defs, "sales.yaml", "        next: [proposal, lost]\n",
         "        next: [proposal, lost, duplicate]\n")
    edit(defs, "sales.yaml", "          - Proposal accepted\n",
         "          - Proposal accepted\n        no_campaigns: true\n")
    edit(defs, "campaigns/launch.yaml", "kpis: [projected_revenue]\n",
         "audience:\n  lifecycle: [mql]\n  exclude_deal_stages: [proposal]\n"
         "kpis: [projected_revenue]\n")
    edit(defs, "sla.yaml", "      response_time: 1bh\n",
         "      response_time: same business day\n      min_touches: 2\n")
    edit(defs, "sla.yaml", "    - after: 2bh\n", "    - after: 1bd\n")
    (defs / "statuses.yaml").write_text(
        "lead_statuses:\n"
        "  attempting: {name: Attempting to contact, stale_after: 10cd, stale_to: nurture}\n"
        "  nurture: {name: Nurture, reasons: [bad_timing]}\n"
        "  qualified: {name: Qualified, converted: true}\n"
        "reasons:\n  bad_timing: Bad timing\n")
    result = validate(defs, load_settings(defs))
    assert not result.failed(strict=True), [f"{f.location}: {f.code} {f.message}"
                                            for f in result.findings]
    return result, build_site(result.playbook, diagrams())


def test_any_of_and_all_of_criteria(tmp_path: Path) -> None:
    result, site = playbook(tmp_path)
    criteria = result.playbook.lifecycle["mql"].entry_criteria
    assert isinstance(criteria[1], AnyOf) and isinstance(criteria[1].any_of[1], AllOf)
    lifecycle = site.pages["lifecycle.md"].markdown
    assert ("Works at a company in an ICP country; any one of: Requested a demo; (Score of "
            "50 or more and Invited a teammate)") in lifecycle


def test_movement_and_deal_types_on_stage_and_process_pages(tmp_path: Path) -> None:
    _, site = playbook(tmp_path)
    assert "- **How deals move:** forward only, never back to an earlier stage" in \
        site.pages["stages/proposal.md"].markdown
    assert ("- **How deals move:** forward only, never back to an earlier stage; entered "
            "only from Discovery") in site.pages["stages/duplicate.md"].markdown
    process = site.pages["process/index.md"].markdown
    assert "**Deal types:** New business, Renewal (the same customer for another term)" \
        in process
    assert "- **Campaigns:** contacts of deals in this stage are not sent marketing campaigns" \
        in site.pages["stages/proposal.md"].markdown


def test_lifecycle_and_deal_stages_point_at_each_other(tmp_path: Path) -> None:
    _, site = playbook(tmp_path)
    assert "<dt>Deal stages</dt>" in site.pages["lifecycle.md"].markdown
    assert "- **Lifecycle stage:** [Marketing qualified lead]" in \
        site.pages["stages/discovery.md"].markdown


def test_campaign_audience_and_exclusions_are_shown(tmp_path: Path) -> None:
    _, site = playbook(tmp_path)
    page = site.pages["campaigns/launch.md"].markdown
    assert "- **Reaches:** Marketing qualified lead" in page
    assert "- **Never reaches:** deals in Proposal" in page


def test_same_business_day_and_tier_touches(tmp_path: Path) -> None:
    _, site = playbook(tmp_path)
    sla = site.pages["sla.md"].markdown
    assert "| the same business day |" in sla
    assert "at least 2 touches before recycling" in sla


def test_lead_status_staleness_and_reasons(tmp_path: Path) -> None:
    _, site = playbook(tmp_path)
    lifecycle = site.pages["lifecycle.md"].markdown
    assert ("- **Attempting to contact**: after 10 calendar days without activity, the lead "
            "moves to Nurture.") in lifecycle
    assert "| Nurture | Bad timing |" in lifecycle


def test_a_cadence_per_segment(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    (defs / "segments.yaml").write_text(
        "segments:\n  mid: {name: Mid-market}\n  ent: {name: Enterprise}\n")
    edit(defs, "sla.yaml", "      cadence: hot\n", "      cadence: {mid: hot, ent: slow}\n")
    edit(defs, "sales.yaml", "\ncadences:\n",
         "\ncadences:\n  slow:\n    name: Enterprise follow-up\n    owner: ae\n    steps:\n"
         "      - {day: 0, channel: call}\n      - {day: 3, channel: call}\n")
    result = validate(defs, load_settings(defs))
    assert [f.message for f in result.findings if f.code == "PB504"] == [
        "cadence 'slow' has 2 touches, but 3 are required before recycling for segment 'ent'"]
    site = build_site(result.playbook, diagrams())
    sla = site.pages["sla.md"].markdown
    assert "Mid-market: [Hot lead follow-up](#cadence-hot)<br>Enterprise: [Enterprise " \
           "follow-up](#cadence-slow)" in sla
    edit(defs, "sla.yaml", "ent: slow}", "ent: slwo}")
    [unknown] = [f for f in validate(defs, load_settings(defs)).findings if f.code == "PB206"]
    assert unknown.message == "unknown cadence 'slwo'" and unknown.hint == "Did you mean 'slow'?"
