"""A one-line change built with a restored build cache, against a cold `playbook build`.

    python benchmarks/build_cache.py [--scale 100] [--runs 3] [--work DIR]

Makes a playbook of `--scale` times the example (benchmarks/make_playbook.py; scale 100 has
over 3,100 pages), builds it once to fill the caches, then runs in turn (A B, B A, A B ...):

- cold: `playbook build --no-cache` (the build cache neither read nor written; diagrams
  from their own cache, as in `build_s`);
- cached: one template's subject changed (a different text each round), then
  `playbook build` with the build cache the previous cached round left.

Prints CPU time beside wall time for each (medians) and the ratio cached / cold pair by
pair, and checks that the cached build's site is byte for byte a cold build's of the same
sources. `measure_cached_build` is what `make bench` calls (benchmarks/run.py: at scale 100,
and at scale 10 in `make bench-quick`), for the target "cached one-line change <= 0.10 of a
cold build".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from make_playbook import make
from measure import compare, interleave, median, run
from run import ENV, PLAYBOOK, ROOT, mkdocs_config, write_config

TEMPLATE = "contract_redlines"


def _tree_digest(folder: Path) -> str:
    hasher = hashlib.blake2b()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hasher.update(path.relative_to(folder).as_posix().encode() + b"\0")
            hasher.update(hashlib.blake2b(path.read_bytes()).digest())
    return hasher.hexdigest()


def _set_subject(template: Path, subject: str) -> None:
    lines = template.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines):
        if line.startswith("subject:"):
            lines[number] = "subject: " + json.dumps(subject)
            break
    template.write_text("\n".join(lines), encoding="utf-8")


def measure_cached_build(repo: Path, runs: int) -> dict[str, Any]:
    """Interleaved cold and cached builds of the playbook in `repo` (its mkdocs.yml and
    process_defs/ written), one template's subject edited before each cached one."""
    # run.py's environment turns the build cache off for its own builds: on here
    env = {key: value for key, value in ENV.items() if key != "PLAYBOOK_BUILD_CACHE"}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    template = repo / "process_defs" / "templates" / f"{TEMPLATE}.yaml"
    original = yaml.safe_load(template.read_text(encoding="utf-8"))["subject"]
    rounds = iter(range(10**6))
    run([*PLAYBOOK, "build"], cwd=repo, env=env)  # fills the diagram and build caches

    def cached() -> Any:
        _set_subject(template, f"{original} ({next(rounds)})")
        return run([*PLAYBOOK, "build", "-d", "site-cached"], cwd=repo, env=env)

    def cold() -> Any:
        return run([*PLAYBOOK, "build", "--no-cache", "-d", "site-cold"], cwd=repo, env=env)

    timed = interleave({"cold": cold, "cached": cached}, runs)
    # the last cached build and a cold build of the same sources: the same bytes
    cold()
    same = _tree_digest(repo / "site-cached") == _tree_digest(repo / "site-cold")
    _set_subject(template, original)
    versus = compare(timed["cold"], timed["cached"])
    return {"cold_s": median(timed["cold"]).wall, "cold_cpu_s": median(timed["cold"]).cpu,
            "cached_s": median(timed["cached"]).wall,
            "cached_cpu_s": median(timed["cached"]).cpu,
            "cached_vs_cold": versus.ratio, "comparison": versus.as_dict(),
            "identical": same}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None,
                        help="where to make the playbook (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        repo = (args.work or Path(temporary)) / f"cache{args.scale}"
        if not (repo / "process_defs").is_dir():
            make(ROOT / "process_defs", args.scale, repo / "process_defs")
            (repo / "playbook").mkdir(exist_ok=True)
            write_config(repo, mkdocs_config(plugin=True))
        result = measure_cached_build(repo, args.runs)
    print(json.dumps(result, indent=2))
    return 0 if result["identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
