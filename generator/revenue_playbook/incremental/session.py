"""One owner for everything Playbook keeps from one build to the next.

A `Session` lives as long as the process that builds: one `playbook build`, or a whole
`playbook serve` (the plugin holds it; `on_startup` keeps the plugin alive across serve's
rebuilds). It owns every cache and reuse layer, from the definitions to the written site:

- `reads` (`definitions.loader.ReadCache`): each definition file parsed; reused while its bytes and
  the limits are the same. `reads.memo` (`definitions.memo.Memo`): what the checks worked out from
  models; reused while the very same model objects are in the playbook.
- `pages` (`page_memo.PageMemo`): each generated page's Markdown (and the values made
  inside pages); reused while everything it read has the same digest.
- `renderer()` (`site.diagrams.DiagramRenderer`): each diagram's SVG, in memory and on disk in
  `cache_dir`; reused while the DOT text, dot's version and the SVG format are the same
  (a file on disk is checked by `svgcheck` again, unless its bytes passed the check in the
  build that wrote the store: `svgs_checked`).
- `template_cache()`: the page templates as Jinja compiled them, on disk in
  `cache_dir/pages`; reused while the template's source is the same (Jinja checks).
- `engine` (the adapter's records; MkDocs: `engines.mkdocs.incremental.IncrementalBuilder`):
  each page's converted HTML and search entries, the page the theme wrote, the theme's
  compiled templates; reused while the page's Markdown, URL, metadata, the site's links
  and (for the written page) the navigation are the same. (The MkDocs plugin also keeps
  serve's `File` objects of generated pages, reused while path and content are the same.)
- `store` (`build_cache.Store`): the parsed files of `reads`, `pages`, the digests of the
  diagrams that passed the SVG check and the engine's records, on disk for the next
  process (`playbook build`); read only under the same key (versions of Playbook, Python,
  its libraries, the time zone database, the engine and its plugins, Playbook's code) and
  only objects that hash to their names.

**The invalidation story, in one place.** Each layer decides by content, never by time,
and each is keyed by everything its result was made from, so a layer never has to be told
that something changed. What no key covers ends the session's trust instead:
`forget()` (a failed build, a site folder replaced by someone else) drops what the engine
and the page memo remember, so the next build makes every page (parsed files and
diagrams are kept: their keys are their whole input). A change of mkdocs.yml or the
theme changes the engine's configuration key (every page rendered again); a change of
Playbook, Python, the engine or its plugins changes the store's key (the cache on disk is
foreign and not read). Models are never changed once the playbook is assembled, which is
what lets `memo` and `pages` trust an unchanged object.

The core side knows nothing of the engine: `engine` is whatever the adapter keeps there,
and it exports and restores its own section of the store (`EngineState`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ..definitions.loader import ReadCache
from .build_cache import Store, is_object_name
from .page_memo import PageMemo

R = TypeVar("R")

READS = "reads"
MEMO = "pages"
ENGINE = "engine"
DIAGRAMS = "diagrams"
DIAGRAMS_FORMAT = 1


class EngineState(Protocol):
    """What an engine adapter keeps in a session (MkDocs: `IncrementalBuilder`)."""

    def forget(self) -> None: ...

    def export(self, site_dir: str) -> dict[str, Any]: ...

    def restore(self, section: object) -> bool: ...


class Session:
    """Every cache of one building process; see the module's docstring."""

    def __init__(self, store: Store | None = None) -> None:
        self.reads = ReadCache()
        self.pages = PageMemo()
        self.engine: EngineState | None = None
        self.store = store
        self._renderers: dict[Path | None, Any] = {}
        # digests of diagram files that passed the SVG check in the build that wrote the
        # store: the renderer does not check those bytes again (`site.diagrams`)
        self.svgs_checked: frozenset[str] = frozenset()
        self._sections: dict[str, str] = {}
        self.restored: list[str] = []  # sections taken from the store (tests, the log)

    @property
    def keeps_pages(self) -> bool:
        """Whether built pages are worth remembering: a session serving, or one with a
        store for the next build."""
        return self.engine is not None or self.store is not None

    def renderer(self, cache_dir: Path | None, make: Callable[[Path | None], R]) -> R:
        """The diagram renderer for `cache_dir` (`make(cache_dir)` the first time: one per
        folder, since it keeps SVGs in memory too, and dot's version)."""
        if cache_dir not in self._renderers:
            self._renderers[cache_dir] = make(cache_dir)
        renderer: R = self._renderers[cache_dir]
        return renderer

    @staticmethod
    def template_cache(cache_dir: Path | None) -> Path | None:
        """Where Jinja keeps the compiled page templates, beside the diagrams; None (no
        bytecode cache) when that folder, the cache folder or its parent is a symbolic
        link: the cache never writes outside the project."""
        if cache_dir is None:
            return None
        folder = cache_dir / "pages"
        if any(path.is_symlink() for path in (cache_dir.parent, cache_dir, folder)):
            return None
        return folder

    def forget(self) -> None:
        """After a failed build, or when the site folder was written by someone else: the
        next build makes and renders every page again."""
        self.pages = PageMemo()
        if self.engine is not None:
            self.engine.forget()

    # ------------------------------------------------------------------ the build cache
    def restore(self) -> None:
        """Take the parsed files, the page memo and the engine's records from the store,
        each only if it is whole and of the right shape (otherwise that layer starts
        empty). Before the definitions are validated: the parsed files serve that."""
        if self.store is None:
            return
        self._sections = self.store.load()
        reads = self._sections.get(READS)
        if reads is not None and self.reads.restore(self.store.get_json(reads)):
            self.restored.append(READS)
        diagrams = self._sections.get(DIAGRAMS)
        if diagrams is not None:
            checked = _checked_svgs(self.store.get_json(diagrams))
            if checked is not None:
                self.svgs_checked = checked
                self.restored.append(DIAGRAMS)
        memo = self._sections.get(MEMO)
        if memo is not None and self.pages.restore(self.store.get_json(memo), self.store):
            self.restored.append(MEMO)
        engine = self._sections.get(ENGINE)
        if (engine is not None and self.engine is not None
                and self.engine.restore(self.store.get_json(engine))):
            self.restored.append(ENGINE)

    def save(self, site_dir: str) -> None:
        """After a successful build: keep what it made for the next one."""
        store = self.store
        if store is None:
            return
        sections = {READS: store.put_json(self.reads.export()),
                    MEMO: store.put_json(self.pages.export(store))}
        if self.engine is not None:
            sections[ENGINE] = store.put_json(self.engine.export(site_dir))
        passed: set[str] = set()
        for renderer in self._renderers.values():
            passed.update(getattr(renderer, "passed", ()))
        sections[DIAGRAMS] = store.put_json({"format": DIAGRAMS_FORMAT,
                                             "passed": sorted(passed)})
        store.save(sections)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def _checked_svgs(section: object) -> frozenset[str] | None:
    """The digests of the diagrams section, if it is exactly what `save` writes."""
    if (not isinstance(section, dict) or set(section) != {"format", "passed"}
            or section["format"] != DIAGRAMS_FORMAT or not isinstance(section["passed"], list)
            or not all(is_object_name(name) for name in section["passed"])):
        return None
    return frozenset(section["passed"])


__all__ = ["EngineState", "Session"]
