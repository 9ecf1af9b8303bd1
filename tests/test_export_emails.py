"""Email templates for sales and marketing tools: tokens in each tool's syntax, logic a tool
cannot express refused with file:line unless the block is marked for the rep to edit."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLE, MINIMAL
from lxml import html as lxml_html

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.definitions import templating
from revenue_playbook.definitions.merge_tokens import TOOLS, convert

# How each tool writes a merge field, from its own documentation.
SYNTAX = {"hubspot": r"\{\{ [\w.]+ \}\}", "salesforce": r"\{\{\{[\w.]+\}\}\}",
          "marketo": r"\{\{[\w. ]+\}\}", "outreach": r"\{\{[\w.]+\}\}",
          "salesloft": r"\{\{[\w.]+\}\}"}


@pytest.fixture(scope="module")
def example():
    return validate(EXAMPLE).playbook


def test_every_template_in_every_tool_it_names(tmp_path, example) -> None:
    out = tmp_path / "emails"
    assert main(["export", "emails", str(EXAMPLE), "--out", str(out)]) == 0
    expected = {(tool, tid) for tid, t in example.templates.items() for tool in t.tools}
    assert {"outreach", "marketo", "hubspot", "salesforce", "salesloft"} == \
        {tool for tool, _ in expected}
    seen = set()
    for tool in TOOLS:
        index_file = out / tool / "templates.json"
        if not index_file.exists():
            continue
        for entry in json.loads(index_file.read_text()):
            tid = entry["id"]
            seen.add((tool, tid))
            template = example.templates[tid]
            text = (out / tool / entry["text"]).read_text()
            page = lxml_html.parse(str(out / tool / entry["html"])).getroot()
            assert page.findtext(".//title") == entry["subject"]
            html_text = "\n".join(p.text_content() for p in page.iter("p"))
            for written in (entry["subject"], text, html_text):
                assert "{%" not in written and "{#" not in written
                tokens = re.findall(r"\{\{.*?\}\}\}?", written)
                assert all(re.fullmatch(SYNTAX[tool], token) for token in tokens), tokens
            # every merge field outside rep-edit blocks became the tool's own token
            lookup = {**{n: v.tokens for n, v in example.merge_fields.items()},
                      **{n: v.tokens for n, v in template.variables.items()}}
            outside = re.sub(r"\{# rep-edit.*?end rep-edit #\}", "", template.body,
                             flags=re.S)
            for name in templating.parse(outside).variables:
                token = lookup[name][tool]
                assert TOOLS[tool].syntax(token) in text, (tool, tid, name)
                assert TOOLS[tool].syntax(token) in html_text
    assert seen == expected


def test_rep_edited_block_becomes_a_placeholder(tmp_path, example) -> None:
    out = tmp_path / "emails"
    assert main(["export", "emails", str(EXAMPLE), "--out", str(out)]) == 0
    text = (out / "outreach" / "demo_followup.txt").read_text()
    assert "[[the success criteria, one per line]]" in text
    assert "[[the recording link]]" in text
    assert "{{first_name}}" in text and "Retention report" not in text
    # the site still renders the whole template: the markers are Jinja comments
    rendered = templating.render(example.templates["demo_followup"].body,
                                 {"first_name": "Dana", "recording_url": "R",
                                  "success_criteria": ["one", "two"], "meeting_link": "M",
                                  "sender_name": "S"})
    assert "- one\n- two\n" in rendered and "rep-edit" not in rendered


def test_html_escapes_text_and_keeps_tokens() -> None:
    from revenue_playbook.exports.emails import html

    page = html("A & B", "Hi {{first_name}},\n\n<b>bold</b> & more\nline two").decode()
    assert "<title>A &amp; B</title>" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more<br>line two" in page
    assert "{{first_name}}" in page


def write_template(defs: Path, body: str, tools: str = "[outreach]") -> Path:
    path = defs / "templates" / "recap.yaml"
    path.write_text("name: Recap\ntype: one_to_one\nowner: ae\n"
                    f"tools: {tools}\nsubject: Our call today\nbody: |\n"
                    + "".join(f"  {line}\n" for line in body.splitlines())
                    + "variables:\n  items:\n    description: Things\n    sample: [a, b]\n"
                    "    tokens: {outreach: custom1}\n")
    return path


@pytest.fixture
def defs(tmp_path: Path) -> Path:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    team = root / "team.yaml"
    team.write_text(team.read_text().replace(
        "    sample: Dana\n",
        "    sample: Dana\n    tokens: {outreach: first_name, hubspot: contact.firstname}\n", 1))
    return root


def test_a_loop_in_a_tool_template_is_an_error_at_its_line(defs, tmp_path, capsys) -> None:
    write_template(defs, "Hi {{ first_name }},\n\n{% for i in items %}- {{ i }}\n{% endfor %}")
    out = tmp_path / "out"
    assert main(["export", "emails", str(defs), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "1 error" in err
    assert "recap.yaml:9:3: error PB411 template 'recap' body for Outreach: a loop " \
        "(`{% for %}`) cannot be expressed in Outreach" in err
    assert "rep-edit" in err  # the hint says how to mark it
    assert not out.exists()


def test_the_same_loop_marked_for_the_rep_exports(defs, tmp_path) -> None:
    write_template(defs, "Hi {{ first_name }},\n\n{# rep-edit: your list #}"
                         "{% for i in items %}- {{ i }}\n{% endfor %}{# end rep-edit #}")
    out = tmp_path / "out"
    assert main(["export", "emails", str(defs), "--out", str(out)]) == 0
    assert (out / "outreach" / "recap.txt").read_text() == "Hi {{first_name}},\n\n[[your list]]\n"


def test_a_field_without_a_token_for_the_tool_is_an_error(defs, tmp_path, capsys) -> None:
    write_template(defs, "Hi {{ first_name }},\n\nSee you.", tools="[outreach, salesloft]")
    assert main(["validate", str(defs)]) == 1
    err = capsys.readouterr().out
    assert "recap.yaml:7:3: error PB410 template 'recap' body for Salesloft: merge field " \
        "'first_name' has no Salesloft token" in err
    assert "tokens: {salesloft: first_name}" in err


def test_filters_conditions_and_unbalanced_markers_are_refused() -> None:
    tokens = {"first_name": "first_name"}.get
    assert convert("{{ first_name | upper }}", "outreach", tokens).issues[0].message == \
        "a filter (`| upper`) cannot be expressed in Outreach"
    issue = convert("a\n{% if x %}b{% endif %}", "hubspot", tokens).issues[0]
    assert (issue.line, issue.message) == (2, "a condition (`{% if %}`) cannot be expressed "
                                              "in HubSpot")
    assert "never closed" in convert("{# rep-edit #}x", "outreach", tokens).issues[0].message
    assert "without an opening" in convert("x{# end rep-edit #}", "outreach",
                                           tokens).issues[0].message
    cut = convert("{% for i in x %}{# rep-edit #}{% endfor %}{# end rep-edit #}", "outreach",
                  tokens).issues[0]
    assert "cuts a Jinja block in two" in cut.message
    assert convert("{{ 'literal' }} {{ first_name }}", "salesforce",
                   tokens).text == "literal {{{first_name}}}"


def test_a_text_converted_again_follows_its_tokens() -> None:
    """A conversion is kept for the same text and tool while every token it asked for is
    the same (serve converts each template again after an edit of any one)."""
    text = "Hi {{ first_name }}, about {{ 'x' }}"
    first = convert(text, "outreach", {"first_name": "name"}.get)
    assert first.text == "Hi {{name}}, about x"
    assert convert(text, "outreach", {"first_name": "name", "other": "o"}.get) is first
    assert convert(text, "outreach", {"first_name": "given"}.get).text == \
        "Hi {{given}}, about x"
    assert convert(text, "outreach", {}.get).issues[0].kind == "token"
    assert convert(text, "marketo", {"first_name": "name"}.get).text == "Hi {{name}}, about x"


@pytest.mark.slow
@pytest.mark.parametrize("tool", list(TOOLS))
def test_no_template_text_crashes_the_conversion(tool) -> None:
    """Any text, valid Jinja or not, converts or lists its issues; nothing raises."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(["{{ first_name }}", "{{ x }}", "{% for i in x %}", "{% endfor %}",
                              "{% if x %}", "{% endif %}", "{# rep-edit #}",
                              "{# end rep-edit #}", "{# rep-edit: y #}", "{{", "}}", "{%", "\n",
                              "text", "{{ 'a' }}", "{{ x|upper }}", "{#-rep-edit-#}"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=12))
    def check(parts: list[str]) -> None:
        result = convert("".join(parts), tool, {"first_name": "first_name"}.get)
        assert all(issue.line >= 1 for issue in result.issues)
        if not result.issues:
            assert "{%" not in result.text.replace("{{ 'a' }}", "")

    check()


def test_a_token_with_braces_is_refused_where_it_is_written(defs, capsys) -> None:
    team = defs / "team.yaml"
    team.write_text(team.read_text().replace("outreach: first_name,", "outreach: '{{x}}',"))
    assert main(["validate", str(defs)]) == 1
    out = capsys.readouterr().out
    assert "team.yaml:" in out and "tokens" in out
