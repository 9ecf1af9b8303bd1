"""Diagrams: deterministic DOT, escaped labels, linked nodes, cached and batched rendering."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import EXAMPLE, FIXTURES, MINIMAL

from revenue_playbook.checks.validate import validate
from revenue_playbook.definitions.businesstime import Calendar
from revenue_playbook.site.diagrams import (
    DiagramError,
    DiagramRenderer,
    campaign_dot,
    clean_svg,
    escape_label,
    lifecycle_dot,
    process_dot,
    touchpoints_dot,
)

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@pytest.fixture(scope="module")
def example():
    return validate(EXAMPLE).playbook


def links(svg: bytes) -> dict[str, str]:
    """Node id -> href of every linked node in an SVG."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        for anchor in group.iter(f"{SVG}a"):
            href = anchor.get(f"{XLINK}href") or anchor.get("href")
            if "node" in (group.get("class") or "").split() and href:
                found[group.get("id")] = href
    return found


def test_process_nodes_link_to_their_stage_pages(example, tmp_path: Path) -> None:
    dot = process_dot(example, "new_business", lambda s: f"../stages/{s}/")
    svg = DiagramRenderer(tmp_path).render(dot)
    assert links(svg) == {f"stage-{s}": f"../stages/{s}/" for s in
                          example.processes["new_business"].stages}
    assert b"<?xml" not in svg and b"<!--" not in svg and b' width="' not in svg[:300]


def test_dot_is_deterministic_and_styles_outcomes(example) -> None:
    first = process_dot(example, "new_business", lambda s: s)
    assert first == process_dot(validate(EXAMPLE).playbook, "new_business", lambda s: s)
    # each outcome in its colour: built-in won and lost, the team's own "No decision"
    for colour in ("#2e7d32", "#c62828", "#6a1b9a", "#8d6e63"):
        assert f'color="{colour}"' in first
    no_decision = next(line for line in first.splitlines()
                       if line.startswith('  "stage_closed_no_decision" ['))
    assert 'color="#8d6e63"' in no_decision and "(No decision)" not in no_decision
    assert "Proposal\\n50–60%" in first  # a probability per segment is drawn as its range
    assert '"stage_technical_validation" -> "stage_demo" [style=dashed' in first


def test_lifecycle_handoffs_carry_owner_and_time(example) -> None:
    dot = lifecycle_dot(example)
    assert 'subgraph "cluster_marketing"' in dot and 'subgraph "cluster_sales"' in dot
    # durations in words, as on the pages: "1bh" is never shown raw
    assert "hand-off: SDR Manager, within 1 business hour" in dot.replace("\\n", " ")
    assert ("Demo request Mid-market 1 business hour, Enterprise 30 business minutes"
            in dot.replace("\\n", " "))
    # each hand-off is a node on the way from one team's lane to the other's, so that dot
    # keeps lines off its label
    assert '"life_mql" -> "handoff_0"' in dot and '"handoff_0" -> "life_sal"' in dot
    assert "(MQL: marketing-qualified)" in dot and "(SQL: sales-qualified)" in dot


def test_lifecycle_stages_without_a_team_are_drawn_outside_the_swimlanes() -> None:
    """GitLab's waterfall states no team per stage: every stage is still drawn."""
    pb = validate(FIXTURES / "real" / "gitlab_enterprise_segments").playbook
    dot = lifecycle_dot(pb)
    assert "cluster_" not in dot
    assert all(f'id="life-{sid}"' in dot for sid in pb.lifecycle)


def test_campaign_timeline_shows_dates(example) -> None:
    dot = campaign_dot(example, "retention_webinar", Calendar(example.sla.business_hours))
    assert "day -8 · 2026-10-28" in dot  # 8 business days before the 9 November launch
    assert 'subgraph "cluster_planning"' in dot and '"launch" [label="Launch' in dot


def test_touchpoint_timeline_links_templates(example, tmp_path: Path) -> None:
    touches = example.stages["discovery"].touchpoints
    svg = DiagramRenderer(tmp_path).render(
        touchpoints_dot("discovery", touches, lambda t: f"../../templates/{t}/"))
    assert set(links(svg).values()) == {"../../templates/discovery_confirmation/",
                                        "../../templates/discovery_recap/"}


@pytest.mark.parametrize("nasty", [
    '<script>alert("x")</script>', 'back\\slash "quote" {brace} |pipe|', "line\nbreak",
    "rtl \u202eevil\u202c zero\u200bwidth", "&amp; <b>bold</b>", "}; digraph x {",
])
def test_hostile_labels_render_as_text(nasty: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "defs"
    shutil.copytree(MINIMAL, root)
    sales = root / "sales.yaml"
    quoted = nasty.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    sales.write_text(sales.read_text().replace("name: Proposal", f'name: "{quoted}"'))
    pb = validate(root).playbook
    svg = DiagramRenderer(None).render(process_dot(pb, "new_business", lambda s: f"{s}.html"))
    tree = ET.fromstring(svg)  # well-formed: nothing broke out of the label
    assert not [e for e in tree.iter() if e.tag in (f"{SVG}script", "script", f"{SVG}b")]
    texts = " ".join(t.text or "" for t in tree.iter(f"{SVG}text"))
    assert "\u202e" not in texts and "\u200b" not in texts
    if "<script>" in nasty:
        assert b"&lt;script&gt;" in svg


def test_a_batch_renders_the_same_bytes_every_time(example) -> None:
    """dot orders the clusters of a batch's later graphs by memory address and gives those
    graphs a "page" id; the output must depend on neither (swimlanes and campaign phases
    are clusters)."""
    calendar = Calendar(example.sla.business_hours)
    sources = [process_dot(example, "new_business", lambda s: s), lifecycle_dot(example)]
    sources += [campaign_dot(example, cid, calendar) for cid in example.campaigns]
    outputs = {tuple(DiagramRenderer(None)._render_batch(sources)) for _ in range(8)}
    assert len(outputs) == 1
    (svgs,) = outputs
    # each graph comes out as if rendered alone: what the cache holds does not depend on
    # which batch rendered it
    assert list(svgs) == [DiagramRenderer(None)._render_batch([s])[0] for s in sources]


def test_clusters_in_order_and_no_batch_page_id() -> None:
    def cluster(n: int) -> str:
        return (f'<g id="clust{n}" class="cluster">\n<title>cluster_{n}</title>\n'
                f'<g id="a_clust{n}"><a href="#{n}"><text>{n}</text></a></g>\n</g>\n')

    node = '<g id="life&#45;lead" class="node">\n<title>lead</title>\n</g>\n'
    root = '<svg xmlns="http://www.w3.org/2000/svg">'
    svg = (root + '<g id="page0,1_graph0" class="graph">\n' + cluster(3) + cluster(1)
           + cluster(2) + node + '</g>\n</svg>').encode()
    assert clean_svg(svg).decode() == (root + '<g class="graph">\n' + cluster(1)
                                        + cluster(2) + cluster(3) + node + '</g>\n</svg>\n')


def test_escape_label() -> None:
    assert escape_label('a"b\\c\nd\u200b') == 'a\\"b\\\\c d'


def test_cache_renders_each_source_once(tmp_path: Path, example) -> None:
    dots = {f"stage-{s}": touchpoints_dot(s, st.touchpoints) for s, st in
            example.stages.items() if st.touchpoints}
    dots["copy"] = next(iter(dots.values()))  # identical source: rendered once
    cold = DiagramRenderer(tmp_path / "cache")
    first = cold.render_many(dots)
    assert cold.rendered == len(dots) - 1 and cold.processes == 2  # `dot -V`, then one batch
    warm = DiagramRenderer(tmp_path / "cache")
    assert warm.render_many(dots) == first
    assert (warm.rendered, warm.cache_hits) == (0, len(dots))
    assert warm.processes == 0  # dot's version is kept in the cache too
    assert warm.version() == cold.version() and cold.version().startswith("dot - graphviz")


def test_cached_version_follows_the_dot_binary(tmp_path: Path) -> None:
    """Another dot (a different binary, or the same one upgraded) is asked again."""
    real = shutil.which("dot")
    assert real is not None
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nif [ "$1" = -V ]; then echo "dot - fake 1.0" >&2; exit 0; fi\n'
                    f'exec {real} "$@"\n')
    fake.chmod(0o755)
    cache = tmp_path / "cache"
    assert DiagramRenderer(cache, dot_binary=str(fake)).version() == "dot - fake 1.0"
    fake.write_text(fake.read_text().replace("fake 1.0", "fake 2.0 (upgraded)"))
    again = DiagramRenderer(cache, dot_binary=str(fake))
    assert again.version() == "dot - fake 2.0 (upgraded)" and again.processes == 1
    (cache / "dot-version.txt").write_bytes(b"\xff\xfe damaged")
    assert DiagramRenderer(cache, dot_binary=str(fake)).version() == "dot - fake 2.0 (upgraded)"


def test_broken_graph_is_named(tmp_path: Path) -> None:
    renderer = DiagramRenderer(None)
    with pytest.raises(DiagramError, match="failed"):
        renderer.render_many({"good": "digraph { a -> b }\n", "bad": "digraph { a -> }\n"})


def test_missing_dot_is_a_clear_error() -> None:
    with pytest.raises(DiagramError, match="Graphviz's `dot` was not found: install graphviz"):
        DiagramRenderer(None, dot_binary="/nonexistent/dot").render("digraph { a }\n")
