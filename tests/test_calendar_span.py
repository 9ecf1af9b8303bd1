"""The campaign calendar grows with its dates, not with the time between them: campaigns
at the two ends of the allowed dates (1970 and 2199) made a 10 MB page of 2,760 empty
months and a build ten times slower."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import MINIMAL

from revenue_playbook.checks.validate import validate
from revenue_playbook.exports import calendars
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.pages import build_site


def far_apart(parent: Path) -> Path:
    defs = parent / "defs"
    shutil.copytree(MINIMAL, defs)
    launch = defs / "campaigns" / "launch.yaml"
    text = launch.read_text()
    launch.write_text(text.replace("launch: 2027-03-01", "launch: 1970-03-02"))
    (defs / "campaigns" / "future.yaml").write_text(
        text.replace("launch: 2027-03-01", "launch: 2199-11-02")
        .replace("name: Product launch", "name: Far future launch"))
    return defs


def test_two_campaigns_229_years_apart_make_a_small_page(tmp_path: Path) -> None:
    result = validate(far_apart(tmp_path))
    assert not result.errors, [f"{f.location} {f.message}" for f in result.errors]
    pb = result.playbook
    shown = calendars.months(pb, calendars.all_entries(pb))
    drawn = [m for m in shown if m.weeks]
    assert [m.title for m in drawn] == ["February 1970", "March 1970", "October 2199",
                                        "November 2199"]
    (gap,) = [m for m in shown if not m.weeks]
    assert (gap.title, gap.until_title) == ("April 1970", "September 2199")
    page = build_site(pb, DiagramRenderer(None)).pages["calendar.md"].markdown
    assert "*No dates from April 1970 to September 2199.*" in page
    assert len(page.encode()) < 100_000
    assert page.count('<table class="pb-month"') == 4


def test_a_short_gap_keeps_its_months(tmp_path: Path) -> None:
    """Two empty months between two with dates are still drawn: a calendar reads on."""
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    launch = defs / "campaigns" / "launch.yaml"
    text = launch.read_text()
    (defs / "campaigns" / "later.yaml").write_text(
        text.replace("launch: 2027-03-01", "launch: 2027-06-14"))
    pb = validate(defs).playbook
    shown = calendars.months(pb, calendars.all_entries(pb))
    assert all(m.weeks for m in shown)
    assert [m.title for m in shown] == ["February 2027", "March 2027", "April 2027",
                                        "May 2027", "June 2027"]
