"""What a check reports: rules with stable codes, and the findings they produce."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


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
    import difflib  # here: most runs have no typo to look for (a few ms of every start)

    return difflib.get_close_matches(word, list(options), n=n, cutoff=cutoff)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """The hint for a misspelt id or key: "Did you mean 'x'?", or "" when nothing is close."""
    match = close_matches(word, options)
    return f"Did you mean '{match[0]}'?" if match else ""


# Distinct misspelt words one `Vocabulary` looks up (as clang's -fspell-checking-limit): each
# look-up compares the word with every option, so beyond this a file with thousands of
# unknown ids would cost their number times the number of ids.
SPELLING_LIMIT = 100


@dataclass
class Vocabulary:
    """The ids a misspelt one may be compared with, for every finding of one check: each
    distinct word is looked up once, at most `SPELLING_LIMIT` words are looked up, and the
    list shown when nothing is close is made once. Validation stays linear in the number of
    findings however many ids a playbook defines."""

    options: Iterable[str]
    ordered: bool = True  # list the options sorted (False: in the order given)
    limit: int = SPELLING_LIMIT
    _words: list[str] = field(default_factory=list, init=False, repr=False)
    _seen: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _listings: dict[int, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._words = list(self.options)

    def did_you_mean(self, word: str) -> str:
        """As `did_you_mean`; "" once the look-ups are spent."""
        if word not in self._seen:
            if len(self._seen) >= self.limit:
                return ""
            self._seen[word] = did_you_mean(word, self._words)
        return self._seen[word]

    def listing(self, shown: int = 12) -> str:
        """The first `shown` options, ", ..." after them when there are more."""
        if shown not in self._listings:
            words = sorted(self._words) if self.ordered else self._words
            more = ", ..." if len(words) > shown else ""
            self._listings[shown] = ", ".join(words[:shown]) + more
        return self._listings[shown]

    def __len__(self) -> int:
        return len(self._words)
