"""Why diagrams drive Graphviz's `dot` directly: 10 of the example's diagrams rendered by
one batched `dot` process against one process per graph (what the Python `graphviz`
package's `.pipe()` does for each graph). Median of 15 interleaved rounds; wall time and
the children's CPU time.

    .venv/bin/python benchmarks/dot_batching.py
"""

import os
import statistics
import subprocess
import time
from pathlib import Path

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.site.diagrams import campaign_dot, lifecycle_dot, process_dot, touchpoints_dot

pb = validate(Path(__file__).parent.parent / "process_defs").playbook
cal = Calendar.of(pb)
dots = [lifecycle_dot(pb)] + [process_dot(pb, pid, lambda s: s) for pid in pb.processes]
dots += [touchpoints_dot(cid, c.steps) for cid, c in pb.cadences.items()]
dots += [campaign_dot(pb, cid, cal) for cid in pb.campaigns]
for p in pb.processes.values():
    dots += [touchpoints_dot(sid, s.touchpoints) for sid, s in p.stages.items() if s.touchpoints]
dots = dots[:10]
assert len(dots) == 10

def measure(fn):
    c0, w0 = os.times(), time.perf_counter()
    fn()
    w1, c1 = time.perf_counter(), os.times()
    cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
    return w1 - w0, cpu

def batched() -> None:
    subprocess.run(["dot", "-Tsvg"], input="".join(dots).encode(), capture_output=True, check=True)

def one_each() -> None:
    for d in dots:
        subprocess.run(["dot", "-Tsvg"], input=d.encode(), capture_output=True, check=True)

res = {"batched": [], "one_each": []}
for _ in range(15):
    for name, fn in (("batched", batched), ("one_each", one_each)):
        res[name].append(measure(fn))
for name, rows in res.items():
    print(f"{name}: wall {statistics.median(r[0] for r in rows)*1000:.0f} ms, "
          f"cpu {statistics.median(r[1] for r in rows)*1000:.0f} ms")
ratios = [b[0] / a[0] for a, b in zip(res["batched"], res["one_each"], strict=True)]
print(f"one process each / batched, wall, median of pairwise ratios: "
      f"{statistics.median(ratios):.1f}x")
