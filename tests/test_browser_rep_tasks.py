"""A rep's day on the example site, in Debian's Chromium at 390 px (a phone) and 1366 px (a
laptop), light and dark: Today computes the date in the browser with the playbook's
business calendar (checked against `businesstime` with a fixed clock), the common questions
are answered within 3 taps and 2 swipes from Home, the drawer reaches every section in one
tap, and the diagrams open at the start of their flow with labels clear of lines.

Taps and swipes are counted as a person would make them: a tap is a click on something in
view; a swipe scrolls the page by 80 % of the screen's height, as many as it takes to bring
the next thing to tap (or the answer) into view. Typing a search is neither.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers import CHROMIUM, example_playbook

from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.site.agenda import role_days

SIZES = {"phone": (390, 844), "laptop": (1366, 900)}
SWIPE = 0.8  # of the screen's height

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                       "(make test installs it)"),
]


@pytest.fixture(scope="module")
def built(served_example: tuple[str, Path]) -> tuple[str, Path]:
    return served_example


# ---------------------------------------------------------------------------- Today


def _local(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def _first_business_day(calendar: Calendar, day: date) -> date:
    while not calendar.is_business_day(day):
        day += timedelta(days=1)
    return day


# Fixed clocks (UTC): Thanksgiving (a holiday of the example), a Saturday, late on a Monday
# in New York that is already Tuesday in UTC, an ordinary Wednesday, and the Friday after
# Christmas (a holiday the day before).
CLOCKS = [datetime(2026, 11, 26, 15, 0, tzinfo=UTC), datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
          datetime(2026, 11, 24, 3, 30, tzinfo=UTC), datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
          datetime(2026, 12, 28, 14, 0, tzinfo=UTC)]


@pytest.mark.parametrize("clock", CLOCKS, ids=lambda c: c.strftime("%Y-%m-%dT%H:%MZ"))
def test_today_computes_the_date_with_the_business_calendar(
        built: tuple[str, Path], browser: Any, clock: datetime) -> None:
    base, _ = built
    pb = example_playbook()
    calendar = Calendar.of(pb)
    timezone = pb.timezone or "UTC"
    today = _local(clock, timezone)
    shown = _first_business_day(calendar, today)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.clock.set_fixed_time(clock)
        page.goto(base + "today/?role=sdr")
        line = page.locator(".pb-today__date")
        assert line.get_attribute("data-today") == today.isoformat()
        assert line.get_attribute("data-first") == shown.isoformat()
        if shown != today:
            assert "is not a business day" in line.inner_text()
        day = page.locator(".pb-today__details[open] .pb-today__day")
        assert day.get_attribute("data-date") == shown.isoformat()
        # every touch of the SDR's cadences is due today for the leads of one arrival day
        expected = {calendar.add_days(shown, -task.day).isoformat()
                    for task in role_days(pb)["sdr"].tasks}
        found = set(day.locator("p.pb-today__group[data-since]").evaluate_all(
            "ps => ps.map(p => p.getAttribute('data-since'))"))
        assert found == expected
        # the business-day arithmetic itself, against Python's, around the holidays
        starts = [today + timedelta(days=k) for k in range(-3, 4)]
        js = page.evaluate(
            "([days, counts]) => days.map(d => counts.map(n => "
            "window.playbookToday.calendar.addBusinessDays(d, n)))",
            [[d.isoformat() for d in starts], list(range(-12, 13))])
        py = [[calendar.add_days(d, n).isoformat() for n in range(-12, 13)] for d in starts]
        assert js == py
        business = page.evaluate(
            "days => days.map(d => window.playbookToday.calendar.isBusinessDay(d))",
            [d.isoformat() for d in starts])
        assert business == [calendar.is_business_day(d) for d in starts]
    finally:
        context.close()


def test_today_lists_campaign_work_the_meeting_and_hygiene_with_links(
        built: tuple[str, Path], browser: Any) -> None:
    """Tuesday 24 November 2026: the demand-gen manager has the revenue meeting (a Tuesday)
    and the webinar week's work; each item links to its email, campaign or stage."""
    base, _ = built
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.clock.set_fixed_time(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
        page.goto(base + "today/?role=demand_gen")
        today = page.locator(".pb-today__details[open]")
        text = today.inner_text()
        assert "Weekly revenue team meeting" in text
        hrefs = today.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert any(h.endswith("meeting/") for h in hrefs), hrefs
        # a week of work: later days are listed, closed
        assert page.locator(".pb-today__details:not([open])").count() >= 1
        page.goto(base + "today/?role=account_executive")
        text = page.locator(".pb-today__details[open]").inner_text()
        assert "Deals reaching a hygiene limit" in text
        assert "no activity since" in text
        hrefs = page.locator(".pb-today__details[open] a").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))")
        assert any("/stages/" in h and h.endswith("#deal-hygiene") for h in hrefs), hrefs
        assert any("/emails/" in h for h in hrefs), hrefs
    finally:
        context.close()


def test_today_remembers_the_role_and_works_from_the_files(built: tuple[str, Path],
                                                          browser: Any) -> None:
    """No server: the built site opened from disk (file://), offline; the chosen role is
    kept for the next visit."""
    _, site = built
    context = browser.new_context(viewport={"width": 390, "height": 844}, offline=True)
    page = context.new_page()
    try:
        page.goto((site / "today" / "index.html").as_uri())
        page.select_option("#pb-today-role", "account_executive")
        page.reload()
        assert page.locator("#pb-today-role").input_value() == "account_executive"
        assert page.locator(".pb-today__details[open] li").count() > 0
        assert page.locator(".pb-today__fallback").is_hidden()
    finally:
        context.close()


# ---------------------------------------------------------------------------- tasks


class Rep:
    """Counts the taps and swipes of a task on one page."""

    def __init__(self, page: Any, phone: bool) -> None:
        self.page = page
        self.phone = phone
        self.taps = 0
        self.swipes = 0

    def _into_view(self, locator: Any) -> None:
        target = locator.first
        target.wait_for(state="visible")
        height = self.page.viewport_size["height"]
        box = target.bounding_box()
        assert box is not None
        below = box["y"] + min(box["height"], height / 2) - height
        if below > 0:
            needed = math.ceil(below / (height * SWIPE))
            self.swipes += needed
            self.page.evaluate("px => window.scrollBy({top: px, behavior: 'instant'})",
                               needed * height * SWIPE)
            box = target.bounding_box()
            assert box is not None and box["y"] < height, "still out of view"

    def tap(self, locator: Any) -> None:
        self._into_view(locator)
        locator.first.click()
        self.taps += 1

    def drawer(self) -> None:
        if self.phone:
            self.tap(self.page.locator("label.md-header__button[for='__drawer']"))

    def search(self, words: str) -> list[str]:
        """Open search (a tap on a phone), type, and return the result links in order."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        if self.phone:
            self.tap(self.page.locator("label.md-header__button[for='__search']"))
        box = self.page.locator("input.md-search__input")
        box.click()
        results = self.page.locator(".md-search-result__item > a")
        for _ in range(20):  # the search worker indexes in the background: retype
            box.fill("")
            box.type(words, delay=20)
            try:
                results.first.wait_for(timeout=1_000)
                break
            except PlaywrightTimeout:
                continue
        hrefs: list[str] = results.evaluate_all(
            "links => links.map(a => a.getAttribute('href') || '')")
        return hrefs

    def sees(self, locator: Any) -> None:
        self._into_view(locator)


def _today(rep: Rep) -> None:
    rep.tap(rep.page.get_by_role("link", name="What to do today"))
    rep.page.wait_for_url("**/today/")
    rep.sees(rep.page.locator(".pb-today__details[open] li"))


def _demo_email(rep: Rep) -> None:
    hrefs = rep.search("demo")
    assert hrefs and "/emails/inbound_first_touch/" in hrefs[0], hrefs
    rep.tap(rep.page.locator(".md-search-result__item > a").first)
    rep.page.wait_for_url("**/emails/inbound_first_touch/**")
    rep.sees(rep.page.get_by_text("Demo request, first reply").first)


def _mql(rep: Rep) -> None:
    hrefs = rep.search("MQL")
    assert hrefs and "/lifecycle/" in hrefs[0], hrefs
    rep.tap(rep.page.locator(".md-search-result__item > a").first)
    rep.page.wait_for_url("**/lifecycle/**")
    rep.sees(rep.page.get_by_text("The marketing-qualified lead (MQL)").first)


def _stale_deal(rep: Rep) -> None:
    hrefs = rep.search("stale deal")
    assert hrefs and "#deal-hygiene" in " ".join(hrefs[:2]), hrefs
    rep.tap(rep.page.locator(".md-search-result__item a[href*='#deal-hygiene']"))
    rep.page.wait_for_load_state()
    rep.sees(rep.page.get_by_text("close the deal as Closed lost").first)


def _lost_reasons(rep: Rep) -> None:
    hrefs = rep.search("closed lost reasons")
    assert hrefs and "/stages/closed_lost/" in hrefs[0], hrefs
    rep.tap(rep.page.locator(".md-search-result__item > a").first)
    rep.page.wait_for_url("**/stages/closed_lost/**")
    rep.sees(rep.page.get_by_role("heading", name="Reasons to record"))


TASKS = {"what do I do today": _today, "which email after a demo request": _demo_email,
         "what is an MQL": _mql, "what to do with a stale deal": _stale_deal,
         "closed-lost reasons": _lost_reasons}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_a_reps_questions_in_three_taps_and_two_swipes(built: tuple[str, Path], browser: Any,
                                                      size: str, scheme: str) -> None:
    base, _ = built
    width, height = SIZES[size]
    counts = {}
    for task, run in TASKS.items():
        context = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme=scheme)
        page = context.new_page()
        try:
            page.goto(base)
            rep = Rep(page, phone=size == "phone")
            run(rep)
            counts[task] = (rep.taps, rep.swipes)
        finally:
            context.close()
    print(f"\n{size} {scheme}: " + "; ".join(f"{t}: {a} taps, {b} swipes"
                                              for t, (a, b) in counts.items()))
    assert {t: c for t, c in counts.items() if c[0] > 3 or c[1] > 2} == {}


def test_the_drawer_reaches_every_section_in_one_tap(built: tuple[str, Path],
                                                     browser: Any) -> None:
    """On a phone, ☰ on Home lists every section; a tap on one opens its own page, which
    links to everything in it (not its first page: "Team" used to load the Scorecard)."""
    base, _ = built
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(base)
        page.click("label.md-header__button[for='__drawer']")
        drawer = page.locator(".md-nav--primary > .md-nav__list > .md-nav__item > "
                              ".md-nav__link")
        page.wait_for_timeout(300)
        shown = [t.strip() for t in drawer.all_inner_texts() if t.strip()]
        for section in ["Today", "Sales process", "Email templates", "Campaigns", "Team",
                        "For admins"]:
            assert section in shown, shown
        for section, heading in [("Sales process", "Sales process"),
                                 ("Email templates", "Email templates"),
                                 ("Campaigns", "Campaigns"), ("Team", "Team"),
                                 ("For admins", "For admins")]:
            page.goto(base)
            page.click("label.md-header__button[for='__drawer']")
            page.locator(".md-nav--primary > .md-nav__list > .md-nav__item > .md-nav__link",
                         has_text=section).first.click()
            page.wait_for_load_state()
            assert page.locator("article h1").first.inner_text().strip(" ¶\n") == heading, section
    finally:
        context.close()


# ---------------------------------------------------------------------------- diagrams


def test_a_phone_shows_the_start_of_each_flow(built: tuple[str, Path], browser: Any) -> None:
    base, _ = built
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        for path, entry in [("process/", "#stage-discovery"), ("lifecycle/", "#life-subscriber"),
                            ("campaigns/retention_webinar/", ".node.entry")]:
            page.goto(base + path)
            frame = page.locator(".pb-diagram__frame").first
            node = frame.locator(entry).first
            inside = page.evaluate(
                "([f, n]) => { const a = f.getBoundingClientRect(),"
                " b = n.getBoundingClientRect();"
                " return b.left >= a.left - 1 && b.right <= a.right + 1; }",
                [frame.element_handle(), node.element_handle()])
            assert inside, f"{path}: the start of the flow is out of the frame"
        # the process as a list of steps, read without panning, before the diagram
        page.goto(base + "process/")
        steps = page.locator(".pb-steps").first
        assert steps.is_visible()
        assert steps.locator("li").first.inner_text().startswith("Discovery")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate(
            "() => { const s = document.querySelector('.pb-steps'),"
            " d = document.querySelector('.pb-diagram');"
            " return !!(s.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING); }")
    finally:
        context.close()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "process/")
        assert not page.locator(".pb-steps").first.is_visible()  # the diagram fits
        page.get_by_text("Full screen").first.click()
        svg = page.locator(".pb-diagram svg").first.bounding_box()
        assert svg is not None and svg["width"] > 1000  # full screen uses the width
    finally:
        context.close()


def test_lifecycle_hand_off_labels_are_clear_of_the_lines(built: tuple[str, Path],
                                                          browser: Any) -> None:
    base, _ = built
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "lifecycle/")
        crossings = page.evaluate("""() => {
          const svg = document.querySelector('.pb-diagram svg');
          const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
          const out = [];
          for (const path of svg.querySelectorAll('.edge path')) {
            const length = path.getTotalLength();
            const m = path.getScreenCTM();
            for (let s = 0; s <= length; s += 2) {
              const p = path.getPointAtLength(s).matrixTransform(m);
              for (const t of texts) {
                const r = t.getBoundingClientRect();
                if (p.x > r.left + 1 && p.x < r.right - 1 && p.y > r.top + 2
                    && p.y < r.bottom - 2) out.push(t.textContent.trim());
              }
            }
          }
          return [...new Set(out)];
        }""")
        assert page.locator(".pb-diagram svg .handoff text").count() >= 2
    finally:
        context.close()
    assert crossings == []


def test_campaign_emails_run_down_the_timeline_in_date_order(built: tuple[str, Path],
                                                              browser: Any) -> None:
    base, _ = built
    pb = example_playbook()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        for cid, campaign in pb.campaigns.items():
            page.goto(base + f"campaigns/{cid}/")
            tops = page.evaluate(
                "n => [...Array(n).keys()].map(i => document.querySelector("
                "'.pb-diagram svg #email-' + i).getBoundingClientRect().top)",
                len(campaign.emails))
            by_date = sorted(range(len(campaign.emails)),
                             key=lambda i: (campaign.emails[i].send,
                                            campaign.emails[i].time or ""))
            assert sorted(range(len(tops)), key=lambda i: tops[i]) == by_date, cid
    finally:
        context.close()


# ---------------------------------------------------------------------------- reading


def test_cards_keep_mixed_cells_whole(built: tuple[str, Path], browser: Any) -> None:
    """On a phone a table row is a card: each cell's label, then its whole value beside it,
    even when the value mixes text with links, marks or a search highlight."""
    base, _ = built
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    broken: list[str] = []
    checked = 0
    try:
        for path in ["meeting/", "campaigns/", "scorecard/", "alignment/",
                     "reference/?h=stage", "process/?h=discovery", "downloads/"]:
            page.goto(base + path)
            page.wait_for_timeout(200)
            found = page.evaluate("""() => {
              const out = [];
              let n = 0;
              for (const td of document.querySelectorAll('table[data-pb-stack] td')) {
                const label = getComputedStyle(td, '::before');
                if (!td.textContent.trim()) continue;
                n += 1;
                const box = td.getBoundingClientRect();
                const labelRight = box.left + parseFloat(getComputedStyle(td).paddingLeft)
                  + td.querySelector('.pb-cell').getBoundingClientRect().left - box.left;
                const range = document.createRange();
                range.selectNodeContents(td.querySelector('.pb-cell') || td);
                for (const r of range.getClientRects()) {
                  if (r.width && r.left < labelRight - 1) {
                    out.push(td.getAttribute('data-label') + ': ' + td.textContent.trim());
                    break;
                  }
                }
              }
              return [n, out];
            }""")
            checked += found[0]
            broken += [f"/{path}: {cell}" for cell in found[1]]
            # every value starts right of its label: the cell holds exactly the label and
            # one box
            broken += [f"/{path}: {cell}" for cell in page.evaluate(
                "() => [...document.querySelectorAll('table[data-pb-stack] td')]"
                ".filter(td => td.children.length !== 1 ||"
                " !td.firstElementChild.classList.contains('pb-cell'))"
                ".map(td => td.textContent.trim())")]
    finally:
        context.close()
    assert checked > 100
    assert broken == []


def test_email_tabs_wrap_and_the_copy_button_covers_no_text(built: tuple[str, Path],
                                                            browser: Any) -> None:
    base, _ = built
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(base + "emails/inbound_first_touch/")
        problems = page.evaluate("""() => {
          const out = [];
          for (const block of document.querySelectorAll('.tabbed-set .highlight')) {
            const code = block.querySelector('pre > code');
            if (!code) continue;
            const set = block.closest('.tabbed-set');
            const input = set.querySelectorAll(':scope > input');
            const blocks = [...set.querySelectorAll(':scope > .tabbed-content > .tabbed-block')];
            const i = blocks.findIndex(b => b.contains(block));
            if (input[i]) input[i].checked = true;
            if (code.scrollWidth > code.clientWidth + 1)
              out.push('cut: ' + code.textContent.slice(0, 40));
            const copy = block.querySelector('.md-clipboard');
            if (copy) {
              const c = copy.getBoundingClientRect();
              const range = document.createRange();
              range.selectNodeContents(code);
              for (const r of range.getClientRects()) {
                if (r.width && r.right > c.left && r.left < c.right && r.bottom > c.top
                    && r.top < c.bottom) {
                  out.push('covered: ' + code.textContent.slice(0, 40));
                  break;
                }
              }
            }
          }
          return out;
        }""")
        assert page.locator(".tabbed-set .highlight").count() >= 3
    finally:
        context.close()
    assert problems == []


CONTRAST = """() => {
  const rgba = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m);
    return (x + 0.05) / (y + 0.05); };
  const over = (top, below) => top[3] >= 1 ? top : [0, 1, 2].map(i =>
    top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage !== 'none' && !e.matches('.pb-diagram__frame')) return null;
      const c = rgba(style.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    if (!layers.length || layers[layers.length - 1][3] < 1) {
      const root = rgba(getComputedStyle(document.body).backgroundColor);
      if (root && root[3] > 0) bg = root;
    }
    for (const l of layers.reverse()) bg = over(l, bg);
    return bg;
  };
  const out = [];
  const seen = new Set();
  const controls = 'a, button, .md-button, select, input, label, summary';
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, .md-search')) continue;  // diagrams: test_browser_readability
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own && !el.matches(controls)) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (+style.opacity === 0) continue;
    if (box.bottom < 0 || box.top > innerHeight * 3) continue;
    const fg = rgba(style.color);
    const bg = background(el);
    if (!fg || !bg) continue;
    const r = ratio(over(fg, bg), bg);
    const key = el.tagName + '.' + el.className + ':' + r.toFixed(2);
    if (r < 4.5 && !seen.has(key)) {
      seen.add(key);
      out.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} ` +
               `"${(el.textContent || el.value || '').trim().slice(0, 30)}" ${r.toFixed(2)}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_text_and_control_reads_at_four_and_a_half_to_one(
        built: tuple[str, Path], browser: Any, size: str, scheme: str) -> None:
    base, _ = built
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme=scheme)
    page = context.new_page()
    faint: list[str] = []
    try:
        for path in ["", "today/", "process/", "stages/discovery/", "lifecycle/", "sla/",
                     "emails/inbound_first_touch/", "campaigns/retention_webinar/",
                     "calendar/", "downloads/", "team/", "meeting/", "scorecard/",
                     "reference/"]:
            page.goto(base + path)
            faint += [f"/{path}: {item}" for item in page.evaluate(CONTRAST)]
    finally:
        context.close()
    assert faint == [], "\n".join(faint)


def test_search_snippets_are_clean(built: tuple[str, Path]) -> None:
    """What search shows under each result: no template source, no tab labels run
    together, no words of two table cells glued into one."""
    import json

    _, site = built
    docs = json.loads((site / "search" / "search_index.json").read_text())["docs"]
    texts = {d["location"]: d["text"] for d in docs}
    assert not [loc for loc, text in texts.items() if "{{" in text or "{%" in text]
    assert not [loc for loc, text in texts.items() if "RenderedRaw" in text]
    alignment = texts["alignment/"]
    assert "qualified lead Marketing and sales agree" in alignment.replace("  ", " ")
    assert not [loc for loc, text in texts.items() if "MonTue" in text]
