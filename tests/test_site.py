"""The website end to end: build the example and small fixtures with the real MkDocs, then
assert on the HTML a reader gets."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from helpers import MINIMAL, ROOT, example_playbook, make_repo

from revenue_playbook.cli import main

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts: list[str] = []  # the text of every inline script
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "xlink:href", "src") and value:
                self.hrefs.append(value)
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def project(tmp_path: Path, defs: Path = ROOT / "process_defs") -> Path:
    """A playbook repo in tmp_path: mkdocs.yml, the docs folder and the definitions."""
    return make_repo(tmp_path, defs, docs=True)


def build(repo: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.chdir(repo)
    return main(["build", *args])


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_exists(example_site: Path) -> None:
    expected = ["index.html", "process/index.html", "stages/discovery/index.html",
                "stages/closed_won/index.html", "lifecycle/index.html", "sla/index.html",
                "emails/index.html", "emails/demo_followup/index.html",
                "campaigns/index.html", "campaigns/retention_webinar/index.html",
                "campaigns/benchmark_guide/index.html", "scorecard/index.html",
                "roles/index.html", "meeting/index.html", "reference/format/index.html",
                "reference/rules/index.html", "about/index.html"]
    for page in expected:
        assert (example_site / page).is_file(), page
    templates = example_playbook().templates
    assert sorted(p.parent.name for p in (example_site / "emails").glob("*/index.html")) == \
        sorted(templates)


def test_internal_links_resolve(example_site: Path) -> None:
    broken = []
    for page in html_files(example_site):
        if page.name == "404.html":
            continue  # served from any depth, so MkDocs links it from the site root
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            url = urlparse(href)
            if url.scheme or url.netloc or href.startswith(("#", "mailto:")):
                continue
            # A browser clamps a path that climbs above the root, but a site served
            # under a prefix (a mike version, a project's GitHub Pages) has no such luck.
            page_dir = posixpath.dirname(page.relative_to(example_site).as_posix())
            path = posixpath.normpath(posixpath.join(page_dir, unquote(url.path)))
            if path == ".." or path.startswith("../"):
                broken.append(f"{page.relative_to(example_site)} -> {href} (above the root)")
                continue
            target = example_site / path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(example_site)} -> {href}")
    assert broken == []


def test_process_diagram_nodes_link_to_stage_pages(example_site: Path) -> None:
    page = example_site / "process" / "index.html"
    svg = re.search(r'<div class="pb-diagram__frame"[^>]*>(<svg.*?</svg>)',
                    page.read_text("utf-8"), re.S)
    assert svg is not None
    tree = ET.fromstring(svg.group(1))
    anchors = list(tree.iter(f"{SVG}a"))
    assert all(a.get(f"{XLINK}href") is None for a in anchors)  # SVG 2 links only
    hrefs = {a.get("href") for a in anchors}
    stages = ["discovery", "demo", "technical_validation", "proposal", "negotiation",
              "closing", "closed_won", "closed_lost", "closed_no_decision", "disqualified"]
    assert hrefs == {f"../stages/{s}/" for s in stages}
    for href in hrefs:
        assert (page.parent / href / "index.html").is_file()


def test_print_page_diagram_links_jump_within_it(example_site: Path) -> None:
    html = (example_site / "print_page" / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    svgs = re.findall(r'<div class="pb-diagram__frame"[^>]*>(<svg.*?</svg>)', html, re.S)
    assert len(svgs) >= 4  # the process, the lifecycle, cadences and campaigns
    anchors = [a for svg in svgs for a in ET.fromstring(svg).iter(f"{SVG}a")]
    hrefs = [a.get("href") for a in anchors if a.get("href")]
    assert hrefs and all(h.startswith("#") and h[1:] in ids for h in hrefs), hrefs


def test_search_finds_the_words_not_the_diagrams(example_site: Path) -> None:
    docs = json.loads((example_site / "search" / "search_index.json").read_text("utf-8"))["docs"]
    text = "\n".join(doc["text"] for doc in docs)
    assert "Economic buyer named" in text  # a discovery exit criterion
    # a touchpoint timeline's node ids and edge titles stay out of the index
    assert "day_0" not in text and "-&gt;" not in text and "->" not in text


def test_stage_page_answers_a_reps_questions(example_site: Path) -> None:
    html = (example_site / "stages" / "discovery" / "index.html").read_text(encoding="utf-8")
    assert "Economic buyer named" in html and 'type="checkbox"' in html
    assert "1 - Discovery" in html and "10%" in html
    assert 'href="../../emails/discovery_recap/"' in html
    assert "How is this different from our BI dashboards?" in html


def test_template_page_shows_rendered_raw_and_plain(example_site: Path) -> None:
    html = (example_site / "emails" / "demo_followup" / "index.html").read_text("utf-8")
    assert "Hi Dana," in html  # rendered with the sample values
    assert "{{ first_name }}" in re.sub(r"<[^>]+>", "", html)  # the raw template
    assert "Rendered" in html and "Raw" in html and "Plain text" in html
    assert "Where it is used" in html and "Tailored demo" in html


def test_draft_campaign_is_marked(example_site: Path) -> None:
    draft = (example_site / "campaigns" / "benchmark_guide" / "index.html").read_text("utf-8")
    assert "pb-badge--draft" in draft and "not approved yet" in draft
    live = (example_site / "campaigns" / "retention_webinar" / "index.html").read_text("utf-8")
    assert "pb-badge--live" in live and "2026-10-28 (day -8)" in live
    assert "Sales preview" in live and "Hi <mark class=\"pb-sample\"" in live


def test_roles_are_derived_from_the_definitions(example_site: Path) -> None:
    html = (example_site / "roles" / "index.html").read_text(encoding="utf-8")
    sdr = html[html.index('id="sdr"'):html.index('id="account_executive"')]
    assert ("Demo request within Mid-market 1 business hour, Enterprise 30 business minutes"
            in sdr)
    assert "Qualified lead, first reply" in sdr


def test_nothing_is_written_into_the_docs_folder(example_repo: Path) -> None:
    # the built repository's docs folder holds what was copied into it, and nothing else
    before = sorted(p.relative_to(ROOT) for p in (ROOT / "playbook").rglob("*"))
    assert sorted(p.relative_to(example_repo)
                  for p in (example_repo / "playbook").rglob("*")) == before


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def test_markup_in_definitions_never_runs(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(MINIMAL, defs)
    for name, old, new in [
        ("sales.yaml", "name: Discovery", f"name: 'Discovery {HOSTILE}'"),
        ("sales.yaml", "          - Pain confirmed by the buyer",
         f"          - 'Pain {HOSTILE} [x](javascript:alert(3)) {{: onclick=alert(4)}}'"),
        ("team.yaml", "  name: Tiny Co", f"  name: 'Tiny {HOSTILE}'"),
        ("templates/recap.yaml", "name: Discovery recap", f"name: 'Recap {HOSTILE}'"),
        ("templates/recap.yaml", "Hi {{ first_name }}, thanks",
         f"Hi {{{{ first_name }}}} {HOSTILE} [y](javascript:alert(5)), thanks"),
        ("campaigns/launch.yaml", "objective: Book 20 demos", f"objective: '{HOSTILE}'"),
        ("scorecard.yaml", "    definition: Customers who renew",
         f"    definition: '{HOSTILE}'"),
    ]:
        path = defs / name
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    repo = project(tmp_path, defs)
    (repo / "playbook" / "about.md").unlink()
    assert build(repo, monkeypatch) == 0
    for page in html_files(repo / "site"):
        html = page.read_text(encoding="utf-8")
        parser = Links()
        parser.feed(html)
        assert parser.handlers == [], page
        assert not [s for s in parser.scripts if "alert" in s], page
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert not [h for h in parser.hrefs if h.lower().startswith("javascript:")], page
    stage = (repo / "site" / "stages" / "discovery" / "index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in stage


def test_invalid_definitions_fail_and_keep_the_previous_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = project(tmp_path, MINIMAL)
    (repo / "playbook" / "about.md").unlink()
    assert build(repo, monkeypatch) == 0
    before = {p: p.read_bytes() for p in (repo / "site").rglob("*") if p.is_file()}
    sla = repo / "process_defs" / "sla.yaml"
    sla.write_text(sla.read_text().replace("owner: sdr\n      cadence: hot",
                                           "owner: sdrr\n      cadence: hot"))
    capsys.readouterr()
    assert build(repo, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "process_defs/sla.yaml:13:14: error PB201 unknown role 'sdrr'" in err
    assert "hint: Did you mean 'sdr'?" in err
    after = {p: p.read_bytes() for p in (repo / "site").rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in repo.iterdir() if p.name.startswith(".site-")]


def test_missing_dot_is_an_environment_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo = project(tmp_path, MINIMAL)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert build(repo, monkeypatch) == 2
    assert "Graphviz's `dot` was not found" in capsys.readouterr().err
    assert not (repo / "site").exists()


def test_a_build_reads_mkdocs_yml_once(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import mkdocs.config

    repo = project(tmp_path, MINIMAL)
    (repo / "playbook" / "about.md").unlink()
    read = []
    load = mkdocs.config.load_config
    monkeypatch.setattr(mkdocs.config, "load_config",
                        lambda *args, **kwargs: read.append(kwargs) or load(*args, **kwargs))
    for cache in ([], ["--no-cache"]):
        read.clear()
        assert build(repo, monkeypatch, *cache) == 0
        assert len(read) == 1
        assert (repo / "site" / "index.html").is_file()


@pytest.mark.slow
def test_mkdocs_build_strict_is_clean(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = project(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                          cwd=repo, capture_output=True, text=True, timeout=300,
                          env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr


def test_preview_commands(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                          tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["preview", "template", "inbound_first_touch"]) == 0
    out = capsys.readouterr().out
    assert "Subject: Dana, your Lumen demo" in out and "- Tomorrow at 11:00" in out
    assert main(["preview", "campaign", "retention_webinar"]) == 0
    out = capsys.readouterr().out
    assert "2026-10-28 (day -8): Sales preview" in out and "[SALES PREVIEW]" in out
    assert "Sales Development Rep receives a copy of every email above" in out
    page = tmp_path / "preview.html"
    assert main(["preview", "template", "webinar_invite", "--html", str(page)]) == 0
    assert "Unsubscribe: https://lumenmetrics.example/unsubscribe/abc123" in page.read_text()
    assert main(["preview", "campaign", "retention_webinr"]) == 2
    assert "no campaign 'retention_webinr'; did you mean retention_webinar?" in \
        capsys.readouterr().err
