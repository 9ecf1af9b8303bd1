"""The "What changed" summary as team-chat messages: a Slack Block Kit message and a
Microsoft Teams Adaptive Card, each within its platform's limits, posted to an incoming
webhook when one is configured.

Long change lists are cut to a summary (changes per area) with a link to the version's
"What changed" page. Posting never fails a publish: a refused or unreachable webhook is a
warning.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..definitions.diff import AREA_TITLES, Change
from ..definitions.wording import count
from ..safety.encoders import slack_mrkdwn, slack_plain, teams_text
from . import webhook

SLACK_ENV = "PLAYBOOK_SLACK_WEBHOOK_URL"
TEAMS_ENV = "PLAYBOOK_TEAMS_WEBHOOK_URL"
TIMEOUT_ENV = "PLAYBOOK_WEBHOOK_TIMEOUT"  # seconds for each post, all included

# Slack: at most 50 blocks a message, 3,000 characters in a section's text, 150 in a
# header (Block Kit reference, "Blocks" and "Section block").
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_MAX = 3000
SLACK_HEADER_MAX = 150
# Teams: an incoming webhook message may be at most about 28 KB (Microsoft Learn, "Create
# an Incoming Webhook", limits); we keep cards well under it.
TEAMS_MAX_BYTES = 24 * 1024
TEAMS_CARD_VERSION = "1.5"
LIST_MAX = 25  # changes listed one by one before the message becomes a summary


@dataclass(frozen=True)
class Summary:
    """What a message says: a title, the changes, and where to read all of them."""

    title: str
    changes: list[Change]
    link: str | None = None


def _by_area(changes: list[Change]) -> dict[str, list[Change]]:
    areas: dict[str, list[Change]] = {}
    for change in changes:
        areas.setdefault(change.area, []).append(change)
    return areas


def _counts(changes: list[Change]) -> list[str]:
    counted = Counter(c.area for c in changes)
    return [f"{AREA_TITLES.get(area, area)}: {count(n, 'change')}"
            for area, n in counted.items()]


def _cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters; never cut inside an escape (`&amp;`)."""
    if len(text) <= limit:
        return text
    kept = text[:limit - 1]
    amp = kept.rfind("&")
    if amp >= 0 and ";" not in kept[amp:]:
        kept = kept[:amp]  # half an escape would show as text
    return kept + "…"


def slack_message(summary: Summary, full: bool = True) -> dict[str, Any]:
    """A Block Kit message: header, one section per area (or a summary), a link button."""
    title = _cut(slack_plain(summary.title), SLACK_HEADER_MAX)
    blocks: list[dict[str, Any]] = [{"type": "header",
                                     "text": {"type": "plain_text", "text": title}}]
    if not summary.changes:
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": "No changes to the definitions."}})
    elif full and len(summary.changes) <= LIST_MAX:
        for area, changes in _by_area(summary.changes).items():
            lines = [f"*{slack_mrkdwn(AREA_TITLES.get(area, area))}*"]
            lines += [f"• {slack_mrkdwn(c.sentence())}" for c in changes]
            blocks.append({"type": "section", "text": {
                "type": "mrkdwn", "text": _cut("\n".join(lines), SLACK_SECTION_MAX)}})
    else:
        lines = [f"*{len(summary.changes)} changes*"] + [f"• {slack_mrkdwn(line)}"
                                                           for line in _counts(summary.changes)]
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": _cut("\n".join(lines), SLACK_SECTION_MAX)}})
    if summary.link:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "See what changed"},
            "url": summary.link}]})
    # the notification's text is mrkdwn too: a title must not ping the channel
    message = {"text": f"{slack_mrkdwn(summary.title)} ({len(summary.changes)} changes)",
               "blocks": blocks}
    if len(blocks) > SLACK_MAX_BLOCKS and full:
        return slack_message(summary, full=False)
    return message


def teams_card(summary: Summary, full: bool = True) -> dict[str, Any]:
    """An Adaptive Card: a title, the changes by area (or a summary), a link action.

    Text from the definitions goes into TextRuns, which Teams shows without reading
    Markdown: a stage named `[x](https://…)` is not a link."""
    body: list[dict[str, Any]] = [_rich(summary.title, weight="Bolder", size="Medium")]
    if not summary.changes:
        body.append({"type": "TextBlock", "text": "No changes to the definitions.",
                     "wrap": True})
    elif full and len(summary.changes) <= LIST_MAX:
        for area, changes in _by_area(summary.changes).items():
            body.append({"type": "TextBlock", "text": AREA_TITLES.get(area, area),
                         "weight": "Bolder", "wrap": True, "separator": True})
            body += [{**_rich(f"• {c.sentence()}"), "spacing": "None"} for c in changes]
    else:
        body.append({"type": "TextBlock", "text": f"{len(summary.changes)} changes",
                     "weight": "Bolder", "wrap": True})
        body.append({"type": "FactSet", "facts": [
            {"title": AREA_TITLES.get(area, area), "value": str(n)}
            for area, n in Counter(c.area for c in summary.changes).items()]})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": TEAMS_CARD_VERSION, "body": body}
    if summary.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "See what changed",
                            "url": summary.link}]
    if full and len(json.dumps(teams_message(card)).encode("utf-8")) > TEAMS_MAX_BYTES:
        return teams_card(summary, full=False)
    return card


def _rich(text: str, **style: str) -> dict[str, Any]:
    """A paragraph of plain text (a RichTextBlock of one TextRun, which has no Markdown)."""
    return {"type": "RichTextBlock",
            "inlines": [{"type": "TextRun", "text": teams_text(text), **style}]}


def teams_message(card: dict[str, Any]) -> dict[str, Any]:
    """The incoming-webhook envelope Teams takes for an Adaptive Card."""
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": card}]}


def payload(platform: str, summary: Summary) -> dict[str, Any]:
    if platform == "slack":
        return slack_message(summary)
    return teams_message(teams_card(summary))


def post(url: str, body: dict[str, Any], deadline: float = webhook.DEFAULT_DEADLINE) \
        -> str | None:
    """Send `body` to a webhook within `deadline` seconds in all; the reason it failed
    (never quoting the URL, which is a secret), or None when it was accepted."""
    return webhook.post_json(url, json.dumps(body).encode("utf-8"), deadline)


def deadline_from(environ: dict[str, str]) -> tuple[float, str | None]:
    """The post deadline from `PLAYBOOK_WEBHOOK_TIMEOUT` (seconds), with a warning when
    the value is not one we can use."""
    text = environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return webhook.DEFAULT_DEADLINE, None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= webhook.MAX_DEADLINE:
        return webhook.DEFAULT_DEADLINE, (
            f"warning: {TIMEOUT_ENV} is not a number of seconds from 0 to "
            f"{webhook.MAX_DEADLINE:g}; using {webhook.DEFAULT_DEADLINE:g}")
    return value, None


def announce(summary: Summary, environ: dict[str, str] | None = None) -> list[str]:
    """Post the summary to every webhook configured in the environment; one line per
    outcome ("posted to Slack", or a warning). Never raises, never prints a webhook URL,
    and each post ends within the deadline (`PLAYBOOK_WEBHOOK_TIMEOUT`, 10 s)."""
    environ = dict(os.environ) if environ is None else environ
    deadline, problem = deadline_from(environ)
    lines = [problem] if problem else []
    for platform, variable, name in (("slack", SLACK_ENV, "Slack"),
                                     ("teams", TEAMS_ENV, "Teams")):
        url = environ.get(variable, "").strip()
        if not url:
            continue
        try:
            webhook.endpoint(url)
        except webhook.BadURL as exc:
            reason = "is not an http(s) URL" if "http(s)" in str(exc) else \
                f"is not a valid URL ({exc})"
            lines.append(f"warning: {variable} {reason}; nothing posted to {name}")
            continue
        try:
            failure = post(url, payload(platform, summary), deadline)
        except Exception as exc:  # a post never fails a publish
            failure = f"unexpected error ({type(exc).__name__})"
        lines.append(f"warning: posting to {name} failed ({failure}); the version is "
                     "published" if failure else f"Posted what changed to {name}.")
    return lines
