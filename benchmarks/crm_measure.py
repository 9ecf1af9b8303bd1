"""`playbook measure` at CRM scale, beside DuckDB's bare scan of the same files.

    python benchmarks/crm_measure.py [--quick] [--runs 3] [--out DIR]

Makes neutral Parquet exports for the example playbook (1,000,000 leads, 2,000,000 lead
events, 5,000,000 activities, 200,000 deals with 1,000,000 stage-history rows; --quick: a
tenth), then runs `playbook measure DATA --format json` and a bare DuckDB scan of every
column of the same files, interleaved, each in a process of its own: CPU time (user +
system) beside wall time, peak memory (max RSS), medians and the measure/scan ratio pair by
pair. Targets: at full size ≤ 15 s CPU and ≤ 2 GB peak memory. Writes crm_measure.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import Sample  # noqa: E402

FULL = {"leads": 1_000_000, "lead_events": 2_000_000, "activities": 5_000_000,
        "deals": 200_000, "deal_stages": 1_000_000}
CPU_LIMIT, MEMORY_LIMIT = 15.0, 2 * 1024 ** 3
SCAN = """
import duckdb, sys
con = duckdb.connect()
for path in sys.argv[1:]:
    source = f"read_parquet('{path}')"
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    every = ", ".join(f'max("{c}")' for c in columns)
    con.execute(f"SELECT {every} FROM {source}").fetchall()
"""


def make_data(folder: Path, sizes: dict[str, int], seed: int = 1) -> None:
    """Neutral Parquet files shaped like the example playbook's data, made in DuckDB."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SELECT setseed({1 / (seed + 1)})")
    leads, deals = sizes["leads"], sizes["deals"]
    # a moment in business hours on weekday k (0, 1, ...) from Monday 5 January 2026
    con.execute("CREATE MACRO bt(k) AS TIMESTAMP '2026-01-05 09:00:00' + "
                "to_days(CAST(7 * (k // 5) + k % 5 AS INTEGER)) + "
                "to_minutes(CAST(floor(random() * 510) AS INTEGER))")
    queries = {
        "leads": f"""SELECT 'L' || range AS lead_id, bt(range % 200) AS created_at,
            ['demo_request', 'high_intent', 'event_lead'][1 + range % 3] AS tier,
            ['enterprise', 'mid_market'][1 + range % 2] AS segment,
            'rep_' || (range % 40) AS owner,
            CASE WHEN range % 5 = 0 THEN 'retention_webinar' END AS campaign
            FROM range({leads})""",
        "lead_events": f"""SELECT 'L' || (range % {leads}) AS lead_id,
            ['mql', 'sal', 'sql', 'opportunity'][1 + range // {leads} % 4] AS stage,
            bt((range % {leads}) % 200 + range // {leads} * 2) AS entered_at
            FROM range({sizes['lead_events']})""",
        "activities": f"""SELECT bt(range % 200) AS done_at,
            'L' || (range % {leads}) AS lead_id,
            CASE WHEN range % 10 = 0 THEN 'D' || (range % {deals}) END AS deal_id,
            ['email', 'call', 'social', 'meeting', 'email'][1 + range % 5] AS channel,
            'rep_' || (range % 40) AS owner, 'A' || range AS activity_id
            FROM range({sizes['activities']})""",
        "deals": f"""SELECT 'D' || range AS deal_id, bt(range % 150) AS created_at,
            ['discovery', 'demo', 'technical_validation', 'proposal', 'negotiation',
             'closed_won', 'closed_lost', 'closed_lost'][1 + range % 8] AS stage,
            CAST(12000 * (1 + range % 12) AS DOUBLE) AS amount,
            CAST(NULL AS TIMESTAMP) AS closed_at, 'Deal ' || range AS name,
            'rep_' || (range % 40) AS owner,
            ['enterprise', 'mid_market'][1 + range % 2] AS segment,
            'L' || (range * 5) AS lead_id, CAST(NULL AS VARCHAR) AS campaign
            FROM range({deals})""",
        "deal_stages": f"""SELECT 'D' || (range % {deals}) AS deal_id,
            ['discovery', 'demo', 'technical_validation', 'proposal',
             CASE WHEN range % 3 = 0 THEN 'closed_won' ELSE 'closed_lost' END]
                [1 + range // {deals} % 5] AS stage,
            bt((range % {deals}) % 150 + range // {deals} * 9) AS entered_at
            FROM range({sizes['deal_stages']})""",
    }
    for name, sql in queries.items():
        con.execute(f"COPY ({sql}) TO '{folder / name}.parquet' (FORMAT parquet)")


def timed(command: list[str]) -> tuple[Sample, int]:
    """Wall and CPU time of a command (children included), and its peak memory in bytes."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: a target breached
        error = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"{command[0]} failed: {error}")
    return Sample(wall, usage.ru_utime + usage.ru_stime), usage.ru_maxrss * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the full size")
    parser.add_argument("--divide", type=int, default=1, help="sizes divided by this "
                        "(--quick is --divide 10)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks")
    args = parser.parse_args(argv)
    divide = 10 if args.quick else args.divide
    sizes = {k: v // divide for k, v in FULL.items()}
    with tempfile.TemporaryDirectory(prefix="playbook-crm-") as tmp:
        data = Path(tmp) / "data"
        make_data(data, sizes)
        files = sorted(str(p) for p in data.glob("*.parquet"))
        script = Path(sys.executable).with_name("playbook")
        measure_cmd = [str(script), "measure", str(data), str(ROOT / "process_defs"),
                       "--format", "json"]
        scan_cmd = [sys.executable, "-c", SCAN, *files]
        rows: dict[str, list[tuple[Sample, int]]] = {"measure": [], "scan": []}
        for _ in range(args.runs):  # interleaved: a busy spell hits both
            rows["scan"].append(timed(scan_cmd))
            rows["measure"].append(timed(measure_cmd))
    ratios = [m[0].cpu / s[0].cpu for m, s in zip(rows["measure"], rows["scan"], strict=True)]
    result = {
        "sizes": sizes, "runs": args.runs, "cores": os.cpu_count(),
        **{name: {"wall_s": statistics.median(s.wall for s, _ in samples),
                  "cpu_s": statistics.median(s.cpu for s, _ in samples),
                  "peak_mb": max(m for _, m in samples) / 1024 ** 2}
           for name, samples in rows.items()},
        "cpu_ratio_median": statistics.median(ratios),
        "cpu_ratio_spread": [min(ratios), max(ratios)],
    }
    full = divide == 1
    cpu, peak = result["measure"]["cpu_s"], result["measure"]["peak_mb"] * 1024 ** 2
    result["targets"] = ({"cpu_s <= 15": cpu <= CPU_LIMIT, "peak <= 2 GB": peak <= MEMORY_LIMIT}
                         if full else "checked at full size only")
    print("| | wall s | CPU s | peak MB |\n|---|---|---|---|")
    for name in ("measure", "scan"):
        r = result[name]
        print(f"| {name} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_mb']:.0f} |")
    print(f"measure / bare scan, CPU: {result['cpu_ratio_median']:.1f}x "
          f"({min(ratios):.1f}-{max(ratios):.1f}); sizes {sizes}; targets {result['targets']}")
    args.out.mkdir(parents=True, exist_ok=True)
    name = "crm_measure.json" if full else f"crm_measure_{divide}.json"
    (args.out / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
