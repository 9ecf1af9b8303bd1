"""Putting text from YAML into Markdown pages without letting it become markup.

Every value written by a user lands in a page through one of these: `text` for plain
words, `markdown` for fields documented as Markdown (formatting works, raw HTML and
script links do not), `cell` for table cells. The page templates escape with `text` by
default, so forgetting a filter is safe.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from .encoders import INVISIBLE, visible

__all__ = ["INVISIBLE", "attr", "cell", "code", "code_fence", "markdown", "plain_text",
           "safe", "sample", "text", "visible"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|!])")
# Text that `text` would give back as it is: nothing invisible (line breaks and tabs are
# control characters), nothing HTML or Markdown reads. Most values of a page are such
# words, and one scan finds it where the full escaping takes five.
_AS_IT_IS = re.compile("[^" + INVISIBLE[1:-1] + r'&<>"\\`*_{}\[\]#|!]*')


def safe(value: str) -> Markup:
    """`value` (a str known to be safe as it is) as Markup, without Markup's constructor:
    its check for `__html__` costs five times the string (some 30,000 values a build)."""
    return _new(Markup, value)


_new = str.__new__


def _html(value: str) -> str:
    # four replaces: str.translate with a mapping looks up every character (12 ms for the
    # Today page's data at scale 10, where this takes 1)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def text(value: object) -> Markup:
    """Plain text: no HTML, no Markdown emphasis, links or headings; one line."""
    if isinstance(value, Markup):
        return value
    return safe(plain_text(value))


def plain_text(value: object) -> str:
    """`text` of a value that is not Markup, as a str (the pages' `{{ }}` default)."""
    if type(value) is str and _AS_IT_IS.fullmatch(value):
        return value
    plain = visible(value).replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", _html(plain))


def markdown(value: object) -> Markup:
    """Text that may use Markdown formatting: emphasis, lists, links, code. Raw HTML is
    shown as text and braces as characters, so no attribute list (`{: onclick=… }`) can
    come from YAML. Link addresses are checked after rendering (`linkpolicy`, applied by
    `sanitize`), where reference-style links are resolved too."""
    if isinstance(value, Markup):
        return value
    body = _close_fences(_html(visible(value)))
    return safe(body.replace("{", "&#123;").replace("}", "&#125;"))


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def _close_fences(body: str) -> str:
    """`body` with a code fence it leaves open closed at its end: an open fence would run
    on into the page around the field, turning the page's own code blocks inside out (a
    sample value shown as code would become HTML)."""
    opened = ""
    for line in body.splitlines():
        found = _FENCE.match(line)
        if found is None:
            continue
        fence, rest = found[1], found[2]
        if not opened:
            if not (fence[0] == "`" and "`" in rest):  # a backtick fence's info has none
                opened = fence
        elif fence[0] == opened[0] and len(fence) >= len(opened) and not rest.strip():
            opened = ""
    return f"{body.rstrip()}\n{opened}" if opened else body


def cell(value: object) -> Markup:
    """Text for a Markdown table cell."""
    return text(value if value not in (None, "") else "—")


_TICKS = re.compile(r"`+")


def _longest_ticks(body: str) -> int:
    """The length of the longest run of backticks in `body`."""
    return max(map(len, _TICKS.findall(body)), default=0) if "`" in body else 0


def code_fence(body: str, lang: str = "") -> Markup:
    """A fenced code block that the body cannot close early."""
    longest = _longest_ticks(body)
    fence = "`" * max(3, longest + 1)
    return safe(f"{fence}{lang}\n{body.rstrip()}\n{fence}")


def code(value: object) -> Markup:
    """Inline code: shown literally (code spans escape HTML themselves)."""
    body = visible(value).replace("\r", " ").replace("\n", " ")
    longest = _longest_ticks(body)
    ticks = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return safe(f"{ticks}{pad}{body}{pad}{ticks}")


def sample(value: object) -> Markup:
    """A sample value in words: lists one item after another, mappings as key: value."""
    if isinstance(value, list):
        return Markup("; ").join(sample(v) for v in value)
    if isinstance(value, dict):
        return Markup("; ").join(Markup("{}: {}").format(text(k), sample(v))
                                 for k, v in value.items())
    return cell(value)


def attr(value: object) -> Markup:
    """A value inside a double-quoted HTML attribute."""
    return safe(_html(str(value)))
