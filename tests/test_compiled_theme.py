"""The theme's templates compiled once and kept (engines/mkdocs/compiled_theme.py): a
second `playbook build`, in a new process as CI runs it, loads them instead of compiling
them again and writes the same bytes; an edited override is compiled afresh; the folder
is never a link out of the project and never mixes code compiled under other settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from helpers import make_repo

from revenue_playbook.engines.mkdocs.compiled_theme import keep_compiled, settings_key

BUILD = [sys.executable, "-m", "revenue_playbook.cli", "build"]
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000", "PLAYBOOK_BUILD_CACHE": "off"}


def build(repo: Path, out: str) -> dict[str, bytes]:
    """`playbook build -d out` in its own process (the test run's shared bytecode cache for
    the theme does not reach it), and what it wrote."""
    subprocess.run([*BUILD, "-d", out], cwd=repo, env=ENV, check=True, capture_output=True)
    site = repo / out
    return {str(path.relative_to(site)): path.read_bytes()
            for path in sorted(site.rglob("*")) if path.is_file()}


def compiled(repo: Path) -> dict[str, tuple[int, int]]:
    """Each kept compiled template of the theme: its file's inode and modification time."""
    folder = repo / ".cache" / "playbook" / "pages" / "theme"
    return {str(path.relative_to(folder)): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in folder.rglob("*.cache")}


@pytest.mark.slow
def test_a_second_build_loads_the_theme_compiled_and_writes_the_same_bytes(
        tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    first = build(repo, "site-1")
    kept = compiled(repo)
    # Material's base, main and partials, each once: one folder of one environment setting
    assert len(kept) > 20
    assert len({name.split("/")[0] for name in kept}) == 1
    second = build(repo, "site-2")
    assert compiled(repo) == kept  # none written again: none compiled again
    assert second == first


@pytest.mark.slow
def test_an_edited_override_is_compiled_again(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    overrides = repo / "overrides"
    overrides.mkdir()
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "theme:\n  name: material\n", "theme:\n  name: material\n  custom_dir: overrides\n"),
        encoding="utf-8")
    override = overrides / "main.html"
    override.write_text('{% extends "base.html" %}\n'
                        '{% block announce %}Kick-off at nine{% endblock %}\n',
                        encoding="utf-8")
    assert b"Kick-off at nine" in build(repo, "site-1")["index.html"]
    override.write_text('{% extends "base.html" %}\n'
                        '{% block announce %}Kick-off at ten{% endblock %}\n',
                        encoding="utf-8")
    page = build(repo, "site-2")["index.html"]
    assert b"Kick-off at ten" in page
    assert b"Kick-off at nine" not in page


def test_a_linked_folder_is_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = tmp_path / "pages" / "theme"
    folder.parent.mkdir()
    folder.symlink_to(elsewhere, target_is_directory=True)
    env = jinja2.Environment(loader=jinja2.DictLoader({"a.html": "{{ 1 + 1 }}"}))
    keep_compiled(env, folder)
    assert env.bytecode_cache is None
    assert env.get_template("a.html").render() == "2"
    assert list(elsewhere.iterdir()) == []


def test_a_link_inside_the_folder_is_not_written_through(tmp_path: Path) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"a.html": "{{ 1 + 1 }}"}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = tmp_path / "theme"
    folder.mkdir()
    (folder / settings_key(env)).symlink_to(elsewhere, target_is_directory=True)
    keep_compiled(env, folder)
    assert env.bytecode_cache is None
    env.get_template("a.html")
    assert list(elsewhere.iterdir()) == []


def test_code_compiled_under_other_settings_is_kept_apart(tmp_path: Path) -> None:
    """An extension, other delimiters, escaping or a `finalize` changes what a template
    compiles to: each setting has its own folder."""
    plain = jinja2.Environment()
    variants = [jinja2.Environment(extensions=["jinja2.ext.i18n"]),
                jinja2.Environment(autoescape=True),
                jinja2.Environment(finalize=str),
                jinja2.Environment(variable_start_string="[[", variable_end_string="]]"),
                jinja2.Environment(trim_blocks=True)]
    keys = {settings_key(env) for env in variants}
    assert settings_key(plain) not in keys
    assert len(keys) == len(variants)
    assert settings_key(jinja2.Environment()) == settings_key(plain)


def test_templates_compiled_by_a_kept_folder_render_as_freshly_compiled(
        tmp_path: Path) -> None:
    source = {"a.html": "{% for x in items %}{{ x | upper }}{% endfor %}"}
    first = jinja2.Environment(loader=jinja2.DictLoader(source))
    keep_compiled(first, tmp_path)
    assert first.get_template("a.html").render(items=["a", "b"]) == "AB"
    again = jinja2.Environment(loader=jinja2.DictLoader(source))
    keep_compiled(again, tmp_path)
    assert again.bytecode_cache is not None
    assert again.get_template("a.html").render(items=["c"]) == "C"
    # an environment that already keeps its compiled templates elsewhere is left as it is
    elsewhere = jinja2.FileSystemBytecodeCache(str(tmp_path))
    own = jinja2.Environment(bytecode_cache=elsewhere)
    keep_compiled(own, tmp_path / "other")
    assert own.bytecode_cache is elsewhere
    assert not (tmp_path / "other").exists()
