"""Campaign emails are shown with the campaign's own values: the webinar's real date and
time, its landing page and title; only per-recipient fields show samples, marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.definitions.campaign_time import step_moment
from revenue_playbook.definitions.campaign_values import email_values, render_email

REAL_DATE = "Monday 23 November 2026 at 11:00 EST"


@pytest.fixture(scope="module")
def example():  # type: ignore[no-untyped-def]
    return validate(ROOT / "process_defs").playbook


def test_the_webinar_step_has_a_business_day_date_and_a_time(example) -> None:  # type: ignore[no-untyped-def]
    campaign = example.campaigns["retention_webinar"]
    calendar = Calendar(example.sla.business_hours)
    when = step_moment(example, campaign, calendar, "webinar")
    # launch Monday 2026-11-09, 10 business days later is Monday 2026-11-23 (no holiday
    # in between: Thanksgiving is the 26th)
    assert when is not None and when.day.isoformat() == "2026-11-23"
    assert when.words() == REAL_DATE
    assert when.words("date") == "Monday 23 November 2026"
    assert when.words("time") == "11:00 EST"


def test_reminder_values_come_from_the_campaign(example) -> None:  # type: ignore[no-untyped-def]
    campaign = example.campaigns["retention_webinar"]
    reminder = next(e for e in campaign.emails if e.template == "webinar_reminder")
    template = example.templates["webinar_reminder"]
    values = email_values(example, campaign, reminder, template,
                          Calendar(example.sla.business_hours))
    assert values.values["webinar_date"] == REAL_DATE
    assert values.values["webinar_title"] == "Features that keep customers"
    # per recipient: the shared merge fields and the registrant's own join link
    assert values.samples == {"first_name", "join_url", "unsubscribe_url"}
    assert values.unbound == set()


def test_unbound_variables_are_shown_as_samples_and_reported(example) -> None:  # type: ignore[no-untyped-def]
    campaign = example.campaigns["retention_webinar"].model_copy(update={"values": {}})
    invite = campaign.emails[0]
    out = render_email(example, campaign, invite, example.templates["webinar_invite"],
                       Calendar(example.sla.business_hours), mark=lambda v: f"<{v}>")
    assert out.unbound == {"registration_url", "webinar_date", "webinar_title"}
    assert "<Thursday 12 March 2026 at 17:00 CET>" not in out.body  # the invite's own sample
    assert "<12 March at 17:00 CET>" in out.body
    assert out.subject == "Webinar: <Features that keep customers>"


def test_preview_campaign_shows_the_real_date(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["preview", "campaign", "retention_webinar"]) == 0
    out = capsys.readouterr().out
    reminder = out[out.index("Webinar reminder"):out.index("Webinar recording")]
    assert f"starts {REAL_DATE}." in reminder
    assert "[2026-11-20 10:00 EST (day +9): Webinar reminder" in out
    assert "12 March" not in out
    # the sample data of per-recipient fields is marked, and the mark explained
    assert "Hi ⟨Dana⟩," in reminder and "⟨https://lumenmetrics.example/join/xyz⟩" in reminder
    assert "⟨…⟩ sample data" in out
    assert "2026-11-23 11:00 EST (day +10): Run the webinar" in out


def test_campaign_page_shows_the_real_date(example_site: Path) -> None:
    html = (example_site / "campaigns" / "retention_webinar" / "index.html").read_text()
    reminder = html[html.index(": Webinar reminder<"):html.index(": Webinar recording<")]
    assert f"starts {REAL_DATE}." in reminder
    assert "12 March" not in html
    assert re.search(r'<mark class="pb-sample"[^>]*>Dana</mark>', reminder)
    assert re.search(r'<mark class="pb-sample"[^>]*>https://lumenmetrics.example/join/xyz'
                     r"</mark>", reminder)
    # the timeline table gives the webinar its time
    assert "2026-11-23 11:00 EST (day +10)" in html
    # the print page carries the same email
    printed = (example_site / "print_page" / "index.html").read_text()
    assert f"starts {REAL_DATE}." in printed


def test_a_same_day_send_after_the_event_is_an_error(tmp_path: Path) -> None:
    """The reminder at 10:00 in New York for a webinar at 15:00 in Berlin (09:00 in New
    York) the same day is sent after it starts."""
    import shutil

    defs = tmp_path / "defs"
    shutil.copytree(ROOT / "process_defs", defs)
    path = defs / "campaigns" / "retention_webinar.yaml"
    text = path.read_text()
    text = text.replace('    time: "11:00"  # in the SLA', '    time: "15:00"\n'
                        '    timezone: Europe/Berlin  # in the SLA')
    text = text.replace("  - template: webinar_reminder\n    send: 9",
                        "  - template: webinar_reminder\n    send: 10")
    path.write_text(text)
    codes = [(f.code, f.location.line) for f in validate(defs).findings]
    line = text.splitlines().index("    send: 10") + 1
    assert codes == [("PB610", line)]
    path.write_text(text.replace("timezone: Europe/Berlin", "timezone: America/Los_Angeles"))
    assert validate(defs).findings == []  # 15:00 in Los Angeles is after 10:00 in New York
