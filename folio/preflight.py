"""Preflight: check finished PDFs the way a print shop would, before sending them.

Read back from the files themselves: page count and size, fonts embedded, glyphs
that are not in their font (they print as empty boxes), raster images below
300 dpi at their printed size (poppler's ``pdfimages -list``), bleed where the
profile asks for it, notices of exactly one page (two for a duplex sheet), and
the PDF variant claimed in the XMP metadata.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ContentStream

from .configuration import Profile

MIN_DPI = 300
MM = 72 / 25.4
_VARIANT_CLAIMS = {
    "x": re.compile(r"GTS_PDFXVersion[>=\"']+\s*PDF/X-([0-9a-z:]+)", re.I),
    "a": re.compile(r"pdfaid:part[>=\"']+\s*(\d)"),
    "ua": re.compile(r"pdfuaid:part[>=\"']+\s*(\d)"),
}


@dataclass(frozen=True)
class Expectation:
    """What one PDF must be: from the build plan and the profile."""

    document: str                       # "notice-creative-city"
    language: str                       # "ko", "en" or "bilingual"
    pages: int | None = None            # exactly this many (notices), or any
    bleed_mm: float = 0.0
    variant: str | None = None


@dataclass
class Report:
    path: Path
    expectation: Expectation
    pages: int = 0
    size_mm: str = ""
    fonts: int = 0
    unembedded: list[str] = field(default_factory=list)
    missing_glyphs: int = 0
    lowest_dpi: float | None = None
    bleed: str = "—"
    variant: str = "—"
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def check(path: Path, expectation: Expectation) -> Report:
    report = Report(path, expectation)
    where = f"{expectation.document} ({expectation.language})"
    if not path.is_file():
        report.failures.append(f"{where}: {path.name} has not been built")
        return report
    reader = PdfReader(path)
    report.pages = len(reader.pages)
    first = reader.pages[0]
    trim = first.trimbox
    report.size_mm = f"{float(trim.width) / MM:.0f} × {float(trim.height) / MM:.0f}"

    if expectation.pages is not None and report.pages != expectation.pages:
        report.failures.append(
            f"{where}: {report.pages} pages, a notice sheet must have {expectation.pages}")

    fonts, unembedded, missing = _fonts(reader)
    report.fonts = len(fonts)
    for name, page in unembedded:
        report.unembedded.append(name)
        report.failures.append(f"{where}, page {page}: font {name} is not embedded")
    for page, count in missing.items():
        report.missing_glyphs += count
        report.failures.append(f"{where}, page {page}: {count} character"
                               f"{'s' if count > 1 else ''} with no glyph in their font")

    for page, dpi in _image_dpi(path):
        report.lowest_dpi = dpi if report.lowest_dpi is None else min(report.lowest_dpi, dpi)
        if dpi < MIN_DPI:
            report.failures.append(f"{where}, page {page}: an image prints at {dpi:.0f} dpi "
                                   f"(at least {MIN_DPI} needed); use a larger image")

    if expectation.bleed_mm:
        for number, page in enumerate(reader.pages, 1):
            bleed, trim = page.bleedbox, page.trimbox
            least = min(float(trim.left) - float(bleed.left),
                        float(bleed.right) - float(trim.right),
                        float(trim.bottom) - float(bleed.bottom),
                        float(bleed.top) - float(trim.top)) / MM
            if least + 0.05 < expectation.bleed_mm:
                report.failures.append(f"{where}, page {number}: bleed {least:.1f} mm, the "
                                       f"profile asks for {expectation.bleed_mm:g} mm")
                break
        report.bleed = f"{expectation.bleed_mm:g} mm"
    if expectation.variant:
        claimed = _claimed_variant(reader)
        report.variant = claimed or "none"
        if claimed != expectation.variant:
            report.failures.append(f"{where}: claims {claimed or 'no PDF variant'}, the "
                                   f"profile asks for {expectation.variant}")
    return report


def _fonts(reader: PdfReader):
    """Every font used, those not embedded (name, page), missing glyphs per page."""
    seen: dict[int, str] = {}
    unembedded: list[tuple[str, int]] = []
    missing: dict[int, int] = {}
    programs: dict[int, object] = {}
    for number, page in enumerate(reader.pages, 1):
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font", {}) if resources else {}
        fonts = fonts.get_object() if hasattr(fonts, "get_object") else fonts
        by_name = {}
        for key, reference in fonts.items():
            font = reference.get_object()
            by_name[key] = font
            identity = id(font) if not hasattr(reference, "idnum") else reference.idnum
            if identity in seen:
                continue
            name = str(font.get("/BaseFont", key)).lstrip("/")
            seen[identity] = name
            if not _embedded(font):
                unembedded.append((name, number))
            programs[identity] = _glyph_checker(font)
        count = _missing_glyphs(page, reader, by_name, programs, fonts)
        if count:
            missing[number] = count
    return seen, unembedded, missing


def _descriptor(font):
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return font, descriptor.get_object() if descriptor is not None else None


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True                     # drawn by the PDF itself
    _, descriptor = _descriptor(font)
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _glyph_checker(font):
    """A function cid -> bool (has a glyph), for the CID fonts WeasyPrint writes."""
    if font.get("/Subtype") != "/Type0":
        return None
    cid_font, descriptor = _descriptor(font)
    if descriptor is None:
        return None
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont
    try:
        if "/FontFile2" in descriptor:
            data = descriptor["/FontFile2"].get_object().get_data()
            count = TTFont(io.BytesIO(data), lazy=True)["maxp"].numGlyphs
            return lambda cid: 0 < cid < count
        if "/FontFile3" in descriptor:
            data = descriptor["/FontFile3"].get_object().get_data()
            if data[:4] == b"OTTO":
                font_file = TTFont(io.BytesIO(data), lazy=True)
                names = set(font_file.getGlyphOrder())
            else:
                cff = CFFFontSet()
                cff.decompile(io.BytesIO(data), None)
                names = set(cff[cff.fontNames[0]].charset)
            return lambda cid: cid > 0 and (f"cid{cid:05d}" in names or
                                            f"glyph{cid:05d}" in names or cid < len(names))
    except Exception:       # a font program we cannot read: not a missing glyph
        return None
    return None


def _missing_glyphs(page, reader, by_name, programs, fonts) -> int:
    contents = page.get_contents()
    if contents is None:
        return 0
    count = 0
    checker = None
    for operands, operator in ContentStream(contents, reader).operations:
        if operator == b"Tf" and operands:
            font = by_name.get(operands[0])
            reference = fonts.get(operands[0]) if font is not None else None
            identity = getattr(reference, "idnum", id(font))
            checker = programs.get(identity)
        elif operator in (b"Tj", b"TJ") and checker is not None:
            strings = operands[0] if operator == b"TJ" else operands
            for item in strings:
                data = getattr(item, "original_bytes", None)
                if data is None:
                    continue
                count += sum(1 for i in range(0, len(data) - 1, 2)
                             if not checker(int.from_bytes(data[i:i + 2], "big")))
    return count


def _image_dpi(path: Path) -> list[tuple[int, float]]:
    """(page, the lower of x and y resolution) for each raster image placed."""
    if shutil.which("pdfimages") is None:
        return []
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True,
                             text=True, check=False).stdout.splitlines()[2:]
    result = []
    for line in listing:
        parts = line.split()
        if len(parts) >= 14 and parts[2] in ("image", "stencil"):
            try:
                result.append((int(parts[0]), min(float(parts[12]), float(parts[13]))))
            except ValueError:
                continue
    return result


def _claimed_variant(reader: PdfReader) -> str | None:
    metadata = reader.trailer["/Root"].get("/Metadata")
    if metadata is None:
        return None
    xmp = metadata.get_object().get_data().decode("utf-8", "replace")
    if match := _VARIANT_CLAIMS["x"].search(xmp):
        return f"pdf/x-{match[1].lower()}"
    if match := _VARIANT_CLAIMS["ua"].search(xmp):
        return f"pdf/ua-{match[1]}"
    if match := _VARIANT_CLAIMS["a"].search(xmp):
        conformance = re.search(r"pdfaid:conformance[>=\"']+\s*([A-Za-z])", xmp)
        return f"pdf/a-{match[1]}{conformance[1].lower() if conformance else ''}"
    return None


def expectation_for(document: str, language: str, layout: str, profile: Profile) -> Expectation:
    pages = None
    if document.startswith("notice-"):
        pages = 2 if layout == "duplex" else 1
    return Expectation(document, language, pages, profile.bleed_mm, profile.variant)
