"""Where this Playbook was installed from, and how a new playbook repository installs it
again on any machine that reaches the package index (a CI runner).

A playbook made by `playbook init` must install the very Playbook that created it, never
another package that happens to be called `playbook` on the package index. The answer comes
from the installed distribution's metadata: its version, and PEP 610's `direct_url.json`,
which pip writes when a package came from a URL, a local folder, a wheel file or a VCS
checkout rather than from an index. Installed from the index, the repository pins that
version; installed any other way (a wheel on one laptop, a checkout, a private URL), none
of which a fresh runner reaches, the repository carries a wheel of the running Playbook
(`own_wheel`) and installs that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata

DISTRIBUTION = "revenue-playbook"
WHEEL_FOLDER = "vendor"  # where a new repository keeps the wheel it installs


@dataclass(frozen=True)
class InstallSource:
    """How a new playbook repository installs this Playbook.

    `requirement` is a pip requirement that works from the repository's root on any
    machine with the package index: the pinned version, or the wheel at `wheel` (a path in
    the repository) that `playbook init` writes beside the definitions. `origin` says
    where the running copy came from: "index", "local", "vcs" or "url".
    """

    requirement: str
    origin: str
    wheel: str | None = None


def _origin(info: dict[str, object]) -> str | None:
    """Where a PEP 610 record says the package came from (None: not a usable record)."""
    url = info.get("url")
    if not isinstance(url, str) or not url:
        return None
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        return "vcs"
    return "local" if url.startswith("file:") else "url"


def wheel_name(version: str) -> str:
    """The file name of this Playbook's wheel (PEP 427: the name's dashes as underscores)."""
    return f"{DISTRIBUTION.replace('-', '_')}-{version}-py3-none-any.whl"


def install_source(distribution: str = DISTRIBUTION) -> InstallSource:
    """How a new repository installs the running Playbook (see `InstallSource`)."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        from .. import __version__

        return InstallSource(f"{DISTRIBUTION}=={__version__}", "index")
    version = dist.version
    origin = "index"
    text = dist.read_text("direct_url.json")
    if text:
        try:
            origin = _origin(json.loads(text)) or "index"
        except (ValueError, TypeError, AttributeError):
            origin = "index"
    if origin == "index":
        return InstallSource(f"{DISTRIBUTION}=={version}", origin)
    wheel = f"{WHEEL_FOLDER}/{wheel_name(version)}"
    return InstallSource(f"./{wheel}", origin, wheel)
