"""Every private or undocumented part of MkDocs, Material and mike that our code uses, in
one list: a new use fails here until it is listed (with why), and a listed one that the
installed version no longer has fails here before a user meets it as a crash.

What counts as found in our code: a name imported from mkdocs, material or mike that
starts with `_`; any attribute of a module imported from mike (mike has no public Python
API); and `something._name` where `_name` is defined nowhere in our package (so it is
someone else's). Undocumented attributes without a leading underscore (a server's
`observer`, Material's `generate_search_index`) cannot be told from public ones by their
name: they are listed by hand, and checked against the installed versions all the same.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

import revenue_playbook

PACKAGE = Path(revenue_playbook.__file__).parent
LIBRARIES = ("mkdocs", "material", "mike")

# (module, attribute path): why we use it. Sorted by module.
PRIVATE: dict[tuple[str, str], str] = {
    ("atexit", "_ncallbacks"):
        "console: a run with nothing registered for its exit may end at once",
    ("material.plugins.search.plugin", "SearchIndex.entries"):
        "incremental serve: a page's search entries are kept and put back",
    ("material.plugins.search.plugin", "SearchIndex.generate_search_index"):
        "incremental serve: replaced by one that encodes each entry once",
    ("material.plugins.search.plugin", "SearchPlugin.search_index"):
        "incremental serve: where Material's search keeps its entries",
    ("mike.commands", "deploy"): "publish: mike's deploy around our own build",
    ("mike.commands", "list_versions"): "publish: the versions on the branch",
    ("mike.commands", "set_default"): "publish: the root page redirecting to the default",
    ("mike.driver", "main"): "publish: mike's command line, in a process of its own",
    ("mike.git_utils", "GitEmptyCommit"): "publish: the same bytes are there already",
    ("mike.git_utils", "GitError"): "publish: git failed",
    ("mike.git_utils", "get_latest_commit"): "publish: the branch tip before and after",
    ("mike.git_utils", "push_branch"): "publish --push",
    ("mike.git_utils", "read_file"): "publish: what an interrupted publish left",
    ("mike.git_utils", "update_from_upstream"): "publish: the branch as the remote has it",
    ("mkdocs.commands.build", "_build_extra_template"):
        "incremental serve: extra templates (sitemap.xml) rendered as a build does",
    ("mkdocs.commands.build", "_build_page"): "incremental serve: one page rendered again",
    ("mkdocs.commands.build", "_build_theme_template"):
        "incremental serve: theme templates (404.html) rendered as a build does",
    ("mkdocs.config.defaults", "MkDocsConfig._current_page"):
        "incremental serve: the page being populated, as MkDocs sets it",
    ("mkdocs.contrib.search.search_index", "SearchIndex._entries"):
        "incremental serve: MkDocs' own search keeps its entries here",
    ("mkdocs.livereload", "LiveReloadServer.build_delay"):
        "serve: the rebuild starts once files are quiet for 20 ms",
    ("mkdocs.livereload", "LiveReloadServer.observer"):
        "serve: inotify instead of polling twice a second",
    ("mkdocs.livereload", "_serve_url"): "serve: the address printed, as MkDocs prints it",
    ("mkdocs.plugins", "PluginCollection._current_plugin"):
        "the plugin: a reused File says which plugin made it, as File.generated does",
    ("mkdocs.structure.files", "File._content"):
        "the plugin: a generated File of the same content is reused in serve",
    ("os", "_exit"): "console: a run that leaves nothing behind ends once its output is flushed",
}


def _modules() -> dict[str, ast.Module]:
    return {path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py"))}


def _ours(trees: dict[str, ast.Module]) -> set[str]:
    """Every `_name` our package defines: functions, classes, module and class names,
    and attributes set on `self` or `cls`."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                  and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return {name for name in names if name.startswith("_")}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def found_in_code() -> dict[str, set[str]]:
    """Attribute name (or `module.name` for an import) -> files using it."""
    trees = _modules()
    ours = _ours(trees)
    found: dict[str, set[str]] = {}
    for file, tree in trees.items():
        from_library: dict[str, str] = {}  # local name -> library module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                    node.module.split(".")[0] in LIBRARIES:
                for alias in node.names:
                    local = alias.asname or alias.name
                    from_library[local] = f"{node.module}.{alias.name}"
                    if _private(alias.name):
                        found.setdefault(f"{node.module}.{alias.name}", set()).add(file)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in LIBRARIES:
                        from_library[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            base = node.value.id if isinstance(node.value, ast.Name) else None
            library = from_library.get(base) if base else None
            if library is not None and (library.startswith("mike.") or _private(node.attr)):
                # mike has no public Python API: every attribute of it counts
                found.setdefault(f"{library}.{node.attr}", set()).add(file)
            elif _private(node.attr) and node.attr not in ours:
                found.setdefault(node.attr, set()).add(file)
    return found


def _listed_as(key: tuple[str, str]) -> set[str]:
    """How a listed symbol shows in `found_in_code`: as module.name when the module is
    what our code imports, and as its bare attribute name when it is reached through an
    object."""
    module, path = key
    return {f"{module}.{path}", path.rsplit(".", 1)[-1]}


def test_every_private_symbol_our_code_uses_is_listed() -> None:
    listed = set().union(*(_listed_as(key) for key in PRIVATE))
    unlisted = {name: sorted(files) for name, files in found_in_code().items()
                if name not in listed}
    assert unlisted == {}, "list each in PRIVATE, with why we need it"


def test_the_search_finds_the_known_uses() -> None:
    """The scan sees what it is meant to see (a scan that finds nothing passes the test
    above vacuously)."""
    found = found_in_code()
    for name in ("_content", "_current_page", "_current_plugin",
                 "mkdocs.commands.build._build_page", "mkdocs.livereload._serve_url",
                 "mike.commands.deploy", "mike.git_utils.push_branch"):
        assert name in found, name


def _has(module_name: str, path: str) -> bool:
    """Whether the installed `module_name` has `path` (`Class.attribute` or `name`): as
    an attribute, an annotation, or an attribute its class's code sets on `self`."""
    owner = importlib.import_module(module_name)
    *parents, last = path.split(".")
    for part in parents:
        owner = getattr(owner, part, None)
        if owner is None:
            return False
    if hasattr(owner, last):
        return True
    if inspect.isclass(owner):
        for cls in owner.__mro__:
            if last in getattr(cls, "__annotations__", {}):
                return True
            try:
                source = inspect.getsource(cls)
            except (OSError, TypeError):
                continue
            if re.search(rf"\bself\.{re.escape(last)}\s*(?::[^=\n]*)?=", source):
                return True
    return False


@pytest.mark.parametrize(("module", "path"), sorted(PRIVATE))
def test_the_installed_version_still_has_it(module: str, path: str) -> None:
    assert _has(module, path), f"{module}.{path} is gone: {PRIVATE[(module, path)]}"


MKDOCS_ONES = sorted(key for key in PRIVATE if key[0].startswith("mkdocs."))


@pytest.mark.parametrize(("module", "path"), MKDOCS_ONES)
def test_properdocs_has_them_too(module: str, path: str) -> None:
    """ProperDocs, the maintained fork of MkDocs 1.6, keeps each: the plugin and the
    incremental serve could move onto it (README, Engines)."""
    assert _has("properdocs" + module.removeprefix("mkdocs"), path)


def test_the_check_fails_for_a_symbol_that_is_not_there() -> None:
    assert not _has("mkdocs.commands.build", "_build_pages_in_parallel")
    assert not _has("mkdocs.livereload", "LiveReloadServer.inotify_observer")
