"""Building the engine-neutral site with an engine other than MkDocs: ProperDocs (a
maintained fork of MkDocs 1.6) or Zensical (by Material's team). Neither runs our MkDocs
plugin here: the core validates and writes the site into a folder (`site.folder`), this
module writes a configuration for the engine beside it, derived from the project's
mkdocs.yml, and runs the engine on it in a process of its own.

What makes a generated page safe goes with the site, not with a plugin: the pages are
cleaned inside Markdown conversion (`site.markdown_extension`, added to the configuration's
`markdown_extensions`), their titles are escaped in their front matter, and the names a
theme prints as trusted HTML (site name, description, author) are escaped here.

The work folder (configuration, pages, the engine's own cache) is made inside the folder
being filled and removed once the site is in place, so nothing is written anywhere else.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..checks.report import format_text
from ..checks.validate import Result, severity_by_code, validate
from ..definitions.config import ConfigError, load_settings, settings_from_mapping
from ..safety import safe_writes
from ..safety.encoders import html_attribute, terminal
from ..site.diagrams import DiagramError, DiagramRenderer
from ..site.folder import THEME_ASSETS, THEME_DIR, write_site_folder
from ..site.markdown_extension import NAME as EXTENSION
from ..site.pages import build_site

WORK = ".playbook-engine"  # inside the folder being filled, removed before the swap
THEME_TEXT = ("site_name", "site_description", "site_author")


@dataclass(frozen=True)
class Engine:
    name: str
    module: str
    """Run as `python -m <module> build -f <config>`."""
    distribution: str
    """Its package on PyPI, for the hint when it is not installed."""
    strict_flag: str


ENGINES = {
    "properdocs": Engine("properdocs", "properdocs", "properdocs", "--strict"),
    "zensical": Engine("zensical", "zensical", "zensical", "--strict"),
}


class BuildFailed(Exception):
    """The site could not be built for a reason other than the definitions."""


class InvalidDefinitions(Exception):
    """The definitions have errors; the message is `playbook validate`'s report."""


# ------------------------------------------------------------------ mkdocs.yml, kept as is


class Tagged:
    """A value under a YAML tag this module does not resolve (`!ENV`, `!relative`,
    `!!python/name:...`): written back exactly so, for the engine to resolve."""

    def __init__(self, tag: str, node: yaml.Node) -> None:
        self.tag = tag
        self.node = node


class _Loader(yaml.SafeLoader):
    pass


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    return Tagged(node.tag, node)


def _env(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """`!ENV NAME` or `!ENV [NAME, OTHER, default]`, resolved as MkDocs and Zensical do
    (the first variable set, read as a YAML scalar; else the last item as a default), so
    that a value from the environment is escaped like any other."""
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    elif isinstance(node, yaml.SequenceNode) and node.value:
        items = [loader.construct_object(child) for child in node.value]
        names, default = items[:-1] if len(items) > 1 else items, \
            items[-1] if len(items) > 1 else None
    else:
        raise yaml.constructor.ConstructorError(None, None, "!ENV takes a name or a list",
                                                node.start_mark)
    for name in names:
        if isinstance(name, str) and name in os.environ:
            value = os.environ[name]
            tag = loader.resolve(yaml.ScalarNode, value, (True, False))
            return loader.construct_object(yaml.ScalarNode(tag, value))
    return default


_Loader.add_constructor("!ENV", _env)
_Loader.add_multi_constructor("!", _tagged)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_tagged(dumper: yaml.SafeDumper, value: Tagged) -> yaml.Node:
    return value.node


_Dumper.add_representer(Tagged, _represent_tagged)


def read_config(config_file: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The project's mkdocs.yml as data, its tags kept for the engine, and the file it
    names as `INHERIT` merged under it as MkDocs merges it (mappings key by key, anything
    else replaced)."""
    if not config_file.is_file():
        raise BuildFailed(f"{config_file} not found: run from your playbook repo or pass "
                          "-f path/to/mkdocs.yml")
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildFailed(f"cannot read {config_file}: {exc}") from None
    except yaml.YAMLError as exc:
        raise BuildFailed(f"{config_file}: {exc}") from None
    if not isinstance(data, dict):
        raise BuildFailed(f"{config_file}: not a mapping of settings")
    parent = data.pop("INHERIT", None)
    if isinstance(parent, str):
        path = (config_file.parent / parent).resolve()
        if path in _seen:
            raise BuildFailed(f"{config_file}: INHERIT leads back to {path}")
        data = _merged(read_config(path, (*_seen, path)), data)
    return data


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class PluginOptions:
    """The playbook plugin's options in mkdocs.yml (see `PlaybookConfig`), read without
    MkDocs."""

    defs: str = safe_writes.DEFINITIONS_FOLDER
    strict: bool = False
    severity: dict[str, Any] | None = None
    cache_dir: str = ".cache/playbook"
    changes: str | None = None
    crm_data: str | None = None
    records: bool | None = None

    @classmethod
    def of(cls, config: dict[str, Any], config_file: Path) -> PluginOptions:
        for entry in config.get("plugins") or []:
            if entry == "playbook":
                return cls()
            if isinstance(entry, dict) and "playbook" in entry:
                options = entry["playbook"] or {}
                if not isinstance(options, dict):
                    break
                unknown = sorted(set(options) - set(cls.__dataclass_fields__))
                if unknown:
                    raise BuildFailed(f"{config_file}: unknown option(s) of the playbook "
                                      f"plugin: {', '.join(map(str, unknown))}")
                try:
                    return cls(**{key: _checked(key, value, config_file)
                                  for key, value in options.items()})
                except TypeError as exc:
                    raise BuildFailed(f"{config_file}: playbook plugin: {exc}") from None
        raise BuildFailed(f"{config_file} lists no `playbook` plugin: add `- playbook` under "
                          "`plugins:` (its options say where the definitions are)")


_TYPES: dict[str, tuple[type, ...]] = {
    "defs": (str,), "strict": (bool,), "severity": (dict,), "cache_dir": (str,),
    "changes": (str, type(None)), "crm_data": (str, type(None)),
    "records": (bool, type(None))}


def _checked(key: str, value: Any, config_file: Path) -> Any:
    if not isinstance(value, _TYPES[key]):
        raise BuildFailed(f"{config_file}: playbook plugin option `{key}` must be "
                          f"{' or '.join(t.__name__ for t in _TYPES[key])}, not {value!r}")
    return value


# --------------------------------------------------------------------------- the build


def build(engine: str, config_file: Path, site_dir: Path | None = None,
          strict: bool = False) -> Path:
    """Validate, then build the site with `engine` into a fresh folder beside `site_dir`
    and swap it in (as `engines.mkdocs.runner.build` does for MkDocs)."""
    config_file = Path(os.path.abspath(config_file))  # as MkDocs holds it: paths below it too
    config = read_config(config_file)
    base = config_file.parent
    target = site_dir if site_dir else base / str(config.get("site_dir") or "site")
    sources = safe_writes.project_sources(config_file=config_file)
    try:
        safe_writes.replace_folder(
            target, "the site", lambda staging: render(engine, config_file, staging, strict),
            sources=sources, waiting=lambda: _say(
                f"Waiting for another build writing beside {target} to finish..."),
            say=lambda note: _say(f"note: {note}"))
    except OSError as exc:
        raise BuildFailed(f"cannot write beside {target}: {exc.strerror or exc}") from None
    except safe_writes.OutsideTarget as exc:
        raise BuildFailed(str(exc)) from None
    return target.resolve()


def render(engine_name: str, config_file: Path, out_dir: Path, strict: bool = False) -> None:
    """Build into `out_dir` (a staging folder, existing and empty) with the engine."""
    engine = ENGINES[engine_name]
    if importlib.util.find_spec(engine.module) is None:
        raise BuildFailed(f"{engine.name} is not installed in {sys.prefix}: "
                          f"pip install {engine.distribution}")
    config_file = Path(os.path.abspath(config_file))
    config = read_config(config_file)
    base = config_file.parent
    options = PluginOptions.of(config, config_file)
    strict = strict or options.strict or config.get("strict") is True
    result = _validated(base, options, strict)
    work = out_dir / WORK
    work.mkdir()
    docs_dir = base / str(config.get("docs_dir") or "docs")
    directory_urls = config.get("use_directory_urls", True) is not False
    try:
        site = build_site(result.playbook, DiagramRenderer(base / options.cache_dir),
                          directory_urls=directory_urls,
                          changes_markdown=_changes(base, options),
                          findings=result.findings,
                          measured=_measured(base, options, result))
    except DiagramError as exc:
        raise BuildFailed(f"playbook: {exc}") from None
    folder = write_site_folder(site, docs_dir, work / "docs")
    derived = engine_config(config, base, work, nav=folder.nav)
    config_path = work / "mkdocs.yml"
    config_path.write_text(yaml.dump(derived, Dumper=_Dumper, sort_keys=False,
                                     allow_unicode=True), encoding="utf-8")
    command = [sys.executable, "-m", engine.module, "build", "-f", str(config_path)]
    if strict:
        command.append(engine.strict_flag)
    done = _run(command, work)
    if done.returncode != 0:
        raise BuildFailed(f"{engine.name} failed (exit {done.returncode}):\n"
                          + terminal(_tail(done.stdout)))
    for line in _COLOUR.sub("", done.stdout).splitlines():
        if "WARNING" in line or _ISSUES.search(line):  # MkDocs' warnings, Zensical's count
            _say(line)
    built = work / "site"
    for item in built.iterdir():
        item.rename(out_dir / item.name)
    shutil.rmtree(work)


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true",
               NO_COLOR="1")
    return subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_ISSUES = re.compile(r"\b[1-9][0-9]* issues? found")


def _tail(output: str, lines: int = 30) -> str:
    """The end of what the engine printed, without its colours."""
    return "\n".join(_COLOUR.sub("", output).strip().splitlines()[-lines:])


def _validated(base: Path, options: PluginOptions, strict: bool) -> Result:
    defs = base / options.defs
    try:
        settings = load_settings(defs)
        settings.severity.update(settings_from_mapping(
            {"severity": options.severity or {}}, "mkdocs.yml (plugins: playbook)").severity)
        severity_by_code(settings)
    except ConfigError as exc:
        raise BuildFailed(str(exc)) from None
    if not defs.is_dir():
        raise BuildFailed(f"playbook: definitions folder '{defs}' does not exist "
                          "(set `defs:` under the playbook plugin in mkdocs.yml)")
    result = validate(defs, settings)
    if result.failed(strict):
        raise InvalidDefinitions(format_text(result, strict))
    for finding in result.warnings:
        _say(f"WARNING -  {terminal(finding.location)}: {finding.code} "
             f"{terminal(finding.message)}")
    return result


def _changes(base: Path, options: PluginOptions) -> str | None:
    if options.changes:
        changes_file = base / options.changes
        if changes_file.is_file():
            return changes_file.read_text(encoding="utf-8")
    return None


def _measured(base: Path, options: PluginOptions, result: Result) -> Any:
    try:
        measuring = load_settings(base / options.defs).measuring
    except ConfigError as exc:
        raise BuildFailed(str(exc)) from None
    folder = base / options.crm_data if options.crm_data else measuring.data
    records = measuring.records if options.records is None else options.records
    if folder is None:
        return None
    from ..measure.load import DataError
    from ..measure.site import measured_pages

    try:
        values, findings = measured_pages(folder, records, result.playbook)
    except DataError as exc:
        raise BuildFailed(f"playbook: {exc} (set `crm_data:` under the playbook plugin in "
                          "mkdocs.yml, or `measure.data` in [tool.playbook])") from None
    for finding in findings:
        _say(f"WARNING -  {finding.location}: {finding.code} {finding.message}")
    return values


def engine_config(config: dict[str, Any], base: Path, work: Path, *,
                  nav: list[Any]) -> dict[str, Any]:
    """The project's configuration, made to build the site folder in `work`: the pages in
    `work/docs`, the site in `work/site`, our plugin left out (its work is done), the
    extension that cleans generated pages added, the theme's overrides merged, the names
    themes print as HTML escaped, and the relative paths that pointed into the project
    made absolute (relative to the folder of mkdocs.yml, as for MkDocs)."""
    derived = dict(config)
    derived["docs_dir"] = "docs"
    derived["site_dir"] = "site"
    if not derived.get("nav"):
        derived["nav"] = nav
    derived["plugins"] = [entry for entry in config.get("plugins") or []
                          if entry != "playbook"
                          and not (isinstance(entry, dict) and "playbook" in entry)]
    extensions = list(config.get("markdown_extensions") or [])
    derived["markdown_extensions"] = [*extensions, EXTENSION]
    for key, name in (("extra_css", THEME_ASSETS[0]), ("extra_javascript", THEME_ASSETS[1])):
        listed = list(config.get(key) or [])
        derived[key] = listed if name in listed else [*listed, name]
    for key in THEME_TEXT:
        if isinstance(config.get(key), str):
            derived[key] = str(html_attribute(config[key]))
    # A generated page's file exists only in the build: an edit link would lead nowhere
    # (MkDocs links it to its YAML file, through the plugin).
    derived["edit_uri"] = ""
    derived.pop("edit_uri_template", None)
    theme = config.get("theme")
    theme = dict(theme) if isinstance(theme, dict) else {"name": theme or "mkdocs"}
    overrides = work / "overrides"
    overrides.mkdir()
    for template in THEME_DIR.glob("*.html"):
        shutil.copyfile(template, overrides / template.name)
    custom = theme.get("custom_dir")
    if isinstance(custom, str) and (base / custom).is_dir():  # yours win over ours
        shutil.copytree(base / custom, overrides, dirs_exist_ok=True)
    theme["custom_dir"] = "overrides"
    derived["theme"] = theme
    if isinstance(config.get("hooks"), list):
        derived["hooks"] = [str((base / hook).resolve()) if isinstance(hook, str) else hook
                            for hook in config["hooks"]]
    return derived


def _say(message: str) -> None:
    print(terminal(message), file=sys.stderr, flush=True)
