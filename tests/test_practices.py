"""The alignment practices name the rules that check them by code, and the pages that show
their definitions by path: each must be a rule the validator knows and a page the site has,
so a renumbered rule or a moved page cannot leave a practice pointing at nothing."""

from __future__ import annotations

from pathlib import Path

from helpers import example_playbook

from revenue_playbook.checks.practices import PRACTICES
from revenue_playbook.checks.rules import RULES
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.pages import build_site


def test_every_rule_a_practice_names_exists() -> None:
    named = {code: practice.id for practice in PRACTICES for code in practice.codes}
    assert len(named) >= len(PRACTICES)
    assert sorted(code for code in named if code not in RULES) == []


def test_every_page_a_practice_names_is_a_page_of_the_site(tmp_path: Path) -> None:
    site = build_site(example_playbook(), DiagramRenderer(tmp_path))
    named = {path for practice in PRACTICES for _, path in practice.pages}
    assert len(named) > 3
    assert sorted(path for path in named if path not in site.pages) == []
