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
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revenue_playbook.diagrams import DiagramRenderer
from revenue_playbook.pages import build_site
from revenue_playbook.validate import validate

ROOT = Path(__file__).parent.parent
MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
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


def set_field(data: dict, path: list, value: str) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from(range(len(FIELDS))), TEXT), min_size=1,
                max_size=8))
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
            html = markdown.markdown(page.markdown, extensions=[
                "admonition", "attr_list", "md_in_html", "tables", "toc",
                "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist"])
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
