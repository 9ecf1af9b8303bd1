"""Is what Graphviz's `dot` printed a diagram we can put in a page?

The SVG is inlined into pages and served as a file of its own, where a script in it would
run. `dot` is a program found on PATH, so its output is checked rather than trusted: it
must parse as XML (no DTD, no entities, nothing fetched), be an SVG, use only the elements
Graphviz draws with, and carry no event handler, no link refused by the link policy and
nothing an HTML parser would read differently from an XML one (CDATA sections, processing
instructions, declarations).

It is read as it is parsed (expat, with a handler per element): every diagram of a build
is checked, those read back from the diagram cache too, and building a tree of each
first cost more than all the rest of reading the cache.
"""

from __future__ import annotations

from xml.parsers import expat

from .linkpolicy import is_allowed_url

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# What Graphviz's SVG renderer writes (core, cairo-free): shapes, text, links, gradients.
ELEMENTS = frozenset({"svg", "g", "title", "desc", "a", "path", "polygon", "polyline",
                      "line", "rect", "circle", "ellipse", "text", "tspan", "defs",
                      "linearGradient", "radialGradient", "stop", "clipPath"})
_HREFS = {"href", f"{XLINK_NS}}}href"}  # as expat names them
_DESCRIBED = {"script": "a script", "foreignObject": "a foreign object (HTML inside SVG)",
              "style": "a style sheet", "image": "an embedded image", "use": "a reference "
              "to other content", "iframe": "an iframe", "set": "an animation",
              "animate": "an animation"}


class UnsafeSVG(ValueError):
    """dot's output is not an SVG diagram that is safe to show; the message says why."""


def check_svg(text: str) -> None:
    """Raise UnsafeSVG unless `text` is a safe Graphviz SVG (prolog and comments removed)."""
    if not text.startswith("<svg"):
        raise UnsafeSVG(f"it is not an SVG document (it starts with {text[:20]!r})")
    for marker, what in (("<![CDATA[", "a CDATA section"), ("<?", "a processing instruction"),
                         ("<!", "a declaration or comment")):
        if marker in text:
            raise UnsafeSVG(f"it holds {what}")
    # Without "<!" no DTD can be declared, so no entity but XML's five: any other is
    # undefined, which expat refuses as not well-formed.
    problems: list[str] = []  # in document order; the first is reported if the text parses
    elements = 0

    def element(tag: str, attributes: dict[str, str]) -> None:
        nonlocal elements
        elements += 1
        if problems:
            return
        if tag not in _ALLOWED or elements == 1:
            problem = _element_problem(tag, root=elements == 1)
            if problem:
                problems.append(problem)
                return
        for name, value in attributes.items():
            kind = _KINDS.get(name)
            if kind is None:
                kind = _kind(name)
            if kind is _HANDLER or (kind is _HREF and not is_allowed_url(value)):
                local, attr = _split(tag)[1], _split(name)[1]
                problems.append(
                    f"it holds an event handler (<{local} {attr}=…>)" if kind is _HANDLER
                    else f"it links to an address that is not allowed (<{local} "
                    f"href={value[:40]!r}>)")
                return

    parser = expat.ParserCreate(namespace_separator="}")  # names: "namespace}local"
    parser.StartElementHandler = element
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise UnsafeSVG(f"it is not well-formed XML ({exc})") from None
    if problems:
        raise UnsafeSVG(problems[0])


_ALLOWED = frozenset(f"{SVG_NS}}}{name}" for name in ELEMENTS)  # as expat names them
# What an attribute is, by its name as expat gives it: the few names Graphviz writes are
# judged once per process (an attribute's value is judged every time, if it is a link).
_PLAIN, _HANDLER, _HREF = "plain", "handler", "href"
_KINDS: dict[str, str] = {}
_KINDS_KEPT = 1024  # names past this many (a hostile file's) are judged, not remembered


def _kind(name: str) -> str:
    kind = (_HANDLER if _split(name)[1].lower().startswith("on")
            else _HREF if name in _HREFS else _PLAIN)
    if len(_KINDS) < _KINDS_KEPT:
        _KINDS[name] = kind
    return kind


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition("}")
    return namespace, local


def _element_problem(tag: str, root: bool) -> str | None:
    namespace, local = _split(tag)
    if root and (namespace, local) != (SVG_NS, "svg"):
        return (f"it is not an SVG document (its root is <{local}> in the namespace "
                f"{namespace or 'none'!r})")
    if namespace != SVG_NS or local not in ELEMENTS:
        what = _DESCRIBED.get(local, "an element Graphviz does not draw with")
        return f"it holds {what} (<{local}>)"
    return None
