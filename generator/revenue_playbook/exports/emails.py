"""Email templates for sales and marketing tools, in each tool's merge-field syntax.

For every tool a template names in `tools:`, `emails/TOOL/` holds the template's body as
plain text (`ID.txt`) and as HTML (`ID.html`, built with xml.etree), and `templates.json`
lists each template's id, name, subject and files.
"""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ET

from ..encoders import json_clean, visible
from ..findings import Location
from ..merge_tokens import TOOLS, for_tool
from ..model import Playbook, Template
from ..rules.templates import line_in
from .base import Output, Problem


@functools.lru_cache(maxsize=8192)
def html(subject: str, body: str) -> bytes:
    """The body as an HTML email: a paragraph per blank-line-separated block, line breaks
    kept; every character of the text is escaped by the serialiser. Kept for the same text:
    the site's Downloads carry every template, and `playbook serve` makes them again on
    every edit."""
    root = ET.Element("html")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "meta", charset="utf-8")
    ET.SubElement(head, "title").text = subject
    page = ET.SubElement(root, "body")
    for block in body.strip("\n").split("\n\n"):
        if not block.strip():
            continue
        paragraph = ET.SubElement(page, "p")
        lines = block.strip("\n").split("\n")
        paragraph.text = lines[0]
        for line in lines[1:]:
            ET.SubElement(paragraph, "br").tail = line
    return b"<!DOCTYPE html>\n" + ET.tostring(root, encoding="utf-8", method="html") + b"\n"


def templates_for(playbook: Playbook, tool: str) -> list[tuple[str, Template]]:
    return [(tid, t) for tid, t in playbook.templates.items() if tool in t.tools]


def export(playbook: Playbook) -> Output:
    out = Output()
    for tool in TOOLS:
        index = []
        for tid, template in templates_for(playbook, tool):
            written = for_tool(template, playbook, tool)
            for part, converted in (("subject", written.subject), ("body", written.body)):
                for issue in converted.issues:
                    where: Location = line_in(template, part, issue.line)
                    out.problems.append(Problem(
                        f"template '{tid}' {part} for {TOOLS[tool].title}: {issue.message}",
                        where, issue.hint))
            if not written.ok:
                continue
            subject, body = visible(written.subject.text), visible(written.body.text)
            out.files[f"{tool}/{tid}.txt"] = (body.rstrip("\n") + "\n").encode("utf-8")
            out.files[f"{tool}/{tid}.html"] = html(subject, body)
            index.append({"id": tid, "name": template.name, "subject": subject,
                          "text": f"{tid}.txt", "html": f"{tid}.html"})
        if index:
            out.files[f"{tool}/templates.json"] = (json.dumps(
                json_clean(index), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return out


def applies(playbook: Playbook) -> bool:
    return any(t.tools for t in playbook.templates.values())
