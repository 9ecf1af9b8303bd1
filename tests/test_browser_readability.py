"""The example site as a rep on a phone and a marketer on a laptop see it, in light and dark
mode: no page scrolls sideways, diagram text is never below 12 px, no label is drawn over
another, and text stays readable in dark mode (contrast computed from the rendered
colours), every diagram node with a page is reached with Tab, and every link on the print
page lands. Screenshots of the key pages are kept in tests/artifacts/screenshots/ for
people and CI to look at.

Uses Debian's Chromium (/usr/bin/chromium); never downloads a browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import pytest
from helpers import CHROMIUM

SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
SIZES = {"phone": (390, 844), "laptop": (1366, 900)}
MIN_TEXT_PX = 12
MIN_CONTRAST = 4.5

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                       "(make test installs it)"),
]


@pytest.fixture(scope="module")
def built(served_example: tuple[str, Path]) -> tuple[str, Path]:
    return served_example


def pages_of(site: Path) -> list[str]:
    """Every page of the site, as a URL path ('' for the home page)."""
    paths = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in ("assets", "search"):
            continue
        paths.append("" if rel == "." else rel + "/")
    return paths


# The measurements run in the page: text size from the SVG's scale, colours as rendered.
MEASURE = """() => {
  const rgb = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return p.length > 3 && p[3] === 0 ? null : p.slice(0, 3);
  };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const contrast = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m);
    return (x + 0.05) / (y + 0.05);
  };
  const pageBg = () => {
    for (let el of [document.querySelector('.md-main'), document.body, document.documentElement]) {
      const c = el && rgb(getComputedStyle(el).backgroundColor);
      if (c) return c;
    }
    return [255, 255, 255];
  };
  const page = pageBg();
  const texts = [];
  for (const t of document.querySelectorAll('.pb-diagram svg text')) {
    if (!t.textContent.trim()) continue;
    const ctm = t.getScreenCTM();
    const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    const size = parseFloat(getComputedStyle(t).fontSize) * scale;
    const node = t.closest('g.node');
    let bg = page;
    if (node) {
      const shape = node.querySelector('polygon, path, ellipse, rect');
      const fill = shape && rgb(getComputedStyle(shape).fill);
      if (fill) bg = fill;
    }
    const fg = rgb(getComputedStyle(t).fill) || [0, 0, 0];
    texts.push({text: t.textContent.trim(), size, contrast: contrast(fg, bg)});
  }
  const overlaps = [];
  for (const svg of document.querySelectorAll('.pb-diagram svg')) {
    const boxes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
      .map(t => [t.textContent.trim(), t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, ra] = boxes[i], [b, rb] = boxes[j];
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        // glyph boxes include the line's leading: overlapping by more than a third of a
        // line is text drawn over text
        if (w > 2 && h > Math.min(ra.height, rb.height) / 3) overlaps.push(a + ' / ' + b);
      }
    }
  }
  return {
    overlaps,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    bodyOverflow: document.body.scrollWidth - document.body.clientWidth,
    texts,
  };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_pages_fit_and_diagrams_read(built: tuple[str, Path], browser: Any, size: str,
                                     scheme: str) -> None:
    base, site = built
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    measured = 0
    try:
        for path in pages_of(site):
            page.goto(base + path)
            expected = "slate" if scheme == "dark" else "default"
            assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") \
                == expected
            result = page.evaluate(MEASURE)
            if result["overflow"] > 0 or result["bodyOverflow"] > 0:
                problems.append(f"/{path}: the page scrolls sideways by "
                                f"{max(result['overflow'], result['bodyOverflow'])} px")
            problems += [f"/{path}: labels overlap: {pair}" for pair in result["overlaps"]]
            for text in result["texts"]:
                measured += 1
                if text["size"] < MIN_TEXT_PX - 0.01:
                    problems.append(f"/{path}: {text['text']!r} is {text['size']:.1f} px")
                if text["contrast"] < MIN_CONTRAST:
                    problems.append(f"/{path}: {text['text']!r} has contrast "
                                    f"{text['contrast']:.2f}")
    finally:
        context.close()
    assert measured > 200  # the diagrams were there to measure
    assert problems == []


def test_every_diagram_node_with_a_page_is_reached_with_tab(built: tuple[str, Path],
                                                            browser: Any) -> None:
    base, site = built
    checked = 0
    for size in SIZES.values():
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = context.new_page()
        try:
            for path in pages_of(site):
                if path.startswith("print_page"):
                    continue  # the same diagrams again, on one very long page
                page.goto(base + path)
                targets = page.evaluate(
                    "() => [...document.querySelectorAll('.pb-diagram svg a[href]')]"
                    ".map(a => a.getAttribute('href'))")
                if not targets:
                    continue
                page.evaluate("document.activeElement && document.activeElement.blur()")
                reached: set[str] = set()
                for _ in range(len(targets) + 400):
                    page.keyboard.press("Tab")
                    href = page.evaluate(
                        "() => { const a = document.activeElement;"
                        " return a && a.closest('.pb-diagram svg') ?"
                        " (a.closest('a') || a).getAttribute('href') : null; }")
                    if href:
                        reached.add(href)
                    if reached >= set(targets):
                        break
                missing = set(targets) - reached
                assert missing == set(), f"/{path} at {size}: not reached with Tab: {missing}"
                checked += len(targets)
        finally:
            context.close()
    assert checked >= 40  # the process, stage timelines, cadences, lifecycle, campaigns


def test_every_link_on_the_print_page_resolves(built: tuple[str, Path], browser: Any) -> None:
    base, site = built
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "print_page/")
        links = page.evaluate(
            "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
        ids = set(page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)"))
        names = set(page.evaluate(
            "() => [...document.querySelectorAll('a[name]')].map(e => e.name)"))
    finally:
        context.close()
    broken = []
    for href in links:
        url = urljoin(base + "print_page/", href)
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or parsed.netloc != urlparse(base).netloc:
            continue  # mailto:, and links out of the site
        if parsed.path == "/print_page/" and parsed.fragment:
            if unquote(parsed.fragment) not in ids | names:
                broken.append(href)
            continue
        target = site / unquote(parsed.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(href)
    assert len(links) > 100
    assert broken == []


SHOTS = {"home": "", "stage": "stages/discovery/", "sla": "sla/",
         "campaign": "campaigns/retention_webinar/", "calendar": "calendar/"}


def test_screenshots_of_the_key_pages(built: tuple[str, Path], browser: Any) -> None:
    """Screenshots people (and CI's artifacts) can look at: each key page at both sizes,
    light and dark."""
    base, _ = built
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for size, (width, height) in SIZES.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport={"width": width, "height": height},
                                          color_scheme=scheme)
            page = context.new_page()
            try:
                for name, path in SHOTS.items():
                    page.goto(base + path)
                    out = SCREENSHOTS / f"{name}-{size}-{scheme}.png"
                    page.screenshot(path=str(out), full_page=True)
                    written.append(out)
            finally:
                context.close()
    assert all(p.stat().st_size > 10_000 for p in written)
    print(f"\nScreenshots: {SCREENSHOTS}")


def test_full_screen_view_of_a_wide_diagram(built: tuple[str, Path], browser: Any) -> None:
    base, _ = built
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(base + "campaigns/retention_webinar/")
        frame = page.locator(".pb-diagram__frame").first
        # wider than a phone: it scrolls inside its frame, the page does not
        assert frame.evaluate("f => f.scrollWidth > f.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_text("Full screen").first.click()
        box = page.locator(".pb-diagram").first.bounding_box()
        assert box is not None and box["width"] == 390 and box["height"] == 844
        page.get_by_text("Close").first.click()
        box = page.locator(".pb-diagram").first.bounding_box()
        assert box is not None and box["height"] < 844
        # the links in the diagram still work: an email node opens its template
        page.locator(".pb-diagram svg #email-1 a").click()
        page.wait_for_url("**/emails/webinar_reminder/")
    finally:
        context.close()


def test_search_ranks_the_playbook_above_the_reference(built: tuple[str, Path],
                                                       browser: Any) -> None:
    """A rep searching "recycle" gets the SLA's recycling rules first, not the rule codes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    base, _ = built
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(base)
        box = page.locator("input.md-search__input")
        box.click()
        results = page.locator(".md-search-result__item > a")
        for _ in range(20):  # the search worker indexes in the background: retype
            box.fill("")
            box.type("recycle", delay=20)
            try:
                results.first.wait_for(timeout=1_000)
                break
            except PlaywrightTimeout:
                continue
        # read in one go: Material re-renders the list as the worker answers, so counting
        # first and reading each item after could ask for one that is gone
        hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href') || '')")
    finally:
        context.close()
    assert hrefs, "no search results"
    assert "/reference/" not in hrefs[0] and "benchmarks" not in hrefs[0], hrefs
    reference = [i for i, h in enumerate(hrefs) if "/reference/" in h]
    playbook = [i for i, h in enumerate(hrefs) if "/reference/" not in h]
    assert not reference or min(playbook) < min(reference), hrefs


def test_the_measurements_catch_small_faint_and_overlapping_text(browser: Any) -> None:
    """The checks above can fail: a diagram scaled down, drawn in the page's own colour and
    with two labels on top of each other is caught on every count."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.set_content(
            '<body style="background:#ffffff;margin:0">'
            '<div class="pb-diagram"><svg viewBox="0 0 400 100" style="width:200px">'
            '<g class="node"><polygon points="0,0 400,0 400,100 0,100" fill="#ffffff"/>'
            '<text x="10" y="40" font-size="11" fill="#eeeeee">Faint and small</text>'
            '<text x="12" y="42" font-size="11" fill="#eeeeee">Drawn over it</text></g>'
            '</svg></div><div style="width:600px">wide</div></body>')
        result = page.evaluate(MEASURE)
    finally:
        context.close()
    assert result["overflow"] > 0
    sizes = [t["size"] for t in result["texts"]]
    assert sizes and max(sizes) < MIN_TEXT_PX  # 11 units at half scale: 5.5 px
    assert max(t["contrast"] for t in result["texts"]) < MIN_CONTRAST
    assert result["overlaps"] == ["Faint and small / Drawn over it"]
