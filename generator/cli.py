"""The `playbook` command: a thin adapter over the core.

Exit codes: 0 valid, 1 the definitions are invalid, 2 usage or environment error,
3 an unexpected crash (a bug in Playbook: please report it).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, load_settings
from .findings import RULES
from .model import ITEM_FOLDERS, json_schema
from .report import REPORTERS

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
DEFAULT_DEFS = "process_defs"


class UsageProblem(click.ClickException):
    """A usage or environment problem: printed as one line, exit 2."""

    exit_code = EXIT_USAGE


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
              "annotations in GitHub Actions.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: "
              "when writing to a terminal).")
def validate(path: str | None, strict: bool, fmt: str, color: bool | None) -> int:
    """Check the definitions in PATH (default: ./process_defs) and report every problem."""
    from .validate import validate as run

    root = defs_folder(path)
    try:
        settings = load_settings(root)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None
    result = run(root, settings)
    if color is None:
        color = fmt == "text" and sys.stdout.isatty()
    click.echo(REPORTERS[fmt](result, strict, color), color=color)
    return EXIT_INVALID if result.failed(strict) else EXIT_OK


@cli.command()
@click.argument("kind", required=False, type=click.Choice(ITEM_FOLDERS))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
def schema(kind: str | None, output: str | None) -> int:
    """Print the JSON Schema of a definition file (or of a one-item file in folder KIND)."""
    text = json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageProblem(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
    return EXIT_OK


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules(fmt: str) -> int:
    """List every validation rule with its code, default severity and meaning."""
    import generator.rules  # noqa: F401 - registers every rule

    ordered = sorted(RULES.values(), key=lambda r: r.code)
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity.value,
                                "category": r.category, "summary": r.summary}
                               for r in ordered], indent=2))
    else:
        for r in ordered:
            click.echo(f"{r.code}  {r.name:<26} {r.severity.value:<8} {r.summary}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this directly)."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None,
                        prog_name="playbook", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_USAGE
    except Exception:
        click.echo("playbook: internal error (this is a bug in Playbook, not in your "
                   "definitions; please report it with the lines below)", err=True)
        click.echo(traceback.format_exc(), err=True)
        return EXIT_CRASH
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
