"""Writing an export folder in one step: a failed export leaves nothing behind, and an
export never removes a file it did not write (see `safe_writes.replace_folder`)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..safety import safe_writes
from .base import Files


class WriteError(Exception):
    """The export folder cannot be written (a usage or environment problem)."""


def _safe(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"export path {relative!r} leaves the export folder")
    return path


def write_folder(files: Files, out: Path, force: bool = False,
                 sources: safe_writes.Sources | None = None) -> list[str]:
    """Write `files` into folder `out`: into a staging folder beside it, swapped in when
    complete. A missing or empty `out` is filled; a non-empty one is replaced only with
    `force`, and only if it holds nothing but an earlier export's files. `sources` (the
    project's) are refused as a target. Returns notes on leftovers of killed runs that
    were cleaned."""
    def fill(staging: Path) -> None:
        for relative, data in sorted(files.items()):
            target = staging.joinpath(*_safe(relative).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    try:
        return safe_writes.replace_folder(Path(out), "the export", fill, force=force,
                                          sources=sources)
    except OSError as exc:
        raise WriteError(f"cannot write {out}: {exc.strerror or exc}") from None
