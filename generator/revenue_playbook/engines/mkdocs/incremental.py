"""Incremental MkDocs builds for `playbook serve`: after an edit, only the pages whose
Markdown or navigation changed are rendered again; the others keep their HTML.

MkDocs' own `--dirty` builds decide by file modification times (`File.is_modified`), which
generated pages do not have, and they leave the search index with the edited pages only.
This builder runs the same steps and plugin events as `mkdocs.commands.build.build`, in the
same order, but remembers what each page's two expensive steps produced:

- *populate* (Markdown to HTML, `on_page_markdown`, `on_page_content`): the attributes these
  steps set on the page, and the warnings they logged, keyed by the page's source text, its
  URL, its edit link and the URLs of every file (what links resolve against);
- *build* (the theme's template, `on_page_context`, `on_post_page`, writing the file): the
  attributes set on the page (a plugin escaping its title, search removing its markers),
  the search index entries made for it and the warnings, keyed by the populate key and the
  whole navigation (every title and URL, since the theme prints the navigation on every
  page).

A page whose keys are unchanged gets its attributes and search entries back, in the order
a full build would have made them, and its HTML stays on disk. Everything else (the
search index file, the sitemap, the 404 page, plugins' `on_post_build`) runs as in a full
build. The result is byte for byte what a full build writes (tests/test_incremental.py).
A change of mkdocs.yml or of the theme's overrides, a plugin this builder does not know, a
Markdown extension that includes other files (pymdownx.snippets), or a failed build makes
the next build a full one.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urljoin, urlsplit

from mkdocs import utils
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure import pages as mkdocs_pages
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, Section, get_navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.utils import meta

from ...incremental.build_cache import Store

log = logging.getLogger("mkdocs.commands.build")
page_log = logging.getLogger("mkdocs.structure.pages")  # where Page.read_source logs

# Plugins whose state lives only on the page objects, in the search index, or is rebuilt
# in every build: an incremental build gives them what a full build would.
KNOWN_PLUGINS = {"search", "material/search", "playbook", "print-site"}
INCLUDING_EXTENSIONS = ("snippets", "markdown_include", "include")


Warning_ = tuple[str, int, str]  # a logged warning: logger name, level, message


@dataclass
class _Record:
    """What the two expensive steps produced for one page in the last build. Restored from
    the build cache, `populated` is None until the page is found unchanged (`_load`)."""

    populate_key: str
    populated: dict[str, Any] | None
    populate_warnings: list[Warning_]
    build_key: str | None = None
    built: dict[str, Any] = field(default_factory=dict)
    search: list[dict[str, Any]] = field(default_factory=list)
    build_warnings: list[Warning_] = field(default_factory=list)
    stored: str | None = None  # the object holding this record in the build cache
    output: str | None = None  # the object holding the page the theme wrote
    dest: str = ""  # where the theme wrote the page, in the site folder
    # the Markdown the populate key was made from, and its digest: the next build digests
    # a page's text again only when it differs (most often it is the very same string)
    markdown: str | None = None
    markdown_digest: str = ""


@dataclass
class Stats:
    """What the last build did (for the serve log and the tests)."""

    full: bool = True
    populated: int = 0  # pages whose Markdown was converted again
    built: int = 0  # pages whose HTML was written again
    pages: int = 0
    copied: int = 0  # static files and diagrams written again
    restored: int = 0  # pages whose HTML came from the build cache
    linked: int = 0  # static files and diagrams linked from the build cache, not written
    seconds: float = 0.0
    reason: str = ""


@dataclass
class _Run:
    """One build's state, handed from phase to phase of `IncrementalBuilder._build`."""

    config: MkDocsConfig
    serve_url: str | None
    inclusion: Any
    stats: Stats
    config_key: str = ""
    search: list[dict[str, Any]] | None = None
    files: Files = field(default_factory=lambda: Files([]))
    env: Any = None
    nav: Any = None
    links_key: str = ""
    doc_files: list[File] = field(default_factory=list)
    records: dict[str, _Record] = field(default_factory=dict)
    sources: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    placed: set[str] = field(default_factory=set)  # pages' HTML found or written in place


RECORDS_FORMAT = 2  # 2: the theme's templates' texts (`templates`)


@dataclass
class _Kept:
    """A theme template's rendered text (the 404 page, the sitemap) in the last build, and
    what it was made from; restored from the build cache, `text` is None until used."""

    key: str
    text: str | None
    stored: str | None = None  # the object holding it in the build cache


class IncrementalBuilder:
    """Builds a site into one folder again and again, re-rendering only what changed.

    Keep one per served folder; call `forget()` when something else wrote the folder.
    With a build cache (`store`, see `build_cache`), `export` keeps the records on disk and
    `restore` takes them back in another process: a page found unchanged then has its HTML
    copied from the cache instead of rendered.
    """

    def __init__(self, store: Store | None = None) -> None:
        self._store = store
        self._config_key: str | None = None
        self._records: dict[str, _Record] = {}
        # src_uri -> (source text, Markdown, metadata) of the last build's pages
        self._sources: dict[str, tuple[str, str, dict[str, Any]]] = {}
        self._static: dict[str, tuple[Any, ...]] = {}  # dest path -> what was copied there
        self._placed: set[str] = set()  # dest paths of the last build's pages' HTML
        # each file's inclusion by its path (`_set_exclusions`), for one configuration
        self._inclusions: dict[str, InclusionLevel] = {}
        self._inclusions_key: str | None = None
        self._outputs: set[str] = set()  # dest paths of the last build's files
        self._theme_key: str | None = None
        self._dated = False  # the theme prints the build date on pages
        self._envs: dict[tuple[Any, ...], Any] = {}  # Jinja environments of the theme
        self._theme_files: dict[tuple[Any, ...], list[tuple[str, str | None]]] = {}
        self._search_json = SearchIndexJson(remember=store is None)
        self._templates: dict[str, _Kept] = {}  # the theme's templates' rendered texts
        self.stats = Stats()

    def forget(self) -> None:
        """The next build is a full one (the folder was replaced or may be half written)."""
        self._config_key = None
        self._records.clear()
        self._sources.clear()
        self._static.clear()
        self._placed.clear()
        self._inclusions_key = None
        self._outputs.clear()
        self._templates.clear()

    def build(self, config: MkDocsConfig, *, serve_url: str | None = None) -> None:
        """Build the site into `config.site_dir`, as `mkdocs.commands.build.build` would."""
        start = time.monotonic()
        self._reuse_theme(config)
        try:
            self._build(config, serve_url, start)
        except BaseException:
            self.forget()  # the folder may be half written
            raise

    # ------------------------------------------------------------------ the build's phases
    def _build(self, config: MkDocsConfig, serve_url: str | None, start: float) -> None:
        """`mkdocs.commands.build.build`, phase by phase: the same plugin events in the
        same order."""
        logger = logging.getLogger("mkdocs")
        warning_counter = utils.CountHandler()
        warning_counter.setLevel(logging.WARNING)
        if config.strict:
            logger.addHandler(warning_counter)
        run = _Run(config, serve_url, InclusionLevel.is_in_serve if serve_url
                   else InclusionLevel.is_included, Stats())
        try:
            run.config = config = config.plugins.on_config(config)
            config.plugins.on_pre_build(config=config)
            self._decide(run)
            with _page_shortcuts():
                self._gather(run)
                self._populate_pages(run)
            run.env = config.plugins.on_env(run.env, config=config, files=run.files)
            self._write(run)
            self._finish(run, warning_counter, start)
        except Exception as e:
            config.plugins.on_build_error(error=e)
            if isinstance(e, BuildError):
                log.error(str(e))
                raise Abort("Aborted with a BuildError!") from None
            raise
        finally:
            logger.removeHandler(warning_counter)

    def _decide(self, run: _Run) -> None:
        """Full or incremental: full after a change of configuration or theme, with a
        plugin or Markdown extension whose effects this builder cannot follow, or when the
        folder is gone."""
        config, stats = run.config, run.stats
        run.config_key = _config_key(config, self._dated)
        unknown = sorted(set(config.plugins) - KNOWN_PLUGINS)
        found = _search_entries(config)
        run.search = found if isinstance(found, list) else None
        # Markdown extensions that read other files while converting a page (snippets):
        # a page's own text no longer tells whether its HTML changed.
        includes = sorted(str(name) for name in config.markdown_extensions
                          if any(word in str(name) for word in INCLUDING_EXTENSIONS))
        if unknown:
            stats.reason = f"plugins {', '.join(unknown)} may keep state across pages"
        elif found is False:
            stats.reason = "a search plugin of unknown make"
        elif includes:
            stats.reason = f"{', '.join(includes)} include files"
        elif run.config_key != self._config_key or not os.path.isdir(config.site_dir):
            stats.reason = "first build or configuration changed"
        stats.full = bool(stats.reason)
        if stats.full:
            self.forget()
            utils.clean_directory(config.site_dir)
        self._search_json.install(config, check=stats.full)

    def _gather(self, run: _Run) -> None:
        """The files, the theme's environment and the navigation (`on_files`, `on_nav`)."""
        config = run.config
        files: Files = _Files(get_files(config))
        run.env = config.theme.get_env()
        self._add_files_from_theme(files, run.env, config)
        files = config.plugins.on_files(files, config=config)
        self._set_exclusions(files, config, run.config_key)
        if isinstance(files, _Files):  # a plugin may hand back MkDocs' own
            files.settle()
        nav = get_navigation(files, config)
        run.nav = config.plugins.on_nav(nav, config=config, files=files)
        run.files = files
        # one digest, not a tuple compared again for every page (pages x files)
        run.links_key = hashlib.blake2b("\n".join(
            f"{f.src_uri}\t{f.url}" for f in files).encode()).hexdigest()

    def _set_exclusions(self, files: Files, config: MkDocsConfig, key: str) -> None:
        """MkDocs' `set_exclusions`, a file's inclusion taken from the last builds for a
        path met before: it follows from the path and mkdocs.yml's `exclude_docs`,
        `draft_docs` and `not_in_nav` patterns (the configuration's `key` covers mkdocs.yml).
        Matching every file against the patterns again cost 2% of a serve edit at scale
        100 (14,000 files)."""
        if key != self._inclusions_key:
            self._inclusions = {}
            self._inclusions_key = key
        known = self._inclusions
        pending = []
        for file in files:
            if file.inclusion is InclusionLevel.UNDEFINED:
                found = known.get(file.src_uri)
                if found is None:
                    pending.append(file)
                else:
                    file.inclusion = found
        set_exclusions(pending, config)
        for file in pending:
            known[file.src_uri] = file.inclusion

    def _populate_pages(self, run: _Run) -> None:
        """Every page's Markdown read and converted, or taken from the last build."""
        config = run.config
        excluded = []
        # listed once: the known plugins add no pages after on_files
        run.doc_files = list(run.files.documentation_pages(inclusion=run.inclusion))
        for file in run.doc_files:
            if file.page is None and file.inclusion.is_not_in_nav():
                if run.serve_url and file.inclusion.is_excluded():
                    excluded.append(urljoin(run.serve_url, file.url))
                Page(None, file, config)
            assert file.page is not None
            record, rendered = self._populate(file.page, run)
            run.records[file.src_uri] = record
            run.stats.populated += rendered
        if excluded:
            log.info("The following pages are being built only for the preview but will "
                     "be excluded from `mkdocs build` per `draft_docs` config:\n  - "
                     + "\n  - ".join(excluded))

    def _write(self, run: _Run) -> None:
        """Static files, the theme's and the extra templates, then every page."""
        config = run.config
        run.stats.copied = self._copy_static(run.files, run.inclusion, run.stats)
        nav_key = _nav_key(run.nav)
        if self._dated:  # the theme prints the build's date on every page
            nav_key += utils.get_build_date()
        # the theme's templates (the 404 page prints the whole navigation, the sitemap
        # every page's URL and the build's date) rendered again only when one changed
        made_from = hashlib.blake2b(repr((run.config_key, nav_key, run.links_key,
                                          utils.get_build_date())).encode()).hexdigest()
        env: Any = _KeepingEnv(run.env, lambda name, template: _KeptTemplate(
            template, functools.partial(self._render_template, name, template, made_from)))
        for template in config.theme.static_templates:
            mkdocs_build._build_theme_template(template, env, run.files, config, run.nav)
        for template in config.extra_templates:
            mkdocs_build._build_extra_template(template, run.files, config, run.nav)
        for file in run.doc_files:
            run.stats.built += self._build_page(file, run.records[file.src_uri], nav_key, run)
        run.stats.pages = len(run.doc_files)

    def _finish(self, run: _Run, warning_counter: utils.CountHandler, start: float) -> None:
        """Anchors checked, `on_post_build`, files of removed pages deleted; in strict
        mode any warning fails the build. Only then is this build remembered."""
        config = run.config
        log_level = config.validation.links.anchors
        for file in run.doc_files:
            assert file.page is not None
            file.page.validate_anchor_links(files=run.files, log_level=log_level)
        config.plugins.on_post_build(config=config)
        self._remove_stale(run.files, config.site_dir)
        if counts := warning_counter.get_counts():
            msg = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
            raise Abort(f"Aborted with {msg} in strict mode!")
        self._config_key = run.config_key
        self._records = run.records
        self._sources = run.sources
        self._placed = run.placed
        stats = run.stats
        stats.seconds = time.monotonic() - start
        self.stats = stats
        log.info(f"Documentation built in {stats.seconds:.2f} seconds "
                 f"({stats.built} of {stats.pages} pages rendered"
                 f"{', full build' if stats.full else ''})")

    # ---------------------------------------------------------------------- the theme
    def _reuse_theme(self, config: MkDocsConfig) -> None:
        """Keep the theme's Jinja environments, and so its compiled templates, from one build
        to the next: compiling Material's templates costs more than rendering a page. A
        change of mkdocs.yml or of the theme's overrides starts afresh."""
        key = _theme_key(config)
        if key != self._theme_key:
            self._envs.clear()
            self._theme_files.clear()
            self._theme_key = key
            self._dated = _prints_dates(config)
        theme = config.theme
        fresh = theme.get_env
        envs = self._envs

        def get_env() -> Any:
            wanted = (tuple(theme.dirs), str(theme.locale))
            if wanted not in envs:
                env = envs[wanted] = fresh()
                # the theme's files, listed once (MkDocs lists them in every build)
                loader = env.loader
                assert loader is not None  # MkDocs' theme environments load from files
                loader.list_templates = functools.cache(  # type: ignore[method-assign]
                    loader.list_templates)
            return envs[wanted]

        theme.get_env = get_env  # type: ignore[method-assign]

    def _add_files_from_theme(self, files: Files, env: Any, config: MkDocsConfig) -> None:
        """`Files.add_files_from_theme`, with the theme's static files found once: a theme
        does not change while its key (`_theme_key`) stays the same."""
        key = (tuple(config.theme.dirs), config.site_dir, config.use_directory_urls)
        if key not in self._theme_files:
            found = Files([])
            found.add_files_from_theme(env, config)
            self._theme_files[key] = [(f.src_path, f.src_dir) for f in found]
        for path, folder in self._theme_files[key]:
            if files.get_file_from_path(path) is None:  # docs files override the theme's
                files.append(File(path, folder, config.site_dir, config.use_directory_urls))

    def _render_template(self, name: str, template: Any, made_from: str,
                         context: Any) -> str:
        """A theme template's text: the last build's when made from the same (`_write`),
        else rendered now."""
        kept = self._templates.get(name)
        if kept is not None and kept.key == made_from:
            if kept.text is None and kept.stored is not None and self._store is not None:
                data = self._store.get(kept.stored)
                with contextlib.suppress(UnicodeDecodeError):
                    kept.text = None if data is None else data.decode("utf-8")
            if kept.text is not None:
                return kept.text
        text = str(template.render(context))
        self._templates[name] = _Kept(made_from, text)
        return text

    # ------------------------------------------------------------------------- pages
    def _read_source(self, page: Page, run: _Run) -> None:
        """`Page.read_source`, splitting the page's metadata off its text again only when
        the text changed (MkDocs splits every page into lines to look for it)."""
        config, file = run.config, page.file
        source = config.plugins.on_page_read_source(page=page, config=config)
        if source is None:
            try:
                source = file.content_string
            except OSError:
                page_log.error(f"File not found: {file.src_path}")
                raise
            except ValueError:
                page_log.error(f"Encoding error reading file: {file.src_path}")
                raise
        old = self._sources.get(file.src_uri)
        if old is not None and old[0] == source:
            # most generated pages have no metadata: nothing to copy
            page.markdown, page.meta = old[1], copy.deepcopy(old[2]) if old[2] else {}
        else:
            page.markdown, page.meta = meta.get_data(source)
            old = (source, page.markdown, copy.deepcopy(page.meta))
        run.sources[file.src_uri] = old

    def _populate(self, page: Page, run: _Run) -> tuple[_Record, bool]:
        """`mkdocs.commands.build._populate_page`, converting the Markdown only when the
        page's Markdown (after the plugins' `on_page_markdown`) or what its links resolve
        against changed. Returns the page's record and whether it was converted again."""
        config, files = run.config, run.files
        config._current_page = page
        file = page.file
        try:
            before = dict(page.__dict__)
            page = config.plugins.on_pre_page(page, config=config, files=files)
            self._read_source(page, run)
            assert page.markdown is not None
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page,
                                                            config=config, files=files)
            old = self._records.get(file.src_uri)
            markdown = page.markdown
            if old is not None and old.markdown is not None and old.markdown == markdown:
                text_digest = old.markdown_digest  # `==` is at once true for the same str
            else:
                text_digest = hashlib.blake2b(
                    markdown.encode("utf-8", "surrogatepass")).hexdigest()
            # not the page's date (update_date): converting Markdown does not read it
            key = hashlib.blake2b(repr((
                text_digest, page.meta, file.url, file.dest_uri, page.edit_url,
                before.get("title"), run.links_key)).encode("utf-8", "surrogatepass")
            ).hexdigest()
            if old is not None and old.populate_key == key and self._load(old, files):
                assert old.populated is not None
                _restore(page, old.populated, files)
                _replay(old.populate_warnings)
                old.markdown, old.markdown_digest = markdown, text_digest
                return old, False
            with _captured() as warnings:
                page.render(config, files)
                assert page.content is not None
                page.content = config.plugins.on_page_content(page.content, page=page,
                                                              config=config, files=files)
            return _Record(key, _changes(before, page), warnings, markdown=markdown,
                           markdown_digest=text_digest), True
        except Exception as e:
            message = f"Error reading page '{file.src_uri}':"
            if not isinstance(e, BuildError):
                message += f" {e}"
            log.error(message)
            raise
        finally:
            config._current_page = None

    def _build_page(self, file: File, record: _Record, nav_key: str, run: _Run) -> bool:
        page = file.page
        assert page is not None
        search = run.search
        key = hashlib.blake2b(f"{record.populate_key}\t{nav_key}".encode()).hexdigest()
        if record.build_key == key and self._output_in_place(file, record, run):
            _restore(page, record.built, None)
            if search is not None:
                search.extend(record.search)
            _replay(record.build_warnings)
            return False
        before = dict(page.__dict__)
        mark = len(search) if search is not None else 0
        with _captured() as warnings:
            mkdocs_build._build_page(page, run.config, run.doc_files, run.nav, run.env,
                                     excluded=file.inclusion.is_excluded())
        if os.path.isfile(file.abs_dest_path):  # not when MkDocs skipped an empty page
            run.placed.add(file.abs_dest_path)
        record.build_key = key
        record.dest = file.dest_uri
        record.built = _changes(before, page)
        record.search = search[mark:] if search is not None else []
        record.build_warnings = warnings
        record.stored = record.output = None  # to be kept again (`export`)
        return True

    def _output_in_place(self, file: File, record: _Record, run: _Run) -> bool:
        """The page's HTML is where it belongs: left there by the last build (serve), or
        copied now from the build cache. What the last build in this process found or wrote
        in place is not looked for again: the folder is this builder's alone (a serve
        rebuild saves a file-system look-up per page, 3,000 at scale 100)."""
        dest = file.abs_dest_path
        if dest in self._placed or os.path.isfile(dest):
            run.placed.add(dest)
            return True
        stats = run.stats
        if self._store is None or record.output is None:
            return False
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if not self._store.link(record.output, dest):  # checked, and linked: no copy
            data = self._store.get(record.output)
            if data is None:
                return False
            with open(dest, "wb") as handle:
                handle.write(data)
        run.placed.add(dest)
        stats.restored += 1
        return True

    def _copy_static(self, files: Files, inclusion: Any, stats: Stats) -> int:
        copied = 0
        store = self._store
        static: dict[str, tuple[Any, ...]] = {}
        folders: set[str] = set()  # made already in this build
        for file in files:
            if file.is_documentation_page() or not inclusion(file.inclusion):
                continue
            dest = file.abs_dest_path
            if file.generated_by is not None or file.abs_src_path is None:
                # as held, text or bytes: `content_bytes` would encode each text again
                content = file._content
                what: tuple[Any, ...] = ("content", file.content_bytes if content is None
                                         else content)
            else:
                stat = os.stat(file.abs_src_path)
                what = ("file", file.abs_src_path, stat.st_mtime_ns, stat.st_size)
            static[dest] = what
            if self._static.get(dest) == what:  # put there by the last build (`_placed`)
                continue
            if store is not None and _link_static(store, file, dest, folders):
                stats.linked += 1
                continue
            file.copy_file()
            copied += 1
        self._static = static
        return copied

    def _remove_stale(self, files: Files, site_dir: str) -> None:
        """Delete what the last build wrote for files that are gone (a page removed or
        renamed), and the folders that leaves empty."""
        outputs = {file.abs_dest_path for file in files}
        for path in sorted(self._outputs - outputs):
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            parent = Path(path).parent
            root = Path(site_dir)
            while parent != root and parent.is_relative_to(root):
                try:
                    parent.rmdir()
                except OSError:
                    break
                parent = parent.parent
        self._outputs = outputs

    # ------------------------------------------------------------- the build cache
    def export(self, site_dir: str) -> dict[str, Any]:
        """Keep this build's records in the build cache (each page's record and the HTML
        the theme wrote, as objects) and return the section that names them."""
        store = self._store
        assert store is not None
        records: dict[str, list[str]] = {}
        for uri, record in self._records.items():
            if record.stored is None:
                record.stored, record.output = _store_record(store, record, site_dir)
            else:
                store.used.update(name for name in (record.stored, record.output) if name)
            if record.stored is not None and record.build_key is not None:
                records[uri] = [record.populate_key, record.build_key, record.stored]
        templates: dict[str, list[str]] = {}
        for name, kept in self._templates.items():
            if kept.stored is None and kept.text is not None:
                kept.stored = store.put(kept.text.encode("utf-8", "surrogatepass"))
            if kept.stored is not None:
                store.keep(kept.stored)
                templates[name] = [kept.key, kept.stored]
        return {"format": RECORDS_FORMAT, "config_key": self._config_key, "records": records,
                "templates": templates}

    def restore(self, section: object) -> bool:
        """Take back the records `export` kept (in another process). A section not exactly
        of that shape is ignored whole (False)."""
        if (not isinstance(section, dict) or section.get("format") != RECORDS_FORMAT
                or type(section.get("config_key")) is not str
                or not isinstance(section.get("records"), dict)
                or not isinstance(section.get("templates"), dict)):
            return False
        templates = {}
        for name, entry in section["templates"].items():
            if (not isinstance(entry, list) or len(entry) != 2
                    or not all(type(part) is str for part in entry)):
                return False
            templates[name] = _Kept(entry[0], None, entry[1])
        records = {}
        for uri, entry in section["records"].items():
            if (not isinstance(entry, list) or len(entry) != 3
                    or not all(type(part) is str for part in entry)):
                return False
            records[uri] = _Record(entry[0], None, [], entry[1], stored=entry[2])
        self.forget()
        self._config_key = section["config_key"]
        self._records = records
        self._templates = templates
        return True

    def _load(self, record: _Record, files: Files) -> bool:
        """Fill a record restored from the build cache from its object; False when the
        object is missing or not what `_store_record` writes (the page is converted)."""
        if record.populated is not None:
            return True
        if self._store is None or record.stored is None:
            return False
        data = self._store.get_json(record.stored)
        try:
            populated = _decode_attributes(data["populated"], files)
            built = _decode_attributes(data["built"], files)
            search, output, dest = data["search"], data["output"], data["dest"]
            if (not isinstance(search, list) or not all(isinstance(e, dict) for e in search)
                    or type(output) is not str or type(dest) is not str):
                raise TypeError("search")
            warnings = [_warning(w) for w in data["populate_warnings"]]
            build_warnings = [_warning(w) for w in data["build_warnings"]]
        except (TypeError, KeyError, ValueError):
            record.stored = None
            return False
        record.populated, record.populate_warnings = populated, warnings
        record.built, record.search, record.build_warnings = built, search, build_warnings
        record.output, record.dest = output, dest
        return True


def _link_static(store: Store, file: File, dest: str, folders: set[str]) -> bool:
    """Put a static file (a theme's asset, a diagram, a download) at `dest` as a hard link
    to its object in the build cache, kept there first if new: a build that writes
    thousands of small files spends most of its system time creating them, and a
    `playbook build` writes its site into a new folder, so `dest` is not there yet and
    no later write goes through the link. False when `dest` is taken already (a plugin
    wrote it into the site) or the object cannot be linked: the caller copies the file."""
    if not store.can_link or os.path.lexists(dest):
        return False
    content = file._content
    if content is None:
        if file.abs_src_path is None:
            return False
        try:
            with open(file.abs_src_path, "rb") as handle:
                data = handle.read()
        except OSError:
            return False  # copy_file reports it
    else:
        data = content.encode("utf-8") if isinstance(content, str) else content
    folder = os.path.dirname(dest)
    if folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.add(folder)
    return store.link_data(data, dest)


def _store_record(store: Store, record: _Record, site_dir: str
                  ) -> tuple[str | None, str | None]:
    """Put a record and its page's HTML in the store: (record, HTML) objects, or Nones
    for a page this cache cannot hold (an attribute of a kind it does not know)."""
    if record.populated is None or record.build_key is None:
        return None, None
    try:
        # not the page's Markdown: a page whose populate key matches has that very text
        # already (the key holds its digest), and it was two fifths of a record's bytes
        populated = _encode_attributes({name: value for name, value in record.populated.items()
                                        if name != "markdown"})
        built = _encode_attributes(record.built)
        _plain(record.search)
    except TypeError:
        return None, None
    path = os.path.join(site_dir, record.dest)
    try:
        with open(path, "rb") as handle:
            output = store.put(handle.read())
    except OSError:
        return None, None
    stored = store.put_json({
        "populated": populated, "built": built, "search": record.search, "output": output,
        "dest": record.dest,
        "populate_warnings": [list(w) for w in record.populate_warnings],
        "build_warnings": [list(w) for w in record.build_warnings]})
    return stored, output
class SearchIndexJson:
    """Material's search index written as JSON with each entry encoded once: its plugin
    encodes every page's entries again in every build (`json.dumps` of the whole index),
    0.1 s at scale 100. The text is the same: JSON puts a list's items, encoded as they
    are alone, between commas. Checked against the plugin's own in each full build; a
    difference (another version of Material) turns this off."""

    CONFIG_KEYS = ("lang", "separator", "pipeline", "fields")  # as Material writes them

    def __init__(self, *, remember: bool = True) -> None:
        self.enabled = True
        # serve: each entry's text kept for the next build (with a copy, to see a change);
        # a one-off build has no next build to keep them for
        self.remember = remember
        self._texts: dict[int, tuple[dict[str, Any], dict[str, Any], str]] = {}

    def install(self, config: MkDocsConfig, *, check: bool) -> None:
        plugin = config.plugins.get("search") or config.plugins.get("material/search")
        index = getattr(plugin, "search_index", None)
        kind = type(index)
        if (not self.enabled or kind.__name__ != "SearchIndex"
                or kind.__module__ != "material.plugins.search.plugin"):
            return
        own = index.generate_search_index  # type: ignore[union-attr]

        def generate(prev: Any) -> str:
            if prev or not self.enabled:  # MkDocs' dirty builds: Material merges
                return str(own(prev))
            text = self.dumps(index)
            if check and text != (expected := str(own(prev))):
                self.enabled = False
                return expected
            return text

        index.generate_search_index = generate  # type: ignore[union-attr]

    def dumps(self, index: Any) -> str:
        texts = {}
        items = []
        for entry in index.entries:
            if not self.remember:
                items.append(_json(entry))
                continue
            known = self._texts.get(id(entry))
            if known is None or known[0] is not entry or known[1] != entry:
                known = (entry, copy.deepcopy(entry), _json(entry))
            texts[id(entry)] = known
            items.append(known[2])
        self._texts = texts
        config = {key: index.config[key] for key in self.CONFIG_KEYS}
        return '{"config":' + _json(config) + ',"docs":[' + ",".join(items) + "]}"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


class _KeepingEnv:
    """The theme's Jinja environment as `mkdocs.commands.build._build_theme_template` uses
    it, handing out each template wrapped by `wrap` (its rendering kept)."""

    def __init__(self, env: Any, wrap: Any) -> None:
        self._env = env
        self._wrap = wrap

    def get_template(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(name, self._env.get_template(name, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)


class _KeptTemplate:
    """A Jinja template whose `render` is the builder's (`_render_template`)."""

    def __init__(self, template: Any, render: Any) -> None:
        self._template = template
        self.render = render

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)


class _Files(Files):
    """MkDocs' `Files`, with a path normalised once per process rather than once per look-up
    (a `PurePath` each): pages' links, the navigation and the plugins look files up by path
    thousands of times per build."""

    _pages: dict[Any, list[File]] | None = None  # by inclusion (None: every page)

    def get_file_from_path(self, path: str) -> File | None:
        return self.src_uris.get(_posix(path))

    def settle(self) -> None:
        """Each file's inclusion is decided (`set_exclusions`): the pages are listed once
        per kind of inclusion from now on, not once per caller (the navigation, the pages,
        each theme template: five times a build), until a file is added or removed."""
        self._pages = {}

    def documentation_pages(self, *, inclusion: Any = InclusionLevel.is_included
                            ) -> list[File]:
        if self._pages is None:
            return list(super().documentation_pages(inclusion=inclusion))
        found = self._pages.get(inclusion)
        if found is None:
            pages = self._pages.get(None)  # every page, whatever its inclusion
            if pages is None:
                pages = self._pages[None] = [file for file in self
                                             if file.is_documentation_page()]
            found = self._pages[inclusion] = [file for file in pages
                                              if inclusion(file.inclusion)]
        return list(found)  # the caller's own list, as MkDocs gives

    def append(self, file: File) -> None:
        if self._pages:
            self._pages.clear()
        super().append(file)

    def remove(self, file: File) -> None:
        if self._pages:
            self._pages.clear()
        super().remove(file)


@functools.lru_cache(maxsize=1 << 16)
def _posix(path: str) -> str:
    """A path as `Files` keys it (`Files.get_file_from_path`)."""
    return PurePath(path).as_posix()


def _theme_key(config: MkDocsConfig) -> str:
    """mkdocs.yml and the theme's overrides, by content (a checkout changes file times)."""
    hasher = hashlib.blake2b(digest_size=20)
    if config.config_file_path and os.path.isfile(config.config_file_path):
        hasher.update(Path(config.config_file_path).read_bytes())
    custom = config.theme.custom_dir
    if custom and os.path.isdir(custom):
        for root, dirs, names in os.walk(custom):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                hasher.update(f"\0{os.path.relpath(path, custom)}\0".encode())
                with open(path, "rb") as handle:
                    hasher.update(hashlib.blake2b(handle.read()).digest())
    return hasher.hexdigest()


def _config_key(config: MkDocsConfig, dated: bool) -> str:
    """What rebuilds everything when it changes: mkdocs.yml, the theme and its overrides,
    the site's URL (and the build's date, for a theme that prints it)."""
    parts = (_theme_key(config), tuple(config.theme.dirs), config.site_url,
             utils.get_build_date() if dated else None)
    return hashlib.blake2b(repr(parts).encode()).hexdigest()


DATES = ("build_date_utc", "update_date")
DATED_TEMPLATES = ("sitemap.xml",)  # made again in every build


def _prints_dates(config: MkDocsConfig) -> bool:
    """Whether a template of the theme (other than the sitemap) reads the build's date: then
    every page depends on it. Material's do not."""
    for folder in config.theme.dirs:
        for root, _, names in os.walk(folder):
            for name in names:
                if name.endswith((".html", ".xml", ".j2")) and name not in DATED_TEMPLATES:
                    with open(os.path.join(root, name), encoding="utf-8",
                              errors="replace") as handle:
                        text = handle.read()
                    if any(word in text for word in DATES):
                        return True
    return False


def _search_entries(config: MkDocsConfig) -> list[dict[str, Any]] | bool | None:
    """The list the search plugin appends a page's entries to; None without search, False
    for a search plugin whose index this builder does not know."""
    plugin = config.plugins.get("search") or config.plugins.get("material/search")
    if plugin is None or not getattr(plugin.config, "enabled", True):
        return None
    index = getattr(plugin, "search_index", None)
    for name in ("entries", "_entries"):  # Material's plugin, MkDocs' own
        entries = getattr(index, name, None)
        if isinstance(entries, list):
            return entries
    return False


def _nav_key(nav: Navigation) -> str:
    """Every title and URL in the navigation, in order: what a theme may print on a page."""
    def walk(items: Any) -> Iterator[Any]:
        for item in items:
            yield (type(item).__name__, item.title, getattr(item, "url", None))
            if isinstance(item, Section):
                yield "("
                yield from walk(item.children)
                yield ")"

    # one digest, not a tuple compared again for every page (pages x pages)
    return hashlib.blake2b(repr(tuple(walk(nav.items))).encode()).hexdigest()


def _changes(before: dict[str, Any], page: Page) -> dict[str, Any]:
    return {name: value for name, value in page.__dict__.items()
            if name not in before or before[name] is not value}


def _restore(page: Page, changes: dict[str, Any], files: Files | None) -> None:
    page.__dict__.update(changes)
    links = changes.get("links_to_anchors")
    if links and files is not None:
        # keyed by the files of the build that rendered the page: map to this build's
        # (src_uri is a key of `Files` already: no Files.get_file_from_path, no PurePath)
        by_uri = files.src_uris
        page.links_to_anchors = {by_uri.get(target.src_uri) or target: anchors
                                 for target, anchors in links.items()}


@contextmanager
def _page_shortcuts() -> Iterator[None]:
    """MkDocs dates each page it makes (`Page.update_date`) by reading the build's date
    again from the environment or the clock, a third of making a page: read once for the
    pages of this build (3% of an edit's CPU at scale 30). It also joins the site's URL and
    the page's (`Page.canonical_url`) and splits the result again, for every page in every
    build: those are kept for the same text (`_urljoin`, `_urlsplit`)."""
    date = utils.get_build_date()
    own = mkdocs_pages.get_build_date, mkdocs_pages.urljoin, mkdocs_pages.urlsplit
    mkdocs_pages.get_build_date = lambda: date
    mkdocs_pages.urljoin, mkdocs_pages.urlsplit = _urljoin, _urlsplit
    try:
        yield
    finally:
        mkdocs_pages.get_build_date, mkdocs_pages.urljoin, mkdocs_pages.urlsplit = own


# functions of their text alone; a SplitResult is a tuple, never changed
_urljoin: Any = functools.lru_cache(maxsize=1 << 16)(urljoin)
_urlsplit: Any = functools.lru_cache(maxsize=1 << 16)(urlsplit)


@contextmanager
def _captured() -> Iterator[list[tuple[str, int, str]]]:
    """The warnings logged while a page is populated or built, to log them again when its
    result is reused (strict mode counts them)."""
    records: list[tuple[str, int, str]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append((record.name, record.levelno, record.getMessage()))

    handler = Keep(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def _replay(records: list[tuple[str, int, str]]) -> None:
    for name, level, message in records:
        logging.getLogger(name).handle(logging.makeLogRecord({
            "name": name, "levelno": level, "levelname": logging.getLevelName(level),
            "msg": message, "args": None}))


def _warning(value: object) -> tuple[str, int, str]:
    if (not isinstance(value, list) or len(value) != 3 or type(value[0]) is not str
            or type(value[1]) is not int or type(value[2]) is not str):
        raise TypeError("warning")
    return value[0], value[1], value[2]


# ------------------------------------------------------- page attributes as JSON values
def _plain(value: Any) -> None:
    """TypeError unless `value` is made of what JSON holds exactly (no tuple, no date)."""
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return
    if kind is list:
        for item in value:
            _plain(item)
    elif kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError("key")
            _plain(item)
    else:
        raise TypeError(kind.__name__)


def _anchor(link: AnchorLink) -> list[Any]:
    if type(link) is not AnchorLink:
        raise TypeError("AnchorLink")
    # set by plugins and themes (print-site's `active`), kept as they are
    extra = {name: value for name, value in vars(link).items()
             if name not in ("title", "id", "level", "children")}
    _plain([link.title, link.id, link.level, extra])
    return [link.title, link.id, link.level, [_anchor(child) for child in link.children],
            extra]


def _encode_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """A page's attributes as JSON, each tagged with its kind; TypeError for a kind not
    known here (the page is then not kept in the build cache)."""
    out: dict[str, Any] = {}
    for name, value in attributes.items():
        if isinstance(value, TableOfContents) and type(value) is TableOfContents:
            out[name] = ["toc", [_anchor(link) for link in value.items]]
        elif type(value) is set and all(type(item) is str for item in value):
            out[name] = ["set", sorted(value)]
        elif name == "links_to_anchors" and type(value) is dict:
            links = []
            for target, anchors in value.items():
                if not isinstance(target, File):
                    raise TypeError("links_to_anchors")
                _plain(anchors)
                links.append([target.src_uri, anchors])
            out[name] = ["links", links]
        else:
            _plain(value)
            out[name] = ["json", value]
    return out


def _link(value: object) -> AnchorLink:
    if (not isinstance(value, list) or len(value) != 5 or type(value[0]) is not str
            or type(value[1]) is not str or type(value[2]) is not int
            or not isinstance(value[3], list) or not isinstance(value[4], dict)
            or {"title", "id", "level", "children"} & set(value[4])):
        raise TypeError("anchor")
    link = AnchorLink(value[0], value[1], value[2])
    link.children = [_link(child) for child in value[3]]
    vars(link).update(value[4])
    return link


def _decode_attributes(data: object, files: Files) -> dict[str, Any]:
    """`_encode_attributes` undone, checked as it goes (TypeError, KeyError)."""
    if not isinstance(data, dict):
        raise TypeError("attributes")
    out: dict[str, Any] = {}
    for name, tagged in data.items():
        if not isinstance(tagged, list) or len(tagged) != 2:
            raise TypeError(name)
        kind, value = tagged
        if kind == "json":
            out[name] = value
        elif kind == "set" and isinstance(value, list) and all(
                type(item) is str for item in value):
            out[name] = set(value)
        elif kind == "toc" and isinstance(value, list):
            out[name] = TableOfContents([_link(item) for item in value])
        elif kind == "links" and isinstance(value, list):
            links: dict[File, Any] = {}
            for pair in value:
                if not isinstance(pair, list) or len(pair) != 2 or type(pair[0]) is not str:
                    raise TypeError(name)
                links[files.src_uris[pair[0]]] = pair[1]  # KeyError: a file that is gone
            out[name] = links
        else:
            raise TypeError(name)
    return out


__all__ = ["KNOWN_PLUGINS", "IncrementalBuilder", "SearchIndexJson", "Stats"]
