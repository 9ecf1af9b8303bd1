"""The Downloads page and the email tool tabs in Chromium on a phone, in dark mode: nothing
wider than the screen, every link answers, each tool's version has a copy button."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CHROMIUM, ROOT, launch_chromium

OUTPUT = ROOT / "test-output"

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                       "(make test installs it)"),
]


@pytest.fixture
def site_url(served_example: tuple[str, Path]) -> str:
    return served_example[0]


def test_downloads_and_tool_tabs_on_a_phone_in_dark_mode(site_url: str) -> None:
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844},
                                    color_scheme="dark", device_scale_factor=2)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(site_url + "downloads/")
            assert page.title().startswith("Downloads")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width}px wide on a 390px screen"
            page.screenshot(path=str(OUTPUT / "downloads-390-dark.png"), full_page=True)
            links = page.eval_on_selector_all(
                "article a[href]:not([href^='#'])", "els => els.map(e => e.href)")
            assert len(links) > 40
            for link in links:
                assert page.request.get(link).status == 200, link
            page.goto(site_url + "emails/demo_followup/")
            page.get_by_text("Outreach", exact=True).click()
            block = page.locator(".tabbed-block:visible pre").first
            assert "{{first_name}}" in block.inner_text()
            # Material adds the copy button to a code block once it is on screen
            page.locator(".tabbed-block:visible pre").first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            copy = ".tabbed-block:visible :is(.md-clipboard, [data-md-type='copy'])"
            assert page.locator(copy).count() >= 1
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the email page is {width}px wide on a 390px screen"
            page.screenshot(path=str(OUTPUT / "email-tools-390-dark.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
