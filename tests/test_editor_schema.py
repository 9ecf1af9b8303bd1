"""Editor support: the committed JSON Schemas are current, every example file names its
schema, and an independent validator (check-jsonschema) agrees with ours."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLE, ROOT

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.model import schema_files
from revenue_playbook.site import format_reference

CHECK = Path(sys.executable).parent / "check-jsonschema"


def test_committed_schemas_are_up_to_date() -> None:
    for name, document in schema_files().items():
        committed = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
        assert committed == document, f"schemas/{name} is stale: run `playbook schema " \
            "--all schemas`"
    assert sorted(p.name for p in (ROOT / "schemas").glob("*.json")) == sorted(schema_files())


def test_the_format_pages_schema_is_up_to_date() -> None:
    # kept beside its module so that a build does not make it again: what the models give
    assert format_reference.SCHEMA_FILE.read_text(encoding="utf-8") == \
        format_reference.schema_text(), "site/format_schema.json is stale: run `python -m " \
        "revenue_playbook.site.format_reference`"


def schema_for(path: Path) -> Path:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix), f"{path} does not name its schema on line 1"
    schema = (path.parent / first[len(prefix):]).resolve()
    assert schema.is_file(), schema
    return schema


def check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK), "--schemafile", str(schema), *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_independent_validator_accepts_the_example() -> None:
    groups: dict[Path, list[Path]] = {}
    for path in sorted(EXAMPLE.rglob("*.yaml")):
        groups.setdefault(schema_for(path), []).append(path)
    assert len(groups) == 4  # section files, processes/, templates/, campaigns/
    for schema, files in groups.items():
        proc = check_jsonschema(schema, *files)
        assert proc.returncode == 0, proc.stdout + proc.stderr


MUTATIONS = [
    ("templates/order_form.yaml", "subject: ", "sujbect: ", "PB101"),
    ("templates/order_form.yaml", 'subject: "Order form ready to sign"\n', "", "PB102"),
    ("processes/new_business.yaml", "probability: 45", "probability: 145", "PB103"),
    ("processes/new_business.yaml", "mid_market: 60,", "mid_market: 160,", "PB103"),
    ("processes/new_business.yaml", "channel: social", "channel: fax", "PB103"),
    ("meeting.yaml", "  day: tue", "  day: someday", "PB103"),
    ("sla.yaml", "response_time: 4bh", "response_time: four hours", "PB103"),
    ("sla.yaml", 'start: "09:00"', 'start: "9 am"', "PB103"),
    ("kpis.yaml", "    target: 420", "    target: [420]", "PB103"),
    ("roles.yaml", "  revops:\n", "  RevOps Analyst:\n", "PB105"),
    ("campaigns/benchmark_guide.yaml", "status: draft", "status: someday", "PB103"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "old", "new", "code"), MUTATIONS,
                         ids=[f"{m[3]}-{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_both_validators_reject_schema_mutations(tmp_path: Path, name: str, old: str,
                                                 new: str, code: str) -> None:
    root = tmp_path / "process_defs"
    shutil.copytree(EXAMPLE, root)
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    ours = [f.code for f in validate(root).errors]
    assert code in ours
    proc = check_jsonschema(schema_for(path), path)
    assert proc.returncode == 1, proc.stdout
