"""What changed between two versions of a playbook, by meaning rather than by line.

Reps do not care that line 40 moved; they care that discovery gained an exit criterion, the
demo-request response time went from 1h to 30m, or the first follow-up email was rewritten.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..safety import markup
from .model import Node, Playbook, SalesProcess, Stage, Template, segmented_fields
from .segments import value_for


@dataclass(frozen=True)
class Change:
    """One change a reader should know about."""

    action: str  # added, removed, changed, renamed, moved
    area: str  # the page-level area: stages, templates, sla, campaigns, kpis, ...
    subject: str  # what changed, in words: "stage 'discovery'"
    detail: str = ""  # what about it: "exit criterion added", "response time"
    old: Any = None
    new: Any = None
    diff: tuple[str, ...] = field(default=())  # a text diff, for template subject and body

    def sentence(self) -> str:
        text = f"{self.subject}: {self.detail}" if self.detail else self.subject
        if self.action in ("added", "removed") and not self.detail:
            text += f" {self.action}"
        if self.old is not None or self.new is not None:
            if self.action == "changed" or self.action in ("renamed", "moved"):
                text += f" ({_show(self.old)} → {_show(self.new)})"
            elif self.action == "added" and self.detail:
                text += f": {_show(self.new)}"
            elif self.action == "removed" and self.detail:
                text += f": {_show(self.old)}"
        return text


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) or "none"
    if value is None or value == "":
        return "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, Node) else value


LABELS = {
    "exit_criteria": "exit criterion", "entry_criteria": "entry criterion",
    "competitive_notes": "competitive note", "responsibilities": "responsibility",
    "pains": "pain", "goals": "goal", "objections": "objection", "attendees": "attendee",
    "kpis": "KPI", "sales_inclusion": "sales inclusion role", "next": "next stage",
    "returns_to": "return to", "exit_on": "exit condition", "criteria": "criterion",
    "holidays": "holiday", "days": "business day", "teams": "team",
    # mappings of items, named one at a time
    "tiers": "tier", "steps": "step", "variables": "variable", "reasons": "recycle reason",
    "stages": "stage", "agenda": "agenda item", "emails": "emails", "escalation": "escalation",
}


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, list):
        return [_plain(x) for x in before] == [_plain(x) for x in after]
    return bool(_plain(before) == _plain(after))


def _fields(area: str, subject: str, old: Node, new: Node,
            skip: tuple[str, ...] = ()) -> Iterator[Change]:
    """Field-by-field changes; lists of text become 'added'/'removed' items."""
    for name in type(new).model_fields:
        if name in skip:
            continue
        before, after = getattr(old, name), getattr(new, name)
        if not _same(before, after):
            yield from _field(area, subject, type(new), name, before, after)


def _field(area: str, subject: str, kind: type[Node], name: str, before: Any,
           after: Any) -> Iterator[Change]:
    """The changes of one field whose value differs, by the shape of its value."""
    label = name.replace("_", " ")
    if isinstance(after, list) and all(isinstance(x, str) for x in [*before, *after]):
        yield from _text_items(area, subject, name, before, after)
    elif name in segmented_fields(kind) and (isinstance(before, dict)
                                             or isinstance(after, dict)):
        yield from _per_segment(area, subject, label, before, after)
    elif isinstance(after, Node) and isinstance(before, Node):
        yield from _fields(area, subject, before, after)
    elif isinstance(after, dict) and isinstance(before, dict):
        yield from _items(area, subject, LABELS.get(name, label), before, after)
    elif isinstance(after, list):
        yield Change("changed", area, subject, label, _summary(before), _summary(after))
    else:
        yield Change("changed", area, subject, label, _plain(before), _plain(after))


def _text_items(area: str, subject: str, name: str, before: list[str],
                after: list[str]) -> Iterator[Change]:
    """A list of text: each item added or removed, or the same items reordered."""
    item = LABELS.get(name, name.replace("_", " "))
    for value in after:
        if value not in before:
            yield Change("added", area, subject, f"{item} added", new=value)
    for value in before:
        if value not in after:
            yield Change("removed", area, subject, f"{item} removed", old=value)
    if sorted(before) == sorted(after):
        yield Change("changed", area, subject, f"{name.replace('_', ' ')} reordered", before,
                     after)


def _per_segment(area: str, subject: str, label: str, before: Any,
                 after: Any) -> Iterator[Change]:
    """A value per segment: which segment's value changed."""
    keys = [*(before if isinstance(before, dict) else {}),
            *(after if isinstance(after, dict) else {})]
    for seg in dict.fromkeys(keys):
        was, now = value_for(before, seg), value_for(after, seg)
        if was != now:
            yield Change("changed", area, subject, f"{label} for segment '{seg}'", was, now)


def _items(area: str, subject: str, label: str, before: dict[str, Any],
           after: dict[str, Any]) -> Iterator[Change]:
    """A mapping of items by id: each added, removed or changed (field by field)."""
    for key in after:
        if key not in before:
            yield Change("added", area, subject, f"{label} '{key}' added",
                         new=_summary(after[key]))
        elif _plain(before[key]) != _plain(after[key]):
            if isinstance(after[key], Node):
                yield from _fields(area, f"{subject}, {label} '{key}'", before[key],
                                   after[key])
            else:
                yield Change("changed", area, subject, f"{label} '{key}'", before[key],
                             after[key])
    for key in before:
        if key not in after:
            yield Change("removed", area, subject, f"{label} '{key}' removed",
                         old=_summary(before[key]))


def _summary(value: Any) -> Any:
    """A short text for an item that appeared or vanished."""
    if isinstance(value, list):
        return [_summary(v) for v in value]
    if isinstance(value, Node):
        for key in ("name", "topic", "purpose", "criterion", "template", "action"):
            text = getattr(value, key, None)
            if text:
                return text
        return ", ".join(f"{k}={v}" for k, v in value.model_dump(mode="json").items() if v)
    return value


def _similar(a: Stage, b: Stage) -> float:
    text_a = " ".join([a.name, a.purpose, *map(str, a.exit_criteria),
                       *map(str, a.entry_criteria), a.crm_stage])
    text_b = " ".join([b.name, b.purpose, *map(str, b.exit_criteria),
                       *map(str, b.entry_criteria), b.crm_stage])
    return difflib.SequenceMatcher(None, text_a, text_b).ratio()


def _touchpoints(subject: str, old: Stage, new: Stage) -> Iterator[Change]:
    def key(t: Any) -> tuple[str, str]:
        return (t.channel, t.template or t.purpose)

    before = {key(t): t for t in old.touchpoints}
    after = {key(t): t for t in new.touchpoints}
    for k, touch in after.items():
        if k not in before:
            yield Change("added", "stages", subject, "touchpoint added",
                         new=f"day {touch.day} {touch.channel}: {_summary(touch)}")
        elif before[k].day != touch.day:
            yield Change("moved", "stages", subject,
                         f"{touch.channel} touchpoint '{_summary(touch)}' moved",
                         f"day {before[k].day}", f"day {touch.day}")
        else:
            yield from _fields("stages", f"{subject}, day {touch.day} {touch.channel}",
                               before[k], touch, skip=("day",))
    for k, touch in before.items():
        if k not in after:
            yield Change("removed", "stages", subject, "touchpoint removed",
                         old=f"day {touch.day} {touch.channel}: {_summary(touch)}")


def _translate(stage: Stage, renamed: dict[str, str]) -> Stage:
    """The stage as it reads once renamed ids are replaced by their new ones."""
    if not renamed:
        return stage
    return stage.model_copy(update={
        "next": None if stage.next is None else [renamed.get(s, s) for s in stage.next],
        "returns_to": [renamed.get(s, s) for s in stage.returns_to]})


def _process(pid: str, old: SalesProcess, new: SalesProcess) -> Iterator[Change]:
    yield from _fields("stages", f"process '{pid}'", old, new, skip=("stages",))
    removed = [s for s in old.stages if s not in new.stages]
    added = [s for s in new.stages if s not in old.stages]
    renamed: dict[str, str] = {}
    for gone in removed:  # an id that vanished while a very similar stage appeared
        best = max(added, key=lambda a: _similar(old.stages[gone], new.stages[a]), default=None)
        if best and best not in renamed.values() and \
                _similar(old.stages[gone], new.stages[best]) > 0.6:
            renamed[gone] = best
    for gone, now in renamed.items():
        yield Change("renamed", "stages", f"stage '{old.stages[gone].name}'", "renamed",
                     f"{gone} ({old.stages[gone].name})", f"{now} ({new.stages[now].name})")
    for sid in added:
        if sid not in renamed.values():
            yield Change("added", "stages", f"stage '{new.stages[sid].name}' ({sid})")
    for sid in removed:
        if sid not in renamed:
            yield Change("removed", "stages", f"stage '{old.stages[sid].name}' ({sid})")
    pairs = [(s, s) for s in new.stages if s in old.stages] + list(renamed.items())
    for before_id, after_id in pairs:
        before, after = _translate(old.stages[before_id], renamed), new.stages[after_id]
        subject = f"stage '{after.name}'"
        if before.name != after.name and before_id == after_id:
            yield Change("renamed", "stages", subject, "renamed", before.name, after.name)
        yield from _fields("stages", subject, before, after, skip=("name", "touchpoints"))
        yield from _touchpoints(subject, before, after)
    if [s for s in old.stages if s in new.stages] != [s for s in new.stages if s in old.stages]:
        yield Change("changed", "stages", f"process '{pid}'", "stage order",
                     list(old.stages), list(new.stages))


def _template(tid: str, old: Template, new: Template) -> Iterator[Change]:
    subject = f"template '{new.name}' ({tid})"
    for name in ("subject", "body"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            lines = difflib.unified_diff(before.splitlines(), after.splitlines(),
                                         f"{name} before", f"{name} after", lineterm="", n=1)
            yield Change("changed", "templates", subject, f"{name} rewritten",
                         diff=tuple(lines))
    yield from _fields("templates", subject, old, new, skip=("subject", "body"))


AREAS: list[tuple[str, str, str]] = [
    # (playbook attribute, area, noun)
    ("roles", "roles", "role"), ("personas", "personas", "persona"),
    ("lifecycle", "lifecycle", "lifecycle stage"), ("cadences", "cadences", "cadence"),
    ("merge_fields", "templates", "merge field"), ("campaigns", "campaigns", "campaign"),
    ("kpis", "kpis", "KPI"), ("funnel", "lifecycle", "funnel phase"),
]
SINGLETONS = [("company", "company", "company"), ("scoring", "lifecycle", "lead scoring"),
              ("sla", "sla", "SLA"), ("revenue_goal", "kpis", "revenue goal"),
              ("meeting", "meeting", "revenue meeting")]


def diff_playbooks(old: Playbook, new: Playbook) -> list[Change]:
    """Every change from `old` to `new`, grouped by area in a stable order."""
    changes: list[Change] = []
    for pid in new.processes:
        if pid in old.processes:
            changes += _process(pid, old.processes[pid], new.processes[pid])
        else:
            changes.append(Change("added", "stages", f"process '{new.processes[pid].name}'"))
    changes += [Change("removed", "stages", f"process '{old.processes[pid].name}'")
                for pid in old.processes if pid not in new.processes]
    for tid, template in new.templates.items():
        if tid in old.templates:
            changes += _template(tid, old.templates[tid], template)
        else:
            changes.append(Change("added", "templates", f"template '{template.name}' ({tid})"))
    changes += [Change("removed", "templates", f"template '{t.name}' ({tid})")
                for tid, t in old.templates.items() if tid not in new.templates]
    for attr, area, noun in AREAS:
        before, after = getattr(old, attr), getattr(new, attr)
        for item_id, item in after.items():
            name = getattr(item, "name", "") or item_id
            subject = f"{noun} '{name}'" + (f" ({item_id})" if name != item_id else "")
            if item_id not in before:
                changes.append(Change("added", area, subject))
            else:
                changes += _fields(area, subject, before[item_id], item)
        changes += [Change("removed", area, f"{noun} '{getattr(i, 'name', '') or item_id}'")
                    for item_id, i in before.items() if item_id not in after]
    for attr, area, noun in SINGLETONS:
        before, after = getattr(old, attr), getattr(new, attr)
        if before is None and after is not None:
            changes.append(Change("added", area, noun))
        elif before is not None and after is None:
            changes.append(Change("removed", area, noun))
        elif before is not None and after is not None:
            changes += _fields(area, noun, before, after)
    return sorted(changes, key=lambda c: AREA_ORDER.index(c.area))


# How a "what changed" page reads: what reps feel first, then the rest.
AREA_ORDER = ["stages", "sla", "lifecycle", "cadences", "templates", "campaigns", "kpis",
              "meeting", "roles", "personas", "company"]


AREA_TITLES = {"stages": "Sales process", "sla": "SLA", "lifecycle": "Lead lifecycle",
               "cadences": "Cadences", "templates": "Email templates",
               "campaigns": "Campaigns", "kpis": "Scorecard", "meeting": "Revenue meeting",
               "roles": "Roles", "personas": "Personas", "company": "Company"}


def changes_to_text(changes: list[Change]) -> str:
    if not changes:
        return "No changes."
    lines: list[str] = []
    area = None
    for change in changes:
        if change.area != area:
            area = change.area
            lines += ["", AREA_TITLES[area]] if lines else [AREA_TITLES[area]]
        lines.append(f"  {_MARK[change.action]} {change.sentence()}")
        lines += [f"      {line}" for line in change.diff]
    return "\n".join(lines)


def changes_to_markdown(changes: list[Change]) -> str:
    """Markdown for a "What changed" page; user text is escaped so it cannot inject HTML."""
    if not changes:
        return "No changes to the definitions.\n"
    out: list[str] = []
    area = None
    for change in changes:
        if change.area != area:
            area = change.area
            out += ["", f"## {AREA_TITLES[area]}", ""]
        out.append(f"- **{change.action}** {_markdown_text(change.sentence())}")
        if change.diff:
            out += ["", "    ```diff", *[f"    {line}" for line in change.diff], "    ```", ""]
    return "\n".join(out).lstrip("\n") + "\n"


def changes_to_json(changes: list[Change]) -> list[dict[str, Any]]:
    return [{"action": c.action, "area": c.area, "subject": c.subject, "detail": c.detail,
             "old": c.old, "new": c.new, "diff": list(c.diff), "text": c.sentence()}
            for c in changes]


def _markdown_text(text: str) -> str:
    """Plain text safe inside Markdown: no HTML, emphasis, links or attribute lists, and
    on one line (a line break could start a `{: … }` attribute list of the item)."""
    return str(markup.text(text))


_MARK = {"added": "+", "removed": "-", "changed": "~", "renamed": "~", "moved": "~"}
