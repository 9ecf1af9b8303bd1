"""Day-by-day agendas: what day 0 is, days without a touch, where the rep goes next; and
each role's day."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT

from revenue_playbook.checks.validate import validate
from revenue_playbook.site.agenda import cadence_agenda, days, role_days, stage_agenda


@pytest.fixture(scope="module")
def example():  # type: ignore[no-untyped-def]
    return validate(ROOT / "process_defs").playbook


def test_cadence_agenda_says_what_day_0_is_and_shows_rest_days(example) -> None:  # type: ignore[no-untyped-def]
    agenda = cadence_agenda(example, "inbound_hot")
    assert agenda.day_zero == ("Day 0 is the business day a Demo request lead comes in "
                               "(first touch within Mid-market 1 business hour, Enterprise 30 "
                               "business minutes).")
    assert [(d.label, len(d.touches)) for d in agenda.days] == [
        ("Day 0", 2), ("Day 1", 1), ("Day 2", 1), ("Day 3", 0), ("Day 4", 1), ("Day 5", 0),
        ("Day 6", 1), ("Days 7–8", 0), ("Day 9", 1), ("Days 10–14", 0), ("Day 15", 1)]
    exits = {e.when: (e.page, e.page_title) for e in agenda.exits}
    assert exits["A meeting is booked"] == ("stages/discovery.md", "Discovery")
    assert exits["The lead is disqualified"] == ("lifecycle.md#lifecycle-disqualified",
                                                 "Disqualified")
    assert exits["No reply after touch 8"] == ("sla.md#cadence-nurture", "Nurture track")
    assert exits["No answer after 15 business days and at least 6 touches"] == (
        "sla.md#recycle", "Recycled")


def test_a_cadence_reached_by_a_branch_says_so(example) -> None:  # type: ignore[no-untyped-def]
    assert cadence_agenda(example, "nurture").day_zero == (
        "Day 0 is the business day a lead moves here from Demo request follow-up or "
        "Qualified lead follow-up.")


def test_stage_agenda_leads_to_the_next_stage(example) -> None:  # type: ignore[no-untyped-def]
    agenda = stage_agenda(example, "discovery")
    assert agenda.day_zero == "Day 0 is the business day the deal enters Discovery."
    assert agenda.days[0].label == "Day 0"
    assert ("The deal is lost", "stages/closed_lost.md") in {(e.when, e.page) for e in agenda.exits}
    assert ("Every exit criterion is met", "stages/demo.md") in {
        (e.when, e.page) for e in agenda.exits}


def test_days_without_touches() -> None:
    assert days([]) == ()


def test_my_day_gathers_every_touch_a_role_makes(example) -> None:  # type: ignore[no-untyped-def]
    sdr = role_days(example)["sdr"]
    day0 = dict(sdr.by_day())[0]
    assert {t.where for t in day0} == {"Demo request follow-up", "Qualified lead follow-up"}
    assert all(t.day == 0 for t in day0)
    assert "cro" not in role_days(example)  # no touches: no page


def test_pages_show_agendas_and_my_day(example_site: Path) -> None:
    site = example_site
    sla = (site / "sla" / "index.html").read_text()
    assert "<strong>Days 7–8</strong>: no touch" in sla
    assert ('Stop the cadence and run the meeting in <a href="../stages/discovery/">'
            "Discovery</a>") in sla
    assert "<strong>No reply after the whole cadence</strong>" in sla
    assert "<code>no_response</code>" not in sla
    roles = (site / "roles" / "index.html").read_text()
    assert 'href="../my-day/sdr/"' in roles
    my_day = (site / "my-day" / "sdr" / "index.html").read_text()
    assert 'id="day-0"' in my_day and 'href="../../sla/#cadence-inbound_hot"' in my_day
    stage = (site / "stages" / "discovery" / "index.html").read_text()
    assert "Day 0 is the business day the deal enters Discovery." in stage

