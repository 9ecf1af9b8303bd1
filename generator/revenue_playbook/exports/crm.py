"""What the CRM targets (Salesforce, HubSpot) read the same way from the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import LifecycleStage, Playbook, SalesProcess, Stage
from ..segments import DEFAULT

# Salesforce's forecast categories by their API names ("Forecast" is shown as "Commit").
FORECAST_CATEGORIES = ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed")
_BY_WORD = {"omitted": "Omitted", "pipeline": "Pipeline", "best_case": "BestCase",
            "bestcase": "BestCase", "commit": "Forecast", "forecast": "Forecast",
            "closed": "Closed"}


def forecast_category(stage: Stage) -> str:
    """The stage's forecast category as Salesforce names it.

    A stage that states one (`forecast_category`) keeps it. Otherwise the default is
    Salesforce's own for its standard stages: won is Closed, lost is Omitted, and every open
    stage is Pipeline, whatever its probability (Salesforce Help, "Forecast Categories").
    """
    stated = one_value(stage.forecast_category)
    if stated:
        return _BY_WORD.get(str(stated).lower().replace(" ", "_"), "Pipeline")
    if stage.outcome == "won":
        return "Closed"
    if stage.outcome:  # lost, disqualified, recycled or a team's own ending
        return "Omitted"
    return "Pipeline"


def one_value(value: object) -> Any:
    """A per-segment value as a CRM with one value per stage takes it: the default, else the
    first segment's."""
    if isinstance(value, dict):
        return value.get(DEFAULT, next(iter(value.values()), None))
    return value


def stage_value(stage: Stage) -> str:
    """The stage's picklist value: its CRM name where given, else its name."""
    return stage.crm_stage or stage.name


def probability(stage: Stage) -> int:
    """Win probability in percent: stated, or 100 won / 0 lost / 0 when unknown."""
    if stage.probability is not None:
        return int(one_value(stage.probability))
    return 100 if stage.outcome == "won" else 0


def key_fields(stage: Stage) -> list[str]:
    """The CRM fields a rep fills in at this stage (API names): its `required_fields`."""
    return list(stage.required_fields)


@dataclass(frozen=True)
class LeadStatus:
    id: str
    stage: LifecycleStage
    converted: bool


def converted_stage(playbook: Playbook) -> str | None:
    """The lifecycle stage at which a lead is converted into a contact and an opportunity.

    Stated with `converted: true` on a lifecycle stage; by default the last stage (in the
    order written) worked by the sales team, which in a lead -> MQL -> SAL -> SQL ->
    opportunity lifecycle is the opportunity.
    """
    for sid, stage in playbook.lifecycle.items():
        if stage.converted:
            return sid
    sales = [sid for sid, stage in playbook.lifecycle.items() if stage.team == "sales"]
    return sales[-1] if sales else None


def lead_statuses(playbook: Playbook) -> list[LeadStatus]:
    """The lifecycle stages a lead (not yet a contact) can be in, in the order written: every
    stage but those reached only by passing the converted stage (a customer, say)."""
    converted = converted_stage(playbook)
    stages = playbook.lifecycle
    targets = {n for stage in stages.values() for n in stage.next}
    roots = [sid for sid in stages if sid not in targets] or list(stages)[:1]

    def reach(stop: str | None) -> set[str]:
        seen: set[str] = set()
        pending = list(roots)
        while pending:
            sid = pending.pop()
            if sid in seen or sid not in stages:
                continue
            seen.add(sid)
            if sid != stop:
                pending.extend(stages[sid].next)
        return seen

    only_after = reach(None) - reach(converted)
    return [LeadStatus(sid, stage, sid == converted)
            for sid, stage in stages.items() if sid not in only_after]


def ordered_stages(process: SalesProcess) -> list[tuple[str, Stage]]:
    """A process's stages as a CRM lists them: open stages in order, then won, then lost."""
    rank = {None: 0, "won": 1, "recycled": 2, "lost": 3}
    return sorted(process.stages.items(), key=lambda item: rank.get(item[1].outcome, 3))
