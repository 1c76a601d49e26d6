"""Imposition: finished pages placed on printer sheets, with pikepdf, not by re-rendering.

``2up``: two copies of each notice page, scaled to A5, side by side on a landscape
A4 sheet, with cut marks at the cut line: print, cut once, hand out two.
``booklet``: the journal's pages scaled to A5 in saddle-stitch order on landscape
A4 sheet sides (print double-sided, flip on the short edge, fold, staple), padded
with blank pages to a multiple of four.
Pages are placed by their TrimBox, and anything outside it (a bleed) is clipped.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from folio.files import write_atomically

MM = 72 / 25.4
A4_LANDSCAPE = (297 * MM, 210 * MM)
CUT_MARK_MM = 5.0


def booklet_order(pages: int) -> list[tuple[int | None, int | None]]:
    """Sheet sides as (left, right) page numbers from 1; None is a blank page.

    For 8 pages: (8, 1), (2, 7), (6, 3), (4, 5): the first sheet's front carries the
    last and first pages, its back the second and the second-to-last, and so on.
    """
    total = -(-pages // 4) * 4 if pages else 0
    sides: list[tuple[int | None, int | None]] = []
    for side in range(total // 2):
        low, high = side + 1, total - side
        pair = (high, low) if side % 2 == 0 else (low, high)
        left, right = pair
        sides.append((left if left <= pages else None, right if right <= pages else None))
    return sides


def impose(source: Path, target: Path, layout: str) -> int:
    """Write the imposed PDF of ``source``; returns the number of sheet sides."""
    with pikepdf.open(io.BytesIO(source.read_bytes())) as reader, pikepdf.new() as writer:
        pages = list(reader.pages)
        sides: list[tuple[pikepdf.Page | None, pikepdf.Page | None]]
        if layout == "2up":
            sides = [(page, page) for page in pages]
        else:
            sides = [(pages[left - 1] if left else None, pages[right - 1] if right else None)
                     for left, right in booklet_order(len(pages))]
        half = A4_LANDSCAPE[0] / 2
        for left, right in sides:
            writer.add_blank_page(page_size=A4_LANDSCAPE)
            sheet = writer.pages[-1]
            for index, page in enumerate((left, right)):
                if page is not None:
                    # The page's trim area (its form's bounding box: the bleed and
                    # marks are clipped), scaled into one half and centred there.
                    sheet.add_overlay(page, pikepdf.Rectangle(index * half, 0,
                                                              (index + 1) * half,
                                                              A4_LANDSCAPE[1]))
            if layout == "2up":
                sheet.contents_add(writer.make_stream(_cut_marks()))
        title = str(reader.docinfo.get("/Title", "")) or "document"
        writer.docinfo["/Title"] = f"{title} ({layout})"
        out = io.BytesIO()
        writer.save(out, deterministic_id=True)
    write_atomically(target, out.getvalue())
    return len(sides)


SHEET_MARGIN_MM = 8.0       # office printers do not print to the edge
GUTTER_MM = 6.0             # between handouts: room for the marks and the blade


def grid(up: int, page: tuple[float, float], sheet: tuple[float, float]
         ) -> tuple[tuple[float, float], int, int, float]:
    """The sheet's orientation, columns, rows and the pages' scale that print
    ``up`` pages of size ``page`` (mm) largest on ``sheet`` (mm)."""
    best = None
    for size in (sheet, (sheet[1], sheet[0])):
        for columns in range(1, up + 1):
            if up % columns:
                continue
            rows = up // columns
            cell_w = (size[0] - 2 * SHEET_MARGIN_MM - (columns - 1) * GUTTER_MM) / columns
            cell_h = (size[1] - 2 * SHEET_MARGIN_MM - (rows - 1) * GUTTER_MM) / rows
            scale = min(cell_w / page[0], cell_h / page[1], 1.0)
            if best is None or scale > best[3] + 1e-9:
                best = (size, columns, rows, scale)
    assert best is not None
    return best


def nup(source: Path, target: Path, up: int, sheet_mm: tuple[float, float]) -> int:
    """``up`` pages of ``source`` on each sheet, in reading order, each scaled alike
    (never enlarged) and centred in its cell, with gutters between them and cut
    marks at every corner; returns the number of sheets."""
    with pikepdf.open(io.BytesIO(source.read_bytes())) as reader, pikepdf.new() as writer:
        pages = list(reader.pages)
        box = [float(v) for v in pages[0].trimbox]
        page_mm = ((box[2] - box[0]) / MM, (box[3] - box[1]) / MM)
        size, columns, rows, scale = grid(up, page_mm, sheet_mm)
        width, height = page_mm[0] * scale, page_mm[1] * scale
        # The block of cells, centred on the sheet.
        block_w = columns * width + (columns - 1) * GUTTER_MM
        block_h = rows * height + (rows - 1) * GUTTER_MM
        x0, y0 = (size[0] - block_w) / 2, (size[1] - block_h) / 2
        sheets = 0
        for first in range(0, len(pages), up):
            writer.add_blank_page(page_size=(size[0] * MM, size[1] * MM))
            sheet = writer.pages[-1]
            sheets += 1
            marks = []
            for index, page in enumerate(pages[first:first + up]):
                column, row = index % columns, index // columns
                left = x0 + column * (width + GUTTER_MM)
                top = size[1] - y0 - row * (height + GUTTER_MM)
                rect = (left * MM, (top - height) * MM, (left + width) * MM, top * MM)
                sheet.add_overlay(page, pikepdf.Rectangle(*rect))
                marks.append(rect)
            sheet.contents_add(writer.make_stream(_corner_marks(marks)))
        title = str(reader.docinfo.get("/Title", "")) or "handouts"
        writer.docinfo["/Title"] = f"{title} ({up} per sheet)"
        out = io.BytesIO()
        writer.save(out, deterministic_id=True)
    write_atomically(target, out.getvalue())
    return sheets


def _corner_marks(rects: list[tuple[float, float, float, float]]) -> bytes:
    """Cut marks in the gutter, 1 mm off each corner of each handout, 3 mm long."""
    gap, length = 1 * MM, 3 * MM
    ops = ["q 0.3 w 0 G"]
    for x1, y1, x2, y2 in rects:
        for x, y, dx, dy in ((x1, y1, -1, -1), (x2, y1, 1, -1), (x1, y2, -1, 1),
                             (x2, y2, 1, 1)):
            ops.append(f"{x + dx * gap:.3f} {y:.3f} m {x + dx * (gap + length):.3f} {y:.3f} l S")
            ops.append(f"{x:.3f} {y + dy * gap:.3f} m {x:.3f} {y + dy * (gap + length):.3f} l S")
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode()


def _cut_marks() -> bytes:
    """Ticks at the cut line, on the top and bottom edges of the sheet."""
    x = A4_LANDSCAPE[0] / 2
    length = CUT_MARK_MM * MM
    top = A4_LANDSCAPE[1]
    return (f"q 0.3 w 0 G {x:.3f} 0 m {x:.3f} {length:.3f} l S "
            f"{x:.3f} {top:.3f} m {x:.3f} {top - length:.3f} l S Q\n").encode()
