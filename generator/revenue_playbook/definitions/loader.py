"""Read definition files into plain Python data, remembering where every key and value is.

PyYAML's composer (the C one where present) gives nodes with positions; we build the data
ourselves from those nodes so that we can keep each position, refuse duplicate keys (PyYAML
silently keeps the last one), bound alias expansion, and resolve scalars the way people who
are not engineers expect (YAML 1.2 booleans only, no base-60 numbers: `17:00` stays text).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .findings import Finding, Location, Rule, Severity
from .memo import Memo

try:  # the C parser is several times faster; fall back quietly where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

YAML_SYNTAX = Rule("PB001", "yaml-syntax", Severity.ERROR,
                   "The file must be valid YAML.", "files")
DUPLICATE_KEY = Rule("PB002", "duplicate-key", Severity.ERROR,
                     "A key may appear only once in a mapping (YAML would keep only the last).",
                     "files")
NOT_TEXT = Rule("PB003", "encoding", Severity.ERROR,
                "Definition files are UTF-8 text.", "files")
TABS = Rule("PB004", "tab-indent", Severity.ERROR,
            "Indent with spaces: YAML does not allow tabs for indentation.", "files")
TOO_LARGE = Rule("PB005", "resource-limit", Severity.ERROR,
                 "A file stays within the size, nesting and alias-expansion limits.", "files")
EMPTY_FILE = Rule("PB006", "empty-file", Severity.WARNING,
                  "A definition file should define something.", "files")
MULTI_DOC = Rule("PB007", "multiple-documents", Severity.ERROR,
                 "A definition file holds one YAML document (no `---` separators).", "files")
UNREADABLE = Rule("PB008", "unreadable-file", Severity.ERROR,
                  "Every file in the definitions folder can be read and stays inside it.",
                  "files")

Path_ = tuple[str | int, ...]


@dataclass
class Limits:
    """Bounds that keep a hostile or broken file from eating time and memory."""

    max_file_bytes: int = 2 * 1024 * 1024
    max_values: int = 200_000  # values built from one file, aliases expanded
    max_depth: int = 64


@dataclass
class SourceFile:
    """One definition file: its text, its data, and the YAML nodes that know where every key
    and value is written."""

    path: Path
    display: str  # the path as we print it in messages
    text: str
    data: Any = None
    # when the file was last written (as read from the open file), in seconds
    mtime: float | None = field(default=None, compare=False)
    # Positions are looked up in the composed document only when a finding needs one: the
    # file's text is composed again then. Keeping every file's nodes instead costs memory
    # and slows every later garbage collection.
    _root: yaml.Node | None = field(default=None, init=False, repr=False)
    _composed: bool = field(default=False, init=False, repr=False)
    # Each mapping's keys, indexed the first time a position inside it is asked for, so a
    # file with thousands of findings costs one pass, not one scan of the mapping each.
    _keys: dict[int, _KeyIndex] = field(default_factory=dict, init=False, repr=False)
    # The file's lines, split once for every report line that quotes one (for `text`).
    _lines: list[str] = field(default_factory=list, init=False, repr=False)
    _lines_of: str | None = field(default=None, init=False, repr=False)
    # The models the assembler built from `data`, by where they are written: a file kept by
    # a ReadCache (its bytes unchanged) is not validated against the model again.
    built: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def root(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._root = next(yaml.compose_all(self.text, Loader=_Loader), None)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def location(self, path: Path_, *, key: bool = False) -> Location:
        """The most precise known position for `path`: the key or the value written there,
        or the nearest parent that exists."""
        key_node = value_node = self.root
        for part in path:
            found = _child(value_node, part, self._keys) if value_node is not None else None
            if found is None:
                break
            key_node, value_node = found
        node = key_node if key else value_node
        if node is None:
            return Location(self.display, 1, 1)
        return Location(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def line_text(self, line: int) -> str:
        if self._lines_of is not self.text:
            self._lines, self._lines_of = self.text.splitlines(), self.text
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""


# A mapping's keys written in it (the first of duplicates) and the values it merges (`<<`).
_KeyIndex = tuple[dict[str, tuple[yaml.Node, yaml.Node]], list[yaml.Node]]


def _key_index(node: yaml.MappingNode) -> _KeyIndex:
    keys: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    merged = []
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            merged.append(value_node)
        elif isinstance(key_node, yaml.ScalarNode):
            keys.setdefault(key_node.value, (key_node, value_node))
    return keys, merged


def _child(node: yaml.Node, part: str | int, indexes: dict[int, _KeyIndex],
           merging: frozenset[int] = frozenset()) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key, value) nodes for one step of a path, as the data was built: the first of
    duplicate keys, keys written here before merged (`<<`) ones, a list item as both.
    `indexes` keeps each mapping's `_key_index` (by node id, for as long as the nodes
    live); `merging` holds the mappings already being searched, as `&a {<<: *a}` merges
    itself."""
    if isinstance(node, yaml.SequenceNode):
        if isinstance(part, int) and 0 <= part < len(node.value):
            return node.value[part], node.value[part]
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    index = indexes.get(id(node))
    if index is None:
        index = indexes[id(node)] = _key_index(node)
    keys, merged = index
    if isinstance(part, str) and part in keys:
        return keys[part]
    merging = merging | {id(node)}
    for source in merged:
        for src in source.value if isinstance(source, yaml.SequenceNode) else [source]:
            if id(src) in merging:
                continue
            found = _child(src, part, indexes, merging)
            if found is not None:
                return found
    return None


class _TooBig(Exception):
    def __init__(self, mark: yaml.Mark, message: str) -> None:
        self.mark = mark
        self.message = message


_BOOL_WORDS = {"true": True, "false": False}
_SCALAR = yaml.ScalarNode


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    text = node.value
    if tag == "tag:yaml.org,2002:str" or node.style:  # quoted or block scalars are text
        return text
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        # YAML 1.1 turns yes/no/on/off into booleans; only true/false do here. Fields that
        # want a boolean still accept "yes", everything else keeps the word the user wrote.
        return _BOOL_WORDS.get(text.lower(), text)
    if tag == "tag:yaml.org,2002:timestamp":
        return text  # the model parses dates; a text field keeps what was written
    if tag == "tag:yaml.org,2002:int":
        return _decimal(text, int, _DECIMAL_INT, WrittenInt)
    if tag == "tag:yaml.org,2002:float":
        return _decimal(text, float, _DECIMAL_FLOAT, WrittenFloat)
    return text  # unknown or custom tags are not executed, just read as text


# YAML 1.1 reads `010` as 8, `0b101` as 5, `0x1F` as 31, `1_000` as 1000, `17:00` as 1020 and
# `.NaN` as not-a-number. Only numbers written in plain decimal are numbers here; every other
# form stays the text that was written, so a text field keeps it and a number field reports
# it (or reads `010` as the 10 a person means).
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,99})")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]{1,100}(?:\.[0-9]{0,100})?|\.[0-9]{1,100})"
                            r"(?:[eE][-+]?[0-9]{1,3})?")


class WrittenInt(int):
    """An integer that remembers how it was written (`+5`), for a text field that gets it."""

    text: str

    def __new__(cls, value: int, text: str) -> WrittenInt:
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __getnewargs__(self) -> tuple[int, str]:  # type: ignore[override]
        return int(self), self.text

    def __str__(self) -> str:
        return self.text


class WrittenFloat(float):
    """A number that remembers how it was written (`1.50`), for a text field that gets it."""

    text: str

    def __new__(cls, value: float, text: str) -> WrittenFloat:
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __getnewargs__(self) -> tuple[float, str]:  # type: ignore[override]
        return float(self), self.text

    def __str__(self) -> str:
        return self.text


def _decimal(text: str, kind: type, pattern: re.Pattern[str], written: type) -> Any:
    if not pattern.fullmatch(text):
        return text
    value = kind(text)
    if kind is float and (value != value or value in (float("inf"), float("-inf"))):
        return text  # 1e999 overflows to infinity
    return value if str(value) == text else written(value, text)


_NONCHARACTER = re.compile("[\ufffe\uffff]")


def _loc(display: str, mark: yaml.Mark) -> Location:
    return Location(display, mark.line + 1, mark.column + 1)


class _Builder:
    """Builds plain data from the nodes, refusing duplicate keys and bounding the size."""

    def __init__(self, source: SourceFile, limits: Limits, findings: list[Finding]):
        self.source = source
        self.limits = limits
        self.findings = findings
        self.count = 0
        self.top_key: str | None = None  # the top-level key being built, for messages

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > self.limits.max_values:
            self._too_many(node)
        if depth > self.limits.max_depth:
            raise _TooBig(node.start_mark,
                          f"values are nested more than {self.limits.max_depth} deep")
        if type(node) is _SCALAR:
            if node.style == '"':
                self._writable(node)
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, depth + 1) for child in node.value]
        assert isinstance(node, yaml.MappingNode)  # the composer makes nothing else
        return self._mapping(node, depth)

    def _writable(self, node: yaml.ScalarNode) -> None:
        """An escape in a double-quoted value can write the noncharacters U+FFFE and U+FFFF,
        which no output holds (XML 1.0 refuses them; YAML itself refuses them written out)."""
        found = _NONCHARACTER.search(node.value)
        if found is not None:
            self.findings.append(Finding(
                NOT_TEXT, _loc(self.source.display, node.start_mark),
                f"the value holds U+{ord(found[0]):04X}, a noncharacter that no export can "
                "write (XML 1.0 refuses it)",
                f"Remove the `\\u{ord(found[0]):04X}` escape from the value."))

    def _too_many(self, node: yaml.Node) -> None:
        # An alias expands nodes written elsewhere: point at the top-level key whose value
        # grew too large, not inside the repeated block.
        if self.top_key is not None:
            mark = self.source.location((self.top_key,), key=True)
            where = f"the value of '{self.top_key}'"
            start = yaml.Mark("", 0, mark.line - 1, mark.column - 1, None, None)  # type: ignore[arg-type]  # no buffer: PyYAML accepts None
        else:
            where, start = "this file", node.start_mark
        raise _TooBig(start, f"{where} expands to more than {self.limits.max_values:,} "
                      "values (are aliases `*name` repeating a large block?)")

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        merged: list[yaml.Node] = []
        scalars_allowed = depth < self.limits.max_depth
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.append(value_node)
                continue
            if type(key_node) is not _SCALAR:
                self.findings.append(Finding(
                    YAML_SYNTAX, _loc(self.source.display, key_node.start_mark),
                    "a key must be plain text, not a list or mapping",
                    "Write the key as a word, for example `name:`."))
                continue
            key = key_node.value
            if key in first_seen:
                first = first_seen[key].start_mark.line + 1
                self.findings.append(Finding(
                    DUPLICATE_KEY, _loc(self.source.display, key_node.start_mark),
                    f"key '{key}' appears twice in this mapping (first on line {first})",
                    "YAML keeps only the last value, so one of them would be lost: "
                    "remove or rename one."))
                continue
            first_seen[key] = key_node
            if depth == 0:
                self.top_key = key
            if type(value_node) is _SCALAR and scalars_allowed:
                # most values are scalars: skip a call per value (the limits still count)
                self.count += 1
                if self.count > self.limits.max_values:
                    self._too_many(value_node)
                if value_node.style == '"':
                    self._writable(value_node)
                result[key] = _scalar(value_node)
            else:
                result[key] = self.build(value_node, depth + 1)
        # `<<: *defaults` merges another mapping in; keys written here win.
        for source_node in merged:
            sources = source_node.value if isinstance(source_node, yaml.SequenceNode) \
                else [source_node]
            for src in sources:
                if isinstance(src, yaml.MappingNode):
                    for k, v in self._mapping(src, depth + 1).items():
                        result.setdefault(k, v)
        return result


def _problem(rule: Rule, display: str, message: str, hint: str,
             line: int = 0, column: int = 0) -> Finding:
    return Finding(rule, Location(display, line, column), message, hint)


def display_path(path: Path) -> str:
    """How a path is shown in messages: relative to the current folder when inside it."""
    try:
        return printable(str(path.resolve().relative_to(Path.cwd().resolve())))
    except ValueError:
        return printable(str(path))


def printable(text: str) -> str:
    """`text` with control characters escaped (`\\n`): a file name cannot break a report's
    `file:line:col` lines."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def parse_text(source: SourceFile, limits: Limits) -> list[Finding]:
    """Fill `source.data` from `source.text`; return the problems."""
    findings: list[Finding] = []
    display = source.display
    try:
        documents = list(yaml.compose_all(source.text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or "invalid YAML"
        context = exc.context_mark
        if context is not None and mark is not None and context.line != mark.line:
            # e.g. where the bracket or quote that never closed was opened
            problem += f" ({exc.context} on line {context.line + 1})"
        bad_char = line and source.line_text(line)[col - 1:col] == "\t"
        if "\t" in problem or "'\\t'" in str(exc) or bad_char:
            return [_problem(TABS, display, "a tab character is used for indentation",
                             "Replace the tab with spaces (two per level is usual).",
                             line, col)]
        quote_line = _unclosed_quote(source.text, line)
        if quote_line:
            return [_problem(YAML_SYNTAX, display, f"invalid YAML: a quote opened on line "
                             f"{quote_line} is not closed", "End the value with the same "
                             "quote it started with.", quote_line,
                             _first_quote_column(source.line_text(quote_line)))]
        return [_problem(YAML_SYNTAX, display, f"invalid YAML: {problem}",
                         _syntax_hint(problem), line, col)]
    except yaml.reader.ReaderError as exc:  # control characters and the like
        before = source.text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        return [_problem(YAML_SYNTAX, display, f"the control character U+{exc.character:04X} "
                         "is not allowed in YAML", "Remove it (it often comes from copying "
                         "out of another program).", line, col)]
    except yaml.YAMLError as exc:
        return [_problem(YAML_SYNTAX, display, f"invalid YAML: {exc}",
                         "Fix the YAML syntax.", 1, 1)]
    except RecursionError:
        return [_problem(TOO_LARGE, display, "values are nested too deeply to read",
                         "Flatten the structure.", 1, 1)]
    # `---` alone, or `---` / `...`, composes to a null document: nothing is defined.
    documents = [d for d in documents if d is not None and d.tag != "tag:yaml.org,2002:null"]
    if not documents:
        return [_problem(EMPTY_FILE, display, "this file defines nothing",
                         "Add definitions or delete the file.", 1, 1)]
    if len(documents) > 1:
        mark = documents[1].start_mark
        findings.append(_problem(
            MULTI_DOC, display, "this file holds more than one YAML document",
            "Split it into one file per document, or remove the `---` separator; "
            "only the first document is read.", mark.line + 1, mark.column + 1))
    root = documents[0]
    builder = _Builder(source, limits, findings)
    try:
        source.data = builder.build(root)
    except _TooBig as exc:
        source.data = None
        findings.append(_problem(TOO_LARGE, display, exc.message,
                                 "Simplify the file; anchors and aliases should not be nested "
                                 "to multiply a block.", exc.mark.line + 1,
                                 exc.mark.column + 1))
    except RecursionError:
        source.data = None
        findings.append(_problem(TOO_LARGE, display, "values are nested too deeply to read",
                                 "Flatten the structure.", 1, 1))
    return findings


def _unclosed_quote(text: str, upto: int) -> int:
    """The line (up to `upto`) whose value opens a quote it never closes, or 0.

    A quoted value may go on over several lines (YAML folds them): it counts as unclosed
    only when no quote before the error ends it, not merely when it ends on another line."""
    lines = text.splitlines()[:upto]
    for number, line in enumerate(lines, start=1):
        body = line.split(": ", 1)[1] if ": " in line else line.lstrip(" -")
        body = body.strip()
        for quote in ('"', "'"):
            if body.startswith(quote):
                rest = "\n".join([body[1:], *lines[number:]])
                inner = rest.replace("\\\\", "").replace('\\"', "") if quote == '"' \
                    else rest.replace("''", "")
                end = inner.find(quote)
                after = inner[end + 1:].split("\n", 1)[0].strip() if end >= 0 else ""
                # closed only where the value then ends: `"09:00\n  end: "17:00"` is not
                if end < 0 or (after and not after.startswith(("#", ",", "]", "}"))):
                    return number
    return 0


def _first_quote_column(line: str) -> int:
    positions = [i for i in (line.find('"'), line.find("'")) if i >= 0]
    return min(positions) + 1 if positions else 1


def _syntax_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return ("A value contains `: ` or the indentation is off; put quotes around a value "
                "that contains a colon, and line keys up under each other.")
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return "Check the indentation: keys at the same level start in the same column."
    if "found unexpected end of stream" in problem or "while scanning a quoted" in problem:
        return "A quote is not closed: end the value with the same quote it started with."
    if "expected ',' or ']'" in problem or "expected ',' or '}'" in problem:
        return "A bracket is not closed: check `[` … `]` and `{` … `}` pairs."
    return "Fix the YAML syntax at this spot; quoting the value often helps."


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    return raw[:offset].count(b"\n") + 1, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def read_file(path: Path, root: Path, limits: Limits,
              display: str | None = None) -> tuple[SourceFile, list[Finding]]:
    """Read and parse one definition file (`display`: how to name it in messages)."""
    source, raw, problems = _read_bytes(path, root, limits, display or display_path(path))
    if raw is None:
        return source, problems
    return source, _parse_bytes(source, raw, limits)


def _read_bytes(path: Path, root: Path, limits: Limits,
                display: str) -> tuple[SourceFile, bytes | None, list[Finding]]:
    """The file's bytes, or why they cannot be read (a link outside or in a loop, not a
    regular file, too large, an OS error)."""
    source = SourceFile(path=path, display=display, text="")

    def refuse(rule: Rule, message: str, hint: str) -> tuple[SourceFile, None, list[Finding]]:
        return source, None, [_problem(rule, display, message, hint)]

    try:
        fd = None
        if _NO_FOLLOW:
            # most files are no link: opened at once, and a link found by the open failing
            # (one system call less per file, on every validation of a large playbook)
            try:
                fd = os.open(path, _OPEN | _NO_FOLLOW)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.EMLINK):
                    raise
        if fd is None and stat.S_ISLNK(os.lstat(path).st_mode):
            try:
                target = path.resolve(strict=True)
            except (RuntimeError, OSError) as exc:  # RuntimeError: a loop, before 3.13
                if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
                    return refuse(UNREADABLE, "this file is a link that leads back to "
                                  "itself (a loop of links)", "Replace the link with the "
                                  "file it should point to.")
                raise
            if not target.is_relative_to(root.resolve()):
                return refuse(UNREADABLE, f"this file is a link to {target}, outside the "
                              "definitions folder", "Copy the file into the folder instead "
                              "of linking.")
        # Opened without blocking and checked on the open file: a named pipe would wait
        # forever for a writer, and a file swapped after a check must not slip through.
        if fd is None:
            fd = os.open(path, _OPEN)
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                return refuse(UNREADABLE, f"this is {_kind(status.st_mode)}, not a "
                              "regular file", "Remove it from the definitions folder: only "
                              "regular YAML files are read.")
            if status.st_size > limits.max_file_bytes:
                return refuse(TOO_LARGE, f"this file is {status.st_size:,} bytes, over the "
                              f"limit of {limits.max_file_bytes:,}", "Split it into several "
                              "files, one per item.")
            source.mtime = status.st_mtime
            # As many bytes as the file has, and one more to see it grew since: asking for
            # the whole limit makes a 2 MB buffer per file (a third of reading a large
            # playbook's 3,500 files again after an edit).
            raw = _read_up_to(fd, status.st_size + 1)
            if len(raw) == status.st_size + 1:  # it grew: read on, up to the limit
                raw += _read_up_to(fd, limits.max_file_bytes + 1 - len(raw))
        finally:
            os.close(fd)
        if len(raw) > limits.max_file_bytes:  # it grew while being read
            return refuse(TOO_LARGE, f"this file is over the limit of "
                          f"{limits.max_file_bytes:,} bytes", "Split it into several files, "
                          "one per item.")
        return source, raw, []
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket: there is nothing to open
            return refuse(UNREADABLE, "this is a socket, not a regular file", "Remove it "
                          "from the definitions folder: only regular YAML files are read.")
        return refuse(UNREADABLE, f"cannot read this file: {exc.strerror or exc}",
                      "Check that it exists and is readable.")


_OPEN = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read_up_to(fd: int, size: int) -> bytes:
    """Up to `size` bytes of an open file, fewer only at its end."""
    chunks = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _parse_bytes(source: SourceFile, raw: bytes, limits: Limits) -> list[Finding]:
    """Decode and parse the bytes into `source`; return the problems."""
    display = source.display
    if b"\x00" in raw:
        line, col = _byte_position(raw, raw.index(b"\x00"))
        return [_problem(NOT_TEXT, display, "this is not a text file (it holds a NUL byte)",
                         "Remove it from the definitions folder.", line, col)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start)
        return [_problem(NOT_TEXT, display, f"byte 0x{raw[exc.start]:02x} is not valid "
                         "UTF-8", "Save the file as UTF-8 (most editors offer it under 'Save "
                         "with encoding').", line, col)]
    source.text = text
    return parse_text(source, limits)


class ReadCache:
    """Parsed files kept between runs, so validating again after an edit (preview --watch,
    serve) parses only the files whose bytes changed. Files are still read every time:
    reading is cheap next to parsing, and comparing bytes cannot miss an edit the way file
    times can (two saves within one timestamp tick).

    `export` and `restore` carry the parsed data of files that had no problems to the next
    process (`playbook build` with its build cache), as JSON keyed by a digest of the
    file's bytes, its name and the limits: a file whose key is found is not parsed."""

    def __init__(self) -> None:
        # path (as text: a Path hashes its parts again, and `discover` makes new ones each
        # run) -> (stamp, source, problems, key and data as JSON: None when not kept; the
        # JSON None until `export` makes it)
        self._files: dict[str, tuple[tuple[Any, ...], SourceFile, list[Finding],
                                      tuple[str, str | None] | None]] = {}
        self._restored: dict[str, str] = {}  # key -> data as JSON, from the last process
        self.parses = 0  # files actually parsed, for tests and benchmarks
        # what the checks worked out from the models of unchanged files
        self.memo = Memo()

    def read(self, path: Path, root: Path, limits: Limits,
             display: str) -> tuple[SourceFile, list[Finding]]:
        source, raw, problems = _read_bytes(path, root, limits, display)
        name = os.fspath(path)  # made once by reading the file
        if raw is None:
            self._files.pop(name, None)
            return source, problems
        stamp = (raw, display, limits.max_file_bytes, limits.max_values, limits.max_depth)
        kept = self._files.get(name)
        if kept is not None and kept[0] == stamp:
            kept[1].mtime = source.mtime  # the same bytes, perhaps written again
            return kept[1], kept[2]
        key = _read_key(stamp)
        written = self._restored.get(key)
        if written is not None:
            try:
                data = _data_from_json(written)
                text = raw.decode("utf-8-sig")
            except (ValueError, TypeError, RecursionError):  # not what `export` wrote
                pass
            else:
                source.text, source.data = text, data
                self._files[name] = (stamp, source, [], (key, written))
                return source, []
        self.parses += 1
        problems = _parse_bytes(source, raw, limits)
        # its JSON is made by `export`, if anything asks for it (a build without the build
        # cache, or serve, never does)
        self._files[name] = (stamp, source, problems, None if problems else (key, None))
        return source, problems

    def forget_all_but(self, paths: list[Path]) -> None:
        """Drop files that no longer exist, so a long session does not grow."""
        keep = {os.fspath(path) for path in paths}
        for name in [n for n in self._files if n not in keep]:
            del self._files[name]

    def export(self) -> dict[str, Any]:
        """The data of the files read in this run that had no problems, as JSON values."""
        files = {}
        for path, (stamp, source, problems, kept) in list(self._files.items()):
            if kept is None:
                continue
            key, written = kept
            if written is None:
                try:
                    written = _data_to_json(source.data)
                except (TypeError, ValueError, RecursionError):
                    # a value `_data_to_json` refuses: parsed by the next process
                    self._files[path] = (stamp, source, problems, None)
                    continue
                self._files[path] = (stamp, source, problems, (key, written))
            files[key] = written
        return {"format": READS_FORMAT, "files": dict(sorted(files.items()))}

    def restore(self, section: object) -> bool:
        """Take what `export` gave (read back from disk) if it has exactly that shape;
        each file's data is checked again when it is used (`_data_from_json`)."""
        if (not isinstance(section, dict) or set(section) != {"format", "files"}
                or section["format"] != READS_FORMAT
                or not isinstance(section["files"], dict)
                or not all(type(value) is str for value in section["files"].values())):
            return False
        self._restored = section["files"]
        return True


READS_FORMAT = 1
# How a number that remembers how it was written (`WrittenInt`, `WrittenFloat`) is kept in
# JSON: a mapping with this one key, which no mapping of a definition may use (one that
# does is not kept).
_WRITTEN_INT, _WRITTEN_FLOAT = "\x00int", "\x00float"


def _read_key(stamp: tuple[Any, ...]) -> str:
    raw, *rest = stamp
    hasher = hashlib.blake2b(raw, digest_size=20)
    hasher.update(repr(rest).encode("utf-8", "surrogateescape"))
    return hasher.hexdigest()


def _data_to_json(data: Any) -> str:
    """A file's data as JSON (TypeError for a value the loader does not make)."""
    return json.dumps(_jsonable(data), separators=(",", ":"), allow_nan=False)


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        if any(type(key) is not str or key.startswith("\x00") for key in value):
            raise TypeError("a key the loader does not make")
        return {key: _jsonable(item) for key, item in value.items()}
    if kind is list:
        return [_jsonable(item) for item in value]
    if kind is WrittenInt:
        return {_WRITTEN_INT: value.text}
    if kind is WrittenFloat:
        return {_WRITTEN_FLOAT: value.text}
    if kind in (str, int, float, bool) or value is None:
        return value
    raise TypeError(kind.__name__)


def _data_from_json(text: str) -> Any:
    """`_data_to_json` undone: exactly the values the loader makes (ValueError otherwise:
    a number not finite, a written number that does not read as one)."""
    return json.loads(text, object_hook=_written, parse_constant=_refused,
                      parse_float=_finite)


def _written(mapping: dict[str, Any]) -> Any:
    if len(mapping) == 1:
        (key, text), = mapping.items()
        if key in (_WRITTEN_INT, _WRITTEN_FLOAT):
            number = (_decimal(text, int, _DECIMAL_INT, WrittenInt) if key == _WRITTEN_INT
                      else _decimal(text, float, _DECIMAL_FLOAT, WrittenFloat))
            if type(number) not in (WrittenInt, WrittenFloat):
                raise ValueError("not a written number")
            return number
    if any(key.startswith("\x00") for key in mapping):
        raise ValueError("a key the loader does not make")
    return mapping


def _finite(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def _refused(text: str) -> Any:
    raise ValueError(f"{text} is not a value the loader makes")


def discover(root: Path, problems: list[Finding] | None = None) -> list[Path]:
    """Every YAML file below `root`, in a stable order; hidden files and folders are skipped.
    A folder that cannot be listed, or a link to a folder (not followed: it could lead out of
    the definitions or back into them), goes into `problems`, so nothing is left out
    silently."""
    found: list[Path] = []
    shown_root = display_path(root)

    def shown(path: str) -> str:
        relative = printable(os.path.relpath(path, root))
        return shown_root if relative == "." else f"{shown_root}/{relative}".removeprefix(
            "./")

    def cannot_list(exc: OSError) -> None:
        if problems is not None:
            problems.append(_problem(
                UNREADABLE, shown(exc.filename or str(root)), f"cannot read this folder: "
                f"{exc.strerror or exc}", "Give read and search permission (`chmod u+rx`) "
                "or move it out of the definitions folder: its files are not read."))

    for dirpath, dirnames, filenames in os.walk(root, onerror=cannot_list, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in list(dirnames):
            if os.path.islink(os.path.join(dirpath, name)):
                dirnames.remove(name)
                if problems is not None:
                    problems.append(_problem(
                        UNREADABLE, shown(os.path.join(dirpath, name)), "this folder is a "
                        "link, and links to folders are not followed", "Move the files "
                        "into the definitions folder instead of linking to them."))
        folder = Path(dirpath)  # once per folder: making a Path is slow next to reading
        for name in sorted(filenames):
            if not name.startswith(".") and name.endswith((".yaml", ".yml")):
                found.append(folder / name)
    return found
