"""One target's files, or every applicable target's files in a folder each."""

from __future__ import annotations

from ..definitions.model import Playbook
from .base import ExportFailed, Files, Problem
from .registry import TARGETS, build


def export_files(playbook: Playbook, target: str) -> tuple[Files, list[Problem]]:
    """The files of `target` ("all": every target that applies, each in its folder) and
    the warnings met; raises ExportFailed with every problem of the first failing target."""
    if target != "all":
        out = build(playbook, target)
        return out.files, out.warnings
    files: Files = {}
    warnings: list[Problem] = []
    problems: list[Problem] = []
    failed = ""
    for name, spec in TARGETS.items():
        if not spec.applies(playbook):
            continue
        try:
            out = build(playbook, name)
        except ExportFailed as exc:
            problems += exc.problems
            failed = failed or name
            continue
        files.update({f"{name}/{path}": data for path, data in out.files.items()})
        warnings += out.warnings
    if problems:
        raise ExportFailed(failed, problems)
    return files, warnings
