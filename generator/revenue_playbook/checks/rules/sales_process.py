"""Sales processes: stages form a flow from the entry stage to won and lost, with win
probabilities that rise (per segment) and touchpoints in day order."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from ...definitions.model import Playbook, SalesProcess
from ...definitions.segments import describe, key_path, pairs
from ..cycles import loop_edges
from .cadences import STEP_ORDER
from .context import Context

UNREACHABLE = Rule("PB301", "unreachable-stage", Severity.ERROR,
                   "Every stage can be reached from the process's entry stage.", "process")
NO_OUTCOME = Rule("PB302", "missing-outcome", Severity.ERROR,
                  "A process ends in at least one won and one lost stage (an outcome that "
                  "counts as won or lost).", "process")
DEAD_END = Rule("PB303", "dead-end", Severity.ERROR,
                "A working stage leads somewhere; a terminal stage (one with an `outcome`) "
                "does not.", "process")
CYCLE = Rule("PB304", "undeclared-cycle", Severity.ERROR,
             "Stages do not loop back unless the loop is declared with `returns_to`.",
             "process")
OTHER_PROCESS = Rule("PB305", "cross-process-stage", Severity.ERROR,
                     "A stage's `next`, `returns_to` and the `entry` stay within its process.",
                     "process")
PROBABILITY = Rule("PB306", "probability-order", Severity.WARNING,
                   "Win probability does not drop as a deal moves forward.", "process")
RETURN_FORWARD = Rule("PB311", "return-forward", Severity.WARNING,
                      "`returns_to` names an earlier stage.", "process")


def _order(process: SalesProcess) -> dict[str, int]:
    return {sid: i for i, sid in enumerate(process.stages)}


def _check_edges(pid: str, process: SalesProcess, ctx: Context) -> Iterator[Finding]:
    known = ctx.playbook.stages
    entry = process.entry
    if entry and entry not in process.stages and entry in known:
        yield Finding(OTHER_PROCESS, process.where("entry"),
                      f"entry stage '{entry}' belongs to another process",
                      f"Name a stage of process '{pid}'.")
    for sid, stage in process.stages.items():
        for key in ("next", "returns_to"):
            for i, target in enumerate(getattr(stage, key) or []):
                if target not in process.stages and target in known:
                    yield Finding(OTHER_PROCESS, stage.where(key, i),
                                  f"stage '{sid}' leads to '{target}' in another process",
                                  f"Name a stage of process '{pid}'.")
        order = _order(process)
        for i, target in enumerate(stage.returns_to):
            if target in order and order[target] >= order[sid]:
                yield Finding(RETURN_FORWARD, stage.where("returns_to", i),
                              f"'{target}' is not before '{sid}'",
                              "List later stages under `next`; `returns_to` is for going back.")


def _check_flow(pid: str, process: SalesProcess, pb: Playbook) -> Iterator[Finding]:
    stages = process.stages
    succ = {sid: [t for t in process.successors(sid) if t in stages] for sid in stages}
    entry = process.entry_stage()
    if entry not in stages:
        return  # reported as an unknown or cross-process stage
    # reachability over next and declared returns
    seen = {entry}
    todo = [entry]
    while todo:
        sid = todo.pop()
        for target in succ[sid] + [t for t in stages[sid].returns_to if t in stages]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    for sid, stage in stages.items():
        if sid not in seen:
            yield Finding(UNREACHABLE, stage.where(key=True),
                          f"stage '{sid}' cannot be reached from the entry stage '{entry}'",
                          "Add it to the `next` list of an earlier stage, or remove it.")
    if any(s.outcome and s.outcome not in pb.ids("outcomes") for s in stages.values()):
        return  # an unknown outcome (PB211) may be the missing won or lost one
    outcomes = {pb.counts_as(stage.outcome) for stage in stages.values()}
    for needed in ("won", "lost"):
        if needed not in outcomes:
            yield Finding(NO_OUTCOME, process.where("stages", key=True),
                          f"process '{pid}' has no {needed} stage",
                          f"Add a terminal stage with `outcome: {needed}` (or an outcome "
                          f"declared with `counts_as: {needed}`).")
    for sid, stage in stages.items():
        if stage.outcome and stage.next:
            yield Finding(DEAD_END, stage.where("next", key=True),
                          f"terminal stage '{sid}' ({stage.outcome}) has a `next` list",
                          "A stage with an outcome ends the process: remove `next`.")
        elif not stage.outcome and not process.successors(sid):
            yield Finding(DEAD_END, stage.where(key=True),
                          f"stage '{sid}' leads nowhere",
                          "Give it a `next` list, or give it an `outcome:` (won, lost, "
                          "disqualified, ...).")
    yield from _cycles(process, succ)


def _cycles(process: SalesProcess, succ: dict[str, list[str]]) -> Iterator[Finding]:
    for path, target in loop_edges(process.stages, succ):
        sid = path[-1]
        stage = process.stages[sid]
        keys = ("next", stage.next.index(target)) if stage.next else ()
        yield Finding(CYCLE, stage.where(*keys),
                      f"'{sid}' leads back to '{target}', which forms a loop",
                      f"If deals may go back, move '{target}' from `next` to `returns_to`.")


def _check_numbers(process: SalesProcess, pb: Playbook) -> Iterator[Finding]:
    order = _order(process)
    segments = [s for s in process.segments if s in pb.segments] or list(pb.segments)
    for sid, stage in process.stages.items():
        if stage.outcome:
            continue
        for target in process.successors(sid):
            if order.get(target, -1) <= order[sid]:
                continue  # only forward moves; loops are judged by PB304
            nxt = process.stages.get(target)
            if nxt is None or nxt.outcome:
                continue
            for seg, mine, theirs in pairs(stage.probability, nxt.probability, segments):
                if mine is not None and theirs is not None and theirs < mine:
                    yield Finding(PROBABILITY,
                                  nxt.where("probability", *key_path(nxt.probability, seg)),
                                  f"'{target}' has a lower win probability ({theirs}%) than "
                                  f"'{sid}' before it ({mine}%){describe(seg)}",
                                  "Probabilities usually rise as a deal advances.")
        days = [t.day for t in stage.touchpoints]
        if days != sorted(days):
            yield Finding(STEP_ORDER, stage.where("touchpoints"),
                          f"touchpoints of '{sid}' are not in day order",
                          "List them by day so the timeline reads top to bottom.")


def sales_processes(ctx: Context) -> Iterator[Finding]:
    for pid, process in ctx.playbook.processes.items():
        yield from _check_edges(pid, process, ctx)
        yield from _check_flow(pid, process, ctx.playbook)
        yield from _check_numbers(process, ctx.playbook)
