"""A CRM's configuration written as a `process_defs/` folder a team then completes.

Only what the CRM holds is written. What it does not hold (owners, entry and exit
criteria, the team working a lifecycle stage) is a comment saying so where the value
belongs, never a made-up value; the playbook's pages show such fields as "not defined".
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import yaml

from ..definitions.model import is_id
from ..exports.crm import TITLES, WORD_OF
from ..safety.encoders import visible
from .config import CrmConfig, CrmOption, CrmProcess, CrmStage

MORE = re.compile(r"^… and (\d+) more in the playbook$")
# HubSpot's two qualification points, by its internal lifecycle values
QUALIFIED = {"marketingqualifiedlead": "marketing", "salesqualifiedlead": "sales"}


def _scalar(value: Any) -> str:
    """One YAML scalar, quoted where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(value: object) -> str:
    """Text from the CRM inside a `# comment`: one line, so a line break in a label cannot
    end the comment and write keys of its own."""
    return " ".join(visible(value).split())


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug or "x"


class _Ids:
    """Readable ids, unique across the playbook."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def make(self, text: str, prefix: str = "") -> str:
        base = text if is_id(text) else _slug(text)
        candidate = base
        if candidate in self.taken and prefix:
            candidate = f"{prefix}_{base}"
        n = 2
        while candidate in self.taken:
            candidate = f"{base}_{n}"
            n += 1
        self.taken.add(candidate)
        return candidate


class _Guidance(HTMLParser):
    """The paragraphs and list items of a Path step's rich text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []  # ("p" | "li", text)
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "li", "div"):
            self._tag = "li" if tag == "li" else "p"
            self.blocks.append((self._tag, ""))
        elif tag == "br" and self.blocks:
            kind, text = self.blocks[-1]
            self.blocks[-1] = (kind, text + "\n")

    def handle_data(self, data: str) -> None:
        if not self.blocks:
            self.blocks.append(("p", ""))
        kind, text = self.blocks[-1]
        self.blocks[-1] = (kind, text + data)


def guidance_parts(html: str) -> tuple[str, list[str], int]:
    """A Path step's guidance as (purpose, exit criteria, criteria left out of the Path).
    Guidance Playbook wrote (a purpose, "To move on:", a list) comes back as it was; any
    other guidance is the purpose, its list items as Markdown bullets."""
    parser = _Guidance()
    parser.feed(html)
    parser.close()
    blocks = [(kind, " ".join(text.split())) for kind, text in parser.blocks]
    blocks = [(kind, text) for kind, text in blocks if text]
    texts = [text for _, text in blocks]
    if "To move on:" in texts:
        at = texts.index("To move on:")
        head, items = blocks[:at], blocks[at + 1:]
        if all(kind == "p" for kind, _ in head) and all(kind == "li" for kind, _ in items):
            criteria = [text for _, text in items]
            more = 0
            if criteria and MORE.match(criteria[-1]):
                more = int(MORE.match(criteria.pop())[1])  # type: ignore[index]
            return "\n\n".join(text for _, text in head), criteria, more
    lines = [f"- {text}" if kind == "li" else f"\n{text}\n" for kind, text in blocks]
    return "\n".join(lines).strip().replace("\n\n\n", "\n\n"), [], 0


def _block(key: str, text: str, indent: str) -> list[str]:
    """A text field: one line when short, a literal block when it has line breaks and reads
    back as the same text (a first line starting with a space, a character YAML reads as a
    line break or cannot hold, or a trailing line break would not: those are quoted)."""
    if "\n" in text:
        block = [f"{key}: |-", *[f"  {line}" if line else "" for line in text.split("\n")]]
        try:
            same = yaml.safe_load("\n".join(block)) == {key: text}
        except yaml.YAMLError:
            same = False
        if same:
            return [f"{indent}{line}" if line else "" for line in block]
    return [f"{indent}{key}: {_scalar(text)}"]


def _process(process: CrmProcess, pid: str, crm: str, ids: _Ids,
             source: str) -> tuple[str, list[str]]:
    """A process file and its stage ids."""
    title = TITLES[crm]  # type: ignore[index]
    what = "deal pipeline" if crm == "hubspot" else "sales process"
    lines = [f"# Imported from {title}: the {what} '{_comment(process.label)}' "
             f"({_comment(source)}).",
             f"# {title} does not hold who owns the process or its stages, or what must be "
             "true to",
             "# enter and leave a stage: each is marked \"not in "
             f"{title}\" below. Until written, the",
             "# pages say \"not defined\".",
             f"name: {_scalar(process.label or pid)}"]
    if process.id and (crm == "hubspot" or process.id != process.label):
        lines.append(f"crm: {{{crm}: {_scalar(process.id)}}}")
    if process.description:
        lines += _block("description", process.description, "")
    lines.append(f"# owner: not in {title} (the role that owns this process)")
    lines.append("stages:")
    stage_ids = [ids.make(stage.label or stage.value, pid) for stage in process.stages]
    won = [sid for sid, st in zip(stage_ids, process.stages, strict=True) if st.won]
    ended = [sid for sid, st in zip(stage_ids, process.stages, strict=True)
             if st.closed and not st.won]
    open_ids = [sid for sid, st in zip(stage_ids, process.stages, strict=True) if not st.closed]
    for sid, stage in zip(stage_ids, process.stages, strict=True):
        lines += _stage(sid, stage, crm, title)
        if not stage.closed:
            following = open_ids[open_ids.index(sid) + 1:open_ids.index(sid) + 2] or won
            # a CRM lets a rep close a deal as lost from any open stage
            nexts = [*following, *ended]
            if nexts:
                lines.append(f"    next: [{', '.join(nexts)}]")
    return "\n".join(lines) + "\n", stage_ids


def _stage(sid: str, stage: CrmStage, crm: str, title: str) -> list[str]:
    lines = [f"  {sid}:", f"    name: {_scalar(stage.label or stage.value)}"]
    if crm == "hubspot" and stage.value:
        lines.append(f"    crm: {{hubspot: {_scalar(stage.value)}}}")
    elif crm == "salesforce" and stage.value != stage.label:
        lines.append(f"    crm: {{salesforce: {{value: {_scalar(stage.value)}, label: "
                     f"{_scalar(stage.label)}}}}}")
    purpose, criteria, more = guidance_parts(stage.guidance) if stage.guidance else (
        stage.description.strip(), [], 0)
    if purpose:
        lines += _block("purpose", purpose, "    ")
    if stage.probability is not None:
        lines.append(f"    probability: {stage.probability}")
    if stage.forecast:
        word = WORD_OF.get(stage.forecast)
        if word:
            lines.append(f"    forecast_category: {word}")
        else:
            lines.append(f"    # forecast category '{_comment(stage.forecast)}' is not one "
                         "Salesforce documents")
    if stage.key_fields:
        lines.append(f"    required_fields: [{', '.join(_scalar(f) for f in stage.key_fields)}]")
    if stage.closed:
        lines.append(f"    outcome: {'won' if stage.won else 'lost'}")
        return lines
    lines.append(f"    # owner: not in {title}")
    if criteria:
        lines.append("    exit_criteria:")
        lines += [f"      - {_scalar(c)}" for c in criteria]
        if more:
            lines.append(f"      # and {more} more that did not fit the {title} Path: not "
                         f"in {title}")
    else:
        lines.append(f"    # exit_criteria: not in {title} (what must be true to leave this "
                     "stage)")
    return lines


def _lifecycle(options: list[CrmOption], ids: _Ids, title: str, source: str) -> list[str]:
    lines = [f"# Imported from {title}: the lifecycle stages ({_comment(source)}), in "
             f"{title}'s order.",
             f"# {title} does not hold the team working each stage, its owner or its entry "
             "criteria:",
             f"# each is marked \"not in {title}\" below.",
             "lifecycle:"]
    stage_ids = [ids.make(o.value if is_id(o.value) else o.label) for o in options]
    for i, (sid, option) in enumerate(zip(stage_ids, options, strict=True)):
        lines += [f"  {sid}:", f"    name: {_scalar(option.label or option.value)}"]
        if option.value != sid:
            lines.append(f"    crm: {{hubspot: {_scalar(option.value)}}}")
        if option.value in QUALIFIED:
            lines.append(f"    qualified: {QUALIFIED[option.value]}")
        if option.description:
            lines += _block("description", option.description, "    ")
        lines += [f"    # team: not in {title} (marketing, sales or customer_success)",
                  f"    # entry_criteria: not in {title}"]
        if i + 1 < len(stage_ids):
            lines.append(f"    next: [{stage_ids[i + 1]}]")
    return lines


def _statuses(options: list[CrmOption], crm: str, ids: _Ids, title: str,
              source: str) -> list[str]:
    lines = [f"# Imported from {title}: the lead statuses ({_comment(source)}).",
             "lead_statuses:"]
    if not options:
        return [*lines[:1], "lead_statuses: {}"]
    for option in options:
        sid = ids.make(option.label or option.value)
        lines += [f"  {sid}:", f"    name: {_scalar(option.label or option.value)}"]
        if crm == "salesforce" and option.value != option.label:
            lines.append(f"    crm: {{salesforce: {{value: {_scalar(option.value)}, label: "
                         f"{_scalar(option.label)}}}}}")
        elif crm == "hubspot" and option.value != sid:
            lines.append(f"    crm: {{hubspot: {_scalar(option.value)}}}")
        if option.description:
            lines += _block("description", option.description, "    ")
        if option.converted:
            lines.append("    converted: true")
        lines.append(f"    # lifecycle: not in {title} (the lifecycle stages this status "
                     "is used in)")
    if crm == "hubspot":
        lines.append("# HubSpot has no converted status: mark the one Salesforce would "
                     "convert leads with")
        lines.append("# with `converted: true` if you also export to Salesforce.")
    return lines


def playbook_files(config: CrmConfig, company: str) -> dict[str, str]:
    """The definition files (path inside `process_defs/` -> YAML text) for `config`."""
    title = TITLES[config.crm]
    files = {"company.yaml": (
        f"# Written by `playbook import {config.crm}` from "
        f"{_comment(config.folder.name)}/.\n"
        "company:\n"
        f"  name: {_scalar(company)}\n")}
    ids = _Ids()
    for process in config.processes:
        pid = ids.make(process.file_id or process.label or process.id or "opportunity")
        source = config.sources.get("processes") or config.sources.get("stages", "")
        text, _ = _process(process, pid, config.crm, ids, source)
        files[f"processes/{pid}.yaml"] = text
    lines: list[str] = []
    if config.lifecycle:
        lines += _lifecycle(config.lifecycle, ids, title, config.sources["lifecycle"])
    if config.has_lead_statuses:
        if lines:
            lines.append("")
        lines += _statuses(config.lead_statuses, config.crm, ids, title,
                           config.sources["lead_statuses"])
    if lines:
        files["lifecycle.yaml"] = "\n".join(lines) + "\n"
    return files
