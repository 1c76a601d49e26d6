"""PDF/X-4 and PDF/X-1a as far as a test can read the files (there is no free PDF/X
validator), and a preflight that finds each defect the validators find."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from helpers import (
    ICC,
    REPO,
    SAMPLE_ISSUE,
    VERAPDF,
    made_once,
    make_rich,
    pdffonts,
    pdfs,
    pdftotext,
    with_profiles,
)
from weasyprint import HTML

from folio.errors import BuildError
from folio.pipeline.run import BuildOptions, build
from folio.production.preflight import Expectation, check, validate

# -- 3: PDF/X-4, as far as a test can read it -------------------------------------------

def content_streams(pdf: pikepdf.Pdf):
    """Every content stream: pages, and the forms and tiling patterns they draw."""
    seen, pending = set(), []
    for page in pdf.pages:
        yield page.obj
        pending.append(page.obj.get("/Resources"))
    while pending:
        resources = pending.pop()
        if resources is None:
            continue
        for kind in ("/XObject", "/Pattern"):
            for child in resources.get(kind, {}).values():
                if isinstance(child, pikepdf.Stream) and child.objgen not in seen and (
                        child.get("/Subtype") == "/Form" or child.get("/PatternType") == 1):
                    seen.add(child.objgen)
                    yield child
                    pending.append(child.get("/Resources"))


def rgb_anywhere(pdf: pikepdf.Pdf) -> list[str]:
    """Every use of DeviceRGB in the file: colour operators and colour spaces."""
    found = []
    for stream in content_streams(pdf):
        for operands, operator in pikepdf.parse_content_stream(stream, "rg RG cs CS"):
            if str(operator) in ("rg", "RG") or (
                    str(operator) in ("cs", "CS") and operands[0] == "/DeviceRGB"):
                found.append(f"{stream.objgen}: {operator}")
    for obj in pdf.objects:
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            text = repr(obj) if not isinstance(obj, pikepdf.Stream) else repr(obj.stream_dict)
            if "/DeviceRGB" in text:
                found.append(f"{obj.objgen}: /DeviceRGB")
    return found


def test_print_files_meet_pdfx_4(outputs):
    files = pdfs(outputs("rich", "print")) + pdfs(outputs("sample", "print"))
    assert len(files) == 16
    for path in files:
        assert path.read_bytes()[:8] in (b"%PDF-1.6", b"%PDF-1.7"), path
        with pikepdf.open(path) as pdf:
            assert rgb_anywhere(pdf) == [], path
            for page in pdf.pages:
                assert "/TrimBox" in page.obj and "/BleedBox" in page.obj
                assert "/ArtBox" not in page.obj and "/Annots" not in page.obj
            intent = pdf.Root.OutputIntents[0]
            assert intent.S == "/GTS_PDFX" and intent.DestOutputProfile.N == 4
            assert "PDF/X-4" in pdf.Root.Metadata.read_bytes().decode()
            assert len(pdf.open_outline().root) > 0 or "notice" in path.name
        assert all(font["emb"] == "yes" for font in pdffonts(path)), path
    # The figures' images were converted, not dropped.
    with pikepdf.open(outputs("rich", "print") / "en/journal-2024-crafts.pdf") as pdf:
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream)
                  and o.get("/Subtype") == "/Image" and o.get("/ColorSpace") == "/DeviceCMYK"]
        assert images and images[0].Width == 1800


def glyphs_by_fill(path: Path) -> dict[tuple, int]:
    """How many glyphs each CMYK fill colour draws, read from the content streams
    (pages and forms), independently of press.py."""
    counts: dict[tuple, int] = {}
    with pikepdf.open(path) as pdf:
        for stream in content_streams(pdf):
            fill, stack = None, []
            for operands, operator in pikepdf.parse_content_stream(stream):
                name = str(operator)
                if name == "q":
                    stack.append(fill)
                elif name == "Q" and stack:
                    fill = stack.pop()
                elif name == "k":
                    fill = tuple(round(float(v), 3) for v in operands)
                elif name in ("Tj", "TJ") and fill is not None:
                    shown = operands[0] if name == "TJ" else [operands[0]]
                    counts[fill] = counts.get(fill, 0) + sum(
                        len(bytes(s)) // 2 for s in shown if isinstance(s, pikepdf.String))
    return counts


def test_print_text_is_black_ink_only(outputs):
    """Black text prints in solid black ink (the CSS ink #1d1d1f is not screened as
    an 88 % tint), grey text (#5a5f70) as a tint of black alone, not four inks;
    colours are converted through the output intent's profile."""
    counts = glyphs_by_fill(outputs("sample", "print") / f"en/{SAMPLE_ISSUE}.pdf")
    solid = counts.get((0, 0, 0, 1), 0)
    assert solid > 0.6 * sum(counts.values()), counts
    grey = [fill for fill in counts if fill[:3] == (0, 0, 0) and 0.5 < fill[3] < 0.7]
    assert grey, counts                                     # #5a5f70: K 63 %
    assert not [fill for fill in counts if fill[:3] == (0, 0, 0) and 0.8 <= fill[3] < 1]
    with pikepdf.open(outputs("rich", "print") / "en/journal-2024-crafts.pdf") as pdf:
        fills = [tuple(float(v) for v in operands)
                 for page in pdf.pages
                 for operands, operator in pikepdf.parse_content_stream(page, "k")]
    coloured = [f for f in fills if max(f[:3]) > 0.2]        # the indigo and the accent
    assert coloured and all(0 <= v <= 1 for f in coloured for v in f)


def separations(path: Path, page: int, folder: Path) -> dict[str, list[int]]:
    """Ghostscript's plates of one page at 72 dpi: ink name -> pixel values (0: solid
    ink, 255: none), an independent reading of the colours."""
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep",
                    "-r72", f"-dFirstPage={page}", f"-dLastPage={page}",
                    f"-sOutputFile={folder / 'p.tif'}", str(path)], check=True)
    plates = {}
    for ink in ("Cyan", "Magenta", "Yellow", "Black"):
        with Image.open(folder / f"p({ink}).tif") as image:
            plates[ink] = list(image.convert("L").tobytes())
    return plates


def test_body_text_on_the_black_plate_alone(outputs, tmp_path: Path):
    """On the plates Ghostscript separates, the body text of an article page is solid
    on the black plate, with no cyan, magenta or yellow under it."""
    path = outputs("sample", "print") / f"en/{SAMPLE_ISSUE}.pdf"
    plates = separations(path, 5, tmp_path)
    solid = [i for i, value in enumerate(plates["Black"]) if value == 0]
    assert len(solid) > 2000
    under = [i for i in solid if any(plates[ink][i] < 255 for ink in ("Cyan", "Magenta",
                                                                      "Yellow"))]
    assert len(under) < 0.02 * len(solid)


def test_crop_marks_in_registration_colour_on_every_plate(outputs, tmp_path: Path):
    path = outputs("sample", "print") / "en/notice-creative-city.pdf"
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0].obj
        media, trim = [float(v) for v in page.MediaBox], [float(v) for v in page.TrimBox]
        spaces = [space for space in page.Resources.ColorSpace.values()
                  if space[0] == "/Separation"]
        assert [str(space[1]) for space in spaces] == ["/All"]
        strokes = [(list(map(float, operands)), str(operator)) for operands, operator
                   in pikepdf.parse_content_stream(pdf.pages[0], "K SCN")]
        assert ([1.0] * 4, "K") not in strokes and ([1.0], "SCN") in strokes
    plates = separations(path, 1, tmp_path)
    width = round(media[2] - media[0])
    # A mark's line, left of the bottom-left corner, on the trim's bottom line.
    row = round(media[3] - trim[1])
    columns = range(round(trim[0] - media[0]) - 20, round(trim[0] - media[0]) - 10)
    for ink, plate in plates.items():
        assert any(plate[(row + dy) * width + x] < 128 for x in columns
                   for dy in (-1, 0, 1)), ink


def test_the_output_intent_profile_is_stored_once(outputs):
    """An issue put together from pieces used to carry the profile once per piece."""
    with pikepdf.open(outputs("sample", "print") / f"en/{SAMPLE_ISSUE}.pdf") as pdf:
        profile = pdf.Root.OutputIntents[0].DestOutputProfile.read_raw_bytes()
        copies = [o for o in pdf.objects if isinstance(o, pikepdf.Stream)
                  and o.read_raw_bytes() == profile]
        assert len(copies) == 1
        assert any(space[0] == "/ICCBased" for page in pdf.pages
                   for space in page.Resources.get("/ColorSpace", {}).values())


def test_preflight_warns_of_small_text_in_four_inks_and_rich_black(tmp_path: Path):
    path = cmyk_pdf(tmp_path / "inks.pdf",
                    "<p>Solid black body text.</p>"
                    "<p style='font-size: 8pt; color: device-cmyk(0.7 0.6 0.4 0.2)'>Small</p>"
                    "<p style='font-size: 18pt; color: device-cmyk(0.7 0.6 0.4 0.2)'>Big</p>"
                    "<p style='color: device-cmyk(0.6 0.5 0.4 1)'>Rich black</p>"
                    "<p style='color: device-cmyk(0 0 0 0.885)'>Tint</p>")
    report = check(path, print_expectation("notice-inks"))
    assert report.ok, report.failures
    assert len(report.warnings) == 3, report.warnings
    small, rich, tint = report.warnings
    assert "5 glyphs of small text (under 12 pt, e.g. 8 pt) in 4 inks (C70 M60 Y40 K20)" \
        in small
    assert "text in rich black (C60 M50 Y40 K100), first on page 1" in rich
    assert "near-black text as a 88 % tint of black" in tint or "89 % tint" in tint
    plain = cmyk_pdf(tmp_path / "plain.pdf", "<p>Black.</p><p style='font-size: 8pt; "
                     "color: device-cmyk(0 0 0 0.6)'>Grey caption</p>")
    assert check(plain, print_expectation("notice-plain")).warnings == []


@pytest.fixture(scope="module")
def x1a(tmp_path_factory) -> Path:
    return made_once(tmp_path_factory, "sample-print-x1a", lambda out: build(BuildOptions(
        root=REPO, out=out, profile="print-x1a", jobs=2,
        only=(SAMPLE_ISSUE, "notice-jinju-designation")))) / "print-x1a"


def test_pdfx_1a_keeps_text_as_text_and_fonts_embedded(x1a: Path, outputs):
    files = pdfs(x1a)
    assert len(files) == 5
    for path in files:
        assert path.read_bytes()[:8] == b"%PDF-1.3", path
        report = check(path, Expectation(path.stem, path.parent.name, bleed_mm=3,
                                         variant="pdf/x-1a"))
        assert report.ok, report.failures
        with pikepdf.open(path) as pdf:
            assert pdf.docinfo.GTS_PDFXConformance == "PDF/X-1a:2001"
            assert rgb_anywhere(pdf) == []
            assert not any(isinstance(o, pikepdf.Dictionary) and "/SMask" in o
                           for o in pdf.objects)
        assert all(font["emb"] == "yes" for font in pdffonts(path)), path
        # Ghostscript rewrote the file (and its reading order); a reader finds the
        # same words as in the PDF/X-4 file.
        x4 = outputs("sample", "print") / path.relative_to(x1a)
        assert sorted(pdftotext(path).split()) == sorted(pdftotext(x4).split()), path


def test_pdfx_1a_is_reproducible(x1a: Path, tmp_path: Path):
    build(BuildOptions(root=REPO, out=tmp_path, profile="print-x1a", jobs=1,
                       languages=("bilingual",), only=("notice-jinju-designation",)))
    name = "bilingual/notice-jinju-designation.pdf"
    assert (tmp_path / "print-x1a" / name).read_bytes() == (x1a / name).read_bytes()


def test_pdfx_1a_offprints_are_cut_from_the_issue(tmp_path: Path):
    """Ghostscript drops the named destinations the offprint cutter finds the articles
    by; they are put back, on the same pages."""
    build(BuildOptions(root=REPO, out=tmp_path, profile="print-x1a", jobs=2,
                       languages=("en",), only=(SAMPLE_ISSUE,), offprints=True))
    issue = tmp_path / f"print-x1a/en/{SAMPLE_ISSUE}.pdf"
    offprints = sorted((issue.parent / "offprints").glob("*.pdf"))
    assert len(offprints) >= 2
    with pikepdf.open(issue) as pdf:
        names = pikepdf.NameTree(pdf.Root.Names.Dests)
        assert any(str(name).startswith("article-") for name in names.keys())
    issue_pages = pdftotext(issue).split("\f")
    for path in offprints:
        with pikepdf.open(path) as pdf:
            assert pdf.pdf_version == "1.3"
            assert pdf.docinfo.GTS_PDFXConformance == "PDF/X-1a:2001"
            first = int(pdf.Root.PageLabels.Nums[1].St)
            count = len(pdf.pages)
        report = check(path, Expectation(path.stem, "en", bleed_mm=3, variant="pdf/x-1a"))
        assert report.ok, report.failures
        assert pdftotext(path).split("\f")[:count] == issue_pages[first - 1:first - 1 + count]


def test_pdfx_1a_refuses_transparency_instead_of_printing_pixels(tmp_path: Path):
    """The rich publication's map has a semi-transparent dot: Ghostscript would
    turn that page, text and all, into an image."""
    root = with_profiles(make_rich(tmp_path), "")
    config = root / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"  x1a: {{bleed: 3mm, variant: "
                      f"pdf/x-1a, output_intent: {ICC}}}\n", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build(BuildOptions(root=root, profile="x1a", jobs=1, languages=("en",),
                           only=("journal-2024-crafts",)))
    message = str(raised.value)
    assert "crafts.en.md" in message or "issue.yaml" in message
    assert re.search(r"page \d+: an element drawn with opacity", message), message
    assert not (root / "output/x1a/en/journal-2024-crafts.pdf").exists()


# -- 4: preflight finds each defect, naming document, language and page --------------

def test_preflight_finds_cids_missing_from_the_charset(tmp_path: Path):
    """The defect fontprep.py had: a CFF subset keeping the source's CIDs, which a
    conforming reader cannot find (poppler draws the text anyway)."""
    import uharfbuzz as hb

    from folio.pdf.fonts import find_faces
    face = next(f for f in find_faces("Noto Sans CJK KR") if f.style == "Regular")
    request = hb.SubsetInput()
    for codepoint in "창의도시 abc":
        request.unicode_set.add(ord(codepoint))
    subset = hb.subset(hb.Face(hb.Blob.from_file_path(str(face.file)), face.index), request)
    font = tmp_path / "broken.otf"
    font.write_bytes(subset.blob.data)
    pdf = tmp_path / "notice-broken.pdf"
    HTML(string=f"<style>@font-face {{ font-family: Broken; src: url({font.as_uri()}) }}"
                "p { font-family: Broken }</style><p lang=ko>창의도시 창의도시</p>",
         ).write_pdf(pdf, pdf_variant="pdf/a-3b")
    assert "창의도시" in pdftotext(pdf)           # poppler does not mind
    report = check(pdf, Expectation("notice-broken", "ko", variant="pdf/a-3b"))
    assert any(f.startswith("notice-broken (ko), page 1: ") and "no glyph" in f
               for f in report.failures), report.failures
    if VERAPDF is not None:
        validate([report])
        assert any("page 1: veraPDF 6.2.11.4.1-2" in f for f in report.failures), \
            report.failures


def cmyk_pdf(path: Path, body: str, variant: str = "pdf/x-4") -> Path:
    HTML(string=f"<style>@color-profile device-cmyk {{ src: url({Path(ICC).as_uri()}); "
                "components: cyan, magenta, yellow, black }"
                "@page { size: A5; margin: 20mm; bleed: 3mm } "
                "body { color: device-cmyk(0 0 0 1) }</style>" + body,
         ).write_pdf(path, pdf_variant=variant)
    return path


def print_expectation(name: str) -> Expectation:
    return Expectation(name, "en", bleed_mm=3, variant="pdf/x-4")


def test_preflight_finds_rgb_colour_in_a_press_file(tmp_path: Path):
    good = cmyk_pdf(tmp_path / "good.pdf", "<p>Ink only.</p>")
    assert check(good, print_expectation("notice-good")).ok
    bad = cmyk_pdf(tmp_path / "rgb.pdf", "<p>Ink <b style='color: #c8553d'>and RGB</b></p>")
    assert "notice-rgb (en), page 1: RGB colour ('rg' colour operator) in a file for a " \
           "CMYK press" in check(bad, print_expectation("notice-rgb")).failures


def test_preflight_finds_artbox_old_header_and_annotations(tmp_path: Path):
    base = cmyk_pdf(tmp_path / "base.pdf", "<p>One.</p><p style='break-before: page'>Two.</p>")
    with pikepdf.open(base) as pdf:
        pdf.save(tmp_path / "old.pdf", force_version="1.3")
        pdf.pages[1].obj.ArtBox = pdf.pages[1].obj.TrimBox
        pdf.save(tmp_path / "artbox.pdf")
    failures = check(tmp_path / "artbox.pdf", print_expectation("journal-x")).failures
    assert failures == ["journal-x (en), page 2: has both ArtBox and TrimBox; PDF/X allows "
                        "only one"]
    failures = check(tmp_path / "old.pdf", print_expectation("journal-x")).failures
    assert failures == ["journal-x (en): the file is PDF 1.3; pdf/x-4 needs at least 1.6"]
    linked = cmyk_pdf(tmp_path / "link.pdf", "<p><a href='https://example.org' style='color: "
                                             "inherit; text-decoration: none'>a link</a></p>")
    assert check(linked, print_expectation("notice-link")).failures == [
        "notice-link (en), page 1: 1 annotation (Link) on the printed page"]


def image_pdf(folder: Path, pixels: int, variant: str | None) -> Path:
    """A page with one image ``pixels`` wide shown one inch wide: ``pixels`` dpi."""
    from helpers import gradient_png
    (folder / "figures").mkdir(exist_ok=True)
    (folder / "figures/photo.png").write_bytes(gradient_png(pixels, pixels // 2))
    (folder / "figures/other.png").write_bytes(gradient_png(50, 50))
    html = (f"<img src='{(folder / 'figures/photo.png').as_uri()}' alt='A photograph' "
            "style='width: 25.4mm'>")
    if variant:
        return cmyk_pdf(folder / "photo.pdf", html, variant)
    HTML(string="<style>@page { size: A5; margin: 20mm }</style>" + html).write_pdf(
        folder / "photo.pdf")
    return folder / "photo.pdf"


def test_preflight_image_resolution_by_profile(tmp_path: Path):
    """The screen warns under 150 dpi, print fails under 300 at the printed size; the
    message names the image the editor placed."""
    images = (Path("figures/other.png"), Path("figures/photo.png"))
    screen = image_pdf(tmp_path, 201, None)
    report = check(screen, Expectation("notice-photo", "en", images=images, root=tmp_path))
    assert report.ok and report.warnings == [] and round(report.lowest_dpi) == 201
    low = image_pdf(tmp_path, 120, None)
    report = check(low, Expectation("notice-photo", "en", images=images, root=tmp_path))
    assert report.ok, report.failures
    assert report.warnings == [
        "notice-photo (en), page 1: the image figures/photo.png (120 × 60 px) prints at "
        "120 dpi (at least 150 for the screen); use a larger image or print it smaller"]
    printed = image_pdf(tmp_path, 201, "pdf/x-4")
    report = check(printed, Expectation("notice-photo", "en", bleed_mm=3, variant="pdf/x-4",
                                        images=images, root=tmp_path))
    assert "notice-photo (en), page 1: the image figures/photo.png (201 × 100 px) prints " \
           "at 201 dpi (at least 300 needed for print); use a larger image or print it " \
           "smaller" in report.failures


def test_preflight_of_a_file_reads_its_own_claim(tmp_path: Path, capsys):
    """``preflight FILE`` without --profile checks a PDF/X file as PDF/X."""
    from folio.cli import main
    bad = cmyk_pdf(tmp_path / "notice-rgb.pdf", "<p>Ink <b style='color: #c8553d'>and "
                                                 "RGB</b></p>")
    assert main(["preflight", "--root", str(REPO), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "RGB colour ('rg' colour operator) in a file for a CMYK press" in err
    good = cmyk_pdf(tmp_path / "notice-good.pdf", "<p>Ink only.</p>")
    assert main(["preflight", "--root", str(REPO), str(good)]) == 0
    assert "pdf/x-4" in capsys.readouterr().out


def test_preflight_finds_text_outside_the_text_area(tmp_path: Path):
    pdf = tmp_path / "edge.pdf"
    HTML(string="<style>@page { size: A5; margin: 20mm }</style><p>Inside.</p>"
                "<p style='position: absolute; left: -18mm; top: 40mm'>Edge</p>").write_pdf(pdf)
    assert check(pdf, Expectation("notice-edge", "ko")).failures == [
        "notice-edge (ko), page 1: text 'Edge' lies 2.0 mm from the trim edge (keep text "
        "at least 5 mm inside it)"]
