"""Hostile text in every Markdown field of a set of definitions, and checks of the HTML
that comes out. The fields are found from the model (every field documented as
"Markdown allowed", the same signal the format reference uses), so a new Markdown field is
covered without changing the tests; email bodies (Jinja, then Markdown) are added."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.model import Node, Playbook
from revenue_playbook.safety.linkpolicy import ALLOWED_SCHEMES, url_scheme

# The red team's cases, and their neighbours: a click on any of these must run nothing.
# Each alert carries its own number, to tell which payload ran.
PAYLOADS = [
    "[click me][evil]\n\n[evil]: javascript:alert(101)",
    "[click me][evil2]\n\n[evil2]: <javascript:alert(102)>",
    "[ctl](\x01javascript:alert(103))",
    "[cr](java\rscript:alert(104))",
    "[tab](java\tscript:alert(105))",
    "[lf](java\nscript:alert(106))",
    "[ent](&#106;avascript:alert(107))",
    "[hex](&#x6A;avascript&colon;alert(108))",
    "[case](JaVaScRiPt:alert(109))",
    "[vb](vbscript:msgbox(110))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMTEpPC9zY3JpcHQ+)",
    "[proto](//evil.example/x)",
    "![img](javascript:alert(112))",
    "![img2][pic]\n\n[pic]: data:image/svg+xml,<svg onload=alert(113)>",
    "<javascript:alert(114)>",
    "[sp]( javascript:alert(115))",
    "[nbsp](\u00a0javascript:alert(116))",
    "[zw](java\u200bscript:alert(117))",
    "[ref][r118]\n\n[r118]: java\tscript:alert(118)",
    "[ref][r119]\n\n[r119]: &#x6A;avascript:alert(119)",
    "Criterion\n{: onclick=\"alert(120)\" style=\"position:fixed;inset:0\" }",
    "Item {: onclick=alert(121) }",
    "<a href=\"javascript:alert(122)\">raw</a><img src=x onerror=alert(123)>",
    "[ok](https://example.com/ok) [mail](mailto:a@example.com) [tel](tel:+15551234)",
]


Slot = tuple[Node, str, int | None]  # a node, a field name and, for lists, an index


def markdown_slots(playbook: Playbook) -> list[Slot]:
    """Every Markdown value written in the definitions, and every email body."""
    seen: set[int] = set()
    slots: list[Slot] = []

    def walk(value: Any) -> None:
        if isinstance(value, Node):
            if id(value) in seen:
                return
            seen.add(id(value))
            for name, info in type(value).model_fields.items():
                field_value = getattr(value, name)
                markdown = "Markdown allowed" in (info.description or "") or any(
                    "Markdown allowed" in (getattr(m, "description", None) or "")
                    for arg in getattr(info.annotation, "__args__", ())
                    for m in getattr(arg, "__metadata__", ()))
                if value.source is not None and field_value:
                    if markdown and isinstance(field_value, str):
                        slots.append((value, name, None))
                    elif markdown and isinstance(field_value, list):
                        slots.extend((value, name, i) for i, item in enumerate(field_value)
                                     if isinstance(item, str))
                    elif name == "body" and isinstance(field_value, str):
                        slots.append((value, name, None))
                walk(field_value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for section in vars(playbook).values():
        walk(section)
    return slots


def set_slot(slot: Slot, text: str) -> None:
    node, name, index = slot
    if index is None:
        # definitions are frozen; this one is fresh from `validate` and no memo has seen it
        object.__setattr__(node, name, text)
    else:
        getattr(node, name)[index] = text


def markdown_fields(playbook: Playbook) -> Iterator[tuple[Path, tuple[str | int, ...]]]:
    """(file, path in its YAML document) of every slot of `markdown_slots`."""
    for node, name, index in markdown_slots(playbook):
        assert node.source is not None
        keys = (*node.path, name) if index is None else (*node.path, name, index)
        yield node.source.path, keys


def hostile_defs(source: Path, target: Path, payload: Callable[[int, str], str]) -> int:
    """Copy the definitions in `source` to `target` with `payload(i, value)` in every
    Markdown field (the i-th found, written as `value`); returns how many were changed."""
    shutil.copytree(source, target)
    result = validate(target)
    assert not result.errors, [f.message for f in result.errors]
    documents: dict[Path, Any] = {}
    count = 0
    for i, (path, keys) in enumerate(markdown_fields(result.playbook)):
        data = documents.setdefault(path, yaml.safe_load(path.read_text(encoding="utf-8")))
        node = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = payload(i, node[keys[-1]])
        count += 1
    for path, data in documents.items():
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    return count


class UnsafeHTML(HTMLParser):
    """Collects every link or image with a scheme outside the allowed list, every event
    handler and every script element with content."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links = 0
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "xlink:href", "action", "formaction") and value:
                self.links += 1
                scheme = url_scheme(value)
                if scheme is not None and scheme not in ALLOWED_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and "alert" in data:
            self.problems.append(f"<script>{data[:60]!r}")


def problems(html: str) -> list[str]:
    inspector = UnsafeHTML()
    inspector.feed(html)
    inspector.close()
    return inspector.problems
