"""What validating again after a one-file edit costs (`playbook serve`, `preview --watch`).

    python benchmarks/revalidate.py [--scales 1 10 100] [--rounds 7] [--json FILE]

For each scale (1 is the example; N is `make_playbook.py --scale N`), each round edits one
template's subject and validates the playbook twice, in turn: afresh (every file parsed,
every model built, every check run, as `playbook validate` does) and with the ReadCache
kept from the rounds before (as serve does: only the edited file is parsed and built
again, and the checks of unchanged definitions are reused). Both must find exactly the
same. Each run starts after a full garbage collection, so that neither pays for the
other's garbage. Reported: the median wall and CPU time of each, and the pairwise CPU ratio
(cached / fresh) with its spread.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import measure
import yaml
from make_playbook import make

from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.definitions.config import load_settings
from revenue_playbook.definitions.loader import ReadCache

ROOT = Path(__file__).resolve().parent.parent


def bench(defs: Path, rounds: int) -> dict[str, Any]:
    settings = load_settings(defs)
    cache = ReadCache()
    validate(defs, settings, cache)
    template = sorted((defs / "templates").glob("*.yaml"))[0]
    data = yaml.safe_load(template.read_text())
    results: dict[str, Result] = {}
    round_no = [0]

    def edit_then(name: str, use_cache: bool) -> measure.Sample:
        if name == "fresh":  # each round edits once, before its first run
            round_no[0] += 1
            template.write_text(yaml.safe_dump(
                {**data, "subject": f"Edited subject {round_no[0]}"}, sort_keys=False))
        gc.collect()  # no run pays for the garbage the run before left
        sample = measure.call(lambda: results.__setitem__(
            name, validate(defs, settings, cache if use_cache else None)))
        return sample

    def cached() -> measure.Sample:
        sample = edit_then("cached", True)
        if results["cached"].findings != results["fresh"].findings:
            raise SystemExit("validating with the cache found something else than afresh")
        return sample

    samples = measure.interleave({"fresh": lambda: edit_then("fresh", False),
                                  "cached": cached}, rounds)
    fresh, again = measure.median(samples["fresh"]), measure.median(samples["cached"])
    comparison = measure.compare(samples["fresh"], samples["cached"])
    return {"files": sum(1 for _ in defs.rglob("*.yaml")), "rounds": rounds,
            "fresh_wall_s": fresh.wall, "fresh_cpu_s": fresh.cpu,
            "cached_wall_s": again.wall, "cached_cpu_s": again.cpu,
            **comparison.as_dict()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="revalidate-"))
    here = Path.cwd()
    try:
        for scale in args.scales:
            defs = work / f"s{scale}" / "process_defs"
            if scale == 1:
                shutil.copytree(ROOT / "process_defs", defs)
            else:
                make(ROOT / "process_defs", scale, defs)
            os.chdir(defs.parent)
            out[str(scale)] = figures = bench(defs, args.rounds)
            os.chdir(here)
            print(f"scale {scale:>3} ({figures['files']:,} files): afresh "
                  f"{figures['fresh_cpu_s']:.3f} s CPU / {figures['fresh_wall_s']:.3f} s wall, "
                  f"after an edit with the cache {figures['cached_cpu_s']:.3f} s CPU / "
                  f"{figures['cached_wall_s']:.3f} s wall; cached/fresh CPU "
                  f"{figures['ratio_cpu']:.2f} ({figures['ratio_cpu_spread'][0]:.2f}–"
                  f"{figures['ratio_cpu_spread'][1]:.2f}), {figures['verdict']}")
    finally:
        os.chdir(here)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
