"""Imposition: finished pages placed on printer sheets, with pypdf, not by re-rendering.

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

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

from .atomic import write_atomically
from .printmarks import MM

A4_LANDSCAPE = (297 * MM, 210 * MM)
A5 = (148 * MM, 210 * MM)
CUT_MARK_MM = 5.0
LAYOUTS = ("2up", "booklet")


def booklet_order(pages: int) -> list[tuple[int | None, int | None]]:
    """Sheet sides as (left, right) page numbers from 1; None is a blank page.

    For 8 pages: (8, 1), (2, 7), (6, 3), (4, 5): the first sheet's front carries the
    last and first pages, its back the second and the second-to-last, and so on.
    """
    total = -(-pages // 4) * 4 if pages else 0
    sides = []
    for side in range(total // 2):
        low, high = side + 1, total - side
        pair = (high, low) if side % 2 == 0 else (low, high)
        sides.append(tuple(n if n <= pages else None for n in pair))
    return sides


def impose(source: Path, target: Path, layout: str) -> int:
    """Write the imposed PDF of ``source``; returns the number of sheet sides."""
    data = source.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    pages = list(reader.pages)
    if layout == "2up":
        sides = [(page, page) for page in pages]
    else:
        sides = [tuple(pages[n - 1] if n else None for n in pair)
                 for pair in booklet_order(len(pages))]
    for left, right in sides:
        sheet = writer.add_blank_page(*A4_LANDSCAPE)
        for half, page in enumerate((left, right)):
            if page is not None:
                _place(writer, sheet, page, x=half * A4_LANDSCAPE[0] / 2)
        if layout == "2up":
            _add_content(writer, sheet, _cut_marks(), after=True)
    writer.add_metadata({"/Title": f"{_title(reader)} ({layout})"})
    out = io.BytesIO()
    writer.write(out)
    write_atomically(target, out.getvalue())
    return len(sides)


def _place(writer, sheet: PageObject, page: PageObject, x: float) -> None:
    """Scale the page's trim area into an A5 half of the sheet, centred, clipped."""
    trim = page.trimbox
    width, height = float(trim.width), float(trim.height)
    half_width = A4_LANDSCAPE[0] / 2
    scale = min(half_width / width, A4_LANDSCAPE[1] / height)
    dx = x + (half_width - width * scale) / 2 - float(trim.left) * scale
    dy = (A4_LANDSCAPE[1] - height * scale) / 2 - float(trim.bottom) * scale
    clipped = PageObject.create_blank_page(width=float(page.mediabox.width),
                                           height=float(page.mediabox.height))
    clipped.merge_page(page)
    _add_content(writer, clipped, f"{float(trim.left):.3f} {float(trim.bottom):.3f} "
                                  f"{width:.3f} {height:.3f} re W n\n".encode(), after=False)
    sheet.merge_transformed_page(clipped, Transformation().scale(scale).translate(dx, dy))


def _cut_marks() -> bytes:
    """Ticks at the cut line, on the top and bottom edges of the sheet."""
    x = A4_LANDSCAPE[0] / 2
    length = CUT_MARK_MM * MM
    top = A4_LANDSCAPE[1]
    return (f"q 0.3 w 0 G {x:.3f} 0 m {x:.3f} {length:.3f} l S "
            f"{x:.3f} {top:.3f} m {x:.3f} {top - length:.3f} l S Q\n").encode()


def _add_content(writer, page: PageObject, operators: bytes, after: bool) -> None:
    stream = DecodedStreamObject()
    stream.set_data(operators)
    reference = writer._add_object(stream)
    contents = page.get(NameObject("/Contents"))
    existing = []
    if contents is not None:
        resolved = contents.get_object()
        existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        existing + [reference] if after else [reference] + existing)


def _title(reader: PdfReader) -> str:
    return str((reader.metadata or {}).get("/Title", "")) or "document"

