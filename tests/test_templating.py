"""The template sandbox: merge fields render; internals, files and runaway loops do not."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from helpers import make_repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import meta

from revenue_playbook.checks.rules.templates import render_error_line
from revenue_playbook.definitions import templating


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
    ("{% for i in range(10**9) %}{% endfor %}",
     "range() of 1,000,000,000 numbers is over the limit of 100,000 loop steps"),
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


BIG = "x" * 100_000
TEXT = "would make the render create more than 5,000,000 characters"
WIDTH = "of 999,999,999 is over the limit of 10,000"
DOUBLING = "{% set s = 'xxxxxxxxxx' %}" + "{% set s = s ~ s %}" * 40


# Each of these used 1-4 GB or ran for minutes (a hang of validate, preview and build);
# each now stops before it allocates, or at the step or time budget.
@pytest.mark.parametrize(("source", "stopped_by"), [
    ("{% for a in big %}{% for b in big %}{% endfor %}{% endfor %}", STEPS),
    ("{% for a in big %}{% for b in big recursive %}{% endfor %}{% endfor %}", STEPS),
    ("{{ '%999999999s' % 'x' }}", WIDTH),
    ("{{ '%.999999999f' % 1.5 }}", WIDTH),
    ("{{ '%*s' % (999999999, 'x') }}", WIDTH),
    ("{{ '%999999999s'|format('x') }}", WIDTH),
    ("{{ 'x'.ljust(999999999) }}", WIDTH),
    ("{{ 'x'.rjust(999999999) }}", WIDTH),
    ("{{ 'x'.center(999999999) }}", WIDTH),
    ("{{ 'x'.zfill(999999999) }}", WIDTH),
    ("{{ 'x'|center(999999999) }}", "a filter argument of 999,999,999 is over the limit"),
    ("{{ '{:>999999999}'.format('x') }}", WIDTH),
    ("{{ '{:>{}}'.format('x', 999999999) }}", WIDTH),
    ("{{ '{a:>999999999}'.format_map({'a': 'x'}) }}", WIDTH),
    (DOUBLING + "{{ s|length }}", f"joining text with ~ {TEXT}"),
    ("{% set s = 'xxxxxxxxxx' %}" + "{% set s = s + s %}" * 40, f"adding values with + {TEXT}"),
    ("{% set s = 'xxxxxxxxxx' %}" + "{% set s %}{{ s }}{{ s }}{% endset %}" * 40,
     f"printing a value {TEXT}"),
    ("{{ ['x'] * 999999999 }}", "repeating a value 999,999,999 times is over the limit"),
    ("{% set s = 'x' * 200000 %}{{ ([s] * 200000)|join }}", f"|join {TEXT}"),
    ("{% set s = 'x' * 200000 %}{{ [s] * 200000 }}", f"printing a value {TEXT}"),
    ("{% set a = [big] * 10 %}{% set b = [a] * 10 %}{{ [b, b, b, b, b] }}",
     f"printing a value {TEXT}"),
    ("{{ (((9 ** 64) ** 64) ** 64) ** 64 }}", "is too large (over 16,384 bits)"),
    ("{% set n = namespace(x=2 ** 64) %}{% for i in range(99) %}{% set n.x = n.x * n.x %}"
     "{% endfor %}", "is too large (over 16,384 bits)"),
    ("{{ big|replace('', big) }}", f"|replace {TEXT}"),
    ("{{ big.replace('', big) }}", f"replace() {TEXT}"),
    ("{{ big.translate({120: big}) }}", f"translate() {TEXT}"),
    ("{{ big|wordwrap(1, true, big) }}", f"|wordwrap {TEXT}"),
    ("{{ big|replace('x', '\n')|indent(big) }}", f"|indent {TEXT}"),
    ("{{ ([[1] * 3000] * 3000)|sum(start=[]) }}", f"adding up sequences with |sum {TEXT}"),
    ("{{ ([[[[[[1]]]]]] * 9000)|tojson(indent=9000) }}", f"|tojson {TEXT}"),
    ("{% for i in range(99999) %}{% set x = big[::-1] %}{% endfor %}",
     "the template takes more than 1 s of CPU to render"),
])
def test_template_budgets_hold(source: str, stopped_by: str) -> None:
    with pytest.raises(templating.RenderLimit, match=re.escape(stopped_by)):
        templating.render(source, {"big": BIG})


def test_a_budget_is_per_render() -> None:
    # the same template, rendered many times, never runs out: each render starts afresh
    source = "{{ big ~ big }}{% for x in range(90000) %}{% endfor %}"
    for _ in range(3):
        assert len(templating.render(source, {"big": BIG})) == 200_000


def test_nothing_runs_while_compiling() -> None:
    # Constant folding would evaluate this filter at parse time, outside any budget.
    assert templating.parse("{{ '%999999999s'|format('x') }}").error is None


def test_ordinary_templates_render_as_before() -> None:
    source = ("{{ name|title }}: {% for x in items %}{{ loop.index }}. {{ x ~ '!' }} "
              "{% endfor %}{{ '%5s|%-3d' % ('a', 2) }}{{ '{:>5}'.format('b') }}"
              "{{ 'x'.ljust(3) }}|{{ (items|join(', '))|upper }} {{ 2 ** 10 }} "
              "{{ price * 2 }} {{ items|sum(start=[]) if false else items|length }}")
    assert templating.render(source, {"name": "dana", "items": ["a", "b"], "price": 1.5}) == \
        "Dana: 1. a! 2. b!     a|2      bx  |A, B 1024 3.0 2"


# Templates of text and bare fields render from their pieces, without compiling: each
# must render, note its fields and fail exactly as its compiled code does.
FIELD_NAMES = ["name", "company", "self", "loop", "range", "caller", "x1"]
VALUES = st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False),
                   st.booleans(), st.none(), st.lists(st.text(max_size=5), max_size=3),
                   st.dates(), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
PIECES = st.lists(st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="{}%#"), max_size=12),
    st.sampled_from(FIELD_NAMES).map(lambda name: "{{ " + name + " }}"),
    st.sampled_from(FIELD_NAMES).map(lambda name: "{{" + name + "-}}\n  "),
    st.just("{# note #}"), st.just("{% raw %}{{ kept }}{% endraw %}")), max_size=8)


def _as_compiled(source: str, values: dict[str, object]) -> str | type[BaseException]:
    env = templating.environment()
    template = env.from_string(templating._instrument(env.parse(source)))
    try:
        return "".join(template.generate(values))
    except Exception as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(PIECES, st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES))
def test_text_and_fields_render_as_compiled(pieces: list[str], values: dict[str, object]) -> None:
    source = "".join(pieces)
    parsed = templating.parse(source)
    assert parsed.error is None
    env = templating.environment()
    assert parsed.variables == meta.find_undeclared_variables(env.parse(source)) - set(env.globals)
    expected = _as_compiled(source, values)
    if isinstance(expected, str):
        assert templating.render(source, values) == expected
    else:
        with pytest.raises(expected):
            templating.render(source, values)


def test_text_and_fields_are_not_compiled_to_render() -> None:
    assert templating.parse("Hi {{ name }},\n\nsee you {{ day }}.\n").template is None
    assert templating.parse("Hi {{ name|title }}").template is not None
    assert templating.parse("{{ self }}").template is not None


def test_an_error_in_text_and_fields_names_its_line() -> None:
    source = "Hi {{ name }},\n\n{{ notes }}\n"
    with pytest.raises(templating.RenderLimit, match="printing a value") as caught:
        templating.render(source, {"name": "Dana", "notes": "x" * (templating.MAX_CHARS + 1)})
    assert render_error_line(caught.value) == 3
    with pytest.raises(templating.RenderLimit, match="produces more than 200,000"):
        templating.render("{{ a }}{{ a }}", {"a": "x" * 150_000})



# Text, bare fields and comments get their syntax tree without Jinja's lexer and parser: the tree
# must be Jinja's own, node for node (type, fields, line, environment), or not made at all.
TREE_PIECES = st.lists(st.one_of(
    st.text(alphabet="ab {}\n\r\t#%-+", max_size=6),
    st.sampled_from(["name", "x1", "_z", "true", "None", "not", "if", "loop", "é", "a.b",
                     "a|title", "a-", "-a"]).flatmap(lambda name: st.sampled_from(
                         ["{{ " + name + " }}", "{{" + name + "}}", "{{\n " + name + "\n}}",
                          "{{\t" + name + " }}", "{{ " + name + " }}}", "{{{ " + name + " }}",
                          "{{- " + name + " }}", "{{ " + name + " -}}"])),
    st.sampled_from(["Hi ", ",\n\n", "{# note #}", "{#- note #}", "{# note -#}", "{# a\nb #}",
                     "{##}", "{#}", "{# {{ x }} #}", "{% raw %}x{% endraw %}", "\x0b"])),
    max_size=8)


def _same_tree(ours: object, jinjas: object) -> bool:
    if type(ours) is not type(jinjas):
        return False
    if isinstance(ours, list):
        return len(ours) == len(jinjas) and all(map(_same_tree, ours, jinjas))  # type: ignore[arg-type]
    if not isinstance(ours, jinja2.nodes.Node):
        return ours == jinjas
    assert isinstance(jinjas, jinja2.nodes.Node)
    return ours.lineno == jinjas.lineno and ours.environment is jinjas.environment and \
        vars(ours).keys() == vars(jinjas).keys() and \
        all(_same_tree(getattr(ours, f), getattr(jinjas, f)) for f in ours.fields)


@settings(max_examples=500, deadline=None)
@given(TREE_PIECES)
def test_text_and_fields_are_parsed_as_jinja_parses_them(pieces: list[str]) -> None:
    source = "".join(pieces)
    tree = templating._plain_tree(source)
    if tree is not None:
        assert _same_tree(tree, templating.environment().parse(source)), source


def test_text_and_fields_are_not_parsed_by_jinja() -> None:
    for source in ("", "Hi {{ name }},\n\nsee you {{\n day }}.\n", "{{a}}{{ b }}",
                   "{# rep-edit: a time #}{{ a }}{# end\nrep-edit #} b"):
        tree = templating._plain_tree(source)
        assert tree is not None and _same_tree(tree, templating.environment().parse(source))
    for source in ("{{ name|title }}", "{# c -#} {{ a }}", "a\r\n{{ b }}", "{{ true }}", "{"):
        assert templating._plain_tree(source) is None


HOSTILE = {
    "loops": "{% for a in slot * 10000 %}{% for b in slot * 10000 %}{% endfor %}{% endfor %}",
    "percent": "{{ '%999999999s' % slot }}",
    "format_filter": "{{ '%999999999s'|format(slot) }}",
    "ljust": "{{ slot.ljust(999999999) }}",
    "format_method": "{{ '{:>999999999}'.format(slot) }}",
    "doubling": DOUBLING,
    "repeat": "{{ [slot * 10000] * 10000 }}",
    "power": "{{ (((9 ** 64) ** 64) ** 64) ** 64 }}",
}


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    templates = repo / "process_defs" / "templates"
    for name, line in HOSTILE.items():
        (templates / f"{name}.yaml").write_text(
            f"name: {name}\nsubject: Hello\nbody: |\n  Hi,\n  {line}\n"
            "variables:\n  slot:\n    description: a slot\n    sample: Tuesday\n")
    return repo


def run_cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # a hang here would stall CI: the timeout turns it into a failure
    return subprocess.run([sys.executable, "-m", "revenue_playbook.cli", *args], cwd=repo,
                          capture_output=True, text=True, timeout=120)


def test_validate_preview_and_build_report_each_runaway_template(hostile_repo: Path) -> None:
    done = run_cli(hostile_repo, "validate")
    assert done.returncode == 1, done.stderr
    budget = sorted(line.split(" goes over")[0] for line in done.stdout.splitlines()
                    if " PB408 " in line)
    assert budget == sorted(f"process_defs/templates/{name}.yaml:5:3: error PB408 template "
                            f"'{name}' body" for name in HOSTILE)
    preview = run_cli(hostile_repo, "preview", "template", "doubling")
    assert preview.returncode == 1
    assert "templates/doubling.yaml:5:3: error PB408" in preview.stderr
    build = run_cli(hostile_repo, "build")
    assert build.returncode == 1 and "Traceback" not in build.stderr
    assert "templates/power.yaml:5:3: error PB408" in build.stderr
    assert not (hostile_repo / "site").exists()


NUMBERS = st.sampled_from([0, 2, 3, 64, 999, 10_000, 99_999, 999_999_999])
ATOMS = st.sampled_from(["big", "s", "n", "items", "'ab'", "'%s%10000s'", "'{:>9999}'"]) | \
    NUMBERS.map(str)


def expressions(depth: int = 3) -> st.SearchStrategy[str]:
    if depth == 0:
        return ATOMS
    inner = expressions(depth - 1)
    return st.one_of(
        ATOMS,
        st.tuples(inner, st.sampled_from(["~", "+", "*", "**", "%"]), inner)
        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(["center", "indent", "replace('', s)", "join(big)",
                                          "format(n, s)", "wordwrap(1, true, big)", "list",
                                          "string", "tojson(9999)", "sum(start=[])"]))
        .map(lambda t: f"({t[0]})|{t[1]}"),
        st.tuples(inner, st.sampled_from(["ljust", "center", "zfill", "expandtabs"]), NUMBERS)
        .map(lambda t: f"({t[0]}).{t[1]}({t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}).replace('', {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}, {t[0]}, {t[1]}]"),
    )


def statements() -> st.SearchStrategy[str]:
    expr = expressions()
    return st.lists(st.one_of(
        expr.map(lambda e: "{{ " + e + " }}"),
        expr.map(lambda e: "{% set s = " + e + " %}"),
        st.tuples(expr, expr).map(lambda t: "{% for x in " + t[0] + " %}{% for y in " + t[1]
                                  + " %}{% set s = s ~ s %}{% endfor %}{% endfor %}"),
    ), min_size=1, max_size=6).map("".join)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements())
def test_no_combination_of_operations_escapes_the_budget(source: str) -> None:
    def stuck(signum: int, frame: object) -> None:
        raise AssertionError(f"still rendering after 20 s: {source}")

    old = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(20)  # far above the 1 s budget: only a way around it ends here
    try:
        templating.render(source, {"big": BIG, "s": "xy", "n": 7, "items": ["a", "b"]})
    except (MemoryError, AssertionError):
        raise
    except Exception:  # a budget stop (RenderLimit), or a type or value error
        pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
