"""Crop marks outside the bleed, added to a finished PDF with pypdf.

WeasyPrint's ``marks: crop`` draws the marks inside the bleed, where a cover's
background covers them and the guillotine cuts through them. A print shop expects
them in a slug beyond the bleed: the page grows by the slug, TrimBox (the cut
page) and BleedBox (trim plus bleed) stay as WeasyPrint set them.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject, RectangleObject

MM = 72 / 25.4
MARK_LENGTH_MM = 6.0          # each mark's length
GAP_MM = 1.0                  # between the bleed edge and a mark
LINE_WIDTH_PT = 0.25


def add_crop_marks(pdf: bytes, bleed_mm: float) -> bytes:
    """Return ``pdf`` with a slug around every page and crop marks in it."""
    # A clone keeps WeasyPrint's file identifiers: the output stays reproducible.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    slug = (bleed_mm + GAP_MM + MARK_LENGTH_MM + GAP_MM) * MM
    for page in writer.pages:
        trim = page.trimbox
        left, bottom = float(trim.left), float(trim.bottom)
        right, top = float(trim.right), float(trim.top)
        media = RectangleObject([left - slug, bottom - slug, right + slug, top + slug])
        page.mediabox = media
        page.cropbox = media
        page.artbox = RectangleObject([left, bottom, right, top])
        _append(writer, page, _marks(left, bottom, right, top, bleed_mm))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _marks(left: float, bottom: float, right: float, top: float, bleed_mm: float) -> bytes:
    """Two short lines per corner, on the lines of the trim, starting past the bleed."""
    start = (bleed_mm + GAP_MM) * MM
    end = start + MARK_LENGTH_MM * MM
    ops = [f"{LINE_WIDTH_PT} w 0 G [] 0 d"]
    for x, sx in ((left, -1), (right, 1)):
        for y, sy in ((bottom, -1), (top, 1)):
            ops.append(f"{x + sx * start:.3f} {y:.3f} m {x + sx * end:.3f} {y:.3f} l S")
            ops.append(f"{x:.3f} {y + sy * start:.3f} m {x:.3f} {y + sy * end:.3f} l S")
    return ("\n".join(ops) + "\n").encode("ascii")


def _append(writer: PdfWriter, page, operators: bytes) -> None:
    """Draw after the page's own content, with its graphics state set back first."""
    def stream(data: bytes):
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    contents = page.get(NameObject("/Contents"))
    resolved = contents.get_object()
    existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [stream(b"q\n"), *existing, stream(b"\nQ\n" + operators)])
