"""Property test: mutations of real definitions never crash the validator, its reporters
or, when they are still valid, the page and diagram generation; every finding points at a
file (and a line, inside a file), and the sources are never modified."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from helpers import MINIMAL, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revenue_playbook.checks.report import REPORTERS
from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.findings import Severity
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.pages import build_site

MINIMAL_BASE = MINIMAL
BASES = [p for p in (MINIMAL_BASE, ROOT / "process_defs")
         if p.is_dir() and any(p.rglob("*.yaml"))]
FOLDER_LEVEL = {"PB106", "PB107"}  # findings about the folder as a whole
WHOLE_FILE = {"PB005", "PB008"}  # a file too large, or a link leading outside
VALUES = ["[1, 2]", "{a: b}", "123", "-4", "true", '""', "~", "'x: y'", "nobody", "1h",
          "2027-13-45", "&a [*a]", "{{ x }", "<script>", "\"unclosed", "[", "é\u200b"]


@st.composite
def mutation(draw: st.DrawFn) -> tuple[Path, str, int, str, str]:
    base = draw(st.sampled_from(BASES))
    files = sorted(p.relative_to(base).as_posix() for p in base.rglob("*.yaml"))
    name = draw(st.sampled_from(files))
    kind = draw(st.sampled_from(["delete", "duplicate", "unknown_key", "value", "garbage",
                                 "indent"]))
    line = draw(st.integers(min_value=0, max_value=400))
    extra = draw(st.sampled_from(VALUES) | st.text(max_size=12))
    return base, name, line, kind, extra


def apply(text: str, line: int, kind: str, extra: str) -> str:
    lines = text.splitlines()
    if not lines:
        return extra
    i = line % len(lines)
    current = lines[i]
    indent = current[: len(current) - len(current.lstrip())]
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, current)
    elif kind == "unknown_key":
        lines.insert(i, f"{indent}surprise_key: 1")
    elif kind == "value" and ":" in current:
        lines[i] = current.split(":", 1)[0] + ": " + extra
    elif kind == "indent":
        lines[i] = " " + current
    else:
        lines[i] = current[: len(current) // 2] + extra + current[len(current) // 2:]
    return "\n".join(lines) + "\n"


def digest(root: Path) -> dict[str, str]:
    return {p.as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# Shared by every case: a mutation rarely changes a diagram, so most are cache hits.
DIAGRAM_CACHE = Path(tempfile.mkdtemp(prefix="playbook-fuzz-diagrams-"))
atexit.register(shutil.rmtree, DIAGRAM_CACHE, ignore_errors=True)

# PLAYBOOK_FUZZ_EXAMPLES raises the count for a long run (the quick profile runs in CI).
EXAMPLES = int(os.environ.get("PLAYBOOK_FUZZ_EXAMPLES", "60"))


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation(), st.lists(mutation(), max_size=2))
def test_mutated_definitions_never_crash(first: tuple, more: list) -> None:
    base = first[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "defs"
        shutil.copytree(base, root)
        for _base, name, line, kind, extra in [first, *[m for m in more if m[0] == base]]:
            path = root / name
            path.write_text(apply(path.read_text(encoding="utf-8"), line, kind, extra),
                            encoding="utf-8")
        before = digest(root)
        result = validate(root)
        if not result.errors:  # what the site would be built from: every page and diagram
            build_site(result.playbook, DiagramRenderer(DIAGRAM_CACHE))
        assert digest(root) == before
        for report in REPORTERS.values():  # every output format copes with every finding
            assert report(result, False, False)
        for finding in result.findings:
            assert finding.location.file, finding
            assert finding.severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
            if finding.code not in FOLDER_LEVEL:
                assert finding.location.line >= 1 or finding.code in WHOLE_FILE, finding
                assert finding.location.file in result.sources, finding


def _field_names() -> list[str]:
    from revenue_playbook.definitions.model import SECTIONS, Node

    names: set[str] = set(SECTIONS)
    todo: list[type[Node]] = [s.model for s in SECTIONS.values()]
    seen: set[type] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        names |= set(model.model_fields)
        for info in model.model_fields.values():
            for arg in [info.annotation, *getattr(info.annotation, "__args__", ())]:
                for inner in [arg, *getattr(arg, "__args__", ())]:
                    if isinstance(inner, type) and issubclass(inner, Node):
                        todo.append(inner)
    return sorted(names)


KEYS = st.sampled_from(_field_names()) | st.text(min_size=1, max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
           | st.text(max_size=20) | st.sampled_from(VALUES))
TREES = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                     | st.dictionaries(KEYS, children, max_size=5), max_leaves=30)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["roles", "processes", "templates", "sla", "campaigns",
                                        "kpis", "lifecycle", "meeting", "cadences"]) | KEYS,
                       TREES, min_size=1, max_size=4),
       st.sampled_from(["defs.yaml", "templates/t.yaml", "campaigns/c.yaml",
                        "processes/p.yaml"]))
def test_random_trees_never_crash(tree: dict, name: str) -> None:
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "defs"
        shutil.copytree(MINIMAL_BASE, root)
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        result = validate(root)
        for finding in result.findings:
            assert finding.location.file, finding
            if finding.code not in FOLDER_LEVEL | WHOLE_FILE:
                assert finding.location.line >= 1, finding



