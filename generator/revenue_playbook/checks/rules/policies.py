"""Policies stated beside the stages, checked against what the stages say: how deals may
move (forward only, never skipping, entered only from some stages), which deal stages put
a lead in which lifecycle stage, and who a campaign must not reach."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from ...definitions.model import Campaign, Playbook, SalesProcess
from .context import Context

MOVEMENT = Rule("PB319", "movement-policy", Severity.ERROR,
                "Every `next` and `returns_to` keeps the process's movement policy (forward "
                "only, no skipping) and each stage's `enter_from`.", "process")
DEAL_MAP = Rule("PB320", "lifecycle-deal-stages", Severity.ERROR,
                "Each deal stage belongs to at most one lifecycle stage, in the same order "
                "as the lifecycle.", "process")
AUDIENCE = Rule("PB614", "campaign-audience", Severity.WARNING,
                "A campaign does not reach whom it excludes, nor deals in stages excluded "
                "from campaigns.", "campaigns")


def _working(process: SalesProcess) -> list[str]:
    return [sid for sid, stage in process.stages.items() if not stage.outcome]


def movement(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    for pid, process in pb.processes.items():
        order = list(process.stages)
        working = _working(process)
        for sid, stage in process.stages.items():
            here = order.index(sid)
            for i, target in enumerate(stage.next or []):
                if target not in process.stages:
                    continue  # PB203 / PB305
                there = order.index(target)
                if "forward_only" in process.movement and there < here:
                    yield Finding(MOVEMENT, stage.where("next", i),
                                  f"'{sid}' leads back to '{target}', but process '{pid}' "
                                  "moves forward only", "Remove it, or drop `forward_only`.")
                if "no_skipping" in process.movement and sid in working \
                        and target in working and there > here:
                    following = working[working.index(sid) + 1]
                    if target != following:
                        yield Finding(MOVEMENT, stage.where("next", i),
                                      f"'{sid}' skips to '{target}', but in process '{pid}' "
                                      f"a deal never skips a stage (next is '{following}')",
                                      f"Go to '{following}' first, or drop `no_skipping`.")
            if "forward_only" in process.movement:
                for i, target in enumerate(stage.returns_to):
                    yield Finding(MOVEMENT, stage.where("returns_to", i),
                                  f"'{sid}' may return to '{target}', but process '{pid}' "
                                  "moves forward only", "Remove the loop, or drop "
                                  "`forward_only`.")
        yield from _entered_only_from(pb, process)


def _entered_only_from(pb: Playbook, process: SalesProcess) -> Iterator[Finding]:
    for target, stage in process.stages.items():
        if not stage.enter_from:
            continue
        allowed = set(stage.enter_from)
        for sid in process.stages:
            source = process.stages[sid]
            if sid in allowed or target not in process.successors(sid):
                continue
            at = source.where("next", (source.next or []).index(target)) \
                if source.next and target in source.next else source.where(key=True)
            names = ", ".join(f"'{s}'" for s in stage.enter_from)
            yield Finding(MOVEMENT, at,
                          f"'{sid}' leads to '{target}', which is entered only from {names}",
                          f"Remove '{target}' from the `next` of '{sid}', or add '{sid}' to "
                          f"the `enter_from` of '{target}'.")


def lifecycle_deal_stages(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    owner: dict[str, str] = {}
    for lid, life in pb.lifecycle.items():
        for i, sid in enumerate(life.deal_stages):
            if sid in owner:
                yield Finding(DEAL_MAP, life.where("deal_stages", i),
                              f"deal stage '{sid}' puts a lead in lifecycle stage "
                              f"'{owner[sid]}' and in '{lid}'",
                              "A deal stage belongs to one lifecycle stage: keep it in one.")
            else:
                owner[sid] = lid
    # a later lifecycle stage maps to later deal stages of the same process
    lifecycle_order = list(pb.lifecycle)
    for process in pb.processes.values():
        order = list(process.stages)
        mapped = [(lifecycle_order.index(owner[sid]), order.index(sid), sid)
                  for sid in order if sid in owner and not process.stages[sid].outcome]
        for (life_a, _, sid_a), (life_b, _, sid_b) in itertools.pairwise(mapped):
            if life_b < life_a:
                life = pb.lifecycle[owner[sid_b]]
                yield Finding(DEAL_MAP, life.where("deal_stages",
                                                   life.deal_stages.index(sid_b)),
                              f"deal stage '{sid_b}' comes after '{sid_a}' but puts the lead "
                              f"in an earlier lifecycle stage ('{owner[sid_b]}' before "
                              f"'{owner[sid_a]}')",
                              "Map deal stages to lifecycle stages in the same order.")


def reached_deal_stages(pb: Playbook, campaign: Campaign) -> set[str]:
    """The deal stages a campaign's audience reaches: those it names, and those that put a
    lead in a lifecycle stage it names."""
    audience = campaign.audience
    if audience is None:
        return set()
    reached = set(audience.deal_stages)
    for lid in audience.lifecycle:
        life = pb.lifecycle.get(lid)
        if life is not None:
            reached.update(life.deal_stages)
    return reached


def campaign_audiences(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    for cid, campaign in pb.campaigns.items():
        audience = campaign.audience
        if audience is None:
            continue
        for i, lid in enumerate(audience.lifecycle):
            if lid in audience.exclude_lifecycle:
                yield Finding(AUDIENCE, audience.where("lifecycle", i),
                              f"campaign '{cid}' both reaches and excludes lifecycle stage "
                              f"'{lid}'", "Keep it in one of the two lists.")
        excluded = set(audience.exclude_deal_stages)
        for sid in sorted(reached_deal_stages(pb, campaign)):
            stage = pb.stages.get(sid)
            if stage is None:
                continue
            if sid in excluded:
                why = "which the campaign excludes"
            elif stage.no_campaigns:
                why = "which is excluded from campaigns (`no_campaigns`)"
            else:
                continue
            direct = sid in audience.deal_stages
            via = next((lid for lid in audience.lifecycle
                        if lid in pb.lifecycle and sid in pb.lifecycle[lid].deal_stages), None)
            at = audience.where("deal_stages", audience.deal_stages.index(sid)) if direct \
                else audience.where("lifecycle", audience.lifecycle.index(via or ""))
            through = "" if direct else f" (through lifecycle stage '{via}')"
            yield Finding(AUDIENCE, at,
                          f"campaign '{cid}' reaches deals in stage '{sid}'{through}, {why}",
                          f"Add '{sid}' to `exclude_deal_stages`, or narrow the audience.")


STALE_STATUS = Rule("PB321", "lead-status-stale", Severity.ERROR,
                    "A lead status that goes stale says after how long and to which other, "
                    "unconverted status.", "process")


def lead_status_staleness(ctx: Context) -> Iterator[Finding]:
    statuses = ctx.playbook.lead_statuses
    for sid, status in statuses.items():
        if (status.stale_after is None) != (status.stale_to is None):
            has, missing = ("stale_after", "stale_to") if status.stale_to is None \
                else ("stale_to", "stale_after")
            yield Finding(STALE_STATUS, status.where(has),
                          f"lead status '{sid}' has `{has}` but no `{missing}`",
                          "Say both: after how many days, and to which status.")
            continue
        target = statuses.get(status.stale_to) if status.stale_to else None
        if status.stale_to == sid:
            yield Finding(STALE_STATUS, status.where("stale_to"),
                          f"lead status '{sid}' goes stale into itself",
                          "Name another status (e.g. a recycle or nurture status).")
        elif target is not None and target.converted:
            yield Finding(STALE_STATUS, status.where("stale_to"),
                          f"a stale lead in '{sid}' would be converted ('{status.stale_to}')",
                          "A lead is converted by a rep, never for going stale.")
