"""What the HTML sanitiser of generated pages costs a build.

    python benchmarks/sanitize_cost.py [--scales 1 10] [--rounds 5]

For each scale (1 is the example; N is `make_playbook.py --scale N`), `playbook build` runs
with the sanitiser and without it (the plugin's hook replaced by the identity, in this
benchmark only), interleaved A B, B A, A B so that a busy spell hits both; each build's
CPU time (user + system, `dot` included) is reported beside its wall time, with the pairwise
ratio. A third kind of run adds up the time spent inside `sanitize_page` itself, which is
the cost without the noise of the rest of the build. Diagrams are cached after the first
build, as in everyday use.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import measure
from make_playbook import make

ROOT = Path(__file__).resolve().parent.parent

# Runs `playbook build` in this interpreter; argv[1] is "on", "off" or "inside".
_BUILD = """
import sys, time
import revenue_playbook.engines.mkdocs.plugin as plugin
from revenue_playbook.cli import main
mode = sys.argv[1]
if mode == "off":
    plugin.sanitize_page = lambda html: html
elif mode == "inside":
    real, spent, calls = plugin.sanitize_page, [0.0, 0.0], [0, 0]
    def timed(html):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return real(html)
        finally:
            spent[0] += time.process_time() - cpu
            spent[1] += time.perf_counter() - wall
            calls[0] += 1
            calls[1] += len(html)
    plugin.sanitize_page = timed
code = main(["build", "-d", sys.argv[2]])
if mode == "inside":
    print(f"{spent[0]:.6f} {spent[1]:.6f} {calls[0]} {calls[1]}", file=sys.stderr)
sys.exit(code)
"""


def build(repo: Path, mode: str) -> measure.Sample:
    return measure.run([sys.executable, "-c", _BUILD, mode, str(repo / "site")], cwd=repo)


def inside(repo: Path) -> tuple[float, float, int, int]:
    out = subprocess.run([sys.executable, "-c", _BUILD, "inside", str(repo / "site")],
                         cwd=repo, capture_output=True, text=True, check=True)
    cpu, wall, pages, size = out.stderr.strip().splitlines()[-1].split()
    return float(cpu), float(wall), int(pages), int(size)


def measure_scale(scale: int, rounds: int, work: Path) -> dict[str, object]:
    repo = work / f"scale{scale}"
    repo.mkdir()
    definitions = make(ROOT / "process_defs", scale, repo / "process_defs")
    shutil.copy(ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(ROOT / "playbook", repo / "playbook")
    build(repo, "on")  # diagrams into the cache, as after any first build
    samples = measure.interleave({"off": lambda: build(repo, "off"),
                                  "on": lambda: build(repo, "on")}, rounds)
    comparison = measure.compare(samples["off"], samples["on"], b_includes_a=True)
    spent = [inside(repo) for _ in range(rounds)]
    return {
        "scale": scale, "definitions": definitions, "pages": spent[0][2],
        "html_mb": round(spent[0][3] / 1e6, 2),
        "build_without_s": measure.median(samples["off"]).__dict__,
        "build_with_s": measure.median(samples["on"]).__dict__,
        **comparison.as_dict(),
        "inside_sanitiser_cpu_s": statistics.median(s[0] for s in spent),
        "inside_sanitiser_wall_s": statistics.median(s[1] for s in spent),
        "load": measure.load(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pb-sanitize-") as tmp:
        rows = [measure_scale(scale, args.rounds, Path(tmp)) for scale in args.scales]
    for row in rows:
        print(json.dumps(row))
    print("\n| scale | pages | HTML | build without (wall / CPU) | with (wall / CPU) | "
          "CPU ratio (spread) | inside the sanitiser (CPU / wall) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        off, on = r["build_without_s"], r["build_with_s"]
        print(f"| {r['scale']} | {r['pages']} | {r['html_mb']} MB | "
              f"{off['wall']:.2f} s / {off['cpu']:.2f} s | {on['wall']:.2f} s / "
              f"{on['cpu']:.2f} s | {r['ratio_cpu']:.3f} ({r['ratio_cpu_spread'][0]:.3f}–"
              f"{r['ratio_cpu_spread'][1]:.3f}) | {r['inside_sanitiser_cpu_s'] * 1000:.0f} ms"
              f" / {r['inside_sanitiser_wall_s'] * 1000:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
