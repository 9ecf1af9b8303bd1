"""What a check reports: rules with stable codes, and the findings they produce."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # worth knowing, never fails a run (e.g. checks skipped for a missing section)
    OFF = "off"


@dataclass(frozen=True)
class Location:
    """A place in a definition file; line and column count from 1 (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Rule:
    """A validation rule: a stable code, a short name, a default severity, one line of docs.
    Every rule is listed in `rules.RULES`."""

    code: str
    name: str
    severity: Severity
    summary: str
    category: str = ""


@dataclass(frozen=True)
class Finding:
    rule: Rule
    location: Location
    message: str
    hint: str = ""
    # None until the configuration is applied: then the rule's default or an override.
    severity: Severity | None = None

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def effective_severity(self) -> Severity:
        return self.severity or self.rule.severity

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.file, self.location.line, self.location.column, self.rule.code)


def close_matches(word: str, options: Iterable[str], n: int = 1,
                  cutoff: float = 0.6) -> list[str]:
    """The `n` options most like `word` (a typo away), best first; a higher `cutoff` asks
    for a closer likeness."""
    return difflib.get_close_matches(word, list(options), n=n, cutoff=cutoff)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """The hint for a misspelt id or key: "Did you mean 'x'?", or "" when nothing is close."""
    match = close_matches(word, options)
    return f"Did you mean '{match[0]}'?" if match else ""
