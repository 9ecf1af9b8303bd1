"""The engine-neutral site in a folder: what every engine adapter builds from.

The generated pages (each marked for `markdown_extension`, which cleans its HTML inside
Markdown conversion, and titled in its front matter as escaped HTML), their diagrams and
other files, the site's own stylesheet and script, and the hand-written pages of the docs
folder (which win over a generated page of the same path, as in the MkDocs plugin). The
navigation is returned beside it, with the hand-written pages added to the reference tab.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown as python_markdown
from markupsafe import escape

from .markdown_extension import mark_generated
from .navigation import with_hand_written
from .pages import Site

THEME_DIR = Path(__file__).parents[1] / "templates" / "theme"
# in THEME_DIR, which every engine copies into the site: diagrams, badges, email previews
STYLESHEET = "playbook.css"
SCRIPT = "playbook.js"  # tables become stacked cards on a phone
THEME_ASSETS = (STYLESHEET, SCRIPT)


@dataclass(frozen=True)
class SiteFolder:
    docs: Path
    """The folder of Markdown pages and files an engine builds (its `docs_dir`)."""
    nav: list[Any]
    """The navigation, MkDocs-style, titles escaped (themes print them as HTML)."""
    generated: frozenset[str]
    """The paths of the generated pages in `docs` (the others are hand-written)."""


def write_site_folder(site: Site, docs_dir: Path | None, folder: Path) -> SiteFolder:
    """Write `site` and the hand-written pages of `docs_dir` into `folder` (made here;
    it must not exist yet)."""
    if docs_dir is not None and docs_dir.is_dir():
        shutil.copytree(docs_dir, folder, symlinks=False)
    else:
        folder.mkdir(parents=True)
    generated = set()
    for path, page in site.pages.items():
        target = folder / path
        if target.exists():
            continue  # written by hand in the docs folder: it replaces the generated page
        target.parent.mkdir(parents=True, exist_ok=True)
        text = mark_generated(path, with_title(page.markdown, heading_html(page.markdown)))
        target.write_text(text, encoding="utf-8")
        generated.add(path)
    for path, data in site.assets.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for name in THEME_ASSETS:
        shutil.copyfile(THEME_DIR / name, folder / name)
    nav = with_hand_written(site.nav, site.pages, docs_dir) if docs_dir else site.nav
    return SiteFolder(folder, nav, frozenset(generated))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def heading_html(page_markdown: str) -> str | None:
    """The text of a generated page's `# heading`, escaped as HTML: the title themes print
    as trusted HTML (in `<title>`, the header, search results). None without a heading."""
    body = page_markdown
    if body.startswith("---\n"):
        end = body.find("\n---\n", 3)
        body = body[end + 5:] if end != -1 else body
    first = body.lstrip("\n").split("\n", 1)[0]
    if not first.startswith("# "):
        return None
    reader = _Text()
    reader.feed(python_markdown.markdown(first))
    reader.close()
    return str(escape(" ".join("".join(reader.parts).split())))


def with_title(page_markdown: str, title: str | None) -> str:
    """The page with `title:` in its front matter (as JSON, a subset of YAML)."""
    if title is None:
        return page_markdown
    line = f"title: {json.dumps(title)}\n"
    if page_markdown.startswith("---\n"):
        return "---\n" + line + page_markdown[4:]
    return f"---\n{line}---\n{page_markdown}"
