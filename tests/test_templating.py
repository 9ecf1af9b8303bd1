"""The template sandbox: merge fields render; internals, files and runaway loops do not."""

from __future__ import annotations

import re

import jinja2
import pytest

from revenue_playbook import templating


def test_renders_merge_fields() -> None:
    assert templating.render("Hi {{ name|title }}!", {"name": "dana"}) == "Hi Dana!"


def test_undefined_variables_fail() -> None:
    with pytest.raises(jinja2.UndefinedError):
        templating.render("Hi {{ nme }}", {"name": "x"})


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ name.__class__.__base__.__subclasses__() }}",
])
def test_python_internals_are_unreachable(source: str) -> None:
    with pytest.raises(jinja2.exceptions.SecurityError):
        templating.render(source, {"name": "x"})


@pytest.mark.parametrize("source", ["{% include '/etc/passwd' %}",
                                    "{% import 'macros.j2' as m %}{{ m.x() }}"])
def test_no_file_can_be_included(source: str) -> None:
    with pytest.raises(jinja2.TemplateNotFound, match="cannot include or import"):
        templating.render(source, {})


def test_unknown_filter_is_a_compile_error() -> None:
    parsed = templating.parse("{{ x|shout }}")
    assert parsed.error is not None and "No filter named 'shout'" in parsed.error.message


STEPS = "the template does more than 100,000 loop steps or calls"


@pytest.mark.parametrize(("source", "stopped_by"), [
    ("{% for i in range(10**9) %}{% endfor %}", STEPS),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", STEPS),
    ("{% for i in range(50000) %}{% for j in range(50000) %}{% endfor %}{% endfor %}", STEPS),
    ("{% for i in range(99999) %}{{ 'x' * 10 }}{% endfor %}",
     "the template produces more than 200,000 characters"),
    ("{{ 'x' * 10**9 }}", "repeating a value 1,000,000,000 times is over the limit"),
    ("{{ 2 ** 99999999 }}", "the power 2 ** 99999999 is too large"),
    ("{{ 'x'|center(1000000000) }}", "a filter argument of 1,000,000,000 is over the limit"),
])
def test_runaway_templates_are_stopped_by_a_limit(source: str, stopped_by: str) -> None:
    # Without the limits these run for hours or exhaust memory; each stops at its bound.
    assert templating.parse(source).error is None
    with pytest.raises(templating.RenderLimit, match=re.escape(stopped_by)):
        templating.render(source, {})
