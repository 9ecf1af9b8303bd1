"""The benchmark's measuring rules: CPU time is counted for children too, comparisons are
pair by pair, and a contradiction reads "noisy, rerun" rather than a result."""

from __future__ import annotations

import sys

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import NOISY, Sample, call, compare, interleave, judge, run

BUSY_LOOP = "import time\nend = time.process_time() + 0.15\nwhile time.process_time() < end: pass"


def test_a_command_counts_its_cpu_time_and_its_childrens() -> None:
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BUSY_LOOP!r}])"
    sample = run([sys.executable, "-c", child])
    assert sample.cpu >= 0.15 and sample.wall >= sample.cpu * 0.5


def test_a_call_counts_the_children_it_waits_for() -> None:
    sample = call(lambda: run([sys.executable, "-c", BUSY_LOOP]))
    assert sample.cpu >= 0.15


def test_a_failing_command_is_an_error_not_a_figure() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        run([sys.executable, "-c", "import sys; sys.exit('boom')"])


def test_interleaved_runs_take_turns() -> None:
    order: list[str] = []

    def step(name: str):  # type: ignore[no-untyped-def]
        return lambda: (order.append(name), Sample(1.0, 1.0))[1]

    timed = interleave({"a": step("a"), "b": step("b")}, 3)
    # each round in the other order: a machine that slows down over the run does not
    # always charge the step that runs second
    assert order == ["a", "b", "b", "a", "a", "b"] and len(timed["b"]) == 3


def test_interleaved_samples_stay_paired_by_round() -> None:
    rounds = iter(range(100))

    def step(name: str):  # type: ignore[no-untyped-def]
        return lambda: Sample(float(next(rounds)), 0.0)

    timed = interleave({"a": step("a"), "b": step("b"), "c": step("c")}, 3)
    # each step runs once per round (its i-th sample is from round i), starting one later
    assert [s.wall for s in timed["a"]] == [0, 5, 7]
    assert [s.wall for s in timed["b"]] == [1, 3, 8]
    assert [s.wall for s in timed["c"]] == [2, 4, 6]


def test_ratios_are_taken_pair_by_pair() -> None:
    # the machine slowed down for the last pair: both sides slowed alike
    a = [Sample(1.0, 1.0), Sample(1.0, 1.0), Sample(3.0, 1.0)]
    b = [Sample(1.1, 1.1), Sample(1.2, 1.2), Sample(3.3, 1.1)]
    versus = compare(a, b, b_includes_a=True)
    assert versus.ratio == pytest.approx(1.1)
    assert versus.ratio_spread == pytest.approx((1.1, 1.2))
    assert versus.wall_ratio == pytest.approx(1.1)
    assert versus.overhead.cpu == pytest.approx(0.1) and versus.verdict == "ok"


def test_a_negative_overhead_is_noise() -> None:
    # the busy machine case from issue 17: B (which does all of A's work) came out faster
    a = [Sample(118.9, 55.0), Sample(60.0, 55.2)]
    b = [Sample(78.5, 58.0), Sample(58.0, 58.9)]
    versus = compare(a, b, b_includes_a=True)
    assert versus.noisy and versus.verdict.startswith(NOISY)
    assert "negative overhead" in versus.verdict


def test_one_run_is_said_so() -> None:
    assert compare([Sample(1, 1)], [Sample(2, 2)]).verdict == "one run"


def test_a_limit_inside_the_spread_of_the_pairs_is_undecided() -> None:
    assert judge(0.05, 0.12, 0.15) == "yes"
    assert judge(0.16, 0.30, 0.15) == "no"
    assert judge(0.10, 0.20, 0.15) == NOISY


def test_unequal_runs_cannot_be_compared() -> None:
    with pytest.raises(ValueError):
        compare([Sample(1, 1)], [])
