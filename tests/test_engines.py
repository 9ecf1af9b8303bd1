"""The example playbook built by each engine `playbook build --engine` offers: MkDocs (the
default, through the plugin), ProperDocs and Zensical (through the engine-neutral site
folder). Every generated page is there, as HTML of the engine's making, with nothing
unsafe in it; what differs per engine is what README's Engines section says.

The hostile playbook is built by all three in test_hostile_site.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLE, make_repo
from hostile import problems

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.site.diagrams import DiagramRenderer
from revenue_playbook.site.markdown_extension import GeneratedPages, mark_generated
from revenue_playbook.site.pages import build_site

ENGINES = ["mkdocs", "properdocs", "zensical"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=ENGINES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, Path, Path]:
    """(engine, repo, site): the example with its hand-written pages, built by `engine`."""
    engine = request.param
    repo = make_repo(tmp_path_factory.mktemp(f"example-{engine}"), EXAMPLE, docs=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        assert main(["build", "--engine", engine]) == 0
    return engine, repo, repo / "site"


def _html_of(page: str) -> str:
    """Where a page of the docs folder lands with directory URLs."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def test_every_generated_and_hand_written_page_is_built(built: tuple[str, Path, Path]
                                                        ) -> None:
    _, repo, site = built
    result = validate(repo / "process_defs")
    generated = build_site(result.playbook, DiagramRenderer(repo / ".cache" / "playbook"))
    hand_written = [p.relative_to(repo / "playbook").as_posix()
                    for p in (repo / "playbook").rglob("*.md")]
    expected = {_html_of(page) for page in [*generated.pages, *hand_written]}
    missing = sorted(page for page in expected if not (site / page).is_file())
    assert missing == []
    for name in generated.assets:  # diagrams, calendars, downloads
        assert (site / name).is_file(), name
    assert (site / "playbook.css").is_file() and (site / "playbook.js").is_file()
    # the page is the engine's: the theme around it, the content from our Markdown
    stage = (site / "stages" / "discovery" / "index.html").read_text(encoding="utf-8")
    assert "<title>Discovery - Lumen Metrics playbook</title>" in stage
    assert 'class="md-content"' in stage and 'href="../../playbook.css"' in stage
    assert re.search(r"<h1[^>]*>Discovery", stage)


def test_nothing_unsafe_and_no_mark_left(built: tuple[str, Path, Path]) -> None:
    site = built[2]
    pages = sorted(p for p in site.rglob("*") if p.suffix in (".html", ".svg"))
    found = {str(p.relative_to(site)): problems(p.read_text(encoding="utf-8"))
             for p in pages}
    assert {page: bad for page, bad in found.items() if bad} == {}
    marked = [str(p.relative_to(site)) for p in pages
              if "playbook:generated" in p.read_text(encoding="utf-8")]
    assert marked == []


def test_search_index_holds_the_generated_pages(built: tuple[str, Path, Path]) -> None:
    engine, _, site = built
    index = site / ("search.json" if engine == "zensical" else "search/search_index.json")
    text = index.read_text(encoding="utf-8")
    assert "stages/discovery/" in text and "Discovery" in text


def test_print_page_comes_with_the_print_site_plugin(built: tuple[str, Path, Path]) -> None:
    """The whole-playbook print page is MkDocs' print-site plugin's: ProperDocs runs it,
    Zensical runs no MkDocs plugin and has none (README, Engines)."""
    engine, _, site = built
    assert (site / "print_page" / "index.html").is_file() == (engine != "zensical")


def test_hand_written_page_is_left_as_written(tmp_path: Path) -> None:
    """The extension cleans only what is marked: a hand-written page's own HTML (its
    author's) is kept, a generated page's is cleaned."""
    import markdown

    text = '<span onclick="go()">hand</span>\n\n[x](javascript:go())\n'
    hand = markdown.markdown(text, extensions=[GeneratedPages()])
    made = markdown.markdown(mark_generated("x.md", text), extensions=[GeneratedPages()])
    assert 'onclick="go()"' in hand and 'href="javascript:go()"' in hand
    assert "onclick" not in made and "javascript:" not in made
    assert problems(made) == [] and problems(hand) != []


def test_engine_that_is_not_installed_is_named_with_its_install_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    import importlib.util

    from revenue_playbook.engines import neutral as engine_neutral

    real = importlib.util.find_spec
    monkeypatch.setattr(engine_neutral.importlib.util, "find_spec",
                        lambda name, *a: None if name == "zensical" else real(name, *a))
    repo = make_repo(tmp_path, EXAMPLE)
    monkeypatch.chdir(repo)
    assert main(["build", "--engine", "zensical"]) == 2
    err = capsys.readouterr().err
    assert "zensical is not installed" in err and "pip install zensical" in err
    assert not (repo / "site").exists()


def test_a_project_without_the_playbook_plugin_is_told_what_to_add(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    repo = make_repo(tmp_path, EXAMPLE)
    config = yaml.safe_load((repo / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = ["search"]
    (repo / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["build", "--engine", "properdocs"]) == 2
    assert "lists no `playbook` plugin" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["properdocs", "zensical"])
def test_the_project_configuration_carries_over(engine: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """What a project writes in mkdocs.yml reaches the engine: settings inherited from
    another file, a value from the environment (`!ENV`, resolved by the engine), its own
    theme overrides (over ours), and a hand-written page in place of a generated one."""
    repo = make_repo(tmp_path, EXAMPLE, docs=True)
    config = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("site_name: Lumen Metrics playbook\n",
                            "INHERIT: base.yml\nsite_name: !ENV [PLAYBOOK_TEST_NAME, x]\n")
    body, _, theme_and_rest = config.partition("theme:\n")
    (repo / "mkdocs.yml").write_text(body + "theme:\n  custom_dir: overrides\n"
                                     + theme_and_rest.replace("  name: material\n", "", 1),
                                     encoding="utf-8")
    (repo / "base.yml").write_text("theme:\n  name: material\n", encoding="utf-8")
    (repo / "overrides").mkdir()
    (repo / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}\n{% block footer %}<p id="ours">own footer</p>'
        "{% endblock %}\n", encoding="utf-8")
    (repo / "playbook" / "meeting.md").write_text("# Our own meeting page\n", encoding="utf-8")
    monkeypatch.setenv("PLAYBOOK_TEST_NAME", "Lumen & <Co>")
    monkeypatch.chdir(repo)
    assert main(["build", "--engine", engine]) == 0
    home = (repo / "site" / "index.html").read_text(encoding="utf-8")
    assert " - Lumen &amp; &lt;Co&gt;</title>" in home  # the name, escaped
    assert '<p id="ours">own footer</p>' in home
    assert 'class="md-content"' in home  # Material, named in base.yml only
    meeting = (repo / "site" / "meeting" / "index.html").read_text(encoding="utf-8")
    assert "Our own meeting page" in meeting
    assert (repo / "site" / "stages" / "discovery" / "index.html").is_file()
    assert not (repo / "site" / ".playbook-engine").exists()
