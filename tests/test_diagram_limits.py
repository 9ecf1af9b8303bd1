"""Diagrams are bounded before `dot` runs: a process too large to draw is a warning (PB009)
at its definition with the limit, its page says so instead of a diagram, and `dot` is never
handed it (a valid 100-stage process with returns took `dot` past its 120 s timeout twice;
3,000 stages ran out of memory)."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import pytest
from helpers import EXAMPLE, MINIMAL

from revenue_playbook.checks import diagram_limits
from revenue_playbook.checks.report import format_text
from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.site.diagrams import (
    DiagramError,
    DiagramRenderer,
    campaign_dot,
    lifecycle_dot,
    process_dot,
    touchpoints_dot,
)
from revenue_playbook.site.pages import build_site


def big_process(parent: Path, stages: int, returns: int = 3) -> Path:
    """The minimal playbook with a valid process of `stages` stages, each leading to the
    next and to "lost", and returning to the `returns` stages before it."""
    defs = parent / "defs"
    shutil.copytree(MINIMAL, defs)
    lines = ["processes:", "  big:", "    name: Big", "    owner: ae", "    stages:"]
    for i in range(stages):
        after = f"b{i + 1}" if i + 1 < stages else "big_won"
        lines += [f"      b{i}:", f"        name: Stage {i}", "        owner: ae",
                  f"        probability: {min(90, 1 + i * 90 // stages)}",
                  "        exit_criteria: [Done]", f"        next: [{after}, big_lost]"]
        back = [f"b{j}" for j in range(max(0, i - returns), i)]
        if back:
            lines.append(f"        returns_to: [{', '.join(back)}]")
    lines += ["      big_won: {name: Won big, outcome: won}",
              "      big_lost: {name: Lost big, outcome: lost}"]
    (defs / "big.yaml").write_text("\n".join(lines) + "\n")
    return defs


def test_a_process_too_large_to_draw_is_a_warning_with_the_limit(tmp_path: Path) -> None:
    result = validate(big_process(tmp_path, 100))
    assert not result.errors
    (finding,) = [f for f in result.findings if f.code == "PB009"]
    assert str(finding.location).endswith("big.yaml:5:5")  # `stages:` of process 'big'
    assert finding.message == (
        "process 'big' has 102 stages and 494 arrows, more than a diagram shows (40 stages, "
        "120 arrows): its page shows it as text, without a diagram")
    report = format_text(result)
    assert "warning PB009" in report and "    5 |     stages:" in report


def test_the_page_says_why_and_dot_never_sees_it(tmp_path: Path) -> None:
    result = validate(big_process(tmp_path, 100))
    renderer = DiagramRenderer(None)
    site = build_site(result.playbook, renderer)
    assert "assets/diagrams/process-big.svg" not in site.assets
    assert "assets/diagrams/process-new_business.svg" in site.assets
    page = site.pages["process/index.md"].markdown
    assert "<strong>Big: the sales process</strong>: not drawn, it has 102 stages and 494 " \
        "arrows, more than a diagram shows (40 stages, 120 arrows)." in page
    assert "Stage 99" in page  # the stages are still listed


@pytest.mark.slow
def test_three_thousand_stages_are_refused_before_any_layout(tmp_path: Path) -> None:
    result = validate(big_process(tmp_path, 3000, returns=1))
    assert [f.code for f in result.findings if f.code == "PB009"] == ["PB009"]


@pytest.mark.parametrize("kind", ["stage", "cadence", "campaign"])
def test_timelines_have_their_own_larger_limit(kind: str, tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    n = 600
    if kind == "cadence":
        steps = "".join(f"      - {{day: {i // 2}, channel: call}}\n" for i in range(n))
        (defs / "long.yaml").write_text(
            f"cadences:\n  long:\n    name: Long\n    owner: sdr\n    steps:\n{steps}")
    elif kind == "stage":
        sales = defs / "sales.yaml"
        touches = "".join(f"          - {{day: {2 + i // 3}, channel: call, purpose: Call}}\n"
                          for i in range(n))
        sales.write_text(sales.read_text().replace(
            "            template: recap\n", "            template: recap\n" + touches, 1))
    else:
        steps = "".join(f"  s{i}: {{name: Step {i}, phase: execution, owner: marketer, "
                        f"offset: {i}}}\n" for i in range(n))
        (defs / "campaigns" / "long.yaml").write_text(
            "name: Long\nstatus: draft\nobjective: x\npersona: buyer\nowner: marketer\n"
            "steps:\n  brief: {name: Brief, phase: planning, owner: marketer, offset: -5}\n"
            "  check: {name: Check, phase: planning, owner: ae, offset: -2, "
            "sales_preview: true}\n" + steps)
    result = validate(defs)
    found = [f for f in result.findings if f.code == "PB009"]
    assert len(found) == 1, [f"{f.code} {f.message}" for f in result.findings]
    assert "(500 nodes, 1,000 arrows)" in found[0].message


def test_the_counts_are_those_of_the_diagrams_drawn() -> None:
    """The limit is checked on counts made from the model; they must be the DOT's own."""
    pb = validate(EXAMPLE).playbook

    def counted(dot: str) -> tuple[int, int]:
        arrows = dot.count(" -> ")
        nodes = len([line for line in dot.splitlines()
                     if re.match(r'\s+"[^"]+" \[', line) and " -> " not in line])
        return nodes, arrows

    sizes = []
    for pid, process in pb.processes.items():
        sizes.append((counted(process_dot(pb, pid, lambda s: s)),
                      diagram_limits.process_size(process)))
        for stage in process.stages.values():
            if stage.touchpoints:
                sizes.append((counted(touchpoints_dot("t", stage.touchpoints)),
                              diagram_limits.timeline_size(stage.touchpoints)))
    sizes.append((counted(lifecycle_dot(pb)), diagram_limits.lifecycle_size(pb.lifecycle)))
    for cadence in pb.cadences.values():
        sizes.append((counted(touchpoints_dot("c", cadence.steps)),
                      diagram_limits.timeline_size(cadence.steps)))
    for cid, campaign in pb.campaigns.items():
        sizes.append((counted(campaign_dot(pb, cid, Calendar.of(pb))),
                      diagram_limits.campaign_size(campaign)))
    assert len(sizes) > 10
    for (nodes, arrows), size in sizes:
        assert (nodes, arrows) == (size.nodes, size.arrows)


def test_a_dot_that_runs_past_its_time_is_not_started_again(tmp_path: Path) -> None:
    """A timed-out batch used to be laid out again graph by graph: twice the timeout."""
    slow = tmp_path / "dot"
    calls = tmp_path / "calls"
    slow.write_text(f"#!/bin/sh\necho run >> {calls}\n"
                    'case "$1" in -V) echo "dot - fake" >&2; exit 0;; esac\nsleep 30\n')
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    renderer = DiagramRenderer(None, dot_binary=str(slow), timeout=0.5)
    with pytest.raises(DiagramError, match=r"took more than 0\.5 s"):
        renderer.render_many({"a": "digraph a {}\n", "b": "digraph b {}\n"})
    assert calls.read_text().count("run") == 2  # `dot -V`, then the batch once
