"""Writing an export folder in one step: a failed export leaves nothing behind."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath

from .base import Files


class WriteError(Exception):
    """The export folder cannot be written (a usage or environment problem)."""


def _safe(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"export path {relative!r} leaves the export folder")
    return path


def write_folder(files: Files, out: Path, force: bool = False) -> None:
    """Write `files` into folder `out`: into a temporary sibling first, renamed into place
    when complete. An existing non-empty `out` is replaced only with `force`."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise WriteError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise WriteError(f"{out} is not empty; pass --force to replace it with the export "
                         "(its contents are replaced as a whole)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise WriteError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        for relative, data in sorted(files.items()):
            target = staging.joinpath(*_safe(relative).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.rename(old / "x")
            try:
                staging.rename(out)
            except OSError:
                (old / "x").rename(out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise WriteError(f"cannot write {out}: {exc.strerror or exc}") from None
