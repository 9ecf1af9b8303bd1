"""Where a CRM's configuration and the playbook differ, each difference a finding at the
playbook's YAML line: what `playbook export` would write (the same functions make both) is
compared with what the CRM holds, value by value.

Processes are paired by the CRM's id (`crm: {hubspot: <pipeline id>}`, the Salesforce
record type name) or label, stages by their CRM value (Salesforce's picklist API name,
HubSpot's stage id) or label, statuses by value.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ..checks.rules.crm_drift import CANNOT_HOLD, EXTRA, MISSING, ORDER, VALUE
from ..definitions.findings import Finding, Location, Rule
from ..definitions.model import Playbook, SalesProcess
from ..exports import hubspot as hubspot_export
from ..exports.base import Output
from ..exports.crm import (
    TITLES,
    WORD_OF,
    StageFacts,
    given,
    lifecycle_value,
    stage_facts,
    statuses_for,
)
from ..exports.salesforce import developer_name
from .config import CrmConfig, CrmOption, CrmProcess, CrmStage

T = TypeVar("T")
U = TypeVar("U")


class _Report:
    def __init__(self, config: CrmConfig, root: Path) -> None:
        self.config = config
        self.title = TITLES[config.crm]
        self.root = root
        self.findings: list[Finding] = []

    def add(self, rule: Rule, where: Location, message: str, hint: str = "") -> None:
        self.findings.append(Finding(rule, where, message, hint))

    def source(self, part: str) -> str:
        return self.config.sources.get(part, self.config.folder.name)


def _pair(wanted: Sequence[T], found: Sequence[U], keys: Callable[[T], list[str]],
          key: Callable[[U], str], by_place: bool = False,
          ) -> tuple[list[tuple[T, U]], list[T], list[U]]:
    """Pairs by the first of `keys(w)` that some found item has; with `by_place`, then what
    is left on both sides at the same place in its list (a rename)."""
    by_key: dict[str, U] = {}
    for item in found:
        by_key.setdefault(key(item), item)
    pairs: list[tuple[T, U]] = []
    used: set[int] = set()
    alone: list[T] = []
    for w in wanted:
        match = next((by_key[k] for k in keys(w) if k and k in by_key
                      and id(by_key[k]) not in used), None)
        if match is None:
            alone.append(w)
        else:
            pairs.append((w, match))
            used.add(id(match))
    extra = [f for f in found if id(f) not in used]
    if by_place and alone and len(alone) == len(extra):
        wanted_at = {id(w): i for i, w in enumerate(wanted)}
        found_at = {id(f): i for i, f in enumerate(found)}
        if all(wanted_at[id(w)] == found_at[id(f)] for w, f in zip(alone, extra, strict=True)):
            pairs += list(zip(alone, extra, strict=True))
            alone, extra = [], []
    return pairs, alone, extra


def _order(report: _Report, what: str, pairs: list[tuple[T, U]], wanted: Sequence[T],
           found: Sequence[U], where: Callable[[T], Location], name: Callable[[T], str]) -> None:
    """A finding for each paired item outside the longest run of items in the same order."""
    mine = [w for w in wanted if any(w is p[0] for p in pairs)]
    theirs = sorted((p for p in pairs), key=lambda p: next(
        i for i, f in enumerate(found) if f is p[1]))
    their_order = [id(p[0]) for p in theirs]
    matcher = difflib.SequenceMatcher(None, [id(w) for w in mine], their_order,
                                      autojunk=False)
    in_order = {their_order[b.b + i] for b in matcher.get_matching_blocks()
                for i in range(b.size)}
    for w in mine:
        if id(w) not in in_order:
            report.add(ORDER, where(w),
                       f"{report.title} lists {what} '{name(w)}' {_nth(their_order.index(id(w)))}"
                       f", the playbook {_nth(mine.index(w))}",
                       "Move it in the playbook, or reorder it in the CRM.")


def _nth(i: int) -> str:
    n = i + 1
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def compare(config: CrmConfig, playbook: Playbook, root: Path) -> list[Finding]:
    """Every difference between `config` and what the playbook says the CRM holds."""
    report = _Report(config, root)
    out = Output()
    if config.processes or playbook.processes:
        _processes(report, playbook, out)
    if config.crm == "hubspot" and config.has_lifecycle and playbook.lifecycle:
        _lifecycle(report, playbook, out)
    if config.has_lead_statuses:
        _statuses(report, playbook, out)
    for problem in out.problems:
        report.add(CANNOT_HOLD, problem.location or Location(str(root)), problem.message,
                   problem.hint)
    return report.findings


def _process_keys(crm: str, process: SalesProcess) -> list[str]:
    if crm == "salesforce":
        return [process.crm.get("salesforce") or developer_name(process.name)]
    return [process.crm.get("hubspot", "")]


def _processes(report: _Report, playbook: Playbook, out: Output) -> None:
    crm, config = report.config.crm, report.config
    wanted = list(playbook.processes.items())

    if len(wanted) == 1 and len(config.processes) == 1:
        pairs = [(wanted[0], config.processes[0])]
        alone: list[tuple[str, SalesProcess]] = []
        extra: list[CrmProcess] = []
    else:
        pairs, alone, extra = _pair(wanted, config.processes,
                                    lambda w: _process_keys(crm, w[1]), lambda p: p.id)
        if alone:
            more, alone, extra = _pair(alone, extra, lambda w: ["label:" + w[1].name],
                                       lambda p: "label:" + p.label, by_place=True)
            pairs += more
    for pid, process in alone:
        report.add(MISSING, process.where("name"),
                   f"process '{pid}' ('{process.name}') is not a {report.title} "
                   f"{'sales process' if crm == 'salesforce' else 'deal pipeline'} in "
                   f"{report.source('processes')}",
                   "Deploy it with `playbook export`, or name the CRM's with "
                   f"`crm: {{{crm}: ...}}`.")
    anchor = next(iter(playbook.processes.values())).where(key=True) if playbook.processes \
        else Location(str(report.root))
    kind = "sales process" if crm == "salesforce" else "deal pipeline"
    for other in extra:
        report.add(EXTRA, anchor,
                   f"{report.title} has the {kind} "
                   f"'{other.label or other.id}' ({report.source('processes')}), which "
                   "the playbook does not define",
                   "Add it to the playbook (`playbook import` writes it), or retire it in "
                   "the CRM.")
    for (pid, process), crm_process in pairs:
        _stages(report, playbook, pid, process, crm_process, out)


def _stages(report: _Report, playbook: Playbook, pid: str, process: SalesProcess,
            crm_process: CrmProcess, out: Output) -> None:
    crm, title = report.config.crm, report.title
    facts = stage_facts(crm, playbook, pid, out)
    found = crm_process.stages
    pairs, alone, extra = _pair(facts, found, lambda f: [f.value],
                                lambda s: s.value or "label:" + s.label)
    # a second look by label for what the first key missed
    if alone:
        more, alone, extra = _pair(alone, extra, lambda f: ["label:" + f.label],
                                   lambda s: "label:" + s.label, by_place=True)
        pairs += more
    source = report.source("stages" if crm == "salesforce" else "processes")
    for fact in alone:
        report.add(MISSING, fact.stage.where(key=True),
                   f"stage '{fact.stage_id}' ('{fact.label}') of process '{pid}' is not in "
                   f"{title}'s {'Opportunity stages' if crm == 'salesforce' else 'pipeline'} "
                   f"({source})",
                   "Deploy it with `playbook export`, or say how the CRM names it with "
                   f"`crm: {{{crm}: ...}}`.")
    for stage in extra:
        report.add(EXTRA, process.where("stages", key=True),
                   f"{title} has the stage '{stage.label}' in "
                   f"'{crm_process.label or crm_process.id}' ({source}), which process "
                   f"'{pid}' does not define",
                   "Add it to the process, or retire it in the CRM.")
    for fact, stage in pairs:
        _stage_values(report, fact, stage, source)
    _order(report, "stage", pairs, facts, found, lambda f: f.stage.where(key=True),
           lambda f: f.label)


def _stage_values(report: _Report, fact: StageFacts, stage: CrmStage, source: str) -> None:
    crm, title, node, sid = report.config.crm, report.title, fact.stage, fact.stage_id
    said = given(node, crm)

    def at(field: str) -> Location:
        if getattr(said, field, None) is not None and field in ("probability",
                                                                "forecast_category"):
            return node.where("crm", crm, field)
        if field in node.model_fields_set:
            return node.where(field)
        return node.where(key=True)

    label_field = "crm" if node.crm.get(crm) else "crm_stage" if node.crm_stage else "name"
    if stage.label != fact.label:
        report.add(VALUE, node.where(label_field),
                   f"{title} labels stage '{sid}' '{stage.label}', the playbook says "
                   f"'{fact.label}' ({source})",
                   "Rename it in one of them (`crm:` names it for one CRM only).")
    if crm == "hubspot" and stage.probability is not None:
        expected = round(float(hubspot_export.deal_probability(fact.probability)) * 100)
    else:
        expected = fact.probability
    if stage.probability is not None and stage.probability != expected and \
            "probability" not in fact.unresolved:
        report.add(VALUE, at("probability"),
                   f"{title} has '{stage.label}' at {stage.probability}%, the playbook says "
                   f"{fact.probability}% ({source})",
                   "Change one of them; the CRM's value drives its forecast.")
    if crm == "salesforce" and stage.forecast and stage.forecast != fact.forecast and \
            "forecast_category" not in fact.unresolved:
        report.add(VALUE, at("forecast_category"),
                   f"{title} puts '{stage.label}' in forecast category "
                   f"{WORD_OF.get(stage.forecast, stage.forecast)}, the playbook says "
                   f"{WORD_OF.get(fact.forecast, fact.forecast)} ({source})",
                   "Change one of them.")
    if (stage.closed, stage.won) != (fact.closed, fact.won):
        def state(closed: bool, won: bool) -> str:
            return "closed won" if won else "closed, not won" if closed else "open"
        report.add(VALUE, at("outcome"),
                   f"{title} has '{stage.label}' {state(stage.closed, stage.won)}, the "
                   f"playbook {state(fact.closed, fact.won)} ({source})",
                   "Set the stage's `outcome:` (or remove it), or change the CRM.")


def _options(report: _Report, what: str, wanted: list[tuple[str, str, Location, Location]],
             found: list[CrmOption], anchor: Location, source: str,
             ignore: set[str] = frozenset(),  # type: ignore[assignment]
             converted: dict[str, tuple[bool, Location]] | None = None) -> None:
    """Options (value, label, where, where its label is) against the CRM's."""
    pairs, alone, extra = _pair(wanted, found, lambda w: [w[0]], lambda o: o.value)
    for value, label, where, _ in alone:
        report.add(MISSING, where, f"{what} '{label}' ('{value}') is not in "
                   f"{report.title} ({source})",
                   "Deploy it with `playbook export`, or say how the CRM names it with "
                   f"`crm: {{{report.config.crm}: ...}}`.")
    for option in extra:
        if option.value in ignore:
            continue
        report.add(EXTRA, anchor, f"{report.title} has the {what} '{option.label}' "
                   f"('{option.value}') in {source}, which the playbook does not define",
                   "Add it to the playbook, or retire it in the CRM.")
    for (value, label, _, label_at), option in pairs:
        if option.label != label:
            report.add(VALUE, label_at, f"{report.title} labels {what} '{value}' "
                       f"'{option.label}', the playbook says '{label}' ({source})",
                       "Rename it in one of them.")
        if converted is not None and value in converted and \
                converted[value][0] != option.converted:
            report.add(VALUE, converted[value][1],
                       f"{report.title} has {what} '{option.label}' "
                       f"{'' if option.converted else 'not '}as the converted status, the "
                       f"playbook {'does' if converted[value][0] else 'does not'} ({source})",
                       "Mark the one converted status in both.")
    paired = [(w, o) for w, o in pairs if o.value not in ignore]
    _order(report, what, paired, [w for w in wanted if any(w is p[0] for p in paired)],
           [o for o in found if o.value not in ignore], lambda w: w[2], lambda w: w[1])


def _lifecycle(report: _Report, playbook: Playbook, out: Output) -> None:
    hubspot_export.lifecycle_options(playbook, out)  # its problems (limits, twins)
    stages = list(playbook.lifecycle.items())
    wanted = []
    for sid, stage in stages:
        value, label = lifecycle_value(sid, stage)
        label_at = stage.where("crm") if stage.crm.get("hubspot") else stage.where("name")
        wanted.append((value, label, stage.where(key=True), label_at))
    defaults = {value for value, _ in hubspot_export.LIFECYCLE_DEFAULTS}
    _options(report, "lifecycle stage", wanted, report.config.lifecycle,
             stages[0][1].where(key=True), report.source("lifecycle"), ignore=defaults)


def _statuses(report: _Report, playbook: Playbook, out: Output) -> None:
    crm = report.config.crm
    statuses = statuses_for(crm, playbook, out)
    if not statuses:
        return
    wanted, converted = [], {}
    for status in statuses:
        node = status.definition
        label_at = node.where("crm") if node.crm.get(crm) else node.where("name")
        wanted.append((status.value, status.label, node.where(key=True), label_at))
        converted[status.value] = (status.converted, node.where("converted")
                                   if "converted" in node.model_fields_set
                                   else node.where(key=True))
    _options(report, "lead status", wanted, report.config.lead_statuses,
             statuses[0].definition.where(key=True), report.source("lead_statuses"),
             converted=converted if crm == "salesforce" else None)
