"""Imposition, preflight and previews, on PDFs made for the tests and on real builds."""

from __future__ import annotations

import base64
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
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
    assert impose(source, target, "booklet") == len(expected)
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
    assert impose(source, target, "2up") == 1
    assert halves(target, 1) == ("PAGE1", "PAGE1")
    page = PdfReader(target).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    content = page.get_contents().get_data()
    centre = f"{297 * MM / 2:.3f}".encode()
    assert content.count(centre + b" 0 m") == 1           # the cut mark at the bottom edge


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x90\x40\x30" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_preflight_passes_a_good_document(tmp_path: Path):
    good = numbered_pdf(tmp_path / "notice-good.pdf", 1)
    report = check(good, Expectation("notice-good", "en", pages=1))
    assert report.ok and report.fonts == 1 and report.pages == 1
    assert report.size_mm == "148 × 210"


def test_preflight_catches_a_low_resolution_image(tmp_path: Path):
    image = base64.b64encode(_png(50, 50)).decode()
    pdf = tmp_path / "notice-photo.pdf"
    HTML(string=f'<img src="data:image/png;base64,{image}" style="width: 100mm">'
         ).write_pdf(pdf)
    report = check(pdf, Expectation("notice-photo", "ko", pages=1))
    assert report.lowest_dpi == pytest.approx(13, abs=1)     # 50 px over 100 mm
    assert report.failures == ["notice-photo (ko), page 1: an image prints at 13 dpi (at "
                               "least 300 needed); use a larger image"]


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
    assert "preflight: 2 of 2 PDFs ready" in out
    assert "journal-2024-no2  en" in out and "pdf/x-4" in out

    # The standalone command: the same verdict, and a missing file is a failure.
    assert main(["preflight", "--root", str(tiny), "--profile", "print", "--lang", "en"]) == 0
    capsys.readouterr()
    assert main(["preflight", "--root", str(tiny), str(tiny / "output/en/nothing.pdf")]) == 1
    assert "has not been built" in capsys.readouterr().err
