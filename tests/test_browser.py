"""A real browser on the built example site: search, click through the process diagram,
and no console errors. Uses Debian's Chromium; never downloads a browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CHROMIUM, ROOT, launch_chromium

OUTPUT = ROOT / "test-output"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                       "(make test installs it)"),
]


@pytest.fixture
def site_url(served_example: tuple[str, Path]) -> str:
    return served_example[0]


def test_search_and_click_through_the_process(site_url: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(site_url)
            assert "sales and marketing playbook" in page.locator("h1").inner_text()
            assert page.get_by_role("link", name="The sales process").is_visible()

            # search for a stage (the search worker indexes in the background: retype
            # until it answers)
            box = page.locator("input.md-search__input")
            box.click()
            results = page.locator(".md-search-result__item")
            for _ in range(20):
                box.fill("")
                box.type("Technical validation", delay=20)
                try:
                    results.first.wait_for(timeout=1_000)
                    break
                except PlaywrightTimeout:
                    continue
            assert "Technical validation" in results.first.inner_text()
            page.keyboard.press("Escape")

            # click a node of the process diagram
            page.goto(site_url + "process/")
            node = page.locator(".pb-diagram svg #stage-proposal a")
            node.wait_for()
            node.click()
            page.wait_for_url("**/stages/proposal/")
            assert page.locator("h1").inner_text().rstrip("¶") == "Proposal"
            assert page.get_by_text("Proposal presented to the economic buyer").is_visible()
            page.screenshot(path=str(OUTPUT / "stage-proposal.png"), full_page=True)

            # on the print page the same node jumps to the stage's section in that page
            page.goto(site_url + "print_page/")
            page.locator(".pb-diagram svg #stage-proposal a").first.click()
            page.wait_for_url("**/print_page/#*")
            target = page.url.split("#", 1)[1]
            assert page.locator(f"[id='{target}']").is_visible()

            # a template page: the content tabs switch
            page.goto(site_url + "emails/inbound_first_touch/")
            page.get_by_text("Raw", exact=True).click()
            assert page.locator(".tabbed-block").nth(1).is_visible()
            page.screenshot(path=str(OUTPUT / "template.png"))
        finally:
            browser.close()
    assert problems == []
