"""The package as a new team gets it: a wheel in a fresh virtual environment, `playbook init`
from it, and the new repository's CI and Makefile installing that same Playbook on machines
that reach only the package index."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from helpers import GIT_IDENTITY, ROOT, git

from revenue_playbook.project.install_source import _origin, install_source, wheel_name
from revenue_playbook.project.own_wheel import own_wheel
from revenue_playbook.project.scaffold import scaffold_files


def test_install_origins_from_pep_610_records() -> None:
    assert _origin({"url": "file:///tmp/w/revenue_playbook-0.1.0-py3-none-any.whl",
                    "archive_info": {}}) == "local"
    assert _origin({"url": "file:///home/me/playbook", "dir_info": {"editable": True}}) \
        == "local"
    assert _origin({"url": "https://example.org/acme/playbook.git",
                    "vcs_info": {"vcs": "git", "commit_id": "abc123"}}) == "vcs"
    assert _origin({"url": "https://example.org/revenue_playbook-0.1.0.tar.gz",
                    "archive_info": {}}) == "url"
    assert _origin({"dir_info": {}}) is None


def test_a_playbook_not_from_the_index_travels_as_a_wheel_in_the_repository() -> None:
    """This checkout is installed editable: a CI runner could never reach it, so the new
    repository carries a wheel of it, and its Makefile and workflow install that wheel."""
    source = install_source()
    assert source.origin == "local"
    files = scaffold_files("Acme")
    wheel = f"vendor/{wheel_name(metadata.version('revenue-playbook'))}"
    assert source.wheel == wheel and source.requirement == f"./{wheel}"
    assert f"PLAYBOOK_PACKAGE ?= ./{wheel}\n" in files["Makefile"]
    workflow = files[".github/workflows/playbook.yml"]
    assert isinstance(workflow, str)
    assert f"vars.PLAYBOOK_PACKAGE || './{wheel}' }}}}" in workflow
    assert "file://" not in str(files["Makefile"]) + workflow
    data = files[wheel]
    assert isinstance(data, bytes) and data == own_wheel()  # the same bytes every time
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        info = next(n for n in names if n.endswith(".dist-info/RECORD")).rsplit("/", 1)[0]
        assert "revenue_playbook/cli.py" in names
        assert "revenue_playbook/templates/init/Makefile" in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        assert "playbook = revenue_playbook.console:run" in \
            archive.read(f"{info}/entry_points.txt").decode()
        for line in archive.read(f"{info}/RECORD").decode().splitlines():
            name, digest, size = line.rsplit(",", 2)
            if name.endswith("/RECORD"):
                continue
            body = archive.read(name)
            assert int(size) == len(body), name
            expected = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode(), name


def test_a_playbook_from_the_index_pins_its_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import revenue_playbook.project.install_source as module

    class FromIndex:
        version = "1.4.2"

        def read_text(self, name: str) -> str | None:
            return None  # pip writes no direct_url.json for an install from an index

    monkeypatch.setattr(module.metadata, "distribution", lambda name: FromIndex())
    source = install_source()
    assert source == module.InstallSource("revenue-playbook==1.4.2", "index")
    files = scaffold_files("Acme")
    assert "PLAYBOOK_PACKAGE ?= revenue-playbook==1.4.2\n" in files["Makefile"]
    assert not [path for path in files if path.startswith("vendor/")]


def _github_expression(text: str) -> str:
    """`${{ vars.NAME || 'default' }}` as GitHub evaluates it with no repository variable."""
    def value(match: re.Match[str]) -> str:
        return match.group(1).replace("''", "'")

    return re.sub(r"\$\{\{ vars\.\w+ \|\| '((?:[^']|'')*)' \}\}", value, text)


def _fresh_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PLAYBOOK_PACKAGE", "PLAYBOOK"}}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_scaffold_from_a_wheel_passes_its_own_ci_on_a_fresh_runner(tmp_path: Path) -> None:
    """A new team's first week: Playbook from a wheel in a venv outside any repository,
    `playbook init`, the repository committed and cloned as CI checks it out, and the
    generated workflow's install, validate and build steps run in another fresh venv that
    reaches nothing of this checkout (pip may reach the package index)."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(dist), str(ROOT)], check=True)
    (wheel,) = dist.glob("revenue_playbook-*.whl")
    laptop = tmp_path / "laptop-env"
    venv.create(laptop, with_pip=True)
    subprocess.run([str(laptop / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    str(wheel)], check=True)
    wheel.unlink()  # the wheel the team installed from is gone: the repository has its own

    env = _fresh_env()
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env.update(GIT_IDENTITY)
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run([str(laptop / "bin" / "playbook"), "init", "acme", "--name", "Acme"],
                   cwd=work, env=env, check=True, capture_output=True)
    acme = work / "acme"
    git(acme, "init", "-q", "-b", "main")
    git(acme, "add", ".")
    git(acme, "commit", "-qm", "First playbook")
    runner = tmp_path / "runner"
    subprocess.run(["git", "clone", "-q", str(acme), str(runner / "repo")], check=True,
                   env=env)
    checkout = runner / "repo"
    assert (checkout / "vendor").is_dir(), "the wheel was not committed"

    python = runner / "python"
    venv.create(python, with_pip=True)  # actions/setup-python: pip and python on PATH
    env["PATH"] = f"{python / 'bin'}:/usr/local/bin:/usr/bin:/bin"
    workflow = yaml.safe_load((checkout / ".github" / "workflows" / "playbook.yml")
                              .read_text(encoding="utf-8"))
    ran = []
    for step in workflow["jobs"]["check"]["steps"]:
        if "run" not in step:
            continue  # checkout, setup-python, upload-artifact: done above or not ours
        step_env = {**env, **{k: _github_expression(v) for k, v in step.get("env", {}).items()}}
        # Graphviz is installed on this machine already (apt needs root and the network)
        script = "\n".join(line for line in step["run"].splitlines()
                           if not line.strip().startswith("sudo apt-get"))
        result = subprocess.run(["bash", "-e", "-c", script], cwd=checkout, env=step_env,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"{step['name']}:\n{result.stdout}\n{result.stderr}"
        ran.append(step["name"])
    assert ran == ["Install Graphviz and Playbook", "Validate the definitions",
                   "Build the site"]
    shown = subprocess.run([str(python / "bin" / "python"), "-m", "pip", "show",
                            "revenue-playbook"], capture_output=True, text=True, check=True)
    assert "Name: revenue-playbook" in shown.stdout
    assert (checkout / "site" / "stages" / "discovery" / "index.html").is_file()
    assert "Acme" in (checkout / "site" / "index.html").read_text(encoding="utf-8")

    # and on a teammate's laptop: `make validate` in a fresh clone installs the same wheel
    teammate = tmp_path / "teammate"
    subprocess.run(["git", "clone", "-q", str(acme), str(teammate)], check=True, env=env)
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    made = subprocess.run(["make", "validate"], cwd=teammate, env=env, capture_output=True,
                          text=True, timeout=900)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Installing Playbook into .venv" in made.stdout
    assert (teammate / ".venv" / "bin" / "playbook").is_file()
