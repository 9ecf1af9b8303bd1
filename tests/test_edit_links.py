"""A generated page's edit link opens its YAML file, through MkDocs' own `edit_uri` and
`edit_uri_template` (the plugin sets `File.edit_uri`), like a hand-written page's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import make_repo

from revenue_playbook.cli import main


def edit_link(page: Path) -> str | None:
    found = re.search(r'<a href="([^"]*)" title="Edit this page"', page.read_text())
    return found.group(1) if found else None


def build_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: str) -> Path:
    repo = make_repo(tmp_path)
    (repo / "playbook" / "notes.md").write_text("# Notes\n\nWritten by hand.\n")
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "site_dir: site\n",
        "site_dir: site\nrepo_url: https://github.com/acme/playbook\n" + settings)
        .replace("  features:\n", "  features:\n    - content.action.edit\n"))
    monkeypatch.chdir(repo)
    assert main(["build"]) == 0
    return repo / "site"


def test_edit_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = build_with(tmp_path, monkeypatch, "edit_uri: edit/main/playbook/\n")
    assert edit_link(site / "stages" / "discovery" / "index.html") == \
        "https://github.com/acme/playbook/edit/main/process_defs/sales.yaml"
    assert edit_link(site / "campaigns" / "launch" / "index.html") == \
        "https://github.com/acme/playbook/edit/main/process_defs/campaigns/launch.yaml"
    # a hand-written page keeps MkDocs' own link into the docs folder
    assert edit_link(site / "notes" / "index.html") == \
        "https://github.com/acme/playbook/edit/main/playbook/notes.md"


def test_edit_uri_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = build_with(tmp_path, monkeypatch,
                      "edit_uri_template: 'blob/trunk/playbook/{path}?plain=1'\n")
    assert edit_link(site / "stages" / "discovery" / "index.html") == \
        "https://github.com/acme/playbook/blob/trunk/process_defs/sales.yaml?plain=1"
    assert edit_link(site / "notes" / "index.html") == \
        "https://github.com/acme/playbook/blob/trunk/playbook/notes.md?plain=1"


def test_no_repo_no_edit_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    assert main(["build"]) == 0
    assert edit_link(repo / "site" / "stages" / "discovery" / "index.html") is None
