"""Settings: per-rule severity, limits and the checks' options, from `[tool.playbook]` in
pyproject.toml or from the MkDocs plugin's options.

Rules are named here as the user wrote them (a code such as PB405 or a name such as
subject-length); the validator matches them against `rules.RULES`, so that settings need
not import the checks."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import Severity
from .loader import Limits


class ConfigError(Exception):
    """The configuration itself is wrong: a usage error, not a finding."""


@dataclass
class Options:
    """Tunable thresholds of the checks (from `[tool.playbook]` or the plugin config)."""

    subject_max: int = 60  # PB405: longest rendered subject


@dataclass
class Measuring:
    """`[tool.playbook.measure]`: the CRM data the site is measured against."""

    data: Path | None = None  # the folder of CRM exports; None: no measured pages
    records: bool = False  # record-level pages (stale deals by name, per owner)


@dataclass
class Settings:
    severity: dict[str, Severity] = field(default_factory=dict)  # by rule code or name
    limits: Limits = field(default_factory=Limits)
    options: Options = field(default_factory=Options)
    measuring: Measuring = field(default_factory=Measuring)
    origin: str = "defaults"


def measuring_from_mapping(data: Any, origin: str, base: Path) -> Measuring:
    """`{data: folder, records: bool}`, the folder relative to `base`."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: 'measure' is a table with `data` (a folder of CRM "
                          "exports) and `records` (true or false)")
    unknown = set(data) - {"data", "records"}
    if unknown:
        raise ConfigError(f"{origin}: unknown setting 'measure.{sorted(unknown)[0]}' "
                          "(known: data, records)")
    folder = data.get("data")
    if folder is not None and (not isinstance(folder, str) or not folder.strip()):
        raise ConfigError(f"{origin}: 'measure.data' is the folder of CRM exports, as text")
    records = data.get("records", False)
    if not isinstance(records, bool):
        raise ConfigError(f"{origin}: 'measure.records' is true or false")
    return Measuring(base / folder if folder else None, records)


def settings_from_mapping(data: dict[str, Any], origin: str, base: Path | None = None) -> Settings:
    """Build settings from a `[tool.playbook]` table or the plugin's options (`base`: the
    folder that relative paths start from)."""
    settings = Settings(origin=origin)
    known = {"severity", "subject_max", "max_file_bytes", "max_values", "max_depth", "defs",
             "measure"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{origin}: unknown setting '{key}' (known: "
                              f"{', '.join(sorted(known))})")
    severity = data.get("severity") or {}
    if not isinstance(severity, dict):
        raise ConfigError(f"{origin}: 'severity' maps rule codes to error, warning, info or off")
    for key, value in severity.items():
        try:
            settings.severity[str(key)] = Severity(str(value).lower())
        except ValueError:
            raise ConfigError(f"{origin}: severity of '{key}' must be error, warning, info or off, "
                              f"not '{value}'") from None
    for name, target in (("subject_max", settings.options), ("max_file_bytes", settings.limits),
                         ("max_values", settings.limits), ("max_depth", settings.limits)):
        if name in data:
            value = data[name]
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{origin}: '{name}' must be a positive whole number")
            setattr(target, name, value)
    if "measure" in data:
        settings.measuring = measuring_from_mapping(data["measure"], origin, base or Path("."))
    return settings


def find_pyproject(start: Path) -> Path | None:
    for folder in [start.resolve(), *start.resolve().parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(defs: Path) -> Settings:
    """Settings from the nearest pyproject.toml above the definitions folder, if any."""
    pyproject = find_pyproject(defs if defs.is_dir() else defs.parent)
    if pyproject is None:
        return Settings()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read settings: {exc}") from None
    table = data.get("tool", {}).get("playbook")
    if table is None:
        return Settings()
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.playbook] must be a table")
    return settings_from_mapping(table, f"{pyproject} [tool.playbook]", pyproject.parent)
