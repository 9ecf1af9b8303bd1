#!/usr/bin/env python3
"""Create a Trello board from a board file that `playbook export trello` wrote.

Trello imports no board file, so this script makes the board through Trello's documented
REST API, one call at a time: POST /1/boards (without Trello's default lists), POST
/1/boards/{id}/labels, POST /1/lists, POST /1/cards, and PUT /1/boards/{id}/members to
invite each owner by email. Trello does not show a member's email, so owners are invited
to the board and named in each card's description rather than put on the card.

Usage (Python 3.9 or later, nothing to install):
    TRELLO_KEY=... TRELLO_TOKEN=... python3 create_board.py retention_webinar.json
Get a key and a token at https://trello.com/power-ups/admin (Trello's "API key" page).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
from typing import Any

API = os.environ.get("TRELLO_API", "https://api.trello.com")


def call(method: str, path: str, **params: Any) -> Any:
    """One REST call with the key and token as Trello documents them (query parameters)."""
    query = {"key": os.environ["TRELLO_KEY"], "token": os.environ["TRELLO_TOKEN"]}
    query.update({k: v for k, v in params.items() if v is not None})
    url = f"{API}/1/{path}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, method=method,
                                     headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def create(board: dict[str, Any]) -> str:
    made = call("POST", "boards/", name=board["name"], desc=board["desc"],
                defaultLists="false", defaultLabels="false")
    board_id = made["id"]
    labels = {label["id"]: call("POST", f"boards/{board_id}/labels", name=label["name"],
                                color=label["color"])["id"] for label in board["labels"]}
    lists = {entry["id"]: call("POST", "lists", name=entry["name"], idBoard=board_id,
                               pos=entry["pos"])["id"] for entry in board["lists"]}
    for card in board["cards"]:
        call("POST", "cards", idList=lists[card["idList"]], name=card["name"],
             desc=card["desc"], pos=card["pos"], due=card["due"],
             idLabels=",".join(labels[i] for i in card["idLabels"]) or None)
    for member in board["members"]:
        call("PUT", f"boards/{board_id}/members", email=member["email"],
             fullName=member["fullName"], type="normal")
    return str(made.get("url") or board_id)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not {"TRELLO_KEY", "TRELLO_TOKEN"} <= os.environ.keys():
        print(__doc__.split("Usage", 1)[1].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        board = json.load(handle)
    print(f"Created {board['name']!r}: {create(board)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
