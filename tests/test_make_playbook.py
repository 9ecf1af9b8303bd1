"""The synthetic playbook for benchmarks is as valid as the example and grows linearly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from revenue_playbook.checks.validate import validate
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.pages import build_site

sys.path.insert(0, str(ROOT / "benchmarks"))

from make_playbook import make

COMMITTED = ("benchmarks/results.json", "playbook/benchmarks.md")  # the full run's figures


def test_scaled_playbook_is_valid_and_linear(tmp_path: Path) -> None:
    one = make(ROOT / "process_defs", 1, tmp_path / "one")
    three = make(ROOT / "process_defs", 3, tmp_path / "three")
    result = validate(tmp_path / "three")
    assert [f"{f.location}: {f.code} {f.message}" for f in result.findings] == []
    base = validate(ROOT / "process_defs").playbook
    assert len(result.playbook.templates) == 3 * len(base.templates)
    assert len(result.playbook.stages) == 3 * len(base.stages)
    assert len(result.playbook.campaigns) == 3 * len(base.campaigns)
    assert len(result.playbook.kpis) == 3 * len(base.kpis)
    shared = one - (three - one) // 2
    assert three - shared == 3 * (one - shared)
    # copies are wired to their own stages and templates
    stage = result.playbook.stages["discovery_s3"]
    assert stage.next == ["demo_s3", "disqualified_s3", "closed_lost_s3"]
    assert stage.touchpoints[0].template == "discovery_confirmation_s3"


@pytest.mark.slow
def test_benchmark_writes_every_figure(tmp_path: Path) -> None:
    """`make bench` at its smallest: scale 1, two runs, two served edits, into tmp_path."""
    committed = [(ROOT / f).read_bytes() for f in COMMITTED]
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--scales",
                          "1", "--runs", "2", "--edits", "2", "--findings", "200", "800",
                          "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    row = document["results"][0]
    timed = ("parse_s", "validate_s", "generate_s", "mkdocs_s", "build_s", "preview_s",
             "serve_edit_s")
    for key in ("definitions", "files", "validate_vs_parse", "pages", "overhead_s",
                "overhead_cpu_s", "build_overhead", "diagrams", "diagrams_cold_s",
                "diagrams_rendered_warm", "peak_rss_mb", "load", "serve_edit_vs_build",
                "preview_vs_build", "diagrams_cold_vs_build", *timed):
        assert key in row, key
    # scale 1 is the example: its definitions, and the pages and diagrams the site makes
    renderer = DiagramRenderer(tmp_path / "diagrams")
    site = build_site(validate(ROOT / "process_defs").playbook, renderer)
    assert row["definitions"] == make(ROOT / "process_defs", 1, tmp_path / "scale1")
    assert row["pages"] == len(site.pages)
    assert row["diagrams"] == renderer.rendered + renderer.cache_hits > 0
    assert row["diagrams_rendered_warm"] == 0
    for key in timed:  # CPU time beside wall time, both with their spread
        cpu = key.removesuffix("_s") + "_cpu_s"
        assert row[key] > 0 and row[cpu] > 0, key
        assert set(row["spread"][key]) == {"wall", "cpu"}
    for comparison in row["comparisons"].values():
        assert comparison["verdict"] == "ok" or comparison["verdict"].startswith("noisy")
        low, high = comparison["ratio_cpu_spread"]
        assert low <= comparison["ratio_cpu"] <= high
    startup = document["startup"]
    assert startup["startup_s"] > startup["imports_s"] > startup["python_s"] > 0
    assert startup["startup_vs_imports"] == startup["comparisons"]["startup_vs_imports"][
        "ratio_cpu"] > 1
    # every target is a ratio against a reference measured in the same run
    assert row["serve_edit_vs_build"] == pytest.approx(
        row["serve_edit_cpu_s"] / row["build_cpu_s"])
    assert document["profile"] == "custom" and document["elapsed_s"] > 0
    assert document["load"] > 0
    page = (tmp_path / "benchmarks.md").read_text()
    # the page states the pairs this run took (scale 1 takes more than --runs)
    assert row["pairs"] == 11 and "interleave 11 pairs at scale 1, " in page
    assert (f"| 1 | {row['definitions']} | {row['files']} | {row['pages']} | "
            f"{row['diagrams']} |") in page
    assert "| diagrams_rendered_warm = 0 | 0 | yes |" in page
    assert "| target | measured | met |" in out.stdout
    targets = [line for line in page.splitlines() if line.startswith("| ")
               and line.endswith((" | yes |", " | no |", " | noisy, rerun |"))]
    names = [line.split(" | ")[0] for line in targets]
    for name in ("| build_overhead <= 0.1 (scale 1)", "| preview_vs_build <= 0.01 (scale 1)",
                 "| startup_vs_imports <= 2.0: playbook validate on the example over the "
                 "bare imports"):
        assert name in names, names
    assert not any(re.search(r"<= [\d.]+ s\b", name) for name in names)  # no seconds
    findings = document["findings"]
    assert [row["count"] for row in findings] == [200, 800]
    for kind in ("unused_reasons", "unknown_roles", "undeclared_fields"):
        assert findings[1][kind]["cpu_s"] > 0 and findings[1][kind]["wall_s"] > 0
        assert f"{kind}: CPU per finding at 800 within 1.5x of 200" in page
    assert "## Findings per file" in page
    assert [(ROOT / f).read_bytes() for f in COMMITTED] == committed


def test_validation_growth_is_judged_against_parsing_in_the_same_pairs() -> None:
    """A slow spell during scale 100's validation alone does not fail linear validation;
    validation growing faster than parsing does."""
    import run

    document = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    rows = {row["scale"]: dict(row) for row in document["results"]}

    def verdict() -> tuple[str, str]:
        found = [(measured, met) for name, measured, met in run.targets(list(rows.values()), None)
                 if name.startswith("validation CPU time per definition")]
        assert len(found) == 1
        return found[0]

    rows[10]["validate_vs_parse"] = rows[100]["validate_vs_parse"] = 1.4
    rows[100]["validate_cpu_s"] = 50 * rows[10]["validate_cpu_s"]  # ~5.5x per definition
    measured, met = verdict()
    assert met == "yes" and measured.startswith("1.00x (per definition alone, unpaired: ")
    rows[100]["validate_vs_parse"] = 2.1  # 1.5x the ratio at scale 10
    assert verdict() == ("1.50x (per definition alone, unpaired: "
                         f"{measured.split(': ')[1]}", "no")

