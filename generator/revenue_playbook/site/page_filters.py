"""The page templates' Jinja environment and the filters they format values with.

Templates get values (the model, indexes, rendered samples) and format them only through
these filters; none of them changes anything. `{{ }}` output is escaped as plain Markdown
text unless a filter returns Markup. Filters that need the page's place or the playbook
read `here`, `directory_urls`, `pb` and `calendar` from the page's context.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from ..definitions import presentation, wording
from ..safety import markup
from . import links


def _finalize(value: Any) -> str:
    # Escape every `{{ }}` as plain Markdown text by default, so a value from YAML never
    # becomes markup by accident. Autoescape is on only so that macros and filters that
    # return Markup (links, checklists, fenced code) pass through unchanged. What this
    # gives is page text, written as it is (see _Generator).
    if isinstance(value, Markup):
        return value
    return "" if value is None else markup.plain_text(value)


class _Generator(CodeGenerator):
    """Jinja's code generator, writing a `{{ }}` as `finalize(value)` where autoescape is
    on: `_finalize` escapes whatever needs it, and Jinja's `escape()` around it only copied
    the Markup it gave (once for each of some 30,000 values at scale 10)."""

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape or finalize.src is None:
            super()._output_child_pre(node, frame, finalize)
        else:
            self.write(finalize.src)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape or finalize.src is None:
            super()._output_child_post(node, frame, finalize)
        else:
            self.write(")")


class _Environment(jinja2.Environment):
    code_generator_class = _Generator


# Compiled templates are kept under a name of their own: one compiled by Jinja's own
# generator would escape again what `_finalize` gives.
_BYTECODE_NAMES = "__playbook_pages_%s.cache"


@jinja2.pass_context
def link(context: jinja2.runtime.Context, target: str) -> Markup:
    """`"roles.md"|link`: a Markdown link target from this page to another (MkDocs checks
    and rewrites it)."""
    return markup.safe(links.link(target, context["here"]))


@jinja2.pass_context
def anchor_link(context: jinja2.runtime.Context, target: str) -> Markup:
    """`"sla.md#recycle"|anchor_link`: a link target to a page and anchor; on the same page,
    just the anchor."""
    page, _, anchor = target.partition("#")
    suffix = f"#{anchor}" if anchor else ""
    if page == context["here"]:
        return Markup(suffix or "#")
    return markup.safe(links.link(page, context["here"]) + suffix)


@jinja2.pass_context
def url(context: jinja2.runtime.Context, target: str) -> str:
    """`"campaigns/x.md"|url`: the URL of another page in the built site, for raw HTML
    links that MkDocs does not rewrite (it follows `use_directory_urls`)."""
    return links.url(target, context["here"], context["directory_urls"])


@jinja2.pass_context
def business_time(context: jinja2.runtime.Context, duration: str) -> str:
    """`tier.response_time|business_time`: `2h` as "2 business hours"."""
    return presentation.business_time(context["calendar"], duration)


@jinja2.pass_context
def role_name(context: jinja2.runtime.Context, role_id: str | None) -> str:
    """`goal.owner|role_name`: a role's name (its id when it is not defined)."""
    return presentation.role_name(context["pb"], role_id)


_FORMATS: dict[str, Callable[[Any], str]] = {
    "percent": presentation.percent, "days": presentation.days,
    "calendar_time": presentation.calendar_time, "touches": presentation.touches,
    "forecast": presentation.forecast_name}


@jinja2.pass_context
def per_segment(context: jinja2.runtime.Context, value: Any, fmt: str = "") -> str:
    """`stage.duration_days|per_segment("days")`: one value, or each segment's in one line
    ("Mid-market 5 business days, Enterprise 10 business days"); formats: percent, days,
    business_time, calendar_time, touches, forecast."""
    if fmt == "business_time":
        def words(duration: str) -> str:
            return presentation.business_time(context["calendar"], duration)
        return presentation.per_segment(context["pb"], value, words)
    return presentation.per_segment(context["pb"], value, _FORMATS.get(fmt, str))


@jinja2.pass_context
def segment_names(context: jinja2.runtime.Context, ids: list[str]) -> str:
    """`process.segments|segment_names`: "Mid-market, Enterprise"."""
    segments = context["pb"].segments
    return ", ".join(segments[s].name if s in segments else s for s in ids)


@jinja2.pass_context
def reason(context: jinja2.runtime.Context, reason_id: str) -> Any:
    """`rid|reason`: the declared reason (name, description), or one named after its id."""
    found = context["pb"].reasons.get(reason_id)
    return found or {"name": presentation.reason_name(reason_id), "description": ""}


CRM_TITLES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}


def crm_names(node: Any) -> str:
    """`node|crm_names`: how each CRM names a definition with a `crm:` mapping, e.g.
    "Salesforce: Closed Won; HubSpot: closedwon"."""
    parts = []
    for crm, given in node.crm.items():
        if isinstance(given, str):
            parts.append(f"{CRM_TITLES[crm]}: {given}")
        else:
            parts.append(f"{CRM_TITLES[crm]}: {given.value} (shown as {given.label})")
    return "; ".join(parts)


def or_not_defined(value: Any) -> Markup:
    """`campaign.objective|or_not_defined`: the value as text, or *not defined* (in
    italics) when the playbook does not state it."""
    if value is None or value == "" or value == [] or value == {}:
        return Markup(f"*{wording.NOT_DEFINED}*")
    return Markup(markup.text(value))


def indent(value: Any, width: int = 4) -> Any:
    """`body|md|indent(4)`: Jinja's `indent` (the first line and blank lines left as they
    are). Markup (what the filters before it give) is indented as plain text and marked
    once: Jinja's own filter marks and escapes it again line by line, most of an email
    page's cost."""
    if not isinstance(value, Markup):
        return jinja2.filters.do_indent(value, width)
    padding = " " * width
    first, *lines = (str(value) + "\n").splitlines()  # Jinja's way, its quirks included
    return markup.safe("\n".join([first, *(padding + line if line else line for line in lines)]))


def thousands(value: int) -> str:
    """`n|thousands`: a whole number with thousands separators."""
    return f"{value:,}"


def kpi_value(value: float | None, unit: str) -> str:
    """`value|kpi_value(unit)`: a measured value, or a target, in its unit."""
    return "not defined" if value is None else presentation.kpi_value(value, unit)


@jinja2.pass_context
def business_minutes(context: jinja2.runtime.Context, minutes: float) -> str:
    """`minutes|business_minutes`: business minutes in words ("4 business hours")."""
    return str(context["calendar"].describe(minutes))


@jinja2.pass_context
def measure_words(context: jinja2.runtime.Context, kpi: Any) -> str:
    """`kpi|measure_words`: how `playbook measure` computes the KPI, in words."""
    pb = context["pb"]
    m = kpi.measure

    def name(event: str | None) -> str:
        if event in pb.lifecycle:
            return str(pb.lifecycle[event].name)
        if event in pb.stages:
            return str(pb.stages[event].name)
        return {"created": "creation", "first_touch": "the first touch"}.get(event or "", "")

    within = f" within {m.within} days" if m.within else ""
    per = m.per or kpi.frequency or "weekly"  # measured by week when not stated
    return {
        "entries": f"leads (or deals) entering {name(m.stage)}, per {per} period",
        "conversion": f"share of those entering {name(m.from_)} who reach {name(m.to)}"
                      f"{within}",
        "cohort_conversion": f"share of the leads created in each {per} period who reach "
                             f"{name(m.to)}{within}",
        "median_time": f"median business time from {name(m.from_)} to {name(m.to)}",
        "sum": f"sum of the amounts of deals {m.of} in each {per} period",
        "weighted_sum": "amounts won since the start of the year plus open pipeline × each "
                        "stage's probability" + (", as a share of the revenue goal"
                                                 if m.per_goal else ""),
        "win_rate": "deals won among those closed in each period",
    }[m.kind]


FILTERS = {
    # escaping (markup.py)
    "text": markup.text, "md": markup.markdown, "cell": markup.cell,
    "fence": markup.code_fence, "attr": markup.attr, "code": markup.code,
    "sample": markup.sample, "indent": indent,
    # wording (presentation.py)
    "link": link, "anchor_link": anchor_link, "url": url, "business_time": business_time,
    "role_name": role_name, "per_segment": per_segment, "segment_names": segment_names,
    "reason": reason, "crm_names": crm_names, "measure_words": measure_words,
    "thousands": thousands, "kpi_value": kpi_value, "business_minutes": business_minutes,
    "money": presentation.money, "weekday": presentation.weekday,
    "kpi_target": presentation.kpi_target, "team_title": presentation.team_title,
    "day_label": presentation.day_label, "time_of_day": presentation.time_of_day,
    "field_words": presentation.field_words,
    "channel_icon": presentation.channel_icon, "reason_name": presentation.reason_name,
    # counts and articles, and what the playbook does not state (wording.py)
    "movement": presentation.movement,
    "a": wording.with_article, "count": wording.count, "or_not_defined": or_not_defined,
}


@lru_cache(maxsize=4)
def page_environment(cache_dir: Path | None = None) -> jinja2.Environment:
    """The page templates' environment; with `cache_dir`, compiled templates are kept there
    (Jinja's bytecode cache, checked against each template's source), which saves a fresh
    `playbook build` most of its own start-up time."""
    bytecode_cache = None
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache_dir), _BYTECODE_NAMES)
        except OSError:
            pass  # an unwritable cache folder only costs time
    env = _Environment(
        loader=jinja2.PackageLoader("revenue_playbook", "templates/pages"),
        finalize=_finalize, autoescape=True, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
        bytecode_cache=bytecode_cache,
        # package data, changed only with Playbook itself: a template loaded once is not
        # checked again (two stat calls for every page and every macro import)
        auto_reload=False)
    env.filters.update(FILTERS)
    return env
