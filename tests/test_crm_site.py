"""`playbook build` with CRM data: the measured pages, with figures checked by hand, and
record-level figures only when the configuration opts in, never in search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import EXAMPLE, make_repo
from test_crm_measure import FILES

from revenue_playbook.cli import main


def _repo(tmp_path: Path, settings: str) -> Path:
    repo = make_repo(tmp_path, EXAMPLE)
    data = repo / "crm"
    data.mkdir()
    for name, text in FILES.items():
        (data / name).write_text(text, encoding="utf-8")
    (repo / "pyproject.toml").write_text(f"[tool.playbook.measure]\n{settings}\n",
                                         encoding="utf-8")
    return repo


def _text(path: Path) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


@pytest.mark.slow
def test_a_build_with_data_shows_the_measured_pages(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path, 'data = "crm"')
    monkeypatch.chdir(repo)
    assert main(["build"]) == 0
    site = repo / "site"
    # "now" is the data's latest moment, 20 November 2026 12:00
    actuals = _text(site / "actuals" / "index.html")
    # lead response time, week of 2 November: median of 5, 20, 45 and 270 business minutes
    assert "32.5 minutes" in actuals and "Met" in actuals
    # projected revenue, week of 9 November: D1 in demo (25 % of 10,000) and D3 in
    # discovery (10 % of 20,000) open on the 16th, nothing won yet: 4,500 of 14,000,000
    assert "Projected revenue vs goal 100.0 % 0.0 % Missed" in actuals
    assert "November 2026 (so far) 4" in actuals  # four MQLs in November so far
    svg = (site / "actuals" / "index.html").read_text(encoding="utf-8")
    assert 'role="img" aria-labelledby="trend-lead_response_time-t trend-lead_response_time-d"' \
        in svg
    assert "week of 2 November 2026: 32.5 minutes" in svg  # the chart's description
    assert "Not measured: its formula is written in words" in actuals
    sla = _text(site / "actuals" / "sla" / "index.html")
    # Demo request: L1 (enterprise, 20 of 30 min) and L3 (mid-market, 45 of 60) in time;
    # High-intent: L2 first touched after 270 of 240 business minutes
    assert "Demo request Enterprise 30 business minutes 1 1 100.0 %" in sla
    assert "High-intent MQL all 4 business hours 1 0 0.0 %" in sla
    assert "1 leads have no tier or no response time for their segment" in sla
    reality = _text(site / "actuals" / "reality" / "index.html")
    # discovery: D1 won and D2 lost after it; 1 of 2 is 50 %, Wilson 95 % from 9 to 91 %
    assert "Discovery all 10 % 50 % 9–91 % 2 consistent" in reality
    pack = _text(site / "actuals" / "meeting-pack" / "index.html")
    # the one missed target first, then the agenda's scorecard review with its KPIs
    assert "Targets missed ¶ Projected revenue vs goal : 0.0 % against 100.0 %" in pack
    assert "Stale deals past their warning now: 0 of 1 open" in pack  # D3, 9 business days
    assert not (site / "actuals" / "records").exists()  # record-level: not asked for
    scorecard = (site / "scorecard" / "index.html").read_text(encoding="utf-8")
    assert 'href="../actuals/"' in scorecard
    assert ("median business time from Marketing qualified lead to the first touch"
            in _text(site / "scorecard" / "index.html"))


@pytest.mark.slow
def test_record_level_figures_only_when_asked_and_never_in_search(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path, 'data = "crm"\nrecords = true')
    # a touch on 30 December makes it "now": D3 has been idle for 35 business days
    later = FILES["activities.csv"] + "2026-12-30 10:00,L4,,email\n"
    (repo / "crm" / "activities.csv").write_text(later, encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["build"]) == 0
    site = repo / "site"
    records = _text(site / "actuals" / "records" / "index.html")
    assert "D3" in records and "35" in records
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not [doc for doc in index["docs"] if doc["location"].startswith("actuals/records")]
    assert not [doc for doc in index["docs"] if "D3" in doc["text"]]


def test_a_missing_data_folder_stops_the_build(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(tmp_path, 'data = "nowhere"')
    monkeypatch.chdir(repo)
    assert main(["build"]) == 2
    assert "nowhere' does not exist" in capsys.readouterr().err


def test_bad_measure_settings_are_a_usage_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(tmp_path, 'data = "crm"\nrecords = "yes"')
    monkeypatch.chdir(repo)
    assert main(["validate"]) == 2
    assert "'measure.records' is true or false" in capsys.readouterr().err
