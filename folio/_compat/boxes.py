"""WeasyPrint's laid-out boxes: what folio measures on a laid-out page (the box
tree is not public API; pinned in pins.py)."""

from __future__ import annotations

from typing import NamedTuple


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


def text_area_height(page) -> float:
    """The height of a laid-out page's text area (its page box's content), CSS px."""
    return page_box(page).height


# -- figures.py: floats that left a hole ----------------------------------------------

class FloatHole(NamedTuple):
    """What a layout says of a float a page break pushed on (``floats_after_holes``)."""

    room: float                 # the height left empty before it, above the footnotes
    blocks: int                 # the blocks of text after it that would fill ``room``
    rows: tuple[float, ...]     # a table's body rows: each one's bottom below its top
    dropped_margin: float       # its top margin, if dropped at the top of the page
    is_table: bool
    columns: tuple[float, ...] = ()   # a table's column widths, as laid out whole


def floats_after_holes(document, hole: float, is_float) -> dict[int, FloatHole]:
    """The floats (``is_float(element_tag, classes)``, by order in the document,
    from 0) that a page break pushed on, leaving at least ``hole`` of the text
    area of the page before them (above its footnotes) empty, with what could fill
    that room."""
    from weasyprint.formatting_structure import boxes

    found: dict[int, FloatHole] = {}
    seen = 0
    previous_bottom: float | None = None
    previous_room = 0.0
    for page in document.pages:
        box = page_box(page)
        top = box.content_box_y()
        bottom = _foot(box, top + box.height)
        root = box.children[0] if box.children else None
        first = True
        lowest = top
        for child in _flow(root, boxes, is_float):
            if _float(child, is_float):
                if first and previous_bottom is not None and \
                        previous_room - previous_bottom >= hole * (previous_room - top):
                    room = previous_room - previous_bottom
                    found[seen] = _measured(root, child, room, boxes, is_float)
                seen += 1
            if isinstance(child, (boxes.LineBox, boxes.ReplacedBox)) or _float(child, is_float):
                first = False
                lowest = max(lowest, child.position_y + child.margin_height())
        previous_bottom, previous_room = lowest, bottom
    return found


def _measured(root, wrapper, room: float, boxes, is_float) -> FloatHole:
    table = next((c for c in wrapper.children if isinstance(c, boxes.TableBox)), None) \
        if wrapper.element_tag == "table" else None
    rows = () if table is None else tuple(
        row.position_y + row.margin_height() - wrapper.position_y
        for group in table.children if not (group.is_header or group.is_footer)
        for row in group.children)
    dropped = wrapper.style["margin_top"].value if wrapper.margin_top == 0 else 0.0
    return FloatHole(room, _blocks_filling(root, wrapper, room, boxes, is_float), rows,
                     dropped, table is not None,
                     () if table is None else tuple(table.column_widths))


def _blocks_filling(root, wrapper, room: float, boxes, is_float) -> int:
    """How many blocks after the float ``wrapper`` (its next siblings, as laid out
    on its page) must come up before it to fill ``room``: up to and including the
    one that would cross the page break, stopping at another float (but for the
    floats right after it, which move with it)."""
    stack = [root]
    while stack:
        parent = stack.pop()
        children = getattr(parent, "children", ())
        if any(child is wrapper for child in children):
            break
        stack.extend(children)
    else:
        return 0
    after = list(children)[[id(c) for c in children].index(id(wrapper)) + 1:]
    while after and _float(after[0], is_float):     # floats right after it go with it
        after.pop(0)
    start = after[0].position_y if after else 0.0
    count = 0
    for sibling in after:
        if _float(sibling, is_float) or not isinstance(sibling, boxes.BlockBox):
            break
        count += 1
        if sibling.position_y + sibling.margin_height() - start >= room:
            break
    return count


def _foot(page, bottom: float) -> float:
    """Where the page's text must stop: above its footnotes, if it has any."""
    for area in page.children[1:]:
        if type(area).__name__ == "FootnoteAreaBox" and area.children:
            bottom = min(bottom, area.position_y)
    return bottom


def _flow(root, boxes, is_float):
    """The page's floats and lines, in order, not looking inside a float."""
    if root is None:
        return
    stack = [root]
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.MarginBox) or _floats_to_foot(box):
            continue
        yield box
        if _float(box, is_float) or isinstance(box, boxes.LineBox):
            continue
        stack.extend(reversed(getattr(box, "children", ())))


def _float(box, is_float) -> bool:
    element = getattr(box, "element", None)
    classes = (element.get("class") or "").split() if element is not None else None
    return is_float(box.element_tag, classes)


def _floats_to_foot(box) -> bool:
    try:
        return box.style["float"] == "footnote"
    except (AttributeError, KeyError, TypeError):
        return False


# -- tables.py: long tables a page break split ----------------------------------------

def split_tables(document, is_long) -> dict[int, tuple[int, tuple[float, ...]]]:
    """For each table whose ``class`` passes ``is_long`` (by order in the document,
    from 0) that a page break splits: how many of its body rows are on the page it
    starts on, and its column widths (laid out whole, its rows of every page)."""
    from weasyprint.formatting_structure import boxes

    order: dict[object, int] = {}
    first_rows: dict[int, int] = {}
    columns: dict[int, tuple[float, ...]] = {}
    pages_of: dict[int, int] = {}
    for page in document.pages:
        stack = [page_box(page)]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if isinstance(box, boxes.TableBox) and element is not None and \
                    is_long(element.get("class") or ""):
                index = order.setdefault(element, len(order))
                pages_of[index] = pages_of.get(index, 0) + 1
                if pages_of[index] == 1:
                    first_rows[index] = sum(
                        len(group.children) for group in box.children
                        if not (group.is_header or group.is_footer))
                    columns[index] = tuple(box.column_widths)
                continue
            stack.extend(reversed(getattr(box, "children", ())))
    return {index: (rows, columns[index]) for index, rows in first_rows.items()
            if pages_of[index] > 1 and rows > 0}


# -- sheets.py: the blank below a one-page sheet --------------------------------------

def blank_below(page) -> float:
    """The share of the page's text area below its last line, image or table cell."""
    from weasyprint.formatting_structure import boxes

    box = page_box(page)
    top = box.content_box_y()
    bottom = top + box.height
    lowest = top
    stack = list(box.children)
    while stack:
        child = stack.pop()
        if isinstance(child, boxes.MarginBox):
            continue
        # A cell's box spans its background (the details' panel) below its last line.
        if isinstance(child, (boxes.LineBox, boxes.ReplacedBox, boxes.TableCellBox)):
            lowest = max(lowest, child.position_y + child.margin_height())
        if not isinstance(child, boxes.LineBox):
            stack.extend(getattr(child, "children", ()))
    return max(0.0, (bottom - lowest) / (bottom - top))


# -- pdf/writer.py: what runs past a page limit or off the text area -------------------

def lines_past(pages) -> tuple[float, int, list[str]]:
    """For the laid-out ``pages`` past a document's limit: the height of their text
    (CSS px, summed over the pages), their number of lines and the lines' text."""
    extra_height = 0.0
    lines = 0
    texts = []
    for page in pages:
        box = page_box(page)
        top = box.content_box_y()
        bottom = top
        for descendant in box.descendants():
            if is_line_box(descendant):
                lines += 1
                texts.append(line_text(descendant))
                bottom = max(bottom, descendant.position_y + descendant.height)
        extra_height += bottom - top
    return extra_height, lines, texts


def ink_beyond(page, tolerance: float):
    """(how far in CSS px, side, data-source, data-line, preformatted) for each text
    or image of a laid-out page (not its margin boxes) that ends more than
    ``tolerance`` past the right, left or bottom edge of its text area."""
    box = page_box(page)
    left, top = box.content_box_x(), box.content_box_y()
    right, bottom = left + box.width, top + box.height
    for ink, source, line in ink_boxes(box):
        beyond = max(ink.position_x + ink.width - right, left - ink.position_x,
                     ink.position_y + ink.height - bottom)
        if beyond > tolerance:
            side = "right" if ink.position_x + ink.width - right >= beyond else \
                "left" if left - ink.position_x >= beyond else "bottom"
            yield beyond, side, source, line, preformatted(ink)
