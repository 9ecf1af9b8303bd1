"""The measured pages of the site, as values for the templates in `templates/pages/`
(`actuals*.md.j2`): the scorecard with actuals and trend charts, SLA compliance, "Playbook
vs reality" and the weekly meeting pack, and, only when the configuration opts in, the
record-level page (stale deals by name, figures per owner), kept out of the search index.

Everything else on these pages is an aggregate: counts, rates, medians.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..definitions.model import Playbook
from .report import number
from .result import KpiActual, Measurement, Period

RECORDS_PAGE = "actuals/records.md"

# the chart's drawing area, in the viewBox's units (shown at up to 30rem wide; at 390 px a
# unit is about 1.1 px, so 12-unit text stays above 12 px)
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 320, 150, 8, 312, 22, 118


def period_label(start: date, per: str, short: bool = False) -> str:
    if per == "monthly":
        return f"{start:%b %Y}" if short else f"{start:%B %Y}"
    if per == "quarterly":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if per == "yearly":
        return str(start.year)
    if per in ("weekly", "biweekly"):
        return f"{start:%-d %b}" if short else f"week of {start:%-d %B %Y}"
    return f"{start:%-d %b}" if short else f"{start:%-d %B %Y}"


def trend_svg(kpi: KpiActual, ident: str) -> Markup:
    """The KPI's actual per period against its target, as an accessible line chart: a
    title and a description saying every value (the table below the chart says them too),
    drawn in the text colour so it reads in light and dark mode."""
    points = [(i, p.value) for i, p in enumerate(kpi.periods) if p.value is not None]
    target = kpi.target  # None: the playbook states no target, and none is drawn
    values = [v for _, v in points] + ([target] if target is not None else [])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:
        high, low = high + 1, low - 1
    span = high - low
    low, high = low - span * 0.1, high + span * 0.1
    n = max(len(kpi.periods) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + (RIGHT - LEFT) * i / n, 1)

    def y(v: float) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * (v - low) / (high - low), 1)

    described = "; ".join(f"{period_label(p.start, kpi.per)}: {number(p.value, kpi.unit)}"
                          + ("" if p.complete else " (so far)") for p in kpi.periods)
    title = f"{kpi.name}: actual per {_period_noun(kpi.per)} against the target"
    desc = (f"{described}. Target {number(target, kpi.unit)}, {kpi.better} is better."
            if target is not None else f"{described}. Target not defined.")
    parts = [f'<svg class="pb-trend" role="img" aria-labelledby="{ident}-t {ident}-d" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             'style="width:100%;max-width:30rem;height:auto" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{ident}-t">{escape(title)}</title>',
             f'<desc id="{ident}-d">{escape(desc)}</desc>']
    if target is not None:
        ty = y(target)
        parts.append(f'<line x1="{LEFT}" y1="{ty}" x2="{RIGHT}" y2="{ty}" '
                     'stroke="currentColor" stroke-width="1.5" stroke-dasharray="6 4" '
                     'stroke-opacity="0.7"/>')
        parts.append(f'<text x="{RIGHT}" y="{ty - 5}" text-anchor="end" font-size="12" '
                     f'fill="currentColor">target {escape(number(target, kpi.unit))}</text>')
    runs: list[list[tuple[int, float]]] = []
    for i, v in points:
        if runs and runs[-1][-1][0] == i - 1:
            runs[-1].append((i, v))
        else:
            runs.append([(i, v)])
    for run in runs:
        if len(run) > 1:
            line = " ".join(f"{x(i)},{y(v)}" for i, v in run)
            parts.append(f'<polyline points="{line}" fill="none" stroke="currentColor" '
                         'stroke-width="2.5" stroke-linejoin="round"/>')
    for i, v in points:
        hollow = not kpi.periods[i].complete
        parts.append(f'<circle cx="{x(i)}" cy="{y(v)}" r="4" stroke="currentColor" '
                     f'stroke-width="2" fill="{"none" if hollow else "currentColor"}"/>')
    if points:
        last_i, last_v = points[-1]
        anchor = "end" if x(last_i) > WIDTH / 2 else "start"
        parts.append(f'<text x="{x(last_i)}" y="{max(y(last_v) - 9, 12)}" '
                     f'text-anchor="{anchor}" font-size="12" font-weight="bold" '
                     f'fill="currentColor">{escape(number(last_v, kpi.unit))}</text>')
    first, last = kpi.periods[0], kpi.periods[-1]
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="12" fill="currentColor">'
                 f'{escape(period_label(first.start, kpi.per, True))}</text>')
    parts.append(f'<text x="{RIGHT}" y="{HEIGHT - 8}" text-anchor="end" font-size="12" '
                 f'fill="currentColor">{escape(period_label(last.start, kpi.per, True))}</text>')
    parts.append("</svg>")
    return Markup(f'<div class="pb-chart" data-search-exclude>{"".join(parts)}</div>')


def _period_noun(per: str) -> str:
    return {"daily": "day", "weekly": "week", "biweekly": "two weeks", "monthly": "month",
            "quarterly": "quarter", "yearly": "year"}[per]


@dataclass
class KpiView:
    actual: KpiActual
    owner: str | None  # None: the playbook names no owner
    chart: Markup | None
    rows: list[tuple[str, str, int, bool]]  # period, value, over how many, complete

    @property
    def latest(self) -> Period | None:
        return self.actual.latest


def kpi_view(kpi: KpiActual, playbook: Playbook, prefix: str = "") -> KpiView:
    owner = playbook.kpis[kpi.id].owner
    # periods before the data begins say nothing: shown from the first with data
    first = next((i for i, p in enumerate(kpi.periods) if p.value is not None), None)
    if first:
        kpi = replace(kpi, periods=kpi.periods[first:])
    chart = trend_svg(kpi, f"trend-{prefix}{kpi.id}") if kpi.kind and any(
        p.value is not None for p in kpi.periods) else None
    rows = [(period_label(p.start, kpi.per) + ("" if p.complete else " (so far)"),
             number(p.value, kpi.unit), p.count, p.complete) for p in kpi.periods]
    return KpiView(kpi, owner, chart, rows)


def page_values(measurement: Measurement, playbook: Playbook) -> dict[str, dict[str, Any]]:
    """What each measured page shows, by page path."""
    m = measurement
    views = [kpi_view(k, playbook) for k in m.kpis]
    campaigns = {cid: [kpi_view(k, playbook, f"{cid}-") for k in found]
                 for cid, found in m.campaigns.items()}
    shared = {"as_of": f"{m.as_of:%-d %B %Y, %H:%M}", "files": len(m.files),
              "findings": len(m.findings), "rows": sum(f.read for f in m.files),
              "rejected": sum(f.rejected for f in m.files), "records": m.record_level}
    by_id = {v.actual.id: v for v in views}
    agenda = []
    if playbook.meeting:
        for item in playbook.meeting.agenda:
            agenda.append((item, [by_id[k] for k in item.kpis if k in by_id]))
    values = {
        "actuals/index.md": {**shared, "kpis": views, "campaigns": campaigns},
        "actuals/sla.md": {**shared, "sla": m.sla, "untiered": m.untiered,
                           "cadence": m.cadence, "practices": m.practices},
        "actuals/reality.md": {**shared, "calibration": m.calibration, "flows": m.stages,
                               "stale": m.stale},
        "actuals/meeting-pack.md": {**shared, "kpis": views, "agenda": agenda,
                                    "breached": [v for v in views
                                                 if v.actual.status == "breached"],
                                    "sla": m.sla, "stale": m.stale,
                                    "practices": m.practices, "campaigns": campaigns},
    }
    if m.record_level:
        values[RECORDS_PAGE] = {**shared, "stale": m.stale}
    return values


def measured_pages(folder: Path, records: bool, playbook: Playbook) \
        -> tuple[dict[str, dict[str, Any]], list[Any]]:
    """The values of the measured pages from the CRM exports in `folder` (record-level too
    with `records`), and the data's findings, each a warning of the build. Raises
    `load.DataError` when the folder cannot be read."""
    from .engine import Engine
    from .load import load

    data = load(folder, playbook)
    return page_values(Engine(data, record_level=records).run(), playbook), data.findings
