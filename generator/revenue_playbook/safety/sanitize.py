"""The last line of defence: the HTML of every generated page, cleaned by an allowlist.

Text from the definitions is escaped where it enters Markdown (`markup`), so no markup of
its own should ever reach a page. This module does not rely on that: after Markdown has
made the page's HTML, only the elements and attributes the site's Markdown extensions,
Material's page features and Graphviz's diagrams produce are kept, every link and image
address must pass the link policy (`linkpolicy`), and a link that fails it is shown as
its words without the address.

The cleaning is done by nh3, the Python binding of ammonia (Rust, html5ever's
standards-conforming HTML parser): it parses like a browser, so there is no parser
disagreement to exploit, and it runs in a few milliseconds a page.
"""

from __future__ import annotations

import html
import re

import nh3

from .linkpolicy import ALLOWED_SCHEMES, is_allowed_url

# Python-Markdown and the extensions the site uses (tables, toc, admonition, details,
# superfences and highlight, tabbed, tasklist, footnotes, attr_list's classes), Material's
# grid cards and icons, and the pages' own badges and diagrams.
_HTML_TAGS = set(nh3.ALLOWED_TAGS) | {"input", "label", "section", "article", "main"}
_SVG_TAGS = {"svg", "g", "title", "desc", "path", "polygon", "polyline", "line", "rect",
             "circle", "ellipse", "text", "tspan", "defs", "linearGradient",
             "radialGradient", "stop", "clipPath"}
TAGS = _HTML_TAGS | _SVG_TAGS
_TABLE_CELL = {"align", "colspan", "rowspan", "headers", "scope", "abbr", "style"}
_SHAPE = {"d", "points", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry",
          "width", "height", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width",
          "stroke-opacity", "stroke-dasharray", "stroke-linecap", "stroke-linejoin",
          "transform", "opacity", "clip-path"}
_FONT = {"font-family", "font-size", "font-weight", "font-style", "text-anchor",
         "text-decoration", "dx", "dy", "dominant-baseline"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "id", "title", "lang", "dir", "role", "hidden", "tabindex"},
    "a": {"href", "name", "target", "hreflang", "xlink:href", "xlink:title", "download"},
    "img": {"src", "alt", "width", "height", "loading", "align"},
    "td": _TABLE_CELL, "th": _TABLE_CELL, "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "type", "reversed"}, "li": {"value"},
    "details": {"open"}, "time": {"datetime"}, "data": {"value"},
    "input": {"type", "checked", "disabled", "name"}, "label": {"for"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    # ammonia matches attributes by local name: "xlink" keeps `xmlns:xlink`, so that an
    # inline diagram stays well-formed XML for tools that read it as such
    "svg": {"viewBox", "xmlns", "xlink", "width", "height", "preserveAspectRatio", "style",
            "focusable"},
    "g": {"transform", "fill", "stroke", "style"},
    "stop": {"offset", "stop-color", "stop-opacity", "style"},
    "linearGradient": {"gradientUnits", "gradientTransform", "x1", "x2", "y1", "y2"},
    "radialGradient": {"gradientUnits", "gradientTransform", "cx", "cy", "r", "fx", "fy"},
    "clipPath": {"clipPathUnits"},
    **{tag: _SHAPE | _FONT for tag in ("path", "polygon", "polyline", "line", "rect",
                                         "circle", "ellipse", "text", "tspan")},
}
# Layout only: nothing that can lay one element over the page (position, z-index, inset).
STYLE_PROPERTIES = {"text-align", "vertical-align", "width", "min-width", "max-width",
                    "height", "min-height", "max-height", "aspect-ratio", "white-space",
                    "stop-color", "stop-opacity"}
# nh3 writes every attribute as name="value", with < > " escaped inside values: in its
# output, `<...>` is always a whole tag
_ANCHOR = re.compile(r'<a((?: [^\s="]+="[^"]*")*)>(.*?)</a>', re.S)
# an <a> tag that `_as_words` would make a span of: no address, name or id
_BARE_ANCHOR = re.compile(r'<a(?=[ >])(?![^>]* (?:href|name|id)=")')
_SVG_START = re.compile(r"<svg\b")
# What nh3 gives back exactly as it is: text without markup or character references, and
# without the few characters its parser or serialiser rewrites (NUL, CR, the no-break
# space; lone surrogates are left for nh3 to refuse). Python-Markdown's toc extension runs
# every heading's words through the sanitiser on their own: 2,200 of them at 330 pages.
_REWRITTEN = re.compile("[\x00\r&<>\xa0\ud800-\udfff]")
LINK_REMOVED_TITLE = ("Link removed: a page may only link to http, https, mailto and tel "
                      "addresses and within the site")

# nh3 refuses other schemes in `href` and `src` itself (by the URL standard, as browsers
# read them) and keeps relative addresses. The link policy is stricter (`//host` leaves
# the site; invisible characters and character references are read on the safe side) and
# covers `cite` too, so each address nh3 kept is judged by it again, in nh3's output.
# Addresses that cannot hold a scheme or leave the site (no `:`, `&`, `\`, space or other
# character, and not starting with `//` or `/\`) or that start with an allowed scheme are
# passed over; only the rest are decoded and judged. Material's own hooks into its scripts
# (`data-md-*` attributes) are dropped in the same pass.
_PLAIN_URL = r'(?:(?:https?|mailto|tel):[^"]*|(?!/[/\\])[\w./#?=%~+,;!*()-]*)"'
_SUSPECT = r'(?: (?:href|src|xlink:href|cite)="(?!' + _PLAIN_URL + r')| data-md-)'
_ANY_SUSPECT = re.compile(_SUSPECT, re.ASCII)  # in a tag, or in text (then it is harmless)
_SUSPECT_TAG = re.compile(r"<[a-zA-Z][^>]*?" + _SUSPECT + "[^>]*>", re.ASCII)
_ATTRIBUTE = re.compile(r' ([^\s="]+)="([^"]*)"')
_URL_ATTRIBUTES = {"href", "src", "xlink:href", "cite"}

_CLEANER = nh3.Cleaner(
    tags=TAGS, clean_content_tags={"script", "style", "template", "noscript"},
    attributes=ATTRIBUTES, strip_comments=True, link_rel=None,
    generic_attribute_prefixes={"data-", "aria-"}, url_schemes=set(ALLOWED_SCHEMES),
    filter_style_properties=STYLE_PROPERTIES)


def _attribute(name: str, value: str) -> bool:
    """Whether an attribute nh3 kept stays: `value` as nh3 wrote it (escaped)."""
    if name in _URL_ATTRIBUTES:
        return is_allowed_url(html.unescape(value))
    return not name.startswith("data-md-")


def _judged(tag: re.Match[str]) -> str:
    return _ATTRIBUTE.sub(lambda a: a[0] if _attribute(a[1], a[2]) else "", tag[0])


def sanitize_page(page: str) -> str:
    """A generated page's HTML with everything outside the allowlist removed.

    Script, style and other elements are dropped with their content; unknown elements
    keep their text; event handlers, inline styles beyond layout, and link or image
    addresses refused by the link policy are dropped; a link left without an address
    becomes a span with its words.
    """
    if _REWRITTEN.search(page) is None:
        return page  # no tag, nothing to judge: nh3 would return it unchanged
    # a static allowlist, no Python called back per attribute (that was most of the cost)
    clean = _CLEANER.clean(page)
    if _ANY_SUSPECT.search(clean):
        clean = _SUSPECT_TAG.sub(_judged, clean)
    bare = [anchor.start() for anchor in _BARE_ANCHOR.finditer(clean)]
    if not bare:
        return clean
    # Outside diagrams only: an HTML span would end an inline SVG, and there an <a> without
    # an address is already no more than a group (a diagram's tooltip is one).
    diagrams = _diagrams(clean)
    if all(any(start <= at < end for start, end in diagrams) for at in bare):
        return clean
    parts = []
    start = 0
    for svg_start, svg_end in diagrams:
        parts += [_as_words(clean[start:svg_start]), clean[svg_start:svg_end]]
        start = svg_end
    parts.append(_as_words(clean[start:]))
    return "".join(parts)


def _diagrams(html: str) -> list[tuple[int, int]]:
    """Where each inline SVG starts and ends: from `<svg` to the first `</svg>` after it
    (an SVG in nh3's output holds no other)."""
    spans = []
    at = 0
    while (svg := _SVG_START.search(html, at)) is not None:
        end = html.find("</svg>", svg.end())
        if end < 0:
            break
        at = end + len("</svg>")
        spans.append((svg.start(), at))
    return spans


def _as_words(html: str) -> str:
    def replace(anchor: re.Match[str]) -> str:
        if ' href="' in anchor[1] or ' name="' in anchor[1] or ' id="' in anchor[1]:
            return anchor[0]  # a link, or a target of links
        return f'<span class="pb-link-removed" title="{LINK_REMOVED_TITLE}">{anchor[2]}</span>'

    return _ANCHOR.sub(replace, html)
