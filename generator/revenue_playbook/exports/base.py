"""What every export target shares: its description, its files, and its problems."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..definitions.findings import Location
from ..definitions.model import Node, Playbook

Files = dict[str, bytes]  # a path inside the export folder (POSIX, relative) -> its bytes

# Where a problem is written, found only when the problem is printed: finding a line reads
# its file's YAML again, and the site's Downloads show a problem's message alone (a warning
# not at all), in every build.
Where = Callable[[], Location]

# How a target makes one part of its files (say, one template's): `parts(key, make, args)`
# gives `make(playbook)`, where `make` holds `args`, all it is made from besides the
# playbook. The site's build keeps each part from one build to the next while `args` and
# what it read are unchanged (`site.downloads`): a serve rebuild after a template's edit
# makes that template's part alone again.
Parts = Callable[[str, Callable[[Playbook], Any], Any], Any]


def made_once(playbook: Playbook) -> Parts:
    """`Parts` for one export: each part made when asked for."""
    return lambda key, make, args: make(playbook)


def at(node: Node, *keys: str | int, key: bool = False) -> Where:
    """`node.where(*keys, key=key)`, looked up when asked for."""
    return functools.partial(node.where, *keys, key=key)


@dataclass(frozen=True)
class Problem:
    """Why a target cannot express part of the playbook, where, and what to do."""

    message: str
    where: Where | None = None
    hint: str = ""

    @property
    def location(self) -> Location | None:
        return self.where() if self.where is not None else None

    def __str__(self) -> str:
        location = self.location
        where = f"{location}: " if location else ""
        hint = f"\n   hint: {self.hint}" if self.hint else ""
        return f"{where}error: {self.message}{hint}"


class ExportFailed(Exception):
    """The playbook cannot be exported to a target; every problem found is listed."""

    def __init__(self, target: str, problems: list[Problem]):
        self.target = target
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Output:
    """A target's files and the warnings met on the way (e.g. a value rounded)."""

    files: Files = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # any one fails the export


@dataclass(frozen=True)
class Target:
    """One export target: its name on the command line, what it makes, how to import it."""

    name: str
    title: str  # the tool, e.g. "Salesforce"
    summary: str  # what the files are
    how_to_import: str  # the tool's own command or menu
    make: Callable[[Playbook], Output]
    applies: Callable[[Playbook], bool] = lambda playbook: True
    make_parts: Callable[[Playbook, Parts], Output] | None = None  # `make`, in parts
