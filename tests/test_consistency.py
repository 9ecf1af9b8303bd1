"""What was accepted without a word: closed stages at in-between probabilities, launches on
a Saturday or a holiday, cadence exits that contradict the SLA or each other, and
marketing tracks that tell their reader to do sales work (issue 24, item 4). The exact
findings are pinned by tests/fixtures/invalid/PB317-*, PB318-*, PB506-*, PB613-*."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from helpers import EXAMPLE, MINIMAL

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.config import load_settings


def launched(tmp_path: Path, day: str, hours: bool = True) -> list[str]:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    campaign = defs / "campaigns" / "launch.yaml"
    campaign.write_text(campaign.read_text().replace("launch: 2027-03-01", f"launch: {day}"))
    if not hours:
        sla = defs / "sla.yaml"
        sla.write_text(re.sub(r"  business_hours:\n(    .*\n)+", "", sla.read_text()))
    result = validate(defs, load_settings(defs))
    return [f.message for f in result.findings if f.code == "PB613"]


def test_a_saturday_launch_is_reported(tmp_path: Path) -> None:
    assert launched(tmp_path, "2027-02-27") == [
        "campaign 'launch' launches on Saturday 2027-02-27, not a business day in the SLA's "
        "calendar: step 'send', email 1 ('newsletter') fall on it"]


def test_without_stated_business_days_no_launch_day_is_judged(tmp_path: Path) -> None:
    assert launched(tmp_path, "2027-02-27", hours=False) == []


def test_the_example_says_one_thing_about_leads_that_do_not_reply() -> None:
    """The example's cadences handed leads to marketing's nurture after touch 7 (day 9)
    while its SLA allows recycling after 15 business days: now the last touch is on day 15."""
    result = validate(EXAMPLE, load_settings(EXAMPLE))
    assert not result.failed(strict=True)
    cadence = result.playbook.cadences["inbound_hot"]
    assert cadence.steps[cadence.branches[0].after_step - 1].day == 15
