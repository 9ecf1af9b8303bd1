"""Validating again after an edit (serve, preview --watch) reuses what did not change, and
finds exactly what a fresh validation finds."""

from __future__ import annotations

import copy

from helpers import example_playbook


def test_stages_are_built_once_and_again_when_processes_change() -> None:
    pb = copy.deepcopy(example_playbook())
    first = pb.stages
    assert pb.stages is first  # read thousands of times per build: built once
    assert list(first) == [sid for p in pb.processes.values() for sid in p.stages]
    pid, process = next(iter(pb.processes.items()))
    del pb.processes[pid]
    assert not set(process.stages) & set(pb.stages)
    pb.processes[pid] = process
    assert set(process.stages) <= set(pb.stages)
    pb.processes = {}
    assert pb.stages == {}
    copied = copy.deepcopy(example_playbook())
    assert copied.stages.keys() == example_playbook().stages.keys()
    assert all(copied.stages[s] is copied.processes[copied.process_of(s) or ""].stages[s]
               for s in copied.stages)
