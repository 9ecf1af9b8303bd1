"""What every check is given: the assembled playbook, the options, and facts computed once
for all checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..businesstime import Calendar
from ..config import Options
from ..findings import Finding
from ..model import Node, Playbook, walk


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


# A check reads the context and yields what it finds.
Check = Callable[[Context], Iterable[Finding]]
