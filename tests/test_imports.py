"""The shape of the house: no import cycle among the package's modules, and only the
adapters know MkDocs (the core is plain Python that another engine could drive)."""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import revenue_playbook

PACKAGE = Path(revenue_playbook.__file__).parent
# The adapters: the console script and command line, the engines (MkDocs and what runs it),
# and publishing (mike), which runs an engine.
ADAPTERS = {"console", "cli", "engines", "publishing"}
# The rooms of the house and the rooms each may import: the flow is definitions -> checks ->
# exports -> site -> engines -> publishing, with safety under everything and the command
# line over everything. A new import across rooms is a design change: make it here.
ROOMS: dict[str, set[str]] = {
    "safety": set(),
    "definitions": {"safety"},
    "incremental": {"definitions", "package"},
    "checks": {"definitions", "safety", "package"},
    "exports": {"checks", "definitions", "safety"},
    "site": {"checks", "definitions", "exports", "incremental", "safety"},
    "crm": {"checks", "definitions", "exports", "safety"},
    "measure": {"checks", "definitions", "exports", "safety", "package"},
    "project": {"checks", "definitions", "safety", "package"},
    "engines": {"checks", "definitions", "exports", "incremental", "measure", "project",
                "safety", "site"},
    "publishing": {"checks", "definitions", "engines", "safety"},
}
# Third-party packages only some rooms may use: the engines' and the heavy ones.
ONLY_IN = {"mkdocs": {"engines"}, "material": {"engines"}, "mike": {"engines", "publishing"},
           "properdocs": {"engines"}, "zensical": {"engines"},
           "watchdog": {"engines", "incremental"}, "duckdb": {"measure"},
           "icalendar": {"exports"}, "nh3": {"safety"}}


def modules() -> dict[str, Path]:
    """Module name (relative to the package, `rules.sla`) -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _under_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(name: str, path: Path, typing: bool = False) -> set[str]:
    """Every module `name` imports, at its top or inside a function (a lazy import still
    makes a loop), as package-relative names, or as `ext:<top-level package>`; imports
    made only for type checking are left out, unless `typing`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    known = modules()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and not typing and \
                _under_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                top, _, rest = alias.name.partition(".")
                if top == "revenue_playbook":
                    found.add(rest)
                else:
                    found.add(f"ext:{top}")
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                top, _, rest = (node.module or "").partition(".")
                if top != "revenue_playbook":
                    found.add(f"ext:{top}")
                    continue
                base = rest.split(".") if rest else []
            else:
                base = package[:len(package) - node.level + 1] + (
                    node.module.split(".") if node.module else [])
            target = ".".join(base)
            for alias in node.names:  # `from . import x` may name a module
                sub = ".".join([*base, alias.name])
                found.add(sub if sub in known else target)
    found.discard(name)
    return {m for m in found if m.startswith("ext:") or m in known}


@functools.cache
def _graph(typing: bool) -> dict[str, frozenset[str]]:
    return {name: frozenset(imports(name, path, typing)) for name, path in modules().items()}


def graph(typing: bool = False) -> dict[str, set[str]]:
    """Every module's imports (parsed once per run; each caller gets its own copy)."""
    return {name: set(targets) for name, targets in _graph(typing).items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_the_imports():
    edges = graph()
    assert "checks.validate" in edges["cli"] and "ext:click" in edges["cli"]
    assert "checks.rules.sla" in edges["checks.rules"]
    assert "checks.rules.context" in edges["checks.rules.sla"]
    assert "ext:mkdocs" in edges["engines.mkdocs.plugin"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _loops(edges: dict[str, set[str]]) -> list[list[str]]:
    # a package imports its modules and they import its names: that is the one loop
    # Python itself makes, so a package's __init__ is not counted as an importer
    return cycles({name: {m for m in targets if not m.startswith("ext:")
                          and not (name and m.startswith(name + "."))}
                   for name, targets in edges.items()})


def test_no_import_cycle():
    assert _loops(graph()) == []


def test_no_import_cycle_hidden_behind_type_checking():
    """Two modules that need each other's types are one circle, even when one side imports
    only `if TYPE_CHECKING:` (presentation and campaign_values were)."""
    assert _loops(graph(typing=True)) == []


def test_only_adapters_import_mkdocs():
    edges = graph()
    assert {"cli", "engines.mkdocs.plugin", "engines.mkdocs.runner"} <= set(edges)
    core = sorted(name for name, targets in edges.items()
                  if name.split(".")[0] not in ADAPTERS and "ext:mkdocs" in targets)
    assert core == []


def test_core_does_not_import_adapters():
    """Data flows one way: YAML -> model -> findings -> pages -> site; the adapters call
    the core, never the other way round."""
    edges = graph()
    wrong = sorted((name, target) for name, targets in edges.items()
                   if name.split(".")[0] not in ADAPTERS for target in targets
                   if target.split(".")[0] in ADAPTERS)
    assert wrong == []


def _room(module: str) -> str:
    return module.split(".")[0] if "." in module or module in ROOMS else "package"


def test_every_module_lives_in_a_room_with_a_purpose():
    """The package's top level holds only the entry points; every other module is in a
    room whose `__init__` says in one line what the room is for."""
    top = sorted(name for name, path in modules().items()
                 if name and "." not in name and path.name != "__init__.py")
    assert top == ["cli", "console"]
    for room in ROOMS:
        doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
        assert doc and doc.splitlines()[0].endswith("."), room


def test_rooms_import_only_the_rooms_below_them():
    edges = graph()
    assert set(ROOMS) | {"cli", "console", ""} == {name.split(".")[0] for name in edges}
    wrong = sorted((name, target) for name, targets in edges.items()
                   if _room(name) in ROOMS for target in targets
                   if not target.startswith("ext:") and _room(target) != _room(name)
                   and _room(target) not in ROOMS[_room(name)])
    assert wrong == []


def test_heavy_and_engine_packages_stay_in_their_rooms():
    edges = graph()
    wrong = sorted((name, target[4:]) for name, targets in edges.items() for target in targets
                   if target.startswith("ext:") and target[4:] in ONLY_IN
                   and _room(name) not in ONLY_IN[target[4:]])
    assert wrong == []


def test_the_room_rules_catch_a_wrong_import():
    """The contracts above would see a check that imports the site."""
    edges = graph()
    edges["checks.validate"] = edges["checks.validate"] | {"site.pages", "ext:mkdocs"}
    assert ("checks.validate", "site.pages") in [
        (name, t) for name, targets in edges.items() for t in targets
        if _room(name) in ROOMS and not t.startswith("ext:") and _room(t) != _room(name)
        and _room(t) not in ROOMS[_room(name)]]


# `playbook validate` runs on every commit (a pre-commit hook): it loads the checks, never
# what builds, renders, exports or publishes the site.
SITE_PACKAGES = {"mkdocs", "material", "markdown", "pymdownx", "pygments", "mike", "icalendar",
                 "nh3", "defusedxml", "watchdog", "playwright", "duckdb", "sqlglot"}
SITE_MODULES = {"site", "exports", "engines", "publishing", "measure", "crm", "safety.markup",
                "safety.sanitize", "safety.safe_writes"}
PROBE = """
import atexit, gc, json, sys
from revenue_playbook.console import run
sys.argv = ["playbook", "validate", sys.argv[1]]
code = None
def report():  # at exit (a handler of its own keeps Python's full exit)
    loader = sys.modules.get("pydantic.plugin._loader")
    print(json.dumps({"code": code, "gc": gc.isenabled(), "modules": sorted(sys.modules),
                      "plugins_searched": getattr(loader, "_plugins", None) is not None}),
          file=sys.stderr)
atexit.register(report)
try:
    run()
except SystemExit as exc:
    code = exc.code
    raise
"""


def _probe(**env: str) -> tuple[dict[str, Any], str]:
    root = PACKAGE.parent.parent
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(root / "process_defs")],
                          capture_output=True, text=True, timeout=120, env=environ | env)
    return json.loads(proc.stderr.strip().splitlines()[-1]), proc.stdout


def test_validate_loads_only_what_it_checks_with():
    probe, stdout = _probe()
    assert probe["code"] == 0, stdout
    assert "valid" in stdout
    loaded = set(probe["modules"])
    assert {"revenue_playbook.checks.validate", "revenue_playbook.checks.rules",
            "pydantic"} <= loaded
    assert sorted(p for p in SITE_PACKAGES if p in loaded) == []
    assert sorted(m for m in loaded for room in SITE_MODULES
                  if m == f"revenue_playbook.{room}"
                  or m.startswith(f"revenue_playbook.{room}.")) == []
    # the console script pauses the garbage collector for the import only
    assert probe["gc"] is True
    # and pydantic does not read every installed package's entry points for plugins, nor
    # import what reads them
    assert probe["plugins_searched"] is False
    assert "importlib.metadata" not in loaded
    # nor what finds a typo's likely meaning, with no typo to look for
    assert "difflib" not in loaded


def test_plugins_the_environment_names_are_still_searched_for():
    """Only plugins switched off altogether spare the search: a list of plugins to leave
    out leaves pydantic's loader to read the entry points for the others."""
    probe, stdout = _probe(PYDANTIC_DISABLE_PLUGINS="some_plugin")
    assert probe["code"] == 0, stdout
    assert probe["plugins_searched"] is True
    assert "importlib.metadata" in probe["modules"]


def test_the_site_imports_icalendar_only_to_make_a_calendar():
    """A build from the build cache keeps the .ics files: importing the site's modules (and
    reading the campaigns' dates) leaves icalendar and dateutil out (~30 ms)."""
    code = ("import sys; import revenue_playbook.site.pages, revenue_playbook.exports.ics; "
            "print(sorted(m for m in ('icalendar', 'dateutil') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip() == "[]"
