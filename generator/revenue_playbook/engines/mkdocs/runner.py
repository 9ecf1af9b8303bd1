"""Running MkDocs for the CLI and for publishing: an atomic build, and serve. An adapter,
like the plugin; the options of a build reach the plugin as arguments (`RunOptions`)."""

from __future__ import annotations

import errno
import hashlib
import importlib
import importlib.metadata
import logging
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...checks.report import format_text
from ...definitions import collector
from ...definitions.revisions import last_commit_time
from ...incremental.build_cache import CacheUnusable, cache_key, open_cache
from ...incremental.session import Session
from ...project.invocation import serve_on_port_hint
from ...safety import safe_writes
from ...safety.encoders import terminal
from .incremental import IncrementalBuilder
from .plugin import InvalidDefinitions, PlaybookPlugin, RunOptions

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

# Material prints a banner about MkDocs 2 on every run; the pin to mkdocs<2 answers it.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def reproducible_env(repo: Path) -> dict[str, str]:
    """The environment for a build whose bytes depend only on the sources: the build date
    is the last commit's date unless SOURCE_DATE_EPOCH says otherwise."""
    env = dict(os.environ)
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    # mike runs `mkdocs` from PATH: make it the one installed beside us
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if "SOURCE_DATE_EPOCH" not in env:
        stamp = last_commit_time(repo)
        if stamp:
            env["SOURCE_DATE_EPOCH"] = stamp
    return env


class BuildFailed(Exception):
    """The site could not be built for a reason other than the definitions."""


def _load(config_file: Path, **overrides: Any) -> MkDocsConfig:
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
          changes: str | None = None, version: str | None = None,
          cache: bool = True) -> Path:
    """Build the site into a fresh folder beside `site_dir`, then swap it in.

    `changes` is the Markdown of the "What changed" page and `version` the version being
    published (`playbook publish`). With `cache`, the build cache beside the diagrams
    (`build_cache`) is read and written: only what changed since the build that wrote it
    is made again. A failed or interrupted build leaves the previous site
    exactly as it was; `site_dir` exists all along (see `safe_writes.swap_in`). Builds of
    one folder take turns, and a build first clears what a killed one left beside it.
    """
    config = _load(config_file)
    target = Path(site_dir) if site_dir else Path(config.site_dir)
    sources = safe_writes.project_sources(config_file=config_file, extra={
        "the docs folder": Path(config.docs_dir)})
    def fill(staging: Path) -> None:
        try:
            render(config_file, staging, strict, changes=changes, version=version,
                   cache=cache, config=config)
        except OSError as exc:
            raise BuildFailed(f"writing the site failed: {exc.strerror or exc}") from None

    try:
        safe_writes.replace_folder(
            target, "the site", fill, sources=sources, waiting=lambda: _say(
                f"Waiting for another build writing beside {target} to finish..."),
            say=lambda note: _say(f"note: {note}"))
    except OSError as exc:
        raise BuildFailed(f"cannot write beside {target}: {exc.strerror or exc}") from None
    except safe_writes.OutsideTarget as exc:
        raise BuildFailed(str(exc)) from None
    return target.resolve()


def render(config_file: Path, out_dir: Path, strict: bool = False, *,
           changes: str | None = None, version: str | None = None,
           cache: bool = False, config: MkDocsConfig | None = None) -> None:
    """Run MkDocs' build into `out_dir` (a staging folder: it may be left half written);
    with `cache`, through the incremental builder and the build cache on disk. `config` is
    `config_file` as the caller read it already (read again otherwise)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import Abort, MkDocsException

    try:
        config = (_load(config_file, site_dir=str(out_dir)) if config is None
                  else _building_into(config, out_dir, config_file))
        # --strict: MkDocs fails on any warning, validation warnings included
        config.strict = strict or config.strict
        _show_mkdocs_warnings()
        # as `mkdocs build` does: a plugin kept from an earlier serve in this process (a test
        # suite, a tool calling us) learns that this is a build
        config.plugins.on_startup(command="build", dirty=False)
        plugin = config.plugins.get("playbook")
        session = None
        try:
            if isinstance(plugin, PlaybookPlugin):
                if cache and changes is None and version is None:
                    session = _cached_session(config, plugin)
                    plugin.use(session)
                    session.restore()  # the parsed files first: validating reads them
                if strict:
                    plugin.config.strict = True
                result = plugin.check(config)
                if result.failed(plugin.config.strict):
                    raise InvalidDefinitions(format_text(result, plugin.config.strict))
                plugin.prepare(RunOptions(validated=result, changes=changes,
                                          version=version))
            collector.settled()  # the checked definitions live as long as the build
            if session is not None and session.engine is not None:
                session.engine.build(config)  # type: ignore[attr-defined]
                session.save(str(out_dir))
            else:
                mkdocs_build(config)
        except Abort as exc:
            failure = plugin.failure if isinstance(plugin, PlaybookPlugin) else None
            raise BuildFailed(failure or str(exc) or "the build was aborted") from None
        finally:
            if session is not None:
                session.close()
    except InvalidDefinitions:
        raise
    except MkDocsException as exc:
        raise BuildFailed(str(exc)) from None


def _building_into(config: MkDocsConfig, out_dir: Path, config_file: Path) -> MkDocsConfig:
    """`config` set to build into `out_dir`, checked as reading it with that `site_dir`
    checks it (the site and the docs folder must not hold each other): read once a build."""
    from mkdocs.config.base import ValidationError
    from mkdocs.config.config_options import SiteDir

    config.site_dir = os.path.abspath(out_dir)
    try:
        SiteDir().post_validation(config, "site_dir")
    except ValidationError as exc:
        raise BuildFailed(f"{config_file}: {exc}") from None
    return config


def _cached_session(config: MkDocsConfig, plugin: PlaybookPlugin) -> Session:
    """A session whose page memo and engine records come from, and go back to, the build
    cache in `cache_dir/build` (beside the diagrams); without it (a link on the way, a
    folder that cannot be made) the build is a cold one."""
    base = Path(config.config_file_path or ".").parent
    folder = base / plugin.config.cache_dir / "build"
    store = None
    try:
        store = open_cache(folder, base, cache_key(engine_versions(config)))
    except (CacheUnusable, OSError) as exc:
        _say(f"note: building without the build cache: {exc}")
    session = Session(store)
    session.engine = IncrementalBuilder(store)
    return session


def engine_versions(config: MkDocsConfig) -> dict[str, Any]:
    """What else decides the bytes of a page: the versions of MkDocs, Markdown, the theme,
    and of each plugin's and Markdown extension's package, and the kind of build."""
    import markdown
    import mkdocs

    packages = {"mkdocs": mkdocs.__version__, "markdown": markdown.__version__,
                "theme": config.theme.name}
    named = [type(plugin).__module__ for plugin in config.plugins.values()]
    named += [ext if isinstance(ext, str) else type(ext).__module__
              for ext in config.markdown_extensions]
    named.append(f"{config.theme.name}")
    for name in named:
        top = str(name).split(".")[0]
        module = sys.modules.get(top)
        if module is None:
            try:
                module = importlib.import_module(top)
            except ImportError:
                continue
        packages[top] = _version_of(module)
    return {"engine": packages, "build": "build"}


def _version_of(module: Any) -> str:
    """A package's version, or a digest of its code when it states none."""
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version(module.__name__)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        pass
    path = getattr(module, "__file__", None)
    if path and os.path.isfile(path):
        return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    return "unknown"


def _say(message: str) -> None:
    print(terminal(message), file=sys.stderr, flush=True)


class _TerminalFormatter(logging.Formatter):
    """A log line with escape sequences from names and paths shown as text."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal(super().format(record))


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
        handler: logging.Handler = _Stderr()
        handler.setFormatter(_TerminalFormatter("%(levelname)-7s -  %(message)s"))
        handler._playbook = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        # printed here only: a plugin's bare `logging.debug()` (print-site's) gives the root
        # logger a handler of its own, which printed every line a second time
        logger.propagate = False
    for existing in logger.handlers:
        if getattr(existing, "_playbook", False):
            existing.setLevel(level)
    logger.setLevel(min(logger.level or level, level))


def serve(config_file: Path, dev_addr: str | None = None, strict: bool = False) -> None:
    """MkDocs' development server, except that it never stops serving: each rebuild goes
    into a fresh folder swapped in only when complete, and a rebuild that fails for any
    reason (invalid definitions, a warning in strict mode, a broken page, a crash) is
    built again from the last good site, with what went wrong on top of every page."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException
    from mkdocs.livereload import LiveReloadServer, _serve_url

    config = _load(config_file, **({"dev_addr": dev_addr} if dev_addr else {}))
    _show_mkdocs_warnings(logging.INFO)
    host, port = config.dev_addr
    _check_port(host, port)
    served = Path(tempfile.mkdtemp(prefix="playbook-serve-"))
    mount_path = urlsplit(config.site_url or "/").path
    serve_url = _serve_url(host, port, mount_path)
    plugin = config.plugins.get("playbook")
    config.plugins.on_startup(command="serve", dirty=False)

    session = Session()  # this serve's caches, kept across its rebuilds
    if isinstance(plugin, PlaybookPlugin):
        plugin.use(session)
    incremental = session.engine = IncrementalBuilder()
    watched_docs: list[str] = []  # the docs folder watched, once serving

    def follow_docs(docs_dir: str) -> None:
        """Watch the docs folder mkdocs.yml names now (`docs_dir:` may have changed)."""
        now = os.path.abspath(docs_dir)
        if watched_docs and watched_docs[0] != now and os.path.isdir(now):
            server.unwatch(watched_docs[0])
            server.watch(now)
            watched_docs[0] = now

    def attempt(options: RunOptions, relaxed: bool) -> None:
        if options.failure is None:
            # In place, rendering only the pages an edit changed: the server holds every
            # request until the builder returns, and a failure is followed by a full
            # build of the last good site, swapped in whole (below).
            try:
                attempt_config = _load(config_file, site_dir=str(served),
                                       **({"dev_addr": dev_addr} if dev_addr else {}))
                attempt_config.site_url = serve_url
                attempt_config.strict = strict or attempt_config.strict
                follow_docs(attempt_config.docs_dir)
                if isinstance(plugin, PlaybookPlugin):
                    plugin.prepare(options)
                incremental.build(attempt_config, serve_url=serve_url)
                if isinstance(plugin, PlaybookPlugin):
                    plugin.keep()
            finally:
                if isinstance(plugin, PlaybookPlugin):
                    plugin.prepare(RunOptions())
            return
        incremental.forget()  # the folder is replaced below
        staging = safe_writes.staging_beside(served)
        try:
            attempt_config = _load(config_file, site_dir=str(staging),
                                   **({"dev_addr": dev_addr} if dev_addr else {}))
            attempt_config.site_url = serve_url
            attempt_config.strict = not relaxed and (strict or attempt_config.strict)
            follow_docs(attempt_config.docs_dir)
            if isinstance(plugin, PlaybookPlugin):
                plugin.prepare(options)
            mkdocs_build(attempt_config, serve_url=serve_url)
            safe_writes.swap_in(staging, served)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(plugin, PlaybookPlugin):
                plugin.prepare(RunOptions())

    def builder(first: bool = False) -> None:
        _say("Building the site...")
        with _CollectWarnings() as warnings:
            try:
                attempt(RunOptions(), relaxed=False)
                return
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                if first:
                    raise
                report = _failure_report(exc, warnings.messages, plugin)
        if not isinstance(plugin, PlaybookPlugin) or plugin.site is None:
            _say(f"The rebuild failed; the previous version stays:\n{report}")
            return
        _say(f"The rebuild failed; still serving the last good version:\n{report}")
        try:
            attempt(RunOptions(failure=report), relaxed=True)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            _say(f"Even the last good version could not be built again ({exc}); the "
                 "pages served are the ones before this change.")

    server = LiveReloadServer(builder=builder, host=host, port=port, root=str(served),
                              mount_path=mount_path)
    _notice_edits_at_once(server)
    try:
        try:
            builder(first=True)
        except (InvalidDefinitions, KeyboardInterrupt):
            raise
        except MkDocsException as exc:
            raise BuildFailed(str(exc) or _failure_report(exc, [], plugin)) from None
        collector.spare_survivors()  # after the first build
        server.watch(config.docs_dir)
        watched_docs.append(os.path.abspath(config.docs_dir))
        # the definitions folder and pyproject.toml: the plugin follows them (on_serve)
        if config.config_file_path:
            server.watch(config.config_file_path)
        config.plugins.on_serve(server, config=config, builder=builder)
        for item in config.watch:
            server.watch(item)
        try:
            server.serve()
        except OSError as exc:
            raise BuildFailed(_port_problem(host, port, exc)) from None
        except KeyboardInterrupt:
            _say("Stopped serving.")
        finally:
            server.shutdown()
    finally:
        config.plugins.on_shutdown()
        shutil.rmtree(served, ignore_errors=True)


# How long the watched files must stay quiet before a rebuild starts. MkDocs waits 0.1 s,
# made for its polling; the kernel reports a save's few events within a millisecond, and a
# burst that outlasts the pause (a checkout) only makes one more rebuild follow at once.
QUIET_SECONDS = 0.02


def _notice_edits_at_once(server: Any) -> None:
    """Learn of a saved file from the kernel (inotify) rather than from MkDocs' scan of
    every watched file twice a second, which adds a quarter of a second to each edit on
    average and costs CPU on a large playbook, and start the rebuild once the files are
    quiet for `QUIET_SECONDS`. Elsewhere MkDocs' polling stays."""
    if not sys.platform.startswith("linux"):
        return
    from watchdog import events
    from watchdog.observers.inotify import InotifyObserver

    # writes, not reads: reading the definitions must not start another build
    changes: list[type[events.FileSystemEvent]] = [
        events.FileCreatedEvent, events.FileModifiedEvent, events.FileDeletedEvent,
        events.FileMovedEvent, events.FileClosedEvent, events.DirCreatedEvent,
        events.DirDeletedEvent, events.DirMovedEvent]

    class OnChanges(InotifyObserver):
        def schedule(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("event_filter", changes)
            return super().schedule(*args, **kwargs)

    server.observer = OnChanges()
    server.build_delay = QUIET_SECONDS


def _check_port(host: str, port: int) -> None:
    """Say at once, before a build of many seconds, that the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise BuildFailed(_port_problem(host, port, exc)) from None


def _port_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"cannot serve on {host}:{port}: another program is using that port; stop it "
                f"or pick another port, e.g. `{serve_on_port_hint(host, port + 1)}`")
    return f"cannot serve on {host}:{port}: {exc.strerror or exc}"


def _failure_report(exc: BaseException, warnings: list[str], plugin: object) -> str:
    """What went wrong, for the console and the banner: the definitions' findings if they
    are what failed, the plugin's own failure, the warnings strict mode stopped on."""
    ours = plugin if isinstance(plugin, PlaybookPlugin) else None
    lines = [(ours.failure if ours else None) or str(exc) or type(exc).__name__]
    if warnings:
        if "strict mode" in lines[0]:  # MkDocs' "Aborted with N warnings in strict mode!"
            lines[0] = "Strict mode stopped the build on these warnings:"
        lines += [f"  {warning}" for warning in warnings]
    stale = ours.stale_report if ours else None
    if stale and not isinstance(exc, InvalidDefinitions):
        lines = [stale, "", *lines]
    return "\n".join(lines)


class _CollectWarnings(logging.Handler):
    """The warnings MkDocs and the plugin log during one build (what strict mode stops on)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _CollectWarnings:
        logging.getLogger("mkdocs").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("mkdocs").removeHandler(self)
