"""`playbook validate` through its real console script: formats, exit codes, exact output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import MINIMAL

from revenue_playbook.cli import main

SCRIPT = Path(sys.executable).parent / "playbook"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A playbook with one error (an unknown role) and one warning (a long subject)."""
    root = tmp_path / "process_defs"
    shutil.copytree(MINIMAL, root)
    launch = root / "campaigns" / "launch.yaml"
    launch.write_text(launch.read_text().replace("    owner: ae\n", "    owner: account_exec\n"))
    recap = root / "templates" / "recap.yaml"
    recap.write_text(recap.read_text().replace(
        "subject: Our call today\n",
        "subject: Our call today, the next steps we agreed on, and a few links to read\n"))
    return tmp_path


def test_valid_playbook_exits_0(tmp_path: Path) -> None:
    shutil.copytree(MINIMAL, tmp_path / "process_defs")
    proc = run("validate", "--strict", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "process_defs: valid (9 files, 0 errors, 0 warnings)\n", "")


def test_text_report_shows_line_caret_and_hint(broken: Path) -> None:
    proc = run("validate", cwd=broken)
    assert proc.returncode == 1
    assert proc.stderr == ""
    assert proc.stdout == (
        "process_defs/campaigns/launch.yaml:16:12: error PB201 unknown role 'account_exec'\n"
        "   16 |     owner: account_exec\n"
        "      |            ^\n"
        "      hint: Defined role ids: ae, cro, marketer, sdr.\n"
        "process_defs/templates/recap.yaml:2:10: warning PB405 template 'recap' subject is "
        "68 characters with its samples (limit 60)\n"
        "    2 | subject: Our call today, the next steps we agreed on, and a few links to read\n"
        "      |          ^\n"
        "      hint: Inboxes cut long subjects: shorten it.\n"
        "\n"
        "process_defs: invalid: 1 error, 1 warning in 9 files\n")
    assert "\x1b[" not in proc.stdout  # no colour when not on a terminal


def test_color_on_request(broken: Path) -> None:
    proc = run("validate", "--color", cwd=broken)
    assert "\x1b[31m" in proc.stdout and proc.returncode == 1


def test_json_report(broken: Path) -> None:
    proc = run("validate", "process_defs", "--format", "json", cwd=broken)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["valid"] is False and doc["errors"] == 1 and doc["warnings"] == 1
    assert doc["findings"][0] == {
        "code": "PB201", "rule": "unknown-role", "severity": "error",
        "message": "unknown role 'account_exec'",
        "hint": "Defined role ids: ae, cro, marketer, sdr.",
        "file": "process_defs/campaigns/launch.yaml", "line": 16, "column": 12}


def test_github_annotations(broken: Path) -> None:
    proc = run("validate", "--format", "github", cwd=broken)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "::error file=process_defs/campaigns/launch.yaml,line=16,col=12,"
        "title=PB201 unknown-role::unknown role 'account_exec'"
        "%0ADefined role ids: ae, cro, marketer, sdr.",
        "::warning file=process_defs/templates/recap.yaml,line=2,col=10,"
        "title=PB405 subject-length::template 'recap' subject is 68 characters with its "
        "samples (limit 60)%0AInboxes cut long subjects: shorten it.",
        "process_defs: invalid: 1 error, 1 warning in 9 files",
    ]


def test_sarif_report(broken: Path) -> None:
    proc = run("validate", "--format", "sarif", cwd=broken)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "playbook"
    assert run_["results"] == [
        {"ruleId": "PB201", "ruleIndex": run_["results"][0]["ruleIndex"], "level": "error",
         "message": {"text": "unknown role 'account_exec'\n"
                             "Defined role ids: ae, cro, marketer, sdr."},
         "locations": [{"physicalLocation": {
             "artifactLocation": {"uri": "process_defs/campaigns/launch.yaml"},
             "region": {"startLine": 16, "startColumn": 12}}}]},
        {"ruleId": "PB405", "ruleIndex": run_["results"][1]["ruleIndex"], "level": "warning",
         "message": {"text": "template 'recap' subject is 68 characters with its samples "
                             "(limit 60)\nInboxes cut long subjects: shorten it."},
         "locations": [{"physicalLocation": {
             "artifactLocation": {"uri": "process_defs/templates/recap.yaml"},
             "region": {"startLine": 2, "startColumn": 10}}}]},
    ]
    # every rule is described, and each result's index points at its own rule
    listed = run("rules", cwd=broken).stdout.splitlines()
    codes = sorted(line.split()[0] for line in listed if line.startswith("PB"))
    assert [rule["id"] for rule in driver["rules"]] == codes and len(codes) > 60
    for result in run_["results"]:
        rule = driver["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"] and rule["shortDescription"]["text"]
    assert driver["rules"][run_["results"][0]["ruleIndex"]]["name"] == "unknown-role"
    assert run_["invocations"][0]["properties"] == {"valid": False, "strict": False}


def test_sarif_uri_of_an_odd_file_name(tmp_path: Path) -> None:
    defs = tmp_path / "process_defs"
    shutil.copytree(MINIMAL, defs)
    (defs / "new roles #2.yaml").write_text("roles: [\n")
    proc = run("validate", "--format", "sarif", cwd=tmp_path)
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert result["ruleId"] == "PB001"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "process_defs/new%20roles%20%232.yaml")


def test_strict_fails_on_warnings_only(broken: Path) -> None:
    launch = broken / "process_defs" / "campaigns" / "launch.yaml"
    launch.write_text(launch.read_text().replace("account_exec", "ae"))
    assert run("validate", cwd=broken).returncode == 0
    strict = run("validate", "--strict", cwd=broken)
    assert strict.returncode == 1
    assert strict.stdout.endswith("process_defs: invalid: 0 errors, 1 warning in 9 files\n")


def test_severity_from_pyproject(broken: Path) -> None:
    (broken / "pyproject.toml").write_text(
        "[tool.playbook]\nsubject_max = 90\n\n[tool.playbook.severity]\nunknown-role = "
        "'warning'\n")
    proc = run("validate", "--strict", cwd=broken)
    assert proc.returncode == 1 and "warning PB201" in proc.stdout
    assert run("validate", cwd=broken).returncode == 0


def test_bad_settings_are_a_usage_error(broken: Path) -> None:
    (broken / "pyproject.toml").write_text("[tool.playbook.severity]\nPB999 = 'error'\n")
    proc = run("validate", cwd=broken)
    assert proc.returncode == 2
    assert "unknown rule 'PB999'" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    proc = run("validate", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == ("Error: definitions folder 'process_defs' does not exist (run "
                           "from your playbook repo, or pass the folder)\n")


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    proc = run("validate", "--fromat", "json", cwd=tmp_path)
    assert proc.returncode == 2 and "No such option" in proc.stderr


def test_schema_command_exports_json_schema(tmp_path: Path) -> None:
    proc = run("schema", cwd=tmp_path)
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert schema["title"] == "Playbook definition file"
    assert "processes" in schema["properties"] and schema["additionalProperties"] is False
    template = json.loads(run("schema", "templates", cwd=tmp_path).stdout)
    assert set(template["required"]) == {"name", "subject", "body"}


def test_rules_command_lists_every_code(tmp_path: Path) -> None:
    proc = run("rules", "--format", "json", cwd=tmp_path)
    codes = [r["code"] for r in json.loads(proc.stdout)]
    assert codes == sorted(codes) and "PB201" in codes and "PB708" in codes


def test_main_returns_exit_codes_without_exiting(broken: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(broken)
    assert main(["validate"]) == 1
    assert main(["validate", "nowhere"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unexpected_crash_says_it_is_a_bug(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    import revenue_playbook.checks.validate

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    shutil.copytree(MINIMAL, tmp_path / "process_defs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(revenue_playbook.checks.validate, "validate", explode)
    assert main(["validate"]) == 3
    assert "internal error (this is a bug in Playbook" in capsys.readouterr().err
