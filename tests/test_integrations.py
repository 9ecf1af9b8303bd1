"""The pre-commit hook and the GitHub workflow name commands that exist and work."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest
import yaml
from helpers import ROOT

from revenue_playbook.cli import cli, main


def playbook_command(line: str) -> list[str]:
    """The argv after `playbook` in a shell line (expansions replaced by a sample)."""
    words = shlex.split(line.replace('"${GITHUB_REF_NAME#v}"', "1.2"))
    index = next(i for i, w in enumerate(words) if w.endswith("playbook"))
    return words[index + 1:]


def assert_parses(argv: list[str]) -> None:
    """The subcommand and every option in `argv` exist (click parses it without running)."""
    command: click.Command = cli
    args = list(argv)
    while isinstance(command, click.Group):
        name = args.pop(0)
        assert name in command.commands, f"no command `playbook ... {name}`"
        command = command.commands[name]
    ctx = command.make_context("playbook", args, resilient_parsing=False)
    ctx.close()


def test_pre_commit_hook_runs_our_validator(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["playbook-validate"]
    hook = hooks[0]
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    argv = playbook_command(hook["entry"])
    assert_parses(argv)
    monkeypatch.chdir(ROOT)
    assert main(argv) == 0
    local = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert local["repos"][0]["hooks"][0]["files"] == hook["files"]


def test_workflow_commands_exist() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "playbook.yml").read_text())
    lines = [line for job in workflow["jobs"].values() for step in job["steps"]
             for line in str(step.get("run", "")).splitlines() if "playbook " in line]
    assert len(lines) == 3
    for line in lines:
        assert_parses(playbook_command(line))
    assert "--format github" in lines[0] and "--strict" in lines[1]
    assert workflow["jobs"]["publish"]["if"] == "startsWith(github.ref, 'refs/tags/v')"
