"""A CRM's configuration as the CRM holds it, in one shape for Salesforce and HubSpot."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..definitions.model import CRM
from ..safety.safe_writes import MANIFEST

MAX_FILE_BYTES = 20 * 1024 * 1024  # a retrieved metadata file or API response is far smaller


class CrmReadError(Exception):
    """The folder cannot be read as the CRM's configuration: the message says where and
    what to give instead (a usage problem, exit 2)."""


@dataclass(frozen=True)
class CrmStage:
    """A stage as the CRM holds it."""

    value: str  # Salesforce: the picklist API name; HubSpot: the stage id ("" when new)
    label: str
    probability: int | None
    forecast: str | None  # Salesforce's API name of the forecast category; None in HubSpot
    closed: bool
    won: bool
    description: str = ""  # Salesforce: the value's description
    guidance: str = ""  # Salesforce Path: "Guidance for Success" (rich text)
    key_fields: tuple[str, ...] = ()  # Salesforce Path: the key fields shown


@dataclass
class CrmProcess:
    """A Salesforce sales process (with its record type) or a HubSpot deal pipeline."""

    id: str  # Salesforce: the business process's API name; HubSpot: the pipeline id
    label: str
    stages: list[CrmStage] = field(default_factory=list)
    description: str = ""
    file_id: str = ""  # the id a file name gives it (`pipelines/ID.json` of an export)


@dataclass(frozen=True)
class CrmOption:
    """A lifecycle stage or a lead status as the CRM holds it."""

    value: str
    label: str
    description: str = ""
    converted: bool = False


@dataclass
class CrmConfig:
    """Everything read from one CRM folder, and which files it came from."""

    crm: CRM
    folder: Path
    processes: list[CrmProcess] = field(default_factory=list)
    lifecycle: list[CrmOption] = field(default_factory=list)
    lead_statuses: list[CrmOption] = field(default_factory=list)
    # what each part was read from (relative to `folder`), for messages
    sources: dict[str, str] = field(default_factory=dict)
    # files seen but not read, and why
    skipped: list[str] = field(default_factory=list)
    has_lead_statuses: bool = False  # the folder holds the lead status list (maybe empty)
    has_lifecycle: bool = False


def files_below(folder: Path) -> list[Path]:
    """Every regular file below `folder`, sorted, never following a link out of it."""
    if not folder.is_dir():
        raise CrmReadError(f"'{folder}' is not a folder; pass the folder the CRM's "
                           "configuration was saved in")
    root = folder.resolve()
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            continue
        if path.is_file() and path.name != MANIFEST:  # what Playbook wrote, not the CRM
            found.append(path)
    return found


def read_text(path: Path, folder: Path) -> str:
    """A file's text, refused when it is too large or not UTF-8."""
    where = path.relative_to(folder).as_posix()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CrmReadError(f"{where}: {size:,} bytes is more than a CRM configuration "
                               f"file holds ({MAX_FILE_BYTES:,}); is it the right file?")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CrmReadError(f"{where}: not UTF-8 text; save the CRM's file as it was "
                           "retrieved") from None
    except OSError as exc:
        raise CrmReadError(f"{where}: cannot be read: {exc.strerror or exc}") from None
