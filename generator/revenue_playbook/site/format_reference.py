"""The definition-format reference page's content: one table per model, read from the same
JSON Schema that editors use.

The schema depends only on the models, and making it is a sizeable share of a small
build's own CPU time: it is kept beside this module (`format_schema.json`, package data),
made again with `python -m revenue_playbook.site.format_reference`, and
`tests/test_editor_schema.py` fails when it is not what the models give."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..definitions.model import ITEM_FOLDERS, SECTIONS

SCHEMA_FILE = Path(__file__).with_name("format_schema.json")


def format_schema() -> dict[str, Any]:
    """The models' definitions (`$defs`) in the JSON Schema of the sections, made now."""
    from pydantic.json_schema import models_json_schema

    # The sections' models, built already to validate, give the same tables as the whole
    # file's schema (`model.json_schema()`), without building that model's validator.
    _, schema = models_json_schema([(section.model, "validation")
                                    for section in SECTIONS.values()])
    defs: dict[str, Any] = schema.get("$defs", {})
    return defs


@lru_cache(maxsize=1)
def format_sections() -> list[dict[str, Any]]:
    """Per section of a definition file: its key, the `model.Section`, whether it may be a
    folder of one-item files, and the tables of its models."""
    defs = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return [{"key": key, "section": section, "folder": key in ITEM_FOLDERS,
             "models": _schema_tables(section.model.__name__, defs)}
            for key, section in SECTIONS.items()]


def schema_text() -> str:
    """`format_schema()` as `SCHEMA_FILE` holds it."""
    return json.dumps(format_schema(), indent=1, ensure_ascii=False) + "\n"


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"].split("/")[-1])
    if "anyOf" in prop:
        return " or ".join(_type_of(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "enum" in prop:
        return " | ".join(str(v) for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {_type_of(prop.get('items', {}))}"
    if prop.get("type") == "object":
        extra = prop.get("additionalProperties")
        return f"map of id → {_type_of(extra)}" if isinstance(extra, dict) else "mapping"
    if "const" in prop:
        return str(prop["const"])
    return str(prop.get("type", "any"))


def _schema_tables(root: str, defs: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per model reachable from `root`, in the order a reader meets them."""
    seen: list[str] = []
    todo = [root]
    tables = []
    while todo:
        name = todo.pop(0)
        if name in seen or name not in defs:
            continue
        seen.append(name)
        model = defs[name]
        required = set(model.get("required", []))
        rows = []
        for key, prop in model.get("properties", {}).items():
            markdown_ok = "Markdown allowed" in (prop.get("description") or "")
            rows.append({"key": key, "type": _type_of(prop), "required": key in required,
                         "default": prop.get("default"), "markdown": markdown_ok,
                         "description": prop.get("description", "")})
            for ref in _refs(prop):
                if ref not in seen:
                    todo.append(ref)
        tables.append({"name": name, "doc": model.get("description", ""), "rows": rows})
    return tables


def _refs(prop: Any) -> list[str]:
    found: list[str] = []
    if isinstance(prop, dict):
        if "$ref" in prop:
            found.append(prop["$ref"].split("/")[-1])
        for value in prop.values():
            found += _refs(value)
    elif isinstance(prop, list):
        for value in prop:
            found += _refs(value)
    return found


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
