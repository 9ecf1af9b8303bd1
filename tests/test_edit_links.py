"""A generated page's edit link opens its YAML file, through MkDocs' own `edit_uri` and
`edit_uri_template` (the plugin sets `File.edit_uri`), like a hand-written page's."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import make_repo
from mkdocs.config import load_config

from revenue_playbook.cli import main
from revenue_playbook.engines.mkdocs.plugin import EditUris


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


def test_edit_paths_follow_links_and_stop_at_the_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each definitions folder is resolved once per build; the answers are those of
    resolving every file: symbolic links followed, nothing outside the repository."""
    repo = tmp_path / "repo"
    docs = repo / "playbook"
    (repo / "defs" / "templates").mkdir(parents=True)
    docs.mkdir()
    (repo / "mkdocs.yml").write_text("site_name: x\ndocs_dir: playbook\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (repo / "defs" / "templates" / name).write_text("x: 1\n")
        (outside / name).write_text("x: 1\n")
    (repo / "defs" / "linked").symlink_to(repo / "defs" / "templates")
    (repo / "defs" / "away").symlink_to(outside)
    (repo / "defs" / "templates" / "out.yaml").symlink_to(outside / "a.yaml")
    (repo / "defs" / "templates" / "in.yaml").symlink_to(repo / "defs" / "templates" / "a.yaml")
    (docs / "page.yaml").write_text("x: 1\n")
    monkeypatch.chdir(repo)
    config = load_config(str(repo / "mkdocs.yml"))

    def by_resolving(source: str) -> str | None:  # what each page cost before
        path = Path(source).resolve()
        if not path.is_relative_to(repo.resolve()):
            return None
        return os.path.relpath(path, docs.resolve()).replace(os.sep, "/")

    sources = ["defs/templates/a.yaml", "defs/templates/b.yaml", "defs/linked/a.yaml",
               "defs/away/a.yaml", "defs/templates/out.yaml", "defs/templates/in.yaml",
               "defs/templates/../templates/b.yaml", "playbook/page.yaml", "page.yaml",
               str(repo / "defs" / "templates" / "a.yaml"), str(outside / "b.yaml"),
               "defs/templates/missing.yaml", "../repo/defs/templates/a.yaml", "defs/..",
               "../elsewhere/a.yaml"]
    edit_uris = EditUris(config)
    for source in sources * 2:  # the second time from what was resolved the first
        assert edit_uris(source) == by_resolving(source), source
    assert edit_uris("defs/templates/a.yaml") == "../defs/templates/a.yaml"
    assert edit_uris("defs/away/a.yaml") is None
    assert edit_uris(None) is None and edit_uris("") is None
