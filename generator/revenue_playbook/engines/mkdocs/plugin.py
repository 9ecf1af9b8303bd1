"""The MkDocs plugin: a thin adapter that validates the definitions and adds the generated
pages and diagrams to the build, without writing anything into the docs folder.

    plugins:
      - search
      - playbook:
          defs: process_defs
"""

from __future__ import annotations

import functools
import logging
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jinja2 import Environment
from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from ...checks.report import format_text
from ...checks.validate import Result, severity_by_code, validate
from ...definitions.config import ConfigError, find_pyproject, load_settings, settings_from_mapping
from ...incremental.session import Session
from ...safety.encoders import html_attribute, terminal
from ...safety.markup import code_fence
from ...safety.safe_writes import DEFINITIONS_FOLDER
from ...site.diagrams import DiagramError, DiagramRenderer
from ...site.folder import SCRIPT, STYLESHEET, THEME_DIR
from ...site.markdown_extension import GeneratedPages, insert_after_mark, mark_generated
from ...site.navigation import with_hand_written
from ...site.pages import Site, build_site
from .compiled_theme import keep_compiled

log = get_plugin_logger(__name__)
# Settings themes print as trusted HTML, in attributes too (Material's
# `aria-label="{{ config.site_name }}"`): handed over escaped, as Markup so that a theme's
# `|e` does not escape them twice. `playbook init --name` writes the site's name.
THEME_TEXT = ("site_name", "site_description", "site_author")
serve_log = logging.getLogger("playbook.serve")
if not serve_log.handlers:
    serve_log.addHandler(logging.StreamHandler())
    serve_log.propagate = False


class InvalidDefinitions(PluginError):
    """The definitions have errors; the message is `playbook validate`'s report."""


@dataclass(frozen=True)
class RunOptions:
    """What `playbook build` and `playbook publish` hand the plugin for one build (MkDocs'
    own `mkdocs build` and `mkdocs serve` leave the defaults)."""

    validated: Result | None = None
    """The definitions, already validated by the caller: not read and checked again."""
    changes: str | None = None
    """Markdown of the "What changed" page (overrides the `changes` option)."""
    version: str | None = None
    """The version being published: turns on Material's version selector."""
    failure: str | None = None
    """`playbook serve`: the last rebuild failed with this report. Build the last good
    site again, with the report on top of every page."""


class PlaybookConfig(Config):
    defs = c.Type(str, default=DEFINITIONS_FOLDER)
    """The folder holding the YAML definitions, relative to mkdocs.yml."""
    strict = c.Type(bool, default=False)
    """Fail the build on validation warnings too."""
    severity = c.Type(dict, default={})
    """Rule severities by code or name, e.g. `{PB405: error, unused-template: off}`."""
    cache_dir = c.Type(str, default=".cache/playbook")
    """Where rendered diagrams are kept between builds, relative to mkdocs.yml."""
    changes = c.Optional(c.Type(str))
    """A Markdown file (relative to mkdocs.yml) shown as the "What changed" page."""
    crm_data = c.Optional(c.Type(str))
    """A folder of CRM exports (relative to mkdocs.yml): the site gets the measured pages
    (scorecard actuals, SLA compliance, Playbook vs reality, weekly meeting pack). Over
    `data` in `[tool.playbook.measure]`."""
    records = c.Optional(c.Type(bool))
    """With `crm_data`: also a record-level page (stale deals by name, per owner), left out of
    search. Over `records` in `[tool.playbook.measure]`; off by default."""


class PlaybookPlugin(BasePlugin[PlaybookConfig]):
    def __init__(self) -> None:
        self.command = "build"
        self.site: Site | None = None  # the site of this build
        self.good: Site | None = None  # serve: the last site served without failure
        self.defs = Path(DEFINITIONS_FOLDER)
        self.options = RunOptions()
        self.failure: str | None = None  # why the last build failed, for `playbook build`
        self.stale_report: str | None = None  # serving the last good site: why
        # Every cache and reuse layer, kept across serve rebuilds (see `session`); `playbook
        # build` hands over one with its build cache on disk (`use`).
        self.session = Session()
        # serve: the last build's generated files, with what each was made from
        self._files: dict[str, tuple[Any, str | bytes, File]] = {}
        self._server: Any = None  # serve: the server watching files for rebuilds
        self._watching: set[str] = set()  # what this plugin asked it to watch

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup keeps this object, and its diagram cache, across serve rebuilds.
        self.command = command

    def use(self, session: Session) -> None:
        """Build with `session`'s caches (`playbook build` with its build cache)."""
        self.session = session
        self._files = {}

    def keep(self) -> None:
        """`playbook serve`: the site just built is being served; fall back on it when a
        later rebuild fails."""
        self.good = self.site

    def prepare(self, options: RunOptions) -> None:
        """Set the options of the coming build, and of that build only: MkDocs keeps one
        object of a plugin that defines `on_startup` for the whole process, so the next
        build starts again from the defaults."""
        self.options = options

    def check(self, config: MkDocsConfig) -> Result:
        """Validate the definitions named in mkdocs.yml; `playbook build` calls this first
        so that invalid definitions stop the build before MkDocs starts, and hands the
        result back with `prepare(RunOptions(validated=...))`."""
        base = Path(config.config_file_path or ".").parent
        self.defs = base / self.config.defs
        self._follow()
        try:
            # the same settings as `playbook validate` ([tool.playbook] in pyproject.toml),
            # with the plugin's own severities on top
            settings = load_settings(self.defs)
            settings.severity.update(settings_from_mapping(
                {"severity": self.config.severity}, "mkdocs.yml (plugins: playbook)").severity)
            severity_by_code(settings)
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
        if not self.defs.is_dir():
            raise PluginError(f"playbook: definitions folder '{self.defs}' does not exist "
                              "(set `defs:` under the playbook plugin in mkdocs.yml)")
        return validate(self.defs, settings, self.session.reads)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path or ".").parent
        options, self.options = self.options, RunOptions()  # see `prepare`
        if options.failure is not None and self.good is not None:
            self.site, self.stale_report = self.good, options.failure
            return self._configure(config, options)
        result = options.validated or self.check(config)
        self.failure = None
        if result.failed(self.config.strict):
            report = format_text(result, self.config.strict)
            if self.command == "serve" and (self.good or self.site) is not None:
                # Not through MkDocs' logger: in strict mode that would stop the server.
                serve_log.error("the definitions have errors; still serving the last good "
                                "version:\n%s", report)
                self.site, self.stale_report = self.good or self.site, report
            else:
                raise InvalidDefinitions(report)
        else:
            self.stale_report = None
            for finding in result.warnings:
                log.warning("%s: %s %s", terminal(finding.location), finding.code,
                            terminal(finding.message))
            checked = self.session.svgs_checked
            renderer = self.session.renderer(
                base / self.config.cache_dir,
                lambda folder: DiagramRenderer(folder, checked=checked))
            changes = options.changes
            if changes is None and self.config.changes:
                changes_file = base / self.config.changes
                if changes_file.is_file():
                    changes = changes_file.read_text(encoding="utf-8")
            measured = self._measured(base, result)
            try:
                self.site = build_site(result.playbook, renderer,
                                       directory_urls=config.use_directory_urls,
                                       changes_markdown=changes,
                                       findings=result.findings,
                                       memo=self.session.pages if self.command == "serve"
                                       or self.session.keeps_pages else None,
                                       measured=measured)
            except DiagramError as exc:
                self.failure = f"playbook: {exc}"
                raise PluginError(self.failure) from None
        return self._configure(config, options)

    def _measured(self, base: Path, result: Result) -> dict[str, Any] | None:
        """The measured pages' values when CRM data is configured (plugin `crm_data:` or
        `[tool.playbook.measure]`); each data finding is a warning of the build."""
        try:
            measuring = load_settings(base / self.config.defs).measuring
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
        folder = base / self.config.crm_data if self.config.crm_data else measuring.data
        records = measuring.records if self.config.records is None else self.config.records
        if folder is None:
            return None
        from ...measure.load import DataError
        from ...measure.site import measured_pages

        try:
            values, findings = measured_pages(folder, records, result.playbook)
        except DataError as exc:
            raise PluginError(f"playbook: {exc} (set `crm_data:` under the playbook plugin in "
                              "mkdocs.yml, or `measure.data` in [tool.playbook])") from None
        for finding in findings:
            log.warning("%s: %s %s", finding.location, finding.code, finding.message)
        return values

    def _configure(self, config: MkDocsConfig, options: RunOptions) -> MkDocsConfig:
        if options.version:
            # A published version: Material's version selector and outdated-version banner,
            # and canonical URLs inside the version's folder (as mike's own plugin does).
            config.extra.setdefault("version", {"provider": "mike", "default": "latest"})
            if config.site_url:
                config.site_url = urljoin(config.site_url, options.version + "/")
        for key in THEME_TEXT:
            if isinstance(config.get(key), str):
                config[key] = html_attribute(config[key])
        if not any(isinstance(ext, GeneratedPages) for ext in config.markdown_extensions):
            # cleans generated pages inside Markdown conversion, as on every engine
            config.markdown_extensions.append(GeneratedPages())
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        if SCRIPT not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(SCRIPT)
        theme_dir = str(THEME_DIR)
        if theme_dir not in config.theme.dirs:  # after the user's own overrides, if any
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, theme_dir)
        assert self.site is not None
        if not config.nav:
            config.nav = self._nav(Path(config.docs_dir))
        return config

    def _nav(self, docs_dir: Path) -> list[Any]:
        """The generated navigation, with hand-written pages added to the reference tab."""
        assert self.site is not None
        return with_hand_written(self.site.nav, self.site.pages, docs_dir)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.site is not None
        edit_uri = EditUris(config)
        made = self._files
        self._files = {}
        # read once: an option of MkDocs' config costs a few look-ups, and there is a File
        # per page and per diagram
        key = (config.site_dir, config.use_directory_urls, self.command)
        by = config.plugins._current_plugin or "<unknown>"
        for path, page in self.site.pages.items():
            if files.get_file_from_path(path) is not None:
                log.info("%s is written by hand in the docs folder; it replaces the "
                         "generated page", path)
                continue
            file = self._file(config, key, by, path, page.markdown, made,
                              functools.partial(mark_generated, path))
            file.edit_uri = edit_uri(page.source)
            files.append(file)
        for path, data in self.site.assets.items():
            files.append(self._file(config, key, by, path, data, made))
        return files

    def _file(self, config: MkDocsConfig, key: tuple[Any, ...], generated_by: str,
              path: str, made_from: str | bytes,
              made: dict[str, tuple[Any, str | bytes, File]],
              content: Callable[[Any], str | bytes] = lambda data: data) -> File:
        """`File.generated` with `content(made_from)`, or, in `serve`, the last build's File
        of the same path made from the same text or bytes (and the same `key`: site folder,
        URL style and command): a File works out its URL and destination paths once, and a
        large playbook has thousands. What a build changes on a File is set again as new.
        (A page's text is compared as the memo gave it, most often the very same string,
        before the line marking it generated is added.)"""
        known = made.get(path)
        if known is not None and known[0] == key and known[1] == made_from:
            file = known[2]
            file.page = None
            file.inclusion = InclusionLevel.UNDEFINED
            file.generated_by = generated_by
        else:
            file = File.generated(config, path, content=content(made_from))
        if self.command == "serve":
            self._files[path] = (key, made_from, file)
        return file

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        """The theme's templates compiled once, kept beside the diagrams (`compiled_theme`)."""
        base = Path(config.config_file_path or ".").parent
        compiled = Session.template_cache(base / self.config.cache_dir)
        # with the page templates': a CI cache of the project leaves that folder out (code)
        keep_compiled(env, None if compiled is None else compiled / "theme")
        return env

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        if self.stale_report:  # serving the last good version: say why, on every page
            return insert_after_mark(markdown, _stale_banner(self.stale_report))
        return markdown

    def on_page_context(self, context: TemplateContext, *, page: Page, config: MkDocsConfig,
                        nav: Any) -> TemplateContext:
        if self.site is not None and page.file.src_uri in self.site.pages and page.title:
            # The title comes from the page's heading, i.e. from YAML, and themes print it
            # as trusted HTML (in <title>, among others): hand it over escaped.
            page.title = str(escape(page.title))
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if self.site is not None and page.file.src_uri in self.site.pages:
            # A generated page's tags are for search (it has read them by now: they rank
            # the page that defines a term first); other plugins would print them as HTML
            # (print-site puts them, unescaped, above the page). A new dict, not a pop:
            # serve keeps this page's metadata for its next build, which must see the tags.
            page.meta = {key: value for key, value in page.meta.items() if key != "tags"}
        return output

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        self._server = server
        self._follow()
        return server

    def _follow(self) -> None:
        """Serving: watch what decides the site now, the definitions folder mkdocs.yml
        names and the pyproject.toml whose `[tool.playbook]` settings apply to it, and stop
        watching a folder or file that no longer does (after `defs:` changed, say). Called
        on every build, before the settings are read, so that a broken pyproject.toml is
        watched too and fixing it rebuilds."""
        if self._server is None:
            return
        folder = self.defs if self.defs.is_dir() else self.defs.parent
        settings_file = find_pyproject(folder)
        wanted = {os.path.abspath(path) for path in (self.defs, settings_file)
                  if path is not None and path.exists()}
        for path in sorted(self._watching - wanted):
            self._server.unwatch(path)
        for path in sorted(wanted - self._watching):
            self._server.watch(path)
        self._watching = wanted


class EditUris:
    """A generated page is edited in its YAML file: its path from the docs folder, which
    MkDocs joins to `edit_uri` or puts in `edit_uri_template` as for any page. None (no edit
    link) for a file outside the folder holding mkdocs.yml.

    One per build: each folder holding definitions is resolved once, not once per page
    (a playbook of 3,000 pages has a handful of folders), and each folder is listed once to
    find its symbolic links, not looked up file by file; symbolic links are followed as
    `Path.resolve` follows them."""

    def __init__(self, config: MkDocsConfig) -> None:
        self.root = os.path.realpath(Path(config.config_file_path or ".").parent)
        self.docs = os.path.realpath(config.docs_dir)
        self._folders: dict[str, str | None] = {}  # folder as written -> its path from docs
        self._links: dict[str, frozenset[str] | None] = {}  # folder -> its links' names

    def __call__(self, source: str | None) -> str | None:
        if not source:
            return None
        folder, name = os.path.split(source)
        if name in ("", ".", "..") or self._is_link(folder, name, source):
            return self._resolve(source)
        if folder not in self._folders:
            real = os.path.realpath(folder or ".")
            self._folders[folder] = (os.path.relpath(real, self.docs)
                                     if self._inside(real) else None)
        relative = self._folders[folder]
        if relative is None:
            # outside the root, unless the file is the root itself
            return self._resolve(source)
        return (name if relative == "." else f"{relative}/{name}").replace(os.sep, "/")

    def _is_link(self, folder: str, name: str, source: str) -> bool:
        """`os.path.islink(source)`, from one listing of `folder` per build."""
        if folder not in self._links:
            try:
                with os.scandir(folder or ".") as entries:
                    self._links[folder] = frozenset(entry.name for entry in entries
                                                    if entry.is_symlink())
            except OSError:
                self._links[folder] = None
        links = self._links[folder]
        return os.path.islink(source) if links is None else name in links

    def _inside(self, path: str) -> bool:
        return Path(path).is_relative_to(self.root)

    def _resolve(self, source: str) -> str | None:
        path = os.path.realpath(source)
        if not self._inside(path):
            return None
        return os.path.relpath(path, self.docs).replace(os.sep, "/")


def _stale_banner(report: str) -> str:
    """Shown on every page while `serve` keeps the last good version."""
    body = textwrap.indent(str(code_fence(report, "text")), "    ")
    return ('!!! failure "The last change could not be built: this is the last good '
            'version"\n'
            f"{body}\n\n")
