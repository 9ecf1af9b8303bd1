"""Email templates: valid Jinja2, declared merge fields, renders with samples, bulk rules."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import astuple

import jinja2

from ...definitions import templating
from ...definitions.findings import Finding, Location, Rule, Severity, Vocabulary
from ...definitions.model import Node, Template, walk
from ...definitions.presentation import sample_values
from .context import Context

SYNTAX = Rule("PB401", "template-syntax", Severity.ERROR,
              "Subject and body are valid Jinja2 using only the sandbox's filters.",
              "templates")
UNDECLARED = Rule("PB402", "undeclared-variable", Severity.ERROR,
                  "Every merge field used is declared with a description and sample.",
                  "templates")
RENDER = Rule("PB403", "template-render", Severity.ERROR,
              "Every template renders with its sample values.", "templates")
UNSUBSCRIBE = Rule("PB404", "bulk-unsubscribe", Severity.ERROR,
                   "A bulk email carries an unsubscribe link.", "templates")
SUBJECT_LENGTH = Rule("PB405", "subject-length", Severity.WARNING,
                      "A rendered subject fits an inbox line (60 characters by default).",
                      "templates")
UNUSED_VARIABLE = Rule("PB406", "unused-variable", Severity.WARNING,
                       "A variable declared by a template is used by it.", "templates")
UNUSED_TEMPLATE = Rule("PB407", "unused-template", Severity.WARNING,
                       "Every template is used by a stage, cadence or campaign.", "templates")
BUDGET = Rule("PB408", "render-budget", Severity.ERROR,
              "A template renders within its budget of loop steps, time and text.",
              "templates")


def line_in(template: Template, field: str, lineno: int) -> Location:
    """The file position of line `lineno` (1-based) inside a template's subject or body."""
    start = template.where(field)
    if not start.line or template.source is None:
        return start
    header = template.source.line_text(start.line).rstrip()
    is_block = header.endswith(("|", ">", "|-", ">-", "|+", ">+"))
    line = start.line + lineno if is_block else start.line + lineno - 1
    text = template.source.line_text(line)
    column = len(text) - len(text.lstrip()) + 1 if is_block else start.column
    return Location(start.file, line, column)


# Compiled when first used (re keeps them): only a finding that points at a name needs them.
_TAG = r"\{\{.*?\}\}|\{%.*?%\}"
_NAME = r"(?<![\w.])\w+"


def _first_uses(template: Template, field: str, source: str) -> dict[str, Location]:
    """Where each name is first used inside a `{{ }}` or `{% %}` of the text: the line
    holding it and its column, not the `body: |` above. One pass over the text for all
    the names a finding may ask about."""
    found: dict[str, Location] = {}
    for number, text in enumerate(source.splitlines(), start=1):
        at: Location | None = None
        column = -1
        for tag in re.finditer(_TAG, text):
            for word in re.finditer(_NAME, tag.group()):
                if word.group() in found:
                    continue
                if at is None:
                    at = line_in(template, field, number)
                    if at.line and template.source is not None:
                        column = template.source.line_text(at.line).find(text.strip())
                found[word.group()] = at if column < 0 else Location(
                    at.file, at.line, column + 1 + tag.start() + word.start()
                    - (len(text) - len(text.lstrip())))
    return found


def render_error_line(exc: Exception) -> int:
    tb = exc.__traceback__
    line = 1
    while tb is not None:  # the innermost frame compiled from the template has its line
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _check_template(tid: str, template: Template, ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    declared = set(template.variables) | set(pb.merge_fields)
    known = Vocabulary(declared)
    used: set[str] = set()
    values = sample_values(template, pb)
    rendered: dict[str, str] = {}
    compiled = True
    for field in ("subject", "body"):
        source = getattr(template, field)
        parsed = templating.parse(source)
        if parsed.error is not None:
            yield Finding(SYNTAX, line_in(template, field, parsed.error.lineno or 1),
                          f"template '{tid}' {field}: {parsed.error.message}",
                          "Check the `{{ }}` and `{% %}` pairs and filter names.")
            compiled = False
            continue
        used |= parsed.variables
        missing = sorted(parsed.variables - declared)
        first_use = _first_uses(template, field, source) if missing else {}
        # a shared merge field may live in a file that could not be read: say nothing yet
        for name in missing if not pb.unreadable else ():
            typo = known.did_you_mean(name)
            yield Finding(UNDECLARED, first_use.get(name) or template.where(field),
                          f"template '{tid}' {field} uses '{name}', which is not declared",
                          (typo + " Otherwise d" if typo else "D") +
                          f"eclare it under `variables:` with a description and a sample, "
                          f"e.g.\n  {name}:\n    description: ...\n    sample: ...")
        if missing:
            continue
        try:
            rendered[field] = templating.render(source, values)
        except templating.RenderLimit as exc:
            yield Finding(BUDGET, line_in(template, field, render_error_line(exc)),
                          f"template '{tid}' {field} goes over its render budget: {exc}",
                          "An email needs no loop, padding or repetition this large: "
                          "simplify the expression on this line.")
        except jinja2.exceptions.SecurityError as exc:
            yield Finding(SYNTAX, line_in(template, field, render_error_line(exc)),
                          f"template '{tid}' {field} tries something the sandbox forbids: "
                          f"{exc}", "Templates may only read their merge fields.")
        except Exception as exc:
            yield Finding(RENDER, line_in(template, field, render_error_line(exc)),
                          f"template '{tid}' {field} does not render with its samples: "
                          f"{type(exc).__name__}: {exc}",
                          "Give the variables samples of the right shape, or fix the "
                          "expression.")
    for name in sorted(set(template.variables) - used) if compiled else ():
        yield Finding(UNUSED_VARIABLE, template.where("variables", name, key=True),
                      f"template '{tid}' declares '{name}' but does not use it",
                      "Remove the declaration, or use the variable.")
    if template.type == "bulk" and "unsubscribe" not in template.body.lower():
        yield Finding(UNSUBSCRIBE, template.where("body"),
                      f"bulk template '{tid}' has no unsubscribe link",
                      "Add a line such as `Unsubscribe: {{ unsubscribe_url }}` to the body.")
    subject = rendered.get("subject")
    if subject is not None and len(subject) > ctx.options.subject_max:
        yield Finding(SUBJECT_LENGTH, template.where("subject"),
                      f"template '{tid}' subject is {len(subject)} characters with its samples "
                      f"(limit {ctx.options.subject_max})",
                      "Inboxes cut long subjects: shorten it.")


def templates(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    used = set().union(*ctx.per_item("templates used", _templates_used))
    names, fields = ctx.merge_fields
    # every option, not just subject_max: an option added later cannot be forgotten here
    values = (names, bool(pb.unreadable), astuple(ctx.options))
    for tid, template in pb.templates.items():
        yield from ctx.memoised("template", (tid, values), (template, *fields),
                                functools.partial(_listed, tid, template, ctx))
        # an unread file or an invalid process, cadence or campaign may use it
        if tid not in used and not pb.incomplete("processes", "cadences", "campaigns"):
            yield Finding(UNUSED_TEMPLATE, template.where(key=bool(template.path)),
                          f"template '{tid}' is not used anywhere",
                          "Reference it from a stage touchpoint, a cadence step or a "
                          "campaign email, or delete it.")


def _listed(tid: str, template: Template, ctx: Context) -> list[Finding]:
    return list(_check_template(tid, template, ctx))


def _templates_used(item: Node) -> set[str | None]:
    # asked of the class: a model without the field answers getattr by raising inside
    # pydantic's __getattr__, for most nodes of a playbook
    return {node.template if "template" in type(node).model_fields else None  # type: ignore[attr-defined]
            for node in walk(item)}
