"""`playbook init`: a new playbook repository that validates and builds out of the box."""

from __future__ import annotations

import json
import tempfile
import unicodedata
from importlib import resources
from pathlib import Path

from ..definitions.model import schema_files
from ..safety import safe_writes
from .install_source import InstallSource, install_source
from .own_wheel import WheelUnavailable, own_wheel

# package file -> path in the new repository
RENAMED = {"gitignore": ".gitignore", "workflow.yml": ".github/workflows/playbook.yml"}


class ScaffoldError(Exception):
    """The scaffold would overwrite something, or cannot be made: nothing was written."""


def _placeholders(name: str, relative: str, source: InstallSource) -> dict[str, str]:
    """What each placeholder becomes in the file at `relative`, quoted for its syntax."""
    if relative.endswith((".yml", ".yaml")):  # placeholders stand inside "double quotes"
        name = json.dumps(name, ensure_ascii=False)[1:-1]
    package = source.requirement
    if relative == "Makefile":  # Make expands `$`; the value stands in 'single quotes'
        package = package.replace("$", "$$")
    elif relative == "workflow.yml":  # a GitHub expression's 'string literal'
        package = package.replace("'", "''")
    return {"__NAME__": name, "__PACKAGE__": package}


def scaffold_files(name: str) -> dict[str, str | bytes]:
    """Every file of a new playbook repository, by relative path: the company `name` in
    its definitions and site, and the Makefile and workflow installing this very Playbook
    from the package index or, when it did not come from there, from a wheel of it in the
    repository (see `install_source`)."""
    root = resources.files("revenue_playbook") / "templates" / "init"
    files: dict[str, str | bytes] = {}
    source = install_source()
    if source.wheel is not None:
        try:
            files[source.wheel] = own_wheel()
        except WheelUnavailable as exc:
            raise ScaffoldError(
                f"cannot make a wheel of this Playbook for the new repository's CI ({exc}); "
                "install Playbook from a wheel or the package index and run init again") \
                from None

    def collect(folder, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            relative = f"{prefix}{entry.name}"
            if entry.is_dir():
                collect(entry, f"{relative}/")
            else:
                text = entry.read_text(encoding="utf-8")
                for placeholder, value in _placeholders(name, relative, source).items():
                    text = text.replace(placeholder, value)
                files[RENAMED.get(relative, relative)] = text

    collect(root, "")
    for file_name, document in schema_files().items():
        files[f"schemas/{file_name}"] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return files


# Characters a company name cannot hold: controls (U+007F among them), format characters
# (bidi overrides, zero-width), surrogates, private-use and unassigned code points, and line
# or paragraph separators. YAML refuses some, pages drop others: either way the name the
# user typed would not be the one shown.
_NOT_IN_A_NAME = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def check_name(name: str, option: str = "--name") -> None:
    """Refuse a company name the new playbook could not hold as written (`option`: the
    command-line option it came from, for the message)."""
    if not name.strip():
        raise ScaffoldError(f"{option} is empty or only spaces: give the company's name, e.g. "
                            f"{option} \"Acme\"; nothing was written")
    for index, char in enumerate(name):
        if unicodedata.category(char) in _NOT_IN_A_NAME:
            what = unicodedata.name(char, "a control or invisible character").lower()
            raise ScaffoldError(
                f"{option} holds U+{ord(char):04X} ({what}) at character {index + 1}: a "
                "company name is letters, digits, spaces and punctuation; nothing was written")


def _check_validates(files: dict[str, str | bytes], name: str) -> None:
    """The new definitions as `playbook validate` reads them: any error refuses the name
    (a safety net under `check_name`: init never writes a playbook that does not validate)."""
    from ..checks.validate import validate

    defs = safe_writes.DEFINITIONS_FOLDER
    with tempfile.TemporaryDirectory(prefix="playbook-init-") as tmp:
        root = Path(tmp)
        for relative, text in files.items():
            if relative.startswith(f"{defs}/") or relative == "pyproject.toml":
                path = root / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        errors = validate(root / defs).errors
    if errors:
        raise ScaffoldError(f"--name {name!r} makes definitions that do not validate "
                            f"({errors[0].code} {errors[0].message}); choose another name; "
                            "nothing was written")


def scaffold(target: Path, name: str | None = None,
             sources: safe_writes.Sources | None = None) -> list[Path]:
    """Write a new playbook into `target`; refuse, writing nothing, if the name would make a
    playbook that does not validate, if any of its paths is taken (a file, a link, even a
    dangling one, or a file where a folder belongs), or if `target` is or holds the
    `sources` of a project. No write follows a link, and a failure or Ctrl-C leaves
    nothing of it (`safe_writes.write_new_files`)."""
    name = name if name is not None else target.resolve().name.replace("-", " ").title()
    check_name(name)
    files = scaffold_files(name)
    _check_validates(files, name)
    try:
        return safe_writes.write_new_files(
            target, {path: text if isinstance(text, bytes) else text.encode("utf-8")
                     for path, text in files.items()}, "a new playbook", sources)
    except safe_writes.Refused as exc:
        raise ScaffoldError(str(exc)) from None
