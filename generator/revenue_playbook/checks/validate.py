"""One validator for the CLI and the MkDocs plugin: load, assemble, check, apply settings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..definitions import collector
from ..definitions.assemble import assemble
from ..definitions.config import ConfigError, Settings
from ..definitions.findings import Finding, Severity
from ..definitions.loader import ReadCache, SourceFile
from ..definitions.model import Playbook
from .rules import Context, rule_named, run_checks


def severity_by_code(settings: Settings) -> dict[str, Severity]:
    """The settings' severity overrides by rule code; an unknown rule is a ConfigError
    (callers check this right after reading the settings, before any validation)."""
    by_code = {}
    for key, severity in settings.severity.items():
        rule = rule_named(key)
        if rule is None:
            raise ConfigError(f"{settings.origin}: unknown rule '{key}' in severity settings "
                              "(use a code such as PB405 or a name such as subject-length; "
                              "`playbook rules` lists them)")
        by_code[rule.code] = severity
    return by_code


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

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.INFO]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def validate(root: Path, settings: Settings | None = None,
             cache: ReadCache | None = None) -> Result:
    """Validate the definitions below `root`; every problem is collected, none raised.
    With a `cache`, files whose bytes are unchanged since the last run are not parsed again."""
    settings = settings or Settings()
    overrides = severity_by_code(settings)
    playbook, sources, findings = assemble(root, settings.limits, cache)
    memo = cache.memo if cache is not None else None
    if memo is not None:
        memo.new_run()
    # The checks allocate much and keep little, next to a playbook of up to millions of
    # objects: each full collection would walk them all again (at scale 100 up to 0.4 s).
    # So does giving each finding its severity: with 64,000 findings in one file the
    # collections it set off cost a third to a half of the validation, more per finding
    # the more findings there were.
    with collector.paused():
        findings += run_checks(Context(playbook, settings.options, memo))
        resolved = []
        for finding in findings:
            severity = overrides.get(finding.code, finding.rule.severity)
            if severity is not Severity.OFF:
                resolved.append(replace(finding, severity=severity))
        resolved.sort(key=Finding.sort_key)
    return Result(root, playbook, sources, resolved)
