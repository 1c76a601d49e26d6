"""Every use of a third-party internal, in one place, each checked by a test
(tests/pdf/test_compat.py).

WeasyPrint 70 tags a PDF from its box tree but leaves out what PDF/UA readers
need: running heads and folios become unattached marked content instead of
artifacts, the dots of a ``leader()`` are tagged as text one by one, ``lang``
attributes are not written as ``/Lang``, table headers carry no ``/Scope``, and a
link's inner boxes get link annotations of their own outside any Link element
(Kozea/WeasyPrint#2482). It has no hook for any of this, so ``install_tagging``
wraps three of its functions; the wrappers only add to what they wrap. If an
upgrade renames what they wrap, ``install_tagging`` raises at once and
tests/test_compat.py names the function.
"""

from __future__ import annotations

import contextlib
import re
import uuid

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


def install_tagging() -> None:
    """Patch WeasyPrint's tagging once per process (see the module docstring)."""
    global _installed
    if _installed:
        return
    import pydyf
    from weasyprint import anchors as weasy_anchors
    from weasyprint import pdf as weasy_pdf
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import stream as weasy_stream
    from weasyprint.pdf import tags as weasy_tags

    build_tree = weasy_tags._build_box_tree
    add_tags = weasy_pdf.add_tags
    marked = weasy_stream.Stream.marked
    gather = weasy_anchors.gather_anchors
    notes: dict = {}

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

    def add_tags_then_link_notes(pdf, document, pdf_version, page_streams):
        notes.clear()
        add_tags(pdf, document, pdf_version, page_streams)
        for parts in notes.values():
            note = parts.get("note")
            for call in parts.get("calls", ()):
                if note is not None:
                    call["Ref"] = pydyf.Array([note.reference])
        notes.clear()

    def gather_without_inner_links(box, anchors, links, bookmarks, forms,
                                   parent_matrix=None, parent_form=None, parent_link=None):
        # A link's own box (one per line) carries its annotation, and its area
        # covers what is inside it: an inner box needs none of its own.
        if parent_link is not None and box.link is None:
            parent_link = None
        return gather(box, anchors, links, bookmarks, forms, parent_matrix, parent_form,
                      parent_link)

    weasy_tags._build_box_tree = build_box_tree
    weasy_pdf.add_tags = add_tags_then_link_notes
    weasy_stream.Stream.marked = marked_or_artifact
    weasy_anchors.gather_anchors = gather_without_inner_links
    _installed = True


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


# -- reproducible identifiers ------------------------------------------------------

# A Korean line is justified as KLREQ describes: its word spaces widen first, up to
# KOREAN_SPACE_MAX_EM; only then, as a last resort, its Hangul syllables move apart,
# at most KOREAN_SYLLABLE_MAX_EM between two of them; whatever is left goes to the
# spaces again. Digits and Latin words are never spread.
KOREAN_SPACE_MAX_EM = 0.4
KOREAN_SYLLABLE_MAX_EM = 0.04
SYLLABLE_SPACING = "folio_syllable_spacing"   # a text box's style key: pt per syllable
HELD_SPACE = "folio_held_space"   # a text box's style key: its first space not stretched
_justifying = False


def install_korean_justification() -> None:
    """Justify a Korean line as Korean typesetting does (KLREQ): word spaces
    stretch first, up to ``KOREAN_SPACE_MAX_EM`` more than a space; if that leaves
    the line short, the gaps between neighbouring Hangul syllables of a word open,
    by at most ``KOREAN_SYLLABLE_MAX_EM``; the rest goes to the spaces.

    WeasyPrint 70 justifies by widening spaces only (``layout.inline.justify_line``),
    and sets letter-spacing on a whole text box, digits and Latin letters included.
    This wraps ``justify_line`` and ``Layout.set_text``: the syllable spacing is a
    key of the text box's style, which drawing reads again (``Layout.reactivate``),
    and it is set as Pango letter-spacing on the runs of Hangul syllables only. A
    line that is not Korean, or not loose, is justified by WeasyPrint as before,
    but in any line the space after a footnote call keeps its width (style key
    ``HELD_SPACE``): measured in the call's ems it read as a hole (0.76 em)."""
    global _justifying
    if _justifying:
        return
    import re

    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.line_break import create_layout, line_size

    # Two or more Hangul syllables in a row, word joiners (render/typography.py) between.
    runs = re.compile("[\uac00-\ud7a3](?:\u2060?[\uac00-\ud7a3])+")
    original = inline.justify_line
    count_spaces = inline.count_expandable_spaces
    set_text = line_break.Layout.set_text

    def text_boxes(box):
        if isinstance(box, boxes.TextBox):
            yield box
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            for child in box.children:
                if child.is_in_normal_flow():
                    yield from text_boxes(child)

    def units(text: str) -> int:
        """The characters letter-spacing widens: Pango adds it once per character
        of a run (half before its first, half after its last)."""
        return sum(len(match[0]) for match in runs.finditer(text))

    def after_calls(box, previous=None):
        """The text boxes that start with the space after a footnote call."""
        for child in getattr(box, "children", ()):
            if not child.is_in_normal_flow():
                continue
            if (child.element_tag or "").endswith("::footnote-call"):
                previous = child
            elif isinstance(child, boxes.TextBox):
                if previous is not None and child.text.startswith(" "):
                    yield child
                previous = None
            elif isinstance(child, boxes.InlineBox):
                yield from after_calls(child, previous)
                previous = None
            else:
                previous = None

    def justify_line(context, line, extra_width):
        # The space after a footnote call does not stretch: the call, small and
        # raised, already opens the gap (a stretched one read as a hole).
        held = list(after_calls(line))
        for box in held:
            box.style = box.style.copy()
            box.style[HELD_SPACE] = True
        spaces = count_spaces(line) - len(held)
        lang = line.style["lang"] or ""
        if spaces <= 0:
            return original(context, line, extra_width)
        size = line.style["font_size"]
        space_max = KOREAN_SPACE_MAX_EM * size
        if not lang.startswith("ko") or extra_width / spaces <= space_max:
            if held:
                return spread(context, line, extra_width / spaces, 0, 0)
            return original(context, line, extra_width)
        count = sum(units(b.text) for b in text_boxes(line))
        # Two units (a syllable and a word joiner) lie between two syllables.
        letter = min((extra_width - space_max * spaces) / count,
                     KOREAN_SYLLABLE_MAX_EM * size / 2) if count else 0
        spread(context, line, (extra_width - letter * count) / spaces, letter, 0)

    def spread(context, box, spacing, letter, x_advance):
        if isinstance(box, boxes.TextBox):
            box.position_x += x_advance
            box.justification_spacing = spacing
            if letter and units(box.text):
                box.style = box.style.copy()
                box.style[SYLLABLE_SPACING] = letter
            layout = create_layout(box.text, box.style, context, None, spacing)
            layout.set_text(box.text, justify=True)
            first, _ = layout.get_first_line()
            width, _ = line_size(first, box.style)
            layout.deactivate()
            x_advance += width - box.width
            box.width = width
            box.pango_layout = layout
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            box.position_x += x_advance
            before = x_advance
            for child in box.children:
                if child.is_in_normal_flow():
                    x_advance = spread(context, child, spacing, letter, x_advance)
            box.width += x_advance - before
        else:
            box.translate(x_advance, 0)
        return x_advance

    def spaced_set_text(self, text, justify=False):
        set_text(self, text, justify)
        letter = self.style.get(SYLLABLE_SPACING) if justify else None
        held = justify and self.style.get(HELD_SPACE) and self.text.startswith(" ")
        if not letter and not held:
            return
        base = self.style["letter_spacing"]
        base = 0 if base == "normal" else base
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        if held:        # as set_text spaces it, without the justification
            spacing = (self.style["word_spacing"] + base) * line_break.TO_UNITS
            attribute = pango.pango_attr_letter_spacing_new(int(2 * spacing))
            attribute.start_index, attribute.end_index = 0, 1
            pango.pango_attr_list_change(attributes, attribute)
        if not letter:
            pango.pango_layout_set_attributes(self.layout, attributes)
            return
        for match in runs.finditer(self.text):
            attribute = pango.pango_attr_letter_spacing_new(
                int((base + letter) * line_break.TO_UNITS))
            attribute.start_index = len(self.text[:match.start()].encode())
            attribute.end_index = len(self.text[:match.end()].encode())
            pango.pango_attr_list_change(attributes, attribute)
        pango.pango_layout_set_attributes(self.layout, attributes)

    inline.justify_line = justify_line
    line_break.Layout.set_text = spaced_set_text
    _justifying = True


HYPHENATED_IN_A_ROW = 2      # lines; CSS's hyphenate-limit-lines, which WeasyPrint 70 lacks
_BREAK = re.compile(r"[ \t\n]")   # where a line may break (a kept space has a joiner after it)
_hyphenating = False


def install_hyphenation_limits() -> None:
    """Hyphenate as a typesetter does, where CSS cannot tell WeasyPrint 70 to: at
    most ``HYPHENATED_IN_A_ROW`` hyphenated lines in a row (``hyphenate-limit-lines``
    is not supported), no hyphenation in ragged text (a line not justified has no
    spaces to save), none in a capitalised word: a name ("Jin-ju") or a
    sentence's first word, which cannot be told apart, and none in the last word
    of a text, which would end its paragraph in half a word ("opment.").

    Wraps ``split_first_line`` as the inline layout calls it: a line is laid out
    with ``hyphens: manual`` (soft hyphens still break) when its text is what
    followed two hyphenated lines, or when it is not justified. The text after a
    hyphenated line is remembered by its hash, so each new layout of the paragraph
    (WeasyPrint lays some out twice) finds the same count. Pyphen's ``iterate``
    gives no break inside a capitalised word."""
    global _hyphenating
    if _hyphenating:
        return
    import pyphen
    from weasyprint.layout import inline

    original = inline.split_first_line
    iterate = pyphen.Pyphen.iterate
    in_a_row: dict[tuple[int, int], int] = {}    # text after a hyphenated line -> lines
    plain: dict[int, tuple] = {}                # id(style) -> (style, its unhyphenated copy)

    def unhyphenated(style):
        kept = plain.get(id(style))
        if kept is None or kept[0] is not style:
            if len(plain) > 4096:
                plain.clear()
            copy = style.copy()
            copy["hyphens"] = "manual"
            kept = plain[id(style)] = (style, copy)
        return kept[1]

    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):
        if style["hyphens"] != "auto":
            return original(text, style, context, max_width, justification_spacing,
                            is_line_start, minimum)
        before = in_a_row.get((hash(text), len(text)), 0)
        if before >= HYPHENATED_IN_A_ROW or style["text_align_all"] != "justify":
            return original(text, unhyphenated(style), context, max_width,
                            justification_spacing, is_line_start, minimum)
        result = original(text, style, context, max_width, justification_spacing,
                          is_line_start, minimum)
        layout, length, resume, *_ = result
        if resume is not None:
            hyphen = style["hyphenate_character"]
            hyphenated = (layout.text.endswith(hyphen)
                          and len(layout.text.encode()) == length + len(hyphen.encode()))
            rest = text.encode()[resume:].decode(errors="replace")
            if hyphenated and not _BREAK.search(rest.strip()):
                # The text's last word: a paragraph does not end in half a word.
                return original(text, unhyphenated(style), context, max_width,
                                justification_spacing, is_line_start, minimum)
            if len(in_a_row) > 100_000:
                in_a_row.clear()
            in_a_row[(hash(rest), len(rest))] = before + 1 if hyphenated else 0
        return result

    def lower_case_iterate(self, word):
        if word[:1].isupper():
            return iter(())
        return iterate(self, word)

    inline.split_first_line = split_first_line
    pyphen.Pyphen.iterate = lower_case_iterate
    _hyphenating = True


@contextlib.contextmanager
def fixed_document_id(value: str):
    """PDF/X-4's XMP DocumentID is a ``uuid4()`` in weasyprint.pdf.metadata, with no
    option to set it; for reproducible files it is replaced while one PDF is written.
    Each document is written in its own process, so nothing else sees it."""
    from weasyprint.pdf import metadata

    saved = metadata.uuid4
    metadata.uuid4 = lambda: uuid.UUID(value[:32])
    try:
        yield
    finally:
        metadata.uuid4 = saved


def install_single_compression() -> None:
    """Compress each stream of a PDF once, not twice.

    pydyf writes a PDF that has an identifier (WeasyPrint's always do) by
    computing every object's bytes twice: once to write it, once more for the
    MD5 of the identifier. A stream's bytes are its zlib compression at level
    9, so each font subset and page was compressed twice: 0.017 s of a Korean
    notice's 0.3 s, 0.003 s of an English one. While one PDF is written, a
    stream's bytes are kept the first time they are made; the file is the same.
    The table is the writing thread's: another thread's streams are not in it."""
    import threading

    import pydyf
    if getattr(pydyf.PDF.write, "folio", False):
        return
    made = pydyf.Stream.data.fget
    write = pydyf.PDF.write
    local = threading.local()               # .tables: one per PDF this thread writes

    def data(stream):
        tables = getattr(local, "tables", None)
        if not tables:
            return made(stream)
        table = tables[-1]
        if id(stream) not in table:         # the stream is held, so its id stays its own
            table[id(stream)] = (stream, made(stream))
        return table[id(stream)][1]

    def write_once(pdf, *args, **kwargs):
        if getattr(local, "tables", None) is None:
            local.tables = []
        local.tables.append({})
        try:
            return write(pdf, *args, **kwargs)
        finally:
            local.tables.pop()

    write_once.folio = True                 # type: ignore[attr-defined]
    write_once.original = write             # type: ignore[attr-defined]
    data.original = made                    # type: ignore[attr-defined]
    pydyf.Stream.data = property(data)
    pydyf.PDF.write = write_once


# -- layout internals ----------------------------------------------------------------

def page_box(page):
    """The laid-out box tree of a WeasyPrint page (``Page._page_box``)."""
    return page._page_box


def is_line_box(box) -> bool:
    from weasyprint.formatting_structure import boxes
    return isinstance(box, boxes.LineBox)


def line_text(box) -> str:
    """The text a laid-out line box shows (its ``TextBox``es' ``text``)."""
    from weasyprint.formatting_structure import boxes
    return " ".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox))


def ink_boxes(root):
    """(box, data-source, data-line) for each laid-out text and image of a page but
    those of its margin boxes (the running heads): where the HTML says (Markdown
    carries ``data-line``, articles and notices ``data-source``), else None."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    stack = [(root, None, None)]
    while stack:
        box, source, line = stack.pop()
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if isinstance(box, boxes.MarginBox):
            continue
        element = box.element
        if element is not None and "::" not in (box.element_tag or ""):
            source = element.get("data-source", source)
            line = element.get("data-line", line)
        if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)):
            yield box, source, int(line) if line is not None else None
            continue
        for child in getattr(box, "children", ()):
            stack.append((child, source, line))


def preformatted(box) -> bool:
    """Whether a laid-out text keeps its lines as written (code: ``white-space:
    pre``), so a line too long can only be broken in the source."""
    return box.style["white_space"] in ("pre", "nowrap")


def class_heights(document, classes: tuple[str, ...]) -> dict[tuple[str, str], float]:
    """The laid-out height (CSS px, margins included) of the elements with one of
    ``classes``, summed over the pages they run over, by (class, ``lang`` of the
    nearest element that has one)."""
    heights: dict[tuple[str, str], float] = {}
    for page in document.pages:
        seen: set[int] = set()
        stack = [(page_box(page), "")]
        while stack:
            box, lang = stack.pop()
            element = box.element
            if element is not None and "::" not in (box.element_tag or ""):
                lang = element.get("lang", lang)
                names = set((element.get("class") or "").split())
                if id(element) not in seen:
                    seen.add(id(element))
                    for name in names.intersection(classes):
                        key = (name, lang)
                        heights[key] = heights.get(key, 0.0) + box.margin_height()
            stack.extend((child, lang) for child in reversed(getattr(box, "children", ())))
    return heights


FONT_FOLDER_PREFIX = "weasyprint-folio-"


def own_font_folder(font_config) -> None:
    """Give a new ``FontConfiguration`` the temporary folder it copies ``@font-face``
    files to (``_folder``, which WeasyPrint makes on first use), named after this
    process: a worker killed outright cannot remove it, and the next build
    removes the folders of processes that are gone (``remove_orphan_font_folders``)."""
    import os
    import tempfile
    from pathlib import Path
    if getattr(font_config, "_folder", None) is None:
        font_config._folder = Path(tempfile.mkdtemp(prefix=f"{FONT_FOLDER_PREFIX}{os.getpid()}-"))


def remove_orphan_font_folders() -> None:
    """Remove the font folders (``own_font_folder``) of processes that have ended."""
    import shutil
    import tempfile
    from pathlib import Path
    for folder in Path(tempfile.gettempdir()).glob(f"{FONT_FOLDER_PREFIX}*-*"):
        pid = folder.name[len(FONT_FOLDER_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        if _ended(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _ended(pid: int) -> bool:
    """Whether process ``pid`` has ended: gone, or a zombie (the workers of a build
    killed outright are orphans, whose new parent may collect them late)."""
    import os
    from pathlib import Path
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False                    # another user's process, alive
    # A zombie: each of its threads has ended (a process whose first thread ended
    # while others run shows Z too, but is alive).
    try:
        states = [(task / "stat").read_text(encoding="ascii", errors="replace")
                  .rsplit(")", 1)[-1].split()[0]
                  for task in Path(f"/proc/{pid}/task").iterdir()]
    except (OSError, IndexError):
        return False                    # no /proc (not Linux): alive, as kill said
    return bool(states) and all(state in "ZX" for state in states)


_STYLESHEETS: dict[tuple, tuple] = {}      # see install_stylesheet_cache
# Layers are ordered across a document's stylesheets, so a document whose sheets
# may name one is left to WeasyPrint: "layer" in any case, or an at-keyword
# written with an escape (``@\6c ayer``), which CSS reads as the letter.
_MAY_HAVE_LAYERS = re.compile(r"layer|@[-\w]*\\", re.IGNORECASE)


def install_stylesheet_cache() -> None:
    """Parse each ``<style>`` once per process, not once per document.

    WeasyPrint parses a document's stylesheets for every document: 0.04 s for the
    journal's three, for each piece of an issue and each notice (a third of a
    small publication's build). A parsed ``CSS`` can be applied to any document
    (WeasyPrint's user stylesheets are); what a parse does to the document
    besides is done again for it: each ``@font-face`` added to its font
    configuration. ``find_stylesheets`` is replaced by the same walk, giving each
    stylesheet its own list of ``@page`` rules (WeasyPrint gives every author
    stylesheet the document's one list, and applies that list once per
    stylesheet: the last application, the whole list in order, is what counts;
    each stylesheet's own rules in turn is the same list in the same order).
    A document with a ``<link rel=stylesheet>`` or with layers is left to the
    original. A stylesheet is kept only if its parse did nothing else: it read no
    file (``@import``, ``@color-profile``: read again, they are recorded as the
    document's inputs, and an edit is seen), added nothing to the document's
    counter styles or colour profiles, and said nothing (a warning is a problem
    located by the build, and is said again for each document)."""
    import weasyprint.css as weasy_css
    if getattr(weasy_css.find_stylesheets, "folio", False):
        return
    original = weasy_css.find_stylesheets
    from weasyprint import CSS
    from weasyprint.css import get_child_text, media_queries

    def find_stylesheets(wrapper_element, device_media_type, url_fetcher, base_url,
                         font_config, counter_style, color_profiles, page_rules, layers):
        found = list(wrapper_element.query_all("style", "link"))
        texts = [get_child_text(w.etree_element) if w.etree_element.tag == "style" else None
                 for w in found]
        if any(text is None or _MAY_HAVE_LAYERS.search(text) for text in texts):
            yield from original(wrapper_element, device_media_type, url_fetcher, base_url,
                                font_config, counter_style, color_profiles, page_rules,
                                layers)
            return
        for wrapper, text in zip(found, texts, strict=True):
            element = wrapper.etree_element
            if element.get("type", "text/css").split(";", 1)[0].strip() != "text/css":
                continue
            media = [m.strip() for m in (element.get("media", "").strip() or "all").split(",")]
            if not media_queries.evaluate_media_query(media, device_media_type):
                continue
            yield _parsed_style(CSS, text, base_url, url_fetcher, device_media_type,
                                font_config, counter_style, color_profiles)

    find_stylesheets.folio = True           # type: ignore[attr-defined]
    find_stylesheets.original = original    # type: ignore[attr-defined]
    weasy_css.find_stylesheets = find_stylesheets


def _parsed_style(css_class, text, base_url, url_fetcher, media_type, font_config,
                  counter_style, color_profiles):
    """The ``CSS`` of one ``<style>``: kept from an earlier document if it may be,
    its ``@font-face`` rules added to this document's font configuration."""
    import logging
    key = (text, base_url, media_type)
    kept = _STYLESHEETS.get(key)
    if kept is not None:
        for descriptors in kept[1]:
            font_config.add_font_face(descriptors, url_fetcher)
        return kept[0]
    faces: list = []
    add_font_face = font_config.add_font_face

    def adding(descriptors, fetcher):
        faces.append(descriptors)
        return add_font_face(descriptors, url_fetcher)   # a face's file is not the sheet's

    class Said(logging.Handler):
        count = 0

        def emit(self, record):
            self.count += 1
    said = Said(logging.WARNING)            # a problem, as the build counts them
    logger = logging.getLogger("weasyprint")
    heard = logger.isEnabledFor(logging.WARNING)   # else a warning would go unseen
    reading = _CountingFetcher(url_fetcher)
    tables = len(counter_style), len(color_profiles)
    logger.addHandler(said)
    font_config.add_font_face = adding
    try:
        css = css_class(string=text, base_url=base_url, url_fetcher=reading,
                        media_type=media_type, font_config=font_config,
                        counter_style=counter_style, color_profiles=color_profiles,
                        page_rules=[])
    finally:
        del font_config.add_font_face
        logger.removeHandler(said)
    if (heard and not said.count and not reading.count
            and (len(counter_style), len(color_profiles)) == tables):
        if len(_STYLESHEETS) > 64:
            _STYLESHEETS.clear()
        _STYLESHEETS[key] = (css, tuple(faces))
    return css


class _CountingFetcher:
    """A document's URL fetcher that counts what a stylesheet's parse read."""

    def __init__(self, fetcher) -> None:
        self.fetcher = fetcher
        self.count = 0

    def __call__(self, url):
        self.count += 1
        return self.fetcher(url)

    def __getattr__(self, name):
        return getattr(self.fetcher, name)


def recording_font_configuration():
    """A new WeasyPrint ``FontConfiguration`` that can be kept from one document to
    the next (``pdf/kept_fonts.py``). WeasyPrint adds each ``@font-face`` to it once
    (``add_font_face``, keyed by the rule's descriptors); this one also remembers
    the files each face was read from (the fetcher's ``record``) and adds them to
    the record of every later document that declares the face; lists the faces
    each document declared (``asked``, emptied by the caller); keeps the stat of
    each local file a face is read from, taken before reading (``files``); and
    says whether a face could not be loaded (``failed``: WeasyPrint's warning
    comes only the first time, so the configuration must not be kept)."""
    import hashlib
    import logging
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    from weasyprint.text.fonts import FontConfiguration

    from folio.files import version

    class Warned(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.count = 0

        def emit(self, record):
            self.count += 1

    class Recording(FontConfiguration):
        def __init__(self):
            super().__init__()
            self.faces: dict[str, dict[str, str]] = {}   # rule -> files read: hash
            self.asked: list[str] = []
            self.files: dict[Path, tuple[int, int]] = {}
            self.failed = False

        def add_font_face(self, rule_descriptors, url_fetcher):
            key = str(rule_descriptors)
            self.asked.append(key)
            record = getattr(url_fetcher, "record", None)
            if key in self.faces:
                if record is not None:
                    record.update(self.faces[key])
                return None
            for _, url in rule_descriptors.get("src", ()):
                if isinstance(url, str) and urlsplit(url).scheme == "file":
                    path = Path(unquote(urlsplit(url).path))
                    self.files.setdefault(path, version(path))
            read: dict[str, str] = {}
            if record is not None:
                url_fetcher.record = read
            warned = Warned()
            logger = logging.getLogger("weasyprint")
            logger.addHandler(warned)
            try:
                result = super().add_font_face(rule_descriptors, url_fetcher)
            finally:
                logger.removeHandler(warned)
                if record is not None:
                    url_fetcher.record = record
                    record.update(read)
            # Only a face that was added (WeasyPrint's copy of its file is named by
            # the md5 of the rule); a face that was not is tried again next time.
            folder = getattr(self, "_folder", None)
            if warned.count:
                self.failed = True
            elif folder is not None and (folder / hashlib.md5(
                    key.encode(), usedforsecurity=False).hexdigest()).exists():
                self.faces[key] = read
            return result

    return Recording()


def remove_font_folder(font_config) -> None:
    """Remove the temporary folder a ``FontConfiguration`` copied ``@font-face``
    files to (``_folder``), which WeasyPrint removes only in ``__del__``."""
    import shutil
    folder = getattr(font_config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        font_config._folder = None


# -- what an issue laid out by parts needs to put them together -------------------------

def used_fonts(document) -> list:
    """The fonts a written ``Document`` drew with (``Document.fonts``, filled while
    writing), each as WeasyPrint's ``Font``: ``hash`` (its resource name in the
    PDF), ``name``, ``hb_face``, ``index``, ``widths`` and ``to_unicode`` (by
    glyph id, for the glyphs drawn), ``missing``, ``bitmap``, ``used_in_forms``
    and ``type`` (otf, ttf)."""
    return list(document.fonts.values())


@contextlib.contextmanager
def fonts_left_uncut():
    """While writing a piece of an issue, embed no font program: the pieces' fonts
    are cut once for the whole issue when they are put together
    (production/fontmerge.py), and cutting each of four CJK faces for every piece
    took a tenth of a second. ``Font.clean`` (WeasyPrint's cut) is replaced by
    one that leaves four bytes, the signature ``Font.type`` reads, for plain
    vector fonts; variable and colour fonts are cleaned as usual (they are not
    shared, and such an issue is laid out whole)."""
    from weasyprint.pdf import fonts as weasy_fonts
    clean = weasy_fonts.Font.clean

    def leave_uncut(font, to_unicode, hinting):
        if not plain_vector_font(font):
            return clean(font, to_unicode, hinting)
        font.file_content = b"OTTO" if font.type == "otf" else b"\x00\x01\x00\x00"

    weasy_fonts.Font.clean = leave_uncut
    try:
        yield
    finally:
        weasy_fonts.Font.clean = clean


def plain_vector_font(font) -> bool:
    """Neither variable (instanced by WeasyPrint) nor colour, nor a bitmap font."""
    return not (font.bitmap or "fvar" in font.tables or font.png or font.svg or font.colr)


def face_data(font) -> bytes:
    """The whole font file a ``Font`` was made from (a collection for a TTC face:
    see ``font.index``), before WeasyPrint cut it down for the PDF."""
    from weasyprint.text.fonts import get_hb_object_data
    return get_hb_object_data(font.hb_face)


def bookmark_tree(pages: list[tuple[float, list]]) -> list:
    """WeasyPrint's outline of pages given as (height in CSS px, ``Page.bookmarks``),
    with its own nesting rules (``make_page_bookmark_tree``): a list of
    ``(label, (page index, x, y), children, state)`` in PDF points."""
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    class _Page:
        def __init__(self, bookmarks):
            self.bookmarks = bookmarks

    root: list = []
    skipped: list[int] = []
    last_by_depth = [root]
    previous = 0
    for number, (height, bookmarks) in enumerate(pages):
        matrix = Matrix(a=0.75, d=-0.75, f=height * 0.75)
        previous = make_page_bookmark_tree(_Page(bookmarks), skipped, last_by_depth,
                                           previous, number, matrix)
    return root


# -- cffi ----------------------------------------------------------------------------

def make_py_source(ffi, module_name: str, target: str) -> None:
    """cffi's out-of-line emitter (``FFI.emit_python_code`` without its printing),
    from ``cffi.recompiler``, a module cffi documents only through that method."""
    from cffi.recompiler import make_py_source as emit
    emit(ffi, module_name, target)


def defer_import(name: str) -> None:
    """Let ``import name`` bind the module without running it until an attribute of
    it is first used (``importlib.util.LazyLoader``). WeasyPrint imports
    ``fontTools.subset`` when it starts, for a fallback it takes only without
    HarfBuzz's subsetter, which ./dev installs: 0.05 s of every worker pool's start,
    which the first layout of a build waits for."""
    import importlib.util
    import sys
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


# -- markdown-it-py (folio/content/markdown.py) ------------------------------------
# Its block and inline rules are public; what is used here of their state is not.

class UsedReferences(dict):
    """``env["references"]`` for a parse, remembering which link reference
    definitions a link or image looked up (markdown-it records no use)."""

    def __init__(self) -> None:
        super().__init__()
        self.used: set[str] = set()

    def get(self, key, default=None):
        if key in self:
            self.used.add(key)
        return super().get(key, default)


def count_table_cells(md) -> None:
    """Wrap markdown-it's table rule: a body row with more cells than the header
    loses the extra ones without a word. Each such row is noted in
    ``env["table_rows_too_long"]`` as (0-based line, cells, header cells)."""
    from markdown_it.rules_block.table import escapedSplit, getLine
    from markdown_it.rules_block.table import table as table_rule

    def cells(state, line: int) -> int:
        columns = escapedSplit(getLine(state, line).strip())
        if columns and columns[0] == "":
            columns.pop(0)
        if columns and columns[-1] == "":
            columns.pop()
        return len(columns)

    def table(state, start: int, end: int, silent: bool) -> bool:
        if not table_rule(state, start, end, silent):
            return False
        if not silent:
            header = cells(state, start)
            for line in range(start + 2, state.line):
                found = cells(state, line)
                if found > header:
                    state.env.setdefault("table_rows_too_long", []).append(
                        (line, found, header))
        return True

    md.block.ruler.at("table", table, {"alt": ["paragraph", "reference"]})


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x1100 <= code <= 0x11FF or 0x2E80 <= code <= 0x9FFF or 0xA960 <= code <= 0xA97F
            or 0xAC00 <= code <= 0xD7FF or 0xF900 <= code <= 0xFAFF
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x3FFFF)


def cjk_friendly_emphasis(md) -> None:
    """``**'창의도시'**는`` is bold in Korean: CommonMark's flanking rules do not let
    ``**`` close after punctuation when a letter follows, which in Korean is every
    particle after a quoted or bracketed word, so the ``**`` printed as typed.

    As the CJK-friendly amendment to CommonMark (markdown-cjk-friendly) does, a
    Chinese, Japanese or Korean character next to the run counts, for that rule,
    as whitespace or punctuation would. markdown-it's emphasis and strikethrough
    rules ask ``state.scanDelims``; their state gets this one instead."""
    import types

    from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
    from markdown_it.rules_inline.state_inline import Scanned

    def scan(self, start: int, can_split_word: bool):
        pos, maximum = start, self.posMax
        marker = self.src[start]
        last = self.src[start - 1] if start > 0 else " "
        while pos < maximum and self.src[pos] == marker:
            pos += 1
        after = self.src[pos] if pos < maximum else " "
        last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
        next_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
        last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
        last_cjk, next_cjk = _is_cjk(last), _is_cjk(after)
        left = not (next_space or (next_punct and not (last_space or last_punct or last_cjk)))
        right = not (last_space or (last_punct and not (next_space or next_punct or next_cjk)))
        can_open = left and (can_split_word or not right or last_punct)
        can_close = right and (can_split_word or not left or next_punct)
        return Scanned(can_open, can_close, pos - start)

    for name in ("emphasis", "strikethrough"):
        original = md.inline.ruler.__rules__[md.inline.ruler.__find__(name)].fn

        def rule(state, silent, original=original):
            state.scanDelims = types.MethodType(scan, state)
            return original(state, silent)

        md.inline.ruler.at(name, rule)


def dashes_only(md) -> None:
    """markdown-it's typographer replaces more than quotes and dashes: (c) → ©,
    +- → ±, ... → …, ,, → , and !!!! → !!!. Only the dashes are kept (-- → –,
    --- → —), with markdown-it's own patterns; the rest prints as typed."""
    from markdown_it.rules_core import replacements

    patterns = ((replacements.EM_DASH_RE, "\\1\u2014"), (replacements.EN_DASH_RE, "\\1\u2013"),
                (replacements.EN_DASH_INDENT_RE, "\\1\u2013"))

    def replace(state) -> None:
        if not state.md.options.typographer:
            return
        for token in state.tokens:
            if token.type != "inline" or not token.children or "--" not in token.content:
                continue
            inside_autolink = 0
            for child in token.children:
                if child.type == "text" and not inside_autolink:
                    for pattern, replacement in patterns:
                        child.content = pattern.sub(replacement, child.content)
                if child.type == "link_open" and child.info == "auto":
                    inside_autolink -= 1
                if child.type == "link_close" and child.info == "auto":
                    inside_autolink += 1

    md.core.ruler.at("replacements", replace)


def cjk_friendly_quotes(md) -> None:
    """Typographic quotes for Korean: markdown-it pairs a quote only where
    punctuation or a space is next to it, so ``'창의도시'는`` (a particle after
    the closing quote) printed a straight opening quote and an apostrophe. While
    its smartquotes rule runs, a CJK character counts as punctuation does, as in
    ``cjk_friendly_emphasis``; Latin text is set as before."""
    import importlib
    from typing import Any

    # The module, not the function markdown_it.rules_core exports under its name.
    smartquotes: Any = importlib.import_module("markdown_it.rules_core.smartquotes")
    index = md.core.ruler.__find__("smartquotes")
    original = md.core.ruler.__rules__[index].fn

    def rule(state) -> None:
        plain = smartquotes.isPunctChar
        smartquotes.isPunctChar = lambda char: plain(char) or _is_cjk(char)
        try:
            original(state)
        finally:
            smartquotes.isPunctChar = plain

    md.core.ruler.at("smartquotes", rule)


def note_unpaired_marks(md) -> None:
    """Record each ``*``, ``_`` or ``~`` run that pairs with none and touches
    Chinese, Japanese or Korean text: it prints as typed, where the author meant
    emphasis. Noted in ``env["unpaired_marks"][inline source]`` as (run, the
    character before, the character after), between markdown-it's pairing of
    delimiters (which leaves an unpaired one as a text token of its own) and its
    joining of text tokens (after which it cannot be told from text)."""
    def rule(state) -> None:
        tokens = state.tokens
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type != "text" or token.content not in ("*", "_", "~~", "~"):
                index += 1
                continue
            end = index
            while end + 1 < len(tokens) and tokens[end + 1].type == "text" \
                    and tokens[end + 1].content in ("*", "_", "~~", "~"):
                end += 1
            run = "".join(t.content for t in tokens[index:end + 1])
            before = next((t.content[-1] for t in reversed(tokens[:index])
                           if t.content), " ")
            after = next((t.content[0] for t in tokens[end + 1:] if t.content), " ")
            if _is_cjk(before) or _is_cjk(after):
                state.env.setdefault("unpaired_marks", {}).setdefault(
                    state.src, []).append((run, before, after))
            index = end + 1

    md.inline.ruler2.before("fragments_join", "unpaired_marks", rule)
