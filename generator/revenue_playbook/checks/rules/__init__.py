"""The checks, listed here (as yamllint keeps its rules): each module holds the rules of one
concern, each rule has a stable code, and a check is a function of the `Context` that
yields findings. Nothing registers itself on import: a check or rule that is not listed
below does not run and is not documented.

`RULES` holds every rule, the loader's and the assembler's included, so that settings,
`playbook rules`, SARIF and the rules page all read one list.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from ...definitions import assemble, loader
from ...definitions.findings import Finding, Rule
from . import (
    alignment,
    cadences,
    campaigns,
    crm_drift,
    diagram_size,
    durations,
    email_tools,
    hygiene,
    measures,
    outcomes,
    policies,
    references,
    sales_process,
    scoring,
    segments,
    sla,
    templates,
)
from .context import Check, Context

# In the order they run (findings on the same line keep it).
CHECKS: tuple[Check, ...] = (
    durations.old_durations,
    alignment.campaign_previews,
    alignment.qualified_lead,
    alignment.handoffs,
    alignment.scorecard,
    alignment.email_templates,
    alignment.exit_criteria,
    alignment.meeting,
    alignment.not_encoded,
    campaigns.campaigns,
    campaigns.request_lead_times,
    campaigns.launch_days,
    templates.templates,
    email_tools.email_tools,
    sales_process.sales_processes,
    hygiene.deal_hygiene,
    outcomes.forecast_categories,
    outcomes.closed_probabilities,
    outcomes.reasons,
    segments.segment_values,
    cadences.cadences,
    cadences.tracks_fit_owners,
    scoring.lead_scoring,
    references.unknown_references,
    sla.sla,
    sla.cadence_exits,
    policies.movement,
    policies.lifecycle_deal_stages,
    policies.campaign_audiences,
    policies.lead_status_staleness,
    measures.kpi_measures,
    diagram_size.diagram_sizes,
)

# Where rules are defined: PB0xx reading files, PB1xx the schema, then the checks'.
RULE_MODULES: tuple[ModuleType, ...] = (
    loader, assemble, diagram_size, durations, references, sales_process, hygiene, outcomes,
    segments, cadences, scoring, templates, email_tools, sla, campaigns, alignment, policies,
    measures, crm_drift)


def rules_in(module: ModuleType) -> list[Rule]:
    """The rules a module defines at its top level, alone or in a mapping or sequence
    (as `references.UNKNOWN`, one rule per kind of reference)."""
    found = []
    for value in vars(module).values():
        values = value.values() if isinstance(value, dict) else \
            value if isinstance(value, list | tuple) else [value]
        found += [v for v in values if isinstance(v, Rule)]
    return found


def _defined_in(modules: Iterable[ModuleType]) -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for module in modules:
        for rule in rules_in(module):
            if found.setdefault(rule.code, rule) is not rule:
                raise ValueError(f"rule code {rule.code} defined twice")
    return found


# Every rule, by code, in code order.
RULES: dict[str, Rule] = dict(sorted(_defined_in(RULE_MODULES).items()))


def all_rules() -> list[Rule]:
    """Every rule, in code order."""
    return list(RULES.values())


def rule_named(key: str) -> Rule | None:
    """The rule with code or name `key` (`PB405`, `pb405` or `subject-length`)."""
    if key.upper() in RULES:
        return RULES[key.upper()]
    return next((rule for rule in RULES.values() if rule.name == key), None)


def run_checks(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for func in CHECKS:
        findings.extend(func(ctx))
    return findings


__all__ = ["CHECKS", "RULES", "Check", "Context", "all_rules", "rule_named", "rules_in",
           "run_checks"]
