"""What `playbook measure` found, as plain values for the reporters and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..definitions.findings import Finding
from .load import FileCount


@dataclass
class Period:
    start: date
    end: date  # the first day after the period
    value: float | None
    count: int  # what the value was computed over (leads, deals, pairs)
    complete: bool


@dataclass
class KpiActual:
    id: str
    name: str
    unit: str
    target: float | None  # None: the playbook states no target
    better: str
    per: str
    kind: str | None  # None: not measured (a free-text formula)
    periods: list[Period] = field(default_factory=list)
    scope: str = ""  # a campaign id when measured for one campaign

    @property
    def latest(self) -> Period | None:
        """The last complete period with data (the one judged against the target)."""
        return next((p for p in reversed(self.periods) if p.complete and p.value is not None),
                    None)

    @property
    def status(self) -> str:
        if self.kind is None:
            return "not measured"
        latest = self.latest
        if latest is None or latest.value is None:
            return "no data"
        if self.target is None:
            return "no target"
        if self.target is None:
            return "no target"  # measured, but nothing agreed to judge it against
        worse = latest.value < self.target if self.better == "higher" \
            else latest.value > self.target
        return "breached" if worse else "met"


@dataclass
class TierCompliance:
    tier: str
    name: str
    segment: str | None
    limit_minutes: float
    leads: int
    met: int
    breached: int
    pending: int
    median_minutes: float | None

    @property
    def compliance(self) -> float | None:
        judged = self.met + self.breached
        return 100 * self.met / judged if judged else None


@dataclass
class CadenceAdherence:
    tier: str
    cadence: str
    steps: int
    leads: int  # leads whose cadence window has ended without an exit
    touches: int  # touches made inside the window, at most `steps` per lead
    complete: int  # leads with every step made

    @property
    def adherence(self) -> float | None:
        return 100 * self.touches / (self.leads * self.steps) if self.leads and self.steps \
            else None


@dataclass
class StaleStage:
    stage: str
    name: str
    open: int
    past_warn: int
    past_act: int
    by_owner: dict[str, tuple[int, int]] = field(default_factory=dict)  # record-level only
    deals: list[tuple[str, str, str, int]] = field(default_factory=list)  # id, name, owner, days


@dataclass
class StageFlow:
    stage: str
    name: str
    segment: str | None
    entered: int
    advanced: int
    lost: int
    open: int
    median_days: float | None
    declared_days: int | None

    @property
    def conversion(self) -> float | None:
        done = self.advanced + self.lost
        return 100 * self.advanced / done if done else None


@dataclass
class Calibration:
    stage: str
    name: str
    segment: str | None
    declared: int
    closed: int
    won: int
    low: float | None  # Wilson 95 % interval of the observed win rate, percent
    high: float | None

    @property
    def observed(self) -> float | None:
        return 100 * self.won / self.closed if self.closed else None

    @property
    def verdict(self) -> str:
        if not self.closed or self.low is None or self.high is None:
            return "no closed deals yet"
        if self.declared < self.low:
            return "declared too low"
        if self.declared > self.high:
            return "declared too high"
        return "consistent"


@dataclass
class PracticeFigure:
    id: str
    title: str
    figure: str  # the measured fact in words
    met: bool | None  # None: the data cannot say


@dataclass
class Measurement:
    as_of: datetime
    files: list[FileCount]
    findings: list[Finding]
    kpis: list[KpiActual]
    campaigns: dict[str, list[KpiActual]]
    sla: list[TierCompliance]
    untiered: int  # leads with no tier, or none for their segment: not judged
    cadence: list[CadenceAdherence]
    stale: list[StaleStage]
    stages: list[StageFlow]
    calibration: list[Calibration]
    practices: list[PracticeFigure]
    record_level: bool = False

    @property
    def breached(self) -> list[KpiActual]:
        return [k for k in self.kpis if k.status == "breached"]
