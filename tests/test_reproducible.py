"""Two builds of the same playbook are the same bytes, whatever order Python's sets and
dicts of strings come in: the hash seed changes between processes, so any page that lists
a set as it iterates differs from one build to the next (the Today page's links to each
role's day once did)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLE, make_repo

BUILD = ("import sys\nfrom revenue_playbook.cli import main\n"
         "sys.exit(main(['build', '-d', sys.argv[1]]))")


def _digests(site: Path) -> dict[str, str]:
    return {str(path.relative_to(site)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(site.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_builds_under_two_hash_seeds_are_the_same_bytes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, EXAMPLE, docs=True)
    sites = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1790000000"}
        done = subprocess.run([sys.executable, "-c", BUILD, f"site{seed}"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        sites.append(_digests(repo / f"site{seed}"))
    first, second = sites
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
