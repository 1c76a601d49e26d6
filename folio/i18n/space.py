"""How long a translation of a one-page notice may be: Weblate's ``max-length``.

A notice must fit on one page (the build fails otherwise), so each of its
segments gets a limit in characters from the room the layout gives it, estimated
from notice.css for the sheet the notice is printed on (its ``bilingual``
setting: the single-language sheet and ``duplex`` have the page to themselves;
``stacked`` shares the page's height with the source; ``side-by-side``
shares its width, in two columns):

- the text area is the page (``notice_page_size``) less its margins (16 mm top,
  18 mm bottom, 20 mm each side), less the masthead (30 mm); side by side, a
  column is half of it less the 12 mm gutter;
- a character is half an em wide in Latin script, 0.9 em in Korean (its spaces
  are narrow) and a whole em in Japanese or Chinese; so a line holds *width ÷
  (size × advance)* characters;
- the title (20 pt; 15 pt on a bilingual sheet) and the subtitle (11.5 pt) may
  take two lines; so may each place and contact line of the info block (9 pt,
  beside a 22 mm label column);
- the body (10 pt; 9 pt on a bilingual sheet; line height 1.75 in Korean, 1.55
  otherwise; headings 11 pt) has the lines left over: each block of the source
  takes its lines and its spacing (a heading's margins, 0.6 em under a paragraph),
  and the lines that remain are shared among the blocks in proportion, so each
  block's limit is *its source's lines × the room ÷ the lines the source takes*,
  never less than the source's own lines, in the target's characters per line.
  Stacked, the room is what the source's half leaves.

The characters of inline codes (``<g1>…</g1>``) are added to a limit: Weblate
counts them, and they take no room. A translation within every limit fits the
page; one over a limit may still fit (the estimate is cautious), and the build
says so if it does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from folio.content.frontmatter import parse_document
from folio.i18n import inline
from folio.i18n.units import DocumentUnits, Unit

PAGES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "B5": (176.0, 250.0),
            "letter": (215.9, 279.4)}
MARGINS_MM = (16.0, 20.0, 18.0, 20.0)        # top, right, bottom, left: notice.css @page
MASTHEAD_MM = 30.0                           # logo 17 mm, padding 4 mm, margin 8 mm
PT_MM = 25.4 / 72
FULL_WIDTH = ("ko", "ja", "zh")
INFO_LABEL_MM = 22.0
# The space around a block, in ems of the body text: a heading's margins (5 mm
# and 2 mm at 10 pt), a paragraph's (0.6 em below); list items and table cells
# are set close.
SPACING_EM = {"heading": 2.0, "paragraph": 0.6, "quote": 1.2, "turn": 0.6, "footnote": 0.3}


@dataclass(frozen=True)
class Sheet:
    """What notice.css gives one language on a sheet."""

    columns: int = 1
    body_pt: float = 10.0
    title_pt: float = 20.0
    info_box_mm: float = 15.0                # the info block's margin and padding
    gap_mm: float = 0.0                      # between the languages
    shares_height: bool = False              # stacked: the source takes its half


SHEETS = {
    None: Sheet(),
    "duplex": Sheet(),
    "stacked": Sheet(body_pt=9.0, title_pt=15.0, info_box_mm=10.0, gap_mm=15.0,
                     shares_height=True),
    "side-by-side": Sheet(columns=2, body_pt=9.0, title_pt=15.0, info_box_mm=8.0,
                          gap_mm=12.0),
}


def is_notice(document: DocumentUnits) -> bool:
    return document.kind == "markdown" and document.name.startswith("notices/")


def _advance(language: str) -> float:
    """A character's average width, in ems: Korean's spaces are narrower than its
    syllables (the sample's Korean notice sets 54 characters in a 170 mm line of
    10 pt, against 48 full-width ones)."""
    code = language.split("-")[0].lower()
    return 0.9 if code == "ko" else 1.0 if code in FULL_WIDTH else 0.5


def _per_line(width_mm: float, size_pt: float, language: str) -> int:
    return max(1, int(width_mm / (size_pt * PT_MM * _advance(language))))


def _line_mm(size_pt: float, language: str) -> float:
    height = 1.75 if language.split("-")[0].lower() == "ko" else 1.55
    return size_pt * PT_MM * height


def _sheet(document: DocumentUnits) -> Sheet:
    front = parse_document(document.source.text, document.source.path).front_matter
    return SHEETS.get(front.get("bilingual") if isinstance(front, dict) else None, SHEETS[None])


def notice_limits(document: DocumentUnits, page_size: str = "A4") -> dict[str, int]:
    """Unit id → the most characters its translation should have; {} for a document
    that is not a one-page notice."""
    if not is_notice(document):
        return {}
    sheet = _sheet(document)
    page_w, page_h = PAGES_MM.get(page_size, PAGES_MM["A4"])
    width = page_w - MARGINS_MM[1] - MARGINS_MM[3]
    if sheet.columns > 1:
        width = (width - sheet.gap_mm) / sheet.columns
    height = page_h - MARGINS_MM[0] - MARGINS_MM[2] - MASTHEAD_MM
    source, target = document.source_language, document.language
    units = document.by_id()
    fields = [u for u in document.units if u.segment.kind == "field"]
    body = [u for u in document.units if u.segment.kind != "field"]
    limits: dict[str, int] = {}
    for unit in fields:
        name = unit.segment.id.split(".")[0]
        size, room = {"title": (sheet.title_pt, width), "subtitle": (11.5, width)}.get(
            name, (9.0, width - INFO_LABEL_MM - 10.0))
        limits[unit.id] = 2 * _per_line(room, size, target)
    sizes = {u.id: sheet.body_pt * 1.1 if u.segment.kind == "heading" else sheet.body_pt
             for u in body}
    lines = {u.id: math.ceil(len(inline.plain(u.source_text)) /
                             _per_line(width, sizes[u.id], source)) for u in body}
    spacing = sum(SPACING_EM.get(u.segment.kind, 0.15) for u in body) * sheet.body_pt * PT_MM
    room = height - _around(fields, sheet, target) - spacing
    if sheet.shares_height:
        # The source's half: its title, subtitle and info, its blocks and their spacing.
        room -= sheet.gap_mm + _around(fields, sheet, source) + spacing + \
            sum(lines.values()) * _line_mm(sheet.body_pt, source)
    # What is left is shared among the blocks in proportion to their source's lines.
    scale = max(1.0, room / _line_mm(sheet.body_pt, target) / max(1, sum(lines.values())))
    for unit in body:
        share = max(1, math.floor(lines[unit.id] * scale))
        limits[unit.id] = share * _per_line(width, sizes[unit.id], target)
    # Weblate counts the codes' characters too (<g1>…</g1>), which take no room.
    return {i: n + len(units[i].source_text) - len(inline.plain(units[i].source_text))
            for i, n in limits.items()}


def _around(fields: list[Unit], sheet: Sheet, language: str) -> float:
    """The height (mm) of one language's title, subtitle and info block, at most."""
    names = {u.segment.id.split(".")[0] for u in fields}
    rows = 1 + 2 * sum(1 for u in fields if u.segment.id.split(".")[0] not in
                       ("title", "subtitle"))                   # the date, then two a line
    return (2 * sheet.title_pt * PT_MM * 1.25
            + (2 * 11.5 * PT_MM * 1.55 if "subtitle" in names else 0.0)
            + sheet.info_box_mm + rows * _line_mm(9, language))
