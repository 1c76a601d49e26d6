"""Bibliographic metadata in the PDF's XMP: what reference managers and archives read.

PRISM (the publishing industry's vocabulary, which Crossref and journal
platforms use) says which journal, volume, number and pages a file is, and its
DOI; Dublin Core's ``dc:identifier`` and ``dc:relation`` carry the DOIs too. A
PDF/A file may only use schemas it describes, so for PDF/A the PRISM properties
come with their PDF/A extension schema (ISO 19005-1, 6.7.8), as veraPDF checks.
"""

from __future__ import annotations

import io

import pikepdf
from lxml import etree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PRISM = "http://prismstandard.org/namespaces/basic/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
NAMESPACES = {"rdf": RDF, "prism": PRISM, "dc": DC, "pdfaExtension": PDFA_EXTENSION,
              "pdfaSchema": PDFA_SCHEMA, "pdfaProperty": PDFA_PROPERTY}
# What each PRISM property holds, for the PDF/A extension schema.
PRISM_PROPERTIES = {
    "publicationName": "Title of the journal",
    "issn": "ISSN of the journal",
    "volume": "Volume of the journal",
    "number": "Issue number",
    "coverDate": "Date on the cover of the issue",
    "doi": "Digital Object Identifier of the article",
    "startingPage": "First page of the article in its issue",
    "endingPage": "Last page of the article in its issue",
    "pageRange": "Pages of the article in its issue",
}
BAGS = ("dc:relation",)                 # a bag of values; dc:identifier is one text
OURS = ("dc:identifier", "dc:relation")
_EMPTY = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
          b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="' + RDF.encode() +
          b'"/></x:xmpmeta><?xpacket end="w"?>')


def add_metadata(data: bytes, properties: tuple[tuple[str, str], ...], pdfa: bool) -> bytes:
    """``data`` with ``properties`` (("prism:doi", "10.…"), ("dc:relation", …)) in
    its XMP packet; a repeated dc name makes a bag of values."""
    if not properties:
        return data
    pdf = pikepdf.open(io.BytesIO(data))
    version = pdf.pdf_version
    write_metadata(pdf, properties, pdfa)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, min_version=version)
    return out.getvalue()


def write_metadata(pdf: pikepdf.Pdf, properties: tuple[tuple[str, str], ...],
                   pdfa: bool) -> None:
    """``add_metadata`` on an open PDF, which its caller saves (an issue put together
    from its pieces is saved once)."""
    if not properties:
        return
    stream = pdf.Root.get("/Metadata")
    packet = stream.read_bytes() if stream is not None else _EMPTY
    root = etree.fromstring(packet, etree.XMLParser(remove_blank_text=False))
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f".//{{{RDF}}}RDF")
    _forget_ours(rdf)
    description = etree.SubElement(rdf, f"{{{RDF}}}Description",
                                   nsmap={"prism": PRISM, "dc": DC})
    description.set(f"{{{RDF}}}about", "")
    bags: dict[str, etree._Element] = {}
    used: list[str] = []
    for name, value in properties:
        prefix, local = name.split(":", 1)
        if name in BAGS:
            if name not in bags:
                holder = etree.SubElement(description, f"{{{NAMESPACES[prefix]}}}{local}")
                bags[name] = etree.SubElement(holder, f"{{{RDF}}}Bag")
            etree.SubElement(bags[name], f"{{{RDF}}}li").text = value
            continue
        etree.SubElement(description, f"{{{NAMESPACES[prefix]}}}{local}").text = value
        if prefix == "prism" and local not in used:
            used.append(local)
    if pdfa and used:
        _describe_prism(rdf, used)
    xml = etree.tostring(root, encoding="utf-8")
    if not xml.startswith(b"<?xpacket") and b"<?xpacket" in packet:
        # lxml keeps the processing instructions around the root only when asked.
        xml = packet[:packet.index(b"?>") + 2] + xml + b'<?xpacket end="w"?>'
    pdf.Root.Metadata = pdf.make_stream(xml, Type=pikepdf.Name.Metadata,
                                        Subtype=pikepdf.Name.XML)


def _forget_ours(rdf) -> None:
    """Remove what an earlier call wrote (an offprint is cut from an issue that
    has the issue's): each property may be said once."""
    for description in rdf.findall(f"{{{RDF}}}Description"):
        for child in list(description):
            name = etree.QName(child)
            if name.namespace == PRISM or (name.namespace == DC and
                                           f"dc:{name.localname}" in OURS):
                description.remove(child)
        for li in description.findall(f"{{{PDFA_EXTENSION}}}schemas/{{{RDF}}}Bag/{{{RDF}}}li"):
            if li.findtext(f"{{{PDFA_SCHEMA}}}namespaceURI") == PRISM:
                li.getparent().remove(li)
        for schemas in description.findall(f"{{{PDFA_EXTENSION}}}schemas"):
            if not len(schemas.find(f"{{{RDF}}}Bag")):
                description.remove(schemas)
        if not len(description) and not [k for k in description.attrib
                                          if k != f"{{{RDF}}}about"]:
            rdf.remove(description)


def _describe_prism(rdf, used: list[str]) -> None:
    """The PDF/A extension schema of the PRISM properties ``used``, in the packet's
    list of extension schemas (one may already be there)."""
    bag = rdf.find(f"{{{RDF}}}Description/{{{PDFA_EXTENSION}}}schemas/{{{RDF}}}Bag")
    if bag is None:
        description = etree.SubElement(rdf, f"{{{RDF}}}Description", nsmap={
            "pdfaExtension": PDFA_EXTENSION, "pdfaSchema": PDFA_SCHEMA,
            "pdfaProperty": PDFA_PROPERTY})
        description.set(f"{{{RDF}}}about", "")
        schemas = etree.SubElement(description, f"{{{PDFA_EXTENSION}}}schemas")
        bag = etree.SubElement(schemas, f"{{{RDF}}}Bag")
    schema = etree.SubElement(bag, f"{{{RDF}}}li")
    schema.set(f"{{{RDF}}}parseType", "Resource")
    for name, text in (("schema", "PRISM Basic Metadata"), ("namespaceURI", PRISM),
                       ("prefix", "prism")):
        etree.SubElement(schema, f"{{{PDFA_SCHEMA}}}{name}").text = text
    holder = etree.SubElement(schema, f"{{{PDFA_SCHEMA}}}property")
    seq = etree.SubElement(holder, f"{{{RDF}}}Seq")
    for local in used:
        item = etree.SubElement(seq, f"{{{RDF}}}li")
        item.set(f"{{{RDF}}}parseType", "Resource")
        for name, text in (("name", local), ("valueType", "Text"), ("category", "external"),
                           ("description", PRISM_PROPERTIES.get(local, local))):
            etree.SubElement(item, f"{{{PDFA_PROPERTY}}}{name}").text = text


def read(data: bytes) -> dict[str, list[str]]:
    """The PRISM and Dublin Core values of a PDF's XMP (for tests and preflight)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        stream = pdf.Root.get("/Metadata")
        if stream is None:
            return {}
        root = etree.fromstring(stream.read_bytes())
    found: dict[str, list[str]] = {}
    for prefix in ("prism", "dc"):
        for element in root.iter(f"{{{NAMESPACES[prefix]}}}*"):
            values = [li.text or "" for li in element.iter(f"{{{RDF}}}li")] or \
                [element.text or ""]
            found.setdefault(f"{prefix}:{etree.QName(element).localname}", []).extend(
                v for v in values if v.strip())
    return found
