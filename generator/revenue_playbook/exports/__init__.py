"""Exports: the playbook in the formats of the tools revenue teams work in.

Each target is one module that turns the validated model into files (path -> bytes) with a
real serialiser (XML, JSON, CSV, iCalendar); `TARGETS` is the explicit registry the CLI and
the site's Downloads page read. Writing is separate (`writing.py`): a target never touches
the disk, so the site can publish the same bytes without a folder.
"""

from __future__ import annotations

from .base import ExportFailed, Files, Problem, Target
from .registry import TARGETS, build, target_names

__all__ = ["TARGETS", "ExportFailed", "Files", "Problem", "Target", "build", "target_names"]
