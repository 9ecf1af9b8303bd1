"""Concepts with one home: the definitions folder's default name and the garbage collector's
tuning are each written in one module, which every other place asks (two copies drift)."""

from __future__ import annotations

import ast
from pathlib import Path

import revenue_playbook

PACKAGE = Path(revenue_playbook.__file__).parent


def _trees() -> dict[str, ast.Module]:
    return {path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py"))}


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring constants of a module and of its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def test_the_definitions_folder_is_named_in_one_place() -> None:
    naming = {}
    for module, tree in _trees().items():
        docs = _docstrings(tree)
        texts = [node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)
                 and id(node) not in docs]
        found = [t for t in texts if t == "process_defs" or t.startswith("process_defs/")]
        if found:
            naming[module] = found
    assert naming == {"safety/__init__.py": ["process_defs"]}


def test_the_garbage_collector_is_tuned_in_one_place() -> None:
    importing = sorted(module for module, tree in _trees().items()
                       for node in ast.walk(tree)
                       if (isinstance(node, ast.Import) and any(a.name == "gc" for a in node.names))
                       or (isinstance(node, ast.ImportFrom) and node.module == "gc"))
    assert importing == ["definitions/collector.py"]
