"""Where this Playbook was installed from, as a pip requirement that installs it again.

A playbook made by `playbook init` must install the very Playbook that created it, never
another package that happens to be called `playbook` on the package index. The answer comes
from the installed distribution's metadata: its version, and PEP 610's `direct_url.json`,
which pip writes when a package came from a URL, a local folder, a wheel file or a VCS
checkout rather than from an index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata

DISTRIBUTION = "revenue-playbook"


@dataclass(frozen=True)
class InstallSource:
    """How to install this Playbook again.

    `requirement` works on this machine (it may name a local folder or wheel);
    `portable` works anywhere with the package index or the VCS host (a CI runner): it equals
    `requirement` except for local installs, where it falls back to the same version from the
    index.
    """

    requirement: str
    portable: str
    origin: str  # "index", "local", "vcs" or "url": where the installed copy came from


def _from_direct_url(info: dict[str, object], version: str) -> InstallSource | None:
    url = info.get("url")
    if not isinstance(url, str) or not url:
        return None
    pinned = f"{DISTRIBUTION}=={version}"
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        spec = f"{DISTRIBUTION} @ {vcs['vcs']}+{url}" + (f"@{commit}" if commit else "")
        return InstallSource(spec, spec, "vcs")
    if url.startswith("file:"):
        return InstallSource(f"{DISTRIBUTION} @ {url}", pinned, "local")
    return InstallSource(f"{DISTRIBUTION} @ {url}", f"{DISTRIBUTION} @ {url}", "url")


def install_source(distribution: str = DISTRIBUTION) -> InstallSource:
    """The requirement that reinstalls the running Playbook (see `InstallSource`)."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        from . import __version__

        pinned = f"{DISTRIBUTION}=={__version__}"
        return InstallSource(pinned, pinned, "index")
    version = dist.version
    text = dist.read_text("direct_url.json")
    if text:
        try:
            found = _from_direct_url(json.loads(text), version)
        except (ValueError, TypeError):
            found = None
        if found is not None:
            return found
    pinned = f"{DISTRIBUTION}=={version}"
    return InstallSource(pinned, pinned, "index")
