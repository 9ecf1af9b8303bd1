"""Trello imports no board file: `playbook export trello` writes `create_board.py`, which
makes the board through Trello's documented REST calls. Run here as a user runs it, against
a local server that answers as those endpoints are documented (developer.atlassian.com,
Trello REST API: boards, labels, lists, cards, board members) and refuses what they refuse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import EXAMPLE

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main

COLOURS = {"green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink",
           "black"}  # a label's colours, as Trello documents them


class FakeTrello:
    def __init__(self) -> None:
        self.boards: dict[str, dict[str, Any]] = {}
        self.lists: dict[str, dict[str, Any]] = {}
        self.cards: list[dict[str, Any]] = []
        self.labels: dict[str, dict[str, Any]] = {}
        self.invited: list[dict[str, str]] = []
        self.calls: list[tuple[str, str]] = []
        self.n = 0

    def new_id(self) -> str:
        self.n += 1
        return f"{self.n:024x}"

    def answer(self, method: str, path: str, q: dict[str, str]) -> tuple[int, Any]:
        self.calls.append((method, path))
        if q.get("key") != "K" or q.get("token") != "T":
            return 401, "invalid key"
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["1", "boards"]:
            if not q.get("name"):
                return 400, "invalid value for name"
            board = {"id": self.new_id(), "name": q["name"], "desc": q.get("desc", ""),
                     "url": "https://trello.com/b/abc/board"}
            assert q.get("defaultLists") == "false"  # no To Do/Doing/Done beside ours
            self.boards[board["id"]] = board
            return 200, board
        if method == "POST" and len(parts) == 4 and parts[:2] == ["1", "boards"] \
                and parts[3] == "labels":
            if parts[2] not in self.boards or q.get("color") not in COLOURS or "name" not in q:
                return 400, "invalid label"
            label = {"id": self.new_id(), "idBoard": parts[2], "name": q["name"],
                     "color": q["color"]}
            self.labels[label["id"]] = label
            return 200, label
        if method == "POST" and parts == ["1", "lists"]:
            if q.get("idBoard") not in self.boards or not q.get("name"):
                return 400, "invalid value for idBoard"
            entry = {"id": self.new_id(), "name": q["name"], "idBoard": q["idBoard"],
                     "pos": float(q.get("pos", 0))}
            self.lists[entry["id"]] = entry
            return 200, entry
        if method == "POST" and parts == ["1", "cards"]:
            if q.get("idList") not in self.lists:
                return 400, "invalid value for idList"
            if q.get("due"):
                datetime.fromisoformat(q["due"].replace("Z", "+00:00"))
            labels = [i for i in q.get("idLabels", "").split(",") if i]
            if not all(i in self.labels for i in labels):
                return 400, "invalid value for idLabels"
            card = {"id": self.new_id(), **q, "idLabels": labels}
            self.cards.append(card)
            return 200, card
        if method == "PUT" and len(parts) == 4 and parts[3] == "members":
            if parts[2] not in self.boards or "@" not in q.get("email", ""):
                return 400, "invalid email"
            self.invited.append({"email": q["email"], "fullName": q.get("fullName", "")})
            return 200, {"id": parts[2], "members": []}
        return 404, "Cannot " + method + " " + path


@pytest.fixture
def trello() -> Iterator[tuple[FakeTrello, str]]:
    fake = FakeTrello()

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            status, body = fake.answer(self.command, url.path, query)
            data = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if status == 200 else
                             "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PUT = do_GET = handle_one

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_script(folder: Path, board: str, api: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRELLO_")}
    environment.update({"TRELLO_API": api, **env})
    return subprocess.run([sys.executable, str(folder / "create_board.py"),
                           str(folder / board)], capture_output=True, text=True,
                          env=environment, timeout=60, check=False)


def test_the_script_makes_every_campaign_step_a_card_through_the_rest_api(
        trello, tmp_path) -> None:
    fake, api = trello
    out = tmp_path / "trello"
    assert main(["export", "trello", str(EXAMPLE), "--out", str(out)]) == 0
    playbook = validate(EXAMPLE).playbook
    campaign = playbook.campaigns["retention_webinar"]
    done = run_script(out, "retention_webinar.json", api, TRELLO_KEY="K", TRELLO_TOKEN="T")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Created {campaign.name!r}: https://trello.com/b/abc/board\n"
    (board,) = fake.boards.values()
    assert board["name"] == campaign.name
    lists = sorted(fake.lists.values(), key=lambda e: e["pos"])
    assert [e["name"] for e in lists] == ["Planning", "Execution", "Optimization"]
    phase_of = {e["id"]: e["name"].lower() for e in lists}
    exported = json.loads((out / "retention_webinar.json").read_text())
    due_of = {c["name"]: c["due"] for c in exported["cards"]}
    cards = {c["name"]: c for c in fake.cards}
    assert set(cards) == {step.name for step in campaign.steps.values()}
    for step in campaign.steps.values():
        card = cards[step.name]
        assert phase_of[card["idList"]] == step.phase
        assert card["due"] == due_of[step.name]
        for dep in step.depends_on:
            assert campaign.steps[dep].name in card["desc"]  # Trello has no dependencies
        preview = [fake.labels[i]["name"] for i in card["idLabels"]]
        assert preview == (["Sales preview"] if step.sales_preview else [])
    owners = {playbook.roles[s.owner].email for s in campaign.steps.values()} - {""}
    assert {m["email"] for m in fake.invited} == owners


def test_the_script_needs_a_key_and_a_token(trello, tmp_path) -> None:
    fake, api = trello
    out = tmp_path / "trello"
    assert main(["export", "trello", str(EXAMPLE), "--out", str(out)]) == 0
    done = run_script(out, "retention_webinar.json", api)
    assert done.returncode == 2 and "TRELLO_KEY" in done.stderr and not fake.calls
