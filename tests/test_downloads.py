"""The site's Downloads page: every export target's files, the same bytes as `playbook
export`, each linked from the page, and a zip of each target."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from helpers import EXAMPLE, defs_with_twin_process, diagrams

from revenue_playbook.checks.validate import validate
from revenue_playbook.exports import TARGETS
from revenue_playbook.exports import build as export
from revenue_playbook.incremental.page_memo import PageMemo
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.pages import build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    playbook = validate(EXAMPLE).playbook
    return playbook, build_site(playbook, DiagramRenderer(tmp_path_factory.mktemp("cache")))


def test_the_page_links_every_file_of_every_target(site) -> None:
    playbook, built = site
    page = built.pages["downloads/index.md"].markdown
    links = set(re.findall(r"\]\(([^)\s]+)\)", page))
    files = {path.removeprefix("downloads/") for path in built.assets
             if path.startswith("downloads/")}
    assert files and files == links
    for name in TARGETS:
        out = export(playbook, name)
        for path, data in out.files.items():
            assert built.assets[f"downloads/{name}/{path}"] == data
        with zipfile.ZipFile(io.BytesIO(built.assets[f"downloads/{name}.zip"])) as archive:
            assert sorted(archive.namelist()) == sorted(f"{name}/{p}" for p in out.files)
            assert all(archive.read(f"{name}/{p}") == d for p, d in out.files.items())
        assert f"## {TARGETS[name].title}" in page


def test_downloads_are_reproducible(site, tmp_path) -> None:
    playbook, built = site
    again = build_site(playbook, DiagramRenderer(tmp_path))
    assert {p: d for p, d in again.assets.items() if p.startswith("downloads/")} == \
        {p: d for p, d in built.assets.items() if p.startswith("downloads/")}


def test_a_target_that_cannot_export_says_why(tmp_path) -> None:
    defs = defs_with_twin_process(tmp_path)
    built = build_site(validate(defs).playbook, diagrams())
    page = built.pages["downloads/index.md"].markdown
    assert "Not available for this playbook" in page and "both become" in page
    assert not any(p.startswith("downloads/salesforce") for p in built.assets)


def test_a_refusal_is_kept_like_files_are(tmp_path) -> None:
    """A target that cannot express the playbook is not tried again after an edit it does
    not read (serve: Salesforce's limits at a hundred times the example, every edit)."""
    defs = defs_with_twin_process(tmp_path)
    memo, renderer = PageMemo(), diagrams()
    build_site(validate(defs).playbook, renderer, memo=memo)
    assert "downloads:salesforce" in memo.made_keys
    recap = defs / "templates" / "recap.yaml"
    recap.write_text(recap.read_text().replace("Our call today", "Our call today, again"))
    again = build_site(validate(defs).playbook, renderer, memo=memo)
    assert "downloads:salesforce" not in memo.made_keys and memo.made_keys
    page = again.pages["downloads/index.md"].markdown
    assert "Not available for this playbook" in page and "both become" in page
    assert again.pages == build_site(validate(defs).playbook, renderer).pages


def test_a_template_edit_makes_that_template_s_emails_alone_again(tmp_path) -> None:
    """serve: the emails export is made template by template, and after one template's
    edit only that template's part is made again; the files are a fresh build's."""
    defs = tmp_path / "defs"
    shutil.copytree(EXAMPLE, defs)
    memo, renderer = PageMemo(), diagrams()
    build_site(validate(defs).playbook, renderer, memo=memo)
    parts = [key for key in memo.made_keys if key.startswith("downloads:emails:template:")]
    assert "downloads:emails:template:demo_followup" in parts and len(parts) > 3
    demo = defs / "templates" / "demo_followup.yaml"
    demo.write_text(demo.read_text().replace("Demo recording and next steps",
                                             "Demo recording, next steps"))
    again = build_site(validate(defs).playbook, renderer, memo=memo)
    assert [key for key in memo.made_keys if key.startswith("downloads:emails:")] == \
        ["downloads:emails:template:demo_followup"]
    assert "downloads:emails" in memo.made_keys  # the export, from its parts
    fresh = build_site(validate(defs).playbook, renderer)
    assert again.assets == fresh.assets
    assert b"Demo recording, next steps" in again.assets[
        "downloads/emails/outreach/templates.json"]


@pytest.mark.slow
def test_built_site_serves_every_download_and_the_tool_tabs(example_site: Path) -> None:
    site = example_site
    html = (site / "downloads" / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    links = [link for link in re.findall(r'href="([^"#]+)"', article)]
    assert len(links) > 40
    assert all((site / "downloads" / link).is_file() for link in links)
    # reached from the For admins section, whose overview names it
    admins = (site / "reference" / "index.html").read_text(encoding="utf-8")
    assert "Downloads" in admins and 'href="../downloads/"' in admins
    email = (site / "emails" / "demo_followup" / "index.html").read_text(encoding="utf-8")
    for tool in ("Outreach", "Salesloft"):
        assert f">{tool}</label>" in email
    assert "Hi {{first_name}}," in email  # Outreach's token, in a code block with a copy button


def test_a_warning_finds_its_line_only_when_it_is_printed(monkeypatch) -> None:
    # The example's 25% stage is written as 0.3 for HubSpot: a warning the Downloads page
    # does not show, so the build never reads the YAML again to find its line.
    from revenue_playbook.definitions.loader import SourceFile
    from revenue_playbook.site.downloads import downloads

    playbook = validate(EXAMPLE).playbook
    looked_up = []
    real = SourceFile.location
    monkeypatch.setattr(SourceFile, "location", lambda self, *a, **k: looked_up.append(
        self.display) or real(self, *a, **k))
    downloads(playbook)
    assert looked_up == []
    warnings = [str(w) for w in export(playbook, "hubspot").warnings]
    assert looked_up
    assert any(re.match(r"process_defs/processes/\w+\.yaml:\d+:\d+: error: stage '\w+': "
                        r"HubSpot takes probabilities in steps of 10%, so 25% is written as "
                        r"0\.3", w) for w in warnings), warnings
