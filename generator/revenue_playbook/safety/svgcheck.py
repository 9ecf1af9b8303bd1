"""Is what Graphviz's `dot` printed a diagram we can put in a page?

The SVG is inlined into pages and served as a file of its own, where a script in it would
run. `dot` is a program found on PATH, so its output is checked rather than trusted: it
must parse as XML (with defusedxml: no DTD, no entities, nothing fetched), be an SVG, use
only the elements Graphviz draws with, and carry no event handler, no link refused by the
link policy and nothing an HTML parser would read differently from an XML one (CDATA
sections, processing instructions, declarations).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .linkpolicy import is_allowed_url

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# What Graphviz's SVG renderer writes (core, cairo-free): shapes, text, links, gradients.
ELEMENTS = frozenset({"svg", "g", "title", "desc", "a", "path", "polygon", "polyline",
                      "line", "rect", "circle", "ellipse", "text", "tspan", "defs",
                      "linearGradient", "radialGradient", "stop", "clipPath"})
_HREFS = {"href", f"{{{XLINK_NS}}}href"}
_DESCRIBED = {"script": "a script", "foreignObject": "a foreign object (HTML inside SVG)",
              "style": "a style sheet", "image": "an embedded image", "use": "a reference "
              "to other content", "iframe": "an iframe", "set": "an animation",
              "animate": "an animation"}


class UnsafeSVG(ValueError):
    """dot's output is not an SVG diagram that is safe to show; the message says why."""


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def check_svg(text: str) -> None:
    """Raise UnsafeSVG unless `text` is a safe Graphviz SVG (prolog and comments removed)."""
    if not text.startswith("<svg"):
        raise UnsafeSVG(f"it is not an SVG document (it starts with {text[:20]!r})")
    for marker, what in (("<![CDATA[", "a CDATA section"), ("<?", "a processing instruction"),
                         ("<!", "a declaration or comment")):
        if marker in text:
            raise UnsafeSVG(f"it holds {what}")
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        raise UnsafeSVG(f"it is not well-formed XML ({exc})") from None
    except DefusedXmlException as exc:
        raise UnsafeSVG(f"it declares entities or a DTD ({exc})") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsafeSVG(f"it is not an SVG document (its root is <{_local(root.tag)[1]}> in "
                        f"the namespace {_local(root.tag)[0] or 'none'!r})")
    element: Element
    for element in root.iter():
        namespace, local = _local(element.tag)
        if namespace != SVG_NS or local not in ELEMENTS:
            what = _DESCRIBED.get(local, "an element Graphviz does not draw with")
            raise UnsafeSVG(f"it holds {what} (<{local}>)")
        for name, value in element.attrib.items():
            attr = _local(name)[1]
            if attr.lower().startswith("on"):
                raise UnsafeSVG(f"it holds an event handler (<{local} {attr}=…>)")
            if name in _HREFS and not is_allowed_url(value):
                raise UnsafeSVG(f"it links to an address that is not allowed "
                                f"(<{local} href={value[:40]!r}>)")
