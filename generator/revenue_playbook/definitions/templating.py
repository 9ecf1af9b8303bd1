"""Email templates: a sandboxed Jinja2 environment shared by the checks, previews and pages.

Templates come from many hands, so they are rendered in Jinja2's immutable sandbox with
strict undefined variables: a template can read its merge fields and nothing else.

Each render also has a budget, so that no template can hang or exhaust a build:

- steps: loop iterations, calls, filters and operators (MAX_STEPS);
- time: RENDER_SECONDS of the rendering thread's CPU time, checked at every step (CPU
  time, not wall-clock: on a busy machine or CI runner a descheduled render must not fail
  a template that is fine);
- text: MAX_CHARS characters (or items) created by the render in all, counted *before* an
  operation allocates them, with widths, paddings and repeat counts capped at MAX_WIDTH and
  integers at MAX_INT_BITS bits; the output itself stops at MAX_OUTPUT characters.

Why in the process rather than a worker process with RLIMIT_CPU / RLIMIT_AS: templates are
rendered thousands of times per build (validation, pages, previews), a fork or a pool per
render would cost more than all the renders together, a memory limit set on the process
would hit every other thread of `serve`, and an error raised inside the template keeps the
template's line for the finding. The sandbox already routes calls, filters and the
intercepted operators through hooks; the compiled template is changed in two places Jinja
has no hook for: every `for` loop iterates through a counting wrapper and every `~` operand
is measured before the text is joined. With the sizes bounded before any allocation, no
single operation can run long, and the clock checked at every step bounds the rest.
"""

from __future__ import annotations

import contextvars
import functools
import re
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple, cast

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import Namespace
from markupsafe import EscapeFormatter, Markup

MAX_STEPS = 100_000
MAX_OUTPUT = 200_000
MAX_WIDTH = 10_000
MAX_CHARS = 5_000_000
MAX_INT_BITS = 16_384
RENDER_SECONDS = 1.0


class RenderLimit(jinja2.TemplateRuntimeError):
    """A template went over its budget while rendering."""


class _Budget:
    __slots__ = ("chars", "deadline", "steps")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.chars = MAX_CHARS
        self.deadline = time.thread_time() + RENDER_SECONDS


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("budget")


def _current() -> _Budget:
    budget = _budget.get(None)
    # outside render() (nothing of ours calls the template that way) each call gets a fresh
    # budget, so the size caps still hold
    return budget if budget is not None else _Budget()


def _tick(budget: _Budget, steps: int = 1) -> None:
    budget.steps -= steps
    if budget.steps < 0:
        raise RenderLimit(f"the template does more than {MAX_STEPS:,} loop steps or calls "
                          "(is a loop too large or nested?)")
    if time.thread_time() > budget.deadline:
        raise RenderLimit(f"the template takes more than {RENDER_SECONDS:g} s of CPU to render "
                          "(is a loop too large or nested?)")


def _spend(budget: _Budget, chars: int, what: str = "") -> None:
    """Count `chars` characters (or items) about to be created; refuse past the budget."""
    if chars > budget.chars:
        raise RenderLimit(f"{what or 'the template'} would make the render create more than "
                          f"{MAX_CHARS:,} characters (is a value repeated or padded too "
                          "far?)")
    budget.chars -= chars


def _width(value: int, what: str) -> None:
    if abs(value) > MAX_WIDTH:
        raise RenderLimit(f"{what} of {value:,} is over the limit of {MAX_WIDTH:,}")


# ----------------------------------------------------------------------- measuring values

def _int_chars(value: int) -> int:
    return value.bit_length() * 3 // 10 + 2


def _shallow(value: Any) -> int:
    """What creating `value` cost: its characters, or items for a collection."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    if isinstance(value, int):
        return _int_chars(value)
    return 1


def text_size(value: Any, limit: int, indent: int = 0) -> int:
    """An upper estimate of `len(str(value))` (with `indent` spaces per nesting level, as
    tojson and pprint add), computed without building the text; stops counting past
    `limit`. Collections holding the same large value many times are what makes `str()`
    explode, so every occurrence is counted."""
    budget = _budget.get(None)
    total = 0
    visited = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        visited += 1
        if visited % 4096 == 0 and budget is not None:
            _tick(budget, 0)
        total += depth * indent + 4  # quotes and separators around each item
        if isinstance(item, str | bytes):
            total += len(item) * (1 if isinstance(item, str) or not depth else 4)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += _int_chars(item)
        elif isinstance(item, float):
            total += 24
        elif isinstance(item, Mapping):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((part, depth + 1) for part in item)
        elif isinstance(item, Namespace):
            attrs = object.__getattribute__(item, "_Namespace__attrs")
            stack.extend((part, depth + 1) for pair in attrs.items() for part in pair)
        else:
            total += 60  # a small object: Undefined, a loop, a cycler, a function
        if total > limit:
            return total
    return total


def _text(budget: _Budget, value: Any, what: str, factor: int = 1, indent: int = 0) -> None:
    """Spend what turning `value` into text (times `factor`) will create."""
    if isinstance(value, str):  # the common case, without the walk
        _spend(budget, len(value) * factor, what)
        return
    _spend(budget, text_size(value, budget.chars // factor + 1, indent) * factor, what)


# ------------------------------------------------------------- printf and format() widths

# Compiled when first used (re keeps them): only a template that formats text needs them.
_PRINTF = r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([a-zA-Z%])"
_NUMBER = r"\d+"


def _printf_size(fmt: str, args: Any) -> int:
    """Characters `fmt % args` may produce, refusing widths and precisions over the limit."""
    star_args = list(args) if isinstance(args, tuple) else [args]
    size = len(fmt)
    for match in re.finditer(_PRINTF, fmt):
        for number in (match[1], match[2]):
            if number == "*":
                given = star_args.pop(0) if star_args else 0
                if isinstance(given, int):
                    _width(given, "a width or precision")
                    size += abs(given)
            elif number:
                value = int(number) if len(number) < 10 else MAX_WIDTH + 1
                _width(value, f"a width or precision in {match[0][:20]!r}")
                size += value
    return size


def _spec_size(spec: str) -> int:
    """Characters a format spec (`>20`, `.3f`, a date's `%Y-%m-%d`) may pad a value to: each
    number in it is a width or precision."""
    size = 0
    for number in re.findall(_NUMBER, spec):
        value = int(number) if len(number) < 10 else MAX_WIDTH + 1
        _width(value, f"a width or precision in the format {spec[:20]!r}")
        size += value
    return size


class _Formatter(SandboxedFormatter):
    """str.format in the sandbox, with each field's width and text counted before use."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        _text(_current(), value, "a formatted value")
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        budget = _current()
        _tick(budget)
        _spend(budget, _spec_size(format_spec), "a format spec")
        _text(budget, value, "a formatted value")
        return super().format_field(value, format_spec)


class _EscapeFormatter(_Formatter, EscapeFormatter):
    pass


# ------------------------------------------------- operations that can create large values

def _str_method_size(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """For str methods that can grow their string by far: the size of the result."""
    text = method.__self__
    name = method.__name__
    if name == "strftime" and args and isinstance(args[0], str):
        return _spec_size(args[0]) + len(args[0]) * 8
    if not isinstance(text, str):
        return 0
    if name in ("ljust", "rjust", "center", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int):
            _width(width, f"the width given to {name}()")
            return max(width, len(text))
    elif name == "expandtabs":
        tabs = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tabs, int):
            _width(tabs, "the tab size given to expandtabs()")
            return len(text) + text.count("\t") * max(tabs, 0)
    elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        old, new = args[0], args[1]
        return len(text) + (text.count(old) if old else len(text) + 1) * len(new)
    elif name == "join" and args and isinstance(args[0], list | tuple | str):
        parts = args[0]
        return len(text) * len(parts) + text_size(list(parts), MAX_CHARS + 1)
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        return len(text) * max(longest, 1)
    return 0


def _checked_sum(func: Callable[..., Any]) -> Callable[..., Any]:
    """`sum` adds sequences one by one, copying the growing total each time (quadratic)."""

    @functools.wraps(func)
    def checked(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
        if isinstance(start, list | tuple | str) and isinstance(iterable, list | tuple):
            items = sum(_shallow(x) for x in iterable)
            _spend(_current(), (items + len(start)) * (len(iterable) + 1) // 2,
                   "adding up sequences with |sum")
        return func(environment, iterable, attribute, start)
    return checked


# filters that look at a value's structure without turning it into text
_STRUCTURAL = frozenset({
    "attr", "batch", "count", "d", "default", "dictsort", "first", "groupby", "items",
    "last", "length", "list", "map", "max", "min", "random", "reject", "rejectattr",
    "reverse", "select", "selectattr", "slice", "sort", "sum", "unique", "abs", "float",
    "int", "round", "filesizeformat",
})
# how many characters of output a filter may make from one character of its value
_GROWTH = {"e": 6, "escape": 6, "forceescape": 6, "urlencode": 12, "urlize": 15, "upper": 3,
           "title": 3, "capitalize": 3, "lower": 3, "xmlattr": 6, "tojson": 6, "pprint": 2,
           "wordwrap": 3}


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    value_at = 1 if hasattr(func, "jinja_pass_arg") else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _current()
        _tick(budget)
        for argument in (*args[value_at + 1:], *kwargs.values()):
            if isinstance(argument, int) and not isinstance(argument, bool):
                _width(argument, "a filter argument")
        value = args[value_at] if len(args) > value_at else None
        what = f"|{name}"
        if name == "format" and isinstance(value, str):
            _spend(budget, _printf_size(value, tuple(args[value_at + 1:]) or kwargs), what)
            _text(budget, (args[value_at + 1:], kwargs), what)
        elif name == "indent" and isinstance(value, str):
            width = args[value_at + 1] if len(args) > value_at + 1 else kwargs.get("width", 4)
            pad = len(width) if isinstance(width, str) else int(width or 0)
            _spend(budget, len(value) + (value.count("\n") + 1) * pad, what)
        elif name == "replace" and isinstance(value, str):
            old, new = [*args[value_at + 1:value_at + 3], "", ""][:2]
            old, new = str(kwargs.get("old", old)), str(kwargs.get("new", new))
            _spend(budget, len(value) + (value.count(old) if old else len(value) + 1)
                   * len(new), what)
        elif name == "join":
            sep = args[value_at + 1] if len(args) > value_at + 1 else kwargs.get("d", "")
            parts = list(value) if isinstance(value, list | tuple | str) else []
            _spend(budget, len(str(sep)) * len(parts), what)
            _text(budget, parts, what)
        elif name in ("wordwrap", "urlize"):
            inserted = sum(len(str(a)) for a in (*args[value_at + 1:], *kwargs.values())
                           if isinstance(a, str))
            _text(budget, value, what, _GROWTH[name] + inserted)
        elif name in ("tojson", "pprint"):
            indent = args[value_at + 1] if len(args) > value_at + 1 else kwargs.get("indent")
            _text(budget, value, what, _GROWTH[name],
                  indent if isinstance(indent, int) else 1)
        elif name not in _STRUCTURAL:
            _text(budget, value, what, _GROWTH.get(name, 1))
        result = func(*args, **kwargs)
        _spend(budget, _shallow(result), what)
        return result
    return guarded


def _loop(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every `for` loop iterates: one step per item."""
    budget = _current()
    for item in iterable:
        _tick(budget)
        yield item


def _operand(value: Any) -> Any:
    """What every `~` operand passes through: its text is counted before it is joined."""
    _text(_current(), value, "joining text with ~")
    return value


def _finalize(value: Any) -> Any:
    """Every `{{ }}` value on its way to text, in blocks and macros too."""
    budget = _current()
    _tick(budget, 0)
    _text(budget, value, "printing a value")
    return value


def _instrument(ast: nodes.Template) -> nodes.Template:
    """Route loop iterables and `~` operands through the budget (Jinja has no hook there)."""
    def helper(func: Callable[..., Any], arg: nodes.Node) -> nodes.Expr:
        name = nodes.ImportedName(f"{__name__}.{func.__name__}")
        return nodes.Call(name, [cast(nodes.Expr, arg)], [], None, None,
                          lineno=arg.lineno)

    for loop in ast.find_all(nodes.For):
        loop.iter = helper(_loop, loop.iter)
    for concat in ast.find_all(nodes.Concat):
        concat.nodes = [helper(_operand, part) for part in concat.nodes]
    return ast


# The merge fields a template reads, noted while it is compiled (see `_Compiler`).
_reads: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("reads",
                                                                         default=None)


class _Compiler(CodeGenerator):
    """Jinja's code generator, noting each name the template looks up in its context as
    it compiles it: what `jinja2.meta.find_undeclared_variables` learns from a second
    pass of the same generator over the template, which cost a third of checking one."""

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        reads = _reads.get()
        if reads is not None:
            for action, param in frame.symbols.loads.values():
                if action == "resolve" and param not in self.environment.globals:
                    reads.add(param)


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "*", "**", "%"})
    code_generator_class = _Compiler

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = _current()
        _tick(budget)
        if __obj is _loop or __obj is _operand:  # ours: they count for themselves
            return super().call(__context, __obj, *args, **kwargs)
        size = _str_method_size(__obj, args, kwargs) if hasattr(__obj, "__self__") else 0
        _spend(budget, size, f"{getattr(__obj, '__name__', 'a method')}()")
        result = super().call(__context, __obj, *args, **kwargs)
        if not size:
            _spend(budget, _shallow(result))
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = _current()
        _tick(budget)
        if operator == "**":
            self._check_power(left, right)
        elif operator == "*":
            self._check_repeat(left, right)
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _spend(budget, len(left) + len(right), "adding values with +")
        elif operator == "%" and isinstance(left, str):
            _spend(budget, _printf_size(left, right), "formatting with %")
            _text(budget, right, "formatting with %")
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, int | float):  # text and sequences were counted before
            _spend(budget, _shallow(result))
        return result

    @staticmethod
    def _check_power(left: Any, right: Any) -> None:
        if isinstance(left, int) and isinstance(right, int) and right > 0 and \
                abs(left) > 1 and left.bit_length() * right > MAX_INT_BITS:
            raise RenderLimit(f"the power {_short(left)} ** {_short(right)} is too large "
                              f"(over {MAX_INT_BITS:,} bits)")
        if isinstance(right, int | float) and not isinstance(left, int) and abs(right) > \
                MAX_INT_BITS:
            raise RenderLimit(f"the power {_short(left)} ** {_short(right)} is too large")

    @staticmethod
    def _check_repeat(left: Any, right: Any) -> None:
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                if len(seq) * times > MAX_CHARS or times > MAX_CHARS:
                    raise RenderLimit(f"repeating a value {times:,} times is over the limit")
                _spend(_current(), len(seq) * max(times, 0), "repeating a value with *")
                return
        if isinstance(left, int) and isinstance(right, int) and \
                left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise RenderLimit(f"the product {_short(left)} * {_short(right)} is too large "
                              f"(over {MAX_INT_BITS:,} bits)")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format and format_map with each field's width and text counted (as Jinja's
        own wrapper, with a formatter of ours)."""
        if not isinstance(value, types.MethodType | types.BuiltinMethodType) or \
                value.__name__ not in ("format", "format_map") or \
                not isinstance(value.__self__, str):
            return None
        text: str = value.__self__
        kind = type(text)
        formatter = _EscapeFormatter(self, escape=text.escape) if isinstance(text, Markup) \
            else _Formatter(self)

        if value.__name__ == "format_map":
            def format_map(mapping: Mapping[str, Any]) -> str:
                return kind(formatter.vformat(text, (), mapping))
            return functools.update_wrapper(format_map, value)

        def format(*args: Any, **kwargs: Any) -> str:
            return kind(formatter.vformat(text, args, kwargs))
        return functools.update_wrapper(format, value)

    def getitem(self, obj: Any, argument: Any) -> Any:
        result = super().getitem(obj, argument)
        if isinstance(argument, slice):
            budget = _current()
            _tick(budget)
            _spend(budget, _shallow(result), "slicing")
        return result


def _short(number: Any) -> str:
    text = repr(number) if not isinstance(number, int) or number.bit_length() < 64 \
        else f"a {_int_chars(number)}-digit number"
    return text[:40]


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_STEPS:
        raise RenderLimit(f"range() of {len(numbers):,} numbers is over the limit of "
                          f"{MAX_STEPS:,} loop steps")
    return numbers


def _no_loader(name: str) -> str:
    raise jinja2.TemplateNotFound(f"{name} (templates cannot include or import other files)")


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = _Sandbox(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # emails are text; pages escape what they show
        keep_trailing_newline=True,
        loader=jinja2.FunctionLoader(_no_loader),
        finalize=_finalize,
        # Constant folding would run filters and operators while compiling, outside any
        # render and its budget: every expression is evaluated when rendering instead.
        optimized=False,
    )
    env.globals["range"] = _range
    del env.globals["lipsum"]  # paragraphs of filler by the thousand: no use in an email
    env.filters = {name: _guard_filter(name, f) for name, f in env.filters.items()}
    env.filters["sum"] = _guard_filter("sum", _checked_sum(env.filters["sum"]))
    return env


# Names a template's top level does not look up among its merge fields: Jinja gives `self`
# a reference to the template itself; the others mean something in loops, calls and macros.
_SPECIAL_NAMES = frozenset({"self", "loop", "caller", "varargs", "kwargs"})

# A piece of a template made of text and bare `{{ field }}`s only: text as it is written,
# or a merge field as the 1-tuple of its name.
Piece = str | tuple[str]


class Parsed(NamedTuple):
    """A template field read once: the merge fields it uses, or why it does not compile.

    Most email templates are text and bare `{{ field }}`s alone (`pieces`): nothing in them
    can fail to compile, and their compiled code would only join the text with each field's
    value, so they are rendered from their pieces and compiled only when a render needs
    more (a field without a value, an error to place on its line). The others are compiled
    at once (`template`): compiling catches what parsing does not, such as filters that do
    not exist."""

    template: jinja2.Template | None
    variables: set[str]
    error: jinja2.TemplateSyntaxError | None = None
    pieces: tuple[Piece, ...] | None = None


def _pieces(ast: nodes.Template) -> tuple[Piece, ...] | None:
    """The pieces of a template that is text and bare `{{ field }}`s only, else None."""
    pieces: list[Piece] = []
    for output in ast.body:
        if type(output) is not nodes.Output:
            return None
        for node in output.nodes:
            if type(node) is nodes.TemplateData:
                pieces.append(node.data)
            elif type(node) is nodes.Name and node.ctx == "load" and \
                    node.name not in _SPECIAL_NAMES:
                pieces.append((node.name,))
            else:
                return None
    return tuple(pieces)


@lru_cache(maxsize=4096)
def syntax_tree(source: str) -> nodes.Template | jinja2.TemplateSyntaxError:
    """A text's syntax tree as the sandbox parses it, or why it does not parse: parsed once
    for the checks, the pages and the conversions for email tools. Only read, never
    changed (what is compiled is instrumented on a tree of its own)."""
    tree = _plain_tree(source)
    if tree is not None:
        return tree
    try:
        return environment().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return exc


# A bare `{{ field }}`, or a `{# comment #}` (the rep-edit markers among them), in a text
# without any other brace: the whole of most email templates.
_PIECE = re.compile(r"\{\{[ \t\n]*([A-Za-z_][A-Za-z0-9_]*)[ \t\n]*\}\}|\{#(?![-+])(.*?)#\}", re.S)
# names Jinja's parser reads as something else than a merge field (constants, operators)
_NOT_FIELDS = frozenset({"true", "false", "True", "False", "none", "None", "not", "and",
                         "or", "in", "is", "if", "else"})


def _plain_tree(source: str) -> nodes.Template | None:
    """The tree Jinja's parser makes of a text of plain text, bare `{{ field }}`s and
    comments, built without its lexer and parser (two thirds of checking such a template):
    each run of text as `TemplateData`, each field as a `Name`, each on the line where it
    starts, in one `Output`; comments leave nothing. None for any other text (a brace in the
    text, a carriage return Jinja would turn into a line break, a tag, a field with a filter
    or spaces Jinja reads differently, a comment that strips the spaces around it): Jinja
    parses it."""
    if "\r" in source:
        return None
    data: list[nodes.Node] = []
    start = 0
    for match in _PIECE.finditer(source):
        if not _add_text(data, source, start, match.start()):
            return None
        if match[1] is not None:
            if match[1] in _NOT_FIELDS:
                return None
            data.append(nodes.Name(match[1], "load",
                                   lineno=source.count("\n", 0, match.start(1)) + 1))
        elif match[2].endswith(("-", "+")):  # `-#}`: Jinja strips the spaces after it
            return None
        start = match.end()
    if not _add_text(data, source, start, len(source)):
        return None
    body = [nodes.Output(data, lineno=data[0].lineno)] if data else []
    tree = nodes.Template(body, lineno=1)
    tree.set_environment(environment())
    return tree


def _add_text(data: list[nodes.Node], source: str, start: int, end: int) -> bool:
    """Add `source[start:end]` as text, unless it holds a brace (False)."""
    if start == end:
        return True
    if "{" in source[start:end] or "}" in source[start:end]:
        return False
    data.append(nodes.TemplateData(source[start:end],
                                   lineno=source.count("\n", 0, start) + 1))
    return True


@lru_cache(maxsize=4096)
def parse(source: str) -> Parsed:
    env = environment()
    tree = syntax_tree(source)
    if isinstance(tree, jinja2.TemplateSyntaxError):
        return Parsed(None, set(), tree)
    pieces = _pieces(tree)
    if pieces is not None:
        # what the compiler would note: every field the top level looks up, but globals
        fields = {piece[0] for piece in pieces if isinstance(piece, tuple)}
        return Parsed(None, fields - env.globals.keys(), pieces=pieces)
    variables: set[str] = set()
    token = _reads.set(variables)
    try:
        template = env.from_string(_instrument(env.parse(source)))
    except jinja2.TemplateSyntaxError as exc:  # TemplateAssertionError included
        return Parsed(None, set(), exc)
    finally:
        _reads.reset(token)
    return Parsed(template, variables)


@lru_cache(maxsize=4096)
def compiled(source: str) -> jinja2.Template:
    """A template field that parses, compiled (the one `parse` keeps, or compiled now for a
    template of text and fields)."""
    parsed = parse(source)
    if parsed.template is not None:
        return parsed.template
    env = environment()
    return env.from_string(_instrument(env.parse(source)))


def render(source: str, values: dict[str, Any]) -> str:
    """Render a template field with merge values; raises jinja2 errors for the caller, and
    RenderLimit when the template goes over its budget."""
    parsed = parse(source)
    if parsed.error is not None:
        raise parsed.error
    token = _budget.set(_Budget())
    try:
        pieces = parsed.pieces
        if pieces is not None and all(isinstance(p, str) or p[0] in values for p in pieces):
            try:
                return _joined(_filled(pieces, values))
            except Exception:
                # rendered again as compiled code, which raises the same error with the
                # template's line in its traceback (`render_error_line`)
                _budget.set(_Budget())
        return _joined(compiled(source).generate(values))
    except MemoryError:
        raise RenderLimit("the template runs out of memory") from None
    finally:
        _budget.reset(token)


def _filled(pieces: tuple[Piece, ...], values: dict[str, Any]) -> Iterator[str]:
    """What the compiled code of a template of text and fields yields: the text, and each
    field's value passed through the environment's `finalize` and made text."""
    for piece in pieces:
        yield piece if isinstance(piece, str) else str(_finalize(values[piece[0]]))


def _joined(chunks: Iterable[str]) -> str:
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise RenderLimit(f"the template produces more than {MAX_OUTPUT:,} characters")
        out.append(chunk)
    return "".join(out)

