"""Validation is linear in its input: many findings in one file cost each about the same.

The shape is asserted with operation counts (Python calls, C calls included, counted by a
profiler hook), never with a clock: four times the findings may cost at most about four
times the operations. Quadratic validation (each finding's position found by scanning the
mapping, each report line splitting the whole file, each "did you mean" comparing with
every id, each undeclared field searched from the top of the body) counts sixteen times.
`benchmarks/findings_scaling.py` (in `make bench`) measures the time.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

from revenue_playbook.checks.report import format_text
from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions import templating

sys.path.insert(0, str(ROOT / "benchmarks"))

from findings_scaling import KINDS, make_findings

SMALL, LARGE = 300, 1200  # four times as many findings


def operations(func: Callable[[], Any]) -> int:
    """How many Python and C function calls `func()` makes."""
    count = 0

    def hook(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(hook)
    try:
        func()
    finally:
        sys.setprofile(None)
    return count


def _validate_and_report(defs: Path) -> None:
    templating.parse.cache_clear()
    templating.compiled.cache_clear()
    templating.syntax_tree.cache_clear()
    format_text(validate(defs))


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_four_times_the_findings_cost_about_four_times_the_operations(
        kind: str, tmp_path: Path) -> None:
    small = make_findings(kind, SMALL, tmp_path / "small")
    large = make_findings(kind, LARGE, tmp_path / "large")
    result = validate(large)
    assert sum(f.code == KINDS[kind][1] for f in result.findings) == LARGE
    _validate_and_report(small)  # imports and caches that the first run fills
    base = operations(lambda: _validate_and_report(make_findings(kind, 1, tmp_path / "one")))
    a = operations(lambda: _validate_and_report(small)) - base
    b = operations(lambda: _validate_and_report(large)) - base
    assert b / a < 5.5, f"{kind}: {a:,} operations for {SMALL}, {b:,} for {LARGE}"


def test_a_report_splits_each_file_into_lines_once(tmp_path: Path) -> None:
    defs = make_findings("unused_reasons", 500, tmp_path / "defs")
    result = validate(defs)
    splits = 0

    def hook(frame: object, event: str, arg: Any) -> None:
        nonlocal splits
        # a whole file split (a finding's hint is split too, and is short)
        if event == "c_call" and getattr(arg, "__name__", "") == "splitlines" \
                and len(getattr(arg, "__self__", "")) > 5000:
            splits += 1

    sys.setprofile(hook)
    try:
        text = format_text(result)
    finally:
        sys.setprofile(None)
    assert text.count("PB315") == 500
    assert splits <= len(result.sources)


def _collections(func: Callable[[], Any]) -> int:
    """How many times the cyclic garbage collector ran during `func()`, from a fresh start."""
    runs = 0

    def counted(phase: str, info: dict[str, int]) -> None:
        nonlocal runs
        runs += phase == "start"

    gc.collect()
    gc.callbacks.append(counted)
    try:
        func()
    finally:
        gc.callbacks.remove(counted)
    return runs


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_collector_does_not_run_more_for_more_findings(kind: str, tmp_path: Path) -> None:
    """Each collection walks the whole playbook: findings made, given their severity and
    sorted with the collector running set one off every few hundred (at 64,000 findings a
    third to a half of the time). Validation keeps it paused over them."""
    small = make_findings(kind, SMALL, tmp_path / "small")
    large = make_findings(kind, LARGE, tmp_path / "large")
    validate(small)  # imports and caches that the first run fills
    few, many = _collections(lambda: validate(small)), _collections(lambda: validate(large))
    assert many <= few, f"{kind}: {few} collections for {SMALL} findings, {many} for {LARGE}"
