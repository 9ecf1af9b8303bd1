"""Incremental serve builds: after each edit the site is byte for byte what a full build of
the same sources writes (search index, sitemap and print page included), while only the
pages an edit touches are rendered again."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import ROOT, make_repo
from material.plugins.search.plugin import SearchIndex
from mkdocs.commands.build import build as full_build
from mkdocs.config import load_config

from revenue_playbook.engines.mkdocs.incremental import IncrementalBuilder, SearchIndexJson
from revenue_playbook.incremental.page_memo import PageMemo

URL = "http://127.0.0.1:8000/"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Site:
    """One served folder built incrementally, checked against full builds."""

    def __init__(self, repo: Path, work: Path) -> None:
        self.repo, self.work = repo, work
        self.served = work / "served"
        self.builder = IncrementalBuilder()
        self.fulls = 0

    def config(self, site_dir: Path):  # type: ignore[no-untyped-def]
        config = load_config(str(self.repo / "mkdocs.yml"), site_dir=str(site_dir))
        config.site_url = URL  # as `serve` sets it
        return config

    def build(self) -> None:
        self.builder.build(self.config(self.served), serve_url=URL)

    def check(self) -> None:
        """The served folder equals a full build of the same sources, file for file."""
        self.fulls += 1
        full = self.work / f"full{self.fulls}"
        config = self.config(full)
        plugin = config.plugins["playbook"]
        kept, plugin.session.pages = plugin.session.pages, PageMemo()  # every page afresh
        try:
            full_build(config, serve_url=URL)
        finally:
            plugin.session.pages = kept
        expected, got = tree(full), tree(self.served)
        assert sorted(got) == sorted(expected)
        different = [name for name in expected if expected[name] != got[name]]
        assert different == []
        shutil.rmtree(full)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = make_repo(tmp_path, ROOT / "process_defs", docs=True)
    monkeypatch.chdir(repo)
    built = Site(repo, tmp_path)
    config = built.config(built.served)
    config.plugins.on_startup(command="serve", dirty=False)
    built.build()
    assert built.builder.stats.full
    return built


BANNER = "The last change could not be built: this is the last good version"


def html_pages(folder: Path) -> list[tuple[str, str]]:
    """Every page of a built site (its path, its HTML), the 404 page aside."""
    return [(p.relative_to(folder).as_posix(), p.read_text(encoding="utf-8"))
            for p in sorted(folder.rglob("index.html"))]


def without_banner(html: str) -> str:
    """A page served with the banner, as it was before: the admonition taken out."""
    return re.sub(r'<div class="admonition failure">.*?</code></pre></div>\s*</div>\s*', "",
                  html, count=1, flags=re.DOTALL)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_a_series_of_edits_gives_what_a_full_build_gives(site: Site) -> None:
    defs = site.repo / "process_defs"
    pages = site.builder.stats.pages
    site.check()

    # nothing changed: nothing rendered again
    site.build()
    assert not site.builder.stats.full and site.builder.stats.built == 0
    site.check()

    # a template's subject: its page and the few that show it
    edit(defs / "templates" / "demo_followup.yaml", "Demo recording and next steps",
         "Your demo recording and next steps")
    site.build()
    stats = site.builder.stats
    assert not stats.full and 0 < stats.built <= 10 and stats.populated <= 10, stats
    site.check()

    # a stage renamed: its title is in the navigation of every page
    edit(defs / "processes" / "new_business.yaml", "name: Tailored demo",
         "name: Tailored product demo")
    site.build()
    assert site.builder.stats.built == pages and site.builder.stats.populated < pages
    site.check()

    # a campaign added, then deleted: pages appear and go, links and navigation follow
    campaign = defs / "campaigns" / "retention_webinar.yaml"
    added = defs / "campaigns" / "winback_webinar.yaml"
    shutil.copy(campaign, added)
    site.build()
    assert (site.served / "campaigns" / "winback_webinar" / "index.html").is_file()
    site.check()
    added.unlink()
    site.build()
    assert not (site.served / "campaigns" / "winback_webinar").exists()
    site.check()

    # a hand-written page
    edit(site.repo / "playbook" / "benchmarks.md", "# Benchmarks", "# Benchmarks, measured")
    site.build()
    assert not site.builder.stats.full and site.builder.stats.populated == 1
    site.check()
    # its metadata (front matter the search plugin reads): split off the text again
    edit(site.repo / "playbook" / "benchmarks.md", "boost: 0.1", "boost: 0.2")
    site.build()
    assert not site.builder.stats.full and site.builder.stats.populated == 1
    site.check()

    # a file broken, then fixed: serve keeps the last good site with the report on top of
    # every page, as a full build in serve gives, then follows the fix
    template = defs / "templates" / "order_form.yaml"
    good = template.read_text(encoding="utf-8")
    form = site.served / "emails" / "order_form" / "index.html"
    last_good = form.read_text(encoding="utf-8")
    template.write_text(good.replace("owner:", "owner: nobody\nowner_was:", 1),
                        encoding="utf-8")
    site.build()
    assert without_banner(form.read_text(encoding="utf-8")) == last_good
    assert [page for page, html in html_pages(site.served) if BANNER not in html] == []
    assert "error PB101 unknown key 'owner_was'" in unescape(form.read_text(encoding="utf-8"))
    site.check()
    template.write_text(good, encoding="utf-8")
    site.build()
    assert [page for page, html in html_pages(site.served) if BANNER in html] == []
    site.check()

    # mkdocs.yml changed: a full build
    edit(site.repo / "mkdocs.yml", "site_name: ", "site_name: The ")
    site.build()
    assert site.builder.stats.full
    site.check()


@pytest.mark.slow
def test_an_extension_that_includes_files_means_full_builds(site: Site) -> None:
    """With pymdownx.snippets a page's HTML depends on files its text only names."""
    edit(site.repo / "mkdocs.yml", "  - admonition\n", "  - admonition\n  - pymdownx.snippets\n")
    site.build()
    site.build()
    assert site.builder.stats.full and "snippets" in site.builder.stats.reason


@pytest.mark.slow
def test_excluded_draft_and_unlisted_pages_stay_so(site: Site) -> None:
    """Each file's inclusion is kept by its path between builds (mkdocs.yml's patterns
    decide it): a page added later is matched against them, and the folder is still what a
    full build writes."""
    docs = site.repo / "playbook"
    with (site.repo / "mkdocs.yml").open("a", encoding="utf-8") as handle:
        handle.write("exclude_docs: |\n  secret*.md\ndraft_docs: |\n  draft*.md\n"
                     "not_in_nav: |\n  aside*.md\n")
    for name in ("secret", "draft", "aside"):
        (docs / f"{name}.md").write_text(f"# {name}\n", encoding="utf-8")
    site.build()
    assert site.builder.stats.full
    site.check()
    for name in ("secret2", "draft2", "aside2"):
        (docs / f"{name}.md").write_text(f"# {name}\n", encoding="utf-8")
    edit(docs / "draft.md", "# draft", "# draft, edited")
    site.build()
    assert not site.builder.stats.full
    assert not (site.served / "secret2").exists() and (site.served / "draft2").is_dir()
    site.check()


def material_index() -> SearchIndex:
    index = SearchIndex(lang=["en"], separator=r"[\s\-]+", pipeline=["stemmer"],
                        fields={"title": {"boost": 1e3}, "text": {"boost": 1.0}})
    index.entries = [
        {"location": "", "title": "Ünïcode “quotes” & <tags>", "text": "<p>a\tb\n</p>"},
        {"location": "emails/x/#subject", "title": "Subject", "text": "", "tags": ["a", "1"],
         "boost": 0.1},
    ]
    return index


def test_search_index_json_is_materials_own() -> None:
    """Each entry encoded once, joined: the same text as Material's `json.dumps` of the
    whole index, also after entries are added or changed in place."""
    index = material_index()
    fast = SearchIndexJson()
    assert fast.dumps(index) == SearchIndex.generate_search_index(index, None)
    index.entries[0]["text"] = "changed in place"
    index.entries.append({"location": "roles/#ae", "title": "AE", "text": "x" * 1000})
    assert fast.dumps(index) == SearchIndex.generate_search_index(index, None)
    assert json.loads(fast.dumps(index))["docs"][0]["text"] == "changed in place"


def test_search_index_json_turns_off_when_it_differs() -> None:
    """Checked against Material's own in a full build: a difference (another version of
    Material writing other settings) turns it off, and Material's text is written."""
    index = material_index()
    config = SimpleNamespace(plugins={"search": SimpleNamespace(search_index=index)})
    fast = SearchIndexJson()
    fast.CONFIG_KEYS = ("lang",)  # type: ignore[misc]  # as if Material wrote more
    fast.install(config, check=True)  # type: ignore[arg-type]
    assert index.generate_search_index(None) == SearchIndex.generate_search_index(index, None)
    assert not fast.enabled
