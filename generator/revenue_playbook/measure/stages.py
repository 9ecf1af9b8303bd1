"""How the CRM names the playbook's stages: each lifecycle and sales stage is found in the
data by its id, its CRM value (`crm_stage`, as `playbook export` writes it) or its name,
in any case."""

from __future__ import annotations

from ..exports.crm import stage_value
from ..model import Playbook


def lifecycle_values(playbook: Playbook) -> list[tuple[str, str]]:
    """(value in lower case, lifecycle stage id) for every way the data may name a stage."""
    pairs: dict[str, str] = {}
    for sid, stage in playbook.lifecycle.items():
        for value in (sid, stage.crm_stage, stage.name):
            if value:
                pairs.setdefault(value.strip().lower(), sid)
    return list(pairs.items())


def sales_values(playbook: Playbook) -> list[tuple[str, str]]:
    """(value in lower case, sales stage id), from every process."""
    pairs: dict[str, str] = {}
    for sid, stage in playbook.stages.items():
        for value in (sid, stage_value(stage), stage.name):
            if value:
                pairs.setdefault(value.strip().lower(), sid)
    return list(pairs.items())


def values(playbook: Playbook, kind: str) -> list[str]:
    """The values a message lists as known: each stage's CRM value, else its id."""
    if kind == "lifecycle":
        return [stage.crm_stage or sid for sid, stage in playbook.lifecycle.items()]
    return [stage_value(stage) for stage in playbook.stages.values()]


def sales_facts(playbook: Playbook) -> list[tuple[str, str, int, str | None, str | None]]:
    """(stage id, process id, position, outcome, won/lost/other) of every sales stage."""
    return [(sid, pid, i, stage.outcome, playbook.counts_as(stage.outcome))
            for pid, process in playbook.processes.items()
            for i, (sid, stage) in enumerate(process.stages.items())]
