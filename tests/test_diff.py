"""The semantic diff: hand-made pairs of playbooks, one kind of change each."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import EXAMPLE, MINIMAL

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.diff import diff_playbooks


def changed(tmp_path: Path, edits: dict[str, Callable[[str], str]]) -> list[str]:
    root = tmp_path / "new"
    shutil.copytree(MINIMAL, root)
    for name, edit in edits.items():
        path = root / name
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    new = validate(root)
    assert new.errors == [], new.errors
    return [c.sentence() for c in diff_playbooks(validate(MINIMAL).playbook, new.playbook)]


def sub(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


def test_identical_playbooks_have_no_changes() -> None:
    pb = validate(MINIMAL).playbook
    assert diff_playbooks(pb, validate(MINIMAL).playbook) == []


@pytest.mark.parametrize(("edits", "expected"), [
    pytest.param({"sales.yaml": sub("name: Proposal\n", "name: Proposal and pricing\n")},
                 ["stage 'Proposal and pricing': renamed (Proposal → Proposal and pricing)"],
                 id="stage-renamed"),
    pytest.param({"sales.yaml": sub("          - Pain confirmed by the buyer\n",
                                    "          - Pain confirmed by the buyer\n"
                                    "          - Budget owner named\n")},
                 ["stage 'Discovery': exit criterion added: Budget owner named"],
                 id="exit-criterion-added"),
    pytest.param({"sales.yaml": sub("          - Proposal accepted\n",
                                    "          - Proposal accepted\n          - Legal OK\n")},
                 ["stage 'Proposal': exit criterion added: Legal OK"],
                 id="exit-criterion-added-2"),
    pytest.param({"sales.yaml": sub("          - day: 1\n            channel: email",
                                    "          - day: 3\n            channel: email")},
                 ["stage 'Discovery': email touchpoint 'Recap the call' moved "
                  "(day 1 → day 3)"], id="touchpoint-moved"),
    pytest.param({"sla.yaml": sub("response_time: 1bh", "response_time: 30m")},
                 ["SLA, tier 'demo': response time (1bh → 30m)"], id="sla-number"),
    pytest.param({"sla.yaml": sub("    after_days: 5\n", "    after_days: 8\n")},
                 ["SLA: after days (5 → 8)"], id="recycle-window"),
    pytest.param({"scorecard.yaml": sub("target: 90", "target: 92")},
                 ["KPI 'Customer retention' (retention): target (90 → 92)"], id="kpi-target"),
    pytest.param({"campaigns/launch.yaml": sub("status: scheduled", "status: live")},
                 ["campaign 'Product launch' (launch): status (scheduled → live)"],
                 id="campaign-status"),
])
def test_one_change_each(tmp_path: Path, edits: dict, expected: list[str]) -> None:
    assert changed(tmp_path, edits) == expected


def test_stage_id_renamed_is_not_added_and_removed(tmp_path: Path) -> None:
    rename = sub("      proposal:\n", "      offer:\n")
    point = sub("next: [proposal, lost]", "next: [offer, lost]")
    assert changed(tmp_path, {"sales.yaml": lambda t: point(rename(t))}) == [
        "stage 'Proposal': renamed (proposal (Proposal) → offer (Proposal))"]


def test_stage_added_and_removed(tmp_path: Path) -> None:
    add = sub("      won:\n", "      legal:\n        name: Legal review\n        exit_criteria: "
              "[Contract signed]\n        next: [won]\n      won:\n")
    point = sub("        next: [won, lost]\n", "        next: [legal, lost]\n")
    result = changed(tmp_path, {"sales.yaml": lambda t: point(add(t))})
    assert result == ["stage 'Legal review' (legal) added",
                      "stage 'Proposal': next stage added: legal",
                      "stage 'Proposal': next stage removed: won"]


def test_template_rewrite_carries_a_text_diff(tmp_path: Path) -> None:
    root = tmp_path / "new"
    shutil.copytree(MINIMAL, root)
    hello = root / "templates" / "hello.yaml"
    hello.write_text(hello.read_text().replace("Thanks for asking", "Thank you for asking"))
    changes = diff_playbooks(validate(MINIMAL).playbook, validate(root).playbook)
    assert [c.sentence() for c in changes] == [
        "template 'First reply to a demo request' (hello): body rewritten"]
    assert "-Thanks for asking for a demo. Does {{ slot }} work?" in changes[0].diff
    assert "+Thank you for asking for a demo. Does {{ slot }} work?" in changes[0].diff


def test_campaign_added(tmp_path: Path) -> None:
    root = tmp_path / "new"
    shutil.copytree(MINIMAL, root)
    text = (root / "campaigns" / "launch.yaml").read_text().replace("Product launch", "Webinar")
    (root / "campaigns" / "webinar.yaml").write_text(text)
    changes = diff_playbooks(validate(MINIMAL).playbook, validate(root).playbook)
    assert [c.sentence() for c in changes] == ["campaign 'Webinar' (webinar) added"]


def test_reports_in_text_markdown_and_json(tmp_path: Path) -> None:
    from revenue_playbook.definitions.diff import (
        changes_to_json,
        changes_to_markdown,
        changes_to_text,
    )

    root = tmp_path / "new"
    shutil.copytree(MINIMAL, root)
    sla = root / "sla.yaml"
    sla.write_text(sla.read_text().replace("response_time: 1bh", "response_time: 30m"))
    hello = root / "templates" / "hello.yaml"
    hello.write_text(hello.read_text().replace("name: First reply to a demo request",
                                               "name: First <b>reply</b> *now*"))
    changes = diff_playbooks(validate(MINIMAL).playbook, validate(root).playbook)
    assert changes_to_text(changes) == (
        "SLA\n"
        "  ~ SLA, tier 'demo': response time (1bh → 30m)\n"
        "\n"
        "Email templates\n"
        "  ~ template 'First <b>reply</b> *now*' (hello): name (First reply to a demo "
        "request → First <b>reply</b> *now*)")
    markdown = changes_to_markdown(changes)
    assert "<b>" not in markdown and "&lt;b&gt;reply&lt;/b&gt; \\*now\\*" in markdown
    assert markdown.startswith("## SLA\n\n- **changed** SLA, tier 'demo': response time")
    assert changes_to_json(changes)[0] == {
        "action": "changed", "area": "sla", "subject": "SLA, tier 'demo'",
        "detail": "response time", "old": "1bh", "new": "30m", "diff": [],
        "text": "SLA, tier 'demo': response time (1bh → 30m)"}
    assert changes_to_text([]) == "No changes."


def test_definitions_at_a_git_revision(tmp_path: Path) -> None:
    import subprocess

    from revenue_playbook.definitions.revisions import RevisionError, definitions_at

    repo = tmp_path / "repo"
    shutil.copytree(MINIMAL, repo / "process_defs")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one", "--allow-empty")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two")
    git("tag", "v1")
    sla = repo / "process_defs" / "sla.yaml"
    sla.write_text(sla.read_text().replace("response_time: 1bh", "response_time: 2bh"))
    with definitions_at("v1", repo / "process_defs") as old:
        assert "response_time: 1bh" in (old / "sla.yaml").read_text()
        changes = diff_playbooks(validate(old).playbook, validate(repo / "process_defs").playbook)
    assert [c.sentence() for c in changes] == ["SLA, tier 'demo': response time (1bh → 2bh)"]
    with pytest.raises(RevisionError), definitions_at("HEAD~1", repo / "process_defs"):
        pass  # the first commit had no definitions
    with pytest.raises(RevisionError), definitions_at("no-such-tag", repo / "process_defs"):
        pass


def test_a_changed_value_names_its_segment(tmp_path: Path) -> None:
    """End to end with the example: a per-segment hygiene limit and probability change;
    the diff says which segment's value changed, old → new."""
    old = tmp_path / "old"
    shutil.copytree(EXAMPLE, old)
    new = tmp_path / "new"
    shutil.copytree(EXAMPLE, new)
    process = new / "processes" / "new_business.yaml"
    text = process.read_text(encoding="utf-8")
    text = text.replace("warn_after: {mid_market: 10d, enterprise: 15d}",
                        "warn_after: {mid_market: 10d, enterprise: 12d}", 1)
    text = text.replace("probability: {mid_market: 60, enterprise: 50}",
                        "probability: {mid_market: 65, enterprise: 50}", 1)
    process.write_text(text, encoding="utf-8")
    before, after = validate(old).playbook, validate(new).playbook
    sentences = [c.sentence() for c in diff_playbooks(before, after)]
    assert "stage 'Discovery': warn after for segment 'enterprise' (15 → 12)" in sentences
    assert "stage 'Proposal': probability for segment 'mid_market' (60 → 65)" in sentences
    assert len(sentences) == 2
