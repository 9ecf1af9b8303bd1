"""Templates sent from sales and marketing tools: each can be written in the tool's syntax."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from ...definitions import templating
from ...definitions.findings import Finding, Rule, Severity
from ...definitions.merge_tokens import TOOLS, for_tool
from ...definitions.model import Template
from .context import Context
from .templates import line_in

MISSING_TOKEN = Rule("PB410", "missing-token", Severity.ERROR,
                     "Every merge field a template uses has a token for each tool the "
                     "template is sent from (`tools:`).", "templates")
TOOL_LOGIC = Rule("PB411", "tool-logic", Severity.ERROR,
                  "A template sent from a tool holds only text and merge fields outside "
                  "`{# rep-edit #}` blocks: tools have no loops, conditions or filters.",
                  "templates")


def email_tools(ctx: Context) -> Iterator[Finding]:
    names, fields = ctx.merge_fields
    for tid, template in ctx.playbook.templates.items():
        yield from ctx.memoised(
            "email_tools", (tid, names), (template, *fields),
            functools.partial(_listed, tid, template, ctx))


def _check_template(tid: str, template: Template, ctx: Context) -> Iterator[Finding]:
    """The template in each of its tools' syntax; reads the template and the shared merge
    fields only."""
    if any(templating.parse(text).error for text in (template.subject, template.body)):
        return  # PB401 reports it; converting would only say it again
    for tool in template.tools:
        written = for_tool(template, ctx.playbook, tool)
        for part, converted in (("subject", written.subject), ("body", written.body)):
            for issue in converted.issues:
                rule = MISSING_TOKEN if issue.kind == "token" else TOOL_LOGIC
                yield Finding(rule, line_in(template, part, issue.line),
                              f"template '{tid}' {part} for {TOOLS[tool].title}: "
                              f"{issue.message}", issue.hint)


def _listed(tid: str, template: Template, ctx: Context) -> list[Finding]:
    return list(_check_template(tid, template, ctx))
