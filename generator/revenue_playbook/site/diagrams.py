"""Graphviz diagrams: DOT sources built from the model, rendered to inline-ready SVG.

DOT generation is pure and deterministic (same playbook, same bytes). Rendering goes
through `DiagramRenderer`, which keeps SVGs in a cache keyed by a hash of the DOT source
and feeds every uncached graph to a single `dot` process: starting `dot` costs more than
laying out a small graph.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ..definitions.businesstime import Calendar
from ..definitions.campaign_time import moment
from ..definitions.model import CadenceStep, Playbook, Touchpoint
from ..definitions.presentation import (
    CHANNEL_ICON,
    PHASE_TITLES,
    TEAM_TITLES,
    per_segment,
    role_name,
    when_label,
)
from ..safety.markup import visible
from ..safety.svgcheck import UnsafeSVG, check_svg

# ---------------------------------------------------------------------------- DOT text

_BREAKS = str.maketrans("\r\n\t", "   ")


def escape_label(text: object) -> str:
    """Any user text as the inside of a DOT double-quoted string.

    Invisible characters (`markup.visible`: the same set the pages drop) go so that a label
    cannot reorder or hide the text around it; line breaks and tabs become spaces. Graphviz
    escapes `<`, `>` and `&` in the SVG.
    """
    clean = str(text)
    if not (clean.isascii() and clean.isprintable()):  # most labels: nothing to drop
        clean = visible(clean).translate(_BREAKS)
    return clean.replace("\\", "\\\\").replace('"', '\\"')


def _wrap(text: str, width: int = 22) -> str:
    """Word-wrap a label with DOT's centred line breaks (applied after escaping)."""
    words, lines, line = escape_label(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\\n".join(lines)


def _attrs(**attrs: object) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        if key == "label":
            parts.append(f'label="{value}"')  # already escaped and wrapped
        else:
            parts.append(f'{key}="{escape_label(value)}"')
    return "[" + ", ".join(parts) + "]"


_HEADER = ('  graph [fontname="Helvetica", fontsize=11, bgcolor="transparent", nodesep=0.35, '
           'ranksep=0.5];\n'
           '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", '
           'fillcolor="#eef2ff", color="#4f46e5"];\n'
           '  edge [fontname="Helvetica", fontsize=10, color="#64748b"];\n')

# Flows longer than this run top to bottom: a phone shows them at full size without
# scrolling sideways, and a desktop column holds them too.
LR_MAX_NODES = 5

def outcome_style(playbook: Playbook, outcome_id: str) -> dict[str, object]:
    """A terminal stage drawn in its outcome's colour: the border in the colour, the fill a
    pale tint of it (so dark text stays readable)."""
    outcome = playbook.outcome(outcome_id)
    colour = outcome.colour if outcome else "#546e7a"
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    tint = "#" + "".join(f"{round(c + (255 - c) * 0.85):02x}" for c in rgb)
    return {"fillcolor": tint, "color": colour, "penwidth": 1.5}


def _percent(value: object) -> str:
    """A win probability, or the range of its per-segment values."""
    if isinstance(value, dict):
        low, high = min(value.values()), max(value.values())
        return f"{low}%" if low == high else f"{low}–{high}%"
    return f"{value}%"


def _node_id(prefix: str, key: str) -> str:
    return f'"{prefix}_{escape_label(key)}"'


def process_dot(playbook: Playbook, process_id: str, stage_url: Callable[[str], str]) -> str:
    """The sales process as a left-to-right flow; every stage links to its page."""
    process = playbook.processes[process_id]
    entry = process.entry_stage()
    rankdir = "LR" if len(process.stages) <= LR_MAX_NODES else "TB"
    lines = [f'digraph "{escape_label(process_id)}" {{', _HEADER, f"  rankdir={rankdir};"]
    for sid, stage in process.stages.items():
        label = _wrap(stage.name)
        if stage.probability is not None and not stage.outcome:
            label += f"\\n{_percent(stage.probability)}"
        style: dict[str, object] = {}
        if stage.outcome:
            style = outcome_style(playbook, stage.outcome)
            outcome = playbook.outcome(stage.outcome)
            if outcome and outcome.name.lower() not in stage.name.lower():
                label += "\\n(" + escape_label(outcome.name) + ")"
        if sid == entry:
            style["penwidth"] = 2
        lines.append(f"  {_node_id('stage', sid)} " + _attrs(
            label=label, URL=stage_url(sid), target="_top", tooltip=stage.purpose or stage.name,
            id=f"stage-{sid}",
            # the page scrolls a diagram wider than the screen to its entry (playbook.js)
            **{"class": (stage.outcome or "stage") + (" entry" if sid == entry else "")},
            **style) + ";")
    for sid, stage in process.stages.items():
        for n, target in enumerate(process.successors(sid)):
            if target in process.stages:
                # the first next stage is the way forward: a straight line down the middle,
                # so a phone shows the flow from its start without panning sideways
                main = " [weight=10]" if n == 0 and not process.stages[target].outcome else ""
                lines.append(f"  {_node_id('stage', sid)} -> {_node_id('stage', target)}"
                             f"{main};")
        for target in stage.returns_to:
            if target in process.stages:
                lines.append(f"  {_node_id('stage', sid)} -> {_node_id('stage', target)} "
                             '[style=dashed, constraint=false, label="may return", '
                             'class="return"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def lifecycle_dot(playbook: Playbook, stage_url: Callable[[str], str] | None = None) -> str:
    """The lead lifecycle in team swimlanes; hand-offs carry their owner and time target."""
    lifecycle = playbook.lifecycle
    # top to bottom: the hand-off labels make a left-to-right layout twice as wide
    lines = ['digraph "lifecycle" {', _HEADER, "  rankdir=TB; newrank=true;"]
    teams: list[str | None] = [t for t in TEAM_TITLES
                               if any(s.team == t for s in lifecycle.values())]
    if any(s.team is None for s in lifecycle.values()):
        teams.append(None)  # stages whose team is not stated: outside any swimlane
    tiers = playbook.sla.tiers if playbook.sla else {}
    calendar = Calendar.of(playbook)
    for team in teams:
        if team is not None:
            lines.append(f'  subgraph "cluster_{team}" {{')
            # the team's name is a node of the lane, above its first stage: dot keeps
            # edges off nodes, while a lane's own label is drawn wherever edges cross it
            lines.append('    style="rounded,dashed"; color="#94a3b8";')
            first = next(sid for sid, stage in lifecycle.items() if stage.team == team)
            lines.append(f'    "team_{team}" ' + _attrs(
                label=escape_label(TEAM_TITLES[team]),  # type: ignore[index]
                shape="plaintext", style="",
                **{"class": "team"}) + ";")
            lines.append(f'    "team_{team}" -> {_node_id("life", first)} [style=invis];')
        for sid, stage in lifecycle.items():
            if stage.team != team:
                continue
            style: dict[str, object] = {}
            if stage.qualified:
                style = {"fillcolor": "#fef9c3", "color": "#a16207", "penwidth": 2}
            label = _wrap(stage.name) + {"marketing": "\\n(MQL: marketing-qualified)",
                                         "sales": "\\n(SQL: sales-qualified)"}.get(
                                             stage.qualified or "", "")
            lines.append(f"    {_node_id('life', sid)} " + _attrs(
                label=label, URL=stage_url(sid) if stage_url else None,
                target="_top" if stage_url else None, tooltip=stage.description or stage.name,
                id=f"life-{sid}",
                **{"class": ("qualified" if stage.qualified else "stage")
                   + (" entry" if sid == next(iter(lifecycle)) else "")},
                **style) + ";")
        if team is not None:
            lines.append("  }")
    handoffs = 0
    for sid, stage in lifecycle.items():
        for target in stage.next:
            nxt = lifecycle.get(target)
            if nxt is None:
                continue
            if nxt.team != stage.team and nxt.handoff:
                text = f"hand-off: {role_name(playbook, nxt.handoff.owner)}"
                if nxt.handoff.within:
                    text += f", within {calendar.words(nxt.handoff.within)}"
                if stage.qualified == "marketing" and tiers:
                    text += "; SLA " + ", ".join(
                        f"{t.name} {per_segment(playbook, t.response_time, calendar.words)}"
                        for t in tiers.values())
                # a node of its own on the way, not an edge label: dot places nodes apart,
                # while an edge label can land on another edge
                handoff = f'"handoff_{handoffs}"'
                handoffs += 1
                lines.append(f"  {handoff} " + _attrs(
                    label=_wrap(text, 30), shape="plaintext", fontcolor="#92400e",
                    fontsize=10, **{"class": "handoff"}) + ";")
                edge = _attrs(color="#a16207", penwidth=2, **{"class": "handoff"})
                lines.append(f"  {_node_id('life', sid)} -> {handoff} "
                             + edge[:-1] + ", arrowhead=none];")
                lines.append(f"  {handoff} -> {_node_id('life', target)} {edge};")
                continue
            lines.append(f"  {_node_id('life', sid)} -> {_node_id('life', target)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def touchpoints_dot(title: str, touches: Sequence[Touchpoint | CadenceStep],
                    template_url: Callable[[str], str] | None = None) -> str:
    """A day-by-day timeline in business days: days in a row, each day's touches below."""
    # days down the left, each day's touches to its right: as narrow as a phone
    lines = [f'digraph "{escape_label(title)}" {{', _HEADER, "  rankdir=LR; nodesep=0.2;"]
    days = sorted({t.day for t in touches})
    for day in days:
        lines.append(f'  "day_{day}" [label="Day {day}", shape=box, style="rounded,filled", '
                     'fillcolor="#334155", color="#334155", fontcolor="white", class="day"];')
    lines.append("  { rank=same; " + " ".join(f'"day_{d}";' for d in days) + " }")
    for a, b in itertools.pairwise(days):
        lines.append(f'  "day_{a}" -> "day_{b}" [color="#94a3b8", arrowhead=none, '
                     "minlen=2];")
    for i, touch in enumerate(touches):
        what = touch.purpose or (touch.template or touch.channel)
        label = f"{CHANNEL_ICON.get(touch.channel, '')} {touch.channel}\\n" + _wrap(what, 24)
        url = template_url(touch.template) if template_url and touch.template else None
        lines.append(f'  "touch_{i}" ' + _attrs(
            label=label, URL=url, target="_top" if url else None,
            tooltip=f"Day {touch.day}: {what}", id=f"touch-{i}",
            **{"class": f"touch {touch.channel}"}) + ";")
        # every touch hangs off its day: a day's touches stack in one column
        lines.append(f'  "day_{touch.day}" -> "touch_{i}" [color="#cbd5e1", arrowhead=none];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def campaign_dot(playbook: Playbook, campaign_id: str, calendar: Calendar,
                 template_url: Callable[[str], str] | None = None) -> str:
    """A campaign's timeline: steps by phase with dependencies, launch, emails (each
    linking to its template's page with `template_url`)."""
    campaign = playbook.campaigns[campaign_id]

    def when(offset: int, clock: str | None = None, timezone: str | None = None) -> str:
        return when_label(campaign, offset, calendar,
                          moment(playbook, campaign, calendar, offset, clock, timezone))

    lines = [f'digraph "{escape_label(campaign_id)}" {{', _HEADER, "  rankdir=TB;"]
    first_step = min(campaign.steps, key=lambda sid: campaign.steps[sid].offset, default=None)
    for phase, title in PHASE_TITLES.items():
        steps = sorted(((sid, s) for sid, s in campaign.steps.items() if s.phase == phase),
                       key=lambda item: item[1].offset)
        if not steps:
            continue
        lines.append(f'  subgraph "cluster_{phase}" {{')
        lines.append(f'    label="{title}"; style="rounded,dashed"; color="#94a3b8";')
        for sid, step in steps:
            owner = playbook.roles.get(step.owner)
            style: dict[str, object] = {}
            if step.sales_preview:
                style = {"fillcolor": "#fef9c3", "color": "#a16207", "penwidth": 2}
            label = _wrap(step.name, 26) + \
                f"\\n{escape_label(when(step.offset, step.time, step.timezone))}"
            if owner:
                label += f"\\n{_wrap(owner.name, 26)}"
            lines.append(f"    {_node_id('step', sid)} " + _attrs(
                label=label, id=f"step-{sid}", tooltip=step.description or step.name,
                **{"class": ("preview" if step.sales_preview else "step")
                   + (" entry" if sid == first_step else "")}, **style) + ";")
        lines.append("  }")
    launch_label = "Launch" + (f"\\n{campaign.launch.isoformat()}" if campaign.launch else "")
    lines.append(f'  "launch" [label="{launch_label}", shape=diamond, style=filled, '
                 'fillcolor="#4f46e5", fontcolor="white", class="launch"];')
    depended_on = {dep for s in campaign.steps.values() if s.phase == "planning"
                   for dep in s.depends_on}
    for sid, step in campaign.steps.items():
        for dep in step.depends_on:
            if dep in campaign.steps:
                lines.append(f"  {_node_id('step', dep)} -> {_node_id('step', sid)};")
        if step.phase == "planning" and sid not in depended_on:
            lines.append(f'  {_node_id("step", sid)} -> "launch" [style=dotted];')
    # emails in the order they are sent, one below the other from the launch
    previous = '"launch"'
    for i, email in sorted(enumerate(campaign.emails),
                           key=lambda item: (item[1].send, item[1].time or "", item[0])):
        template = playbook.templates.get(email.template)
        name = template.name if template else email.template
        lines.append(f'  "email_{i}" ' + _attrs(
            label=f"✉ {_wrap(name, 24)}\\n"
                  f"{escape_label(when(email.send, email.time, email.timezone))}",
            shape="note", fillcolor="#f0f9ff", color="#0369a1", id=f"email-{i}",
            URL=template_url(email.template) if template_url and template else None,
            target="_top" if template_url and template else None,
            **{"class": "email"}) + ";")
        lines.append(f'  {previous} -> "email_{i}" [style=dotted];')
        previous = f'"email_{i}"'
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- rendering


class DiagramError(Exception):
    """Graphviz is missing or failed: an environment problem, said in plain words."""


class DiagramTimeout(DiagramError):
    """`dot` ran past its time: laying the same graphs out again one by one would only
    take as long again."""


# Part of every cache key: bump it when clean_svg changes what it makes of dot's output.
SVG_FORMAT = 5


class DiagramRenderer:
    """Renders DOT to SVG once per distinct source, batching work into one `dot` process."""

    def __init__(self, cache_dir: Path | None, dot_binary: str = "dot", timeout: float = 120,
                 checked: frozenset[str] = frozenset()):
        self.cache_dir = cache_dir
        # digests of SVG files that passed `check_svg` in an earlier build (the build
        # cache's, `Session`): a file of the cache folder with one of them is not checked
        # again; `passed` are the digests of the files that passed or were known in this one
        self.checked = checked
        self.passed: set[str] = set()
        self.dot_binary = dot_binary
        self.timeout = timeout
        self.rendered = 0  # graphs laid out by dot
        self.cache_hits = 0
        self.processes = 0  # dot processes started
        self.seconds = 0.0  # time spent in render_many, cache lookups and dot included
        self._memory: dict[str, bytes] = {}
        self._version: str | None = None

    def version(self) -> str:
        """dot's version, part of every cache key. Asking dot costs a process on every
        build, so the answer is kept in the cache beside the binary's size and mtime."""
        if self._version is None:
            binary = shutil.which(self.dot_binary)
            try:
                stat = os.stat(binary) if binary else None
            except OSError:
                stat = None
            stamp = f"{binary}\t{stat.st_size}\t{stat.st_mtime_ns}" if stat else None
            cache = self._cache()
            record = cache / "dot-version.txt" if cache else None
            if record is not None and stamp is not None:
                try:
                    kept_stamp, kept = record.read_text(encoding="utf-8").split("\n", 1)
                    if kept_stamp == stamp and kept:
                        self._version = kept
                        return kept
                except (OSError, ValueError, UnicodeDecodeError):
                    pass  # no record, or a damaged one: ask dot
            out = self._run(["-V"], b"")
            self._version = out.decode("utf-8", "replace").strip() or "unknown"
            if record is not None and stamp is not None:
                self._write(record, f"{stamp}\n{self._version}".encode())
        return self._version

    def _run(self, args: list[str], stdin: bytes) -> bytes:
        self.processes += 1
        try:
            proc = subprocess.run([self.dot_binary, *args], input=stdin, capture_output=True,
                                  timeout=self.timeout)
        except FileNotFoundError:
            raise DiagramError("Graphviz's `dot` was not found: install graphviz "
                               "(`apt-get install graphviz`, `brew install graphviz`) and "
                               "try again") from None
        except subprocess.TimeoutExpired:
            raise DiagramTimeout(f"Graphviz's `dot` took more than {self.timeout:g} s; a "
                                 "diagram may be too large") from None
        except OSError as exc:
            raise DiagramError(f"Graphviz's `dot` could not be started: {exc}") from None
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip()
            raise DiagramError(f"Graphviz's `dot` failed: {message or 'no message'}")
        # `dot -V` writes its version to stderr
        return proc.stdout if args != ["-V"] else proc.stderr

    def _cache(self) -> Path | None:
        """The cache folder, or None (no cache) when it or its parent (`.cache`) is a
        symbolic link: whoever can write the project could point it anywhere, and the
        cache never writes outside the project."""
        if self.cache_dir is None:
            return None
        if self.cache_dir.is_symlink() or self.cache_dir.parent.is_symlink():
            return None
        return self.cache_dir

    def _key(self, source: str) -> str:
        return hashlib.sha256(f"{SVG_FORMAT}\n{self.version()}\n{source}".encode()).hexdigest()

    def _cached(self, key: str) -> bytes | None:
        if key in self._memory:
            return self._memory[key]
        cache = self._cache()
        if cache is not None:
            path = cache / f"{key}.svg"
            try:
                data = path.read_bytes()
                # Anyone who can write the cache folder can plant a file there: it is
                # checked as dot's own output is (unless these very bytes passed in an
                # earlier build), and drawn again when it fails.
                passed = svg_digest(data)
                if passed not in self.checked:
                    check_svg(data.decode("utf-8").rstrip("\n"))
            except (OSError, UnicodeDecodeError, UnsafeSVG):
                return None
            self.passed.add(passed)
            self._memory[key] = data
            return data
        return None

    def _store(self, key: str, svg: bytes) -> None:
        self._memory[key] = svg
        self.passed.add(svg_digest(svg))  # dot's output, checked by `clean_svg`
        cache = self._cache()
        if cache is not None:
            self._write(cache / f"{key}.svg", svg)

    def _write(self, path: Path, data: bytes) -> None:
        """Write a cache file whole or not at all."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs speed

    def render_many(self, dots: Mapping[str, str]) -> dict[str, bytes]:
        """SVG for each DOT source, by the same keys."""
        started = time.perf_counter()
        try:
            return self._render_many(dots)
        finally:
            self.seconds += time.perf_counter() - started

    def _render_many(self, dots: Mapping[str, str]) -> dict[str, bytes]:
        keys = {name: self._key(source) for name, source in dots.items()}
        todo: dict[str, str] = {}
        for name, source in dots.items():
            if self._cached(keys[name]) is not None:
                self.cache_hits += 1
            else:
                todo.setdefault(keys[name], source)
        if todo:
            for key, svg in zip(todo, self._render_batch(list(todo.values())), strict=True):
                self._store(key, svg)
            self.rendered += len(todo)
        return {name: self._memory[keys[name]] for name in dots}

    def render(self, dot: str) -> bytes:
        return self.render_many({"graph": dot})["graph"]

    def _render_batch(self, sources: list[str]) -> list[bytes]:
        if len(sources) == 1:
            return [self._render_one(sources[0])]
        try:
            out = self._run(["-Tsvg"], "".join(sources).encode("utf-8"))
            parts = _split_svgs(out)
            if len(parts) == len(sources):
                return [clean_svg(p) for p in parts]
        except DiagramTimeout:
            raise
        except DiagramError:
            pass
        # one graph broke the batch: render one by one so the error names it
        return [self._render_one(s) for s in sources]

    def _render_one(self, source: str) -> bytes:
        out = self._run(["-Tsvg"], source.encode("utf-8"))
        try:
            return clean_svg(out)
        except DiagramError as exc:
            if (first := source.split("\n", 1)[0]).startswith("digraph "):
                raise DiagramError(f"diagram {first[8:].rstrip(' {')}: {exc}") from None
            raise


def svg_digest(data: bytes) -> str:
    """What names an SVG file's bytes among those that passed the check."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _split_svgs(output: bytes) -> list[bytes]:
    starts = [m.start() for m in re.finditer(rb"<\?xml", output)]
    if not starts:
        return []
    return [output[a:b] for a, b in zip(starts, [*starts[1:], len(output)], strict=True)]


_CLUSTER_START = re.compile(r'<g id="[^"]*?clust(\d+)" class="cluster">')
_FIRST_NODE_OR_EDGE = re.compile(r'<g id="[^"]*" class="(?:node|edge)\b[^"]*">')


def _clusters_in_order(text: str) -> str:
    """Clusters in the order of their numbers (dot numbers them in the graph's order).

    dot emits a graph's clusters in the order of their names' addresses in memory: the same
    in every run for the first graph a process reads, but not for the later graphs of a
    batch. The layout is the same either way; sorting makes the bytes the same too.
    """
    starts = list(_CLUSTER_START.finditer(text))
    if len(starts) < 2:
        return text
    end = _FIRST_NODE_OR_EDGE.search(text, starts[-1].end())
    if end is None:
        return text
    ends = [m.start() for m in starts[1:]] + [end.start()]
    blocks = sorted((int(m[1]), text[m.start():stop]) for m, stop in zip(starts, ends, strict=True))
    return text[:starts[0].start()] + "".join(block for _, block in blocks) + text[end.start():]


def clean_svg(svg: bytes) -> bytes:
    """An SVG ready to inline in HTML: no prolog, no comments, scales to its container.

    Raises DiagramError unless the result is a safe SVG diagram (see `svgcheck`).
    """
    try:
        text = svg.decode("utf-8")
    except UnicodeDecodeError:
        raise DiagramError(_REFUSED + "it is not UTF-8 text") from None
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    text = re.sub(r"<!--.*?-->\s*", "", text, flags=re.S)
    # No id on the graph's group: dot calls it graph0, or page0,1_graph0 for the later graphs
    # of a batch, and a page showing several diagrams would repeat it.
    text = re.sub(r'<g id="(?:page\d+,\d+_)?graph\d+" class="graph"', '<g class="graph"', text,
                  count=1)
    text = _clusters_in_order(text)
    text = re.sub(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"', r"\1", text, count=1)
    text = re.sub(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"', r"\1", text, count=1)
    # SVG 2 links (`href`, not `xlink:href`): HTML tools treat them like any other link,
    # e.g. the print page turns them into jumps within itself.
    text = text.replace("<a xlink:href=", "<a href=").strip()
    try:
        check_svg(text)
    except UnsafeSVG as exc:
        raise DiagramError(_REFUSED + str(exc)) from None
    return text.encode("utf-8") + b"\n"


_REFUSED = ("Graphviz's `dot` printed something that is not a safe SVG diagram, so it is "
            "not put in the site (check which `dot` is first on PATH): ")
