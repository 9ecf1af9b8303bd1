"""Gather the definition files into one `Playbook`, reporting schema problems by line.

Each item is validated on its own, so one bad template does not hide the rest, and an item
that fails is remembered as "broken" so references to it are not reported a second time.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import collector
from .findings import Finding, Location, Rule, Severity, close_matches, did_you_mean
from .loader import (
    Limits,
    ReadCache,
    SourceFile,
    discover,
    display_path,
    printable,
    read_file,
)
from .model import (
    DEFAULT_FUNNEL,
    ITEM_FOLDERS,
    SECTIONS,
    Node,
    Phase,
    Playbook,
    Section,
    is_id,
    node_fields,
)

_CONTAINERS = (Node, dict, list)

UNKNOWN_KEY = Rule("PB101", "unknown-key", Severity.ERROR,
                   "Only known keys are allowed (a misspelt key would be ignored otherwise).",
                   "schema")
MISSING_KEY = Rule("PB102", "missing-key", Severity.ERROR,
                   "Required keys are present.", "schema")
INVALID_VALUE = Rule("PB103", "invalid-value", Severity.ERROR,
                     "Each value has the right type and range.", "schema")
DUPLICATE_ID = Rule("PB104", "duplicate-id", Severity.ERROR,
                    "An id is defined once across all files.", "schema")
BAD_ID = Rule("PB105", "invalid-id", Severity.ERROR,
              "Ids are readable slugs: lower-case letters, digits, `_` and `-`.", "schema")
MISSING_SECTION = Rule("PB106", "missing-section", Severity.ERROR,
                       "The playbook names its company and defines a sales process, a lead "
                       "lifecycle or a campaign.", "schema")
MIGRATE_KEY = Rule("PB108", "renamed-key", Severity.ERROR,
                   "Keys of an older format are rewritten as the message says.", "schema")
NO_DEFINITIONS = Rule("PB107", "no-definitions", Severity.ERROR,
                      "The definitions folder exists and holds YAML files.", "schema")

# A playbook may hold only what a team has: its company and one of these.
# What a playbook is about: at least one of them (an SLA alone is an agreement worth
# publishing: a support or service desk's response times).
CORE_SECTIONS = ("processes", "lifecycle", "lead_statuses", "campaigns", "sla")


def _slug(text: str) -> str:
    return "_".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "main"


def _migration(model: type[BaseModel] | None, key: str, value: Any) -> tuple[str, str] | None:
    """For a key of an older format: the message and the exact rewrite."""
    name = model.__name__ if model else ""
    if name == "Stage" and key == "stale_after_days":
        return ("`stale_after_days` is now the stage's `hygiene:` policy",
                f"Replace `stale_after_days: {value}` with\n  hygiene:\n"
                f"    warn_after: {value}d   # business days, as before")
    if name == "SalesProcess" and key == "segment":
        slug = _slug(str(value))
        return ("`segment` (free text) is now `segments:`, a list of declared segment ids",
                f"Replace `segment: {value}` with `segments: [{slug}]` and declare it once "
                f"in a definition file:\n  segments:\n    {slug}:\n      name: {value}")
    return None


def _key_hint(key: str, options: list[str]) -> str:
    """A did-you-mean only for a likely typo; always the keys allowed here."""
    allowed = f"Allowed keys here: {', '.join(options)}." if options else "Remove it."
    # a key is only a typo when it is nearly the same word: `stages` for `stage`, not
    # `owner` for `outcome`
    match = close_matches(key, options, cutoff=0.8)
    return f"Did you mean '{match[0]}'? {allowed}" if match else allowed


_PARTS = {"stages": "stage", "steps": "step", "tiers": "tier", "touchpoints": "touchpoint",
          "questions": "question", "emails": "email",
          "agenda": "agenda item", "variables": "variable", "branches": "branch"}


def _where_in(what: str, loc: tuple[Any, ...]) -> str:
    """'stage 'demo' of process 'x'' for a key inside a stage, not just the process."""
    inner = []
    parts = list(loc[:-1])
    i = 0
    while i < len(parts):
        part = parts[i]
        if part in _PARTS and i + 1 < len(parts):
            item = parts[i + 1]
            label = f"{_PARTS[part]} {item + 1}" if isinstance(item, int) else \
                f"{_PARTS[part]} '{item}'"
            inner.append(label)
            i += 2
            continue
        if isinstance(part, str) and not isinstance(part, int) and i == len(parts) - 1:
            inner.append(f"`{part}`")
        i += 1
    return " of ".join([*reversed(inner), what]) if inner else what


def _model_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the last key of `loc` (for 'did you mean' hints)."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        else:
            origin = typing.get_origin(annotation)
            args = typing.get_args(annotation)
            if origin in (list, dict) and args:
                annotation = args[-1]
            else:
                return None
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) \
        else None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional layers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _type_word(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return repr(value) if len(repr(value)) < 40 else repr(value)[:37] + "...'"


_WRONG_SHAPE = {"dict_type", "list_type", "model_type", "model_attributes_type"}


def _union_path(model: type[BaseModel], loc: tuple[Any, ...],
                ) -> tuple[tuple[Any, ...], tuple[Any, ...] | None, str]:
    """`loc` without pydantic's union branch tags, where the first union is, and the kind of
    branch taken there ('dict', 'list', 'model' or 'scalar')."""
    annotation: Any = model
    clean: list[Any] = []
    union_at: tuple[Any, ...] | None = None
    branch = ""
    parts = list(loc)
    while parts:
        annotation = _unwrap(annotation)
        members = [a for a in typing.get_args(annotation) if a is not type(None)] \
            if typing.get_origin(annotation) in (typing.Union, types.UnionType) else []
        if len(members) > 1:
            tag = str(parts.pop(0))
            chosen = next((m for m in members if tag.startswith(("dict[", "list["))
                           and typing.get_origin(_unwrap(m)) is (dict if tag[0] == "d" else list)),
                          None) or next((m for m in members
                                         if getattr(_unwrap(m), "__name__", "") == tag), None)
            if union_at is None:
                union_at = tuple(clean)
                origin = typing.get_origin(_unwrap(chosen)) if chosen is not None else None
                branch = ("dict" if origin is dict else "list" if origin is list else
                          "model" if chosen is not None else "scalar")
            annotation = chosen
            continue
        part = parts.pop(0)
        clean.append(part)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            annotation = field.annotation if field else None
        elif typing.get_origin(annotation) in (list, dict) and typing.get_args(annotation):
            annotation = typing.get_args(annotation)[-1]
        else:
            annotation = None
    return tuple(clean), union_at, branch


def _without_union_noise(model: type[BaseModel], errors: list[Any]) -> list[Any]:
    """One error per mistake where a value may take several shapes (a number, or a number
    per segment): the branches the value plainly was not meant for are dropped."""
    kept: list[Any] = []
    by_union: dict[tuple[Any, ...], list[Any]] = {}
    for err in errors:
        clean, union_at, branch = _union_path(model, tuple(err["loc"]))
        err = {**err, "loc": clean}
        if union_at is None:
            kept.append(err)
            continue
        wrong_shape = err["type"] in _WRONG_SHAPE or (
            branch == "scalar" and isinstance(err["input"], dict | list))
        by_union.setdefault(union_at, []).append((wrong_shape, err))
    for group in by_union.values():
        meant = [err for wrong, err in group if not wrong] or [group[0][1]]
        seen = set()
        for err in meant:
            key = (err["loc"], err["msg"])
            if key not in seen:
                seen.add(key)
                kept.append(err)
    return kept


def schema_findings(error: ValidationError, model: type[BaseModel], source: SourceFile,
                    prefix: tuple[str | int, ...], what: str) -> list[Finding]:
    """Turn pydantic's errors into findings at the exact key or value."""
    findings = []
    for err in _without_union_noise(model, error.errors(include_url=False)):
        loc = tuple(err["loc"])
        path = (*prefix, *loc)
        kind = err["type"]
        dotted = ".".join(str(p) for p in loc) or what
        if kind == "extra_forbidden":
            key = str(loc[-1])
            parent = _model_at(model, loc[:-1])
            migration = _migration(parent, key, err["input"])
            if migration:
                findings.append(Finding(MIGRATE_KEY, source.location(path, key=True),
                                        *migration))
                continue
            options = sorted(parent.model_fields) if parent else []
            findings.append(Finding(UNKNOWN_KEY, source.location(path, key=True),
                                    f"unknown key '{key}' in {_where_in(what, loc)}",
                                    _key_hint(key, options)))
        elif kind == "missing":
            parent_path = path[:-1]
            findings.append(Finding(MISSING_KEY, source.location(parent_path, key=True),
                                    f"{what} is missing the required key '{loc[-1]}'",
                                    f"Add `{loc[-1]}:` here."))
        else:
            message = err["msg"].removeprefix("Value error, ")
            model_here = _model_at(model, loc[:-1]) if loc else None
            field = model_here.model_fields.get(str(loc[-1])) if model_here and loc else None
            hint = field.description if field and field.description else ""
            if kind == "literal_error":
                hint = _enum_hint(err) or hint
            findings.append(Finding(
                INVALID_VALUE, source.location(path),
                f"{dotted}: {message[:1].lower()}{message[1:]} (got {_type_word(err['input'])})",
                hint or "Correct the value."))
    return findings


def _enum_hint(err: Any) -> str:
    """"Did you mean 'commit'?" for a value of a fixed list written in another case or
    spelling (`Commit`, `BestCase`, `best-case`, a typo), then the values there are."""
    expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
    got = err.get("input")
    if not expected or not isinstance(got, str):
        return ""
    def squeezed(word: str) -> str:
        return re.sub(r"[\s_\-]", "", word).lower()
    same = [option for option in expected if squeezed(option) == squeezed(got)]
    match = same or close_matches(squeezed(got), expected)
    listed = f"One of: {', '.join(expected)}."
    return f"Did you mean '{match[0]}'? {listed}" if match else listed


def _anchor(value: Any, source: SourceFile, path: tuple[str | int, ...]) -> None:
    """Tell every model object in `value` where it was written."""
    if isinstance(value, Node):
        value.anchor(source, path)
        for name in node_fields(type(value)):
            child = getattr(value, name)
            if isinstance(child, _CONTAINERS):
                _anchor(child, source, (*path, name))
    elif isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, _CONTAINERS):
                _anchor(child, source, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            if isinstance(child, _CONTAINERS):
                _anchor(child, source, (*path, i))


def _built(section: Section, item_id: str | None, data: Any, source: SourceFile,
           path: tuple[str | int, ...], what: str) -> tuple[Node | None, list[Finding]]:
    """The model of one item, told where it is written, or the schema's findings about it.

    Built once per parsed file: a file kept by a ReadCache (its bytes unchanged) gives the
    same data, so the same model and the same findings. A playbook is only read after it is
    assembled, so the models can be shared by the playbooks of successive runs."""
    key = (section.key, item_id, path)
    built = source.built.get(key)
    if built is None:
        try:
            item = section.model.model_validate(data if data is not None else {})
        except ValidationError as error:
            built = (None, schema_findings(error, section.model, source, path, what))
        else:
            _anchor(item, source, path)
            built = (item, [])
        source.built[key] = built
    return built


@functools.cache
def _default_funnel() -> dict[str, Phase]:
    """The funnel of a playbook that defines none: built once, as models are only read."""
    return {key: Phase.model_validate(value) for key, value in DEFAULT_FUNNEL.items()}


class Assembler:
    """Collects items from every file into a Playbook, with the findings on the way."""

    def __init__(self) -> None:
        self.playbook = Playbook()
        self.findings: list[Finding] = []
        self.sources: dict[str, SourceFile] = {}
        self._seen: dict[tuple[str, str], SourceFile] = {}
        self._singletons: dict[str, tuple[SourceFile, tuple[str | int, ...]]] = {}

    def add_file(self, source: SourceFile, item_folder: str | None) -> None:
        self.sources[source.display] = source
        data = source.data
        if data is None:
            return
        if item_folder:
            section = SECTIONS[item_folder]
            item_id = source.path.stem
            if not isinstance(data, dict):
                self._not_mapping(source, (), f"a file in {item_folder}/")
                return
            self._add_item(section, item_id, data, source, (), id_at=None)
            return
        if not isinstance(data, dict):
            self._not_mapping(source, (), "a definition file")
            return
        for key, value in data.items():
            known = SECTIONS.get(key)
            if known is None:
                hint = did_you_mean(key, SECTIONS) or f"Sections are: {', '.join(SECTIONS)}."
                self.findings.append(Finding(UNKNOWN_KEY, source.location((key,), key=True),
                                             f"unknown section '{key}'", hint))
            elif known.collection:
                self._add_collection(known, value, source, (key,))
            else:
                self._add_singleton(known, value, source, (key,))

    def _not_mapping(self, source: SourceFile, path: tuple[str | int, ...], what: str) -> None:
        self.findings.append(Finding(INVALID_VALUE, source.location(path),
                                     f"{what} must be a mapping of keys to values",
                                     "Start each line with `key: value`."))

    def _add_collection(self, section: Section, value: Any, source: SourceFile,
                        path: tuple[str | int, ...]) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.findings.append(Finding(
                INVALID_VALUE, source.location(path),
                f"'{section.key}' must map ids to {section.title}, got {_type_word(value)}",
                f"Write each item under its id, e.g.\n  {section.key}:\n    my_id:\n"
                "      name: ..."))
            return
        for item_id, item in value.items():
            self._add_item(section, item_id, item, source, (*path, item_id), id_at=(*path,
                                                                                     item_id))

    def _add_item(self, section: Section, item_id: str, data: Any, source: SourceFile,
                  path: tuple[str | int, ...], id_at: tuple[str | int, ...] | None) -> None:
        key = (section.key, item_id)
        broken = self.playbook.broken.setdefault(section.key, set())
        def where_id() -> Location:  # only when reporting: a position costs a compose
            return source.location(id_at, key=True) if id_at else source.location(())

        if key in self._seen:
            first = self._seen[key].location((), key=True)
            self.findings.append(Finding(
                DUPLICATE_ID, where_id(),
                f"{section.noun} '{item_id}' is already defined in {first.file}",
                "Ids must be unique across all files: rename or remove one."))
            return
        self._seen[key] = source
        valid_id = is_id(item_id)
        if not valid_id:
            self.findings.append(Finding(
                BAD_ID, where_id(), f"{item_id!r} is not a valid id",
                "Use lower-case letters, digits, `_` or `-`, e.g. `demo_followup`."))
        item, problems = _built(section, item_id, data, source, path,
                                f"{section.noun} '{printable(item_id)}'")
        if item is None:
            self.findings.extend(problems)
            broken.add(item_id)
            return
        if not valid_id:  # checked, but kept out of the playbook: its id would name a page
            broken.add(item_id)
            return
        getattr(self.playbook, section.key)[item_id] = item
        if section.key == "processes":
            self._register_stages(item_id, item, source, path)

    def _register_stages(self, process_id: str, process: Any, source: SourceFile,
                         path: tuple[str | int, ...]) -> None:
        # Stage ids are referenced across processes, so they are unique across all files too.
        for stage_id in process.stages:
            key = ("stages", stage_id)
            at = (*path, "stages", stage_id)
            if key in self._seen:
                self.findings.append(Finding(
                    DUPLICATE_ID, source.location(at, key=True),
                    f"stage '{stage_id}' is already defined in {self._seen[key].display}",
                    "Stage ids are unique across processes: prefix them with the segment, "
                    "e.g. `smb_discovery`."))
            else:
                self._seen[key] = source
            if not is_id(stage_id):
                self.findings.append(Finding(
                    BAD_ID, source.location(at, key=True), f"{stage_id!r} is not a valid id",
                    "Use lower-case letters, digits, `_` or `-`, e.g. `discovery`."))

    def _add_singleton(self, section: Section, value: Any, source: SourceFile,
                       path: tuple[str | int, ...]) -> None:
        if section.key in self._singletons:
            first_source, first_path = self._singletons[section.key]
            first = first_source.location(first_path, key=True)
            self.findings.append(Finding(
                DUPLICATE_ID, source.location(path, key=True),
                f"{section.title} is already defined at {first}",
                "Define it once; merge the two."))
            return
        self._singletons[section.key] = (source, path)
        item, problems = _built(section, None, value, source, path, section.title)
        if item is None:
            self.findings.extend(problems)
            self.playbook.broken.setdefault(section.key, set()).add(section.key)
            return
        setattr(self.playbook, section.key, item)

    def finish(self, root: Path) -> None:
        pb = self.playbook
        if not pb.funnel and "funnel" not in pb.broken:
            pb.funnel = dict(_default_funnel())
        if not self.sources or pb.unreadable:
            return
        where = Location(display_path(root))
        if pb.company is None and "company" not in pb.broken:
            self.findings.append(Finding(
                MISSING_SECTION, where, "no `company:` section: the playbook needs the company",
                f"Add to a file in {root}:\n  company:\n    name: <your company>"))
        if not any(getattr(pb, key) or key in pb.broken for key in CORE_SECTIONS):
            self.findings.append(Finding(
                MISSING_SECTION, where,
                "the playbook defines no sales process, lead lifecycle, lead status, campaign "
                "or SLA",
                "Add at least one of `processes:`, `lifecycle:`, `lead_statuses:`, "
                "`campaigns:` or `sla:`; "
                "every other section is optional."))


def assemble(root: Path, limits: Limits | None = None, cache: ReadCache | None = None,
             ) -> tuple[Playbook, dict[str, SourceFile], list[Finding]]:
    """Read every definition file below `root` into a Playbook (unchanged files from
    `cache` when one is given)."""
    limits = limits or Limits()
    findings: list[Finding] = []
    assembler = Assembler()
    listing: list[Finding] = []
    files = discover(root, listing)
    findings.extend(listing)
    assembler.playbook.unreadable.extend(f.location.file for f in listing)
    if not files and not listing:
        findings.append(Finding(NO_DEFINITIONS, Location(display_path(root)),
                                "no YAML files found in the definitions folder",
                                "Add .yaml files, or point to the right folder."))
    shown_root = display_path(root)  # resolved once: resolving per file is slow
    read = cache.read if cache is not None else read_file
    root_parts = root.parts
    with collector.paused():
        for path in files:
            _read_one(path, root, root_parts, shown_root, limits, read, assembler, findings)
    if cache is not None:
        cache.forget_all_but(files)
    assembler.finish(root)
    revised = assembler.playbook.revised
    for shown, source in assembler.sources.items():
        if source.mtime is not None:  # from the file as it was read
            revised[shown] = int(source.mtime)
            continue
        try:
            revised[shown] = int(source.path.stat().st_mtime)
        except OSError:
            continue
    return assembler.playbook, assembler.sources, findings + assembler.findings


def _read_one(path: Path, root: Path, root_parts: tuple[str, ...], shown_root: str,
              limits: Limits,
              read: Callable[[Path, Path, Limits, str], tuple[SourceFile, list[Finding]]],
              assembler: Assembler, findings: list[Finding]) -> None:
    # `discover` joins each path onto `root`: its parts start with root's (relative_to is
    # slower by a tenth of an edit's validation at scale 100)
    parts = path.parts
    rel = parts[len(root_parts):] if parts[:len(root_parts)] == root_parts else \
        path.relative_to(root).parts
    relative = printable("/".join(rel))
    shown = relative if shown_root == "." else f"{shown_root}/{relative}"
    source, problems = read(path, root, limits, shown)
    findings.extend(problems)
    if source.data is None and any(p.rule.severity is Severity.ERROR for p in problems):
        assembler.playbook.unreadable.append(source.display)
    folder = rel[0] if len(rel) == 2 and rel[0] in ITEM_FOLDERS else None
    assembler.add_file(source, folder)
    if source.display not in assembler.sources:
        assembler.sources[source.display] = source
