"""Running MkDocs for the CLI and for publishing: an atomic build, and serve. An adapter,
like the plugin; the options of a build reach the plugin as arguments (`RunOptions`)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
from pathlib import Path

from . import safe_writes
from .mkdocs_plugin import InvalidDefinitions, PlaybookPlugin, RunOptions
from .report import format_text

# Material prints a banner about MkDocs 2 on every run; the pin to mkdocs<2 answers it.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


class BuildFailed(Exception):
    """The site could not be built for a reason other than the definitions."""


def _load(config_file: Path, **overrides: object):  # type: ignore[no-untyped-def]
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    if not config_file.is_file():
        raise BuildFailed(f"{config_file} not found: run from your playbook repo or pass "
                          "-f path/to/mkdocs.yml")
    try:
        return load_config(str(config_file), **overrides)
    except ConfigurationError as exc:
        raise BuildFailed(f"{config_file}: {exc}") from None


def build(config_file: Path, site_dir: Path | None = None, strict: bool = False, *,
          changes: str | None = None, version: str | None = None) -> Path:
    """Build the site into a fresh folder beside `site_dir`, then swap it in.

    `changes` is the Markdown of the "What changed" page and `version` the version being
    published (`playbook publish`). A failed or interrupted build leaves the previous site
    exactly as it was; `site_dir` exists all along (see `safe_writes.swap_in`). Builds of
    one folder take turns, and a build first clears what a killed one left beside it.
    """
    config = _load(config_file)
    target = (Path(site_dir) if site_dir else Path(config.site_dir)).resolve()
    with contextlib.ExitStack() as stack:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(safe_writes.locked(target.parent, lambda: _say(
                f"Waiting for another build writing beside {target} to finish...")))
            for note in safe_writes.recover(target.parent, target.name):
                _say(f"note: {note}")
            staging = safe_writes.staging_beside(target)
        except OSError as exc:
            raise BuildFailed(f"cannot write beside {target}: {exc.strerror or exc}") \
                from None
        stack.callback(shutil.rmtree, staging, ignore_errors=True)
        try:
            render(config_file, staging, strict, changes=changes, version=version)
            safe_writes.swap_in(staging, target)
        except OSError as exc:
            raise BuildFailed(f"writing the site failed: {exc.strerror or exc}") from None
        except safe_writes.OutsideTarget as exc:
            raise BuildFailed(str(exc)) from None
    return target


def render(config_file: Path, out_dir: Path, strict: bool = False, *,
           changes: str | None = None, version: str | None = None) -> None:
    """Run MkDocs' build into `out_dir` (a staging folder: it may be left half written)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import Abort, MkDocsException

    try:
        # --strict: MkDocs fails on any warning, validation warnings included
        config = _load(config_file, site_dir=str(out_dir))
        config.strict = strict or config.strict
        _show_mkdocs_warnings()
        plugin = config.plugins.get("playbook")
        if isinstance(plugin, PlaybookPlugin):
            if strict:
                plugin.config.strict = True
            result = plugin.check(config)
            if result.failed(plugin.config.strict):
                raise InvalidDefinitions(format_text(result, plugin.config.strict))
            plugin.prepare(RunOptions(validated=result, changes=changes, version=version))
        try:
            mkdocs_build(config)
        except Abort as exc:
            failure = getattr(plugin, "failure", None)
            raise BuildFailed(failure or str(exc) or "the build was aborted") from None
    except InvalidDefinitions:
        raise
    except MkDocsException as exc:
        raise BuildFailed(str(exc)) from None


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is now (tests and callers may swap it)."""

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass


def _show_mkdocs_warnings(level: int = logging.WARNING) -> None:
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_playbook", False) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._playbook = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    for handler in logger.handlers:
        if getattr(handler, "_playbook", False):
            handler.setLevel(level)
    logger.setLevel(min(logger.level or level, level))


def serve(config_file: Path, dev_addr: str | None = None, strict: bool = False) -> None:
    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    _load(config_file)  # a clear message for a missing or broken mkdocs.yml
    _show_mkdocs_warnings(logging.INFO)
    try:
        mkdocs_serve(config_file=str(config_file), dev_addr=dev_addr, strict=strict or None,
                     livereload=True)
    except InvalidDefinitions:
        raise
    except MkDocsException as exc:
        raise BuildFailed(str(exc)) from None
