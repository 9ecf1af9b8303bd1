"""What changed, as a Slack Block Kit message and a Teams Adaptive Card: parsed, validated
against the Adaptive Cards schema, within each platform's limits, and posted to a local
HTTP server (never to the internet) when a webhook is configured."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jsonschema
import pytest
from helpers import GIT_IDENTITY, MINIMAL, committed_repo, git

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.definitions.diff import diff_playbooks
from revenue_playbook.exports import chat
from revenue_playbook.safety.encoders import slack_mrkdwn

CARD_SCHEMA = json.loads((Path(__file__).parent / "vendor" / "adaptivecards" /
                          "adaptive-card-1.5.json").read_text())


def check_card(card: dict) -> None:
    jsonschema.Draft6Validator(CARD_SCHEMA).validate(card)


@pytest.fixture
def two_versions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(MINIMAL, old)
    shutil.copytree(MINIMAL, new)
    score = new / "scorecard.yaml"
    score.write_text(score.read_text().replace("target: 90", "target: 95"))
    sales = new / "sales.yaml"
    sales.write_text(sales.read_text().replace("Pain confirmed by the buyer",
                                               "Pain confirmed <b>by</b> the buyer & CFO"))
    return old, new


def test_diff_as_slack_and_teams_lists_every_change(two_versions, capsys) -> None:
    old, new = two_versions
    changes = diff_playbooks(validate(old).playbook, validate(new).playbook)
    assert len(changes) >= 2
    assert main(["diff", str(old), str(new), "--format", "slack",
                 "--link", "https://playbook.example/1.1/changes/"]) == 0
    slack = json.loads(capsys.readouterr().out)
    text = "\n".join(b["text"]["text"] for b in slack["blocks"] if b["type"] == "section")
    for change in changes:
        assert slack_mrkdwn(change.sentence()) in text
    assert "&lt;b&gt;by&lt;/b&gt; the buyer &amp; CFO" in text  # mrkdwn escaped
    assert slack["blocks"][-1]["elements"][0]["url"] == "https://playbook.example/1.1/changes/"

    assert main(["diff", str(old), str(new), "--format", "teams"]) == 0
    message = json.loads(capsys.readouterr().out)
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    check_card(attachment["content"])
    texts = [b.get("text") or "".join(i["text"] for i in b.get("inlines", []))
             for b in attachment["content"]["body"]]
    for change in changes:
        assert f"• {change.sentence()}" in texts


def test_the_card_schema_can_fail() -> None:
    with pytest.raises(jsonschema.ValidationError):
        check_card({"type": "AdaptiveCard", "version": "1.5",
                    "body": [{"type": "TextBlock", "wrap": "yes"}]})


def many_changes(n: int) -> list:
    from revenue_playbook.definitions.diff import Change

    return [Change("changed", "kpis", f"KPI 'k{i}'", "target", i, i + 1) for i in range(n)]


def test_long_change_lists_become_a_summary_within_the_limits() -> None:
    summary = chat.Summary("Playbook 2.0 published", many_changes(400),
                           "https://playbook.example/2.0/changes/")
    slack = chat.slack_message(summary)
    assert len(slack["blocks"]) <= chat.SLACK_MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= chat.SLACK_SECTION_MAX
               for b in slack["blocks"] if b["type"] == "section")
    assert "400 changes" in json.dumps(slack)
    assert slack["blocks"][-1]["elements"][0]["url"].endswith("/2.0/changes/")
    message = chat.teams_message(chat.teams_card(summary))
    check_card(message["attachments"][0]["content"])
    assert len(json.dumps(message).encode()) <= chat.TEAMS_MAX_BYTES
    assert "400 changes" in json.dumps(message)
    # a few long sentences also stay within the limits
    from revenue_playbook.definitions.diff import Change

    long = [Change("changed", "templates", "template 'x'", "body", "a" * 5000, "b" * 5000)]
    slack = chat.slack_message(chat.Summary("t" * 300, long))
    assert len(slack["blocks"][0]["text"]["text"]) <= chat.SLACK_HEADER_MAX
    assert all(len(b["text"]["text"]) <= chat.SLACK_SECTION_MAX
               for b in slack["blocks"] if b["type"] == "section")
    card = chat.teams_card(chat.Summary("t", long * 10))
    check_card(card)
    assert len(json.dumps(chat.teams_message(card)).encode()) <= chat.TEAMS_MAX_BYTES


class Receiver:
    """A webhook on 127.0.0.1 that records what it is sent and answers `status`."""

    def __init__(self, status: int = 200):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_announce_posts_to_each_configured_webhook() -> None:
    receiver = Receiver()
    try:
        summary = chat.Summary("Playbook 1.1 published", many_changes(3), None)
        lines = chat.announce(summary, {chat.SLACK_ENV: f"{receiver.url}/slack",
                                        chat.TEAMS_ENV: f"{receiver.url}/teams"})
    finally:
        receiver.close()
    assert lines == ["Posted what changed to Slack.", "Posted what changed to Teams."]
    assert [path for path, _ in receiver.received] == ["/slack", "/teams"]
    check_card(receiver.received[1][1]["attachments"][0]["content"])


def test_a_refused_or_unreachable_webhook_is_a_warning() -> None:
    receiver = Receiver(status=500)
    try:
        lines = chat.announce(chat.Summary("t", []), {chat.SLACK_ENV: receiver.url})
    finally:
        receiver.close()
    assert lines == ["warning: posting to Slack failed (HTTP 500 Internal Server Error); "
                     "the version is published"]
    receiver = Receiver()
    receiver.close()  # nothing listens on its port any more
    lines = chat.announce(chat.Summary("t", []), {chat.TEAMS_ENV: receiver.url})
    assert lines[0].startswith("warning: posting to Teams failed (")
    assert chat.announce(chat.Summary("t", []), {chat.SLACK_ENV: "file:///etc/passwd"}) == [
        "warning: PLAYBOOK_SLACK_WEBHOOK_URL is not an http(s) URL; nothing posted to Slack"]


@pytest.mark.slow
def test_publish_posts_what_changed_and_a_failed_post_keeps_the_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    repo = committed_repo(tmp_path, message="1.0")
    monkeypatch.chdir(repo)
    out = tmp_path / "www"
    assert main(["publish", "1.0", "--alias", "latest", "--to-dir", str(out)]) == 0
    score = repo / "process_defs" / "scorecard.yaml"
    score.write_text(score.read_text().replace("target: 90", "target: 95"))
    git(repo, "commit", "-qam", "raise the target")
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text() + "\nsite_url: https://playbook.example/\n")
    receiver, broken = Receiver(), Receiver(status=404)
    monkeypatch.setenv(chat.SLACK_ENV, receiver.url)
    monkeypatch.setenv(chat.TEAMS_ENV, broken.url)
    try:
        assert main(["publish", "1.1", "--alias", "latest", "--to-dir", str(out)]) == 0
    finally:
        receiver.close()
        broken.close()
    captured = capsys.readouterr()
    assert "Posted what changed to Slack." in captured.out
    assert "warning: posting to Teams failed (HTTP 404" in captured.err
    (_, slack), = receiver.received
    assert "target (90 → 95)" in json.dumps(slack, ensure_ascii=False)
    assert slack["blocks"][-1]["elements"][0]["url"] == "https://playbook.example/1.1/changes/"
    assert (out / "1.1" / "changes" / "index.html").is_file()
