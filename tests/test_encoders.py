"""The output encoders, one by one: each destination's rule on the red team's payloads."""

from __future__ import annotations

import csv
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from revenue_playbook.safety import encoders
from revenue_playbook.safety.encoders import visible

HOSTILE = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "a\u202eb", "x\u200by", "\x1b]52;c;eA==\x07",
           "<!channel>", '"onmouseover="x', "a\x0bb\x85c", "\U000e0041tag", "plain, text"]


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_cell_is_text_in_a_spreadsheet(value: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([encoders.csv_cell(value)])
    (cell,) = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell.removeprefix("'") == visible(value)


def test_csv_cell_leaves_ordinary_text_alone() -> None:
    assert encoders.csv_cell("Write the brief") == "Write the brief"
    assert encoders.csv_cell(12) == "12"


@pytest.mark.parametrize("value", [*HOSTILE, "\x00\x01\x1f\x7f", "a\r\nb\rc"])
def test_xml_text_always_parses(value: str) -> None:
    node = ET.Element("label")
    node.text = encoders.xml_text(value)
    assert (ET.fromstring(ET.tostring(node)).text or "") == node.text


@pytest.mark.parametrize("value", ["a\ufffeb", "a\uffff", "x\ud800y"])
def test_xml_text_refuses_what_xml_cannot_hold(value: str) -> None:
    with pytest.raises(encoders.Unwritable) as caught:
        encoders.xml_text(value, "Salesforce")
    assert caught.value.offset == len(value.split(caught.value.character)[0])
    assert "cannot be written in Salesforce" in str(caught.value)


def test_slack_mrkdwn_escapes_its_three_characters() -> None:
    assert encoders.slack_mrkdwn("<!here> & <@U1>\u202e") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
    assert encoders.slack_plain("a\nb\u200b c") == "a b c"


def test_teams_text_is_one_visible_line() -> None:
    assert encoders.teams_text("[x](https://e.example)\n\u202eb") == "[x](https://e.example) b"


def test_ics_text_keeps_line_breaks_and_drops_controls() -> None:
    assert encoders.ics_text("a\r\nb\rc\x0bd\x85e\u2028f") == "a\nb\ncdef"
    assert encoders.ics_line("a\nb\x0bc") == "a bc"


def test_json_clean_walks_the_document() -> None:
    document = {"na\u200bme": ["a\u202eb", {"c": "d\x0be"}], "n": 1, "t": True, "z": None}
    assert encoders.json_clean(document) == {"name": ["ab", {"c": "de"}], "n": 1, "t": True,
                                             "z": None}
    assert json.loads(json.dumps(encoders.json_clean(document)))["name"] == ["ab", {"c": "de"}]


def test_html_attribute_is_escaped_once() -> None:
    value = encoders.html_attribute('Acme" onmouseover="alert(1)\' <b>&')
    assert value == "Acme&#34; onmouseover=&#34;alert(1)&#39; &lt;b&gt;&amp;" or \
        value == "Acme&quot; onmouseover=&quot;alert(1)&#39; &lt;b&gt;&amp;"
    assert isinstance(value, Markup) and escape(value) == value  # a theme's |e keeps it
    assert encoders.html_attribute(value) is value


def test_terminal_shows_escapes_and_keeps_tabs_and_line_feeds() -> None:
    shown = encoders.terminal("a\x1b]52;c;eA==\x07\tb\nc\rd\x9b\u202e\U000e0041")
    assert shown == "a\\u001b]52;c;eA==\\u0007\tb\nc\\u000dd\\u009b\\u202e\\udb40\\udc41"
    # inside a JSON string the escapes read back as the characters they stand for
    text = json.dumps({"k": "\x9b\u202e\U000e0041"}, ensure_ascii=False)
    assert json.loads(encoders.terminal(text)) == {"k": "\x9b\u202e\U000e0041"}


def test_the_cli_prints_only_through_its_escaping_echo() -> None:
    """`cli.echo` shows escape sequences as text; a new command printing with click.echo
    directly would pass them to the terminal (coloured validate output escapes its own)."""
    import ast
    import inspect

    from revenue_playbook import cli

    tree = ast.parse(inspect.getsource(cli))
    direct = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef) or function.name in ("echo", "validate"):
            continue
        direct += [f"{function.name}:{node.lineno}" for node in ast.walk(function)
                   if isinstance(node, ast.Attribute) and node.attr in ("echo", "secho")
                   and isinstance(node.value, ast.Name) and node.value.id == "click"]
    assert direct == []


def test_a_cut_slack_text_ends_on_a_whole_escape() -> None:
    from revenue_playbook.definitions.diff import Change
    from revenue_playbook.exports import chat

    for shift in range(5):  # the cut falls on each character of an escape in turn
        change = Change("changed", "stages", "stage 'x'", "name", old="a" * (shift + 1),
                        new="&" * 4000)  # every character an escape of five
        message = chat.slack_message(chat.Summary("v2", [change]))
        text = message["blocks"][1]["text"]["text"]
        assert len(text) <= chat.SLACK_SECTION_MAX
        assert re.fullmatch(r"[^&]*(&amp;)+…", text.replace("\n", " ")), text[-20:]


ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | \
    st.lists(st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", " ", "\x1b", "\x85",
                              "\u202e", "\u200b", "\ufffe", "&", "<", ">", '"', "'", "a",
                              "\\", "u", "001b"]), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_every_encoder_holds_for_any_text(value: str) -> None:
    from lxml import etree

    cell = encoders.csv_cell(value)
    assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    try:
        text = encoders.xml_text(value)
    except encoders.Unwritable:
        assert "\ufffe" in value or "\uffff" in value
    else:
        node = etree.Element("v")
        node.text = text  # lxml refuses what XML 1.0 cannot hold
        assert etree.fromstring(etree.tostring(node)).text in (text, None)
    shown = encoders.terminal(value)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert json.loads(encoders.terminal(json.dumps(value, ensure_ascii=False))) == value
    for one_line in (encoders.slack_plain(value), encoders.teams_text(value),
                     encoders.ics_line(value)):
        assert "\n" not in one_line and "\r" not in one_line
    assert not re.search("[<>]", encoders.slack_mrkdwn(value))
    assert not re.search("[<>\"']", encoders.html_attribute(value))
