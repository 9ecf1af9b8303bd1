"""Email templates: a sandboxed Jinja2 environment shared by the checks, previews and pages.

Templates come from many hands, so they are rendered in Jinja2's immutable sandbox with
strict undefined variables: a template can read its merge fields and nothing else.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Bounds on one render, so that a template that loops or explodes fails fast with a
# clear message instead of hanging a build: loop iterations from range() and calls made,
# characters produced, and the numbers a filter or operator may blow a value up with.
MAX_STEPS = 100_000
MAX_OUTPUT = 200_000
MAX_WIDTH = 10_000


class RenderLimit(jinja2.TemplateRuntimeError):
    """A template went over a bound while rendering."""


_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("budget")


def _spend(steps: int) -> None:
    budget = _budget.get(None)
    if budget is None:
        return
    budget[0] -= steps
    if budget[0] < 0:
        raise RenderLimit(f"the template does more than {MAX_STEPS:,} loop steps or calls "
                          "(is a loop too large or nested?)")


def _range(*args: int) -> range:
    numbers = range(*args)
    _spend(len(numbers))
    return numbers


def _guard_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[1:], *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and \
                    abs(value) > MAX_WIDTH:
                raise RenderLimit(f"a filter argument of {value:,} is over the limit of "
                                  f"{MAX_WIDTH:,}")
        return func(*args, **kwargs)
    return guarded


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend(1)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise RenderLimit(f"the power {left!r} ** {right!r} is too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and \
                        len(seq) * times > MAX_OUTPUT:
                    raise RenderLimit(f"repeating a value {times:,} times is over the limit")
        return super().call_binop(context, operator, left, right)


def _no_loader(name: str) -> str:
    raise jinja2.TemplateNotFound(f"{name} (templates cannot include or import other files)")


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = _Sandbox(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # emails are text; pages escape what they show
        keep_trailing_newline=True,
        loader=jinja2.FunctionLoader(_no_loader),
    )
    env.globals["range"] = _range
    env.filters = {name: _guard_filter(f) for name, f in env.filters.items()}
    return env


@dataclass
class Parsed:
    """A template field compiled once: the merge fields it uses, or why it does not compile."""

    template: jinja2.Template | None
    variables: set[str]
    error: jinja2.TemplateSyntaxError | None = None


@lru_cache(maxsize=4096)
def parse(source: str) -> Parsed:
    env = environment()
    try:
        ast = env.parse(source)
        # Compiling catches what parsing does not, such as filters that do not exist.
        template = env.from_string(ast)
    except jinja2.TemplateSyntaxError as exc:  # TemplateAssertionError included
        return Parsed(None, set(), exc)
    return Parsed(template, set(meta.find_undeclared_variables(ast)))


def render(source: str, values: dict[str, Any]) -> str:
    """Render a template field with merge values; raises jinja2 errors for the caller."""
    parsed = parse(source)
    if parsed.error is not None:
        raise parsed.error
    assert parsed.template is not None
    token = _budget.set([MAX_STEPS])
    try:
        out: list[str] = []
        size = 0
        for chunk in parsed.template.generate(values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise RenderLimit(f"the template produces more than {MAX_OUTPUT:,} "
                                  "characters")
            out.append(chunk)
        return "".join(out)
    finally:
        _budget.reset(token)
