"""The checks. Each module holds the rules of one concern; each rule has a stable code.

A check is a function of the `Context` that yields findings; `run_checks` runs them all in
one pass over the assembled playbook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..businesstime import Calendar
from ..findings import Finding
from ..model import Node, Playbook, walk


@dataclass
class Options:
    """Tunable thresholds of the checks (from `[tool.playbook]` or the plugin config)."""

    subject_max: int = 60


@dataclass
class Context:
    playbook: Playbook
    options: Options = field(default_factory=Options)

    @cached_property
    def nodes(self) -> list[Node]:
        """Every definition object, walked once and shared by the checks."""
        return list(walk(self.playbook))

    @cached_property
    def calendar(self) -> Calendar:
        return Calendar.of(self.playbook)


Check = Callable[[Context], Iterable[Finding]]
CHECKS: list[Check] = []


def check(func: Check) -> Check:
    CHECKS.append(func)
    return func


def run_checks(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for func in CHECKS:
        findings.extend(func(ctx))
    return findings


# Importing the modules registers their checks, in report order.
from . import alignment, campaigns, email_tools, process, references, sla, templates  # noqa: E402

__all__ = ["CHECKS", "Context", "Options", "alignment", "campaigns", "check", "email_tools",
           "process",
           "references", "run_checks", "sla", "templates"]
