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
from urllib.parse import urljoin

from mkdocs import utils
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, Section, get_navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import meta

log = logging.getLogger("mkdocs.commands.build")
page_log = logging.getLogger("mkdocs.structure.pages")  # where Page.read_source logs

# Plugins whose state lives only on the page objects, in the search index, or is rebuilt
# in every build: an incremental build gives them what a full build would.
KNOWN_PLUGINS = {"search", "material/search", "playbook", "print-site"}
INCLUDING_EXTENSIONS = ("snippets", "markdown_include", "include")


@dataclass
class _Record:
    """What the two expensive steps produced for one page in the last build."""

    populate_key: tuple[Any, ...]
    populated: dict[str, Any]
    populate_warnings: list[logging.LogRecord]
    build_key: tuple[Any, ...] | None = None
    built: dict[str, Any] = field(default_factory=dict)
    search: list[dict[str, Any]] = field(default_factory=list)
    build_warnings: list[logging.LogRecord] = field(default_factory=list)


@dataclass
class Stats:
    """What the last build did (for the serve log and the tests)."""

    full: bool = True
    populated: int = 0  # pages whose Markdown was converted again
    built: int = 0  # pages whose HTML was written again
    pages: int = 0
    copied: int = 0  # static files and diagrams written again
    seconds: float = 0.0
    reason: str = ""


class IncrementalBuilder:
    """Builds a site into one folder again and again, re-rendering only what changed.

    Keep one per served folder; call `forget()` when something else wrote the folder.
    """

    def __init__(self) -> None:
        self._config_key: tuple[Any, ...] | None = None
        self._records: dict[str, _Record] = {}
        # src_uri -> (source text, Markdown, metadata) of the last build's pages
        self._sources: dict[str, tuple[str, str, dict[str, Any]]] = {}
        self._static: dict[str, tuple[Any, ...]] = {}  # dest path -> what was copied there
        self._outputs: set[str] = set()  # dest paths of the last build's files
        self._theme_key: tuple[Any, ...] | None = None
        self._envs: dict[tuple[Any, ...], Any] = {}  # Jinja environments of the theme
        self._theme_files: dict[tuple[Any, ...], list[tuple[str, str | None]]] = {}
        self._search_json = SearchIndexJson()
        self.stats = Stats()

    def forget(self) -> None:
        """The next build is a full one (the folder was replaced or may be half written)."""
        self._config_key = None
        self._records.clear()
        self._sources.clear()
        self._static.clear()
        self._outputs.clear()

    def build(self, config: MkDocsConfig, *, serve_url: str | None = None) -> None:
        """Build the site into `config.site_dir`, as `mkdocs.commands.build.build` would."""
        start = time.monotonic()
        self._reuse_theme(config)
        try:
            self._build(config, serve_url, start)
        except BaseException:
            self.forget()  # the folder may be half written
            raise

    def _build(self, config: MkDocsConfig, serve_url: str | None, start: float) -> None:
        logger = logging.getLogger("mkdocs")
        warning_counter = utils.CountHandler()
        warning_counter.setLevel(logging.WARNING)
        if config.strict:
            logger.addHandler(warning_counter)
        inclusion = InclusionLevel.is_in_serve if serve_url else InclusionLevel.is_included
        stats = Stats()
        try:
            config = config.plugins.on_config(config)
            config.plugins.on_pre_build(config=config)
            config_key = _config_key(config)
            unknown = sorted(set(config.plugins) - KNOWN_PLUGINS)
            found = _search_entries(config)
            search = found if isinstance(found, list) else None
            # Markdown extensions that read other files while converting a page (snippets):
            # a page's own text no longer tells whether its HTML changed.
            includes = sorted(str(name) for name in config.markdown_extensions
                              if any(word in str(name) for word in INCLUDING_EXTENSIONS))
            full = (config_key != self._config_key or bool(unknown) or found is False
                    or bool(includes) or not os.path.isdir(config.site_dir))
            if full:
                stats.reason = (f"plugins {', '.join(unknown)} may keep state across pages"
                                if unknown else "a search plugin of unknown make"
                                if found is False else f"{', '.join(includes)} include files"
                                if includes else "first build or configuration changed")
                self.forget()
                utils.clean_directory(config.site_dir)
            stats.full = full
            self._search_json.install(config, check=full)

            files: Files = _Files(get_files(config))
            env = config.theme.get_env()
            self._add_files_from_theme(files, env, config)
            files = config.plugins.on_files(files, config=config)
            set_exclusions(files, config)
            nav = get_navigation(files, config)
            nav = config.plugins.on_nav(nav, config=config, files=files)
            # one digest, not a tuple compared again for every page (pages x files)
            links_key = hashlib.blake2b("\n".join(
                f"{f.src_uri}\t{f.url}" for f in files).encode()).hexdigest()

            records: dict[str, _Record] = {}
            sources: dict[str, tuple[str, str, dict[str, Any]]] = {}
            excluded = []
            # listed once: the known plugins add no pages after on_files
            doc_files = files.documentation_pages(inclusion=inclusion)
            for file in doc_files:
                if file.page is None and file.inclusion.is_not_in_nav():
                    if serve_url and file.inclusion.is_excluded():
                        excluded.append(urljoin(serve_url, file.url))
                    Page(None, file, config)
                assert file.page is not None
                record, rendered = self._populate(file.page, config, files, links_key,
                                                  sources)
                records[file.src_uri] = record
                stats.populated += rendered
            if excluded:
                log.info("The following pages are being built only for the preview but will "
                         "be excluded from `mkdocs build` per `draft_docs` config:\n  - "
                         + "\n  - ".join(excluded))

            env = config.plugins.on_env(env, config=config, files=files)
            stats.copied = self._copy_static(files, inclusion)
            for template in config.theme.static_templates:
                mkdocs_build._build_theme_template(template, env, files, config, nav)
            for template in config.extra_templates:
                mkdocs_build._build_extra_template(template, files, config, nav)

            nav_key = _nav_key(nav)
            for file in doc_files:
                assert file.page is not None
                record = records[file.src_uri]
                stats.built += self._build_page(file, record, nav_key, config, doc_files, nav,
                                                env, search)
            stats.pages = len(doc_files)

            log_level = config.validation.links.anchors
            for file in doc_files:
                assert file.page is not None
                file.page.validate_anchor_links(files=files, log_level=log_level)

            config.plugins.on_post_build(config=config)
            self._remove_stale(files, config.site_dir)

            if counts := warning_counter.get_counts():
                msg = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
                raise Abort(f"Aborted with {msg} in strict mode!")
            self._config_key = config_key
            self._records = records
            self._sources = sources
            stats.seconds = time.monotonic() - start
            self.stats = stats
            log.info(f"Documentation built in {stats.seconds:.2f} seconds "
                     f"({stats.built} of {stats.pages} pages rendered"
                     f"{', full build' if stats.full else ''})")
        except Exception as e:
            config.plugins.on_build_error(error=e)
            if isinstance(e, BuildError):
                log.error(str(e))
                raise Abort("Aborted with a BuildError!") from None
            raise
        finally:
            logger.removeHandler(warning_counter)

    def _reuse_theme(self, config: MkDocsConfig) -> None:
        """Keep the theme's Jinja environments, and so its compiled templates, from one build
        to the next: compiling Material's templates costs more than rendering a page. A
        change of mkdocs.yml or of the theme's overrides starts afresh."""
        key = _theme_key(config)
        if key != self._theme_key:
            self._envs.clear()
            self._theme_files.clear()
            self._theme_key = key
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

    def _read_source(self, page: Page, config: MkDocsConfig,
                     sources: dict[str, tuple[str, str, dict[str, Any]]]) -> None:
        """`Page.read_source`, splitting the page's metadata off its text again only when
        the text changed (MkDocs splits every page into lines to look for it)."""
        file = page.file
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
            page.markdown, page.meta = old[1], copy.deepcopy(old[2])
        else:
            page.markdown, page.meta = meta.get_data(source)
            old = (source, page.markdown, copy.deepcopy(page.meta))
        sources[file.src_uri] = old

    def _populate(self, page: Page, config: MkDocsConfig, files: Files,
                  links_key: str, sources: dict[str, tuple[str, str, dict[str, Any]]]
                  ) -> tuple[_Record, bool]:
        """`mkdocs.commands.build._populate_page`, converting the Markdown only when the
        page's Markdown (after the plugins' `on_page_markdown`) or what its links resolve
        against changed. Returns the page's record and whether it was converted again."""
        config._current_page = page
        file = page.file
        try:
            before = dict(page.__dict__)
            page = config.plugins.on_pre_page(page, config=config, files=files)
            self._read_source(page, config, sources)
            assert page.markdown is not None
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page,
                                                            config=config, files=files)
            key = (page.markdown, repr(page.meta), file.url, file.dest_uri, page.edit_url,
                   page.update_date, before.get("title"), links_key)
            old = self._records.get(file.src_uri)
            if old is not None and old.populate_key == key:
                _restore(page, old.populated, files)
                _replay(old.populate_warnings)
                return _Record(key, old.populated, old.populate_warnings, old.build_key,
                               old.built, old.search, old.build_warnings), False
            with _captured() as warnings:
                page.render(config, files)
                assert page.content is not None
                page.content = config.plugins.on_page_content(page.content, page=page,
                                                              config=config, files=files)
            return _Record(key, _changes(before, page), warnings), True
        except Exception as e:
            message = f"Error reading page '{file.src_uri}':"
            if not isinstance(e, BuildError):
                message += f" {e}"
            log.error(message)
            raise
        finally:
            config._current_page = None

    def _build_page(self, file: File, record: _Record, nav_key: str,
                    config: MkDocsConfig, doc_files: Any, nav: Navigation, env: Any,
                    search: list[dict[str, Any]] | None) -> bool:
        page = file.page
        assert page is not None
        key = (record.populate_key, nav_key)
        if record.build_key == key and os.path.isfile(file.abs_dest_path):
            _restore(page, record.built, None)
            if search is not None:
                search.extend(record.search)
            _replay(record.build_warnings)
            return False
        before = dict(page.__dict__)
        mark = len(search) if search is not None else 0
        with _captured() as warnings:
            mkdocs_build._build_page(page, config, doc_files, nav, env,
                                     excluded=file.inclusion.is_excluded())
        record.build_key = key
        record.built = _changes(before, page)
        record.search = search[mark:] if search is not None else []
        record.build_warnings = warnings
        return True

    def _copy_static(self, files: Files, inclusion: Any) -> int:
        copied = 0
        static: dict[str, tuple[Any, ...]] = {}
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
            if self._static.get(dest) == what and os.path.isfile(dest):
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


class SearchIndexJson:
    """Material's search index written as JSON with each entry encoded once: its plugin
    encodes every page's entries again in every build (`json.dumps` of the whole index),
    0.1 s at scale 100. The text is the same: JSON puts a list's items, encoded as they
    are alone, between commas. Checked against the plugin's own in each full build; a
    difference (another version of Material) turns this off."""

    CONFIG_KEYS = ("lang", "separator", "pipeline", "fields")  # as Material writes them

    def __init__(self) -> None:
        self.enabled = True
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


class _Files(Files):
    """MkDocs' `Files`, with a path normalised once per process rather than once per look-up
    (a `PurePath` each): pages' links, the navigation and the plugins look files up by path
    thousands of times per build."""

    def get_file_from_path(self, path: str) -> File | None:
        return self.src_uris.get(_posix(path))


@functools.lru_cache(maxsize=1 << 16)
def _posix(path: str) -> str:
    """A path as `Files` keys it (`Files.get_file_from_path`)."""
    return PurePath(path).as_posix()


def _theme_key(config: MkDocsConfig) -> tuple[Any, ...]:
    """mkdocs.yml and the theme's overrides."""
    parts: list[Any] = []
    if config.config_file_path and os.path.isfile(config.config_file_path):
        parts.append(Path(config.config_file_path).read_bytes())
    custom = config.theme.custom_dir
    if custom and os.path.isdir(custom):
        for root, _, names in sorted(os.walk(custom)):
            for name in sorted(names):
                stat = os.stat(os.path.join(root, name))
                parts.append((root, name, stat.st_mtime_ns, stat.st_size))
    return tuple(parts)


def _config_key(config: MkDocsConfig) -> tuple[Any, ...]:
    """What rebuilds everything when it changes: mkdocs.yml, the theme and its overrides,
    the site's URL."""
    return (*_theme_key(config), tuple(config.theme.dirs), config.site_url)


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
def _captured() -> Iterator[list[logging.LogRecord]]:
    """The warnings logged while a page is populated or built, to log them again when its
    result is reused (strict mode counts them)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def _replay(records: list[logging.LogRecord]) -> None:
    for record in records:
        logging.getLogger(record.name).handle(record)


__all__ = ["KNOWN_PLUGINS", "IncrementalBuilder", "SearchIndexJson", "Stats"]
