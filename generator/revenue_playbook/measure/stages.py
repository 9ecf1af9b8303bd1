"""How the CRM names the playbook's stages: each lifecycle and sales stage is found in the
data by its id, its CRM values (`crm: {salesforce, hubspot}` and `crm_stage`, as `playbook
export` writes them) or its name, in any case. A lead status used in exactly one lifecycle
stage names that stage too (Salesforce's Lead Status history)."""

from __future__ import annotations

from ..definitions.model import CRMS, Playbook, crm_name
from ..exports.crm import stage_value


def lifecycle_values(playbook: Playbook) -> list[tuple[str, str]]:
    """(value in lower case, lifecycle stage id) for every way the data may name a stage."""
    pairs: dict[str, str] = {}
    for sid, stage in playbook.lifecycle.items():
        for value in (sid, *_crm_values(stage), stage.crm_stage, stage.name):
            if value:
                pairs.setdefault(value.strip().lower(), sid)
    for status_id, status in playbook.lead_statuses.items():
        if len(status.lifecycle) == 1:
            for value in (status_id, *_crm_values(status), status.name):
                pairs.setdefault(value.strip().lower(), status.lifecycle[0])
    return list(pairs.items())


def _crm_values(node: object) -> list[str]:
    names = [crm_name(node, crm) for crm in CRMS]
    return [n.value for n in names if n is not None] + [n.label for n in names if n is not None]


def sales_values(playbook: Playbook) -> list[tuple[str, str]]:
    """(value in lower case, sales stage id), from every process."""
    pairs: dict[str, str] = {}
    for sid, stage in playbook.stages.items():
        for value in (sid, *_crm_values(stage), stage_value(stage), stage.name):
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
