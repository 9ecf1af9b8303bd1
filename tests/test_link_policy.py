"""The link policy, the page sanitiser and the check of dot's SVG, each on its own."""

from __future__ import annotations

import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from helpers import ROOT, make_repo
from hostile import problems

from revenue_playbook.checks.validate import validate
from revenue_playbook.cli import main
from revenue_playbook.safety.linkpolicy import is_allowed_url, url_scheme
from revenue_playbook.safety.markup import markdown as md_field
from revenue_playbook.safety.markup import text as text_field
from revenue_playbook.safety.sanitize import LINK_REMOVED_TITLE, sanitize_page
from revenue_playbook.safety.svgcheck import UnsafeSVG, check_svg
from revenue_playbook.site.diagrams import DiagramError, DiagramRenderer, clean_svg
from revenue_playbook.site.pages import build_site

REFUSED = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)",
    "\x01javascript:alert(1)", "\x00javascript:alert(1)", "java\rscript:alert(1)",
    "java\nscript:alert(1)", "java\tscript:alert(1)", "javascript\n:alert(1)",
    "\u00a0javascript:alert(1)", "java\u200bscript:alert(1)", "\ufeffjavascript:alert(1)",
    "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)", "javascript&colon;alert(1)",
    "jav&#x09;ascript:alert(1)", "vbscript:msgbox(1)", "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd", "livescript:x", "x-unknown:y", "C:\\Windows",
    "//evil.example/", "\\\\evil.example/", "/\\evil.example/", " //evil.example",
]
ALLOWED = [
    "https://example.com/a?b=1&c=2#d", "http://example.com", "HTTPS://EXAMPLE.COM",
    "mailto:sales@example.com", "tel:+1-555-0100", "#exit-criteria", "../stages/demo/",
    "stages/demo.md", "/absolute/path", "?q=1", "", "page.html#a:b", "./a:b",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused(url: str) -> None:
    assert not is_allowed_url(url)


@pytest.mark.parametrize("url", ALLOWED)
def test_allowed(url: str) -> None:
    assert is_allowed_url(url)


def test_scheme_is_read_as_browsers_read_it() -> None:
    assert url_scheme("java\r\nscript:x") == "javascript"
    assert url_scheme(" \x01JavaScript:x") == "javascript"
    assert url_scheme("//host/x") == "//"
    assert url_scheme("../x:y") is None
    assert url_scheme("1abc:x") is None  # a scheme starts with a letter: a relative path


# ---------------------------------------------------------------------------- the sanitiser


def render(text: str) -> str:
    """A Markdown field as a generated page shows it."""
    html = markdown.markdown(str(md_field(text)), extensions=["attr_list", "md_in_html"])
    return sanitize_page(html)


@pytest.mark.parametrize(("source", "words"), [
    ("[click][evil]\n\n[evil]: javascript:alert(1)", "click"),
    ("[ctl](\x01javascript:alert(1))", "ctl"),
    ("[cr](java\rscript:alert(1))", "cr"),
    ("[ent](&#106;avascript:alert(1))", "ent"),
    ("[case](JaVaScRiPt:alert(1))", "case"),
    ("[vb](vbscript:msgbox(1))", "vb"),
    ("[data](data:text/html,x)", "data"),
    ("[proto](//evil.example)", "proto"),
])
def test_refused_links_become_their_words(source: str, words: str) -> None:
    html = render(source)
    assert "href" not in html
    assert '<span class="pb-link-removed" title="Link removed' in html
    assert re.search(rf">{words}</span>", html)


def test_words_without_markup_are_kept_as_nh3_keeps_them() -> None:
    # the sanitiser hands such text back without nh3 (a heading's words, one by one, from
    # the toc extension): it must be exactly what nh3 would make of it
    from revenue_playbook.safety.sanitize import _CLEANER
    samples = ["Entry criteria", "  Why it matters \n", "Kick-off (segment 4): \"go\" 'now'",
               "tabs\tand\x0cfeeds", "ünïcode ✉ 数字", "href=\"javascript:alert(1)\"",
               " data-md-color x", "", "\u200b\ufeff\u2028"]
    samples += ["a" + chr(c) + "b" for c in range(0x20) if chr(c) not in "\x00\r"]
    for text in samples:
        assert sanitize_page(text) == _CLEANER.clean(text) == text
    # what nh3 does change goes through nh3: references, markup, NUL, CR, no-break space
    for text, cleaned in [("a &amp; b &copy;", "a &amp; b ©"), ("a & b", "a &amp; b"),
                          ("1 > 0", "1 &gt; 0"), ("a\x00b", "ab"), ("a\r\nb", "a\nb"),
                          ("a\xa0b", "a&nbsp;b"), ("<script>x</script>y", "y"),
                          ("<img src=x onerror=alert(1)>", '<img src="x">')]:
        assert sanitize_page(text) == _CLEANER.clean(text) == cleaned
    with pytest.raises(UnicodeEncodeError):
        sanitize_page("lone \ud800 surrogate")


def test_an_anchor_without_address_becomes_words_outside_diagrams_only() -> None:
    svg = ('<svg viewBox="0 0 10 10"><a xlink:title="tip"><path d="M0 0"></path></a>'
           '<a href="https://example.com/"><text>t</text></a></svg>')
    page = f'<p><a href="#x">kept</a></p>{svg}<p><a title="t">gone</a> <a id="i">target</a></p>'
    html = sanitize_page(page)
    assert '<svg viewBox="0 0 10 10"><a xlink:title="tip"><path d="M0 0"></path></a>' in html
    assert '<a href="#x">kept</a>' in html and '<a id="i">target</a>' in html
    assert f'<span class="pb-link-removed" title="{LINK_REMOVED_TITLE}">gone</span>' in html
    # only the diagram's tooltip anchor lacks an address: nothing changes
    assert sanitize_page(f"<p>{svg}</p>") == f"<p>{svg}</p>"
    # a tag that only mentions href in a value is still judged by its attributes
    assert "pb-link-removed" in sanitize_page('<a title="x href= y">w</a>')


def test_refused_images_lose_their_address() -> None:
    html = render("![logo](javascript:alert(1)) ![pic][p]\n\n[p]: data:image/png;base64,AA")
    assert "src" not in html and "javascript" not in html and 'alt="logo"' in html


def test_allowed_links_are_kept() -> None:
    html = render("[site](https://example.com/x?a=1&b=2) [mail](mailto:a@example.com) "
                  "[call](tel:+15550100) [page](../stages/demo/)")
    assert 'href="https://example.com/x?a=1&amp;b=2"' in html
    assert 'href="mailto:a@example.com"' in html and 'href="tel:+15550100"' in html
    assert 'href="../stages/demo/"' in html and "pb-link-removed" not in html


def test_attribute_lists_never_come_from_yaml() -> None:
    for source in ["Item\n{: onclick=\"alert(1)\" style=\"position:fixed\" }",
                   "Item {: onclick=alert(1) }", "# Heading {: #x onclick=alert(1) }"]:
        html = markdown.markdown(str(md_field(source)), extensions=["attr_list"])
        assert problems(html) == [] and "onclick" in html  # shown as the text it is
        plain = markdown.markdown(f"- {text_field(source)}", extensions=["attr_list"])
        assert "<li>" in plain and "<li " not in plain


def test_handlers_scripts_and_overlays_are_removed() -> None:
    html = sanitize_page(
        '<p onclick="alert(1)" style="position:fixed">x</p>'
        '<svg style="position:fixed;inset:0;width:50%"><text>d</text></svg>'
        '<script>alert(2)</script><style>*{}</style><iframe src="https://x"></iframe>'
        '<svg onload="alert(3)"><a href="javascript:alert(4)"><text>t</text></a>'
        '<foreignObject><img src=x onerror=alert(5)></foreignObject></svg>'
        '<div data-md-component="announce" data-tabs="1:2">y</div>')
    assert "alert" not in html and "position" not in html and "iframe" not in html
    assert 'style="width:50%"' in html and 'data-tabs="1:2"' in html
    assert "data-md-component" not in html
    assert "<svg" in html and "<span" not in html  # a refused diagram link stays in the SVG


# an HTML parser reads NUL as U+FFFD, which no scheme starts with: a relative address
@pytest.mark.parametrize("url", [u for u in REFUSED if "\x00" not in u])
def test_every_refused_address_is_dropped_from_every_url_attribute(url: str) -> None:
    """nh3 judges schemes in href and src itself; the link policy judges what it keeps
    again (`//host`, invisible characters, references), in `cite` and SVG links too."""
    value = url.replace("&", "&amp;") if "&#" in url or "&colon;" in url else url
    value = value.replace('"', "&quot;")
    html = sanitize_page(
        f'<p><a href="{value}">a</a> <img src="{value}" alt="i"></p>'
        f'<blockquote cite="{value}">q</blockquote>'
        f'<svg><a xlink:href="{value}"><text>t</text></a></svg>')
    assert not re.search(r' (href|src|cite|xlink:href)=', html), html
    assert ">a</span>" in html and 'alt="i"' in html


@pytest.mark.parametrize("url", [u for u in ALLOWED if u])
def test_allowed_addresses_stay_in_every_url_attribute(url: str) -> None:
    html = sanitize_page(f'<a href="{url}">a</a><blockquote cite="{url}">q</blockquote>'
                         f'<svg><a xlink:href="{url}"><text>t</text></a></svg>')
    escaped = url.replace("&", "&amp;")
    for name in ("href", "cite", "xlink:href"):
        assert f' {name}="{escaped}"' in html, (name, html)


def test_text_that_looks_like_an_attribute_stays_text() -> None:
    text = 'write href="javascript:x" or data-md-x="1" in a sentence'
    assert sanitize_page(f"<p>{text}</p>") == f"<p>{text}</p>"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, tuple(sorted((n, v or "") for n, v in attrs
                                             if n != "markdown"))))


def elements(html: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def test_sanitiser_keeps_everything_the_example_site_uses(tmp_path: Path) -> None:
    """Every element and attribute of every page of the example, rendered with the site's
    Markdown extensions: tabs, admonitions, task lists, permalinks, tables, diagrams and
    their links all survive the sanitiser unchanged (Material's features need them)."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    settings = {next(iter(e)): next(iter(e.values())) or {}
                for e in config["markdown_extensions"] if isinstance(e, dict)}
    site = build_site(validate(ROOT / "process_defs").playbook,
                      DiagramRenderer(tmp_path / "cache"))
    seen: set[str] = set()
    for path, page in site.pages.items():
        html = markdown.markdown(page.markdown, extensions=names, extension_configs=settings)
        before, after = elements(html), elements(sanitize_page(html))
        assert after == before, (f"the sanitiser changes {path}: extend TAGS or ATTRIBUTES "
                                 "in sanitize.py if the page needs what it removes")
        seen.update(tag for tag, _ in before)
    # the features this is about are really on the pages
    assert {"svg", "input", "label", "table", "a"} <= seen


# ---------------------------------------------------------------------------- dot's output

SVG_OPEN = ('<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">')


@pytest.mark.parametrize(("body", "reason"), [
    ("<script>alert(1)</script>", "a script (<script>)"),
    ('<g onload="alert(1)"/>', "an event handler (<g onload=…>)"),
    ('<g ONCLICK="alert(1)"/>', "an event handler (<g ONCLICK=…>)"),
    ("<foreignObject><p xmlns='http://www.w3.org/1999/xhtml'>x</p></foreignObject>",
     "a foreign object"),
    ('<a href="javascript:alert(1)"><text>x</text></a>', "an address that is not allowed"),
    ('<a xlink:href="java&#x0A;script:alert(1)"><text>x</text></a>',
     "an address that is not allowed"),
    ('<set attributeName="href" to="javascript:alert(1)"/>', "an animation (<set>)"),
    ("<title><![CDATA[><img src=x onerror=alert(1)>]]></title>", "a CDATA section"),
    ('<p xmlns="http://www.w3.org/1999/xhtml">x</p>', "an element Graphviz does not draw"),
])
def test_unsafe_svg_is_refused(body: str, reason: str) -> None:
    with pytest.raises(UnsafeSVG, match=re.escape(reason)):
        check_svg(SVG_OPEN + body + "</svg>")


@pytest.mark.parametrize(("svg", "reason"), [
    ("<html><body>x</body></html>", "it is not an SVG document (it starts with '<html>"),
    ("not markup at all", "it is not an SVG document (it starts with 'not markup"),
    ('<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
     "it is not an SVG document (it starts with '<!DOCTYPE"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><g>', "it is not well-formed XML"),
    ("<svg><g/></svg>", "(its root is <svg> in the namespace 'none')"),
    ('<svgx xmlns="http://www.w3.org/2000/svg"/>', "(its root is <svgx> in the namespace"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><!ENTITY a "b"></svg>', "a declaration"),
    # read as it is parsed, yet judged as a whole: a text that is not XML says so first
    ('<svg xmlns="http://www.w3.org/2000/svg"><script/><g>', "it is not well-formed XML"),
])
def test_what_is_not_an_svg_is_refused(svg: str, reason: str) -> None:
    with pytest.raises(UnsafeSVG, match=re.escape(reason)):
        check_svg(svg)


def test_entities_are_refused_by_the_parser() -> None:
    # past the quick text checks (no "<!"), an undeclared entity is still not XML
    with pytest.raises(UnsafeSVG, match="not well-formed"):
        check_svg(SVG_OPEN + "&xxe;</svg>")


def test_graphviz_output_passes(tmp_path: Path) -> None:
    renderer = DiagramRenderer(tmp_path / "cache")
    svg = renderer.render('digraph "g" { a [URL="../a/", target="_top", tooltip="t"]; '
                          'a -> b [label="x"]; }')
    check_svg(svg.decode())
    assert b'href="../a/"' in svg


def fake_dot(folder: Path, output: bytes) -> Path:
    """A `dot` that answers -V like Graphviz and prints `output` for any graph."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "out.bin").write_bytes(output)
    script = folder / "dot"
    script.write_text('#!/bin/sh\nif [ "$1" = "-V" ]; then echo "dot - graphviz version '
                      'fake" >&2; exit 0; fi\ncat >/dev/null\n'
                      f'cat "{folder / "out.bin"}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize(("output", "reason"), [
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
     b"</script></svg>", "it holds a script (<script>)"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
     "it holds an event handler (<svg onload=…>)"),
    (b"<b>bold</b><img src=x onerror=alert(1)>", "it is not an SVG document (it starts with "),
    (b"\x89PNG\r\n\x1a\n\x00\xff\xfe garbage", "it is not UTF-8 text"),
])
def test_a_dot_that_prints_markup_is_a_diagram_error(tmp_path: Path, output: bytes,
                                                     reason: str) -> None:
    renderer = DiagramRenderer(tmp_path / "cache", dot_binary=str(fake_dot(tmp_path, output)))
    with pytest.raises(DiagramError) as caught:
        renderer.render_many({"a": 'digraph "pipeline" {\n a;\n}\n',
                              "b": 'digraph "other" {\n b;\n}\n'})
    message = str(caught.value)
    assert message.startswith('diagram "pipeline": Graphviz\'s `dot` printed something that '
                              "is not a safe SVG diagram"), message
    assert reason in message and "check which `dot` is first on PATH" in message


def test_a_single_diagram_is_named_too(tmp_path: Path) -> None:
    dot = fake_dot(tmp_path, b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')
    with pytest.raises(DiagramError, match=r'^diagram "lifecycle": .*a script'):
        DiagramRenderer(None, dot_binary=str(dot)).render('digraph "lifecycle" {\n a;\n}\n')


def test_build_with_a_dot_that_prints_markup_fails_clearly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path)
    dot = fake_dot(tmp_path / "bin", b'<svg xmlns="http://www.w3.org/2000/svg">'
                   b'<foreignObject><img src="x" onerror="alert(1)"/></foreignObject></svg>')
    monkeypatch.setenv("PATH", f"{dot.parent}:{os.environ['PATH']}")
    monkeypatch.chdir(repo)
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert "printed something that is not a safe SVG diagram" in err
    assert "a foreign object (HTML inside SVG) (<foreignObject>)" in err
    assert "Traceback" not in err and not (repo / "site").exists()


def test_clean_svg_checks_what_it_returns() -> None:
    with pytest.raises(DiagramError, match="a foreign object"):
        clean_svg((SVG_OPEN + "<foreignObject/></svg>").encode())
