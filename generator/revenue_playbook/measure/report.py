"""`playbook measure`'s reporters: text for people, JSON for dashboards, GitHub annotations
and SARIF for CI, as `playbook validate` reports findings. A breached target is reported
at the KPI's definition (file and line), a data problem at its file, row and column."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..checks.report import GITHUB_LEVELS, SARIF_LEVELS, _escape_data, _escape_property
from ..definitions.findings import Finding, Location, Severity
from ..definitions.model import Playbook
from ..definitions.presentation import kpi_value
from ..definitions.wording import NOT_DEFINED
from .load import DATA_RULES
from .result import KpiActual, Measurement

BREACHED = DATA_RULES["PM001"]


def number(value: float | None, unit: str) -> str:
    """A KPI value in its unit, for people ("not defined" for a target left out)."""
    return "not defined" if value is None and unit == "target" else kpi_value(value, unit)


def breaches(measurement: Measurement, playbook: Playbook) -> list[Finding]:
    """A finding at each KPI whose last complete period missed its target."""
    found = []
    for kpi in measurement.breached:
        latest = kpi.latest
        assert latest is not None
        definition = playbook.kpis[kpi.id]
        where = definition.where("target") if definition.source else Location("<kpis>")
        found.append(Finding(BREACHED, where, f"KPI '{kpi.id}' ({kpi.name}) was "
                             f"{number(latest.value, kpi.unit)} in the {kpi.per} period from "
                             f"{latest.start:%-d %B %Y}, against a target of "
                             f"{kpi_value(kpi.target, kpi.unit)} ({kpi.better} is better)"))
    return found


def _failed(measurement: Measurement, strict: bool) -> bool:
    bad = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return bool(measurement.breached) or any(
        f.effective_severity in bad for f in measurement.findings)


def _summary(m: Measurement) -> str:
    measured = [k for k in m.kpis if k.kind is not None]
    rows = sum(f.read for f in m.files)
    rejected = sum(f.rejected for f in m.files)
    return (f"{len(m.breached)} of {len(measured)} measured KPIs breached their target; "
            f"{rows:,} rows read, {rejected:,} rejected; as of {m.as_of:%Y-%m-%d %H:%M}")


def _kpi_line(k: KpiActual) -> str:
    latest = k.latest
    if k.kind is None:
        return f"  {k.name:<34} not measured (free-text formula)"
    value = number(latest.value if latest else None, k.unit)
    when = f"{k.per} from {latest.start:%Y-%m-%d}" if latest else k.per
    target = number(k.target, k.unit) if k.target is not None else NOT_DEFINED
    return (f"  {k.name:<34} {value:>16}  target {target:>14}  "
            f"{k.status:<9} ({when})")


def format_text(m: Measurement, playbook: Playbook, strict: bool = False) -> str:
    out: list[str] = []
    for f in [*m.findings, *breaches(m, playbook)]:
        out.append(f"{f.location}: {f.effective_severity.value} {f.code} {f.message}")
        if f.hint:
            out.append(f"      hint: {f.hint}")
    if out:
        out.append("")
    out.append("Files")
    for count in m.files:
        ignored = (f", {count.ignored:,} ignored ({count.ignored_why})" if count.ignored
                   else "")
        dates = f", {count.dates:,} stage dates" if count.dates else ""
        out.append(f"  {count.path} ({count.kind}): {count.read:,} read, {count.used:,} used, "
                   f"{count.rejected:,} rejected{ignored}{dates}")
    out.append("")
    out.append(f"Scorecard (last complete period; as of {m.as_of:%Y-%m-%d %H:%M})")
    out.extend(_kpi_line(k) for k in m.kpis)
    if m.sla or m.untiered:
        out.append("")
        out.append("SLA: first touch within the response time (business time)")
        for t in m.sla:
            rate = f"{t.compliance:.1f} %" if t.compliance is not None else "no data"
            seg = f" ({t.segment})" if t.segment else ""
            out.append(f"  {t.name + seg:<34} {rate:>8} of {t.met + t.breached:,} leads "
                       f"within {t.limit_minutes:g} min; {t.pending:,} pending")
        if m.untiered:
            out.append(f"  {m.untiered:,} leads have no tier or no response time for their "
                       "segment, and are not judged")
    if m.cadence:
        out.append("")
        out.append("Cadence adherence (touches made of the cadence's steps)")
        for cad in m.cadence:
            rate = f"{cad.adherence:.1f} %" if cad.adherence is not None else "no data"
            out.append(f"  {cad.tier:<34} {rate:>8} over {cad.leads:,} leads; {cad.complete:,} "
                       "with every step")
    if m.stale:
        out.append("")
        out.append("Open deals past their hygiene limits now")
        for s in m.stale:
            out.append(f"  {s.name:<34} {s.open:>6,} open  {s.past_warn:>6,} past warning  "
                       f"{s.past_act:>6,} past action")
            for deal, name, owner, days in s.deals:
                out.append(f"      {name} ({deal}), {owner}: {days} days without activity")
    if m.calibration:
        out.append("")
        out.append("Probability calibration (declared vs won from the stage, 95 % interval)")
        for c in m.calibration:
            seg = f" ({c.segment})" if c.segment else ""
            observed = (f"{c.observed:.0f} % [{c.low:.0f}–{c.high:.0f}] of {c.closed:,}"
                        if c.observed is not None and c.low is not None and c.high is not None
                        else "no closed deals")
            out.append(f"  {c.name + seg:<34} declared {c.declared:>3} %  observed "
                       f"{observed}  {c.verdict}")
    out.append("")
    out.append(_summary(m))
    return "\n".join(out)


def document(m: Measurement, playbook: Playbook, strict: bool = False) -> dict[str, Any]:
    """Everything measured, as JSON-ready values (dates as ISO text)."""
    def kpi(k: KpiActual) -> dict[str, Any]:
        return {"id": k.id, "name": k.name, "unit": k.unit, "target": k.target,
                "better": k.better, "per": k.per, "measure": k.kind, "status": k.status,
                "scope": k.scope or None,
                "periods": [{"start": p.start.isoformat(), "end": p.end.isoformat(),
                             "value": p.value, "count": p.count, "complete": p.complete}
                            for p in k.periods]}

    def plain(items: list[Any]) -> list[dict[str, Any]]:
        return [asdict(item) for item in items]

    stale = plain(m.stale)
    if not m.record_level:
        for s in stale:
            s.pop("by_owner"), s.pop("deals")
    return {
        "version": 1,
        "as_of": m.as_of.isoformat(),
        "ok": not _failed(m, strict),
        "files": plain(m.files),
        "findings": [{"code": f.code, "rule": f.rule.name, "severity":
                      f.effective_severity.value, "message": f.message, "hint": f.hint,
                      "file": f.location.file, "row": f.location.line,
                      "column": f.location.column} for f in m.findings],
        "kpis": [kpi(k) for k in m.kpis],
        "campaigns": {cid: [kpi(k) for k in found] for cid, found in m.campaigns.items()},
        "sla": [{**asdict(t), "compliance": t.compliance} for t in m.sla],
        "untiered_leads": m.untiered,
        "cadence": [{**asdict(c), "adherence": c.adherence} for c in m.cadence],
        "stale": stale,
        "stages": [{**asdict(s), "conversion": s.conversion} for s in m.stages],
        "calibration": [{**asdict(c), "observed": c.observed, "verdict": c.verdict}
                        for c in m.calibration],
        "practices": plain(m.practices),
    }


def format_json(m: Measurement, playbook: Playbook, strict: bool = False) -> str:
    return json.dumps(document(m, playbook, strict), indent=2, ensure_ascii=False)


def format_github(m: Measurement, playbook: Playbook, strict: bool = False) -> str:
    lines = []
    for f in [*m.findings, *breaches(m, playbook)]:
        level = GITHUB_LEVELS.get(f.effective_severity, "warning")
        props = [f"file={_escape_property(f.location.file)}"]
        if f.location.line:
            props += [f"line={f.location.line}", f"col={f.location.column}"]
        props.append(f"title={_escape_property(f'{f.code} {f.rule.name}')}")
        message = f.message + (f"\n{f.hint}" if f.hint else "")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(message)}")
    lines.append(_summary(m))
    return "\n".join(lines)


def format_sarif(m: Measurement, playbook: Playbook, strict: bool = False) -> str:
    rules = list(DATA_RULES.values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for f in [*m.findings, *breaches(m, playbook)]:
        location: dict[str, Any] = {"artifactLocation": {"uri": quote(f.location.file)}}
        if f.location.line:
            location["region"] = {"startLine": f.location.line,
                                  **({"startColumn": f.location.column}
                                     if f.location.column else {})}
        results.append({"ruleId": f.code, "ruleIndex": index[f.code],
                        "level": SARIF_LEVELS[f.effective_severity],
                        "message": {"text": f.message + (f"\n{f.hint}" if f.hint else "")},
                        "locations": [{"physicalLocation": location}]})
    return json.dumps({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {
            "name": "playbook measure", "version": __version__,
            "rules": [{"id": r.code, "name": r.name, "shortDescription": {"text": r.summary},
                       "defaultConfiguration": {"level": SARIF_LEVELS[r.severity]},
                       "properties": {"category": r.category}} for r in rules]}},
            "invocations": [{"executionSuccessful": True,
                             "properties": {"ok": not _failed(m, strict)}}],
            "results": results}],
    }, indent=2, ensure_ascii=False)


REPORTERS: dict[str, Callable[[Measurement, Playbook, bool], str]] = {
    "text": format_text, "json": format_json, "github": format_github, "sarif": format_sarif}


def failed(m: Measurement, strict: bool = False) -> bool:
    """Exit 1: a target breached, or a data error (a warning too with `strict`)."""
    return _failed(m, strict)
