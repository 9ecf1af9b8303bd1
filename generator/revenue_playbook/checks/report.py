"""Reporters: the same findings as compiler-style text, one JSON document, GitHub
annotations, or SARIF for code-scanning dashboards."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

import click

from .. import __version__
from ..definitions.findings import Finding, Severity
from ..definitions.wording import count
from ..safety.encoders import terminal
from .practices import assess, score
from .rules import all_rules
from .validate import Result


def _summary(result: Result, strict: bool) -> str:
    files = len(result.sources)
    errors, warnings = len(result.errors), len(result.warnings)
    counts = f"{count(errors, 'error')}, {count(warnings, 'warning')}"
    if result.failed(strict):
        return f"{result.root}: invalid: {counts} in {count(files, 'file')}"
    return f"{result.root}: valid ({count(files, 'file')}, {counts})"


TINTS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def format_text(result: Result, strict: bool = False, color: bool = False) -> str:
    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    out: list[str] = []
    for f in result.findings:
        level = f.effective_severity.value
        tint = TINTS.get(f.effective_severity, "yellow")
        # what the definitions wrote is quoted with its escape sequences made visible
        out.append(f"{style(terminal(f.location), bold=True)}: "
                   f"{style(level, fg=tint, bold=True)} {style(f.code, fg=tint)} "
                   f"{terminal(f.message)}")
        source = result.sources.get(f.location.file)
        if source is not None and f.location.line:
            text = source.line_text(f.location.line).replace("\t", " ")
            if text.strip():
                gutter = f"{f.location.line:>5} | "
                if len(text) > 160:  # keep a very long line readable around the column
                    start = max(0, f.location.column - 60)
                    text = ("…" if start else "") + text[start:start + 120] + "…"
                    caret_col = f.location.column - start + (1 if start else 0)
                else:
                    caret_col = f.location.column
                caret_col = len(terminal(text[:max(caret_col - 1, 0)])) + 1
                out.append(style(gutter, dim=True) + terminal(text))
                out.append(" " * 6 + style("| ", dim=True) + " " * max(caret_col - 1, 0)
                           + style("^", fg=tint, bold=True))
        if f.hint:
            hint_lines = terminal(f.hint).splitlines()
            out.append(f"      {style('hint:', fg='cyan')} {hint_lines[0]}")
            out.extend(f"            {line}" for line in hint_lines[1:])
    if out:
        out.append("")
    if result.playbook.unreadable:
        out.append(f"note: references between files were not checked because "
                   f"{len(result.playbook.unreadable)} file(s) could not be read; "
                   "fix those first.")
    out.append(_summary(result, strict))
    return "\n".join(out)


def finding_dict(f: Finding) -> dict[str, object]:
    return {
        "code": f.code,
        "rule": f.rule.name,
        "severity": f.effective_severity.value,
        "message": f.message,
        "hint": f.hint,
        "file": f.location.file,
        "line": f.location.line,
        "column": f.location.column,
    }


def alignment_dict(result: Result) -> dict[str, object]:
    """The alignment index: each practice as met / not met / not encoded, and the score."""
    statuses = assess(result.playbook, result.findings)
    met, total = score(statuses)
    return {"met": met, "total": total, "practices": [{
        "id": s.practice.id, "title": s.practice.title, "state": s.state,
        "missing": s.missing, "rules": list(s.practice.codes),
        "definitions": [path for _, path in s.practice.pages],
        "problems": [f"{f.location}: {f.code} {f.message}" for f in s.findings],
    } for s in statuses]}


def format_json(result: Result, strict: bool = False, color: bool = False) -> str:
    document = {
        "version": 1,
        "root": str(result.root),
        "valid": not result.failed(strict),
        "strict": strict,
        "files": len(result.sources),
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "infos": len(result.infos),
        "findings": [finding_dict(f) for f in result.findings],
        "alignment": alignment_dict(result),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _with_hint(f: Finding) -> str:
    """The message, and the hint on a line of its own: for outputs with one text field."""
    return f.message + (f"\n{f.hint}" if f.hint else "")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def format_github(result: Result, strict: bool = False, color: bool = False) -> str:
    lines = []
    for f in result.findings:
        level = GITHUB_LEVELS.get(f.effective_severity, "warning")
        props = [f"file={_escape_property(f.location.file)}"]
        if f.location.line:
            props += [f"line={f.location.line}", f"col={f.location.column}"]
        props.append(f"title={_escape_property(f'{f.code} {f.rule.name}')}")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(_with_hint(f))}")
    lines.append(_summary(result, strict))
    return "\n".join(lines)


SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note",
                Severity.OFF: "none"}


def format_sarif(result: Result, strict: bool = False, color: bool = False) -> str:
    """SARIF 2.1.0: what GitHub code scanning, GitLab and most CI dashboards read.

    Every rule is listed (with its one line of docs) so a dashboard can explain any code;
    each result points at its rule by id and index.
    """
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for f in result.findings:
        # a relative URI reference: resolved against the repository root by the reader
        location: dict[str, object] = {"artifactLocation": {"uri": quote(f.location.file)}}
        if f.location.line:
            region = {"startLine": f.location.line}
            if f.location.column:
                region["startColumn"] = f.location.column
            location["region"] = region
        results.append({
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": SARIF_LEVELS[f.effective_severity],
            "message": {"text": _with_hint(f)},
            "locations": [{"physicalLocation": location}],
        })
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "playbook",
                "version": __version__,
                "rules": [{
                    "id": rule.code,
                    "name": rule.name,
                    "shortDescription": {"text": rule.summary},
                    "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
                    "properties": {"category": rule.category},
                } for rule in rules],
            }},
            "invocations": [{"executionSuccessful": True,
                             "properties": {"valid": not result.failed(strict),
                                            "strict": strict}}],
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


REPORTERS: dict[str, Callable[[Result, bool, bool], str]] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
    "sarif": format_sarif,
}
