"""Which link and image addresses a generated page may hold.

Text from the definitions may contain Markdown links, inline or reference-style, and the
diagrams link their nodes to pages. Every such address must be one a click cannot run:
an http, https, mailto or tel address, or a link within the site (a relative path, a
`#fragment` or a `?query`). Anything else (`javascript:`, `vbscript:`, `data:`, `file:`,
unknown schemes, and `//host` links that leave the site without naming a scheme) is
refused, and the page shows the link's words as plain text.

The scheme is read the way browsers read it (the WHATWG URL standard): leading and
trailing control characters and spaces are dropped, and tabs and line breaks anywhere
are removed, so `java\\nscript:` is `javascript:`. To stay on the safe side every other
control, space and invisible formatting character is removed too, and the address is
judged both as written and with HTML character references decoded (`&#106;avascript:`).
"""

from __future__ import annotations

import html
import re
import unicodedata

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
"""Schemes a generated page may link to; relative links are always allowed."""

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_REMOVED_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}  # controls, invisible formatting, spaces


def _squeeze(url: str) -> str:
    """The address without the characters a browser (or a lenient one) would skip."""
    if url.isascii() and url.isprintable() and " " not in url:
        return url  # the common case: nothing to remove
    return "".join(ch for ch in url if not ch.isspace()
                   and unicodedata.category(ch) not in _REMOVED_CATEGORIES)


def url_scheme(url: str) -> str | None:
    """The scheme a browser would follow for `url`, lower-cased; None for a relative link.

    A link starting with two slashes (or backslashes, which browsers read as slashes) keeps
    the page's scheme but leaves the site: it is reported as the scheme "//".
    """
    squeezed = _squeeze(url)
    match = _SCHEME.match(squeezed)
    if match:
        return match[1].lower()
    if squeezed[:2].replace("\\", "/") == "//":
        return "//"
    return None


def is_allowed_url(url: str) -> bool:
    """True for an address a generated page may link to: see the module's docstring."""
    for form in {url, html.unescape(url)}:
        scheme = url_scheme(form)
        if scheme is not None and scheme not in ALLOWED_SCHEMES:
            return False
    return True
