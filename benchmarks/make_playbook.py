"""Make a synthetic playbook N times the size of a real one, for benchmarks.

    python benchmarks/make_playbook.py --scale 100 /tmp/pb100 [--base process_defs]

Scale 1 is the base playbook itself (the example by default). Scale N adds N - 1 segment
copies of every sales process (with its stages), cadence, template, campaign and KPI, with
ids suffixed `_s2`, `_s3`, ... and the references between copies rewired, so the result is
as valid as the base and grows linearly. Shared definitions (company, roles, personas,
lifecycle, scoring, SLA, revenue goal, meeting) stay single, as they would in a real company
with several segments. A definition is counted once per item; a process counts its stages.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from revenue_playbook.checks.rules.references import reference_fields
from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.model import Campaign, Node, Playbook, SalesProcess, node_fields

REPLICATED = ("processes", "cadences", "templates", "campaigns", "kpis")
# kinds of reference rewired inside a copy (stages live inside processes)
RENAMED_KINDS = ("stages", "cadences", "templates", "kpis")


def _dump(node: Node) -> dict[str, Any]:
    return node.model_dump(mode="json", exclude_defaults=True, by_alias=True)


def _copy(value: Any, suffix: str, ids: dict[str, set[str]]) -> Any:
    """A copy of `value` whose references to replicated ids carry `suffix`: definitions are
    frozen, so every definition on the way is a new one."""
    if isinstance(value, dict):
        return {key: _copy(item, suffix, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item, suffix, ids) for item in value]
    if not isinstance(value, Node):
        return value
    update = {name: _copy(getattr(value, name), suffix, ids)
              for name in node_fields(type(value))}
    for name, kind in reference_fields(type(value)).items():
        if kind not in RENAMED_KINDS:
            continue
        ref = getattr(value, name)
        if isinstance(ref, list):
            update[name] = [v + suffix if v in ids[kind] else v for v in ref]
        elif ref in ids[kind]:
            update[name] = ref + suffix
    if isinstance(value, SalesProcess):
        update["stages"] = {sid + suffix: stage for sid, stage in update["stages"].items()}
    return value.model_copy(update=update)


def _as_segment(clone: Node, copy: int) -> Node:
    """Name a copy after its segment and, for a campaign, launch it `copy - 1` weeks later,
    as a company running the same plays in several segments would."""
    update: dict[str, Any] = {}
    name = getattr(clone, "name", None)
    if isinstance(name, str):
        update["name"] = f"{name} (segment {copy})"
    if isinstance(clone, Campaign):
        shift = timedelta(weeks=copy - 1)
        if clone.launch:
            update["launch"] = clone.launch + shift
        if clone.end:
            update["end"] = clone.end + shift
    return clone.model_copy(update=update)


def write_yaml(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")


def make(base: Path, scale: int, out: Path) -> int:
    """Write the scaled playbook into `out`; return how many definitions it holds."""
    result = validate(base)
    if result.errors:
        raise SystemExit(f"{base} is not valid; fix it first (playbook validate {base})")
    pb: Playbook = result.playbook
    ids = {kind: pb.ids(kind) for kind in RENAMED_KINDS}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    count = 0
    shared: dict[str, Any] = {}
    for key in ("company", "scoring", "sla", "revenue_goal", "meeting"):
        value = getattr(pb, key)
        if value is not None:
            shared[key] = _dump(value)
            count += 1
    for key in ("segments", "outcomes", "reasons", "roles", "personas", "lifecycle",
                "merge_fields", "service_levels"):
        items = getattr(pb, key)
        if items:
            shared[key] = {i: _dump(v) for i, v in items.items()}
            count += len(items)
    write_yaml(out / "shared.yaml", shared)
    for copy in range(1, scale + 1):
        suffix = "" if copy == 1 else f"_s{copy}"
        for key in REPLICATED:
            for item_id, item in getattr(pb, key).items():
                clone = _copy(item, suffix, ids)
                if copy > 1:
                    clone = _as_segment(clone, copy)
                write_yaml(out / key / f"{item_id}{suffix}.yaml", _dump(clone))
                count += 1 + (len(item.stages) if key == "processes" else 0)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--base", type=Path, default=Path("process_defs"))
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    count = make(args.base, args.scale, args.out)
    print(f"{args.out}: {count} definitions at scale {args.scale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
