"""Text from the definitions, encoded for the tool that opens each file we write.

One home for output encoding. Every value a user wrote goes out through one of these on
its way into a file or a message; each applies the one invisible-character policy, the
one the pages use too (`visible`: bidi overrides, zero-width and other format characters, and
control characters are dropped; tabs and line breaks are kept) and then the rules of its
destination:

| destination | function | rule |
|---|---|---|
| spreadsheet cell (CSV) | `csv_cell` | a cell that would start a formula starts with `'` (OWASP) |
| XML 1.0 text | `xml_text` | only characters XML 1.0 allows; others refused (`Unwritable`) |
| Slack mrkdwn, message `text` | `slack_mrkdwn` | `&`, `<`, `>` escaped: no links, no mentions |
| Slack `plain_text` | `slack_plain` | the policy only (Slack parses nothing there) |
| Adaptive Card TextRun | `teams_text` | one line; TextRun has no Markdown |
| iCalendar TEXT | `ics_text`, `ics_line` | line breaks as `\\n` (the library escapes) |
| JSON (HubSpot, Trello) | `json_clean` | every string of a document through the policy |
| HTML attribute | `html_attribute` | `& < > " '` as references |
| terminal | `terminal` | controls and invisible characters shown as `\\u001b` escapes |

Control characters differ per format: CSV and JSON keep tabs and line breaks (quoted or
escaped by their serialisers); XML keeps tab and line feed; iCalendar turns every line break
into its `\\n`; a terminal shows a tab and line feed as such and everything else invisible
as an escape. Email tools' merge-field syntax is checked where templates are written in it
(`merge_tokens`: literal text that a tool would read as a merge field is an error).
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

__all__ = ["INVISIBLE", "Unwritable", "csv_cell", "html_attribute", "ics_line", "ics_text",
           "json_clean", "slack_mrkdwn", "slack_plain", "teams_text", "terminal", "visible",
           "xml_text"]

# The one set of invisible characters dropped from every value we publish (pages, previews,
# diagrams, exports, chat messages): Unicode's format characters (zero-width, bidi marks,
# embeddings and isolates, U+061C included) and control characters, which could hide or
# reorder the text around them; line and paragraph separators too. Written out as ranges
# (Unicode 14; a test compares it with Python's own database) because asking `unicodedata`
# character by character is many times slower than one regular expression.
INVISIBLE = (
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]")
# tabs and line breaks are kept: the set without them, as one class (a look-ahead before
# the class, tried at every character, made this twice as slow)
_INVISIBLE = re.compile(INVISIBLE.replace("\x00-\x1f", "\x00-\x08\x0b\x0c\x0e-\x1f", 1))


def visible(value: object) -> str:
    """`value` as text without invisible characters (tabs and line breaks are kept: each
    kind of output decides what they become)."""
    text = str(value)
    # every invisible character is one str.isprintable() refuses (tests/test_presentation):
    # most values are printable words, answered without the expression
    return text if text.isprintable() else _INVISIBLE.sub("", text)


class Unwritable(ValueError):
    """A value holds a character its destination cannot hold; `offset` is where, in the
    value as given."""

    def __init__(self, value: str, offset: int, destination: str) -> None:
        self.value = value
        self.offset = offset
        self.character = value[offset]
        self.destination = destination
        super().__init__(f"the character U+{ord(self.character):04X} cannot be written in "
                         f"{destination}")


# ------------------------------------------------------------------------------ CSV

# OWASP, "CSV Injection": a cell starting with one of these is read as a formula by Excel,
# LibreOffice Calc or Google Sheets; a leading apostrophe makes the spreadsheet take the cell
# as text (and is not shown). Leading spaces do not stop Calc from reading a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value: object) -> str:
    """A cell for a CSV that a spreadsheet may open (the csv module quotes it)."""
    text = visible(value)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


# ------------------------------------------------------------------------------ XML 1.0

# What XML 1.0's production `Char` leaves out: a parser refuses a document holding one.
# Compiled when first used (re keeps it): `playbook validate` writes no XML.
NOT_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


def xml_text(value: object, destination: str = "XML") -> str:
    """Text for an XML 1.0 element or attribute (the serialiser escapes `& < >`): the
    policy applied, a carriage return made a line feed (as XML parsers read it anyway);
    raises Unwritable for a character XML cannot hold (a noncharacter or lone surrogate)."""
    text = visible(value).replace("\r\n", "\n").replace("\r", "\n")
    bad = re.search(NOT_XML, text)
    if bad is not None:
        raise Unwritable(str(value), str(value).find(bad[0]), destination)
    return text


# ------------------------------------------------------------------------------ Slack

def slack_mrkdwn(value: object) -> str:
    """Text for a Slack `mrkdwn` object or a message's top-level `text`: Slack's three
    escapes, so `<!channel>`, `<@U123>` and `<https://…|label>` are shown, not acted on."""
    return visible(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_plain(value: object) -> str:
    """Text for a Slack `plain_text` object (headers, button labels): one line."""
    return " ".join(visible(value).split())


# ------------------------------------------------------------------------------ Teams

def teams_text(value: object) -> str:
    """Text for an Adaptive Card `TextRun` (no Markdown is read there): one line."""
    return " ".join(visible(value).split())


# ------------------------------------------------------------------------------ iCalendar

def ics_text(value: object) -> str:
    """A TEXT value (SUMMARY, DESCRIPTION): line breaks as line feeds, which the icalendar
    library writes as `\\n`; no control character a reader would take for a line end."""
    return visible(value).replace("\r\n", "\n").replace("\r", "\n")


def ics_line(value: object) -> str:
    """A one-line TEXT value (a calendar's name)."""
    return " ".join(visible(value).split())


# ------------------------------------------------------------------------------ JSON

def json_clean(document: Any) -> Any:
    """`document` with every string in it (keys too) through the policy; json.dumps then
    escapes the control characters JSON requires."""
    if isinstance(document, str):
        return visible(document)
    if isinstance(document, dict):
        return {json_clean(k): json_clean(v) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [json_clean(item) for item in document]
    return document


# ------------------------------------------------------------------------------ HTML

_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                            "'": "&#39;"})


def html_attribute(value: object) -> Markup:
    """Text safe inside a quoted HTML attribute and in element content alike; as Markup,
    so a template's `|e` does not escape it twice."""
    if isinstance(value, Markup):
        return value
    return Markup(" ".join(visible(value).split()).translate(_ATTRIBUTE))


# ------------------------------------------------------------------------------ terminal

_SHOWN = re.compile(r"(?![\t\n])" + INVISIBLE)


def _escape(found: re.Match[str]) -> str:
    code = ord(found[0])
    if code > 0xFFFF:  # as a JSON string writes it, so JSON output stays valid
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def terminal(value: object) -> str:
    """Text for a terminal: escape sequences (ESC, CSI, OSC 52 that writes the clipboard),
    carriage returns and invisible characters shown as `\\u001b`-style escapes, which read
    the same inside a JSON string; tabs and line feeds kept."""
    return _SHOWN.sub(_escape, str(value))
