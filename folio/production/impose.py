"""Imposition: finished pages placed on printer sheets, with pikepdf, not by re-rendering.

``2up``: two copies of each notice page, scaled to A5, side by side on a landscape
A4 sheet, with cut marks at the cut line: print, cut once, hand out two.
``booklet``: the journal's pages scaled to A5 in saddle-stitch order on landscape
A4 sheet sides (print double-sided, flip on the short edge, fold, staple), padded
with blank pages to a multiple of four.
Pages are placed by their TrimBox, and anything outside it (a bleed) is clipped.

Both are for an office printer, which prints nothing in the 4 to 5 mm at a sheet's
edges: pages are scaled to keep PRINTABLE_MM clear at the sheet's edges (the
cover's band would be cut off there), and the cut marks start inside it. A booklet
compensates creep: the inner sheets of a folded stack stick out at the fore-edge,
so their pages move toward the spine by the thickness of the paper folded around
them. A booklet thicker than STAPLE_SHEETS sheets cannot be stapled: it is
imposed in signatures (folded sections of SIGNATURE_SHEETS sheets, gathered for
perfect binding) and the build says so. The imposed file of a PDF/X file is PDF/X
too: the same output intent, claim and version, sheets with TrimBox and BleedBox,
marks in the registration colour.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from folio.files import write_atomically

MM = 72 / 25.4
A4_LANDSCAPE = (297 * MM, 210 * MM)
CUT_MARK_MM = 5.0
PRINTABLE_MM = 5.0              # what an office printer leaves white at a sheet's edges
PAPER_MM = 0.1                  # 80 g/m² office paper
STAPLE_SHEETS = 20              # the most sheets a saddle stitch holds (80 pages)
SIGNATURE_SHEETS = 4            # a signature of 4 sheets: 16 pages


@dataclass
class Imposed:
    sides: int
    notes: list[str] = field(default_factory=list)    # for the editor: a warning


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


def signature_order(pages: int, sheets: int = SIGNATURE_SHEETS
                    ) -> list[tuple[int | None, int | None, int]]:
    """Sheet sides for perfect binding: signatures of ``sheets`` sheets, each in
    saddle-stitch order, one after the other; (left, right, sheet within its
    signature from the outside)."""
    per = 4 * sheets
    total = -(-pages // 4) * 4 if pages else 0
    sides = []
    for start in range(0, total, per):
        count = min(per, total - start)
        for index, (left, right) in enumerate(booklet_order(count)):
            sides.append(tuple(start + n if n is not None and start + n <= pages else None
                               for n in (left, right)) + (index // 2,))
    return sides                        # type: ignore[return-value]


def impose(source: Path, target: Path, layout: str, paper_mm: float = PAPER_MM) -> Imposed:
    """Write the imposed PDF of ``source``: its sheet sides, and what the editor
    should know (a booklet too thick to staple)."""
    notes: list[str] = []
    with pikepdf.open(io.BytesIO(source.read_bytes())) as reader, pikepdf.new() as writer:
        pages = list(reader.pages)
        placed: list[tuple[pikepdf.Page | None, pikepdf.Page | None, int]]
        if layout == "2up":
            placed = [(page, page, 0) for page in pages]
        else:
            order = [(left, right, side // 2) for side, (left, right)
                     in enumerate(booklet_order(len(pages)))]
            sheets = len(order) // 2
            if sheets > STAPLE_SHEETS:
                order = signature_order(len(pages))
                notes.append(
                    f"{source.name}: {sheets} sheets are more than a saddle stitch holds "
                    f"(at most {STAPLE_SHEETS}); the booklet is imposed in signatures of "
                    f"{SIGNATURE_SHEETS} sheets ({4 * SIGNATURE_SHEETS} pages) to fold, "
                    "gather and bind (perfect binding)")
            placed = [(pages[left - 1] if left else None, pages[right - 1] if right else None,
                       nested) for left, right, nested in order]
        press = _is_pdfx(reader)
        half = A4_LANDSCAPE[0] / 2
        margin = PRINTABLE_MM * MM
        for left, right, nested in placed:
            writer.add_blank_page(page_size=A4_LANDSCAPE)
            sheet = writer.pages[-1]
            # Creep: the pages of a sheet inside others move toward the fold.
            creep = 0.0 if layout == "2up" else nested * paper_mm * MM
            for index, page in enumerate((left, right)):
                if page is None:
                    continue
                # The page's trim area (its form's bounding box: the bleed and marks
                # are clipped), scaled into one half inside the printable area (at
                # the fold, a booklet needs none) and centred there.
                inner = margin if layout == "2up" else 0.0
                x0 = index * half + (margin if index == 0 else inner)
                x1 = (index + 1) * half - (inner if index == 0 else margin)
                shift = creep if index == 0 else -creep
                sheet.add_overlay(page, pikepdf.Rectangle(x0 + shift, margin, x1 + shift,
                                                          A4_LANDSCAPE[1] - margin))
            if layout == "2up":
                sheet.contents_add(writer.make_stream(_cut_marks(press)))
            if press:
                box = pikepdf.Array([0, 0, *A4_LANDSCAPE])
                sheet.obj.TrimBox = box
                sheet.obj.BleedBox = box
        if press and layout == "2up":
            _registration(writer)
        title = str(reader.docinfo.get("/Title", "")) or "document"
        writer.docinfo["/Title"] = f"{title} ({layout})"
        version = "1.3"
        if press:
            version = _as_pdfx(reader, writer, f"{title} ({layout})")
        out = io.BytesIO()
        writer.save(out, deterministic_id=True, min_version=version)
    write_atomically(target, out.getvalue())
    return Imposed(len(placed), notes)


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


def _is_pdfx(pdf: pikepdf.Pdf) -> bool:
    return "/OutputIntents" in pdf.Root and any(
        intent.get("/S") == "/GTS_PDFX" for intent in pdf.Root.OutputIntents)


def _as_pdfx(reader: pikepdf.Pdf, writer: pikepdf.Pdf, title: str) -> str:
    """The PDF/X claim of ``reader`` on ``writer``: output intent, document
    information, XMP (its title the imposed file's); the version to write."""
    writer.Root.OutputIntents = pikepdf.Array([
        writer.copy_foreign(intent if intent.is_indirect else reader.make_indirect(intent))
        for intent in reader.Root.OutputIntents])
    for key in ("/GTS_PDFXVersion", "/GTS_PDFXConformance", "/Trapped", "/CreationDate",
                "/ModDate", "/Producer", "/Creator"):
        if key in reader.docinfo:
            writer.docinfo[key] = reader.docinfo[key]
    if "/Metadata" in reader.Root:
        writer.Root.Metadata = writer.copy_foreign(reader.Root.Metadata)
        with writer.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:title"] = title
    return str(reader.pdf_version)


REGISTRATION = "/FolioRegistration"


def _registration(writer: pikepdf.Pdf) -> None:
    """The registration colour (on every plate) for the cut marks of a PDF/X sheet."""
    colour = writer.make_indirect(pikepdf.Array([
        pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceCMYK,
        pikepdf.Dictionary(FunctionType=2, Domain=pikepdf.Array([0, 1]),
                           C0=pikepdf.Array([0, 0, 0, 0]), C1=pikepdf.Array([1, 1, 1, 1]),
                           N=1)]))
    for sheet in writer.pages:
        if "/Resources" not in sheet.obj:
            sheet.obj.Resources = pikepdf.Dictionary()
        if "/ColorSpace" not in sheet.obj.Resources:
            sheet.obj.Resources.ColorSpace = pikepdf.Dictionary()
        sheet.obj.Resources.ColorSpace[REGISTRATION] = colour


def _cut_marks(press: bool) -> bytes:
    """Ticks at the cut line, at the top and bottom of the sheet, inside what an
    office printer prints (PRINTABLE_MM from the edge)."""
    x = A4_LANDSCAPE[0] / 2
    start, length = PRINTABLE_MM * MM, CUT_MARK_MM * MM
    top = A4_LANDSCAPE[1]
    colour = f"{REGISTRATION} CS 1 SCN" if press else "0 G"
    return (f"q 0.3 w {colour} {x:.3f} {start:.3f} m {x:.3f} {start + length:.3f} l S "
            f"{x:.3f} {top - start:.3f} m {x:.3f} {top - start - length:.3f} l S Q\n"
            ).encode()
