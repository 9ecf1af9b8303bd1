"""The measured pages as a rep on a phone and a manager on a laptop see them, in light and
dark mode: no page scrolls sideways, every trend chart is named and described for a screen
reader, its text is at least 12 px and readable against the page (contrast computed from
the rendered colours). Screenshots of the scorecard actuals go to
tests/artifacts/screenshots/.

Uses Debian's Chromium (/usr/bin/chromium); never downloads a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import CHROMIUM, ROOT, make_repo, served
from test_browser_readability import MIN_CONTRAST, MIN_TEXT_PX, SCREENSHOTS, SIZES

from revenue_playbook.cli import main

PAGES = ["actuals/", "actuals/sla/", "actuals/reality/", "actuals/meeting-pack/",
         "actuals/records/"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                       "(make test installs it)"),
]

CHARTS = """() => {
  const rgb = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    return m ? m[1].split(/[ ,/]+/).filter(Boolean).map(Number).slice(0, 3) : null;
  };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m);
    return (x + 0.05) / (y + 0.05); };
  let bg = [255, 255, 255];
  for (const el of [document.querySelector('.md-main'), document.body]) {
    const c = el && rgb(getComputedStyle(el).backgroundColor);
    if (c && !/, 0\\)$/.test(getComputedStyle(el).backgroundColor)) { bg = c; break; }
  }
  const charts = [];
  for (const svg of document.querySelectorAll('.pb-chart svg')) {
    const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');
    const named = ids.map(id => document.getElementById(id)).filter(Boolean);
    const texts = [...svg.querySelectorAll('text')].map(t => {
      const ctm = t.getScreenCTM();
      const size = parseFloat(getComputedStyle(t).fontSize) * (ctm ? Math.hypot(ctm.a, ctm.b) : 1);
      return {text: t.textContent, size,
              contrast: contrast(rgb(getComputedStyle(t).fill) || [0, 0, 0], bg)};
    });
    charts.push({role: svg.getAttribute('role'), named: named.map(n => n.tagName),
                 desc: named.length > 1 ? named[1].textContent : '', texts,
                 width: svg.getBoundingClientRect().width});
  }
  return {charts, overflow: Math.max(
    document.documentElement.scrollWidth - document.documentElement.clientWidth,
    document.body.scrollWidth - document.body.clientWidth)};
}"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    repo = make_repo(tmp_path_factory.mktemp("actuals"), ROOT / "process_defs", docs=True)
    (repo / "pyproject.toml").write_text('[tool.playbook.measure]\ndata = "crm"\n'
                                         "records = true\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        assert main(["simulate", "crm", "--leads", "600", "--shape", "hubspot"]) == 0
        assert main(["build"]) == 0
    with served(repo / "site") as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_measured_pages_fit_and_charts_read(built: str, browser: Any, size: str,
                                            scheme: str) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    charts = 0
    try:
        for path in PAGES:
            page.goto(built + path)
            result = page.evaluate(CHARTS)
            if result["overflow"] > 0:
                problems.append(f"/{path}: scrolls sideways by {result['overflow']} px")
            for chart in result["charts"]:
                charts += 1
                if chart["role"] != "img" or chart["named"] != ["title", "desc"]:
                    problems.append(f"/{path}: a chart without a title and description")
                if "Target" not in chart["desc"]:
                    problems.append(f"/{path}: a chart's description leaves out the target")
                for text in chart["texts"]:
                    if text["size"] < MIN_TEXT_PX - 0.01:
                        problems.append(f"/{path}: {text['text']!r} is {text['size']:.1f} px")
                    if text["contrast"] < MIN_CONTRAST:
                        problems.append(f"/{path}: {text['text']!r} has contrast "
                                        f"{text['contrast']:.2f}")
            if path == "actuals/" and size == "phone":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.locator("#mql_volume").scroll_into_view_if_needed()
                page.wait_for_timeout(500)  # the header's title has finished its swap
                page.screenshot(path=str(SCREENSHOTS / f"actuals-phone-{scheme}.png"))
    finally:
        context.close()
    assert charts >= 7  # one per measured KPI on the scorecard actuals
    assert problems == []
