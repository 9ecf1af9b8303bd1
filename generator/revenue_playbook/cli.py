"""The `playbook` command: a thin adapter over the core.

Exit codes: 0 valid, 1 the definitions are invalid, 2 usage or environment error,
3 an unexpected crash (a bug in Playbook: please report it).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .checks.report import REPORTERS
from .definitions.config import ConfigError, Settings, load_settings
from .definitions.model import ITEM_FOLDERS, json_schema
from .safety import DEFINITIONS_FOLDER
from .safety.encoders import terminal

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
DEFAULT_DEFS = DEFINITIONS_FOLDER


def echo(message: object = None, **kwargs: Any) -> None:
    """`click.echo`, with every escape sequence or invisible character in what it prints
    (names from the definitions, paths) shown as a visible escape (`encoders.terminal`)."""
    click.echo(None if message is None else terminal(message), **kwargs)


class UsageProblem(click.ClickException):
    """A usage or environment problem: printed as one line, exit 2."""

    exit_code = EXIT_USAGE

    def format_message(self) -> str:
        return terminal(self.message)


def defs_folder(path: str | None) -> Path:
    root = Path(path or DEFAULT_DEFS)
    if not root.exists():
        hint = "" if path else " (run from your playbook repo, or pass the folder)"
        raise UsageProblem(f"definitions folder '{root}' does not exist{hint}")
    if not root.is_dir():
        raise UsageProblem(f"'{root}' is not a folder; pass the folder holding the YAML files")
    return root


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="playbook")
def cli() -> None:
    """Validate and publish a sales and marketing playbook written as YAML."""


@cli.command()
@click.argument("path", required=False)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text",
              show_default=True, help="text for people, json for machines, github for "
              "annotations in GitHub Actions, sarif for code-scanning dashboards.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: "
              "when writing to a terminal).")
def validate(path: str | None, strict: bool, fmt: str, color: bool | None) -> int:
    """Check the definitions in PATH (default: ./process_defs) and report every problem."""
    from .checks.validate import validate as run

    root = defs_folder(path)
    settings = _settings(root)
    result = run(root, settings)
    if color is None:
        color = fmt == "text" and sys.stdout.isatty()
    # coloured text escapes what it quotes itself (`report.format_text`)
    (click.echo if color else echo)(REPORTERS[fmt](result, strict, color), color=color)
    return EXIT_INVALID if result.failed(strict) else EXIT_OK


@cli.command()
@click.argument("kind", required=False, type=click.Choice(ITEM_FOLDERS))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@click.option("--all", "all_dir", type=click.Path(file_okay=False), default=None,
              help="Write every schema (one per kind of file) into this folder.")
def schema(kind: str | None, output: str | None, all_dir: str | None) -> int:
    """Print the JSON Schema of a definition file (or of a one-item file in folder KIND)."""
    from .safety import safe_writes

    sources = safe_writes.project_sources()
    if all_dir:
        from .definitions.model import schema_files

        folder = Path(all_dir)
        documents = {name: (json.dumps(document, indent=2, ensure_ascii=False) + "\n")
                     .encode("utf-8") for name, document in schema_files().items()}
        try:
            safe_writes.write_files(folder, documents, "the schemas", sources)
        except safe_writes.Refused as exc:
            raise UsageProblem(str(exc)) from None
        except OSError as exc:
            raise UsageProblem(f"cannot write {folder}: {exc.strerror or exc}") from None
        echo(f"Schemas written to {folder}")
        return EXIT_OK
    text = json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            safe_writes.write_file(Path(output), text, "the schema", sources)
        except safe_writes.Refused as exc:
            raise UsageProblem(str(exc)) from None
        except OSError as exc:
            raise UsageProblem(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        echo(text, nl=False)
    return EXIT_OK


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules(fmt: str) -> int:
    """List every validation rule with its code, default severity and meaning."""
    from .checks.rules import all_rules

    ordered = all_rules()
    if fmt == "json":
        echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity.value,
                                "category": r.category, "summary": r.summary}
                               for r in ordered], indent=2))
    else:
        for r in ordered:
            echo(f"{r.code}  {r.name:<26} {r.severity.value:<8} {r.summary}")
    return EXIT_OK


def _validated(path: str | None):  # type: ignore[no-untyped-def]
    """Validate the definitions for a command that needs a valid playbook."""
    from .checks.report import format_text
    from .checks.validate import validate as run

    root = defs_folder(path)
    result = run(root, _settings(root))
    if result.failed():
        echo(format_text(result), err=True)
        raise click.exceptions.Exit(EXIT_INVALID)
    return result


def _settings(root: Path) -> Settings:
    """The settings for the definitions in `root`, every rule they name checked."""
    from .checks.validate import severity_by_code

    try:
        settings = load_settings(root)
        severity_by_code(settings)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None
    return settings


def _pick(kind: str, wanted: str, ids: Sequence[str]) -> None:
    if wanted not in ids:
        from .definitions.findings import close_matches

        close = close_matches(wanted, ids, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            f"; known: {', '.join(sorted(ids)) or 'none'}"
        raise UsageProblem(f"no {kind} '{wanted}'{hint}")


@cli.command()
@click.option("-f", "--config-file", type=click.Path(dir_okay=False), default="mkdocs.yml",
              show_default=True, help="The MkDocs configuration.")
@click.option("-d", "--site-dir", type=click.Path(file_okay=False), default=None,
              help="Where to build (default: site_dir from mkdocs.yml).")
@click.option("--strict", is_flag=True, help="Fail on any warning, validation included.")
@click.option("--engine", type=click.Choice(["mkdocs", "properdocs", "zensical"]),
              default="mkdocs", show_default=True,
              help="What turns the pages into HTML (see README, Engines).")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the build cache (.cache/playbook/build); "
              "PLAYBOOK_BUILD_CACHE=off does the same.")
def build(config_file: str, site_dir: str | None, strict: bool, engine: str,
          no_cache: bool) -> int:
    """Validate the definitions, then build the site; the previous site stays until the new
    one is complete. What the last build made is kept in the build cache beside the
    diagrams, so that only what changed is made again."""
    import os

    from .definitions.revisions import last_commit_time
    from .safety import safe_writes

    # the same sources give the same bytes: the build date is the last commit's
    repo = Path(config_file).resolve().parent
    if "SOURCE_DATE_EPOCH" not in os.environ:
        stamp = last_commit_time(repo)
        if stamp:
            os.environ["SOURCE_DATE_EPOCH"] = stamp
    if engine != "mkdocs":
        from .engines import neutral as engine_neutral

        try:
            target = engine_neutral.build(engine, Path(config_file),
                                          Path(site_dir) if site_dir else None, strict)
        except engine_neutral.InvalidDefinitions as exc:
            echo(str(exc), err=True)
            return EXIT_INVALID
        except engine_neutral.BuildFailed as exc:
            raise UsageProblem(f"build failed: {exc}") from None
        except safe_writes.Refused as exc:
            raise UsageProblem(str(exc)) from None
        echo(f"Site built in {target} ({engine})")
        return EXIT_OK
    from .engines.mkdocs import runner as mkdocs_runner
    from .engines.mkdocs.plugin import InvalidDefinitions

    try:
        target = mkdocs_runner.build(Path(config_file), Path(site_dir) if site_dir else None,
                                     strict, cache=not no_cache and os.environ.get(
                                         "PLAYBOOK_BUILD_CACHE", "").lower() != "off")
    except InvalidDefinitions as exc:
        echo(str(exc), err=True)
        return EXIT_INVALID
    except mkdocs_runner.BuildFailed as exc:
        raise UsageProblem(f"build failed: {exc}") from None
    except safe_writes.Refused as exc:
        raise UsageProblem(str(exc)) from None
    echo(f"Site built in {target}")
    return EXIT_OK


@cli.command()
@click.option("-f", "--config-file", type=click.Path(dir_okay=False), default="mkdocs.yml",
              show_default=True, help="The MkDocs configuration.")
@click.option("-a", "--dev-addr", default=None, metavar="IP:PORT",
              help="Address to serve on (default 127.0.0.1:8000).")
@click.option("--strict", is_flag=True, help="Fail on any warning.")
def serve(config_file: str, dev_addr: str | None, strict: bool) -> int:
    """Serve the site locally and rebuild it when a definition or page changes."""
    from .engines.mkdocs import runner as mkdocs_runner
    from .engines.mkdocs.plugin import InvalidDefinitions

    try:
        mkdocs_runner.serve(Path(config_file), dev_addr, strict)
    except InvalidDefinitions as exc:
        echo(str(exc), err=True)
        return EXIT_INVALID
    except mkdocs_runner.BuildFailed as exc:
        raise UsageProblem(str(exc)) from None
    return EXIT_OK


@cli.group()
def preview() -> None:
    """Preview a template or a campaign as it will be sent."""


def _show(preview_doc, html_file: str | None,  # type: ignore[no-untyped-def]
          root: Path | None = None) -> int:
    from .safety import safe_writes

    if html_file:
        sources = safe_writes.project_sources(defs=root)
        try:  # replaced in one step: a browser reloading it never sees half a page
            safe_writes.write_file(Path(html_file), preview_doc.html(), "the preview",
                                   sources)
        except safe_writes.Refused as exc:
            raise UsageProblem(str(exc)) from None
        except OSError as exc:
            raise UsageProblem(f"cannot write {html_file}: {exc.strerror or exc}") from None
        echo(f"Preview written to {html_file}")
    else:
        echo(preview_doc.text(), nl=False)
    return EXIT_OK


WATCH_HELP = "Keep running and show the preview again after every change to the definitions."


def _preview(kind: str, wanted: str, path: str | None, html_file: str | None,
             watch: bool) -> int:
    """Validate, then show one template or campaign; with `watch`, again after each edit."""
    from .site.preview import campaign_preview, template_preview

    make = template_preview if kind == "template" else campaign_preview
    if html_file:  # refused at once, not after the first render (nor in a watch loop)
        _check_output(Path(html_file), "the preview", defs_folder(path))
    if not watch:
        result = _validated(path)
        _pick(kind, wanted, list(getattr(result.playbook, f"{kind}s")))
        return _show(make(result.playbook, wanted), html_file, defs_folder(path))
    return _watch(kind, wanted, path, html_file, make)


def _check_output(target: Path, what: str, defs: Path | None, kind: str = "file") -> None:
    """The one rule for an output path (`safe_writes.check_target`), as a usage error."""
    from .safety import safe_writes

    try:
        safe_writes.check_target(target, safe_writes.project_sources(defs=defs), what,
                                 kind=kind)
    except safe_writes.Refused as exc:
        raise UsageProblem(str(exc)) from None


def _watch(kind: str, wanted: str, path: str | None, html_file: str | None,
           make: Callable[[Any, str], Any]) -> int:
    from .checks.report import format_text
    from .checks.validate import validate as run
    from .definitions.loader import ReadCache
    from .incremental.watch import DefinitionsWatch

    root = defs_folder(path)
    settings = _settings(root)
    cache = ReadCache()  # only the files an edit changed are parsed again
    try:
        with DefinitionsWatch(root) as watch:
            while True:
                result = run(root, settings, cache)
                if not html_file and sys.stdout.isatty():
                    click.clear()
                if result.failed():
                    echo(format_text(result), err=True)
                    echo("The preview shows again once this is fixed.", err=True)
                else:
                    try:
                        _pick(kind, wanted, list(getattr(result.playbook, f"{kind}s")))
                        _show(make(result.playbook, wanted), html_file, root)
                    except UsageProblem as problem:  # renamed or removed: wait for it
                        echo(f"error: {problem}", err=True)
                echo(f"Watching {root} for changes (Ctrl-C to stop).", err=True)
                watch.wait()
    except KeyboardInterrupt:
        echo("Stopped watching.", err=True)
        return EXIT_OK


@preview.command("template")
@click.argument("template_id")
@click.argument("path", required=False)
@click.option("--html", "html_file", type=click.Path(dir_okay=False),
              help="Write a standalone HTML page instead of printing.")
@click.option("--watch", is_flag=True, help=WATCH_HELP)
def preview_template(template_id: str, path: str | None, html_file: str | None,
                     watch: bool) -> int:
    """Render email template TEMPLATE_ID with its sample data."""
    return _preview("template", template_id, path, html_file, watch)


@preview.command("campaign")
@click.argument("campaign_id")
@click.argument("path", required=False)
@click.option("--html", "html_file", type=click.Path(dir_okay=False),
              help="Write a standalone HTML page instead of printing.")
@click.option("--watch", is_flag=True, help=WATCH_HELP)
def preview_campaign(campaign_id: str, path: str | None, html_file: str | None,
                     watch: bool) -> int:
    """Show campaign CAMPAIGN_ID: timeline with dates, steps, every email, what sales sees."""
    return _preview("campaign", campaign_id, path, html_file, watch)


@cli.command()
@click.argument("old")
@click.argument("new", required=False)
@click.option("--defs", "defs_path", default=DEFAULT_DEFS, show_default=True,
              help="The definitions folder inside the repository.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "slack",
                                                  "teams"]),
              default="text", show_default=True, help="slack: a Block Kit message; teams: "
              "an Adaptive Card in a Teams webhook message (both as JSON).")
@click.option("--link", default=None, help="With slack or teams: the page that lists every "
              "change (linked from the message).")
def diff(old: str, new: str | None, defs_path: str, fmt: str, link: str | None) -> int:
    """What changed, by meaning, from OLD to NEW (git revisions or folders; NEW defaults to
    the working tree)."""
    from .checks.validate import validate as run
    from .definitions.diff import (
        changes_to_json,
        changes_to_markdown,
        changes_to_text,
        diff_playbooks,
    )
    from .definitions.revisions import RevisionError, definitions_at

    defs = Path(defs_path)
    try:
        with definitions_at(old, defs) as old_root:
            before = run(old_root)
            with (definitions_at(new, defs) if new else _here(defs_folder(defs_path))) \
                    as new_root:
                after = run(new_root)
    except RevisionError as exc:
        raise UsageProblem(str(exc)) from None
    for label, result in ((old, before), (new or "working tree", after)):
        if result.errors:
            echo(f"warning: the definitions in {label} have {len(result.errors)} "
                       "error(s); the comparison covers what could be read", err=True)
    changes = diff_playbooks(before.playbook, after.playbook)
    if fmt in ("slack", "teams"):
        from .exports import chat

        summary = chat.Summary(f"What changed from {old} to {new or 'the working tree'}",
                               changes, link)
        echo(json.dumps(chat.payload(fmt, summary), indent=2, ensure_ascii=False))
    elif fmt == "json":
        echo(json.dumps(changes_to_json(changes), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        echo(changes_to_markdown(changes), nl=False)
    else:
        echo(changes_to_text(changes))
    return EXIT_OK


class _LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A choice whose values are looked up when first needed, not when the CLI is imported
    (the export targets import every exporter, calendars included: 20 ms of every run)."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        self._values: list[str] | None = None
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        if self._values is None:
            self._values = list(self._load())
        return self._values

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        pass  # set by click.Choice.__init__; the values come from `load`


def _export_targets() -> list[str]:
    from .exports import target_names

    return [*target_names(), "all"]


@cli.command("export")
@click.argument("target", type=_LazyChoice(_export_targets), metavar="TARGET")
@click.argument("path", required=False)
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="The folder to write (default: export/TARGET).")
@click.option("--force", is_flag=True, help="Replace the folder if it is not empty.")
def export_command(target: str, path: str | None, out_dir: str | None, force: bool) -> int:
    """Write the playbook in a tool's own format into a folder: TARGET is salesforce,
    hubspot, emails, asana, trello, ics, or all (each target in a folder of its own).
    Nothing is written unless the whole export succeeds."""
    from .exports import TARGETS, ExportFailed
    from .exports.export import export_files
    from .exports.writing import WriteError, write_folder
    from .safety import safe_writes

    out = Path(out_dir or f"export/{target}")
    root = defs_folder(path)
    sources = safe_writes.project_sources(defs=root)
    _check_output(out, "the export", root, kind="folder")
    result = _validated(path)
    try:
        files, warnings = export_files(result.playbook, target)
    except ExportFailed as exc:
        echo(f"cannot export to {TARGETS[exc.target].title}:", err=True)
        for problem in exc.problems:
            echo(str(problem), err=True)
        return EXIT_INVALID
    for warning in warnings:
        echo(str(warning).replace("error:", "warning:", 1), err=True)
    try:
        for note in [*safe_writes.clean_legacy(Path.cwd()),
                     *write_folder(files, out, force, sources)]:
            echo(f"note: {note}", err=True)
    except (WriteError, safe_writes.Refused) as exc:
        raise UsageProblem(str(exc)) from None
    echo(f"Exported {len(files)} file(s) to {out}")
    return EXIT_OK


CRM_NAMES = ["salesforce", "hubspot"]


def _read_crm(crm: str, folder: str) -> Any:
    from .crm import hubspot, salesforce
    from .crm.config import CrmReadError

    try:
        return (salesforce if crm == "salesforce" else hubspot).read(Path(folder))
    except CrmReadError as exc:
        raise UsageProblem(str(exc)) from None


@cli.command("import")
@click.argument("crm", type=click.Choice(CRM_NAMES), metavar="CRM")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--company", required=True, help="The company's name (the CRM's "
              "configuration does not say it).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              default=DEFAULT_DEFS, show_default=True,
              help="The definitions folder to write; it must not exist or be empty.")
def import_command(crm: str, folder: str, company: str, out_dir: str) -> int:
    """Start a playbook from a CRM's configuration: CRM is salesforce (a retrieved metadata
    folder: OpportunityStage and LeadStatus value sets, business processes, record types,
    Paths) or hubspot (saved JSON of the Pipelines v3 and Properties v3 GET responses).
    Writes what the CRM holds; owners and exit criteria are left as marked gaps."""
    from .crm.to_playbook import playbook_files
    from .exports.writing import WriteError, write_folder
    from .project.scaffold import ScaffoldError, check_name
    from .safety import safe_writes

    out, source = Path(out_dir), Path(folder)
    sources = safe_writes.project_sources(extra={"the CRM folder": source})
    try:
        safe_writes.check_target(out, sources, "the imported playbook")
    except safe_writes.Refused as exc:
        raise UsageProblem(str(exc)) from None
    config = _read_crm(crm, folder)
    try:  # the same rule as init --name: a name the playbook holds as typed
        check_name(company, "--company")
    except ScaffoldError as exc:
        raise UsageProblem(str(exc)) from None
    files = playbook_files(config, company.strip())
    try:
        write_folder({path: text.encode("utf-8") for path, text in files.items()}, out,
                     sources=sources)
    except (WriteError, safe_writes.Refused) as exc:
        raise UsageProblem(f"{out} is not empty: import into a new folder and merge what "
                           "you need; nothing was written"
                           if "not empty" in str(exc) else str(exc)) from None
    for note in config.skipped:
        echo(f"note: {note}", err=True)
    stages = sum(len(p.stages) for p in config.processes)
    echo(f"Imported {len(config.processes)} process(es) with {stages} stage(s), "
         f"{len(config.lifecycle)} lifecycle stage(s) and {len(config.lead_statuses)} "
         f"lead status(es) into {out}.\nWhat the CRM does not hold is marked "
         f"\"not in {'Salesforce' if crm == 'salesforce' else 'HubSpot'}\" in the "
         f"files; next: `playbook validate {out}`")
    return EXIT_OK


@cli.command("crm-diff")
@click.argument("crm", type=click.Choice(CRM_NAMES), metavar="CRM")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("path", required=False)
@click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text",
              show_default=True, help="text for people, json for machines, github for "
              "annotations in GitHub Actions, sarif for code-scanning dashboards.")
def crm_diff(crm: str, folder: str, path: str | None, fmt: str) -> int:
    """Compare a CRM's configuration with the playbook: CRM is salesforce (a retrieved
    metadata folder) or hubspot (saved Pipelines v3 and Properties v3 responses). Every
    difference is reported at the playbook's YAML line; exit 1 when they differ."""
    from dataclasses import replace

    from .checks.validate import severity_by_code
    from .crm.drift import compare

    result = _validated(path)
    config = _read_crm(crm, folder)
    overrides = severity_by_code(_settings(result.root))
    findings = []
    for finding in compare(config, result.playbook, result.root):
        severity = overrides.get(finding.code, finding.rule.severity)
        if severity.value != "off":
            findings.append(replace(finding, severity=severity))
    findings.sort(key=lambda f: f.sort_key())
    drift = replace(result, findings=findings)
    echo(REPORTERS[fmt](drift, False, False))
    return EXIT_INVALID if drift.failed() else EXIT_OK


@cli.command()
@click.argument("data", type=click.Path(file_okay=False))
@click.argument("path", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]),
              default="text", show_default=True, help="text for people, json for "
              "dashboards, github or sarif for CI.")
@click.option("--as-of", "as_of", type=click.DateTime(
    ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S",
     "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="The moment to measure at (default: the latest moment in the data).")
@click.option("--records", is_flag=True, help="Also list record-level figures: stale deals "
              "by name and per owner.")
@click.option("--strict", is_flag=True, help="Fail on data warnings too.")
@click.option("--sql", "dialect", default=None, metavar="DIALECT", help="Print the KPI "
              "queries compiled for a warehouse (bigquery, snowflake, spark, postgres...) "
              "instead of measuring.")
def measure(data: str, path: str | None, fmt: str, as_of: Any, records: bool,
            strict: bool, dialect: str | None) -> int:
    """Measure the playbook against the CRM exports in DATA: each KPI's actual against its
    target, SLA compliance, cadence adherence, stale deals, stage conversion and probability
    calibration. Exit 1 when a target is breached or the data has errors."""
    from .measure import report
    from .measure.engine import Engine
    from .measure.load import DataError, load

    result = _validated(path)
    try:
        loaded = load(Path(data), result.playbook)
    except DataError as exc:
        raise UsageProblem(str(exc)) from None
    engine = Engine(loaded, as_of, records)
    if dialect:
        import sqlglot

        from .measure.warehouse import compile_queries

        try:
            compiled = compile_queries(engine, dialect)
        except (ValueError, sqlglot.errors.SqlglotError) as exc:
            raise UsageProblem(f"cannot compile for '{dialect}': {exc}") from None
        for name, sql in compiled.items():
            echo(f"-- {name}\n{sql};\n")
        return EXIT_OK
    measurement = engine.run()
    echo(report.REPORTERS[fmt](measurement, result.playbook, strict))
    return EXIT_INVALID if report.failed(measurement, strict) else EXIT_OK


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.argument("path", required=False)
@click.option("--shape", type=click.Choice(["neutral", "salesforce", "hubspot"]),
              default="neutral", show_default=True, help="Whose export to write.")
@click.option("--leads", type=click.IntRange(1, 10_000_000), default=500, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2026-06-01",
              show_default=True, help="The first day leads arrive.")
@click.option("--comply", is_flag=True, help="Every lead touched in time and on cadence, "
              "no deal left stale.")
@click.option("--parquet", is_flag=True, help="Parquet files instead of CSV (neutral).")
def simulate(out: str, path: str | None, shape: str, leads: int, seed: int, start: Any,
             comply: bool, parquet: bool) -> int:
    """Write a CRM's exports simulated from the playbook into OUT (a new or empty folder),
    to try `playbook measure` or test a dashboard."""
    from .measure import simulate as sim
    from .safety import safe_writes

    target = Path(out)
    root = defs_folder(path)
    _check_output(target, "the simulated exports", root, kind="folder")
    result = _validated(path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageProblem(f"'{target}' is not an empty folder; name a new one")
    records = sim.simulate(result.playbook, sim.Options(leads=leads, seed=seed,
                                                        start=start.date(), comply=comply))
    files: list[Path] = []

    def fill(staging: Path) -> None:  # written aside, swapped in whole (safe_writes)
        files.extend(target / p.relative_to(staging)
                     for p in sim.write(result.playbook, records, staging, shape, parquet))

    try:
        safe_writes.replace_folder(target, "the simulated exports", fill, force=False,
                                   sources=safe_writes.project_sources(defs=root))
    except safe_writes.Refused as exc:
        raise UsageProblem(str(exc)) from None
    except OSError as exc:
        raise UsageProblem(f"cannot write {target}: {exc.strerror or exc}") from None
    echo(f"Wrote {len(files)} file(s) to {target}: {len(records.leads):,} leads, "
               f"{len(records.activities):,} activities, {len(records.deals):,} deals")
    return EXIT_OK


@cli.command()
@click.argument("version", required=False)
@click.option("-a", "--alias", "aliases", multiple=True, help="An alias such as `latest` "
              "(repeatable); the first becomes the default version.")
@click.option("-t", "--title", help="The version's title in the version selector.")
@click.option("-b", "--branch", default="gh-pages", show_default=True,
              help="The branch mike publishes to.")
@click.option("--push", is_flag=True, help="Push the branch after publishing.")
@click.option("--to-dir", type=click.Path(file_okay=False), default=None,
              help="Publish into this folder instead of a git branch.")
@click.option("--list", "list_versions", is_flag=True, help="List published versions.")
@click.option("--delete", "delete", is_flag=True, help="Delete VERSION from the branch.")
@click.option("-f", "--config-file", type=click.Path(dir_okay=False), default="mkdocs.yml",
              show_default=True)
def publish(version: str | None, aliases: tuple[str, ...], title: str | None, branch: str,
            push: bool, to_dir: str | None, list_versions: bool, delete: bool,
            config_file: str) -> int:
    """Publish VERSION of the site with mike, with a "What changed" page against the
    previously published version."""
    from .publishing import publish as pub

    config = Path(config_file)
    if not config.is_file():
        raise UsageProblem(f"{config} not found: run from your playbook repo")
    try:
        if list_versions:
            echo(pub.mike_passthrough(["list"], config, branch), nl=False)
            return EXIT_OK
        if not version:
            raise UsageProblem("give the VERSION to publish, e.g. `playbook publish 1.2 "
                               "--alias latest`")
        if delete and to_dir:
            raise UsageProblem("--delete removes a version from the branch; to remove one "
                               f"from {to_dir}, delete its folder and its entry in "
                               "versions.json")
        if delete:
            echo(pub.mike_passthrough(["delete", *(["--push"] if push else [])],
                                            config, branch, (version,)), nl=False)
            return EXIT_OK
        _validated(str(pub.definitions_folder(config)))
        notes: list[str] = []
        try:
            done = pub.publish(version, config, list(aliases), title, branch, push,
                               Path(to_dir) if to_dir else None, notes)
        finally:
            for note in notes:
                echo(f"note: {note}", err=True)
    except pub.PublishError as exc:
        raise UsageProblem(f"publishing failed: {exc}") from None
    except pub.PublishInterrupted as exc:
        echo(str(exc), err=True)
        return EXIT_USAGE
    against = f"{done.changes} change(s) since {done.previous}" if done.previous else \
        "the first published version"
    if done.previous and not done.listed:
        against = f"the changes since {done.previous} cannot be listed (its What changed " \
            "page says why)"
    where = to_dir or f"branch {branch}"
    echo(f"Published {done.version} to {where}: {against}.")
    _announce(done, title, pub.site_url(config))
    return EXIT_OK


def _announce(done, title: str | None, site_url: str) -> None:  # type: ignore[no-untyped-def]
    """Post what changed to the team chats configured in the environment (never fails)."""
    from .exports import chat

    link = f"{site_url.rstrip('/')}/{done.version}/changes/" if site_url and done.previous \
        else None
    summary = chat.Summary(f"Playbook {title or done.version} published", done.change_list,
                           link)
    for line in chat.announce(summary):
        echo(line, err=line.startswith("warning"))


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", help="The company's name (default: from the folder name).")
def init(directory: str, name: str | None) -> int:
    """Start a new playbook repository in DIRECTORY: definitions with one of each kind,
    mkdocs.yml, Makefile, CI workflow and README. Never overwrites a file."""
    from .project.scaffold import ScaffoldError, scaffold
    from .safety import safe_writes

    target = Path(directory)
    try:
        written = scaffold(target, name, safe_writes.project_sources())
    except (ScaffoldError, safe_writes.Refused, safe_writes.OutsideTarget) as exc:
        raise UsageProblem(str(exc)) from None
    except OSError as exc:
        raise UsageProblem(f"cannot write {target}: {exc.strerror or exc}") from None
    echo(f"Created a playbook in {target} ({len(written)} files). Next:\n"
               f"  cd {target} && make serve")
    return EXIT_OK


@contextlib.contextmanager
def _here(path: Path) -> Iterator[Path]:
    yield path


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this directly)."""
    # SIGTERM (a CI job cancelled, `kill`) stops a build or a publish the way Ctrl-C does:
    # through the cleanup that leaves the previous site in place.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    try:
        code = cli.main(args=list(argv) if argv is not None else None,
                        prog_name="playbook", standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C: click turns KeyboardInterrupt into Abort
        echo("Interrupted.", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        echo("Interrupted.", err=True)
        return EXIT_USAGE
    except Exception:
        import traceback  # only for a crash: every command started without it

        echo("playbook: internal error (this is a bug in Playbook, not in your "
                   "definitions; please report it with the lines below)", err=True)
        echo(traceback.format_exc(), err=True)
        return EXIT_CRASH
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
