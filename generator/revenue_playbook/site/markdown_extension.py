"""What makes a generated page safe, run inside Markdown conversion so that every engine
applies it: MkDocs and ProperDocs (whose plugins could do it later) and Zensical (which
runs no MkDocs plugin) all convert a page with Python-Markdown and the extensions the
configuration names, and this is one of them.

A generated page says so on the first line of its Markdown (after any front matter): an
HTML comment with the page's path, put there by `mark_generated`. The extension takes the
line out before anything else reads the page, and once Markdown has made the page's HTML,
the sanitiser cleans it (`safety.sanitize.sanitize_page`) and search gets its snippets right
(`search_text.search_ready`). A page without the line, one written by hand, is left
exactly as its author wrote it.

The mark only ever turns cleaning on: text from the definitions cannot take it away (it
is the page's first line, written before any of that text), and a hand-written page that
copies it is merely cleaned too.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from ..safety.sanitize import sanitize_page
from .search_text import search_ready

NAME = __name__
"""How a configuration names this extension (`markdown_extensions: [NAME]`)."""
_MARK = re.compile(r"<!-- playbook:generated (\S+) -->")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)


def mark_generated(path: str, markdown: str) -> str:
    """`markdown`, the generated page at `path` (e.g. "stages/discovery.md"), with the line
    that has the extension clean its HTML: the first line after the front matter."""
    line = f"<!-- playbook:generated {path} -->\n"
    if markdown.startswith("---\n"):
        end = _FRONT_MATTER_END.search(markdown, 4)
        if end is not None:
            cut = end.end() + 1
            return markdown[:cut] + line + markdown[cut:]
    return line + markdown


def generated_path(markdown: str) -> str | None:
    """The path a page's Markdown (after front matter) is marked with, or None."""
    first = markdown.lstrip("\n").split("\n", 1)[0]
    found = _MARK.fullmatch(first)
    return found[1] if found else None


def insert_after_mark(markdown: str, text: str) -> str:
    """`text` put at the top of a page's Markdown, below the mark if it has one (a mark
    that no longer opens the page would leave it uncleaned)."""
    if generated_path(markdown) is None:
        return text + markdown
    start = len(markdown) - len(markdown.lstrip("\n"))
    line_end = markdown.index("\n", start) + 1 if "\n" in markdown[start:] else len(markdown)
    return markdown[:line_end] + text + markdown[line_end:]


class _FindMark(Preprocessor):
    """Takes the mark out of a generated page, remembering the page's path."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self.path: str | None = None

    def run(self, lines: list[str]) -> list[str]:
        self.path = None  # one Markdown object may convert several pages
        for i, line in enumerate(lines):
            if line.strip():
                found = _MARK.fullmatch(line)
                if found is not None:
                    self.path = found[1]
                    return lines[:i] + lines[i + 1:]
                break
        return lines


class _Clean(Postprocessor):
    """The generated page's finished HTML, sanitised and made ready for search."""

    def __init__(self, md: Markdown, mark: _FindMark) -> None:
        super().__init__(md)
        self.mark = mark

    def run(self, text: str) -> str:
        if self.mark.path is None:
            return text
        # Markdown strips the result after the last postprocessor; strip first, so the
        # sanitiser reads the HTML a plugin's `on_page_content` would have read
        return search_ready(sanitize_page(text.strip()), self.mark.path)


class GeneratedPages(Extension):
    """Cleans the HTML of every page marked by `mark_generated`."""

    def extendMarkdown(self, md: Markdown) -> None:
        mark = _FindMark(md)
        # before every other preprocessor (whitespace normalising is at 30), so the mark is
        # found where it was written; after every postprocessor (raw HTML goes back at 30)
        md.preprocessors.register(mark, "playbook_generated", 1000)
        md.postprocessors.register(_Clean(md, mark), "playbook_clean", -1000)


def makeExtension(**kwargs: object) -> GeneratedPages:
    return GeneratedPages(**kwargs)
