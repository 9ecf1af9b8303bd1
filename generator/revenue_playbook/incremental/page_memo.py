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

import base64
import binascii
import dataclasses
import datetime
import decimal
import enum
import hashlib
import json
import types
from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from typing import Any, Protocol, cast

from markupsafe import Markup
from pydantic import BaseModel

from ..definitions.model import Playbook

Read = tuple[str, ...]
MISSING = object()
_PLAIN = (str, int, float, bool, type(None), datetime.date, datetime.time,
          datetime.timedelta, decimal.Decimal, enum.Enum)


_SCALARS = frozenset((str, int, float, bool, type(None)))


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
        kind = type(value)
        # the kinds most values are made of first, by exact type: the same text as below
        if kind in _SCALARS:
            out.append(f"{kind.__name__}:{value!r}")
        elif kind is dict:
            out.append(f"{{dict:{len(value)}")
            for key, item in value.items():
                self._encode(key, out)
                self._encode(item, out)
        elif kind is list or kind is tuple:
            out.append(f"[{kind.__name__}:{len(value)}")
            for item in value:
                self._encode(item, out)
        elif value is MISSING:
            out.append("<missing>")
        elif isinstance(value, bytes):
            out.append(self._bytes(value))
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

    def _bytes(self, data: bytes) -> str:
        """Bytes by their digest, kept for the very same object like a definition's text: a
        diagram's SVG is the renderer's kept object from one build to the next."""
        kept = self._nodes.get(id(data)) or self._earlier.get(id(data))
        if kept is not None and kept[0] is data:
            self._nodes[id(data)] = kept
            return kept[1]
        text = "b:" + hashlib.blake2b(data, digest_size=16).hexdigest()
        self._nodes[id(data)] = (data, text)  # kept alive: its id stays its own
        return text

    def _node(self, node: BaseModel) -> str:
        kept = self._nodes.get(id(node)) or self._earlier.get(id(node))
        if kept is not None and kept[0] is node:
            self._nodes[id(node)] = kept
            return kept[1]
        source = getattr(node, "source", None)
        # by the digest of its JSON: a section read whole, or a process holding every stage,
        # is then digested from a few bytes per definition in each build, not from its text
        text = "N" + hashlib.blake2b(
            f"{type(node).__qualname__}:{getattr(source, 'display', None)}:"
            f"{getattr(node, 'path', ())!r}:{node.model_dump_json()}".encode(
                "utf-8", "surrogatepass"), digest_size=16).hexdigest()
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

    # Listing the items or values reads the whole mapping: recorded once as such, not also
    # item by item (`Mapping`'s own would look up each key; `_needed` drops those reads).
    def items(self) -> ItemsView[str, Any]:
        return self._all().items()

    def values(self) -> ValuesView[Any]:
        return self._all().values()

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
    value: Any  # MISSING: restored from disk without it (only its digest is known)
    inner: list[str]  # the values it was made with: kept as long as it is
    make: Callable[[Playbook, Mapping[str, Any]], Any] | None  # None: restored from disk
    args: Any
    digest: str | None = None  # of the value, once asked for


MEMO_FORMAT = 1


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(type(item) is str for item in value):
        raise TypeError("not a list of strings")
    return value


def _restored(data: object) -> dict[str, _Kept]:
    """`PageMemo.export`'s entries, checked field by field (TypeError when one is off)."""
    if not isinstance(data, dict) or data.get("format") != MEMO_FORMAT:
        raise ValueError("another format")
    table: list[tuple[Read, str]] = []
    for pair in data["reads"]:
        if not isinstance(pair, list) or len(pair) != 2 or type(pair[1]) is not str:
            raise TypeError("reads")
        table.append((tuple(_strings(pair[0])), pair[1]))
    entries = data["entries"]
    if not isinstance(entries, dict):
        raise TypeError("entries")
    kept: dict[str, _Kept] = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry["reads"], list):
            raise TypeError(key)
        reads: dict[Read, str] = {}
        for number in entry["reads"]:
            if type(number) is not int:
                raise TypeError(key)
            read, digest = table[number]  # IndexError: not a number listed
            reads[read] = digest
        value, digest = entry["value"], entry["digest"]
        if isinstance(value, dict) and len(value) == 1:
            (kind, name), = value.items()
            if type(name) is not str:
                raise TypeError(key)
            if kind == "bytes":
                value = base64.b64decode(name, validate=True)
            elif kind in ("text", "data", "plain"):
                value = _Ref(name, kind)
        if (("args",) not in reads
                or not (value is None or type(value) in (str, bytes, _Ref))
                or not (digest is None or type(digest) is str)):
            raise TypeError(key)
        kept[key] = _Kept(reads, MISSING if value is None else value,
                          _strings(entry["inner"]), None, None, digest)
    return kept


def _needed(reads: dict[Read, str]) -> dict[Read, str]:
    """The reads that decide whether a value is still right: an item, the length or the
    emptiness of a mapping the value also read whole is left out, since the whole's
    digest covers them (most pages list a section and look up some of its items; checking
    those again is most of the time spent deciding that a page is unchanged)."""
    whole = {read[1:] for read in reads if read[0] == "all"}
    if not whole:
        return reads
    return {read: digest for read, digest in reads.items()
            if not ((read[0] == "item" and read[1:-1] in whole)
                    or (read[0] in ("len", "bool") and read[1:] in whole))}


class _Stale(Exception):
    """A value read in the last build can no longer be made (its definition is gone)."""


class PageMemo:
    """Pages kept between builds, by key (a page's path): see the module's docstring.
    Keep one per served playbook; `export` and `restore` carry it to the next process
    (`playbook build` with its cache on disk)."""

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}
        self.made_keys: list[str] = []  # pages and values made in the last build (tests)
        self._nodes: dict[int, tuple[object, str]] = {}  # definitions' encodings, by object
        self._objects: Objects | None = None  # where restored values are read from

    @property
    def made(self) -> int:
        return len(self.made_keys)

    def export(self, objects: Objects | None = None) -> dict[str, Any]:
        """What the next process needs to reuse this build's pages, as JSON values: each
        entry's reads with their digests, its digest, and its value when it is text or
        bytes (a page's Markdown, a diagram's DOT, a download), as an object of `objects`
        (the build cache: only a value not kept already is written) or inline. A value
        of another kind keeps only its digest: the next build makes it again when it is
        asked for, and an outer value that read it is still judged by that digest. Reads
        are listed once (most pages read the same sections) and entries refer to them by
        number."""
        table: dict[tuple[Read, str], int] = {}
        entries: dict[str, Any] = {}
        for key, kept in self._kept.items():
            value = _exported(kept.value, objects)
            if value is None and kept.digest is None:
                continue  # nothing the next build could use
            reads = [table.setdefault(pair, len(table)) for pair in kept.reads.items()]
            entries[key] = {"reads": reads, "value": value, "digest": kept.digest,
                            "inner": kept.inner}
        return {"format": MEMO_FORMAT,
                "reads": [[list(read), digest] for read, digest in table],
                "entries": entries}

    def restore(self, data: object, objects: Objects | None = None) -> bool:
        """Take the entries `export` gave (read back from disk); their values are read
        from `objects` when a page is found unchanged. Anything not exactly of their
        shape is ignored whole and False returned: a damaged or foreign cache only costs
        the time of making the pages."""
        try:
            kept = _restored(data)
        except (TypeError, ValueError, KeyError, IndexError, binascii.Error):
            return False
        self._kept = kept
        self._objects = objects
        return True

    def _value(self, kept: _Kept) -> Any:
        """A kept value, read from the build cache if it is still there (MISSING if not,
        or if its bytes are not what it was)."""
        ref = kept.value
        if type(ref) is _Ref:
            data = self._objects.get(ref.name) if self._objects is not None else None
            if data is None:
                kept.value = MISSING
            elif ref.kind == "data":
                kept.value = data
            else:
                try:
                    text = data.decode("utf-8", "surrogatepass")
                    kept.value = (text if ref.kind == "text"
                                  else _unplain(json.loads(text)))
                except (UnicodeDecodeError, ValueError, TypeError, RecursionError):
                    kept.value = MISSING
        return kept.value


class Objects(Protocol):
    """Where values are kept between processes (`build_cache.Store`)."""

    def get(self, name: str) -> bytes | None: ...

    def put(self, data: bytes) -> str: ...

    def keep(self, name: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class _Ref:
    """A value restored from the build cache, not yet read: the object holding it."""

    name: str
    kind: str  # how it was written: "text", "data" or "plain" (see `_exported`)


def _exported(value: Any, objects: Objects | None) -> Any:
    """A value as `PageMemo.export` writes it, or None for a value kept by digest only."""
    if type(value) is _Ref:
        if objects is None:
            return None
        objects.keep(value.name)
        return {value.kind: value.name}
    if type(value) is str:
        if objects is None:
            return value
        return {"text": objects.put(value.encode("utf-8", "surrogatepass"))}
    if type(value) is bytes:
        if objects is None:
            return {"bytes": base64.b64encode(value).decode("ascii")}
        return {"data": objects.put(value)}
    if objects is not None:
        try:
            plain = _plain(value)
        except TypeError:
            return None  # kept by its digest only
        return {"plain": objects.put(json.dumps(plain, ensure_ascii=False).encode(
            "utf-8", "surrogatepass"))}
    return None


def _plain(value: Any) -> Any:
    """A value of lists, tuples, dicts with text keys, text, bytes, numbers and None as
    JSON that keeps each container's kind (TypeError for anything else: a date, a model, a
    class of ours). Bytes are written in Base64 (an export's files)."""
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if kind is bytes:
        return {"b": base64.b64encode(value).decode("ascii")}
    if kind is list:
        return {"l": [_plain(item) for item in value]}
    if kind is tuple:
        return {"t": [_plain(item) for item in value]}
    if kind is dict and all(type(key) is str for key in value):
        return {"d": {key: _plain(item) for key, item in value.items()}}
    raise TypeError(kind.__name__)


def _unplain(value: Any) -> Any:
    """`_plain` undone (TypeError for what it does not write)."""
    if type(value) in (str, int, float, bool) or value is None:
        return value
    if type(value) is dict and len(value) == 1:
        (kind, items), = value.items()
        if kind == "l" and type(items) is list:
            return [_unplain(item) for item in items]
        if kind == "t" and type(items) is list:
            return tuple(_unplain(item) for item in items)
        if kind == "d" and type(items) is dict:
            return {key: _unplain(item) for key, item in items.items()}
        if kind == "b" and type(items) is str:
            return base64.b64decode(items, validate=True)
    raise TypeError("not a value of `_plain`")


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
        # without a memo: each value made in this build, with the arguments it was made for
        self._made: dict[str, tuple[Any, Any]] = {}
        if memo is not None:
            memo.made_keys = []

    def page(self, key: str, make: Callable[[Playbook, Mapping[str, Any]], Any],
             args: Any = ()) -> Any:
        """`make(playbook, shared)` for the page (or any value) `key`, or what it returned
        in the last build if `args` and everything it read are unchanged since.

        Called from inside another `make`, the outer one reads this value: it is made
        again only if this value comes out different ("early cutoff": a list of every
        owner's templates made again after one template's subject changed is still the
        same list, so the page showing it is kept).

        Without a memo (a build that keeps nothing for a next one) no read is traced or
        digested: `make` gets the playbook itself, and a value is made once per build for
        the same `args` object."""
        if self.memo is None:
            made = self._made.get(key)
            if made is not None and made[0] is args:
                return made[1]
            value = make(self.playbook, self.shared)
            self._made[key] = (args, value)
            return value
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
        made = self._kept.get(key)  # already made (or carried) in this build
        if (made is not None and made.reads[("args",)] == arguments
                and (memo is None or memo._value(made) is not MISSING)):
            return made.value, made
        if memo is not None and arguments is not None:
            old = memo._kept.get(key)
            if (old is not None and old.value is not MISSING
                    and old.reads[("args",)] == arguments and self._unchanged(old.reads)
                    and memo._value(old) is not MISSING):
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
        kept = self._kept[key] = _Kept({("args",): arguments, **_needed(trace.reads)}, value,
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
        # most reads were digested already in this build (pages read the same sections):
        # looked up here, without a call per read (a thousand pages of forty reads each)
        current = self._current
        try:
            for read, digest in reads.items():
                found = current.get(read)
                if found is None:
                    if read == ("args",):  # never a read of this build's: compared first
                        continue
                    found = self._now(read)
                if found != digest:
                    return False
        except (Uncacheable, _Stale):
            return False
        return True

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
        if last.make is None:
            # restored from disk: its digest stands while everything it read is unchanged
            # (it cannot be made again as it was made: its function stayed in that process)
            if last.digest is None or not self._unchanged(last.reads):
                raise _Stale(key)
            return last.digest
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
