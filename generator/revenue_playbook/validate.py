"""One validator for the CLI and the MkDocs plugin: load, assemble, check, apply settings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .assemble import assemble
from .config import Settings
from .findings import RULES, Finding, Rule, Severity
from .loader import ReadCache, SourceFile
from .model import Playbook
from .rules import Context, run_checks


def all_rules() -> list[Rule]:
    """Every rule, in code order: the loader's, the assembler's and the checks' rules are
    all registered once this module is imported."""
    return sorted(RULES.values(), key=lambda rule: rule.code)


@dataclass
class Result:
    """Everything one validation run learned."""

    root: Path
    playbook: Playbook
    sources: dict[str, SourceFile]
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def validate(root: Path, settings: Settings | None = None,
             cache: ReadCache | None = None) -> Result:
    """Validate the definitions below `root`; every problem is collected, none raised.
    With a `cache`, files whose bytes are unchanged since the last run are not parsed again."""
    settings = settings or Settings()
    playbook, sources, findings = assemble(root, settings.limits, cache)
    findings += run_checks(Context(playbook, settings.options))
    resolved = []
    for finding in findings:
        severity = settings.severity.get(finding.code, finding.rule.severity)
        if severity is not Severity.OFF:
            resolved.append(replace(finding, severity=severity))
    resolved.sort(key=Finding.sort_key)
    return Result(root, playbook, sources, resolved)
