"""Email templates for sales and marketing tools, in each tool's merge-field syntax.

For every tool a template names in `tools:`, `emails/TOOL/` holds the template's body as
plain text (`ID.txt`) and as HTML (`ID.html`, built with xml.etree), and `templates.json`
lists each template's id, name, subject and files.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET

from ..checks.rules.templates import line_in
from ..definitions.merge_tokens import TOOLS, for_tool
from ..definitions.model import Playbook, Template
from ..safety.encoders import json_clean, visible
from .base import Output, Parts, Problem, at, made_once


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


# Kept for the same text, as `html` is (the texts come from `for_tool`, which keeps them).
_visible = functools.lru_cache(maxsize=8192)(visible)


# Salesforce fills a merge field from the record the email is sent to: `Contact.` and
# `Account.` fields are blank in an email to a lead, `Lead.` fields in one to a contact;
# `Recipient.` fields are filled for either (Salesforce Help, "Merge Fields for Lightning
# Email Templates").
SALESFORCE_OBJECTS = {"Contact": "contact", "Account": "contact", "Lead": "lead"}


def recipients(playbook: Playbook) -> dict[str, dict[str, str]]:
    """Who each template is sent to, by Salesforce object ("lead", "contact"), with where
    that use is written: a cadence an SLA tier or a lifecycle-driven follow-up starts goes
    to leads, a sales stage's touchpoints and cadence to the deal's contacts, a campaign
    email to leads and contacts alike."""
    found: dict[str, dict[str, str]] = {}

    def sent(tid: str | None, kind: str, how: str) -> None:
        if tid:
            found.setdefault(tid, {}).setdefault(kind, how)

    def cadence(cid: str | None, kind: str, how: str) -> None:
        if cid in playbook.cadences:
            for step in playbook.cadences[cid].steps:
                sent(step.template, kind, f"{how}, cadence '{cid}'")
    if playbook.sla is not None:
        for tier_id, tier in playbook.sla.tiers.items():
            for cadence_id in tier.cadence_ids():
                cadence(cadence_id, "lead", f"SLA tier '{tier_id}'")
    for sid, stage in playbook.stages.items():
        for touch in stage.touchpoints:
            sent(touch.template, "contact", f"sales stage '{sid}'")
        cadence(stage.cadence, "contact", f"sales stage '{sid}'")
    for cid, campaign in playbook.campaigns.items():
        for email in campaign.emails:
            for kind in ("lead", "contact"):
                sent(email.template, kind, f"campaign '{cid}'")
    return found


def salesforce_objects(tid: str, template: Template, playbook: Playbook,
                       sent_to: dict[str, str]) -> list[Problem]:
    """A problem for each merge field the template uses whose Salesforce token names an
    object the template is not sent to (it would be blank)."""
    problems = []
    text = f"{template.subject}\n{template.body}"
    for name in sorted(set(re.findall(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)", text))):
        variable = template.variables.get(name) or playbook.merge_fields.get(name)
        token = variable.tokens.get("salesforce") if variable is not None else None
        if not token or variable is None:
            continue
        needs = SALESFORCE_OBJECTS.get(token.split(".", 1)[0])
        other = next((kind for kind in ("lead", "contact") if kind in sent_to and
                      kind != needs), None)
        if needs is None or other is None:
            continue
        obj, _, field = token.partition(".")
        if obj == "Account":
            hint = (f"A lead has no account: use `Lead.Company` where the template goes to "
                    f"leads only, or give the template its own `{name}` variable.")
        else:
            hint = (f"Use `Recipient.{field}`: Salesforce fills it for a lead and a contact "
                    f"alike.")
        problems.append(Problem(
            f"template '{tid}' goes to {other}s ({sent_to[other]}), where Salesforce leaves "
            f"{{{{{{{token}}}}}}} blank: it is a field of the {needs}",
            at(variable, "tokens", "salesforce"), hint))
    return problems


def export(playbook: Playbook, parts: Parts | None = None) -> Output:
    """Every tool's files, made template by template (a part each: see `Parts`)."""
    parts = parts or made_once(playbook)
    out = Output()
    sent_to: dict[str, dict[str, str]] = parts("recipients", recipients, ())
    templates = list(playbook.templates.items())  # listed once, not once per tool
    made = {tid: parts(f"template:{tid}",
                       functools.partial(_template, tid, sent_to.get(tid, {})),
                       sent_to.get(tid, {}))
            for tid, template in templates if any(tool in template.tools for tool in TOOLS)}
    for tool in TOOLS:
        index = []
        for tid, template in templates:
            if tool not in template.tools:
                continue
            problems, written = made[tid][tool]
            out.problems += problems
            if written is None:
                continue
            text, page, entry = written
            out.files[f"{tool}/{tid}.txt"] = text
            out.files[f"{tool}/{tid}.html"] = page
            index.append(entry)
        if index:
            # what json.dumps(index, indent=2) writes, each entry's text kept (_index_entry)
            out.files[f"{tool}/templates.json"] = (
                "[\n  " + ",\n  ".join(index) + "\n]\n").encode("utf-8")
    return out


def _template(tid: str, sent_to: dict[str, str], playbook: Playbook) \
        -> dict[str, tuple[list[Problem], tuple[bytes, bytes, str] | None]]:
    """One template's part of the export, by tool: the problems met writing it for the
    tool, and its text, its HTML and its entry in the tool's templates.json (None when it
    cannot be written). `sent_to`: who it is sent to (`recipients`)."""
    template = playbook.templates[tid]
    made: dict[str, tuple[list[Problem], tuple[bytes, bytes, str] | None]] = {}
    for tool in TOOLS:
        if tool not in template.tools:
            continue
        problems: list[Problem] = []
        if tool == "salesforce":
            problems += salesforce_objects(tid, template, playbook, sent_to)
        written = for_tool(template, playbook, tool)
        for part, converted in (("subject", written.subject), ("body", written.body)):
            for issue in converted.issues:
                problems.append(Problem(
                    f"template '{tid}' {part} for {TOOLS[tool].title}: {issue.message}",
                    functools.partial(line_in, template, part, issue.line), issue.hint))
        if not written.ok:
            made[tool] = (problems, None)
            continue
        subject, body = _visible(written.subject.text), _visible(written.body.text)
        made[tool] = (problems, ((body.rstrip("\n") + "\n").encode("utf-8"),
                                 html(subject, body),
                                 _index_entry(tid, template.name, subject)))
    return made


@functools.lru_cache(maxsize=8192)
def _index_entry(tid: str, name: str, subject: str) -> str:
    """One template's entry in templates.json as `json.dumps` writes it inside the list
    (indented one level more): kept for the same text, as `html` is. JSON strings hold no
    line break, so indenting each line of the entry alone gives the same text."""
    entry = json_clean({"id": tid, "name": name, "subject": subject, "text": f"{tid}.txt",
                        "html": f"{tid}.html"})
    return json.dumps(entry, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def applies(playbook: Playbook) -> bool:
    return any(t.tools for t in playbook.templates.values())
