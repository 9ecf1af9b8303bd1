"""The example playbook with hostile text in every Markdown field (and in a page's title
and the site's name), built by each engine (MkDocs, ProperDocs, Zensical) and then read by
a program and clicked by a browser: no link with a scheme outside the allowed list, no
event handler, and no click that runs anything.

The payloads are the red team's (reference-style `javascript:` links, control characters
and line breaks inside the scheme, entity-encoded schemes, an attribute list on an exit
criterion shown on the "What changed" page) and their neighbours (tests/hostile.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import CHROMIUM, ROOT, launch_chromium, make_repo, served
from hostile import PAYLOADS, hostile_defs, problems

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.definitions.diff import changes_to_markdown, diff_playbooks

# a stage's name is the page's title, which themes print as HTML (in <title>, among
# others), and so is the site's name
TITLE = "Discovery </title><script>alert(201)</script><img src=x onerror=alert(202)>"
SITE_NAME = "Lumen </title><script>alert(203)</script>"
ENGINES = ["mkdocs", pytest.param("properdocs", marks=pytest.mark.slow),
           pytest.param("zensical", marks=pytest.mark.slow)]
EXIT_CRITERION = ('Budget confirmed\n{: onclick="alert(\'attr-list\')" '
                  'style="position:fixed;inset:0;z-index:9999" }')


def _payload(i: int, original: str) -> str:
    hostile = PAYLOADS[i % len(PAYLOADS)]
    return f"{original}\n\n{hostile}" if original else hostile


@pytest.fixture(scope="module", params=ENGINES)
def hostile_site(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example built from hostile definitions by an engine, with a "What changed" page
    listing the hostile changes (as `playbook publish` makes it)."""
    repo = make_repo(tmp_path_factory.mktemp(f"hostile-{request.param}"), None, docs=True)
    defs = repo / "process_defs"
    changed = hostile_defs(ROOT / "process_defs", defs, _payload)
    assert changed > 50  # every Markdown field of the example, email bodies included
    process = defs / "processes" / "new_business.yaml"
    data = yaml.safe_load(process.read_text(encoding="utf-8"))
    first_stage = next(iter(data["stages"].values()))
    first_stage["exit_criteria"].append(EXIT_CRITERION)
    first_stage["name"] = TITLE
    process.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                       encoding="utf-8")
    changes = diff_playbooks(validate(ROOT / "process_defs").playbook,
                             validate(defs).playbook)
    (repo / "changes.md").write_text(changes_to_markdown(changes), encoding="utf-8")
    config = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("      defs: process_defs\n",
                            "      defs: process_defs\n      changes: changes.md\n", 1)
    config = config.replace("site_name: Lumen Metrics playbook", f"site_name: '{SITE_NAME}'")
    (repo / "mkdocs.yml").write_text(config, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        assert main(["build", "--engine", request.param]) == 0
    return repo / "site"


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.suffix in (".html", ".svg"))


def test_no_disallowed_scheme_or_handler_in_any_built_file(hostile_site: Path) -> None:
    found = {str(p.relative_to(hostile_site)): problems(p.read_text(encoding="utf-8"))
             for p in _pages(hostile_site)}
    assert {page: bad for page, bad in found.items() if bad} == {}


def test_refused_links_are_shown_as_words_and_good_links_kept(hostile_site: Path) -> None:
    stage = (hostile_site / "stages" / "discovery" / "index.html").read_text("utf-8")
    everything = "".join(p.read_text(encoding="utf-8") for p in _pages(hostile_site))
    assert everything.count('class="pb-link-removed"') >= 30
    for words in ("click me", "ctl", "cr", "ent", "case", "vb", "data", "proto"):
        assert re.search(rf'class="pb-link-removed"[^>]*>{words}</span>', everything), words
    assert 'href="https://example.com/ok"' in everything
    assert 'href="mailto:a@example.com"' in everything and 'href="tel:+15551234"' in everything
    assert "Budget confirmed" in stage


def test_hostile_titles_are_shown_as_their_text(hostile_site: Path) -> None:
    stage = (hostile_site / "stages" / "discovery" / "index.html").read_text("utf-8")
    title = re.search(r"<title>(.*?)</title>", stage, re.S)
    assert title is not None
    assert title[1] == ("Discovery &lt;/title&gt;&lt;script&gt;alert(201)&lt;/script&gt;"
                        "&lt;img src=x onerror=alert(202)&gt; - "
                        "Lumen &lt;/title&gt;&lt;script&gt;alert(203)&lt;/script&gt;")


def test_what_changed_page_shows_the_attribute_list_as_text(hostile_site: Path) -> None:
    page = (hostile_site / "changes" / "index.html").read_text(encoding="utf-8")
    item = re.search(r"<li>(?:(?!</li>).)*Budget confirmed(?:(?!</li>).)*</li>", page, re.S)
    assert item is not None, "the new exit criterion is listed as a plain item"
    assert "onclick" in item[0] and "position:fixed" in item[0]  # as the text it is
    assert problems(page) == []


# ---------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def hostile_url(hostile_site: Path) -> Iterator[str]:
    with served(hostile_site) as url:
        yield url


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                    "(make test installs it)")
def test_clicking_every_link_of_hostile_pages_runs_nothing(hostile_site: Path,
                                                           hostile_url: str) -> None:
    """Every link in the content of every page the payloads reach is clicked, and the
    page is clicked where a full-page overlay would be: any dialog fails the test."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Route, sync_playwright

    pages = sorted(str(p.parent.relative_to(hostile_site)) for p in hostile_site.rglob(
        "index.html") if "alert(" in p.read_text(encoding="utf-8"))
    assert len(pages) >= 20
    dialogs: list[str] = []
    clicked = 0
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            visiting = [""]

            def stay(route: Route) -> None:
                # Nothing leaves the test's server, and a click on a link to another page
                # gets "204 No Content": the browser stays on the page under test.
                request = route.request
                if not request.url.startswith(hostile_url) or (
                        request.is_navigation_request()
                        and request.url.split("#")[0] != visiting[0]):
                    route.fulfill(status=204, body="")
                else:
                    route.continue_()

            context.route("**/*", stay)
            page = context.new_page()

            def on_dialog(dialog: object, where: list[str]) -> None:
                dialogs.append(f"{where[0]}: {dialog.type} {dialog.message!r}")  # type: ignore[attr-defined]
                dialog.dismiss()  # type: ignore[attr-defined]

            where = [""]
            context.on("page", lambda popup: (popup.on("dialog", lambda d: on_dialog(d, where)),
                                              popup.close()))
            page.on("dialog", lambda d: on_dialog(d, where))
            def visit(url: str) -> None:
                for attempt in range(5):  # a click's navigation may still be under way
                    try:
                        page.goto(url)
                        return
                    except PlaywrightError:
                        if attempt == 4:
                            raise
                        page.wait_for_timeout(200)

            for path in pages:
                url = visiting[0] = hostile_url + (path + "/" if path != "." else "")
                where[0] = f"{path} overlay"
                visit(url)
                page.mouse.click(195, 600)  # where a fixed overlay would catch the click
                links = page.locator("article a, article .pb-link-removed")
                for i in range(links.count()):
                    where[0] = f"{path} link {i}"
                    if page.url.split("#")[0] != url:
                        visit(url)
                    try:
                        links.nth(i).click(force=True, no_wait_after=True, timeout=2_000)
                        clicked += 1
                    except PlaywrightError:
                        continue  # e.g. hidden in a tab that is not shown
                page.wait_for_timeout(100)  # a script started by the last click
        finally:
            browser.close()
    assert dialogs == []
    assert clicked > 1000  # every link of every page the payloads reach
