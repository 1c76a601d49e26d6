"""WeasyPrint's tagging, completed for PDF/UA.

WeasyPrint 70 tags a PDF from its box tree but leaves out what PDF/UA readers
need: running heads and folios become unattached marked content instead of
artifacts, the dots of a ``leader()`` are tagged as text one by one, ``lang``
attributes are not written as ``/Lang``, table headers carry no ``/Scope``, and a
link's inner boxes get link annotations of their own outside any Link element
(Kozea/WeasyPrint#2482). It has no hook for any of this, so ``install_tagging``
wraps three of its functions; the wrappers only add to what they wrap. What they
wrap is pinned in pins.py. The one edit of the finished PDF, a footnote call's
``/Ref`` to its note, is a ``write_pdf`` finisher (``link_notes``), public API.
"""

from __future__ import annotations

import contextlib

ARTIFACT = "_folio_artifact"     # attribute set on boxes drawn as artifacts
CONTENT = "_folio_content"       # attribute set on margin boxes that are content
# Running strings and elements whose margin box is content, not pagination: the
# "Cite this article" line (templates/journal-running.css) is read out, a running
# head is not.
CONTENT_STRINGS = ("cite-line",)
# HTML attribute of a table laid out as parallel columns, one language each (the
# side-by-side bilingual sheet): tagged as one section per column, read one after
# the other, not as a table whose rows alternate the languages.
COLUMNS = "data-pdf-columns"
ROLE = "data-pdf-role"           # HTML attribute: the structure type to write
_installed = False
# Footnotes met while the structure tree is built, by their HTML element: the
# note's element and its calls' (``_describe``), linked by ``link_notes``.
_notes: dict = {}


def install_tagging() -> None:
    """Patch WeasyPrint's tagging once per process (see the module docstring)."""
    global _installed
    if _installed:
        return
    import pydyf
    from weasyprint import anchors as weasy_anchors
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import stream as weasy_stream
    from weasyprint.pdf import tags as weasy_tags

    build_tree = weasy_tags._build_box_tree
    marked = weasy_stream.Stream.marked
    gather = weasy_anchors.gather_anchors
    notes = _notes

    @contextlib.contextmanager
    def marked_or_artifact(self, box, tag):
        kind = getattr(box, ARTIFACT, None)
        if self._tags is None or kind is None:
            with marked(self, box, tag):
                yield
            return
        properties = {"Type": "/Pagination" if kind != "Layout" else "/Layout"}
        if kind not in ("Layout", "Pagination"):
            properties["Subtype"] = f"/{kind}"
        self.begin_marked_content("Artifact", pydyf.Dictionary(properties))
        try:
            yield
        finally:
            self.end_marked_content()

    def build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        inner = box._box if isinstance(box, AbsolutePlaceholder) else box
        if isinstance(inner, boxes.MarginBox) and getattr(inner, CONTENT, False):
            yield _margin_paragraph(inner, parent, pdf, page_number, nums, tags, pydyf,
                                    boxes)
            return
        if isinstance(inner, boxes.MarginBox) or getattr(inner, ARTIFACT, None):
            return                      # drawn as an artifact: not in the tree
        if inner.element is not None and inner.element_tag == "table" \
                and inner.element.get(COLUMNS) == "sections" and inner.is_table_wrapper:
            yield from _column_sections(inner, parent, pdf, page_number, nums, annotations,
                                        tags, pydyf, boxes, weasy_tags)
            return
        for element in build_tree(box, parent, pdf, page_number, nums, annotations, tags):
            if inner.element is not None and inner.element_tag not in ("html", "body") \
                    and not isinstance(inner, boxes.PageBox):
                _describe(element, inner, notes, pydyf)
            yield element

    def gather_without_inner_links(box, anchors, links, bookmarks, forms,
                                   parent_matrix=None, parent_form=None, parent_link=None):
        # A link's own box (one per line) carries its annotation, and its area
        # covers what is inside it: an inner box needs none of its own.
        if parent_link is not None and box.link is None:
            parent_link = None
        return gather(box, anchors, links, bookmarks, forms, parent_matrix, parent_form,
                      parent_link)

    weasy_tags._build_box_tree = build_box_tree
    weasy_stream.Stream.marked = marked_or_artifact
    weasy_anchors.gather_anchors = gather_without_inner_links
    _installed = True


def link_notes(document, pdf) -> None:
    """A ``write_pdf`` finisher: each footnote call's structure element gets a
    ``/Ref`` to its note's (the structure tree is built by then: ``add_tags``)."""
    import pydyf
    for parts in _notes.values():
        note = parts.get("note")
        for call in parts.get("calls", ()):
            if note is not None:
                call["Ref"] = pydyf.Array([note.reference])
    _notes.clear()


def _describe(element, box, notes: dict, pydyf) -> None:
    """What WeasyPrint leaves out of one structure element: role, language, scope."""
    html = box.element
    pseudo = "::" in (box.element_tag or "")
    if box.element_tag.endswith("::footnote-call"):
        element["S"] = "/Reference"
        notes.setdefault(html, {}).setdefault("calls", []).append(element)
        return
    if box.element_tag.endswith("::footnote-marker") or box.element_tag.endswith("::marker"):
        element["S"] = "/Lbl"
        return
    if pseudo:
        if element["S"] == "/Link" and box.link_annotation is None:
            element["S"] = "/Span"      # inside its link, which carries the annotation
        return
    role = html.get(ROLE)
    if role:
        element["S"] = f"/{role}"
        if role == "Note":
            element["ID"] = pydyf.String(f"note-{element.number}")
            notes.setdefault(html, {})["note"] = element
    lang = html.get("lang")
    if lang:
        element["Lang"] = pydyf.String(lang)
    if box.element_tag == "th" and "A" in element:
        scope = "/Row" if html.get("scope") == "row" else "/Column"
        element["A"]["Scope"] = scope


def _margin_paragraph(box, parent, pdf, page_number, nums, tags, pydyf, boxes):
    """A margin box that is content (CONTENT_STRINGS) as a paragraph of the page,
    read after the page's text as its footnotes are."""
    element = pydyf.Dictionary({"Type": "/StructElem", "S": "/P", "K": pydyf.Array([]),
                                "Pg": pdf.page_references[page_number],
                                "P": parent.reference})
    pdf.add_object(element)
    for text in box.descendants():
        if isinstance(text, boxes.TextBox) and text in tags:
            kid = tags.pop(text)
            span = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{kid['tag']}",
                                     "K": pydyf.Array([kid["mcid"]]),
                                     "Pg": pdf.page_references[page_number],
                                     "P": element.reference})
            pdf.add_object(span)
            element["K"].append(span.reference)
            nums[kid["mcid"]] = span.reference
    return element


def _column_sections(wrapper, parent, pdf, page_number, nums, annotations, tags, pydyf,
                     boxes, weasy_tags):
    """A COLUMNS table as one ``Sect`` per column, with the column's language: the
    cells of the first column, top to bottom, then the second's."""
    def rows(box):
        for child in box.children:
            if isinstance(child, boxes.TableRowBox):
                yield child
            elif isinstance(child, boxes.ParentBox):
                yield from rows(child)

    def element(kind, above, lang):
        made = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{kind}", "K": pydyf.Array([]),
                                 "Pg": pdf.page_references[page_number],
                                 "P": above.reference})
        if lang:
            made["Lang"] = pydyf.String(lang)
        pdf.add_object(made)
        return made

    def fill(target, box):
        for child in box.children:
            for kid in child.children if isinstance(child, boxes.LineBox) else [child]:
                if isinstance(kid, boxes.TextBox):
                    if kid not in tags:
                        continue
                    marked = tags.pop(kid)
                    span = element(marked["tag"], target, "")
                    span["K"].append(marked["mcid"])
                    nums[marked["mcid"]] = span.reference
                    target["K"].append(span.reference)
                else:
                    for made in weasy_tags._build_box_tree(kid, target, pdf, page_number, nums,
                                                           annotations, tags):
                        target["K"].append(made.reference)

    columns: dict[int, list] = {}
    for table in wrapper.children:
        for row in rows(table):
            for index, cell in enumerate(c for c in row.children
                                         if isinstance(c, boxes.TableCellBox)):
                columns.setdefault(index, []).append(cell)
    for index in sorted(columns):
        cells = columns[index]
        langs = [cell.element.get("lang", "") for cell in cells if cell.element is not None]
        lang = max(langs, key=langs.count) if langs else ""     # the first, in a tie
        section = element("Sect", parent, lang)
        for cell in cells:
            own = cell.element.get("lang", "") if cell.element is not None else ""
            if own == lang:
                fill(section, cell)
            else:                       # a pending note, in the other language
                division = element("Div", section, own)
                section["K"].append(division.reference)
                fill(division, cell)
        yield section


def _is_content_margin(box) -> bool:
    """Whether a margin box shows a running string or element that is content."""
    return any(kind in ("string()", "element()") and value and value[0] in CONTENT_STRINGS
               for kind, value in box.style["content"] or ()
               if isinstance(value, tuple))


def flag_artifacts(document) -> None:
    """Mark what is drawn but is not content: margin boxes (running heads and
    folios) but those that are content (CONTENT_STRINGS), leader dots, and elements
    with ``aria-hidden="true"`` (the draft band)."""
    from weasyprint.formatting_structure import boxes

    _notes.clear()                      # what a write that failed may have left
    for page in document.pages:
        for box in page._page_box.descendants(placeholders=True):
            kind = None
            if isinstance(box, boxes.MarginBox) and _is_content_margin(box):
                setattr(box, CONTENT, True)
                continue
            if isinstance(box, boxes.MarginBox):
                kind = "Header" if box.at_keyword.startswith("@top") else "Footer"
            elif getattr(box, "is_leader", False):
                kind = "Layout"
            elif box.element is not None and box.element.get("aria-hidden") == "true" \
                    and "::" not in (box.element_tag or ""):
                kind = "Watermark"
            if kind is not None:
                for descendant in box.descendants(placeholders=True):
                    setattr(descendant, ARTIFACT, kind)
