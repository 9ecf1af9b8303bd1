"""The site is a rep's before a developer's: reference pages rank below the playbook in
search, and the home page promises nothing it does not have."""

from __future__ import annotations

from pathlib import Path


def test_reference_pages_rank_below_the_playbook_in_search(example_site: Path) -> None:
    import json

    docs = json.loads((example_site / "search" / "search_index.json").read_text())["docs"]
    boosts = {d["location"]: d.get("boost") for d in docs if "#" not in d["location"]}
    assert boosts["reference/rules/"] == boosts["reference/format/"] == 0.1
    assert boosts["benchmarks/"] == 0.1
    assert boosts["sla/"] is None  # the playbook's pages keep the usual weight
    home = (example_site / "index.html").read_text()
    assert "What changed recently" not in home  # no published version to compare with
