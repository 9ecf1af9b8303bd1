"""The adapters' contracts are arguments: `mkdocs_runner.build(config, changes=…, version=…)`
hands the plugin its options (no environment variables), and the plugin imports nothing
of publishing (the old loop publish → engine → plugin → publish)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import make_repo

from revenue_playbook.engines.mkdocs import runner as mkdocs_runner


def test_build_hands_the_plugin_its_options(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    def environ() -> dict[str, str]:  # Material sets NO_MKDOCS_2_WARNING itself
        return {k: v for k, v in os.environ.items() if k != "NO_MKDOCS_2_WARNING"}

    before = environ()
    site = mkdocs_runner.build(repo / "mkdocs.yml", repo / "out",
                               changes="Nothing but **this** changed.\n", version="2.5")
    assert environ() == before  # nothing handed over through the environment
    changes = (site / "changes" / "index.html").read_text()
    assert "Nothing but <strong>this</strong> changed." in changes
    home = (site / "index.html").read_text()
    assert '"version": {"default": "latest", "provider": "mike"}' in home
    # the same configuration, without the options: no version selector, no changes page
    plain = mkdocs_runner.build(repo / "mkdocs.yml", repo / "plain")
    assert '"provider": "mike"' not in (plain / "index.html").read_text()
    assert not (plain / "changes" / "index.html").exists()



def test_options_last_for_one_build_only(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """MkDocs keeps one plugin object per process (it defines on_startup): the validated
    definitions `playbook build` handed it must not be reused by a later build in the same
    process (serve's rebuilds, mike, a test suite), or edits stop showing."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    site = mkdocs_runner.build(repo / "mkdocs.yml", repo / "first", version="1.0")
    page = site / "emails" / "hello" / "index.html"
    subject = "Welcome to Tiny"
    hello = repo / "process_defs" / "templates" / "hello.yaml"
    assert subject not in hello.read_text(encoding="utf-8")
    original = hello.read_text(encoding="utf-8")
    edited = original.replace(", your demo\"", f", your demo: {subject}\"", 1)
    assert edited != original
    hello.write_text(edited, encoding="utf-8")
    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(repo / "second"))
    mkdocs_build(config)
    second = (repo / "second" / "emails" / "hello" / "index.html").read_text()
    assert subject in second
    assert '"provider": "mike"' not in (repo / "second" / "index.html").read_text()
    assert page.is_file()


def test_the_plugin_does_not_import_publishing() -> None:
    code = ("import sys, revenue_playbook.engines.mkdocs.plugin\n"
            "import revenue_playbook.engines.mkdocs.runner\n"
            "print(sorted(m for m in sys.modules\n"
            "             if m.startswith('revenue_playbook.publishing.publish')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_build_after_serving_in_the_same_process_is_a_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin object outlives a serve (MkDocs keeps it per process): a build after it
    must not keep pages between builds as serve does."""
    from mkdocs.config import load_config

    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    config = load_config(str(repo / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    plugin = config.plugins["playbook"]
    serving = plugin.session
    mkdocs_runner.build(repo / "mkdocs.yml", repo / "out")
    assert plugin.command == "build"
    assert plugin.session is not serving  # not serve's caches: its own (and its cache on disk)
