"""The template sandbox: merge fields render; internals, files and runaway loops do not."""

from __future__ import annotations

import time

import jinja2
import pytest

from generator import templating


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


@pytest.mark.parametrize("source", [
    "{% for i in range(10**9) %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(99999) %}{{ 'x' * 10 }}{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ 2 ** 99999999 }}",
    "{{ 'x'|center(1000000000) }}",
    "{% for i in range(50000) %}{% for j in range(50000) %}{% endfor %}{% endfor %}",
])
def test_runaway_templates_stop_quickly(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(templating.RenderLimit):
        parsed = templating.parse(source)
        assert parsed.error is None
        templating.render(source, {})
    assert time.perf_counter() - started < 5
