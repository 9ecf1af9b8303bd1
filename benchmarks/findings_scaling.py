"""How validation time grows with the number of findings in one file.

    python benchmarks/findings_scaling.py [--counts 1000 4000 16000 64000] [--rounds 3]

For each count N it writes the smallest valid playbook plus one file that makes N findings
of each kind below, and times `playbook validate`'s work in this process (validating and
formatting the text report, every source line quoted): CPU time beside wall time, the kinds
interleaved, medians. Linear validation spends about the same time per finding at every
count: `growth` is the time per finding at the largest count over that at the smallest
(1.0 is linear; the quadratic validation of 88bef88 took 2.7 s for 4,000 unused reasons and
35 s for 16,000).

- `unused_reasons`: N reasons nothing offers (PB315), each found by its position in a
  mapping of N keys.
- `unknown_roles`: N roles whose `reports_to` names a role nobody defined (PB201), each
  with a "did you mean" hint over N + 4 role ids.
- `undeclared_fields`: one template whose body uses N undeclared merge fields (PB402), each
  placed at its first use in the body.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import measure  # noqa: E402

from revenue_playbook.checks.report import format_text  # noqa: E402
from revenue_playbook.checks.validate import validate  # noqa: E402
from revenue_playbook.definitions import templating  # noqa: E402
from revenue_playbook.definitions.config import Settings  # noqa: E402
from revenue_playbook.definitions.loader import Limits  # noqa: E402

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
COUNTS = (1000, 4000, 16000, 64000)
# 64,000 roles do not fit the default file limits (2 MiB, 200,000 values): the benchmark
# raises them, as `[tool.playbook]` may, to time the findings rather than the refusal.
SETTINGS = Settings(limits=Limits(max_file_bytes=16 * 1024 * 1024, max_values=2_000_000))


def _unused_reasons(n: int) -> str:
    return "reasons:\n" + "".join(f"  r{i}: {{name: R}}\n" for i in range(n))


def _unknown_roles(n: int) -> str:
    return "roles:\n" + "".join(f"  x{i}: {{name: R, team: sales, reports_to: nobody}}\n"
                                for i in range(n))


def _undeclared_fields(n: int) -> str:
    lines = "".join(f"      {{{{ v{i} }}}}\n" for i in range(n))
    return ("templates:\n  many:\n    name: Many\n    type: one_to_one\n"
            "    subject: Hello\n    body: |\n" + lines)


KINDS: dict[str, tuple[Callable[[int], str], str]] = {
    "unused_reasons": (_unused_reasons, "PB315"),
    "unknown_roles": (_unknown_roles, "PB201"),
    "undeclared_fields": (_undeclared_fields, "PB402"),
}


def make_findings(kind: str, n: int, out: Path) -> Path:
    """The minimal playbook in `out` with one more file that makes `n` findings of `kind`."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(MINIMAL, out)
    write, _ = KINDS[kind]
    (out / "many.yaml").write_text(write(n), encoding="utf-8")
    return out


def check(defs: Path, kind: str) -> int:
    """Validate and format the report as `playbook validate` prints it; the count of
    findings of the kind's rule. Templates are compiled afresh, as in a new process."""
    templating.parse.cache_clear()
    result = validate(defs, SETTINGS)
    format_text(result)
    return sum(f.code == KINDS[kind][1] for f in result.findings)


def timed_check(defs: Path, kind: str) -> measure.Sample:
    """`check`, after a full collection: no run pays for the garbage of the one before."""
    gc.collect()
    return measure.call(lambda: check(defs, kind))


def measure_counts(counts: list[int], rounds: int, work: Path) -> list[dict[str, Any]]:
    rows = []
    for n in counts:
        folders = {kind: make_findings(kind, n, work / f"{kind}-{n}") for kind in KINDS}
        for kind, defs in folders.items():
            found = check(defs, kind)
            if found != n:
                raise RuntimeError(f"{kind} at {n}: {found} findings, expected {n}")
        timed = measure.interleave(
            {kind: (lambda defs=defs, kind=kind: timed_check(defs, kind))
             for kind, defs in folders.items()}, rounds)
        row: dict[str, Any] = {"count": n}
        for kind, samples in timed.items():
            mid = measure.median(samples)
            row[kind] = {"wall_s": mid.wall, "cpu_s": mid.cpu,
                         "cpu_spread": list(measure.spread([s.cpu for s in samples]))}
        row["load"] = measure.load()
        rows.append(row)
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def growth(rows: list[dict[str, Any]], kind: str) -> float:
    """CPU time per finding at the largest count over that at the smallest (1.0: linear)."""
    first, last = rows[0], rows[-1]
    return float((last[kind]["cpu_s"] / last["count"]) / (first[kind]["cpu_s"] / first["count"]))


def table(rows: list[dict[str, Any]]) -> str:
    header = ["findings", *KINDS, "load"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{row[k]['wall_s']:.3f} / {row[k]['cpu_s']:.3f}" for k in KINDS]
        lines.append(f"| {row['count']:,} | " + " | ".join(cells) + f" | {row['load']:.2f} |")
    if len(rows) > 1:
        lines.append("| growth | " + " | ".join(f"{growth(rows, k):.2f}" for k in KINDS)
                     + " | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=list(COUNTS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="playbook-findings-") as tmp:
        rows = measure_counts(sorted(args.counts), args.rounds, Path(tmp))
    print("Seconds, median: wall / CPU; growth = CPU per finding, largest count over "
          "smallest.\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    worst = max(growth(rows, k) for k in KINDS) if len(rows) > 1 else 1.0
    load = statistics.median(r["load"] for r in rows)
    print(f"\nworst growth {worst:.2f} (median load {load:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
