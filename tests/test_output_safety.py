"""Property: whatever text people put into the definitions, no markup from it reaches a
page and every diagram still renders. Strings full of markup, quotes, braces, backslashes,
newlines, right-to-left and zero-width characters go into many fields at once; the pages
are turned into HTML with the site's own Markdown extensions and inspected."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from helpers import MINIMAL, ROOT
from hostile import markdown_slots, problems, set_slot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from revenue_playbook.checks.validate import validate
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.markdown_extension import GeneratedPages, mark_generated
from revenue_playbook.site.pages import Page, build_site

# each case builds a whole site: `make fuzz` runs 1,000 of them
EXAMPLES = int(os.environ.get("PLAYBOOK_SAFETY_EXAMPLES", "12"))

PIECES = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"', "'", "{", "}",
          "{{", "}}", "{: onclick=alert(1)}", "\\", "\n", "\r\n", "|", "`", "```", "*", "_",
          "[x](javascript:alert(1))", "<!--", "-->", "&amp;", "&lt;", "\u202e", "\u200b",
          "\u2066", "#", "!!! note", "=== \"tab\"", "<svg onload=alert(1)>", "]]>", "é漢"]
TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), min_size=1,
                max_size=6).map("".join)

# (file, path of keys) of text fields that flow into pages
FIELDS = [("sales.yaml", ["processes", "new_business", "name"]),
          ("sales.yaml", ["processes", "new_business", "stages", "discovery", "name"]),
          ("sales.yaml", ["processes", "new_business", "stages", "discovery", "purpose"]),
          ("sales.yaml", ["processes", "new_business", "stages", "discovery",
                          "exit_criteria", 0]),
          ("sales.yaml", ["processes", "new_business", "stages", "discovery", "touchpoints",
                          0, "purpose"]),
          ("team.yaml", ["company", "name"]), ("team.yaml", ["roles", "sdr", "name"]),
          ("team.yaml", ["lifecycle", "mql", "name"]),
          ("team.yaml", ["lifecycle", "mql", "entry_criteria", 0]),
          ("team.yaml", ["merge_fields", "first_name", "sample"]),
          ("team.yaml", ["personas", "buyer", "name"]),
          ("sla.yaml", ["sla", "tiers", "demo", "name"]),
          ("sla.yaml", ["sla", "recycle", "reasons", "no_answer"]),
          ("scorecard.yaml", ["kpis", "retention", "name"]),
          ("scorecard.yaml", ["kpis", "retention", "formula"]),
          ("scorecard.yaml", ["meeting", "agenda", 0, "topic"]),
          ("templates/recap.yaml", ["name"]), ("templates/recap.yaml", ["description"]),
          ("campaigns/launch.yaml", ["name"]), ("campaigns/launch.yaml", ["objective"]),
          ("campaigns/launch.yaml", ["steps", "preview", "name"]),
          ("campaigns/launch.yaml", ["description"])]



def is_safe_url(value: str) -> bool:
    """A link a browser will not run: a fragment, a relative path or a web/mail address."""
    value = value.strip().lower()
    if value.startswith("#"):
        return True
    scheme = value.split("/")[0]
    return ":" not in scheme or value.startswith(("http:", "https:", "mailto:"))


class Inspect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "img", "iframe", "object", "embed", "style", "form"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}")
            if name in ("href", "src", "xlink:href") and value and not is_safe_url(value):
                self.problems.append(f"{tag} {name}={value}")


def _site_extensions() -> tuple[list[str], dict[str, dict]]:
    """The Markdown extensions (and their settings) of the example's mkdocs.yml."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names, settings = [], {}
    for entry in config["markdown_extensions"]:
        name = entry if isinstance(entry, str) else next(iter(entry))
        names.append(name)
        if isinstance(entry, dict):
            settings[name] = entry[name] or {}
    return names, settings


EXTENSIONS, EXTENSION_SETTINGS = _site_extensions()


FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def render(page: Page) -> str:
    """A generated page's content as every engine makes it: Markdown with the site's
    extensions and ours, which cleans a page marked as generated inside the conversion
    (after the front matter, which every engine reads and takes off first)."""
    body = FRONT_MATTER.sub("", mark_generated(page.path, page.markdown), count=1)
    return markdown.markdown(body,
                             extensions=[*EXTENSIONS, GeneratedPages()],
                             extension_configs=EXTENSION_SETTINGS)


def set_field(data: dict, path: list, value: str) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from(range(len(FIELDS))), TEXT), min_size=1,
                max_size=8))
# found by this test: a description's open code fence ran on into the page, so the email's
# plain-text block (a sample value holding a tag) was no longer code
@example([(9, "<img src=x onerror=alert(1)>"), (17, "```")])
def test_no_markup_from_definitions_reaches_a_page(edits: list[tuple[int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "defs"
        shutil.copytree(MINIMAL, root)
        for index, value in edits:
            name, path = FIELDS[index]
            data = yaml.safe_load((root / name).read_text(encoding="utf-8"))
            set_field(data, path, value)
            (root / name).write_text(yaml.safe_dump(data, allow_unicode=True),
                                     encoding="utf-8")
        result = validate(root)
        renderer = DiagramRenderer(Path(tmp) / "cache")
        site = build_site(result.playbook, renderer)  # every diagram renders, or this raises
        for path, page in site.pages.items():
            html = render(page)
            # the diagrams are inspected below, as the SVG Graphviz wrote
            html = re.sub(r'<div class="pb-diagram"[^>]*>.*?<svg.*?</svg></div></div>', "", html,
                          flags=re.S)
            inspector = Inspect()
            inspector.feed(html)
            assert inspector.problems == [], (path, inspector.problems)
        for name, svg in site.assets.items():
            if not name.endswith((".svg", ".html")):
                continue  # calendars and downloads are data a browser does not run
            inspector = Inspect()
            inspector.feed(svg.decode("utf-8"))
            assert inspector.problems == [], (name, inspector.problems)


# Markdown fields: links of every kind (inline, reference-style, images, autolinks) whose
# address is put together from schemes, control characters, line breaks, spaces, entities
# and slashes; attribute lists; raw HTML; and free text around them.
URL_PIECES = ["javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,", "java", "script:",
              "\r", "\n", "\t", "\x01", "\x00", " ", "\u00a0", "\u200b", "&#106;",
              "&#x6A;", "&colon;", "&Tab;", ":", "//", "\\", "evil", "alert(1)",
              "https://ok.example", "mailto:a@b", "tel:1", "#", "%0a", "<", ">", '"']
URL = st.lists(st.sampled_from(URL_PIECES) | st.text(max_size=3), min_size=1,
               max_size=6).map("".join)
WORDS = st.text(max_size=5)
LINK = st.one_of(
    st.builds("[{}]({})".format, WORDS, URL),
    st.builds("![{}]({})".format, WORDS, URL),
    st.builds('[{}]({} "{}")'.format, WORDS, URL, WORDS),
    st.builds("[{}][r]\n\n[r]: {}".format, WORDS, URL),
    st.builds("[{}]\n\n[{}]: {}".format, WORDS, WORDS, URL),
    st.builds("<{}>".format, URL),
    st.builds("{}\n{{: {}=alert(1) }}".format, WORDS, st.sampled_from(
        ["onclick", "ONCLICK", "onmouseover", "href", "style"])),
    st.sampled_from(["<a href=javascript:alert(1)>x</a>", "<svg onload=alert(1)>",
                     "{: onclick=alert(1) }", "\n", "`", "*", "[", "]", "(", ")"]),
    WORDS)
LINK_TEXT = st.lists(LINK, min_size=1, max_size=5).map("".join)


class Baseline:
    """A diagram renderer with its cache, and the example's pages as built unchanged: a
    case looks only at the pages its text reaches."""

    def __init__(self, renderer: DiagramRenderer, pages: dict[str, str]) -> None:
        self.renderer = renderer
        self.pages = pages

    def __repr__(self) -> str:
        return "Baseline(the example)"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    renderer = DiagramRenderer(tmp_path_factory.mktemp("safety") / "cache")
    site = build_site(validate(ROOT / "process_defs").playbook, renderer)
    return Baseline(renderer, {path: page.markdown for path, page in site.pages.items()})


@pytest.mark.slow
@settings(max_examples=4 * EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(edits=st.lists(st.tuples(st.integers(min_value=0), LINK_TEXT), min_size=1,
                      max_size=6))
def test_no_script_link_or_handler_from_any_markdown_field(
        baseline: Baseline, edits: list[tuple[int, str]]) -> None:
    """Arbitrary text in any Markdown field (and email body) never yields a link with a
    scheme outside the allowed list, nor an on* attribute, in the page's HTML."""
    playbook = validate(ROOT / "process_defs").playbook
    slots = markdown_slots(playbook)
    for index, text in edits:
        set_slot(slots[index % len(slots)], text)
    site = build_site(playbook, baseline.renderer)
    changed = [p for p in site.pages.values() if baseline.pages.get(p.path) != p.markdown]
    for page in changed:
        assert problems(render(page)) == [], page.path
