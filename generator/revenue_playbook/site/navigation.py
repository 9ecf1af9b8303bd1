"""The navigation of the generated pages, MkDocs-style (a list of {title: path or list}).

A section with more than NAV_FLAT_MAX entries is split into groups (stages by process,
emails by what sends them, campaigns by launch quarter). Material renders every visible
entry of the current tab on each page, so a flat list of N pages costs N * N; nested
groups stay collapsed, and `navigation.prune` leaves them out of every page but their own.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from markupsafe import escape

from ..definitions.model import Campaign, Playbook
from .indexes import Usage

NAV_FLAT_MAX = 30  # entries a nav section lists flat before it is split into groups


def with_hand_written(nav: list[Any], generated: Collection[str],
                      docs_dir: Path) -> list[Any]:
    """`nav` with every hand-written page of `docs_dir` (a `.md` file that is not one of
    the `generated` paths) added to its last section, the reference tab, titled by its
    first `# heading` (a hand-written title is the author's HTML: not escaped)."""
    nav = [dict(section) for section in nav]
    extra = []
    for path in sorted(docs_dir.rglob("*.md")):
        rel = path.relative_to(docs_dir).as_posix()
        if rel not in generated:
            extra.append({_page_title(path): rel})
    if extra:
        reference = nav[-1]
        key = next(iter(reference))
        reference[key] = [*reference[key], *extra]
    return nav


def _page_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("_", " ").replace("-", " ").capitalize()


def nav_title(name: str) -> str:
    """A title for the nav: themes show nav titles as trusted HTML, so it is escaped."""
    return str(escape(name))


# Each section opens on a page of its own (Material's `navigation.indexes`): with
# `navigation.prune`, a section that is not the current one is drawn in the phone's drawer
# as a link to its first page, so that first page must be the section's overview, listing
# everything in it, and never one of its pages ("Team" opening the Scorecard).
SECTION_INDEXES = {"Sales process": "process/index.md", "Email templates": "emails/index.md",
                   "Campaigns": "campaigns/index.md", "Team": "team/index.md",
                   "For admins": "reference/index.md"}


def build_nav(pb: Playbook, pages: Collection[str], usage: dict[str, Usage]) -> list[Any]:
    """The nav of the generated pages (`pages`: their paths), titles escaped.

    Home and Today stand at the top level, so the phone's drawer opens on Home with every
    section one tap away; each section starts with its overview page. A data page another
    part adds joins its section by appending to the lists below."""
    processes = [(p.name, [{nav_title(s.name): f"stages/{sid}.md"}
                           for sid, s in p.stages.items()])
                 for p in pb.processes.values()]
    sales: list[Any] = [{"Sales process": "process/index.md"}]
    if len(processes) == 1:
        sales += processes[0][1]
    elif sum(len(stages) for _, stages in processes) <= NAV_FLAT_MAX:
        sales += [{nav_title(name): stages} for name, stages in processes if stages]
    else:
        sales.append({"Stages by process": [{nav_title(name): stages}
                                            for name, stages in processes if stages]})
    sales.append({"Lead lifecycle": "lifecycle.md"})
    if "sla.md" in pages:
        sales.append({"Response times (SLA)": "sla.md"})

    emails: list[Any] = [{"Email templates": "emails/index.md"}]
    emails += _list_pages(pages, "emails/list/", "All templates")
    emails += _grouped(template_groups(pb, usage), "Templates by use")
    campaigns: list[Any] = [{"Campaigns": "campaigns/index.md"},
                            {"Calendar": "calendar.md"}]
    campaigns += _grouped(campaign_groups(pb), "Campaigns by launch")

    team: list[Any] = [{"Team": "team/index.md"}, {"Scorecard": "scorecard.md"}]
    if "meeting.md" in pages:
        team.append({"Revenue meeting": "meeting.md"})
    team.append({"Roles": "roles.md"})
    my_days = [{nav_title(pb.roles[path[len("my-day/"):-3]].name): path}
               for path in pages if path.startswith("my-day/")]
    if my_days:
        team.append({"Schedules by role": my_days})
    actuals = [{title: path} for title, path in (
        ("Scorecard actuals", "actuals/index.md"), ("SLA compliance", "actuals/sla.md"),
        ("Playbook vs reality", "actuals/reality.md"),
        ("Weekly meeting pack", "actuals/meeting-pack.md"),
        ("Stale deals by name", "actuals/records.md")) if path in pages]
    if actuals:
        team.append({"Actuals": actuals})
    team.append({"Alignment": "alignment.md"})
    admins: list[Any] = [{"For admins": "reference/index.md"},
                         {"Downloads": "downloads/index.md"},
                         {"Definition format": "reference/format.md"},
                         {"Validation rules": "reference/rules.md"}]

    tabs: list[Any] = [{"Home": "index.md"}]
    if "today.md" in pages:
        tabs.append({"Today": "today.md"})
    if "changes.md" in pages:
        tabs.append({"What changed": "changes.md"})
    # a section the playbook leaves out has no tab (no "Campaigns" without campaigns)
    for title, entries in (("Sales process", sales), ("Email templates", emails),
                           ("Campaigns", campaigns), ("Team", team), ("For admins", admins)):
        if SECTION_INDEXES[title] not in pages:
            continue
        kept = [entry for entry in entries if _present(entry, pages)]
        if kept:
            tabs.append({title: kept})
    return tabs


def _list_pages(pages: Collection[str], folder: str, title: str) -> list[Any]:
    """The further pages of a list split over several (see `pages.list_pages`; the first
    is the section's index), as one group: "All templates" > "Page 2", "Page 3"..."""
    numbers = sorted(int(path[len(folder):-3]) for path in pages
                     if path.startswith(folder) and path[len(folder):-3].isdigit())
    if not numbers:
        return []
    return [{title: [{f"Page {n}": f"{folder}{n}.md"} for n in numbers]}]


def _present(entry: Any, pages: Any) -> bool:
    """A nav entry whose page (or one of whose pages) is built."""
    value = next(iter(entry.values())) if isinstance(entry, dict) else entry
    if isinstance(value, str):
        return value in pages
    return any(_present(item, pages) for item in value)


def template_groups(pb: Playbook, usage: dict[str, Usage]) -> list[tuple[str, list[Any]]]:
    """Templates grouped by what sends them first (a process, cadence or campaign)."""
    groups: dict[str, list[Any]] = {}
    first_use = {tid: uses[0][1] for tid, uses in usage.items()}
    names = {f"stages/{sid}.md": p.name for p in pb.processes.values() for sid in p.stages}
    # campaign emails by campaign, or by launch quarter when campaigns are many
    by_quarter = len(pb.campaigns) > NAV_FLAT_MAX
    names |= {f"campaigns/{cid}.md": f"Campaigns {_quarter(c)}" if by_quarter else c.name
              for cid, c in pb.campaigns.items()}
    for tid, template in sorted(pb.templates.items(), key=lambda item: item[1].name.lower()):
        page = first_use.get(tid)
        group = names.get(page or "", "Lead follow-up" if page == "sla.md" else "Not used yet")
        groups.setdefault(group, []).append({nav_title(template.name): f"emails/{tid}.md"})
    return sorted(groups.items(), key=lambda item: (item[0] == "Not used yet", item[0]))


def campaign_groups(pb: Playbook) -> list[tuple[str, list[Any]]]:
    """Campaigns grouped by the quarter they launch in."""
    groups: dict[str, list[Any]] = {}
    for cid, campaign in pb.campaigns.items():
        groups.setdefault(_quarter(campaign), []).append(
            {nav_title(campaign.name): f"campaigns/{cid}.md"})
    return sorted(groups.items())


def _grouped(groups: list[tuple[str, list[Any]]], title: str) -> list[Any]:
    """A flat list when it is short, else one collapsed group per key under `title`."""
    entries = [entry for _, items in groups for entry in items]
    if len(entries) <= NAV_FLAT_MAX or len(groups) == 1:
        return sorted(entries, key=lambda item: next(iter(item)).lower())
    return [{title: [{nav_title(name): items} for name, items in groups]}]


def _quarter(campaign: Campaign) -> str:
    launch = campaign.launch
    return f"{launch.year} Q{(launch.month - 1) // 3 + 1}" if launch else "not dated"
