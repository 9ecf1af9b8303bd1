"""The synthetic playbook for benchmarks is as valid as the example and grows linearly."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.validate import validate

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_playbook import make  # noqa: E402


def test_scaled_playbook_is_valid_and_linear(tmp_path: Path) -> None:
    one = make(ROOT / "process_defs", 1, tmp_path / "one")
    three = make(ROOT / "process_defs", 3, tmp_path / "three")
    result = validate(tmp_path / "three")
    assert [f"{f.location}: {f.code} {f.message}" for f in result.findings] == []
    base = validate(ROOT / "process_defs").playbook
    assert len(result.playbook.templates) == 3 * len(base.templates)
    assert len(result.playbook.stages) == 3 * len(base.stages)
    assert len(result.playbook.campaigns) == 3 * len(base.campaigns)
    assert len(result.playbook.kpis) == 3 * len(base.kpis)
    shared = one - (three - one) // 2
    assert three - shared == 3 * (one - shared)
    # copies are wired to their own stages and templates
    stage = result.playbook.stages["discovery_s3"]
    assert stage.next == ["demo_s3", "closed_lost_s3"]
    assert stage.touchpoints[0].template == "discovery_confirmation_s3"
