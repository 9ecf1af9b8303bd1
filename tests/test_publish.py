"""Versioned publishing in a temporary git repository, and reproducible builds."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from helpers import GIT_IDENTITY, committed_repo, git, served
from mike.versions import Versions

from revenue_playbook.cli import main


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    repo = committed_repo(tmp_path)
    monkeypatch.chdir(repo)
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_publish_two_versions_with_what_changed(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "1.0", "--alias", "latest"]) == 0
    assert "Published 1.0 to branch gh-pages: the first published version." in \
        capsys.readouterr().out
    first = git(repo, "rev-parse", "gh-pages:1.0")
    first_changes = git(repo, "show", "gh-pages:1.0/changes/index.html")
    assert "This is the first published version of the playbook (1.0)" in first_changes

    edit(repo / "process_defs" / "sales.yaml", "name: Proposal\n", "name: Proposal and pricing\n")
    edit(repo / "process_defs" / "sla.yaml", "response_time: 1bh", "response_time: 30m")
    git(repo, "commit", "-qam", "Playbook 1.1")
    assert main(["publish", "1.1", "--alias", "latest", "--title", "Q1 2027"]) == 0
    assert "Published 1.1 to branch gh-pages: 2 change(s) since 1.0." in \
        capsys.readouterr().out

    versions = json.loads(git(repo, "show", "gh-pages:versions.json"))
    assert [(v["version"], v["title"], v["aliases"]) for v in versions] == [
        ("1.1", "Q1 2027", ["latest"]), ("1.0", "1.0", [])]
    assert versions[0]["properties"]["source_commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "rev-parse", "gh-pages:1.0") == first  # 1.0 is untouched, byte for byte
    root_index = git(repo, "show", "gh-pages:index.html")
    assert "latest/" in root_index  # the default version

    changes = git(repo, "show", "gh-pages:1.1/changes/index.html")
    assert "Changes since version <strong>1.0</strong>" in changes
    assert "stage 'Proposal and pricing': renamed (Proposal → Proposal and pricing)" in \
        changes.replace("&#39;", "'")
    assert "SLA, tier 'demo': response time (1bh → 30m)" in changes.replace("&#39;", "'")
    home = git(repo, "show", "gh-pages:1.1/index.html")
    assert 'href="changes/"' in home and "what changed in this version" in home
    # Material's version selector and outdated-version banner, fed by mike's versions.json
    assert '"version": {"default": "latest", "provider": "mike"}' in home

    capsys.readouterr()
    assert main(["publish", "--list"]) == 0
    assert capsys.readouterr().out == "\"Q1 2027\" (1.1) [latest]\n1.0\n"


@pytest.mark.slow
def test_publish_into_a_plain_folder(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "www"
    assert main(["publish", "1.0", "--alias", "latest", "--to-dir", str(out)]) == 0
    edit(repo / "process_defs" / "scorecard.yaml", "target: 90", "target: 95")
    git(repo, "commit", "-qam", "raise the retention target")
    before = {p: p.read_bytes() for p in (out / "1.0").rglob("*") if p.is_file()}
    assert main(["publish", "1.1", "--alias", "latest", "--to-dir", str(out)]) == 0
    assert {p: p.read_bytes() for p in (out / "1.0").rglob("*") if p.is_file()} == before
    versions = json.loads((out / "versions.json").read_text())
    assert [(v["version"], v["aliases"]) for v in versions] == [("1.1", ["latest"]),
                                                                ("1.0", [])]
    assert "../1.1/" in (out / "latest" / "index.html").read_text()
    changes = (out / "1.1" / "changes" / "index.html").read_text().replace("&#39;", "'")
    assert "KPI 'Customer retention' (retention): target (90 → 95)" in changes


def _follow(address: str) -> tuple[str, bytes]:
    """Where a browser lands from `address`, following redirect pages' meta refresh."""
    for _ in range(5):
        with urllib.request.urlopen(address, timeout=10) as response:
            body = response.read()
        found = re.search(rb'http-equiv="refresh" content="0; url=([^"]*)"', body)
        if found is None:
            return address, body
        address = urllib.parse.urljoin(address, found.group(1).decode())
    raise AssertionError(f"{address}: too many redirects")


@pytest.mark.slow
def test_a_folder_alias_leads_to_every_page_of_its_version(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "www"
    assert main(["publish", "1.0", "--alias", "latest", "--to-dir", str(out)]) == 0
    edit(repo / "process_defs" / "scorecard.yaml", "target: 90", "target: 95")
    git(repo, "commit", "-qam", "raise the retention target")
    assert main(["publish", "1.1", "--alias", "latest", "--to-dir", str(out)]) == 0
    pages = sorted(p.relative_to(out / "1.1").as_posix() for p in (out / "1.1").rglob("*.html"))
    assert {"index.html", "sla/index.html", "scorecard/index.html"} <= set(pages)
    with served(out) as url:
        for page in pages:
            path = page.removesuffix("index.html")
            landed, body = _follow(f"{url}latest/{path}")
            assert landed == f"{url}1.1/{path}", page
            assert body == (out / "1.1" / page).read_bytes(), page


@pytest.mark.slow
def test_versions_are_listed_in_mikes_order_whenever_each_was_published(
        repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "www"
    for version in ("1.9", "1.10", "1.2"):  # 1.2 a fix of an old release, published last
        assert main(["publish", version, "--to-dir", str(out)]) == 0
    listed = json.loads((out / "versions.json").read_text())
    names = [v["version"] for v in listed]
    assert names == ["1.10", "1.9", "1.2"]
    assert names == [str(v.version) for v in Versions.from_json(listed)]  # as on the branch


def digest(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_builds_are_reproducible(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    assert main(["build", "-d", "one"]) == 0
    shutil.rmtree(repo / ".cache")  # the second build renders its diagrams again
    assert main(["build", "-d", "two"]) == 0
    first, second = digest(repo / "one"), digest(repo / "two")
    assert first == second
    assert "sitemap.xml.gz" in first
