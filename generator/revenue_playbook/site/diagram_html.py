"""A rendered diagram as an accessible, readable block of HTML for a page.

- Shown at its natural size (1 pt of Graphviz = 4/3 CSS px), so a node label (11 pt) is
  about 15 px and an edge label (10 pt) about 13 px on every screen: never scaled below
  12 px, and a small diagram is never blown up to the column's width. A diagram wider than
  the column scrolls inside its frame, with shadows at the edges that show there is more
  and a "full screen" view (a checkbox and CSS: links keep working, no script).
- A human name and description (`<title>` and `<desc>`, referenced by `aria-labelledby`)
  instead of Graphviz's internal ids, which are dropped from every node, edge and cluster.
- Colours come from the theme's CSS variables (see playbook.css), so dark mode keeps every
  label readable; the Graphviz colours stay as the fallback of a standalone SVG.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

PT_TO_PX = 4 / 3

_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
_INTERNAL_TITLE = re.compile(r"<title>[^<]*</title>\s*")


def natural_size(svg: str) -> tuple[int, int]:
    """The diagram's size in CSS px at 100 %, from its viewBox (in points)."""
    match = _VIEWBOX.search(svg)
    if not match:
        return 0, 0
    return round(float(match[1]) * PT_TO_PX), round(float(match[2]) * PT_TO_PX)


def diagram_block(name: str, svg: bytes, title: str, description: str = "") -> Markup:
    """The SVG inlined as one line of raw HTML, kept out of the search index (the page says
    the same in words)."""
    text = svg.decode("utf-8").replace("\n", " ")
    width, height = natural_size(text)
    text = _INTERNAL_TITLE.sub("", text)
    ident = f"diagram-{name}"
    labels = f"{ident}-title" + (f" {ident}-desc" if description else "")
    # Full screen stretches the diagram to the screen's width (playbook.css), within
    # bounds: never below 90 % (edge labels stay at 12 px or more), never past 160 %.
    head = (f'<svg role="group" aria-labelledby="{labels}" width="{width}" height="{height}" '
            f'style="width:{width}px;min-width:{round(width * 0.9)}px;'
            f'max-width:{round(width * 1.6)}px;height:auto" ')
    text = text.replace("<svg ", head, 1)
    inner = f'<title id="{ident}-title">{escape(title)}</title>'
    if description:
        inner += f'<desc id="{ident}-desc">{escape(description)}</desc>'
    text = re.sub(r"(<svg\b[^>]*>)", lambda m: m[1] + inner, text, count=1)
    # "Full screen" is a checkbox and its label: no script, no in-page anchor (the print
    # page renames anchors, and the links inside the diagram keep working)
    return Markup(
        # kept out of search on the inner blocks: Material's search parser loses track of an
        # excluded block that holds another element of its own kind (a div in a div)
        f'<div class="pb-diagram">'
        f'<input type="checkbox" class="pb-diagram__toggle" id="{ident}-full">'
        f'<div class="pb-diagram__bar" data-search-exclude>'
        f'<span class="pb-diagram__title">{escape(title)}</span>'
        f'<label class="pb-diagram__open" for="{ident}-full">'
        f'<span class="pb-diagram__more">Full screen</span>'
        f'<span class="pb-diagram__less">Close</span></label></div>'
        f'<div class="pb-diagram__frame" data-search-exclude tabindex="0" role="region" '
        f'aria-label="{escape(title)} (scrolls sideways when wider than the page)">'
        f"{text}</div></div>")


def not_drawn_note(title: str, why: str) -> Markup:
    """In place of a diagram too large to draw (`diagram_limits`): what it would show and
    why it does not."""
    return Markup(f'<p class="pb-diagram-note"><strong>{escape(title)}</strong>: not drawn, '
                  f"it has {escape(why)}. The same content follows as text.</p>")
