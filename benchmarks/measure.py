"""Measuring on a shared, noisy machine: CPU time beside wall time, interleaved runs, and
ratios taken pair by pair, so that a busy spell cannot pass for a result.

- Every figure is a list of `Sample`s (wall seconds, CPU seconds). CPU time is user + system
  of the process and of the children it waited for (`os.wait4` for a command;
  `time.process_time` plus `RUSAGE_CHILDREN` for a call in this process). Another program
  taking the CPU stretches wall time but hardly changes CPU time.
- Commands that are compared run interleaved, each round in the other order (A B, B A, A B
  ...), so a slow spell hits both and a machine that speeds up or slows down over the run
  favours neither (in A B A B ..., B always ran second).
- A comparison is made pair by pair (B_i / A_i) and reported with its median and spread;
  it reads "noisy, rerun" when an overhead that cannot be negative comes out negative, and
  a target on a ratio is decided only when its limit lies outside the spread of the pairs
  (`judge`): a limit inside it means the runs disagree about the answer.
- `load()` measures how contended the machine is right now: the wall / CPU time of a fixed
  piece of pure-Python work (1.0 on an idle core, 2.0 when it got half a core).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NOISY = "noisy, rerun"


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, children included


def run(argv: Sequence[str], *, cwd: Any = None, env: Mapping[str, str] | None = None) -> Sample:
    """Run a command to completion; fails loudly if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    assert process.stderr is not None
    with process.stderr:
        errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({process.returncode}):\n"
                           f"{errors.decode(errors='replace')[-2000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime)


def call(func: Callable[[], object]) -> Sample:
    """Time a call in this process (and any child process it runs and waits for)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, start = time.process_time(), time.perf_counter()
    func()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return Sample(wall, cpu)


def interleave(steps: Mapping[str, Callable[[], Sample]], rounds: int) -> dict[str, list[Sample]]:
    """Run each step once per round, the order turned by one each round (A B, B A, A B ...
    for two; A B C, B C A, C A B ... for three): the i-th samples of every step are one
    round's, and no step always runs first."""
    out: dict[str, list[Sample]] = {name: [] for name in steps}
    names = list(steps)
    for turn in range(rounds):
        shift = turn % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            out[name].append(steps[name]())
    return out


def median(samples: Sequence[Sample]) -> Sample:
    return Sample(statistics.median(s.wall for s in samples),
                  statistics.median(s.cpu for s in samples))


def spread(values: Sequence[float]) -> tuple[float, float]:
    return (min(values), max(values))


@dataclass(frozen=True)
class Comparison:
    """B against A, pair by pair: `ratio` is B / A (CPU time), `overhead` is B - A."""

    ratio: float  # median of the pairwise CPU ratios
    ratio_spread: tuple[float, float]
    wall_ratio: float  # median of the pairwise wall ratios
    wall_ratio_spread: tuple[float, float]
    overhead: Sample  # median of the pairwise differences
    verdict: str  # "ok", "one run" or NOISY with the reason after a colon

    @property
    def noisy(self) -> bool:
        return self.verdict.startswith(NOISY)

    def as_dict(self) -> dict[str, Any]:
        return {"ratio_cpu": self.ratio, "ratio_cpu_spread": list(self.ratio_spread),
                "ratio_wall": self.wall_ratio, "ratio_wall_spread": list(self.wall_ratio_spread),
                "overhead_wall_s": self.overhead.wall, "overhead_cpu_s": self.overhead.cpu,
                "verdict": self.verdict}


def compare(a: Sequence[Sample], b: Sequence[Sample], *, b_includes_a: bool = False) \
        -> Comparison:
    """Compare interleaved samples of A and B (same length, taken in turn).

    `b_includes_a`: B does all of A's work and more, so B - A cannot really be negative.
    """
    if len(a) != len(b) or not a:
        raise ValueError("compare needs as many samples of B as of A, taken in turn")
    cpu = [y.cpu / x.cpu for x, y in zip(a, b, strict=True)]
    wall = [y.wall / x.wall for x, y in zip(a, b, strict=True)]
    over = Sample(statistics.median(y.wall - x.wall for x, y in zip(a, b, strict=True)),
                  statistics.median(y.cpu - x.cpu for x, y in zip(a, b, strict=True)))
    if b_includes_a and (over.cpu < 0 or over.wall < 0):
        verdict = f"{NOISY}: negative overhead ({over.cpu:+.3f} s CPU, {over.wall:+.3f} s wall)"
    else:
        verdict = "one run" if len(a) == 1 else "ok"
    return Comparison(statistics.median(cpu), spread(cpu), statistics.median(wall),
                      spread(wall), over, verdict)


def judge(low: float, high: float, limit: float) -> str:
    """Is a figure whose pairs spread from `low` to `high` at most `limit`? "yes" when every
    pair says so, "no" when none does, NOISY when they disagree."""
    if high <= limit:
        return "yes"
    if low > limit:
        return "no"
    return NOISY


def _work() -> int:
    total = 0
    for i in range(300_000):
        total += i * i % 7
    return total


def load(repeats: int = 3) -> float:
    """How contended the CPU is now: wall / CPU time of fixed work (1.0 = a core to itself)."""
    ratios = []
    for _ in range(repeats):
        sample = call(_work)
        ratios.append(sample.wall / max(sample.cpu, 1e-6))
    return statistics.median(ratios)
