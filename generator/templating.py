"""Email templates: a sandboxed Jinja2 environment shared by the checks, previews and pages.

Templates come from many hands, so they are rendered in Jinja2's immutable sandbox with
strict undefined variables: a template can read its merge fields and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta, nodes
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
    """A template field parsed once: its AST and the merge fields it uses."""

    ast: nodes.Template | None
    variables: set[str]
    error: jinja2.TemplateSyntaxError | None = None


@lru_cache(maxsize=4096)
def parse(source: str) -> Parsed:
    env = environment()
    try:
        ast = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return Parsed(None, set(), exc)
    return Parsed(ast, set(meta.find_undeclared_variables(ast)))


def render(source: str, values: dict[str, Any]) -> str:
    """Render a template field with merge values; raises jinja2 errors for the caller."""
    return environment().from_string(source).render(values)
