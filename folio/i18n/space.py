"""How long a translation of a one-page notice may be: Weblate's ``max-length``.

A notice must fit on one page (the build fails otherwise), so each of its
segments gets a limit in characters from the room the layout gives it, estimated
from notice.css (the single-language sheet, notice.html.j2):

- the text area is the page (``notice_page_size``) less its margins (16 mm top,
  18 mm bottom, 20 mm each side); the masthead takes 30 mm of it, the title two
  lines of 20 pt (line height 1.25) and the subtitle two of 11.5 pt;
- a character is half an em wide in Latin script and a whole em in Korean,
  Japanese or Chinese (full-width); so a line holds *width ÷ (size × advance)*
  characters;
- title and subtitle may take two lines; place and contact lines two lines of
  the info block (9 pt, beside a 22 mm label column);
- the body (10 pt, line height 1.75 for Korean, 1.55 otherwise; headings 11 pt)
  has the lines left over after the info block. Each block of the source takes
  its lines (plus one line of spacing); the lines that remain are shared among
  the blocks in proportion, so each block's limit is *its source's lines × the
  page's room ÷ the lines the source takes*, in the target's characters per line.

The characters of inline codes (``<g1>…</g1>``) are added to a limit: Weblate
counts them, and they take no room. A translation within every limit fits the
page; one over a limit may still fit (the estimate is cautious), and the build
says so if it does not.
"""

from __future__ import annotations

import math

from folio.i18n import inline
from folio.i18n.units import DocumentUnits

PAGES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "B5": (176.0, 250.0),
            "letter": (215.9, 279.4)}
MARGINS_MM = (16.0, 20.0, 18.0, 20.0)        # top, right, bottom, left: notice.css @page
MASTHEAD_MM = 30.0                           # logo 17 mm, padding 4 mm, margin 8 mm
PT_MM = 25.4 / 72
FULL_WIDTH = ("ko", "ja", "zh")
INFO_LABEL_MM, INFO_PADDING_MM, INFO_MARGIN_MM = 22.0, 10.0, 7.0


def is_notice(document: DocumentUnits) -> bool:
    return document.kind == "markdown" and document.name.startswith("notices/")


def _advance(language: str) -> float:
    """A character's average width, in ems."""
    return 1.0 if language.split("-")[0].lower() in FULL_WIDTH else 0.5


def _per_line(width_mm: float, size_pt: float, language: str) -> int:
    return max(1, int(width_mm / (size_pt * PT_MM * _advance(language))))


def _line_mm(size_pt: float, language: str) -> float:
    height = 1.75 if language.split("-")[0].lower() == "ko" else 1.55
    return size_pt * PT_MM * height


def notice_limits(document: DocumentUnits, page_size: str = "A4") -> dict[str, int]:
    """Unit id → the most characters its translation should have; {} for a document
    that is not a one-page notice."""
    if not is_notice(document):
        return {}
    page_w, page_h = PAGES_MM.get(page_size, PAGES_MM["A4"])
    width = page_w - MARGINS_MM[1] - MARGINS_MM[3]
    height = page_h - MARGINS_MM[0] - MARGINS_MM[2]
    source, target = document.source_language, document.language
    limits: dict[str, int] = {}
    units = document.by_id()
    fields = [u for u in document.units if u.segment.kind == "field"]
    body = [u for u in document.units if u.segment.kind != "field"]
    info_rows = 1                                       # the date
    for unit in fields:
        name = unit.segment.id.split(".")[0]
        if name == "title":
            limits[unit.id] = 2 * _per_line(width, 20, target)
        elif name == "subtitle":
            limits[unit.id] = 2 * _per_line(width, 11.5, target)
        else:                                           # place, contact lines: the info block
            info_rows += 2
            limits[unit.id] = 2 * _per_line(width - INFO_LABEL_MM - INFO_PADDING_MM, 9, target)
    used = (MASTHEAD_MM + 2 * 20 * PT_MM * 1.25 + 2 * 11.5 * PT_MM * 1.55
            + INFO_MARGIN_MM + INFO_PADDING_MM + info_rows * _line_mm(9, target))
    room = max(0.0, height - used) / _line_mm(10, target)      # body lines, in the target
    sizes = {u.id: 11.0 if u.segment.kind == "heading" else 10.0 for u in body}
    lines = {u.id: math.ceil(len(inline.plain(u.source_text)) /
                             _per_line(width, sizes[u.id], source)) for u in body}
    # One line of spacing after each block; what is left is shared in proportion.
    scale = max(1.0, (room - len(body)) / max(1, sum(lines.values())))
    for unit in body:
        share = max(1, math.floor(lines[unit.id] * scale))
        limits[unit.id] = share * _per_line(width, sizes[unit.id], target)
    # Weblate counts the codes' characters too (<g1>…</g1>), which take no room.
    return {i: n + len(units[i].source_text) - len(inline.plain(units[i].source_text))
            for i, n in limits.items()}
