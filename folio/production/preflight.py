"""Preflight: check finished PDFs the way a print shop and an archive would.

Everything is read back from the files themselves (pikepdf, poppler), never
taken from what the build meant to write: page count and trim size, fonts
embedded, glyphs a conforming reader will not find in their font, raster images
below 300 dpi at their printed size, bleed, the PDF variant claimed and what it
requires (header version; for PDF/X: no RGB colour, no annotations, TrimBox and
BleedBox without ArtBox), text too close to the trim edge, notices of exactly one
page (two for a duplex sheet). When veraPDF, the reference PDF/A and PDF/UA
validator, is installed (``FOLIO_VERAPDF`` names the command, or ``verapdf`` on
PATH), PDF/A and PDF/UA files are also given to it and each rule it finds broken
is a failure: our own checks cannot be the only judge of our own files.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from folio.config.publication import Profile
from folio.config.variants import variant_of
from folio.production.press import transparency

MIN_DPI = 300                   # print (PDF/X): less is an error, at the printed size
SCREEN_MIN_DPI = 150            # the screen: less is a warning (soft on a sharp display)
MM = 72 / 25.4
SAFE_MARGIN_MM = 5.0            # text must stay this far inside the trim edge
# The lowest header each variant allows: PDF/X-4 is built on PDF 1.6, and
# transparency (which WeasyPrint writes) needs at least 1.4.
_VARIANT_CLAIMS = {
    "x": re.compile(r"GTS_PDFXVersion[>=\"']+\s*PDF/X-([0-9a-z:]+)", re.I),
    "a": re.compile(r"pdfaid:part[>=\"']+\s*(\d)"),
    "ua": re.compile(r"pdfuaid:part[>=\"']+\s*(\d)"),
}
_PRINTER_ANNOTATIONS = ("/PrinterMark", "/TrapNet")


@dataclass(frozen=True)
class Expectation:
    """What one PDF must be: from the build plan and the profile."""

    document: str                       # "notice-creative-city"
    language: str                       # "ko", "en" or "bilingual"
    pages: int | None = None            # exactly this many (notices), or any
    bleed_mm: float = 0.0
    variant: str | None = None
    # The raster images the document was made from (relative paths), to name the
    # one an image in the PDF came from.
    images: tuple[Path, ...] = ()
    root: Path | None = None            # where ``images`` are


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
    validator: str = "—"
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)     # for the print shop to judge

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def where(self) -> str:
        return f"{self.expectation.document} ({self.expectation.language})"

    def fail(self, message: str, page: int | None = None) -> None:
        at = f", page {page}" if page is not None else ""
        self.failures.append(f"{self.where}{at}: {message}")

    def warn(self, message: str, page: int | None = None) -> None:
        at = f", page {page}" if page is not None else ""
        self.warnings.append(f"{self.where}{at}: {message}")


def check(path: Path, expectation: Expectation) -> Report:
    report = Report(path, expectation)
    if not path.is_file():
        report.fail(f"{path.name} has not been built")
        return report
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError, ValueError) as error:
        report.fail(f"{path.name} is not a readable PDF ({_first_line(error)}); build it "
                    "again")
        return report
    with pdf:
        _check_pdf(pdf, path, report)
        # qpdf repairs a damaged file as it reads it, and says so only here.
        if pdf.get_warnings():
            warning = _first_line(Exception(pdf.get_warnings()[0]))
            report.fail(f"{path.name} is damaged ({warning}); build it again")
    return report


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _check_pdf(pdf: pikepdf.Pdf, path: Path, report: Report) -> None:
    expectation = report.expectation
    report.pages = len(pdf.pages)
    if not pdf.pages:
        report.fail("the file has no pages")
        return
    trim = _box(pdf.pages[0].obj, "/TrimBox")
    report.size_mm = f"{(trim[2] - trim[0]) / MM:.0f} × {(trim[3] - trim[1]) / MM:.0f}"

    if expectation.pages is not None and report.pages != expectation.pages:
        report.fail(f"{report.pages} pages, a notice sheet must have {expectation.pages}")

    _check_fonts(pdf, report)
    _check_images(path, report)
    if expectation.bleed_mm:
        _check_bleed(pdf, report)
    _check_text_area(pdf, path, report)

    variant = expectation.variant
    if variant:
        claimed = _claimed_variant(pdf)
        report.variant = claimed or "none"
        if claimed != variant:
            report.fail(f"claims {claimed or 'no PDF variant'}, the profile asks for {variant}")
        least = variant_of(variant).header
        if least and _version(pdf.pdf_version) < _version(least):
            report.fail(f"the file is PDF {pdf.pdf_version}; {variant} needs at least {least}")
        most = variant_of(variant).max_header
        if most and _version(pdf.pdf_version) > _version(most):
            report.fail(f"the file is PDF {pdf.pdf_version}; {variant} allows at most {most}")
    if variant_of(variant).press:
        _check_press(pdf, report)
        _check_text_inks(pdf, report)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", str(text))[:2])


def _box(page, name: str) -> tuple[float, float, float, float]:
    """A page box, falling back as PDF says: Trim/Bleed/Art -> Crop -> Media."""
    for key in (name, "/CropBox", "/MediaBox"):
        if key in page:
            return tuple(float(v) for v in page[key])        # type: ignore[return-value]
    return (0.0, 0.0, 0.0, 0.0)


# -- fonts and glyphs ----------------------------------------------------------------

def _check_fonts(pdf: pikepdf.Pdf, report: Report) -> None:
    """Every font embedded; every glyph a conforming reader looks up present."""
    checkers: dict[tuple[int, int], object] = {}
    unembedded: set[str] = set()
    for number, page in enumerate(pdf.pages, 1):
        missing = 0
        for stream, resources in _content_streams(page.obj):
            fonts = resources.get("/Font", {}) if resources is not None else {}
            for font in fonts.values():
                key = font.objgen
                if key in checkers:
                    continue
                name = str(font.get("/BaseFont", "?")).lstrip("/")
                checkers[key] = _glyph_checker(font)
                if not _embedded(font) and name not in unembedded:
                    unembedded.add(name)
                    report.unembedded.append(name)
                    report.fail(f"font {name} is not embedded", number)
            missing += _missing_glyphs(stream, fonts, checkers)
        if missing:
            report.missing_glyphs += missing
            report.fail(f"{missing} character{'s' if missing > 1 else ''} with no glyph in "
                        "their font that a conforming reader can find", number)
    report.fonts = len(checkers)


def _content_streams(page):
    """(content stream, its resources) for a page and every form it draws."""
    resources = page.get("/Resources")
    yield page, resources
    seen: set = set()
    pending = [resources]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        for xobject in current.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield xobject, xobject.get("/Resources")
                pending.append(xobject.get("/Resources"))


def _descriptor(font):
    if font.get("/Subtype") == "/Type0":
        font = font.DescendantFonts[0]
    return font, font.get("/FontDescriptor")


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True                     # drawn by the PDF itself
    _, descriptor = _descriptor(font)
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _glyph_checker(font):
    """A function cid -> bool (a conforming reader finds a glyph), for CID fonts.

    ISO 32000-1 §9.7.4.2: in a CIDFontType0 whose CFF program is CID-keyed, a CID
    is looked up in the program's charset; only a name-keyed program takes CIDs as
    glyph indices. (A subset that keeps the original CIDs in its charset draws
    right in poppler and PDFium, and as .notdef in a conforming reader.)
    """
    if font.get("/Subtype") != "/Type0":
        return None
    cid_font, descriptor = _descriptor(font)
    if descriptor is None:
        return None
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont
    try:
        if "/FontFile2" in descriptor:
            data = descriptor.FontFile2.read_bytes()
            count = TTFont(io.BytesIO(data), lazy=True)["maxp"].numGlyphs
            mapping = cid_font.get("/CIDToGIDMap")
            if isinstance(mapping, pikepdf.Stream):
                table = mapping.read_bytes()
                return lambda cid: 0 < int.from_bytes(table[2 * cid:2 * cid + 2] or b"\0\0",
                                                      "big") < count
            return lambda cid: 0 < cid < count
        if "/FontFile3" in descriptor:
            data = descriptor.FontFile3.read_bytes()
            if data[:4] == b"OTTO":                 # OpenType: its CFF table
                data = TTFont(io.BytesIO(data), lazy=True).reader["CFF "]
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(data), None)
            top = cff[cff.fontNames[0]]
            charset = list(top.charset)
            if hasattr(top, "ROS"):             # CID-keyed: CIDs through the charset
                cids = {int(name[3:]) for name in charset if name.startswith("cid")}
                return lambda cid: cid != 0 and cid in cids
            return lambda cid: 0 < cid < len(charset)
    except Exception:       # noqa: BLE001 - a font program we cannot read: no verdict
        return None
    return None


def _missing_glyphs(stream, fonts, checkers) -> int:
    count = 0
    checker = None
    for instruction in pikepdf.parse_content_stream(stream, "Tf Tj TJ ' \""):
        operands, operator = instruction.operands, instruction.operator
        name = str(operator)
        if name == "Tf" and operands:
            font = fonts.get(str(operands[0]))
            checker = checkers.get(font.objgen) if font is not None else None
        elif checker is not None and name in ("Tj", "TJ", "'", '"'):
            strings = operands[-1] if name == "TJ" else [operands[-1]]
            for item in strings:
                if isinstance(item, pikepdf.String):
                    data = bytes(item)
                    count += sum(1 for i in range(0, len(data) - 1, 2)
                                 if not checker(int.from_bytes(data[i:i + 2], "big")))
    return count


# -- images, bleed, text area ----------------------------------------------------------

def _check_images(path: Path, report: Report) -> None:
    """Resolution at the printed size, as the variant needs it: print (PDF/X) fails
    under MIN_DPI, the screen warns under SCREEN_MIN_DPI; the archive and
    screen-reader variants keep what they are given."""
    variant = report.expectation.variant
    if variant and not variant_of(variant).press:
        return
    least, failing = (MIN_DPI, True) if variant else (SCREEN_MIN_DPI, False)
    named: dict[tuple[int, int], str] = {}
    for page, dpi, width, height in _image_dpi(path):
        report.lowest_dpi = dpi if report.lowest_dpi is None else min(report.lowest_dpi, dpi)
        if dpi >= least:
            continue
        if (width, height) not in named:
            named[width, height] = _image_name(width, height, report.expectation)
        message = (f"{named[width, height]} prints at {dpi:.0f} dpi (at least {least} "
                   f"{'needed for print' if failing else 'for the screen'}); use a larger "
                   "image or print it smaller")
        (report.fail if failing else report.warn)(message, page)


def _image_name(width: int, height: int, expectation: Expectation) -> str:
    """The image as the editor knows it: the source file of these pixel dimensions."""
    from PIL import Image, UnidentifiedImageError
    found = []
    for image in expectation.images:
        try:
            with Image.open((expectation.root or Path()) / image) as opened:
                if opened.size == (width, height):
                    found.append(str(image))
        except (OSError, UnidentifiedImageError):
            continue
    if found:
        return f"the image {' or '.join(found)} ({width} × {height} px)"
    return f"an image of {width} × {height} px"


RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".tif", ".tiff", ".bmp")


def _image_dpi(path: Path) -> list[tuple[int, float, int, int]]:
    """(page, the lower of x and y resolution, width and height in pixels) for each
    raster image placed."""
    if shutil.which("pdfimages") is None:
        return []
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True,
                             text=True, check=False).stdout.splitlines()[2:]
    result = []
    for line in listing:
        parts = line.split()
        if len(parts) >= 14 and parts[2] in ("image", "stencil"):
            try:
                result.append((int(parts[0]), min(float(parts[12]), float(parts[13])),
                               int(parts[3]), int(parts[4])))
            except ValueError:
                continue
    return result


def _check_bleed(pdf: pikepdf.Pdf, report: Report) -> None:
    wanted = report.expectation.bleed_mm
    for number, page in enumerate(pdf.pages, 1):
        bleed, trim = _box(page.obj, "/BleedBox"), _box(page.obj, "/TrimBox")
        least = min(trim[0] - bleed[0], bleed[2] - trim[2], trim[1] - bleed[1],
                    bleed[3] - trim[3]) / MM
        if least + 0.05 < wanted:
            report.fail(f"bleed {least:.1f} mm, the profile asks for {wanted:g} mm", number)
            break
    report.bleed = f"{wanted:g} mm"


_WORD = re.compile(r'<page width="[\d.]+" height="[\d.]+">|'
                   r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r'([^<]*)</word>')


def words(path: Path) -> dict[int, list[tuple[float, float, float, float, str]]]:
    """Each page's words as a reader extracts them, in points from the trim's top left."""
    if shutil.which("pdftotext") is None:
        return {}
    listing = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                             text=True, check=False).stdout
    with pikepdf.open(path) as pdf:
        offsets = []
        for page in pdf.pages:
            crop, trim = _box(page.obj, "/CropBox"), _box(page.obj, "/TrimBox")
            offsets.append((trim[0] - crop[0], crop[3] - trim[3]))
    result: dict[int, list] = {}
    number = 0
    for match in _WORD.finditer(listing):
        if match[1] is None:
            number += 1
            result[number] = []
            continue
        dx, dy = offsets[number - 1] if number - 1 < len(offsets) else (0.0, 0.0)
        x1, y1, x2, y2 = (float(match[i]) for i in range(1, 5))
        result[number].append((x1 - dx, y1 - dy, x2 - dx, y2 - dy, match[5]))
    return result


def _check_text_area(pdf: pikepdf.Pdf, path: Path, report: Report) -> None:
    """Text closer than SAFE_MARGIN_MM to the trim edge, or beyond it, may be cut off."""
    margin = SAFE_MARGIN_MM * MM
    sizes = [(_box(p.obj, "/TrimBox")[2] - _box(p.obj, "/TrimBox")[0],
              _box(p.obj, "/TrimBox")[3] - _box(p.obj, "/TrimBox")[1]) for p in pdf.pages]
    for number, page_words in words(path).items():
        width, height = sizes[number - 1]
        outside = [w for w in page_words if w[0] < margin - 0.5 or w[1] < margin - 0.5
                   or w[2] > width - margin + 0.5 or w[3] > height - margin + 0.5]
        if outside:
            x1, y1, x2, y2, text = outside[0]
            distance = min(x1, y1, width - x2, height - y2) / MM
            shown = text if len(text) <= 30 else text[:29] + "…"
            more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
            report.fail(f"text '{shown}'{more} lies {distance:.1f} mm from the trim edge "
                        f"(keep text at least {SAFE_MARGIN_MM:g} mm inside it)", number)


# -- variants ---------------------------------------------------------------------------

def _claimed_variant(pdf: pikepdf.Pdf) -> str | None:
    # PDF/X-1a and X-3 claim it in the document information (X-4 in XMP only).
    conformance = str(pdf.docinfo.get("/GTS_PDFXConformance", "")) or \
        str(pdf.docinfo.get("/GTS_PDFXVersion", ""))
    if match := re.match(r"PDF/X-([0-9]+[a-z]?)", conformance):
        return f"pdf/x-{match[1].lower()}"
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        return None
    xmp = metadata.read_bytes().decode("utf-8", "replace")
    if match := _VARIANT_CLAIMS["x"].search(xmp):
        return f"pdf/x-{match[1].lower()}"
    if match := _VARIANT_CLAIMS["ua"].search(xmp):
        return f"pdf/ua-{match[1]}"
    if match := _VARIANT_CLAIMS["a"].search(xmp):
        level = re.search(r"pdfaid:conformance[>=\"']+\s*([A-Za-z])", xmp)
        return f"pdf/a-{match[1]}{level[1].lower() if level else ''}"
    return None


def _check_press(pdf: pikepdf.Pdf, report: Report) -> None:
    """What PDF/X asks of every page: boxes, no annotations, no RGB colour."""
    for number, page in enumerate(pdf.pages, 1):
        obj = page.obj
        for name in ("/TrimBox", "/BleedBox"):
            if name not in obj:
                report.fail(f"no {name[1:]}: the print shop cannot tell where to cut", number)
        if "/ArtBox" in obj and "/TrimBox" in obj:
            report.fail("has both ArtBox and TrimBox; PDF/X allows only one", number)
        annotations = [a for a in obj.get("/Annots", [])
                       if str(a.get("/Subtype")) not in _PRINTER_ANNOTATIONS]
        if annotations:
            kinds = sorted({str(a.get("/Subtype", "?")).lstrip("/") for a in annotations})
            report.fail(f"{len(annotations)} annotation{'s' if len(annotations) > 1 else ''} "
                        f"({', '.join(kinds)}) on the printed page", number)
        rgb = _rgb_use(obj)
        if rgb:
            report.fail(f"RGB colour ({rgb}) in a file for a CMYK press", number)
        if not variant_of(report.expectation.variant).transparency and \
                (why := transparency(obj)):
            report.fail(f"transparency ({why}), which {report.expectation.variant} does "
                        "not allow", number)
    intents = pdf.Root.get("/OutputIntents")
    profile = intents[0].get("/DestOutputProfile") if intents is not None and len(intents) \
        else None
    if profile is None or int(profile.get("/N", 0)) != 4:
        report.fail("no CMYK output intent: PDF/X needs the printing condition's ICC "
                    "profile")


SMALL_TEXT_PT = 12.0
INK = 0.005                     # less than this of an ink is no ink


def _text_colours(holder, ctm: tuple = (1, 0, 0, 1, 0, 0), seen: set | None = None):
    """(CMYK fill, text size in points) for each glyph shown in a content stream
    and the forms it draws; colours not in DeviceCMYK are skipped."""
    seen = set() if seen is None else seen
    resources = holder.get("/Resources")
    forms = resources.get("/XObject", {}) if resources is not None else {}
    fill = None
    space = ""
    size = 0.0
    text: tuple = (1, 0, 0, 1, 0, 0)
    stack: list = []
    for instruction in pikepdf.parse_content_stream(holder):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            continue
        operands, name = instruction.operands, str(instruction.operator)
        if name == "q":
            stack.append((fill, space, ctm))
        elif name == "Q" and stack:
            fill, space, ctm = stack.pop()
        elif name == "cm":
            ctm = _product(tuple(map(float, operands)), ctm)
        elif name == "BT":
            text = (1, 0, 0, 1, 0, 0)
        elif name == "Tm":
            text = tuple(map(float, operands))
        elif name == "Tf":
            size = abs(float(operands[1]))
        elif name in _FILL_OPERATORS:
            fill, space = _fill(name, operands, fill, space)
        elif name in ("Tj", "TJ", "'", '"') and fill is not None:
            yield fill, *_shown(name, operands, size, _product(text, ctm))
        elif name == "Do" and operands:
            yield from _form_text_colours(forms.get(str(operands[0])), ctm, seen)


def _form_text_colours(form, ctm: tuple, seen: set):
    """_text_colours of a form drawn (once), in the coordinates it is drawn in."""
    if form is not None and form.get("/Subtype") == "/Form" and form.objgen not in seen:
        seen.add(form.objgen)
        matrix = tuple(map(float, form.get("/Matrix", [1, 0, 0, 1, 0, 0])))
        yield from _text_colours(form, _product(matrix, ctm), seen)


def _shown(name: str, operands, size: float, matrix: tuple) -> tuple[float, int]:
    """The size in points and the number of glyphs of a text-showing operator."""
    shown = operands[-1]
    strings = shown if name == "TJ" else [shown]
    glyphs = sum(len(bytes(s)) for s in strings if isinstance(s, pikepdf.String))
    points = size * abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]) ** 0.5
    return round(points, 1), glyphs


_FILL_OPERATORS = frozenset({"k", "g", "cs", "sc", "scn", "rg"})


def _fill(name: str, operands, fill: tuple | None, space: str) -> tuple[tuple | None, str]:
    """The CMYK fill (None: not in DeviceCMYK) and fill colour space after a fill
    colour operator."""
    if name == "k":
        return tuple(float(v) for v in operands), space
    if name == "g":
        return (0.0, 0.0, 0.0, 1 - float(operands[0])), space
    if name == "cs":
        return None, str(operands[0])
    if name in ("sc", "scn"):
        if space == "/DeviceCMYK" and len(operands) == 4:
            return tuple(float(v) for v in operands), space
        if space == "/DeviceGray" and len(operands) == 1:
            return (0.0, 0.0, 0.0, 1 - float(operands[0])), space
    return None, space                  # rg, or sc/scn in another space


def _product(a, b) -> tuple:
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def _ink_name(cmyk) -> str:
    return " ".join(f"{letter}{round(v * 100)}"
                    for letter, v in zip("CMYK", cmyk, strict=True) if v > INK)


def _check_text_inks(pdf: pikepdf.Pdf, report: Report) -> None:
    """Warnings a prepress department gives: small text in three or four inks (it
    blurs when the plates are a hair apart), black text in several inks (rich black)
    or as a tint of black (screened into dots)."""
    small: dict[tuple, list] = {}
    rich: dict[tuple, list] = {}
    tint: dict[tuple, list] = {}
    for number, page in enumerate(pdf.pages, 1):
        for cmyk, size, glyphs in _text_colours(page.obj):
            inks = sum(1 for v in cmyk if v > INK)
            if cmyk[3] >= 0.8 and max(cmyk[:3]) > INK:
                found = rich.setdefault(cmyk, [0, number, size])
            elif cmyk[3] >= 0.8 and cmyk[3] < 1 - INK and inks == 1:
                found = tint.setdefault(cmyk, [0, number, size])
            elif inks >= 3 and size < SMALL_TEXT_PT:
                found = small.setdefault(cmyk, [0, number, size])
            else:
                continue
            found[0] += glyphs // 2 or glyphs
    for cmyk, (glyphs, page, size) in small.items():
        report.warn(f"{glyphs} glyphs of small text (under {SMALL_TEXT_PT:g} pt, e.g. "
                    f"{size:g} pt) in {sum(1 for v in cmyk if v > INK)} inks "
                    f"({_ink_name(cmyk)}), first on page {page}: they blur if the plates "
                    "are a hair out of register; a grey (black ink) or a colour of one or "
                    "two inks prints sharp")
    for cmyk, (glyphs, page, _) in rich.items():
        report.warn(f"{glyphs} glyphs of text in rich black ({_ink_name(cmyk)}), first on "
                    f"page {page}: black text prints sharp in black ink alone")
    for cmyk, (glyphs, page, _) in tint.items():
        report.warn(f"{glyphs} glyphs of near-black text as a {round(cmyk[3] * 100)} % tint "
                    f"of black, first on page {page}: the press screens it into dots; "
                    "solid black (100 % K) prints it sharp")


def _rgb_use(page) -> str:
    """What on this page is in DeviceRGB, described; empty if nothing is."""
    group = page.get("/Group")
    if group is not None and _is_device_rgb(group.get("/CS")):
        return "the page's transparency group"
    for stream, resources in _content_streams(page):
        if why := _rgb_operator(stream):
            return why
        if stream is not page and _is_device_rgb(stream.get("/Group", {}).get("/CS")):
            return "a transparency group"
        if resources is not None and (why := _rgb_resource(resources)):
            return why
    return ""


def _rgb_operator(stream) -> str:
    for instruction in pikepdf.parse_content_stream(stream, "rg RG cs CS"):
        operands, operator = instruction.operands, instruction.operator
        name = str(operator)
        if name in ("rg", "RG"):
            return f"'{name}' colour operator"
        if name in ("cs", "CS") and str(operands[0]) == "/DeviceRGB":
            return "DeviceRGB colour space"
    return ""


def _rgb_resource(resources) -> str:
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Image" and _is_device_rgb(xobject.get("/ColorSpace")):
            return "an RGB image"
    for space in resources.get("/ColorSpace", {}).values():
        if _is_device_rgb(space):
            return "an RGB colour space"
    for shading in resources.get("/Shading", {}).values():
        if _is_device_rgb(shading.get("/ColorSpace")):
            return "an RGB gradient"
    return ""


def _is_device_rgb(space) -> bool:
    if isinstance(space, pikepdf.Name):
        return str(space) == "/DeviceRGB"
    if isinstance(space, pikepdf.Array) and len(space):
        return str(space[0]) == "/DeviceRGB" or (
            str(space[0]) == "/Indexed" and len(space) > 1 and _is_device_rgb(space[1]))
    return False


# -- the reference validator -----------------------------------------------------------

def verapdf_command() -> list[str] | None:
    """veraPDF, if installed: $FOLIO_VERAPDF, else ``verapdf`` on PATH."""
    named = os.environ.get("FOLIO_VERAPDF", "").strip()
    if named:
        path = Path(named).expanduser()
        return [str(path)] if path.is_file() and os.access(path, os.X_OK) else None
    found = shutil.which("verapdf")
    return [found] if found else None


def validate(reports: list[Report]) -> None:
    """Give PDF/A and PDF/UA files to veraPDF, one run per flavour; add its findings."""
    command = verapdf_command() or []
    by_flavour: dict[str, list[Report]] = {}
    for report in reports:
        flavour = variant_of(report.expectation.variant).verapdf
        if flavour and report.path.is_file():
            if not command:
                report.validator = "not installed"
            else:
                by_flavour.setdefault(flavour, []).append(report)
    for flavour, group in by_flavour.items():
        try:
            done = subprocess.run([*command, "--flavour", flavour, "--format", "mrr",
                                   *(str(r.path) for r in group)],
                                  capture_output=True, text=True, timeout=600, check=False)
            results = parse_mrr(done.stdout)
        except (OSError, subprocess.TimeoutExpired, ET.ParseError) as error:
            for report in group:
                report.validator = "failed"
                report.fail(f"veraPDF could not run ({_first_line(error)}); check "
                            "FOLIO_VERAPDF")
            continue
        for report in group:
            result = results.get(str(report.path))
            if result is None:
                report.validator = "failed"
                report.fail("veraPDF gave no verdict on this file")
                continue
            report.validator = f"veraPDF {flavour}: " + ("ok" if not result else
                                                         f"{len(result)} rules broken")
            for rule in result:
                report.fail(f"veraPDF {rule.clause}-{rule.test} ({rule.checks} "
                            f"check{'s' if rule.checks != 1 else ''}): {rule.description}",
                            rule.page)


@dataclass(frozen=True)
class BrokenRule:
    clause: str
    test: str
    checks: int
    description: str
    page: int | None


_PAGE = re.compile(r"pages\[(\d+)\]")


def parse_mrr(text: str) -> dict[str, list[BrokenRule]]:
    """veraPDF's machine-readable report: file -> the rules it breaks (empty: compliant)."""
    results: dict[str, list[BrokenRule]] = {}
    for job in ET.fromstring(text).iter("job"):
        name = job.findtext("item/name") or ""
        report = job.find("validationReport")
        if report is None:
            continue
        rules = []
        for rule in report.iter("rule"):
            if rule.get("status") != "failed":
                continue
            page = None
            for context in rule.iter("context"):
                if match := _PAGE.search(context.text or ""):
                    page = int(match[1]) + 1
                    break
            rules.append(BrokenRule(rule.get("clause", ""), rule.get("testNumber", ""),
                                    int(rule.get("failedChecks", "0") or 0),
                                    " ".join((rule.findtext("description") or "").split()),
                                    page))
        results[name] = rules
    return results


def expectation_for(document: str, language: str, layout: str, profile: Profile,
                    inputs: tuple[str, ...] = (), root: Path | None = None) -> Expectation:
    """What a PDF must be; ``inputs``, the files it was made from (relative to
    ``root``), name its images."""
    pages = None
    if document.startswith("notice-"):
        pages = 2 if layout == "duplex" else 1
    images = tuple(Path(name) for name in inputs if name.lower().endswith(RASTER))
    return Expectation(document, language, pages, profile.bleed_mm, profile.variant,
                       images, root)


def claimed(path: Path) -> str | None:
    """The PDF variant a file claims (PDF/X in its document information or XMP,
    PDF/UA, PDF/A), or None: for checking a file without naming its profile."""
    try:
        with pikepdf.open(path) as pdf:
            return _claimed_variant(pdf)
    except (pikepdf.PdfError, OSError, ValueError):
        return None
