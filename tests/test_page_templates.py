"""Page templates get values and format them with filters: they call no method that
computes (a template that did would hide logic where no test of the core looks)."""

from __future__ import annotations

import pytest
from jinja2 import nodes

from revenue_playbook.site.page_filters import FILTERS, page_environment

# Reading a mapping is not computing.
ACCESSORS = {"items", "values", "keys", "get"}


def computing_calls(source: str) -> list[str]:
    """The calls in a template other than macros and mapping accessors."""
    env = page_environment()
    ast = env.parse(source)
    macros = {m.name for m in ast.find_all(nodes.Macro)} | {"caller"}
    imported = {i.target for i in ast.find_all(nodes.Import)}
    found = []
    for call in ast.find_all(nodes.Call):
        func = call.node
        if isinstance(func, nodes.Name) and func.name in macros:
            continue
        if isinstance(func, nodes.Getattr):
            if isinstance(func.node, nodes.Name) and func.node.name in imported:
                continue  # a macro of _macros.md.j2
            if func.attr in ACCESSORS:
                continue
            found.append(f"line {call.lineno}: .{func.attr}(...)")
        else:
            found.append(f"line {call.lineno}: {type(func).__name__} call")
    return found


def templates() -> list[str]:
    return sorted(page_environment().list_templates())


def test_every_page_template_is_checked():
    assert "campaign.md.j2" in templates() and "_macros.md.j2" in templates()


@pytest.mark.parametrize("name", templates())
def test_no_template_calls_a_method_that_computes(name):
    env = page_environment()
    source, _, _ = env.loader.get_source(env, name)
    assert computing_calls(source) == []
    # nor reaches for a builder object: the page context has values only
    assert not [n for n in env.parse(source).find_all(nodes.Name) if n.name == "b"]


def test_the_check_finds_computation():
    source = ('{% import "_macros.md.j2" as m with context %}'
              "{{ b.calendar.describe(b.calendar.minutes(x)) }} {{ m.role(r) }}"
              "{{ process.successors(sid) }} {{ pb.kpis.items() }} {{ d.isoformat() }}")
    assert computing_calls(source) == ["line 1: .describe(...)", "line 1: .minutes(...)",
                                      "line 1: .successors(...)", "line 1: .isoformat(...)"]


def test_filters_are_the_formatting_vocabulary():
    env = page_environment()
    for name in FILTERS:
        assert env.filters[name] is FILTERS[name]


def test_a_value_is_escaped_once_whatever_jinja_compiles() -> None:
    """Page templates write `{{ x }}` as `finalize(x)` by overriding two private methods of
    Jinja's code generator (site/page_filters._Generator; Jinja is pinned from below only).
    Should a Jinja release rename them, `escape()` would wrap the escaped text again: this
    fails then, instead of pages showing `&amp;amp;`."""
    import jinja2
    from markupsafe import Markup

    from revenue_playbook.site.page_filters import page_environment

    env = page_environment()
    source = "{{ plain }}|{{ marked }}"
    out = env.from_string(source).render(plain="R&D <b>", marked=Markup("<em>x</em>"))
    assert out.count("&amp;") == 1 and "&amp;amp;" not in out
    assert "&lt;b&gt;" in out and "<b>" not in out
    assert out.endswith("|<em>x</em>")
    # the override is what compiles it: no escape() call around the finalized value
    assert "escape(" not in env.compile(source, raw=True)
    assert "escape(" in jinja2.Environment(autoescape=True, finalize=str).compile(
        source, raw=True)
