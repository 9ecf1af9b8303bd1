"""Every rule, data-driven: each case under fixtures/invalid/ overlays the minimal playbook
with a changed file and lists exactly the findings it must produce (file:line:col: CODE).
A case may carry a `pyproject.toml` with its own settings (e.g. a lower size limit);
symbolic links in a case stay links, so a link pointing outside the folder is a case too.

The minimal playbook itself passes every rule with --strict, which is each rule's passing
case.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, MINIMAL

from revenue_playbook.checks.rules import CHECKS, RULES
from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.definitions.config import load_settings

CASES = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.is_dir())


def overlay(case: Path, tmp_path: Path) -> Path:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    for path in case.rglob("*"):
        if path.name == "expected.txt" or (path.is_dir() and not path.is_symlink()):
            continue
        target = root / path.relative_to(case)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            target.symlink_to(os.readlink(path))
        else:
            shutil.copyfile(path, target)
    return root


def found(root: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """What `playbook validate` run in `root` finds, with the settings of its
    pyproject.toml, as a user runs it (locations relative to `root`)."""
    monkeypatch.chdir(root)
    return validate(Path("."), load_settings(Path(".")))


def expected_findings(case: Path) -> list[tuple[str, str]]:
    """Each line of expected.txt: `file:line:col: CODE`, optionally followed by the exact
    message, and by `| hint` with the exact first line of the hint."""
    lines = []
    for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            head, _, rest = line.strip().partition(" ")
            code, _, message = rest.partition(" ")
            lines.append((f"{head} {code}", message))
    return lines


def test_minimal_playbook_passes_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    result = found(MINIMAL, monkeypatch)
    assert [f"{f.location}: {f.code} {f.message}" for f in result.findings] == []
    assert not result.failed(strict=True)
    assert len(result.playbook.templates) == 3
    assert list(result.playbook.stages) == ["discovery", "proposal", "won", "lost"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = expected_findings(case)
    findings = found(overlay(case, tmp_path), monkeypatch).findings
    actual = [f"{f.location}: {f.code}" for f in findings]
    assert actual == [where for where, _ in expected]
    for finding, (_, message) in zip(findings, expected, strict=True):
        if message:  # the exact words a user reads, where the case pins them
            text, _, hint = message.partition(" | ")
            assert finding.message == text
            if hint:
                assert finding.hint.splitlines()[0] == hint
    code = case.name.split("-")[0]
    assert any(line.endswith(code) for line in actual), f"{case.name} must produce {code}"


def test_every_rule_has_a_failing_case() -> None:
    covered = {case.name.split("-")[0] for case in CASES}
    # rules exercised in test_loader.py, where the input cannot be a text fixture
    covered |= {"PB106", "PB107"}
    # the drift rules need a CRM folder beside the definitions: test_crm_diff.py
    covered |= {"PB901", "PB902", "PB903", "PB904", "PB905"}
    assert sorted(set(RULES) - covered) == []


def test_rule_codes_are_stable_and_documented() -> None:
    for code, rule in RULES.items():
        assert code == rule.code and code.startswith("PB") and len(code) == 5
        assert rule.summary.endswith(".") and rule.name == rule.name.lower()
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))


def test_severity_override_turns_a_warning_into_an_error(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from revenue_playbook.definitions.config import settings_from_mapping

    root = overlay(FIXTURES / "invalid" / "PB405-subject-length", tmp_path)
    monkeypatch.chdir(root)
    default = validate(Path("."))
    assert [f.severity.value for f in default.findings] == ["warning"]
    assert not default.failed() and default.failed(strict=True)
    settings = settings_from_mapping({"severity": {"subject-length": "error"}}, "test")
    assert validate(Path("."), settings).failed()
    settings = settings_from_mapping({"severity": {"PB405": "off"}}, "test")
    assert validate(Path("."), settings).findings == []
    settings = settings_from_mapping({"subject_max": 80}, "test")
    assert validate(Path("."), settings).findings == []


def test_every_check_and_rule_is_listed() -> None:
    """The registry is explicit: every check function of a rule module is in CHECKS, and
    every Rule defined anywhere in the package is in RULES."""
    import importlib
    import inspect
    import pkgutil

    import revenue_playbook
    from revenue_playbook.checks.rules import rules_in
    from revenue_playbook.checks.rules.context import Context

    defined = {}
    for info in pkgutil.walk_packages(revenue_playbook.__path__, "revenue_playbook."):
        module = importlib.import_module(info.name)
        defined |= {rule.code: rule for rule in rules_in(module)}
    # the rules of CRM data (`playbook measure`) are a registry of their own
    from revenue_playbook.measure.load import DATA_RULES

    assert defined == RULES | DATA_RULES and len(RULES) >= 68
    assert list(RULES) == sorted(RULES)
    public_checks = set()
    for info in pkgutil.iter_modules(revenue_playbook.checks.rules.__path__):
        module = importlib.import_module(f"revenue_playbook.checks.rules.{info.name}")
        for name, func in vars(module).items():
            if (inspect.isfunction(func) and func.__module__ == module.__name__
                    and not name.startswith("_")
                    and list(inspect.signature(func).parameters) == ["ctx"]
                    and inspect.signature(func).parameters["ctx"].annotation in
                    (Context, "Context")):
                public_checks.add(func)
    assert public_checks == set(CHECKS)
    assert len(CHECKS) == len(set(CHECKS))


def test_unknown_rule_in_settings_is_a_usage_error() -> None:
    from revenue_playbook.checks.validate import severity_by_code
    from revenue_playbook.definitions.config import ConfigError, settings_from_mapping

    settings = settings_from_mapping({"severity": {"PB999": "off"}}, "test")
    with pytest.raises(ConfigError, match="unknown rule 'PB999'"):
        severity_by_code(settings)
    settings = settings_from_mapping({"severity": {"pb405": "off", "unused-template": "error"}},
                                     "test")
    assert {code: s.value for code, s in severity_by_code(settings).items()} == {
        "PB405": "off", "PB407": "error"}
