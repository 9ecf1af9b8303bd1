"""What every check is given: the assembled playbook, the options, and facts computed once
for all checks."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from ...definitions.businesstime import Calendar
from ...definitions.config import Options
from ...definitions.findings import Finding
from ...definitions.memo import Memo
from ...definitions.model import SECTIONS, Node, Playbook

T = TypeVar("T")


@dataclass
class Context:
    playbook: Playbook
    options: Options = field(default_factory=Options)
    # results kept from the last validation (serve, preview --watch), None for a single run
    memo: Memo | None = None

    def memoised(self, kind: str, values: Hashable, objects: tuple[object, ...],
                 compute: Callable[[], list[Finding]]) -> list[Finding]:
        """`compute()`, reused from the last run while `objects` are the same models and
        `values` equal: `compute` must read nothing else of the playbook or options."""
        if self.memo is None:
            return compute()
        return self.memo.get(kind, values, objects, compute)

    @cached_property
    def items(self) -> list[Node]:
        """Every top-level definition (the company, each role, process, template...), in
        the playbook's order."""
        found: list[Node] = []
        for name in SECTIONS:
            value = getattr(self.playbook, name)
            if isinstance(value, Node):
                found.append(value)
            elif isinstance(value, dict):
                found.extend(value.values())
        return found

    def per_item(self, kind: str, compute: Callable[[Node], T]) -> list[T]:
        """`compute(item)` for each of `items`, reused from the last run for an item that
        is the same model (its file did not change): `compute` must read only the item."""
        if self.memo is None:
            return [compute(item) for item in self.items]
        return self.memo.each(kind, self.items, compute)

    @cached_property
    def merge_fields(self) -> tuple[tuple[str, ...], tuple[Node, ...]]:
        """The shared merge fields' names and models: what the checks of a template read
        besides the template (as `memoised`'s values and objects)."""
        fields = self.playbook.merge_fields
        return tuple(fields), tuple(fields.values())

    @cached_property
    def calendar(self) -> Calendar:
        return Calendar.of(self.playbook)


# A check reads the context and yields what it finds.
Check = Callable[[Context], Iterable[Finding]]
