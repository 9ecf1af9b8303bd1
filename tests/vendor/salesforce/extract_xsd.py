"""Cut the XML Schema of the metadata types Playbook writes out of Salesforce's Metadata API
WSDL, so tests validate exports against Salesforce's own published definitions.

    python tests/vendor/salesforce/extract_xsd.py metadata.wsdl SOURCE > metadata-fragment.xsd

The WSDL is the one Salesforce publishes for each API version (Setup > API > Generate
Metadata WSDL); the copy used is named in the fragment's header (SOURCE). Every type the
roots need is copied unchanged; one global element per root is added, because metadata
files have the type's name as their root element.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

XSD = "http://www.w3.org/2001/XMLSchema"
TNS = "http://soap.sforce.com/2006/04/metadata"
ROOTS = ["Package", "StandardValueSet", "PathAssistant", "PathAssistantSettings",
         "CustomObject"]


def main(wsdl: str, source: str) -> None:
    tree = ET.parse(wsdl)
    schema = next(s for s in tree.iter(f"{{{XSD}}}schema") if s.get("targetNamespace") == TNS)
    types = {node.get("name"): node for node in schema
             if node.tag in (f"{{{XSD}}}complexType", f"{{{XSD}}}simpleType")}
    needed: list[str] = []
    pending = list(ROOTS)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.append(name)
        for node in types[name].iter():
            for attr in ("type", "base"):
                ref = node.get(attr, "")
                if ref.startswith("tns:"):
                    pending.append(ref[4:])
    ET.register_namespace("xsd", XSD)
    ET.register_namespace("tns", TNS)
    out = ET.Element(f"{{{XSD}}}schema", {"elementFormDefault": "qualified",
                                          "targetNamespace": TNS, "xmlns:tns": TNS})
    out.append(ET.Comment(f" Cut from {source} by extract_xsd.py: the types {', '.join(ROOTS)}"
                          " and every type they use, unchanged. "))
    for root in ROOTS:
        ET.SubElement(out, f"{{{XSD}}}element", {"name": root, "type": f"tns:{root}"})
    for name in sorted(needed):
        out.append(types[name])
    ET.indent(out, space=" ")
    sys.stdout.write(ET.tostring(out, encoding="unicode", xml_declaration=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
