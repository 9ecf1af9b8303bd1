"""Counts, articles and missing values in words: the one helper every message, page,
preview and export uses, so nothing says "1 touches", "a Education MQL" or shows a default
as if it were the playbook's policy."""

from __future__ import annotations

import re

# What every page and message says of a value the playbook does not state.
NOT_DEFINED = "not defined"

# The names of the days (by `date.weekday()`) and of the months (by `date.month - 1`).
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

_IRREGULAR = {"business day": "business days", "calendar day": "calendar days",
              "person": "people", "criterion": "criteria", "status": "statuses"}


def plural_of(noun: str) -> str:
    """`touch` -> `touches`, `day` -> `days`, `company` -> `companies`."""
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    head, _, last = noun.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in _IRREGULAR:
        return prefix + _IRREGULAR[last]
    if re.search(r"(s|x|z|ch|sh)$", last):
        return f"{prefix}{last}es"
    if re.search(r"[^aeiou]y$", last):
        return f"{prefix}{last[:-1]}ies"
    return f"{prefix}{last}s"


def count(number: float, noun: str, plural: str | None = None) -> str:
    """`count(1, "touch")` -> "1 touch"; `count(6, "touch")` -> "6 touches"; numbers
    are written as they are (`1.5 business days`)."""
    text = f"{number:g}" if isinstance(number, float) else str(number)
    word = noun if number == 1 else (plural or plural_of(noun))
    return f"{text} {word}"


# Words spoken with a vowel sound after a written consonant, or the other way round.
_AN_EXCEPTIONS = ("hour", "honest", "honour", "honor", "heir")
_A_EXCEPTIONS = ("uni", "use", "usu", "uti", "eu", "one", "once", "ure", "uro")


def article(phrase: str) -> str:
    """`a` or `an` for a phrase: "an Education MQL", "an Account Executive", "a user",
    "an SDR", "an hour", "a Sales rep". Acronyms take the article of their first letter's
    name (an SDR, an MQL, a CRO)."""
    word = phrase.strip().split(" ", 1)[0] if phrase.strip() else ""
    lower = word.lower()
    if not word:
        return "a"
    if len(word) > 1 and word.isupper() and word.isalpha():
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    if lower.startswith(_AN_EXCEPTIONS):
        return "an"
    if lower.startswith(_A_EXCEPTIONS):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def with_article(phrase: str) -> str:
    """The phrase after its article: "an Account Executive"."""
    return f"{article(phrase)} {phrase}"


def or_not_defined(value: object, text: str | None = None) -> str:
    """`text` (or the value as text) when the value is stated, "not defined" when it is
    None or empty."""
    if value is None or value == "" or value == [] or value == {}:
        return NOT_DEFINED
    return text if text is not None else str(value)
