"""`playbook export asana|trello`: every campaign step with its section, assignee, due date and
dependencies, read back with the csv module and checked against each tool's format."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from helpers import EXAMPLE

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main

VENDOR = Path(__file__).parent / "vendor"
# The column names Asana's CSV importer maps to task fields by itself (Asana Help, "CSV
# importer": Name, Description, Section, Assignee as a user's email, Due Date; dependencies
# as in Asana's own CSV export, "Blocked By (Dependencies)").
ASANA_HEADER = ["Name", "Description", "Section/Column", "Assignee", "Due Date",
                "Blocked By (Dependencies)"]
PHASES = {"planning": "Planning", "execution": "Execution", "optimization": "Optimization"}


@pytest.fixture(scope="module")
def example():
    return validate(EXAMPLE).playbook


def business_days(start: date, offset: int, holidays: set[date]) -> date:
    """Counted here independently of the code under test: Monday to Friday, no holidays."""
    day, step = start, (1 if offset >= 0 else -1)
    for _ in range(abs(offset)):
        day += timedelta(days=step)
        while day.weekday() > 4 or day in holidays:
            day += timedelta(days=step)
    return day


def test_asana_csv_has_every_step_with_its_due_date(tmp_path, example) -> None:
    out = tmp_path / "asana"
    assert main(["export", "asana", str(EXAMPLE), "--out", str(out)]) == 0
    holidays = set(example.sla.business_hours.holidays)
    assert sorted(p.name for p in out.iterdir()) == sorted(  # with the list of what was written
        [*(f"{c}.csv" for c in example.campaigns), ".playbook-manifest.json"])
    for cid, campaign in example.campaigns.items():
        with (out / f"{cid}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ASANA_HEADER
        tasks = {row[0]: dict(zip(ASANA_HEADER, row, strict=True)) for row in rows[1:]}
        assert len(rows) - 1 == len(campaign.steps) == len(tasks)
        dues = []
        for step in campaign.steps.values():
            task = tasks[step.name]
            assert task["Section/Column"] == PHASES[step.phase]
            assert task["Assignee"] == example.roles[step.owner].email
            due = business_days(campaign.launch, step.offset, holidays)
            assert task["Due Date"] == due.strftime("%m/%d/%Y")  # as Asana's help says
            dues.append(due)
            assert task["Blocked By (Dependencies)"] == ",".join(
                campaign.steps[d].name for d in step.depends_on)
            assert f"Owner: {example.roles[step.owner].name}." in task["Description"]
        listed = [datetime.strptime(tasks[r[0]]["Due Date"], "%m/%d/%Y").date() for r in rows[1:]]
        assert listed == sorted(dues)


def test_trello_board_matches_trello_objects_with_every_step(tmp_path, example) -> None:
    out = tmp_path / "trello"
    assert main(["export", "trello", str(EXAMPLE), "--out", str(out)]) == 0
    schema = json.loads((VENDOR / "trello" / "board.schema.json").read_text())
    holidays = set(example.sla.business_hours.holidays)
    for cid, campaign in example.campaigns.items():
        board = json.loads((out / f"{cid}.json").read_text())
        jsonschema.Draft202012Validator(schema).validate(board)
        lists = {entry["id"]: entry["name"] for entry in board["lists"]}
        members = {m["id"]: m["email"] for m in board["members"]}
        cards = {card["name"]: card for card in board["cards"]}
        assert len(cards) == len(campaign.steps)
        for step in campaign.steps.values():
            card = cards[step.name]
            assert lists[card["idList"]] == PHASES[step.phase]
            assert [members[m] for m in card["idMembers"]] == [example.roles[step.owner].email]
            due = business_days(campaign.launch, step.offset, holidays)
            # at the step's time of day, else at the end of the business day
            at = time(*map(int, step.time.split(":"))) if step.time else time(17, 30)
            end = datetime.combine(due, at, ZoneInfo("America/New_York"))
            assert datetime.fromisoformat(card["due"]) == end
            for dep in step.depends_on:
                assert campaign.steps[dep].name in card["desc"]
            assert bool(card["idLabels"]) == step.sales_preview
        assert all(card["idBoard"] == board["id"] for card in board["cards"])


def asana_links(rows: list[list[str]]) -> list[tuple[str, str]]:
    """The dependencies Asana makes of a CSV, read by its documented rules: the names in
    "Blocked By" split on commas, each matched to the task of that name in a row above."""
    above: set[str] = set()
    links = []
    for row in rows[1:]:
        name, blocked = row[0], row[5]
        for wanted in filter(None, blocked.split(",")):
            if wanted in above:
                links.append((wanted, name))
        above.add(name)
    return links


def test_every_dependency_survives_asanas_reading(tmp_path, example) -> None:
    out = tmp_path / "a"
    assert main(["export", "asana", str(EXAMPLE), "--out", str(out)]) == 0
    for cid, campaign in example.campaigns.items():
        with (out / f"{cid}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        wanted = {(campaign.steps[d].name, step.name)
                  for step in campaign.steps.values() for d in step.depends_on}
        assert wanted and set(asana_links(rows)) == wanted, cid


def test_a_step_name_asana_would_split_is_an_error(tmp_path, capsys) -> None:
    import shutil

    defs = tmp_path / "defs"
    shutil.copytree(EXAMPLE, defs)
    path = defs / "campaigns" / "retention_webinar.yaml"
    text = path.read_text().replace(
        "name: Write the invitation and reminder emails and the recording email",
        "name: Write the invitation, reminder and recording emails")
    path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "Write the invitation" in t)
    assert main(["export", "asana", str(defs), "--out", str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert f"retention_webinar.yaml:{line}:11: error: campaign 'retention_webinar' step " \
        "'emails' is named 'Write the invitation, reminder and recording emails'" in err
    assert not (tmp_path / "a").exists()


def test_the_trello_schema_rejects_a_card_without_a_list() -> None:
    schema = json.loads((VENDOR / "trello" / "board.schema.json").read_text())
    card = {"id": "0" * 24, "name": "x", "desc": "", "closed": False, "idBoard": "0" * 24,
            "pos": 1, "idMembers": [], "idLabels": [], "due": None, "dueComplete": False}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(
            {"id": "0" * 24, "name": "b", "desc": "", "closed": False, "lists": [],
             "cards": [card], "members": [], "labels": []})


def test_a_role_email_must_be_an_email(tmp_path, capsys) -> None:
    import shutil

    defs = tmp_path / "defs"
    shutil.copytree(Path(__file__).parent / "fixtures" / "minimal", defs)
    team = defs / "team.yaml"
    text = team.read_text()
    first_role = text.index("    name:", text.index("roles:"))
    team.write_text(text[:first_role] + "    email: not an email\n" + text[first_role:])
    assert main(["export", "asana", str(defs), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "team.yaml:" in err and "email" in err
    assert not (tmp_path / "out").exists()
