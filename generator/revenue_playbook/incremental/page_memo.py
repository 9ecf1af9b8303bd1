"""Generated pages kept from one build of a playbook to the next (`playbook serve`): a page
is made again only when something it read has changed.

A page is made by a function of the playbook (its values and its Markdown). While it runs,
the playbook it is handed records every read: a section attribute (`company`, `sla`), one
item of a section (`templates["recap"]`), a whole section (iterating `stages`), whether a
section is empty or how long it is, one entry of a value shared by all pages (a diagram's
SVG, a template's usage and name), or a value made on its own (`Build.page` called inside
another). Each read is kept with a digest of the value it returned. In the next build a
page is reused when every one of its reads returns a value with the same digest: its
Markdown would come out the same, since the page function reads nothing else (its
arguments are ids and constants). This is
the "verifying traces" scheme of build systems such as Shake and Salsa; it needs no list of
what each page depends on, which could go stale as the pages change.

Values are digested by content: definitions (pydantic models) by their JSON with their
file and path, dataclasses, mappings and sequences item by item, in order, functions and
classes by name (and what a function captured). A value of an unknown type makes the page
uncacheable: it is made again in every build.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

from markupsafe import Markup
from pydantic import BaseModel

from ..definitions.model import Playbook

Read = tuple[str, ...]
MISSING = object()
_PLAIN = (str, int, float, bool, type(None), datetime.date, datetime.time,
          datetime.timedelta, decimal.Decimal, enum.Enum)


_PACKAGE = __name__.split(".")[0]  # objects of our own classes are digested by value


class Uncacheable(Exception):
    """A page read a value that cannot be digested."""


class Digests:
    """Digests of one build's values. A definition is encoded once per build, or taken from
    the last build when it is the very same object: the loader gives back the same model
    objects for a file whose bytes did not change, and models are not changed once the
    playbook is assembled."""

    def __init__(self, earlier: dict[int, tuple[object, str]] | None = None) -> None:
        self._nodes: dict[int, tuple[object, str]] = {}
        self._earlier = earlier or {}

    def of(self, value: Any) -> str:
        parts: list[str] = []
        self._encode(value, parts)
        return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"),
                               digest_size=16).hexdigest()

    def _encode(self, value: Any, out: list[str]) -> None:
        if value is MISSING:
            out.append("<missing>")
        elif isinstance(value, bytes):
            out.append("b:" + hashlib.blake2b(value, digest_size=16).hexdigest())
        elif isinstance(value, Markup):
            out.append("M" + str(value))
        elif isinstance(value, _PLAIN):
            out.append(f"{type(value).__name__}:{value!r}")
        elif isinstance(value, BaseModel):
            out.append(self._node(value))
        elif isinstance(value, Mapping):
            out.append(f"{{{type(value).__name__}:{len(value)}")
            for key, item in value.items():
                self._encode(key, out)
                self._encode(item, out)
        elif isinstance(value, list | tuple):
            out.append(f"[{type(value).__name__}:{len(value)}")
            for item in value:
                self._encode(item, out)
        elif isinstance(value, set | frozenset):
            out.append(f"({len(value)}")
            out.extend(sorted(self.of(item) for item in value))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.append(f"D{type(value).__qualname__}")
            for item in dataclasses.fields(value):
                out.append(item.name)
                self._encode(getattr(value, item.name), out)
        elif isinstance(value, type):  # code does not change while serve runs
            out.append(f"T{value.__module__}.{value.__qualname__}")
        elif isinstance(value, types.FunctionType):  # and what a closure captured
            out.append(f"F{value.__module__}.{value.__qualname__}")
            self._encode(value.__defaults__, out)
            self._encode(tuple(cell.cell_contents for cell in value.__closure__ or ()), out)
        elif type(value).__module__.startswith(_PACKAGE) and hasattr(value, "__dict__"):
            out.append(f"O{type(value).__qualname__}")
            self._encode(vars(value), out)
        else:
            raise Uncacheable(type(value).__qualname__)

    def _node(self, node: BaseModel) -> str:
        kept = self._nodes.get(id(node)) or self._earlier.get(id(node))
        if kept is not None and kept[0] is node:
            self._nodes[id(node)] = kept
            return kept[1]
        source = getattr(node, "source", None)
        text = (f"N{type(node).__qualname__}:{getattr(source, 'display', None)}:"
                f"{getattr(node, 'path', ())!r}:{node.model_dump_json()}")
        self._nodes[id(node)] = (node, text)  # the node is kept alive: its id stays its own
        return text


class Trace:
    """What one page read, with the digest of each value."""

    def __init__(self, digests: Digests, known: dict[Read, str]) -> None:
        self.digests = digests
        self.known = known  # digests of the reads made so far in this build
        self.reads: dict[Read, str] = {}
        self.inner: list[str] = []  # keys of the values made for this one (`Build.page`)
        self.cacheable = True

    def record(self, read: Read, value: Any) -> None:
        if read in self.reads or not self.cacheable:
            return
        digest = self.known.get(read)
        if digest is None:
            try:
                digest = self.known[read] = self.digests.of(value)
            except Uncacheable:
                self.cacheable = False
                return
        self.reads[read] = digest


class TrackedPlaybook:
    """The playbook as a page function sees it: reads go to the real playbook and are
    recorded in the trace. Methods and properties of `Playbook` run against this object,
    so what they read is recorded too."""

    def __init__(self, playbook: Playbook, trace: Trace) -> None:
        self._playbook = playbook
        self._trace = trace

    def __getattr__(self, name: str) -> Any:
        playbook = self._playbook
        if name in playbook.__dataclass_fields__:
            value = getattr(playbook, name)
            if isinstance(value, dict):
                return TrackedMapping(value, self._trace, ("section", name))
            self._trace.record(("attr", name), value)
            return value
        member = getattr(type(playbook), name)
        if isinstance(member, property):
            assert member.fget is not None
            return member.fget(self)
        if isinstance(member, types.FunctionType):
            return types.MethodType(member, self)
        raise AttributeError(name)


class TrackedMapping(Mapping[str, Any]):
    """A mapping whose item reads and whole reads (iterating, counting) are recorded."""

    def __init__(self, data: Mapping[str, Any], trace: Trace, name: Read) -> None:
        self._data = data
        self._trace = trace
        self._name = name

    def _all(self) -> Mapping[str, Any]:
        self._trace.record(("all", *self._name), self._data)
        return self._data

    def __getitem__(self, key: str) -> Any:
        value = self._data.get(key, MISSING)
        self._trace.record(("item", *self._name, key), value)
        if value is MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return self.get(key, MISSING) is not MISSING

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        self._trace.record(("len", *self._name), len(self._data))
        return len(self._data)

    def __bool__(self) -> bool:
        self._trace.record(("bool", *self._name), bool(self._data))
        return bool(self._data)

    def __eq__(self, other: object) -> bool:
        return self._all() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._all())


@dataclasses.dataclass
class _Kept:
    reads: dict[Read, str]  # ("args",) first: the digest of the arguments
    value: Any
    inner: list[str]  # the values it was made with: kept as long as it is
    make: Callable[[Playbook, Mapping[str, Any]], Any]
    args: Any
    digest: str | None = None  # of the value, once asked for


class _Stale(Exception):
    """A value read in the last build can no longer be made (its definition is gone)."""


class PageMemo:
    """Pages kept between builds, by key (a page's path): see the module's docstring.
    Keep one per served playbook."""

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}
        self.made_keys: list[str] = []  # pages and values made in the last build (tests)
        self._nodes: dict[int, tuple[object, str]] = {}  # definitions' encodings, by object

    @property
    def made(self) -> int:
        return len(self.made_keys)


class Build:
    """One build: makes or reuses each page, and keeps what it made for the next."""

    def __init__(self, memo: PageMemo | None, playbook: Playbook,
                 shared: Mapping[str, Mapping[str, Any]]) -> None:
        self.memo = memo
        self.playbook = playbook
        self.shared = shared
        self.digests = Digests(memo._nodes if memo is not None else None)
        self._current: dict[Read, str] = {}
        self._kept: dict[str, _Kept] = {}
        self._traces: list[Trace] = []  # of the values being made, innermost last
        if memo is not None:
            memo.made_keys = []

    def page(self, key: str, make: Callable[[Playbook, Mapping[str, Any]], Any],
             args: Any = ()) -> Any:
        """`make(playbook, shared)` for the page (or any value) `key`, or what it returned
        in the last build if `args` and everything it read are unchanged since.

        Called from inside another `make`, the outer one reads this value: it is made
        again only if this value comes out different ("early cutoff": a list of every
        owner's templates made again after one template's subject changed is still the
        same list, so the page showing it is kept)."""
        value, kept = self._get(key, make, args)
        if self._traces:
            outer = self._traces[-1]
            outer.inner.append(key)
            if kept is None:
                outer.cacheable = False
            else:
                digest = self._digest(kept)
                if digest is not None:
                    outer.reads.setdefault(("value", key), digest)
                else:  # a value without a digest: the outer one reads what it read
                    for read, found in kept.reads.items():
                        if read != ("args",):
                            outer.reads.setdefault(read, found)
        return value

    def _get(self, key: str, make: Callable[[Playbook, Mapping[str, Any]], Any],
             args: Any) -> tuple[Any, _Kept | None]:
        """The value `key` up to date (made in this build, kept from the last, or made now)
        and its entry, None when it cannot be kept."""
        memo = self.memo
        try:
            arguments = self.digests.of(args)
        except Uncacheable:
            arguments = None
        made = self._kept.get(key)  # already made in this build
        if made is not None and made.reads[("args",)] == arguments:
            return made.value, made
        if memo is not None and arguments is not None:
            old = memo._kept.get(key)
            if (old is not None and old.reads[("args",)] == arguments
                    and self._unchanged(old.reads)):
                self._carry(old, memo)
                self._kept[key] = old
                return old.value, old
        if memo is not None:
            memo.made_keys.append(key)
        trace = Trace(self.digests, self._current)
        self._traces.append(trace)
        try:
            tracked = TrackedPlaybook(self.playbook, trace)
            views = {name: TrackedMapping(values, trace, ("shared", name))
                     for name, values in self.shared.items()}
            # it stands in for the playbook: the same sections, methods and properties
            value = make(cast(Playbook, tracked), views)
        finally:
            self._traces.pop()
        if arguments is None or not trace.cacheable:
            return value, None
        kept = self._kept[key] = _Kept({("args",): arguments, **trace.reads}, value,
                                       trace.inner, make, args)
        return value, kept

    def _digest(self, kept: _Kept) -> str | None:
        if kept.digest is None:
            try:
                kept.digest = self.digests.of(kept.value)
            except Uncacheable:
                return None
        return kept.digest

    def _carry(self, kept: _Kept, memo: PageMemo) -> None:
        """Keep the values a reused one was made with: the next build may need them even
        though this one did not."""
        for key in kept.inner:
            inner = memo._kept.get(key)
            if inner is not None and key not in self._kept:
                self._kept[key] = inner
                self._carry(inner, memo)

    def finish(self) -> None:
        """Keep this build's pages for the next one (after the build succeeded)."""
        if self.memo is not None:
            self.memo._kept = self._kept
            self.memo._nodes = self.digests._nodes  # the definitions of this build only

    def _unchanged(self, reads: dict[Read, str]) -> bool:
        try:
            return all(self._now(read) == digest for read, digest in reads.items()
                       if read != ("args",))
        except (Uncacheable, _Stale):
            return False

    def _now(self, read: Read) -> str:
        found = self._current.get(read)
        if found is None:
            if read[0] == "value":
                found = self._current[read] = self._value_now(read[1])
            else:
                found = self._current[read] = self.digests.of(self._value(read))
        return found

    def _value_now(self, key: str) -> str:
        """The digest of value `key` in this build: kept, or made again as it was made in
        the last build."""
        last = self._kept.get(key) or (self.memo._kept.get(key) if self.memo else None)
        if last is None:
            raise _Stale(key)
        try:
            _, kept = self._get(key, last.make, last.args)
        except Exception as exc:  # e.g. a sample of a template that is gone
            raise _Stale(key) from exc
        digest = self._digest(kept) if kept is not None else None
        if digest is None:
            raise _Stale(key)
        return digest

    def _value(self, read: Read) -> Any:
        kind, where, *rest = read
        if kind == "attr":
            return getattr(self.playbook, where)
        if where == "section":
            data: Mapping[str, Any] = getattr(self.playbook, rest[0])
            rest = rest[1:]
        else:  # "shared"
            data = self.shared[rest[0]]
            rest = rest[1:]
        if kind == "all":
            return data
        if kind == "len":
            return len(data)
        if kind == "bool":
            return bool(data)
        return data.get(rest[0], MISSING)


__all__ = ["Build", "PageMemo", "TrackedMapping", "TrackedPlaybook", "Uncacheable"]
