"""KPI measures: a KPI's `measure:` names events the playbook defines, gives what its kind
needs, and has a unit the measure can be read in (`playbook measure` computes them)."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity, close_matches
from ...definitions.model import KPI, MEASURE_EVENTS, Measure, Playbook
from .context import Context

MEASURE_EVENT = Rule("PB801", "measure-event", Severity.ERROR,
                     "A KPI measure names lifecycle or sales stages the playbook defines "
                     "(or `created`, `first_touch`).", "scorecard")
MEASURE_SHAPE = Rule("PB802", "measure-parameters", Severity.ERROR,
                     "A KPI measure gives the parameters its kind needs, and no others.",
                     "scorecard")
MEASURE_UNIT = Rule("PB803", "measure-unit", Severity.ERROR,
                    "A KPI's unit is one its measure can be read in.", "scorecard")

# what each kind needs and allows (beyond `kind`)
NEEDS = {"entries": {"stage"}, "conversion": {"from_", "to"}, "cohort_conversion": {"to"},
         "median_time": {"from_", "to"}, "sum": set(), "weighted_sum": set(),
         "win_rate": set()}
ALLOWS = {"entries": {"stage"}, "conversion": {"from_", "to", "within"},
          "cohort_conversion": {"to", "within"}, "median_time": {"from_", "to"},
          "sum": {"of"}, "weighted_sum": {"per_goal"}, "win_rate": set()}
ALLOWS = {kind: {*names, "per"} for kind, names in ALLOWS.items()}
UNITS = {"entries": {"count"}, "conversion": {"percent", "ratio"},
         "cohort_conversion": {"percent", "ratio"}, "median_time": {"minutes", "hours", "days"},
         "sum": {"currency"}, "weighted_sum": {"currency", "percent"},
         "win_rate": {"percent", "ratio"}}
KEYS = {"from_": "from"}


def events(pb: Playbook) -> list[str]:
    """What a measure may name: lifecycle stages, sales stages and the two lead events."""
    return [*pb.lifecycle, *pb.stages, *MEASURE_EVENTS]


def kpi_measures(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    known = events(pb)
    # what each field may name, worked out once for all KPIs (as sets: looked up per KPI)
    stages = [e for e in known if e not in MEASURE_EVENTS]
    allowed = {"stage": set(stages), "from_": set(known), "to": {*stages, "first_touch"}}
    for kid, kpi in pb.kpis.items():
        if kpi.measure is not None:
            yield from _measure(pb, kid, kpi, kpi.measure, known, allowed)


def _measure(pb: Playbook, kid: str, kpi: KPI, m: Measure, known: list[str],
             allowed: dict[str, set[str]]) -> Iterator[Finding]:
    given = {name for name in ("stage", "from_", "to", "within") if getattr(m, name) is not None}
    given |= {name for name in ("of", "per_goal", "per") if name in m.model_fields_set}
    for name in sorted(NEEDS[m.kind] - given):
        yield Finding(MEASURE_SHAPE, m.where("kind"),
                      f"KPI '{kid}': the `{m.kind}` measure needs `{KEYS.get(name, name)}`",
                      _shape_hint(m.kind))
    for name in sorted(given - ALLOWS[m.kind]):
        yield Finding(MEASURE_SHAPE, m.where(KEYS.get(name, name), key=True),
                      f"KPI '{kid}': the `{m.kind}` measure takes no `{KEYS.get(name, name)}`",
                      _shape_hint(m.kind))
    for name in ("stage", "from_", "to"):
        value = getattr(m, name)
        if value is None or value in allowed[name]:
            continue
        if value in MEASURE_EVENTS:
            hint = f"`{value}` cannot be the `{KEYS.get(name, name)}` of a measure."
        else:
            close = close_matches(value, known, n=3)
            hint = (f"Did you mean {', '.join(close)}?" if close else
                    "Name a lifecycle stage, a sales stage, `created` or `first_touch`.")
        if value in MEASURE_EVENTS:
            what = "count entries into" if name == "stage" else "end at"
            message = f"KPI '{kid}': a measure cannot {what} '{value}'"
        else:
            message = (f"KPI '{kid}': the measure names '{value}', which is no lifecycle or "
                       "sales stage")
        yield Finding(MEASURE_EVENT, m.where(KEYS.get(name, name)), message, hint)
    if kpi.unit not in UNITS[m.kind]:
        yield Finding(MEASURE_UNIT, kpi.where("unit") if "unit" in kpi.model_fields_set
                      else kpi.where("measure", key=True),
                      f"KPI '{kid}' is in {kpi.unit}, but the `{m.kind}` measure gives "
                      f"{' or '.join(sorted(UNITS[m.kind]))}",
                      f"Set `unit: {sorted(UNITS[m.kind])[0]}`.")
    if m.kind == "weighted_sum" and m.per_goal and pb.revenue_goal is None:
        yield Finding(MEASURE_SHAPE, m.where("per_goal"),
                      f"KPI '{kid}' is measured per the revenue goal, and there is none",
                      "Add `revenue_goal:` or remove `per_goal`.")


def _shape_hint(kind: str) -> str:
    return {
        "entries": "Write `measure: {kind: entries, stage: mql}`.",
        "conversion": "Write `measure: {kind: conversion, from: mql, to: sql, within: 30d}`.",
        "cohort_conversion": "Write `measure: {kind: cohort_conversion, to: customer, "
                             "within: 180d}`.",
        "median_time": "Write `measure: {kind: median_time, from: mql, to: first_touch}`.",
        "sum": "Write `measure: {kind: sum, of: created}` (or `of: won`).",
        "weighted_sum": "Write `measure: {kind: weighted_sum, per_goal: true}`.",
        "win_rate": "Write `measure: {kind: win_rate}`.",
    }[kind]
