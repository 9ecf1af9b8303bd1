"""Email templates in the merge-field syntax of sales and marketing tools.

A tool substitutes its own tokens (`{{ contact.firstname }}` in HubSpot, `{{lead.First Name}}`
in Marketo) and nothing else: no loops, no conditions, no filters. So a template converts
when, outside blocks the rep edits by hand, it is text and bare `{{ field }}`s whose merge
field names a token for the tool. A rep-edited block is marked with Jinja comments, which
change nothing in the site's rendering:

    {# rep-edit: the success criteria you agreed #}
    {% for item in success_criteria %}- {{ item }}
    {% endfor %}{# end rep-edit #}

and becomes `[[the success criteria you agreed]]` in the tool, for the rep to replace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import jinja2
from jinja2 import nodes

from ..safety.encoders import visible
from .model import EMAIL_TOOLS, Playbook, Template
from .templating import syntax_tree


class Tool(NamedTuple):
    name: str
    title: str
    syntax: Callable[[str], str]  # a token as written in the tool's templates
    example: str  # a token map entry, for hints
    # What the tool reads as the start of a merge field or of its template logic: in text
    # we write, only our own tokens may start one.
    opens: re.Pattern[str] = re.compile(r"\{\{|\{%")


TOOLS: dict[str, Tool] = {t.name: t for t in [
    # HubL: {{ }} expressions, {% %} statements, {# #} comments
    Tool("hubspot", "HubSpot", lambda token: "{{ " + token + " }}", "contact.firstname",
         re.compile(r"\{\{|\{%|\{#")),
    # Lightning's {{{Recipient.Name}}}, and Classic's {!Contact.Name} that it reads too
    Tool("salesforce", "Salesforce", lambda token: "{{{" + token + "}}}",
         "Contact.FirstName", re.compile(r"\{\{|\{%|\{!")),
    Tool("marketo", "Marketo", lambda token: "{{" + token + "}}", "lead.First Name"),
    Tool("outreach", "Outreach", lambda token: "{{" + token + "}}", "first_name"),
    Tool("salesloft", "Salesloft", lambda token: "{{" + token + "}}", "first_name"),
]}
assert tuple(TOOLS) == EMAIL_TOOLS

_MARKER = re.compile(r"\{#-?\s*(end\s+)?rep-edit\b\s*:?(.*?)-?#\}", re.S | re.I)


class Issue(NamedTuple):
    """Why a template field cannot be written for a tool: a line within the field."""

    kind: str  # "logic" (cannot be expressed), "token" (a field lacks a token) or
    # "literal" (text the tool would read as a merge field)
    line: int
    message: str
    hint: str
    variable: str = ""


@dataclass
class Converted:
    text: str = ""
    issues: list[Issue] = field(default_factory=list)


def _line_at(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.For):
        return "a loop (`{% for %}`)"
    if isinstance(node, nodes.If | nodes.CondExpr):
        return "a condition (`{% if %}`)"
    if isinstance(node, nodes.Filter):
        return f"a filter (`| {node.name}`)"
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        return "an attribute or item of a field"
    if isinstance(node, nodes.Assign | nodes.AssignBlock):
        return "a `{% set %}`"
    return f"Jinja logic ({type(node).__name__})"


def _text(node: nodes.Node) -> str | None:
    """The literal text a node stands for (a quoted string in `{{ }}` included)."""
    if isinstance(node, nodes.TemplateData):
        return node.data
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    return None


# Each text converted for a tool, with the tokens it was given: the site's Downloads write
# every template for each of its tools, and `playbook serve` makes them again after an
# edit of any one. Bounded: a long session forgets the oldest.
_CONVERTED: dict[tuple[str, str], tuple[tuple[tuple[str, str | None], ...], Converted]] = {}
CONVERTED_KEPT = 16384


def convert(source: str, tool: str, tokens: Callable[[str], str | None]) -> Converted:
    """`source` (a subject or body) in `tool`'s syntax. `tokens(name)` is the tool's token
    for merge field `name`, or None. Every problem is collected with its line. The result
    is shared with later calls for the same text, tool and tokens: never change it."""
    kept = _CONVERTED.get((source, tool))
    if kept is not None and all(tokens(name) == token for name, token in kept[0]):
        return kept[1]
    asked: list[tuple[str, str | None]] = []

    def recorded(name: str) -> str | None:
        token = tokens(name)
        asked.append((name, token))
        return token

    out = _convert(source, tool, recorded)
    if len(_CONVERTED) >= CONVERTED_KEPT:
        del _CONVERTED[next(iter(_CONVERTED))]
    _CONVERTED[source, tool] = (tuple(asked), out)
    return out


def _convert(source: str, tool: str, tokens: Callable[[str], str | None]) -> Converted:
    out = Converted()
    spec = TOOLS[tool]
    pieces: list[tuple[str, int, bool]] = []  # (text, its first line, one of our tokens)
    position, depth, block_start, label = 0, 0, 0, ""
    segments: list[tuple[int, str, bool, str]] = []  # (offset, text, rep-edited, label)
    for match in _MARKER.finditer(source):
        closing = bool(match[1])
        if closing != bool(depth):
            line = _line_at(source, match.start())
            what = "`{# end rep-edit #}` without an opening `{# rep-edit #}`" if closing \
                else "`{# rep-edit #}` inside another rep-edit block"
            out.issues.append(Issue("logic", line, what,
                                    "Open each block with `{# rep-edit: what to write #}` and "
                                    "close it with `{# end rep-edit #}`."))
            return out
        if closing:
            segments.append((block_start, source[block_start:match.start()], True, label))
            depth = 0
        else:
            segments.append((position, source[position:match.start()], False, ""))
            depth, block_start, label = 1, match.end(), match[2].strip()
        position = match.end()
    if depth:
        out.issues.append(Issue("logic", _line_at(source, block_start),
                                "a `{# rep-edit #}` block is never closed",
                                "Close it with `{# end rep-edit #}`."))
        return out
    segments.append((position, source[position:], False, ""))

    for offset, text, edited, note in segments:
        first_line = _line_at(source, offset)
        if edited:
            pieces.append((f"[[{note or 'to be written by the rep'}]]", first_line, False))
            continue
        tree = syntax_tree(text)  # every template converted for each tool, parsed once
        if isinstance(tree, jinja2.TemplateSyntaxError):
            exc = tree
            out.issues.append(Issue(
                "logic", first_line + (exc.lineno or 1) - 1,
                f"a rep-edit block cuts a Jinja block in two: {exc.message}",
                "Put the whole `{% ... %}` ... `{% end... %}` inside the rep-edit block."))
            continue
        for node in tree.body:
            line = first_line + (node.lineno or 1) - 1
            if not isinstance(node, nodes.Output):
                out.issues.append(_logic(node, line, spec))
                continue
            for part in node.nodes:
                line = first_line + (part.lineno or 1) - 1
                literal = _text(part)
                if literal is not None:
                    pieces.append((literal, line, False))
                elif isinstance(part, nodes.Name):
                    token = tokens(part.name)
                    if token is None:
                        out.issues.append(Issue(
                            "token", line,
                            f"merge field '{part.name}' has no {spec.title} token",
                            f"Give '{part.name}' a token map entry for {spec.title}, e.g. "
                            f"`tokens: {{{tool}: {spec.example}}}`, or put the line in a "
                            "`{# rep-edit #}` block.", part.name))
                    else:
                        pieces.append((spec.syntax(token), line, True))
                else:
                    out.issues.append(_logic(part, line, spec))
    # as written: the export drops invisible characters, so `{\u200b{x}}` is `{{x}}` there
    pieces = [(visible(text), line, is_token) for text, line, is_token in pieces]
    out.text = "".join(text for text, _, _ in pieces)
    out.issues += _smuggled(pieces, spec)
    return out


def _smuggled(pieces: list[tuple[str, int, bool]], spec: Tool) -> list[Issue]:
    """Where the written text starts a merge field (or tool logic) that is not one of our
    tokens: literal text (`{% raw %}{{account.ssn__c}}{% endraw %}`, `{{ '{{x}}' }}`, a
    rep-edit label), alone or joined to the text around it. Every field the tool reads is
    then one the checks saw."""
    text = "".join(piece for piece, _, _ in pieces)
    tokens: dict[int, int] = {}  # where each of our tokens starts -> where it ends
    starts: list[tuple[int, str, int]] = []  # (offset, piece, first line)
    offset = 0
    for piece, line, is_token in pieces:
        if is_token:
            tokens[offset] = offset + len(piece)
        starts.append((offset, piece, line))
        offset += len(piece)
    issues = []
    position = 0
    while (found := spec.opens.search(text, position)) is not None:
        if found.start() in tokens:
            position = tokens[found.start()]
            continue
        start, piece, line = next(s for s in reversed(starts) if s[0] <= found.start())
        line += piece.count("\n", 0, found.start() - start)
        shown = text[found.start():found.start() + 30].split("\n")[0]
        issues.append(Issue(
            "literal", line,
            f"the text `{shown}` would be read by {spec.title} as a merge field or "
            "template logic that no merge field declares",
            f"Write it without `{found[0]}` (e.g. `{found[0][0]} {found[0][1:]}`), or make it "
            "a declared merge field."))
        position = found.end()
        while text.startswith("{", position):  # one finding for a run of braces
            position += 1
    return issues


def _logic(node: nodes.Node, line: int, spec: Tool) -> Issue:
    return Issue("logic", line, f"{_describe(node)} cannot be expressed in {spec.title}",
                 "Mark the block for the rep to edit: `{# rep-edit: what to write #}` ... "
                 "`{# end rep-edit #}`, or write it as plain text.")


def token_lookup(template: Template, playbook: Playbook, tool: str) -> Callable[[str], str | None]:
    """A template's own variables first, then the shared merge fields."""
    def lookup(name: str) -> str | None:
        variable = template.variables.get(name) or playbook.merge_fields.get(name)
        return variable.tokens.get(tool) if variable is not None else None  # type: ignore[call-overload]
    return lookup


class ToolTemplate(NamedTuple):
    """One template written for one tool, or the issues that keep it from being written."""

    subject: Converted
    body: Converted

    @property
    def ok(self) -> bool:
        return not (self.subject.issues or self.body.issues)


def for_tool(template: Template, playbook: Playbook, tool: str) -> ToolTemplate:
    lookup = token_lookup(template, playbook, tool)
    return ToolTemplate(convert(template.subject, tool, lookup),
                        convert(template.body, tool, lookup))


def tool_versions(template: Template, playbook: Playbook) -> list[tuple[str, str, str]]:
    """(tool title, subject, body) for each tool the template is sent from and converts to."""
    versions = []
    for tool in template.tools:
        written = for_tool(template, playbook, tool)
        if written.ok:
            versions.append((TOOLS[tool].title, written.subject.text, written.body.text))
    return versions
