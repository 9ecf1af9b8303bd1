"""The package as a new team gets it: a wheel in a fresh virtual environment, `playbook init`
from it, and `make build` in the new playbook installing that same Playbook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from helpers import ROOT

from revenue_playbook.install_source import _from_direct_url


def test_install_sources_from_pep_610_records() -> None:
    wheel = {"url": "file:///tmp/w/revenue_playbook-0.1.0-py3-none-any.whl",
             "archive_info": {}}
    found = _from_direct_url(wheel, "0.1.0")
    assert found is not None
    assert found.requirement == f"revenue-playbook @ {wheel['url']}"
    assert found.portable == "revenue-playbook==0.1.0"
    git = {"url": "https://example.org/acme/playbook.git",
           "vcs_info": {"vcs": "git", "commit_id": "abc123"}}
    found = _from_direct_url(git, "0.1.0")
    assert found is not None
    assert found.requirement == found.portable == (
        "revenue-playbook @ git+https://example.org/acme/playbook.git@abc123")
    assert _from_direct_url({"dir_info": {}}, "0.1.0") is None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_wheel_in_a_fresh_venv_scaffolds_a_playbook_that_builds(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(dist), str(ROOT)], check=True)
    (wheel,) = dist.glob("revenue_playbook-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, str(wheel)], check=True)

    # Only the new environment's playbook: not on PATH, called by its path, as a user would
    # when they forget to activate it. Nothing of this checkout on the path.
    env = {key: value for key, value in os.environ.items()
           if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PLAYBOOK_PACKAGE", "PLAYBOOK"}}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run([str(env_dir / "bin" / "playbook"), "init", "acme", "--name", "Acme"],
                   cwd=work, env=env, check=True, capture_output=True)
    acme = work / "acme"
    makefile = (acme / "Makefile").read_text(encoding="utf-8")
    assert f"PLAYBOOK_PACKAGE ?= revenue-playbook @ {wheel.as_uri()}" in makefile
    workflow = (acme / ".github" / "workflows" / "playbook.yml").read_text(encoding="utf-8")
    assert "'revenue-playbook==" in workflow
    assert "pip install playbook" not in makefile + workflow

    build = subprocess.run(["make", "build"], cwd=acme, env=env, capture_output=True,
                           text=True, timeout=900)
    assert build.returncode == 0, build.stdout + build.stderr
    installed = subprocess.run([str(acme / ".venv" / "bin" / "python"), "-m", "pip", "show",
                                "revenue-playbook"], capture_output=True, text=True, check=True)
    assert "Name: revenue-playbook" in installed.stdout
    assert subprocess.run([str(acme / ".venv" / "bin" / "python"), "-m", "pip", "show",
                           "playbook"], capture_output=True).returncode != 0
    assert (acme / "site" / "index.html").is_file()
    assert (acme / "site" / "stages" / "discovery" / "index.html").is_file()
    assert "Acme" in (acme / "site" / "index.html").read_text(encoding="utf-8")
