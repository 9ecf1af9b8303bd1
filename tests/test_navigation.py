"""Navigation that stays usable and cheap as a playbook grows: short sections are flat lists,
long ones are split into groups that Material collapses and prunes from other pages."""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, diagrams, example_playbook, make_repo
from hypothesis import given
from hypothesis import strategies as st

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.site.links import relative
from revenue_playbook.site.navigation import NAV_FLAT_MAX
from revenue_playbook.site.pages import build_site

sys.path.insert(0, str(ROOT / "benchmarks"))

from make_playbook import make


def site_of(defs: Path, tmp_path: Path) -> Any:
    result = validate(defs)
    assert result.errors == []
    return build_site(result.playbook, diagrams())


def leaves(nav: list[Any]) -> list[str]:
    paths = []
    for item in nav:
        for value in item.values():
            paths += leaves(value) if isinstance(value, list) else [value]
    return paths


def tab(nav: list[Any], title: str) -> list[Any]:
    return next(item[title] for item in nav if title in item)


def titles(items: list[Any]) -> list[str]:
    return [next(iter(item)) for item in items]


def test_the_example_lists_its_pages_flat(tmp_path: Path) -> None:
    site = site_of(ROOT / "process_defs", tmp_path)
    assert sorted(leaves(site.nav)) == sorted(site.pages)
    sales = tab(site.nav, "Sales process")
    assert titles(sales) == ["Sales process", "Discovery", "Tailored demo",
                             "Technical validation", "Proposal", "Negotiation", "Closing",
                             "Closed won", "Closed lost", "Closed, no decision", "Disqualified",
                             "Lead lifecycle", "Response times (SLA)"]
    emails = titles(tab(site.nav, "Email templates"))
    templates = example_playbook().templates
    assert emails[0] == "Email templates" and len(emails) == 1 + len(templates)
    # Home and Today stand alone; each section opens on its own overview page, named as
    # the section (never "Overview"), so the phone's drawer reaches it in one tap
    assert titles(site.nav)[:2] == ["Home", "Today"]
    for section in titles(site.nav)[2:]:
        first = tab(site.nav, section)[0]
        assert titles([first]) == [section], section
        assert next(iter(first.values())).endswith("index.md"), section
    assert emails[1:] == sorted(emails[1:], key=str.lower)


def test_long_sections_are_grouped_by_process_use_and_quarter(tmp_path: Path) -> None:
    make(ROOT / "process_defs", 5, tmp_path / "defs")  # 50 stages, 95 templates
    site = site_of(tmp_path / "defs", tmp_path)
    scaled = validate(tmp_path / "defs").playbook
    assert sorted(leaves(site.nav)) == sorted(site.pages)  # every page, once
    sales = tab(site.nav, "Sales process")
    assert titles(sales) == ["Sales process", "Stages by process", "Lead lifecycle",
                             "Response times (SLA)"]
    processes = sales[1]["Stages by process"]
    assert titles(processes) == ["New business"] + [
        f"New business (segment {n})" for n in range(2, 6)]
    assert [len(group["New business (segment 3)"]) for group in processes[2:3]] == [
        len(scaled.processes["new_business_s3"].stages)]

    emails = tab(site.nav, "Email templates")
    assert titles(emails) == ["Email templates", "Templates by use"]
    groups = emails[1]["Templates by use"]
    assert "Lead follow-up" in titles(groups)
    assert "Webinar: features that keep customers (segment 4)" in titles(groups)
    assert all(len(items) <= NAV_FLAT_MAX for group in groups for items in group.values())
    # 10 campaigns are few enough for a flat list (after the index and the calendar)
    assert len(scaled.campaigns) <= NAV_FLAT_MAX
    assert len(tab(site.nav, "Campaigns")) == 2 + len(scaled.campaigns)


@pytest.mark.slow
def test_a_page_carries_only_its_own_group(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, defs=None)
    make(ROOT / "process_defs", 5, repo / "process_defs")
    monkeypatch.chdir(repo)
    assert main(["build"]) == 0
    html = (repo / "site" / "stages" / "demo_s3" / "index.html").read_text(encoding="utf-8")
    nav = html[html.index('class="md-nav md-nav--primary'):html.index('class="md-content"')]
    stage_links = set(re.findall(r'href="\.\./([a-z_0-9]+)/"', nav))
    # its own process's stages are listed; every other process is pruned to one link to
    # its first stage
    assert {"discovery_s3", "proposal_s3", "closed_won_s3"} <= stage_links
    assert {"discovery", "discovery_s2", "discovery_s5"} <= stage_links
    assert not {"demo", "demo_s4", "proposal_s2", "closed_won_s5"} & stage_links


SEGMENTS = st.sampled_from(["stages", "emails", "campaigns", "reference", "a.md", "index.md",
                            "x"])


@given(st.lists(SEGMENTS, min_size=1, max_size=4), st.lists(SEGMENTS, max_size=3))
def test_relative_links_match_posixpath(target: list[str], start: list[str]) -> None:
    # links.py computes thousands of links per build without asking the OS for the
    # working folder, as posixpath.relpath does; the answers must be the same
    path, folder = "/".join(target), "/".join(start)
    assert relative(path, folder) == posixpath.relpath(path, folder or ".")
