"""A list that grows with the playbook (every email template) is split into pages of a
bounded size: an edit makes again the one page listing what changed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLE, ROOT, diagrams
from test_page_memo import Served

from revenue_playbook.checks.validate import validate
from revenue_playbook.site.pages import ROWS_PER_PAGE, build_site, list_pages

sys.path.insert(0, str(ROOT / "benchmarks"))
from make_playbook import make


def test_list_pages_split_in_order_and_name_the_first_page_the_index() -> None:
    ids = [f"t{n}" for n in range(2 * ROWS_PER_PAGE + 1)]
    pages = list_pages(ids, "emails/index.md", "emails/list")
    assert [path for path, _ in pages] == ["emails/index.md", "emails/list/2.md",
                                           "emails/list/3.md"]
    assert [len(chunk) for _, chunk in pages] == [ROWS_PER_PAGE, ROWS_PER_PAGE, 1]
    assert [i for _, chunk in pages for i in chunk] == ids
    assert list_pages(ids[:ROWS_PER_PAGE], "emails/index.md", "emails/list") == [
        ("emails/index.md", ids[:ROWS_PER_PAGE])]


@pytest.mark.slow
def test_emails_index_is_paged_and_an_edit_makes_one_page_again(tmp_path: Path) -> None:
    make(EXAMPLE, 6, tmp_path / "defs")  # 114 templates: two pages
    served = Served(tmp_path / "defs", tmp_path / "cache")
    result = validate(tmp_path / "defs")
    site = build_site(result.playbook, diagrams(),
                      findings=result.findings)
    listing = ["emails/index.md", "emails/list/2.md"]
    assert [p for p in site.pages if p.startswith("emails/list/")] == listing[1:]
    rows = {path: re.findall(r"^\| \[.*?\]\((?:\.\./)?([a-z0-9_]+)\.md\) \|",
                             site.pages[path].markdown, re.M) for path in listing}
    # every template on exactly one page, in the playbook's order, none over the bound
    assert [t for path in listing for t in rows[path]] == list(result.playbook.templates)
    assert all(len(found) <= ROWS_PER_PAGE for found in rows.values())
    assert site.pages["emails/index.md"].title == "Email templates (1 of 2)"
    assert "Pages: **1** · [2](list/2.md)" in site.pages["emails/index.md"].markdown
    assert "Pages: [1](../index.md) · **2**" in site.pages["emails/list/2.md"].markdown
    emails_tab = next(tab["Email templates"] for tab in site.nav if "Email templates" in tab)
    assert {"All templates": [{"Page 2": "emails/list/2.md"}]} in emails_tab

    served.check()
    second = rows["emails/list/2.md"][0]
    template = tmp_path / "defs" / "templates" / f"{second}.yaml"
    data = yaml.safe_load(template.read_text(encoding="utf-8"))
    template.write_text(yaml.safe_dump({**data, "subject": "Edited subject"}, sort_keys=False),
                        encoding="utf-8")
    made = [key for key in served.check().made_keys if key.endswith(".md")]
    # its page, the one page of the list that holds it (not the index, which lists 100
    # others), and the pages that send it (a campaign and the calendar show its subject)
    assert f"emails/{second}.md" in made and "emails/list/2.md" in made
    assert "emails/index.md" not in made and len(made) <= 5, made
