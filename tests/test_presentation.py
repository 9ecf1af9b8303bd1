"""One wording for pages, previews and diagrams; one set of invisible characters."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date

import pytest
from helpers import EXAMPLE, example_playbook

from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.definitions.findings import did_you_mean
from revenue_playbook.definitions.model import BusinessHours, Campaign, Template, parse_duration
from revenue_playbook.definitions.presentation import (
    business_time,
    campaign_day,
    kpi_target,
    render_sample,
    when,
    when_label,
)
from revenue_playbook.safety import markup
from revenue_playbook.site.diagrams import campaign_dot, escape_label
from revenue_playbook.site.preview import campaign_preview, render_template


def test_invisible_set_is_every_format_and_control_character():
    """The written-out ranges hold every character Python's Unicode database calls a format
    (Cf), control (Cc), line (Zl) or paragraph (Zp) separator, and nothing else."""
    wanted = {chr(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in {"Cf", "Cc", "Zl", "Zp"}}
    dropped = {ch for ch in wanted | {chr(c) for c in range(0x3000)}
               if markup.visible(ch) == "" or ch in "\t\n\r"}
    assert dropped == wanted


@pytest.mark.parametrize("mark", ["\u061c", "\u200e", "\u202e", "\u2066", "\ufeff", "\u00ad",
                                  "\u2028", "\x07", "\U000e0041"])
def test_pages_and_diagrams_drop_the_same_invisible_characters(mark):
    value = f"Deal{mark} desk"
    assert markup.text(value) == "Deal desk"
    assert escape_label(value) == "Deal desk"
    assert markup.code(value) == "`Deal desk`"
    assert markup.markdown(value) == "Deal desk"


def test_line_breaks_and_tabs():
    assert escape_label("a\r\nb\tc") == "a  b c"
    assert markup.text("a\nb") == "a b"
    assert markup.markdown("a\n\tb") == "a\n\tb"  # Markdown keeps its lines and indents


def test_one_duration_syntax():
    assert parse_duration(" 1.5h ") == (1.5, "bh")  # the old form: business hours
    assert parse_duration("90min") == (90.0, "m")
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("3 weeks")
    calendar = Calendar(BusinessHours(timezone="UTC", start="09:00", end="17:30"))
    assert business_time(calendar, "2d") == "2 business days"
    # said as written: hours were turned into days ("72h" became "9 business days")
    assert business_time(calendar, "17h") == "17 business hours"
    assert business_time(calendar, "24ch") == "24 calendar hours"
    assert business_time(calendar, "90m") == "90 business minutes"


def test_campaign_when_is_worded_alike_everywhere():
    """Pages, the preview and the diagram give the same day and date for a step."""
    pb = example_playbook()
    cid, campaign = next((cid, c) for cid, c in pb.campaigns.items() if c.launch)
    calendar = Calendar.of(pb)
    step = min(campaign.steps.values(), key=lambda s: s.offset)
    due = when(campaign, step.offset, calendar)
    day = campaign_day(step.offset)
    assert due.endswith(f"({day})") and due[:10] == when_label(campaign, step.offset,
                                                              calendar)[-10:]
    assert f"- {due}: {step.name}" in campaign_preview(pb, cid).text()
    assert when_label(campaign, step.offset, calendar) in campaign_dot(pb, cid, calendar)
    assert campaign_day(0) == "launch day" and campaign_day(-3) == "day -3"
    undated = Campaign.model_validate({**campaign.model_dump(), "launch": None})
    assert when(undated, 2, calendar) == "day +2"
    assert when_label(undated, 2, calendar) == "day +2"


def test_when_counts_business_days_from_launch():
    calendar = Calendar(BusinessHours(timezone="UTC", start="09:00", end="17:00"))
    campaign = Campaign.model_validate({
        "name": "Launch", "objective": "Leads", "persona": "p", "owner": "o",
        "launch": date(2026, 3, 2),  # a Monday
        "steps": {"brief": {"name": "Brief", "phase": "planning", "offset": -5, "owner": "o"}}})
    assert when(campaign, -1, calendar) == "2026-02-27 (day -1)"  # the Friday before
    assert when_label(campaign, 5, calendar) == "day +5 · 2026-03-09"


def test_sample_rendering_reports_each_part():
    pb = example_playbook()
    broken = Template.model_validate({"name": "Broken", "type": "one_to_one",
                                      "subject": "Hi {{ nobody }}", "body": "Fine"})
    subject, body = render_sample(broken, pb)
    assert subject.text is None and "UndefinedError" in (subject.error or "")
    assert body.text == "Fine" and body.error is None
    shown_subject, shown_body = render_template(broken, pb)
    assert shown_subject.startswith("[cannot render: UndefinedError")
    assert shown_body == "Fine"


def test_kpi_targets():
    pb = example_playbook()
    for kpi in pb.kpis.values():
        assert kpi_target(kpi)[0] in "≤≥"


def test_did_you_mean():
    assert did_you_mean("discovry", ["discovery", "demo"]) == "Did you mean 'discovery'?"
    assert did_you_mean("zzz", ["discovery"]) == ""
    assert EXAMPLE.is_dir()


def test_a_markdown_field_cannot_leave_a_code_fence_open():
    # closed at the field's end, with the fence that opened it
    assert markup.markdown("intro\n```\ncode") == "intro\n```\ncode\n```"
    assert markup.markdown("~~~~python\nx") == "~~~~python\nx\n~~~~"
    # balanced fences, inline code and a backtick line that is not a fence stay as written
    for value in ("```\ncode\n```", "use `x` here", "``` a `b` c", "````\n```\n````"):
        assert markup.markdown(value) == value
