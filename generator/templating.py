"""Email templates: a sandboxed Jinja2 environment shared by the checks, previews and pages.

Templates come from many hands, so they are rendered in Jinja2's immutable sandbox with
strict undefined variables: a template can read its merge fields and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment


def _no_loader(name: str) -> str:
    raise jinja2.TemplateNotFound(f"{name} (templates cannot include or import other files)")


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # emails are text; pages escape what they show
        keep_trailing_newline=True,
        loader=jinja2.FunctionLoader(_no_loader),
    )
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
    return parsed.template.render(values)
