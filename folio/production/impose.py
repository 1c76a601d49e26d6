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


def _cut_marks() -> bytes:
    """Ticks at the cut line, on the top and bottom edges of the sheet."""
    x = A4_LANDSCAPE[0] / 2
    length = CUT_MARK_MM * MM
    top = A4_LANDSCAPE[1]
    return (f"q 0.3 w 0 G {x:.3f} 0 m {x:.3f} {length:.3f} l S "
            f"{x:.3f} {top:.3f} m {x:.3f} {top - length:.3f} l S Q\n").encode()
