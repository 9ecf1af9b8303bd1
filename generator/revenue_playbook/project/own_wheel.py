"""A wheel of the running Playbook, made from what is installed: its package folder and its
distribution metadata. `playbook init` puts it in a new repository whose CI could not
otherwise install this Playbook (see `install_source`).

The wheel is a plain zip (PEP 427): the package's files, and a `.dist-info` folder with the
installed METADATA and entry points, a WHEEL file and a RECORD of every file's SHA-256.
Entries are sorted and dated 1980-01-01, so the same Playbook always gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

from .install_source import DISTRIBUTION

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry holds
_SKIPPED_PARTS = {"__pycache__"}
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


class WheelUnavailable(Exception):
    """The running Playbook has no installed metadata to make a wheel from."""


def _package_files() -> dict[str, bytes]:
    """Every file of the `revenue_playbook` package, by its path in a wheel."""
    import revenue_playbook

    root = Path(revenue_playbook.__file__).resolve().parent
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (not path.is_file() or path.is_symlink() or _SKIPPED_PARTS & set(relative.parts)
                or path.name.endswith(_SKIPPED_SUFFIXES)):
            continue
        files[f"revenue_playbook/{relative.as_posix()}"] = path.read_bytes()
    return files


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def own_wheel() -> bytes:
    """The running Playbook as a py3-none-any wheel (raises `WheelUnavailable`)."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise WheelUnavailable(f"{DISTRIBUTION} is not installed") from None
    meta = dist.read_text("METADATA")
    if not meta:
        raise WheelUnavailable(f"{DISTRIBUTION} {dist.version} has no METADATA")
    info = f"{DISTRIBUTION.replace('-', '_')}-{dist.version}.dist-info"
    files = _package_files()
    files[f"{info}/METADATA"] = meta.encode("utf-8")
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        files[f"{info}/entry_points.txt"] = entry_points.encode("utf-8")
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: revenue-playbook init\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n"
                     for name, data in files.items()) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():  # the package first, .dist-info last, RECORD last
            entry = zipfile.ZipInfo(name, date_time=_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()
