"""Deal hygiene: a stale deal is warned about, then acted on, the same way in every segment
it applies to."""

from __future__ import annotations

from collections.abc import Iterator

from ...definitions.findings import Finding, Rule, Severity
from ...definitions.model import Hygiene, Playbook, SalesProcess, Stage
from ...definitions.segments import describe, key_path, pairs
from ...definitions.wording import count
from .context import Context

HYGIENE = Rule("PB313", "deal-hygiene", Severity.ERROR,
               "A deal hygiene policy acts after it warns, on a working stage, with an action "
               "that names where the deal goes and why.", "process")
STALE = Rule("PB307", "stale-limit", Severity.WARNING,
             "A stage's stale-deal warning comes after its typical duration.", "process")


def _segments(pb: Playbook, process: SalesProcess) -> list[str]:
    return [s for s in process.segments if s in pb.segments] or list(pb.segments)


def _policy(pb: Playbook, process: SalesProcess, sid: str,
            stage: Stage) -> Iterator[Finding]:
    rule = stage.hygiene
    if rule is None:
        return
    if stage.outcome:
        yield Finding(HYGIENE, stage.where("hygiene", key=True),
                      f"terminal stage '{sid}' ({stage.outcome}) has a deal hygiene policy",
                      "A closed deal cannot go stale: remove `hygiene:` from this stage.")
        return
    segments = _segments(pb, process)
    if rule.warn_after is None and rule.act_after is None:
        yield Finding(HYGIENE, stage.where("hygiene", key=True),
                      f"the deal hygiene policy of stage '{sid}' has no `warn_after` or "
                      "`act_after`", "Say after how many days without activity it applies.")
    yield from _acts_after_warning(rule, sid, segments)
    yield from _action(rule, sid)
    target = process.stages.get(rule.to) if rule.to else None
    if target is not None:
        yield from _target(pb, rule, sid, target)
    if rule.action not in ("close",) and rule.reason is not None:
        yield Finding(HYGIENE, rule.where("reason"),
                      f"a reason is given for `action: {rule.action}` on stage '{sid}'",
                      "Reasons are recorded when a deal is closed: use `action: close`.")
    if rule.to is not None and rule.to not in process.stages:
        return  # another process's or unknown stage: reported by PB305 / PB203
    yield from _stale_after_typical(rule, sid, stage, segments)


def _acts_after_warning(rule: Hygiene, sid: str, segments: list[str]) -> Iterator[Finding]:
    for seg, warn, act in pairs(rule.warn_after, rule.act_after, segments):
        if warn is not None and act is not None and act <= warn:
            yield Finding(HYGIENE, rule.where("act_after", *key_path(rule.act_after, seg)),
                          f"stage '{sid}' acts on a stale deal after {count(act, 'day')}"
                          f"{describe(seg)}, not after the warning at {count(warn, 'day')}",
                          "`act_after` must be longer than `warn_after`.")


def _action(rule: Hygiene, sid: str) -> Iterator[Finding]:
    """`act_after` and `action` come together, and closing or moving says where to."""
    if rule.act_after is not None and rule.action is None:
        yield Finding(HYGIENE, rule.where("act_after", key=True),
                      f"stage '{sid}' says when to act on a stale deal but not what to do",
                      "Add `action: notify_owner`, `notify_manager`, `close` (with `to:` and "
                      "`reason:`) or `move` (with `to:`).")
    if rule.action is not None and rule.act_after is None:
        yield Finding(HYGIENE, rule.where("action"),
                      f"stage '{sid}' has a stale-deal action but no `act_after`",
                      "Add `act_after: <days>` (longer than `warn_after`).")
    if rule.action in ("close", "move") and rule.to is None:
        yield Finding(HYGIENE, rule.where("action"),
                      f"`action: {rule.action}` on stage '{sid}' does not say where to",
                      "Add `to: <stage id>` (a lost stage for `close`).")


def _target(pb: Playbook, rule: Hygiene, sid: str, target: Stage) -> Iterator[Finding]:
    """A stale deal is closed into a lost stage, with one of its reasons, or moved to a
    working stage."""
    if rule.action == "close":
        kind = pb.counts_as(target.outcome)
        if kind is None:
            yield Finding(HYGIENE, rule.where("to"),
                          f"stale deals in '{sid}' are closed into '{rule.to}', which is not a "
                          "terminal stage", "Close into a lost stage, or use `action: move`.")
        elif kind == "won":
            yield Finding(HYGIENE, rule.where("to"),
                          f"stale deals in '{sid}' are closed as won in '{rule.to}'",
                          "Close stale deals into a lost stage.")
        if rule.reason is None:
            yield Finding(HYGIENE, rule.where("action"),
                          f"stale deals in '{sid}' are closed without a reason",
                          "Add `reason: <reason id>` so the loss report shows why.")
        elif target.reasons and rule.reason not in target.reasons:
            yield Finding(HYGIENE, rule.where("reason"),
                          f"reason '{rule.reason}' is not one of the reasons of '{rule.to}' "
                          f"({', '.join(target.reasons)})",
                          f"Add it to the `reasons:` of '{rule.to}', or pick one of them.")
    if rule.action == "move" and target.outcome:
        yield Finding(HYGIENE, rule.where("to"),
                      f"`action: move` sends stale deals in '{sid}' to terminal stage "
                      f"'{rule.to}'", "Use `action: close` to end a deal.")


def _stale_after_typical(rule: Hygiene, sid: str, stage: Stage,
                         segments: list[str]) -> Iterator[Finding]:
    for seg, warn, typical in pairs(rule.warn_after, stage.duration_days, segments):
        if warn is None or typical is None:
            continue
        business = warn if rule.days == "business" else warn * 5 / 7
        if business <= typical:
            yield Finding(STALE, rule.where("warn_after", *key_path(rule.warn_after, seg)),
                          f"'{sid}' is stale after {count(warn, rule.days + ' day')}"
                          f"{describe(seg)} but typically takes "
                          f"{count(typical, 'business day')}",
                          "Warn only after the typical duration has passed.")


def deal_hygiene(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    for process in pb.processes.values():
        for sid, stage in process.stages.items():
            yield from _policy(pb, process, sid, stage)

