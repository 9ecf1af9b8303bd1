"""Links between generated pages: docs-relative `.md` paths, as MkDocs resolves them."""

from __future__ import annotations

import posixpath
from functools import lru_cache

# A page links the same few pages from many rows (each owner to the roles page, each
# merge field to the format reference): link and URL are kept by their arguments.
_KEPT = 8192


def relative(path: str, start: str) -> str:
    """posixpath.relpath for docs-relative paths, without asking the OS for the working
    folder on every link (it did, thousands of times per build)."""
    to = [part for part in path.split("/") if part not in ("", ".")]
    here = [part for part in start.split("/") if part not in ("", ".")]
    common = 0
    while common < min(len(to), len(here)) and to[common] == here[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


@lru_cache(maxsize=_KEPT)
def link(target: str, page: str) -> str:
    """A Markdown link target from page `page` to page `target` (MkDocs checks and
    rewrites it)."""
    return relative(target, posixpath.dirname(page))


@lru_cache(maxsize=_KEPT)
def url(target: str, page: str, directory_urls: bool = True) -> str:
    """The relative URL from page `page` to page `target` in the built site, following
    MkDocs' `use_directory_urls` (for links MkDocs does not rewrite, as in diagrams)."""
    def location(path: str) -> str:
        if not directory_urls:
            return path[:-3] + ".html"
        if path == "index.md" or path.endswith("/index.md"):
            return path[: -len("index.md")]
        return path[:-3] + "/"

    here = posixpath.dirname(location(page).rstrip("/") + "/x") if directory_urls \
        else posixpath.dirname(location(page))
    there = location(target)
    rel = relative(there, here)
    if there.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return "./" if rel in (".", "./") else rel
