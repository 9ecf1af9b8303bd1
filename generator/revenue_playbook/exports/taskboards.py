"""Campaign steps as task boards: an Asana CSV import and a Trello board (JSON).

Each campaign is a project (Asana) or a board (Trello); its phases (planning, execution,
optimization) are the sections or lists; each step is a task or card with its owner (the
role's `email`, when the playbook gives one), when it is due (`campaign_time`, as the
calendars say: business days from launch on the SLA's business calendar, at the step's time
of day in its time zone, else the campaign's) and the steps it waits for.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.resources
import io
import json
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from ..definitions.businesstime import Calendar
from ..definitions.campaign_time import Moment, step_moment
from ..definitions.model import Campaign, Playbook
from ..definitions.wording import count
from ..safety.encoders import csv_cell, json_clean
from .base import Output, Problem, at

PHASES = {"planning": "Planning", "execution": "Execution", "optimization": "Optimization"}

# Asana's CSV importer maps these column names to task fields without manual mapping
# (Asana Help, "CSV importer"). Its documented rules: dates as mm/dd/yyyy; a task's
# dependencies name the tasks it waits for, separated by commas, each in a row above it.
ASANA_COLUMNS = ["Name", "Description", "Section/Column", "Assignee", "Due Date",
                 "Blocked By (Dependencies)"]


@dataclass(frozen=True)
class Task:
    step_id: str
    name: str
    section: str
    owner: str  # role name
    assignee: str  # email, or "" when the role has none
    when: Moment | None  # None while the campaign has no launch date
    offset: int
    depends_on: list[str]  # step names
    description: str

    @property
    def due(self) -> date | None:
        return self.when.day if self.when else None


def _when(offset: int, at: Moment | None) -> str:
    if offset == 0:
        day = "launch day"
    else:
        days = count(abs(offset), "business day")
        day = f"{days} {'before' if offset < 0 else 'after'} launch"
    return f"{day}, at {at.words('time')}" if at is not None and at.clock else day


def tasks(playbook: Playbook, cid: str) -> list[Task]:
    """A campaign's steps by due date (then by phase), each with what it waits for."""
    campaign: Campaign = playbook.campaigns[cid]
    calendar = Calendar.of(playbook)
    out = []
    order = list(PHASES)
    steps = sorted(campaign.steps.items(),
                   key=lambda item: (item[1].offset, order.index(item[1].phase)))
    for sid, step in steps:
        role = playbook.roles.get(step.owner)
        when = step_moment(playbook, campaign, calendar, sid)
        lines = [f"Due {_when(step.offset, when)}."]
        if role:
            lines.append(f"Owner: {role.name}.")
        if step.sales_preview:
            lines.append("Sales preview: sales reviews every email before launch.")
        if step.description:
            lines.append(step.description.strip())
        out.append(Task(
            sid, step.name, PHASES[step.phase], role.name if role else step.owner,
            (getattr(role, "email", None) or "") if role else "", when, step.offset,
            [campaign.steps[d].name for d in step.depends_on if d in campaign.steps],
            "\n".join(lines)))
    return out


def predecessors_first(listed: list[Task], playbook: Playbook, cid: str) -> list[Task]:
    """The tasks in their order, each moved below every task it waits for (Asana links a
    dependency only to a task in a row above)."""
    steps = playbook.campaigns[cid].steps
    by_id = {task.step_id: task for task in listed}
    placed: list[Task] = []
    done: set[str] = set()

    def place(task: Task, seen: frozenset[str]) -> None:
        if task.step_id in done or task.step_id in seen:  # a cycle is PB604's to report
            return
        for dep in steps[task.step_id].depends_on:
            if dep in by_id:
                place(by_id[dep], seen | {task.step_id})
        done.add(task.step_id)
        placed.append(task)

    for task in listed:
        place(task, frozenset())
    return placed


def asana_csv(playbook: Playbook, cid: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ASANA_COLUMNS)
    for task in predecessors_first(tasks(playbook, cid), playbook, cid):
        writer.writerow([csv_cell(cell) for cell in (
            task.name, task.description, task.section, task.assignee,
            task.due.strftime("%m/%d/%Y") if task.due else "", ",".join(task.depends_on))])
    return buffer.getvalue().encode("utf-8")


def _due_moment(playbook: Playbook, when: Moment) -> str:
    """When the step is due, in UTC as Trello writes times: its time of day, else the end
    of the business day (Trello stores instants: with no time zone stated, in UTC)."""
    hours = playbook.business_hours
    due = when.deadline(hours.end if hours else None).astimezone(UTC)
    return due.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _id(*parts: str) -> str:
    """A stable 24-hex-digit id, the shape of Trello's object ids."""
    return hashlib.sha1("/".join(parts).encode("utf-8")).hexdigest()[:24]


def trello_board(playbook: Playbook, cid: str) -> bytes:
    """The campaign as a Trello board in the shape of Trello's board JSON (the board, its
    lists, cards, members and labels, as Trello's REST API and its JSON export name them)."""
    campaign = playbook.campaigns[cid]
    board_id = _id(cid)
    lists = [{"id": _id(cid, "list", phase), "name": title, "closed": False,
              "idBoard": board_id, "pos": (i + 1) * 16384}
             for i, (phase, title) in enumerate(PHASES.items())]
    list_of = {entry["name"]: entry["id"] for entry in lists}
    members: dict[str, dict[str, Any]] = {}
    label = {"id": _id(cid, "label", "preview"), "idBoard": board_id,
             "name": "Sales preview", "color": "orange"}
    cards = []
    for pos, task in enumerate(tasks(playbook, cid), 1):
        step = campaign.steps[task.step_id]
        id_members = []
        if task.assignee:
            member = members.setdefault(task.assignee, {
                "id": _id("member", task.assignee), "fullName": task.owner,
                "username": task.assignee.split("@")[0], "email": task.assignee})
            id_members.append(member["id"])
        desc = task.description
        if task.depends_on:
            desc += "\n\nWaits for: " + ", ".join(task.depends_on)
        cards.append({
            "id": _id(cid, "card", task.step_id), "name": task.name, "desc": desc,
            "closed": False, "idBoard": board_id, "idList": list_of[task.section],
            "pos": pos * 16384, "idMembers": id_members,
            "idLabels": [label["id"]] if step.sales_preview else [],
            "due": _due_moment(playbook, task.when) if task.when else None,
            "dueComplete": False})
    board = {"id": board_id, "name": campaign.name, "desc": campaign.objective,
             "closed": False, "lists": lists, "cards": cards,
             "members": list(members.values()),
             "labels": [label] if any(s.sales_preview for s in campaign.steps.values())
             else []}
    return (json.dumps(json_clean(board), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def asana(playbook: Playbook) -> Output:
    out = Output()
    for cid, campaign in playbook.campaigns.items():
        out.files[f"{cid}.csv"] = asana_csv(playbook, cid)
        needed = {d for step in campaign.steps.values() for d in step.depends_on}
        for sid in sorted(needed & set(campaign.steps)):
            if "," in campaign.steps[sid].name:
                out.problems.append(Problem(
                    f"campaign '{cid}' step '{sid}' is named '{campaign.steps[sid].name}': "
                    "Asana reads the steps a task waits for as names separated by commas, so "
                    "the tasks waiting for it would lose the dependency",
                    at(campaign.steps[sid], "name"),
                    "Write the step's name without a comma (e.g. `and` or `;`)."))
        if campaign.launch is None:
            out.warnings.append(Problem(
                f"campaign '{cid}' has no launch date: its tasks have no due dates",
                at(campaign, key=True), "Set `launch:` to date every step."))
    return out


def trello(playbook: Playbook) -> Output:
    """A board file per campaign, and `create_board.py`: Trello imports no board file, so
    the script makes each board through Trello's documented REST calls."""
    out = Output()
    for cid in playbook.campaigns:
        out.files[f"{cid}.json"] = trello_board(playbook, cid)
    if playbook.campaigns:
        out.files["create_board.py"] = (
            importlib.resources.files(__package__) / "trello_board_script.py").read_bytes()
    return out
