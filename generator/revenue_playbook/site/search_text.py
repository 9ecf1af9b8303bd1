"""What search reads of a generated page: clean snippets, no markup around them.

Material's search keeps a page's text section by section and shows the start of it as the
snippet. Three things made those snippets unreadable: the labels of a row of tabs
("RenderedRawPlain text"), an email template's Jinja source and each tool's version of
it (the rendered email on the same page says the same in words), and table cells or lines
with no space between them ("one qualified leadMarketing and sales agree"). Material's
`data-search-exclude` leaves a block out; a space after a cell or a line break keeps words
apart and changes nothing on screen.
"""

from __future__ import annotations

import re

_TAB_LABELS = '<div class="tabbed-labels">'
# on an email's page, every code block is the email again: its source, its plain text and
# its version for each tool
_CODE_BLOCKS = '<div class="highlight">'
_GLUED = re.compile(r"<(?:br\s*/?|/t[dh]|/li|/d[td])>(?=\S)")


def search_ready(html: str, path: str) -> str:
    """The HTML of the page at `path` (e.g. "emails/recap.md") with tab labels, and an
    email's code blocks, kept out of search, and words of adjacent cells and lines kept
    apart."""
    if "<" not in html:
        return html  # a heading's words (the toc extension cleans each on its own)
    html = html.replace(_TAB_LABELS, '<div class="tabbed-labels" data-search-exclude>')
    if path.startswith("emails/"):
        html = html.replace(_CODE_BLOCKS, '<div class="highlight" data-search-exclude>')
    return _GLUED.sub(r"\g<0> ", html)
