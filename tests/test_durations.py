"""One duration grammar that cannot be misread (issue 24, item 3): hours and days say
business or calendar time; the old `h`/`d` still read, with PB109 at file:line naming the
form to write; the schema, the pages and the checks read the same value."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from helpers import MINIMAL, diagrams

from revenue_playbook.checks.validate import Result, validate
from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.definitions.config import load_settings
from revenue_playbook.definitions.model import DURATION_PATTERN, json_schema, parse_duration
from revenue_playbook.site.pages import build_site


def with_lead_time(tmp_path: Path, lead_time: str, extra: str = "") -> Result:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    path = defs / "service_levels.yaml"
    path.write_text(path.read_text().replace("lead_time: 3bd", f"lead_time: {lead_time}{extra}"))
    return validate(defs, load_settings(defs))


@pytest.mark.parametrize(("written", "read"), [
    ("30m", (30.0, "m")), ("2bh", (2.0, "bh")), ("2 business hours", (2.0, "bh")),
    ("24ch", (24.0, "ch")), ("24 calendar hours", (24.0, "ch")), ("3bd", (3.0, "bd")),
    ("1 business day", (1.0, "bd")), ("14cd", (14.0, "cd")), ("14  calendar  days", (14.0, "cd")),
    ("2h", (2.0, "bh")), ("3d", (3.0, "bd"))])
def test_the_grammar(written: str, read: tuple[float, str]) -> None:
    assert parse_duration(written) == read
    assert re.match(DURATION_PATTERN, written)


def test_old_forms_under_days_calendar_read_as_calendar_time() -> None:
    assert parse_duration("3d", "calendar") == (3.0, "cd")
    assert parse_duration("72h", "calendar") == (72.0, "ch")
    assert parse_duration("3bd", "calendar") == (3.0, "bd")  # the unit says it


def test_the_page_says_what_was_written_never_9_business_days(tmp_path: Path) -> None:
    """`lead_time: 72h` became "9 business days" on the site; now each form is said as
    what it counts."""
    for written, shown in [("72bh", "72 business hours"), ("72ch", "72 calendar hours"),
                           ("3cd", "3 calendar days"), ("2 business days", "2 business days")]:
        result = with_lead_time(tmp_path / written.replace(" ", "_"), written)
        assert not [f for f in result.findings if f.code in ("PB103", "PB109")], written
        site = build_site(result.playbook, diagrams())
        sla = site.pages["sla.md"].markdown
        assert f"**Lead time:** {shown}" in sla, written
        assert "9 business days" not in sla


def test_an_old_form_is_read_as_before_and_reported_with_the_fix(tmp_path: Path) -> None:
    result = with_lead_time(tmp_path, "72h")
    [finding] = [f for f in result.findings if f.code == "PB109"]
    assert str(finding.location).endswith("service_levels.yaml:7:16")
    assert finding.message == ("`lead_time: 72h` does not say business or calendar time; it "
                               "is read as 72 business hours")
    assert finding.hint == "Write `72bh` (72 business hours) or `72ch` (72 calendar hours)."
    assert result.failed(strict=True) and not result.failed(strict=False)


def test_a_calendar_lead_time_is_checked_on_the_calendar(tmp_path: Path) -> None:
    """The campaign asks five business days (7 calendar days) before it sends: 72 calendar
    hours are enough, 72 business hours (9 business days) are not."""
    assert not [f for f in with_lead_time(tmp_path / "c", "72ch").findings
                if f.code == "PB612"]
    [late] = [f for f in with_lead_time(tmp_path / "b", "72bh").findings if f.code == "PB612"]
    assert late.message.endswith("5 business days apart, but 'Campaign email send' needs 72 "
                                 "business hours notice")
    [late] = [f for f in with_lead_time(tmp_path / "d", "8cd").findings if f.code == "PB612"]
    assert "7 calendar days apart" in late.message and "needs 8 calendar days" in late.message


def test_hygiene_days_say_their_kind(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    sales = defs / "sales.yaml"
    text = sales.read_text()
    sales.write_text(text.replace("hygiene: {warn_after: 10d}", "hygiene: {warn_after: 10cd}"))
    result = validate(defs, load_settings(defs))
    rule = result.playbook.stages["discovery"].hygiene
    assert rule is not None and (rule.warn_after, rule.days) == (10, "calendar")
    sales.write_text(text.replace("hygiene: {warn_after: 10d}",
                                  "hygiene: {warn_after: 10cd, days: business}"))
    [error] = [f for f in validate(defs, load_settings(defs)).findings if f.code == "PB103"]
    assert "the days are calendar days, but `days: business`" in error.message


def test_the_schema_publishes_the_same_grammar() -> None:
    schema = json_schema("processes")
    durations = json_schema()["$defs"]["OperationalSLA"]["properties"]["lead_time"]
    for good in ("2bh", "14cd", "3 business days", "30m"):
        jsonschema.validate(good, durations)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("3 weeks", durations)
    hygiene = schema["$defs"]["Hygiene"]["properties"]["act_after"]
    jsonschema.validate("14cd", hygiene)


def test_calendar_time_counts_a_weeks_share_of_business_time() -> None:
    cal = Calendar()
    assert cal.minutes("7cd") == pytest.approx(5 * 8 * 60)  # a week holds 5 business days
    assert cal.words("120m") == "2 business hours" and cal.words("1bd") == "1 business day"
