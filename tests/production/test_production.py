"""Imposition, preflight and previews, on PDFs made for the tests and on real builds."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from helpers import gradient_png
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject
from weasyprint import HTML

from folio.cli import main
from folio.production.impose import booklet_order, impose
from folio.production.preflight import Expectation, check
from folio.production.previews import previews_for

MM = 72 / 25.4


def numbered_pdf(path: Path, pages: int, size: str = "A5") -> Path:
    body = "".join(f'<p style="break-after: page">PAGE{n}</p>' for n in range(1, pages + 1))
    HTML(string=f"<style>@page {{ size: {size} }} p {{ font: 30pt 'Noto Sans' }}</style>"
                f"{body}").write_pdf(path)
    return path


def halves(pdf: Path, side: int) -> tuple[str, str]:
    """The text on the left and right half of one sheet side."""
    width, height = 842, 595

    def text(x: int) -> str:
        return subprocess.run(
            ["pdftotext", "-f", str(side), "-l", str(side), "-x", str(x), "-y", "0",
             "-W", str(width // 2), "-H", str(height), str(pdf), "-"],
            capture_output=True, text=True, check=True).stdout.strip()
    return text(0), text(width // 2)


@pytest.mark.parametrize("pages, expected", [
    (8, [(8, 1), (2, 7), (6, 3), (4, 5)]),
    (10, [(None, 1), (2, None), (10, 3), (4, 9), (8, 5), (6, 7)]),   # padded to 12
])
def test_booklet_sheets_are_in_saddle_stitch_order(tmp_path: Path, pages, expected):
    assert booklet_order(pages) == expected
    source = numbered_pdf(tmp_path / "journal.pdf", pages, size="A4")
    target = tmp_path / "journal.booklet.pdf"
    assert impose(source, target, "booklet").sides == len(expected)
    reader = PdfReader(target)
    assert len(reader.pages) == len(expected)
    for side, (left, right) in enumerate(expected, 1):
        page = reader.pages[side - 1]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == \
            (842, 595)
        assert halves(target, side) == (f"PAGE{left}" if left else "",
                                        f"PAGE{right}" if right else "")


def test_2up_puts_two_copies_on_one_a4_sheet_with_cut_marks(tmp_path: Path):
    source = numbered_pdf(tmp_path / "notice.pdf", 1, size="A4")
    target = tmp_path / "notice.2up.pdf"
    assert impose(source, target, "2up").sides == 1
    assert halves(target, 1) == ("PAGE1", "PAGE1")
    page = PdfReader(target).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    content = page.get_contents().get_data()
    centre = f"{297 * MM / 2:.3f}".encode()
    # The cut mark at the bottom, inside what an office printer prints (5 mm in).
    assert content.count(centre + f" {5 * MM:.3f} m".encode()) == 1


def test_imposed_sheets_keep_clear_of_the_unprintable_edges(outputs, tmp_path: Path):
    """An office printer prints nothing in the 4-5 mm at a sheet's edges: the cover's
    band and the cut marks stay inside (read from the rendered sheet)."""
    from PIL import Image
    source = outputs("sample", "print") / "en/journal-2022-vol1-no1.pdf"
    for layout, name in (("booklet", "journal.booklet.pdf"),
                         ("2up", "notice.2up.pdf")):
        path = source if layout == "booklet" else \
            outputs("sample", "print") / "en/notice-creative-city.pdf"
        target = tmp_path / name
        impose(path, target, layout)
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "1", str(target),
                        str(tmp_path / layout)], check=True)
        image = Image.open(next(tmp_path.glob(f"{layout}-*1.png"))).convert("L")
        width, height = image.size
        edge = round(4 * 72 / 25.4)
        border = [image.getpixel((x, y)) for x in range(width) for y in range(height)
                  if x < edge or y < edge or x >= width - edge or y >= height - edge]
        assert min(border) > 240, layout
        inside = [image.getpixel((x, y)) for x in range(edge, width - edge, 3)
                  for y in range(edge, height - edge, 3)]
        assert min(inside) < 100, layout        # the band, the text: drawn


def test_imposed_print_files_are_pdfx_and_preflighted(outputs, tmp_path: Path):
    source = outputs("sample", "print") / "en/journal-2022-vol1-no1.pdf"
    target = tmp_path / "journal-2022-vol1-no1.booklet.pdf"
    impose(source, target, "booklet")
    with pikepdf.open(target) as pdf:
        assert pdf.pdf_version == "1.6"
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        assert pdf.Root.OutputIntents[0].DestOutputProfile.N == 4
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "PDF/X-4" in xmp and "(booklet)" in xmp
        for sheet in pdf.pages:
            assert [float(v) for v in sheet.TrimBox] == [float(v) for v in sheet.MediaBox]
            assert "/BleedBox" in sheet.obj
    report = check(target, Expectation("journal (booklet)", "en", variant="pdf/x-4"))
    assert report.ok, report.failures
    x1a = tmp_path / "notice.2up.pdf"
    impose(outputs("sample", "print") / "en/notice-creative-city.pdf", x1a, "2up")
    with pikepdf.open(x1a) as pdf:
        spaces = list(pdf.pages[0].Resources.ColorSpace.values())
        assert any(space[0] == "/Separation" and space[1] == "/All" for space in spaces)


def _placements(path: Path) -> list[float]:
    """The horizontal offset of each page drawn on each sheet side, in order."""
    found = []
    with pikepdf.open(path) as pdf:
        for sheet in pdf.pages:
            for operands, _ in pikepdf.parse_content_stream(sheet, "cm"):
                found.append(round(float(operands[4]), 3))
    return found


def test_booklet_creep_and_signatures(tmp_path: Path):
    """Inner sheets' pages move toward the fold by the paper folded around them; a
    booklet too thick to staple becomes signatures for perfect binding."""
    source = numbered_pdf(tmp_path / "journal.pdf", 16, size="A4")
    target = tmp_path / "journal.booklet.pdf"
    imposed = impose(source, target, "booklet", paper_mm=0.1)
    assert imposed.sides == 8 and imposed.notes == []
    placed = _placements(target)
    assert len(placed) == 16
    # Sheet 1 (sides 1, 2) against sheet 4 (sides 7, 8): the left page 3 x 0.1 mm
    # nearer the fold, the right page as much.
    assert placed[12] - placed[0] == pytest.approx(3 * 0.1 * MM, abs=0.01)
    assert placed[1] - placed[13] == pytest.approx(3 * 0.1 * MM, abs=0.01)

    thick = numbered_pdf(tmp_path / "thick.pdf", 100, size="A4")
    imposed = impose(thick, tmp_path / "thick.booklet.pdf", "booklet")
    assert len(imposed.notes) == 1
    assert "25 sheets are more than a saddle stitch holds" in imposed.notes[0]
    assert "signatures of 4 sheets (16 pages)" in imposed.notes[0]
    # The first signature holds pages 1-16 in saddle order, the second 17-32.
    assert halves(tmp_path / "thick.booklet.pdf", 1) == ("PAGE16", "PAGE1")
    assert halves(tmp_path / "thick.booklet.pdf", 9) == ("PAGE32", "PAGE17")


def test_preflight_passes_a_good_document(tmp_path: Path):
    good = numbered_pdf(tmp_path / "notice-good.pdf", 1)
    report = check(good, Expectation("notice-good", "en", pages=1))
    assert report.ok and report.fonts == 1 and report.pages == 1
    assert report.size_mm == "148 × 210"


def test_preflight_catches_a_low_resolution_image(tmp_path: Path):
    image = base64.b64encode(gradient_png(50, 50)).decode()
    pdf = tmp_path / "notice-photo.pdf"
    HTML(string=f'<img src="data:image/png;base64,{image}" style="width: 100mm">'
         ).write_pdf(pdf)
    report = check(pdf, Expectation("notice-photo", "ko", pages=1))
    assert report.lowest_dpi == pytest.approx(13, abs=1)     # 50 px over 100 mm
    assert report.ok                    # on screen, a warning
    assert report.warnings == ["notice-photo (ko), page 1: an image of 50 × 50 px prints at "
                               "13 dpi (at least 150 for the screen); use a larger image or "
                               "print it smaller"]


def test_preflight_catches_a_two_page_notice(tmp_path: Path):
    pdf = numbered_pdf(tmp_path / "notice-long.pdf", 2)
    report = check(pdf, Expectation("notice-long", "en", pages=1))
    assert report.failures == ["notice-long (en): 2 pages, a notice sheet must have 1"]
    assert check(pdf, Expectation("notice-long", "bilingual", pages=2)).ok   # duplex


def test_preflight_catches_an_unembedded_font(tmp_path: Path):
    writer = PdfWriter()
    page = writer.add_blank_page(420, 595)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 24 Tf 72 500 Td (Hello) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    pdf = tmp_path / "notice-helvetica.pdf"
    with pdf.open("wb") as out:
        writer.write(out)
    report = check(pdf, Expectation("notice-helvetica", "en", pages=1))
    assert report.unembedded == ["Helvetica"]
    assert "notice-helvetica (en), page 1: font Helvetica is not embedded" in report.failures


def test_preflight_catches_a_missing_glyph(tmp_path: Path):
    pdf = tmp_path / "notice-box.pdf"
    HTML(string="<p style=\"font-family: 'Noto Sans'\">A\U000F0000B</p>").write_pdf(pdf)
    report = check(pdf, Expectation("notice-box", "en", pages=1))
    assert report.missing_glyphs == 1
    assert report.failures == ["notice-box (en), page 1: 1 character with no glyph in "
                               "their font that a conforming reader can find"]


def test_preflight_checks_bleed_and_variant(tmp_path: Path):
    pdf = numbered_pdf(tmp_path / "notice-plain.pdf", 1)
    report = check(pdf, Expectation("notice-plain", "en", 1, bleed_mm=3, variant="pdf/x-4"))
    assert report.failures[:2] == [
        "notice-plain (en), page 1: bleed 0.0 mm, the profile asks for 3 mm",
        "notice-plain (en): claims no PDF variant, the profile asks for pdf/x-4"]


def test_previews_have_one_thumbnail_per_page_and_a_contact_sheet(tmp_path: Path):
    from PIL import Image
    pdf = numbered_pdf(tmp_path / "journal.pdf", 6)
    pages, contact = previews_for(pdf, tmp_path / "previews/journal")
    assert [p.name for p in pages] == [f"page-{n:03}.png" for n in range(1, 7)]
    with Image.open(pages[0]) as thumbnail:
        width, height = thumbnail.size                       # A5 at 50 dpi: 291 × 413
        assert abs(width - 148 * 50 / 25.4) <= 1 and abs(height - 210 * 50 / 25.4) <= 1
    with Image.open(contact) as sheet:
        # Four columns, two rows of A5 thumbnails, with gaps and page-number labels.
        assert sheet.width > 4 * 291 and sheet.width < 4 * 291 + 100
        assert sheet.height > 2 * 413 and sheet.height < 2 * 413 + 120


def test_print_build_imposes_previews_and_preflights(tiny: Path, capsys, monkeypatch):
    monkeypatch.chdir(tiny)
    config = tiny / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "profiles:\n  print: {bleed: 3mm, "
                      "crop_marks: true, variant: pdf/x-4, output_intent: "
                      "/usr/share/color/icc/ghostscript/default_cmyk.icc}\n", encoding="utf-8")
    assert main(["--root", str(tiny), "--profile", "print", "--lang", "en", "--impose", "2up",
                 "--impose", "booklet", "--previews", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    for name in ("output/print/en/notice-open-day.2up.pdf",
                 "output/print/en/journal-2024-no2.booklet.pdf",
                 "output/previews/print/en/journal-2024-no2.png",
                 "output/previews/print/en/notice-open-day/page-001.png"):
        assert (tiny / name).is_file(), name
    assert "preflight: 4 of 4 PDFs ready" in out        # the imposed files too
    assert re.search(r"journal-2024-no2\s+en", out) and "pdf/x-4" in out
    assert re.search(r"journal-2024-no2 \(booklet\)\s+en .* pdf/x-4 .* ok", out)

    # The standalone command: the same verdict, and a missing file is a failure.
    assert main(["preflight", "--root", str(tiny), "--profile", "print", "--lang", "en"]) == 0
    capsys.readouterr()
    assert main(["preflight", "--root", str(tiny), str(tiny / "output/en/nothing.pdf")]) == 1
    assert "has not been built" in capsys.readouterr().err
