"""The measures, as SQL over the neutral tables (`load.py`), computed from the definitions.

Every query is plain SQL in DuckDB's dialect kept close to the standard (joins, windows,
`date_trunc`, `median`), so that `warehouse.py` can compile it for another engine. Business
time is counted with one join to `business_days` (each day, whether it is a business day,
and the business minutes before it: `Calendar.days_table`), never row by row in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import duckdb

from ..definitions.model import KPI, Playbook
from ..definitions.segments import value_for
from .load import Data, _insert, _lit, extend_calendar
from .result import (
    CadenceAdherence,
    Calibration,
    KpiActual,
    Measurement,
    Period,
    PracticeFigure,
    StageFlow,
    StaleStage,
    TierCompliance,
)
from .schema import CHANNELS

PERIODS = 8  # periods of each KPI shown (the trend), the last one possibly partial
TOUCH = "channel IN (" + ", ".join(_lit(c) for c in CHANNELS) + ")"
Z = 1.959963984540054  # the 97.5th percentile of the normal distribution (95 % intervals)


def wilson(won: int, n: int) -> tuple[float, float] | tuple[None, None]:
    """The Wilson score interval (95 %) of a proportion, in percent."""
    if n == 0:
        return None, None
    p = won / n
    centre = p + Z * Z / (2 * n)
    margin = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    denominator = 1 + Z * Z / n
    return 100 * (centre - margin) / denominator, 100 * (centre + margin) / denominator


def period_start(column: str, per: str) -> str:
    """SQL for the first day of the period holding `column` (weeks start on Monday)."""
    if per == "daily":
        return f"CAST({column} AS DATE)"
    if per == "biweekly":
        return (f"(DATE '1970-01-05' + CAST(14 * floor(date_diff('day', DATE '1970-01-05', "
                f"CAST({column} AS DATE)) / 14) AS INTEGER))")
    unit = {"weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year"}[per]
    return f"CAST(date_trunc('{unit}', {column}) AS DATE)"


def next_period(start: date, per: str) -> date:
    if per == "daily":
        return start + timedelta(days=1)
    if per in ("weekly", "biweekly"):
        return start + timedelta(days=7 if per == "weekly" else 14)
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[per]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def business_minutes(alias: str, column: str, data: Data) -> str:
    """SQL for the business minutes from the calendar's first day to `column`, with
    `business_days` joined as `alias` on the column's day."""
    cal = data.calendar
    clock = (f"(extract('hour' FROM {column}) * 60 + extract('minute' FROM {column}) + "
             f"extract('second' FROM {column}) / 60.0)")
    return (f"({alias}.before + CASE WHEN {alias}.business THEN least(greatest({clock} - "
            f"{cal.start_minute}, 0), {cal.day_minutes}) ELSE 0 END)")


class Scope:
    """Which leads and deals a measure counts: all, or those of one campaign."""

    def __init__(self, campaign: str | None = None):
        self.campaign = campaign

    def leads(self, column: str) -> str:
        if self.campaign is None:
            return "true"
        return (f"{column} IN (SELECT lead_id FROM leads WHERE campaign = "
                f"{_lit(self.campaign)})")

    def deals(self, column: str) -> str:
        if self.campaign is None:
            return "true"
        return (f"{column} IN (SELECT deal_id FROM deals WHERE campaign = "
                f"{_lit(self.campaign)} UNION SELECT deal_id FROM deal_leads WHERE lead_id IN "
                f"(SELECT lead_id FROM leads WHERE campaign = {_lit(self.campaign)}))")


class Engine:
    def __init__(self, data: Data, as_of: datetime | None = None, record_level: bool = False):
        self.data = data
        self.pb: Playbook = data.playbook
        self.con: duckdb.DuckDBPyConnection = data.con
        self.as_of = as_of or data.last or datetime.now().replace(microsecond=0)
        self.record_level = record_level
        if data.last is not None:
            extend_calendar(data, self.as_of)
        self._prepare()

    # ------------------------------------------------------------------ shared tables

    def _prepare(self) -> None:
        con, pb = self.con, self.pb
        con.execute("CREATE OR REPLACE TEMP TABLE days AS SELECT day, business, before, "
                    "sum(CASE WHEN business THEN 1 ELSE 0 END) OVER (ORDER BY day) AS n "
                    "FROM business_days")
        segments: list[str | None] = [None, *pb.segments]
        con.execute("CREATE OR REPLACE TEMP TABLE stage_values (stage VARCHAR, segment "
                    "VARCHAR, probability DOUBLE, duration DOUBLE, warn DOUBLE, act DOUBLE, "
                    "business BOOLEAN)")
        rows = []
        for sid, stage in pb.stages.items():
            hygiene = stage.hygiene
            for seg in segments:
                values = (value_for(stage.probability, seg), value_for(stage.duration_days, seg),
                          value_for(hygiene.warn_after, seg) if hygiene else None,
                          value_for(hygiene.act_after, seg) if hygiene else None)
                rows.append((sid, seg, *values,
                             hygiene is None or hygiene.days == "business"))
        _insert(con, "stage_values", rows)
        con.execute("CREATE OR REPLACE TEMP TABLE tier_limits (tier VARCHAR, segment VARCHAR, "
                    "minutes DOUBLE, cadence VARCHAR, steps INTEGER, last_day INTEGER)")
        if pb.sla:
            limits: list[tuple[object, ...]] = []
            for tid, tier in pb.sla.tiers.items():
                # a row for every segment only where the response time or the cadence
                # differs by segment
                varying = isinstance(tier.response_time, dict) or isinstance(tier.cadence, dict)
                for seg in segments if varying else [None]:
                    cadence_id = value_for(tier.cadence, seg)
                    cadence = pb.cadences.get(cadence_id) if cadence_id else None
                    steps = len(cadence.steps) if cadence else 0
                    last = max((s.day for s in cadence.steps), default=0) if cadence else 0
                    limit = value_for(tier.response_time, seg)
                    if limit is not None:
                        limits.append((tid, seg, self.data.calendar.minutes(str(limit)),
                                       cadence_id, steps, last))
            _insert(con, "tier_limits", limits)
        # touches of leads, read once from the activities (the largest table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE touches AS SELECT lead_id, done_at FROM "
                    f"activities WHERE {TOUCH} AND lead_id IS NOT NULL")
        mql = pb.qualified_point("marketing")
        self.mql = mql
        con.execute("CREATE OR REPLACE TEMP TABLE business_day_n AS SELECT n, min(day) AS day "
                    "FROM days WHERE business GROUP BY n")
        # for each lead: the moment the SLA clock starts (the MQL point, else creation), its
        # tier's limits for its segment, the day its cadence's window ends, and, in one pass
        # over the touches, its first touch and the touches made inside that window
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE lead_clock AS
            WITH q AS (SELECT lead_id, entered_at FROM lead_first WHERE stage = {_lit(mql or '')}),
            s AS (SELECT l.lead_id, l.tier, l.segment,
                      coalesce(q.entered_at, l.created_at) AS started,
                      coalesce(ls.segment, ld.segment) AS limit_segment,
                      coalesce(ls.minutes, ld.minutes) AS limit_minutes,
                      coalesce(ls.steps, ld.steps) AS steps,
                      coalesce(ls.last_day, ld.last_day) AS last_day
                  FROM leads l LEFT JOIN q USING (lead_id)
                  LEFT JOIN tier_limits ls ON ls.tier = l.tier AND ls.segment = l.segment
                  LEFT JOIN tier_limits ld ON ld.tier = l.tier AND ld.segment IS NULL),
            e AS (SELECT s.*, bd.day AS cadence_ends FROM s
                  LEFT JOIN days ds ON ds.day = CAST(s.started AS DATE)
                  LEFT JOIN business_day_n bd ON bd.n = ds.n + s.last_day + 1),
            t AS (SELECT e.lead_id, min(a.done_at) AS first_touch,
                      count(*) FILTER (WHERE a.done_at < e.cadence_ends) AS cadence_touches
                  FROM e JOIN touches a ON a.lead_id = e.lead_id AND a.done_at >= e.started
                  GROUP BY e.lead_id)
            SELECT e.*, t.first_touch, coalesce(t.cadence_touches, 0) AS cadence_touches
            FROM e LEFT JOIN t USING (lead_id)
        """)

    # ------------------------------------------------------------------ KPIs

    def periods(self, per: str) -> list[tuple[date, date, bool]]:
        end = next_period(self._start_of(self.as_of.date(), per), per)
        found: list[tuple[date, date, bool]] = []
        current = self._start_of(self.as_of.date(), per)
        for _ in range(PERIODS):
            found.append((current, next_period(current, per), next_period(current, per) <=
                          self.as_of.date()))
            current = self._start_of(current - timedelta(days=1), per)
        del end
        return list(reversed(found))

    def _start_of(self, day: date, per: str) -> date:
        value = self.con.execute(f"SELECT {period_start('CAST(? AS DATE)', per)}",
                                 [day]).fetchone()
        assert value is not None
        return value[0]  # type: ignore[no-any-return]

    def kpi(self, kid: str, kpi: KPI, scope: Scope | None = None) -> KpiActual:
        measure = kpi.measure
        # a KPI that states no review frequency is measured by week (the page says the
        # frequency is not defined)
        per = (measure.per if measure and measure.per else None) or kpi.frequency or "weekly"
        actual = KpiActual(kid, kpi.name, kpi.unit, kpi.target, kpi.better, per,
                           measure.kind if measure else None,
                           scope=scope.campaign or "" if scope else "")
        if measure is None:
            return actual
        scope = scope or Scope()
        periods = self.periods(per)
        sql = self.kpi_sql(kpi, per, scope)
        first, last = periods[0][0], periods[-1][1]
        values = {row[0]: (row[1], row[2]) for row in self.con.execute(
            f"SELECT * FROM ({sql}) WHERE p >= ? AND p < ?", [first, last]).fetchall()}
        for start, end, complete in periods:
            value, count = values.get(start, (None, 0))
            actual.periods.append(Period(start, end, None if value is None else float(value),
                                         int(count or 0), complete))
        return actual

    def kpi_sql(self, kpi: KPI, per: str, scope: Scope) -> str:
        """One query giving (p: period start, value, count) for a measured KPI."""
        m = kpi.measure
        assert m is not None
        scale = 100.0 if kpi.unit == "percent" else 1.0
        if m.kind == "entries":
            assert m.stage
            source = self._moments(m.stage, scope)
            return (f"SELECT {period_start('ts', per)} AS p, count(*) AS value, count(*) AS n "
                    f"FROM ({source}) GROUP BY 1")
        if m.kind in ("conversion", "cohort_conversion"):
            start = "created" if m.kind == "cohort_conversion" else m.from_
            assert start and m.to
            window = (f" AND t.ts <= f.ts + INTERVAL {int(m.within)} DAY" if m.within
                      else "")
            deals = self._is_sales(start) and self._is_sales(m.to)
            origin = self._moments(start, scope, deals)
            return (f"SELECT {period_start('f.ts', per)} AS p, {scale} * count(t.id) / "
                    f"count(*) AS value, count(*) AS n FROM ({origin}) f "
                    f"LEFT JOIN ({self._moments(m.to, scope, deals)}) t ON t.id = f.id AND "
                    f"t.ts >= f.ts{window} GROUP BY 1")
        if m.kind == "median_time":
            assert m.from_ and m.to
            deals = self._is_sales(m.from_) and self._is_sales(m.to)
            divide = {"minutes": 1, "hours": 60,
                      "days": max(self.data.calendar.day_minutes, 1)}[kpi.unit]
            if m.to == "first_touch" and m.from_ == self.mql and not deals:
                pairs = ("SELECT lead_id AS id, started AS a, first_touch AS b FROM lead_clock "
                         f"WHERE first_touch IS NOT NULL AND {scope.leads('lead_id')}")
            elif m.to == "first_touch":
                pairs = (f"SELECT f.id, f.ts AS a, min(x.done_at) AS b FROM "
                         f"({self._moments(m.from_, scope, deals)}) f JOIN touches x ON "
                         "x.lead_id = f.id AND x.done_at >= f.ts "
                         "GROUP BY f.id, f.ts")
            else:
                pairs = (f"SELECT f.id, f.ts AS a, t.ts AS b FROM "
                         f"({self._moments(m.from_, scope, deals)}) f JOIN "
                         f"({self._moments(m.to, scope, deals)}) t ON t.id = f.id AND "
                         "t.ts >= f.ts")
            elapsed = (f"{business_minutes('db', 'q.b', self.data)} - "
                       f"{business_minutes('da', 'q.a', self.data)}")
            return (f"SELECT {period_start('q.a', per)} AS p, median({elapsed}) / {divide} AS "
                    f"value, count(*) AS n FROM ({pairs}) q JOIN days da ON da.day = "
                    "CAST(q.a AS DATE) JOIN days db ON db.day = CAST(q.b AS DATE) GROUP BY 1")
        if m.kind == "sum":
            moment = ("d.created_at" if m.of == "created" else "w.won_at")
            join = "" if m.of == "created" else "JOIN deal_won w ON w.deal_id = d.deal_id"
            return (f"SELECT {period_start(moment, per)} AS p, sum(coalesce(d.amount, 0)) AS "
                    f"value, count(*) AS n FROM deals d {join} WHERE "
                    f"{scope.deals('d.deal_id')} GROUP BY 1")
        if m.kind == "win_rate":
            return (f"SELECT {period_start('c.ts', per)} AS p, {scale} * count(*) FILTER "
                    "(WHERE c.counts_as = 'won') / count(*) AS value, count(*) AS n FROM "
                    f"({self._closings(scope)}) c GROUP BY 1")
        if m.kind == "weighted_sum":
            goal = self.pb.revenue_goal.amount if self.pb.revenue_goal and m.per_goal else None
            factor = f" * 100.0 / {goal}" if goal else ""
            ends = self.periods(per)
            values = ", ".join(f"(DATE '{s}', TIMESTAMP '{min(e, self.as_of.date() + timedelta(days=1))} 00:00:00')"  # noqa: E501
                               for s, e, _ in ends)
            return f"""
                WITH ends(p, e) AS (VALUES {values}),
                open AS (
                    SELECT ends.p, sum(coalesce(d.amount, 0) * coalesce(v.probability, 0) / 100)
                        AS weighted
                    FROM ends JOIN deal_entries x ON x.entered_at < ends.e
                        AND (x.left_at IS NULL OR x.left_at >= ends.e)
                    JOIN deals d ON d.deal_id = x.deal_id
                    JOIN stage_facts f ON f.id = x.stage AND f.outcome IS NULL
                    {self._stage_value_join('x.stage', 'd.segment')}
                    WHERE {scope.deals('d.deal_id')}
                    GROUP BY ends.p),
                won AS (
                    SELECT ends.p, sum(coalesce(d.amount, 0)) AS amount, count(*) AS n
                    FROM ends JOIN deal_won w ON w.won_at < ends.e
                        AND w.won_at >= date_trunc('year', ends.e - INTERVAL 1 DAY)
                    JOIN deals d ON d.deal_id = w.deal_id
                    WHERE {scope.deals('d.deal_id')}
                    GROUP BY ends.p)
                SELECT ends.p, (coalesce(open.weighted, 0) + coalesce(won.amount, 0)){factor}
                    AS value, coalesce(won.n, 0) AS n
                FROM ends LEFT JOIN open USING (p) LEFT JOIN won USING (p)
            """
        raise ValueError(m.kind)

    def _stage_value_join(self, stage: str, segment: str) -> str:
        return (f"LEFT JOIN stage_values v ON v.stage = {stage} AND v.segment IS NOT DISTINCT "
                f"FROM (CASE WHEN EXISTS (SELECT 1 FROM stage_values y WHERE y.stage = {stage} "
                f"AND y.segment = {segment}) THEN {segment} END)")

    def _is_sales(self, event: str) -> bool:
        return event in self.pb.stages

    def _moments(self, event: str, scope: Scope, deals: bool = False) -> str:
        """(id, at): when each lead (or deal, with `deals`) first reached `event`."""
        if deals:
            return (f"SELECT deal_id AS id, min(entered_at) AS ts FROM deal_entries WHERE stage = "
                    f"{_lit(event)} AND {scope.deals('deal_id')} GROUP BY deal_id")
        if event == "created":
            return (f"SELECT lead_id AS id, created_at AS ts FROM leads WHERE "
                    f"{scope.leads('lead_id')}")
        if event == "first_touch":
            return (f"SELECT lead_id AS id, first_touch AS ts FROM lead_clock WHERE first_touch "
                    f"IS NOT NULL AND {scope.leads('lead_id')}")
        if event in self.pb.stages:
            return (f"SELECT l.lead_id AS id, min(e.entered_at) AS ts FROM deal_leads l JOIN "
                    f"deal_entries e USING (deal_id) WHERE e.stage = {_lit(event)} AND "
                    f"{scope.leads('l.lead_id')} GROUP BY l.lead_id")
        return (f"SELECT lead_id AS id, entered_at AS ts FROM lead_first WHERE stage = "
                f"{_lit(event)} AND {scope.leads('lead_id')}")

    def _closings(self, scope: Scope) -> str:
        return ("SELECT e.deal_id, min(e.entered_at) AS ts, arg_min(f.counts_as, e.entered_at) "
                "AS counts_as FROM deal_entries e JOIN stage_facts f ON f.id = e.stage WHERE "
                f"f.counts_as IN ('won', 'lost') AND {scope.deals('e.deal_id')} "
                "GROUP BY e.deal_id")

    # ------------------------------------------------------------------ SLA and cadences

    def sla(self) -> tuple[list[TierCompliance], int]:
        if not self.pb.sla:
            return [], 0
        now = f"TIMESTAMP '{self.as_of:%Y-%m-%d %H:%M:%S}'"
        first = business_minutes("df", "c.first_touch", self.data)
        start = business_minutes("ds", "c.started", self.data)
        late = business_minutes("dn", now, self.data)
        rows = self.con.execute(f"""
            SELECT c.tier, c.limit_segment, c.limit_minutes, count(*),
                count(*) FILTER (WHERE c.first_touch IS NOT NULL
                                 AND {first} - {start} <= c.limit_minutes),
                count(*) FILTER (WHERE (c.first_touch IS NOT NULL
                                        AND {first} - {start} > c.limit_minutes)
                                 OR (c.first_touch IS NULL AND {late} - {start} > c.limit_minutes)),
                median({first} - {start})
            FROM lead_clock c
            JOIN days ds ON ds.day = CAST(c.started AS DATE)
            LEFT JOIN days df ON df.day = CAST(c.first_touch AS DATE)
            JOIN days dn ON dn.day = CAST({now} AS DATE)
            WHERE c.limit_minutes IS NOT NULL AND c.started <= {now}
            GROUP BY ALL ORDER BY ALL
        """).fetchall()
        tiers = self.pb.sla.tiers
        found = [TierCompliance(tier, tiers[tier].name, segment, limit, leads, met, breached,
                                leads - met - breached, median)
                 for tier, segment, limit, leads, met, breached, median in rows]
        order = list(tiers)
        found.sort(key=lambda t: (order.index(t.tier), t.segment or ""))
        untiered = self.con.execute("SELECT count(*) FROM lead_clock WHERE limit_minutes IS "
                                    "NULL").fetchone()
        return found, int(untiered[0]) if untiered else 0

    def cadence(self) -> list[CadenceAdherence]:
        if not self.pb.sla:
            return []
        rows = self.con.execute(f"""
            WITH w AS (
                SELECT lead_id, tier, steps, started, cadence_ends AS ends,
                    cadence_touches AS made
                FROM lead_clock
                WHERE steps > 0 AND cadence_ends <= DATE '{self.as_of.date()}'
            ), exited AS (
                SELECT DISTINCT w.lead_id FROM w JOIN lead_first f ON f.lead_id = w.lead_id
                    AND f.entered_at > w.started AND f.entered_at < w.ends
            ), done AS (
                SELECT * FROM w WHERE lead_id NOT IN (SELECT lead_id FROM exited)
            )
            SELECT tier, max(steps), count(*), sum(least(made, steps)),
                count(*) FILTER (WHERE made >= steps)
            FROM done GROUP BY tier
        """).fetchall()
        order = list(self.pb.sla.tiers)
        tiers = self.pb.sla.tiers
        found = [CadenceAdherence(tier, ", ".join(tiers[tier].cadence_ids()), int(steps),
                                  int(leads),
                                  int(touches or 0), int(complete))
                 for tier, steps, leads, touches, complete in rows]
        return sorted(found, key=lambda c: order.index(c.tier))

    # ------------------------------------------------------------------ deals

    def stale(self) -> list[StaleStage]:
        now = f"DATE '{self.as_of.date()}'"
        rows = self.con.execute(f"""
            WITH current AS (
                SELECT d.deal_id, d.name, d.owner, d.segment, d.stage,
                    greatest(d.created_at,
                        coalesce((SELECT max(e.entered_at) FROM deal_entries e
                                  WHERE e.deal_id = d.deal_id AND e.stage = d.stage),
                                 d.created_at),
                        coalesce((SELECT max(a.done_at) FROM activities a
                                  WHERE a.deal_id = d.deal_id), d.created_at)) AS active
                FROM deals d JOIN stage_facts f ON f.id = d.stage AND f.outcome IS NULL
            ), idle AS (
                SELECT c.*, v.warn, v.act,
                    CASE WHEN v.business THEN dn.n - da.n
                         ELSE date_diff('day', CAST(c.active AS DATE), {now}) END AS days
                FROM current c {self._stage_value_join('c.stage', 'c.segment')}
                JOIN days da ON da.day = CAST(c.active AS DATE)
                JOIN days dn ON dn.day = {now}
            )
            SELECT stage, deal_id, coalesce(name, deal_id), coalesce(owner, ''), days,
                warn IS NOT NULL AND days >= warn, act IS NOT NULL AND days >= act
            FROM idle ORDER BY stage, days DESC, deal_id
        """).fetchall()
        stages = self.pb.stages
        by_stage: dict[str, StaleStage] = {}
        for sid, deal, name, owner, days, warned, acted in rows:
            item = by_stage.setdefault(sid, StaleStage(sid, stages[sid].name, 0, 0, 0))
            item.open += 1
            item.past_warn += bool(warned)
            item.past_act += bool(acted)
            if self.record_level and warned:
                counts = item.by_owner.get(owner, (0, 0))
                item.by_owner[owner] = (counts[0] + 1, counts[1] + bool(acted))
                item.deals.append((deal, name, owner, int(days)))
        order = list(stages)
        return sorted(by_stage.values(), key=lambda s: order.index(s.stage))

    def flows(self) -> list[StageFlow]:
        day = max(self.data.calendar.day_minutes, 1)
        left = business_minutes("dl", "e.left_at", self.data)
        entered = business_minutes("de", "e.entered_at", self.data)
        varies = {sid for sid, s in self.pb.stages.items() if isinstance(s.duration_days, dict)}
        rows = self.con.execute(f"""
            SELECT e.stage, CASE WHEN e.stage IN ({', '.join(_lit(s) for s in varies) or "''"})
                THEN d.segment END AS seg,
                count(DISTINCT e.deal_id),
                count(*) FILTER (WHERE e.next_stage IS NOT NULL AND
                                 coalesce(n.counts_as, 'open') IN ('open', 'won')),
                count(*) FILTER (WHERE n.counts_as IN ('lost', 'other')),
                count(*) FILTER (WHERE e.next_stage IS NULL),
                median(({left} - {entered}) / {day}) FILTER (WHERE e.left_at IS NOT NULL)
            FROM deal_entries e JOIN deals d USING (deal_id)
            JOIN stage_facts f ON f.id = e.stage AND f.outcome IS NULL
            LEFT JOIN stage_facts n ON n.id = e.next_stage
            JOIN days de ON de.day = CAST(e.entered_at AS DATE)
            LEFT JOIN days dl ON dl.day = CAST(e.left_at AS DATE)
            GROUP BY ALL
        """).fetchall()
        stages = self.pb.stages
        found = [StageFlow(sid, stages[sid].name, seg, entered, advanced, lost, still,
                           None if median is None else float(median),
                           value_for(stages[sid].duration_days, seg))
                 for sid, seg, entered, advanced, lost, still, median in rows]
        order = list(stages)
        return sorted(found, key=lambda f: (order.index(f.stage), f.segment or ""))

    def calibration(self) -> list[Calibration]:
        varies = {sid for sid, s in self.pb.stages.items() if isinstance(s.probability, dict)}
        rows = self.con.execute(f"""
            WITH closed AS ({self._closings(Scope())})
            SELECT e.stage, CASE WHEN e.stage IN ({', '.join(_lit(s) for s in varies) or "''"})
                THEN d.segment END AS seg, count(DISTINCT e.deal_id),
                count(DISTINCT e.deal_id) FILTER (WHERE c.counts_as = 'won')
            FROM deal_entries e JOIN closed c ON c.deal_id = e.deal_id AND c.ts >= e.entered_at
            JOIN deals d ON d.deal_id = e.deal_id
            JOIN stage_facts f ON f.id = e.stage AND f.outcome IS NULL
            GROUP BY ALL
        """).fetchall()
        counted = {(sid, seg): (n, won) for sid, seg, n, won in rows}
        found = []
        for sid, stage in self.pb.stages.items():
            if stage.outcome or stage.probability is None:
                continue
            segs: list[str | None] = list(stage.probability) if isinstance(
                stage.probability, dict) else [None]
            if isinstance(stage.probability, dict):
                segs = [s for s in self.pb.segments if value_for(stage.probability, s) is not None]
            for seg in segs:
                n, won = counted.get((sid, seg), (0, 0))
                low, high = wilson(won, n)
                found.append(Calibration(sid, stage.name, seg,
                                         int(value_for(stage.probability, seg)), n, won, low,
                                         high))
        return found

    # ------------------------------------------------------------------ practices

    def practices(self, sla: list[TierCompliance], kpis: list[KpiActual]) -> \
            list[PracticeFigure]:
        pb = self.pb
        found: list[PracticeFigure] = []
        met = sum(t.met for t in sla)
        judged = met + sum(t.breached for t in sla)
        if pb.sla:
            found.append(PracticeFigure(
                "response-times", "Leads are followed up within the agreed response time",
                f"{met:,} of {judged:,} leads first touched in time" if judged
                else "no lead to judge yet", judged == met if judged else None))
        recycle = pb.sla.recycle if pb.sla else None
        if recycle is not None and recycle.to:  # else: no recycle rule stated
            row = self.con.execute(f"""
                SELECT count(*), count(*) FILTER (WHERE (SELECT count(*) FROM touches a
                    WHERE a.lead_id = r.lead_id AND a.done_at >= c.started
                    AND a.done_at <= r.entered_at) >= {int(value_for(recycle.min_touches, None) or 1)}
                    AND dr.n - ds.n >= {int(value_for(recycle.after_days, None) or 1)})
                FROM lead_first r JOIN lead_clock c USING (lead_id)
                JOIN days ds ON ds.day = CAST(c.started AS DATE)
                JOIN days dr ON dr.day = CAST(r.entered_at AS DATE)
                WHERE r.stage = {_lit(recycle.to)} AND r.entered_at > c.started
            """).fetchone()  # noqa: E501
            assert row is not None
            total, kept = int(row[0]), int(row[1] or 0)
            found.append(PracticeFigure(
                "cadence-before-recycling", "The cadence is worked before a lead is recycled",
                f"{kept:,} of {total:,} recycled leads had the whole cadence first" if total
                else "no lead recycled yet", kept == total if total else None))
        if pb.sla:
            commitment = pb.sla.marketing_commitment
            if commitment:
                periods = self.periods(commitment.per)
                complete = [p for p in periods if p[2]]
                if complete:
                    start, end, _ = complete[-1]
                    row = self.con.execute(
                        "SELECT count(*) FROM lead_first WHERE stage = ? AND entered_at >= ? "
                        "AND entered_at < ?", [commitment.stage, start, end]).fetchone()
                    count = int(row[0]) if row else 0
                    found.append(PracticeFigure(
                        "marketing-commitment", "Marketing delivers the qualified leads it "
                        "committed to", f"{count:,} of {commitment.count:,} in the "
                        f"{commitment.per} period from {start:%-d %B %Y}",
                        count >= commitment.count))
        return found

    # ------------------------------------------------------------------ all

    def run(self) -> Measurement:
        pb = self.pb
        kpis = [self.kpi(kid, kpi) for kid, kpi in pb.kpis.items()]
        campaigns = {cid: [self.kpi(k, pb.kpis[k], Scope(cid)) for k in c.kpis
                           if k in pb.kpis and pb.kpis[k].measure is not None]
                     for cid, c in pb.campaigns.items()}
        sla, untiered = self.sla()
        return Measurement(
            as_of=self.as_of, files=self.data.files, findings=self.data.findings, kpis=kpis,
            campaigns={cid: found for cid, found in campaigns.items() if found}, sla=sla,
            untiered=untiered, cadence=self.cadence(), stale=self.stale(),
            stages=self.flows(), calibration=self.calibration(),
            practices=self.practices(sla, kpis), record_level=self.record_level)


def queries(engine: Engine) -> Iterator[tuple[str, str]]:
    """(name, SQL) of every KPI query, for `warehouse.py`."""
    for kid, kpi in engine.pb.kpis.items():
        if kpi.measure is not None:
            per = kpi.measure.per or kpi.frequency or "weekly"
            yield f"kpi:{kid}", engine.kpi_sql(kpi, per, Scope())
