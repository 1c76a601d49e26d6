"""Standards-true PDFs: PDF/A-3b and PDF/UA-1 as veraPDF judges them, PDF/X-4 as far as
a test can read it, a structure tree a screen reader can use, text inside the page's
margins, and a preflight that finds each defect the validators find."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from folio.build import BuildOptions, build
from folio.errors import BuildError
from folio.preflight import Expectation, check, validate, verapdf_command, words

from conftest import ICC, REPO, make_rich, pdffonts, pdftotext, with_profiles

MM = 72 / 25.4
VERAPDF = verapdf_command()
needs_verapdf = pytest.mark.skipif(
    VERAPDF is None, reason="veraPDF is not installed: set FOLIO_VERAPDF to its command "
                            "or put verapdf on PATH (.ci/run does)")
SAMPLE_ISSUE = "journal-2022-vol1-no1"


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Path:
    """The rich publication built with every profile; its output folder."""
    root = with_profiles(make_rich(tmp_path_factory.mktemp("rich")))
    for profile in ("accessible", "archive", "print"):
        build(BuildOptions(root=root, profile=profile, jobs=2))
    return root / "output"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The bundled sample, built with the archive, accessible and print profiles."""
    out = tmp_path_factory.mktemp("sample-standards")
    for profile in ("archive", "accessible", "print"):
        build(BuildOptions(root=REPO, out=out, profile=profile, jobs=2))
    return out


def pdfs(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pdf"))


def run_verapdf(flavour: str, files: list[Path]) -> None:
    done = subprocess.run([*VERAPDF, "--flavour", flavour, "--format", "text",
                           *map(str, files)], capture_output=True, text=True, timeout=600)
    verdicts = re.findall(r"^(PASS|FAIL) (\S+)", done.stdout, re.M)
    assert len(verdicts) == len(files), done.stdout + done.stderr
    failed = [name for verdict, name in verdicts if verdict == "FAIL"]
    assert not failed, f"veraPDF {flavour} rejects: {failed}"
    assert done.returncode == 0


# -- 1 and 2: the reference validator ------------------------------------------------

@needs_verapdf
def test_archive_files_pass_pdfa_3b(rich: Path, sample: Path):
    files = pdfs(rich / "archive") + pdfs(sample / "archive")
    assert len(files) == 9 + 7
    run_verapdf("3b", files)


@needs_verapdf
def test_accessible_files_pass_pdfua_1(rich: Path, sample: Path):
    files = pdfs(rich / "accessible") + pdfs(sample / "accessible")
    assert len(files) == 9 + 7
    run_verapdf("ua1", files)


# -- 2: what the validator cannot see, read from the structure tree ---------------------

def elements(pdf: pikepdf.Pdf):
    """Structure elements reachable from the root, in document order."""
    def walk(node):
        if isinstance(node, pikepdf.Array):
            for child in node:
                yield from walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            yield node
            if "/K" in node:
                yield from walk(node.K)
    yield from walk(pdf.Root.StructTreeRoot.K)


def kinds(element) -> list[str]:
    kids = element.get("/K")
    kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return [str(k.S) for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def marked_content(page) -> tuple[set[int], dict[str, int]]:
    """The MCIDs of a page's content, and its artifacts counted by type."""
    mcids, artifacts = set(), {}
    for operands, operator in pikepdf.parse_content_stream(page, "BDC BMC"):
        if str(operator) == "BDC" and str(operands[0]) == "/Artifact":
            properties = operands[1]
            kind = str(properties.get("/Subtype", properties.get("/Type", "")))
            artifacts[kind] = artifacts.get(kind, 0) + 1
        elif str(operator) == "BDC" and "/MCID" in operands[1]:
            mcids.add(int(operands[1].MCID))
    return mcids, artifacts


@pytest.fixture(scope="module")
def tagged(rich: Path):
    with pikepdf.open(rich / "accessible/en/journal-2024-crafts.pdf") as pdf:
        yield pdf


def test_contents_are_toc_and_toci_with_links(tagged: pikepdf.Pdf):
    items = [e for e in elements(tagged) if e.S == "/TOCI" and "/TOC" not in kinds(e)]
    assert len(items) == 2                                # crafts, conversation
    for item in items:
        assert kinds(item)[0] == "/Link"
        link = next(k for k in item.K if isinstance(k, pikepdf.Dictionary) and "/S" in k)
        assert any(k.get("/Type") == "/OBJR" for k in link.K
                   if isinstance(k, pikepdf.Dictionary))
    assert [e.S for e in elements(tagged)].count("/TOC") == 3   # sections, and in each


def test_footnotes_are_notes_referenced_from_their_call(tagged: pikepdf.Pdf):
    notes = [e for e in elements(tagged) if e.S == "/Note"]
    calls = [e for e in elements(tagged) if e.S == "/Reference"]
    assert len(notes) == 1 and len(calls) == 1
    assert str(notes[0].ID).startswith("note-")
    assert calls[0].Ref[0].objgen == notes[0].objgen


def test_running_heads_folios_and_leaders_are_artifacts(tagged: pikepdf.Pdf):
    reachable = {e.objgen for e in elements(tagged)}
    parents = tagged.Root.StructTreeRoot.ParentTree.Nums
    by_page = {int(parents[i]): parents[i + 1] for i in range(0, len(parents), 2)}
    footers = 0
    for page in tagged.pages:
        mcids, artifacts = marked_content(page)
        mapping = by_page.get(int(page.obj.get("/StructParents", -1)))
        for mcid in mcids:                      # every tagged piece is in the tree
            assert mapping[mcid].objgen in reachable
        footers += artifacts.get("/Footer", 0)
    assert footers >= 4                         # the folios of the text pages
    contents_page = next(p for p in tagged.pages
                         if "Contents" in pdftotext_page(tagged, p))
    mcids, artifacts = marked_content(contents_page)
    assert artifacts.get("/Layout", 0) > 50     # the leader dots, one by one
    assert len(mcids) < 40                      # not tagged as text


def pdftotext_page(pdf: pikepdf.Pdf, page) -> str:
    path = Path(pdf.filename)
    number = pdf.pages.index(page) + 1
    return pdftotext(path, "-f", str(number), "-l", str(number))


def test_passages_in_another_language_carry_their_own(rich: Path, tagged: pikepdf.Pdf):
    assert tagged.Root.Lang == "en-US"
    assert "ko" in {str(e.Lang) for e in elements(tagged) if "/Lang" in e}
    with pikepdf.open(rich / "accessible/ko/journal-2024-crafts.pdf") as korean:
        assert "en-US" in {str(e.Lang) for e in elements(korean) if "/Lang" in e}
    with pikepdf.open(rich / "accessible/bilingual/notice-craft-fair.pdf") as sheet:
        assert sheet.Root.Lang == "ko-KR"
        english = [e for e in elements(sheet) if e.get("/Lang") == "en-US"]
        assert len(english) >= 4                # title, two paragraphs, details


def test_headings_do_not_skip_levels(rich: Path):
    for path in pdfs(rich / "accessible"):
        with pikepdf.open(path) as pdf:
            levels = [int(str(e.S)[2:]) for e in elements(pdf)
                      if re.fullmatch(r"/H[1-6]", str(e.S))]
        assert levels and levels[0] == 1, path
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{path.name}: H{before} followed by H{after}"


def test_figures_have_alt_text_and_header_cells_scope(tagged: pikepdf.Pdf):
    figures = [e for e in elements(tagged) if e.S == "/Figure"]
    assert len(figures) >= 3                    # the logo, the map, the photograph
    assert all(str(f.get("/Alt", "")).strip() for f in figures)
    headers = [e for e in elements(tagged) if e.S == "/TH"]
    assert len(headers) == 3
    assert all(h.A.Scope == "/Column" for h in headers)


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


def test_print_files_meet_pdfx_4(rich: Path, sample: Path):
    files = pdfs(rich / "print") + pdfs(sample / "print")
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
    with pikepdf.open(rich / "print/en/journal-2024-crafts.pdf") as pdf:
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream)
                  and o.get("/Subtype") == "/Image" and o.get("/ColorSpace") == "/DeviceCMYK"]
        assert images and images[0].Width == 1800


def test_print_text_is_black_ink_only(rich: Path):
    """Grey and black text print with black ink alone, not four inks; colours
    are converted through the output intent's profile."""
    with pikepdf.open(rich / "print/en/journal-2024-crafts.pdf") as pdf:
        fills = [tuple(float(v) for v in operands)
                 for page in pdf.pages
                 for operands, operator in pikepdf.parse_content_stream(page, "k")]
    # #1d1d1f, the ink of the text: black ink at 88 %.
    assert any(f[:3] == (0, 0, 0) and f[3] == pytest.approx(0.884, abs=0.005) for f in fills)
    coloured = [f for f in fills if max(f[:3]) > 0.2]        # the indigo and the accent
    assert coloured and all(0 <= v <= 1 for f in coloured for v in f)


@pytest.fixture(scope="module")
def x1a(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("x1a")
    build(BuildOptions(root=REPO, out=out, profile="print-x1a", jobs=2,
                       only=(SAMPLE_ISSUE, "notice-jinju-designation")))
    return out / "print-x1a"


def test_pdfx_1a_keeps_text_as_text_and_fonts_embedded(x1a: Path, sample: Path):
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
        x4 = sample / "print" / path.relative_to(x1a)
        assert sorted(pdftotext(path).split()) == sorted(pdftotext(x4).split()), path


def test_pdfx_1a_is_reproducible(x1a: Path, tmp_path: Path):
    build(BuildOptions(root=REPO, out=tmp_path, profile="print-x1a", jobs=1,
                       languages=("bilingual",), only=("notice-jinju-designation",)))
    name = "bilingual/notice-jinju-designation.pdf"
    assert (tmp_path / "print-x1a" / name).read_bytes() == (x1a / name).read_bytes()


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

    from folio.fonts import find_faces
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
    linked = cmyk_pdf(tmp_path / "link.pdf", "<p><a href='https://example.org' style='color: inherit; "
                      "text-decoration: none'>a link</a></p>")
    assert check(linked, print_expectation("notice-link")).failures == [
        "notice-link (en), page 1: 1 annotation (Link) on the printed page"]


def test_preflight_finds_text_outside_the_text_area(tmp_path: Path):
    pdf = tmp_path / "edge.pdf"
    HTML(string="<style>@page { size: A5; margin: 20mm }</style><p>Inside.</p>"
                "<p style='position: absolute; left: -18mm; top: 40mm'>Edge</p>").write_pdf(pdf)
    assert check(pdf, Expectation("notice-edge", "ko")).failures == [
        "notice-edge (ko), page 1: text 'Edge' lies 2.0 mm from the trim edge (keep text "
        "at least 5 mm inside it)"]


# -- 5: every word of the sample inside its page's margins --------------------------------

# The templates' page margins in mm (journal.css, notice.css): top, outer or right,
# bottom, inner or left. Running heads and folios sit in the top and bottom margins,
# so vertically a word may use them, but not the last 10 mm of the page.
JOURNAL = {"right": (24, 34, 26, 24), "left": (24, 24, 26, 34)}
NOTICE = (16, 20, 18, 20)
EDGE = 10


@pytest.fixture(scope="module")
def screen(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample-screen")
    build(BuildOptions(root=REPO, out=out, jobs=2))
    for layout in ("side-by-side", "duplex"):
        build(BuildOptions(root=REPO, out=out / layout, languages=("bilingual",),
                           bilingual=layout, only=("jinju-designation",), jobs=1))
    return out


def test_every_word_lies_inside_the_page_margins(screen: Path):
    files = pdfs(screen)
    assert len(files) == 9                      # 7, and two more bilingual layouts
    for path in files:
        width, height = 210 * MM, 297 * MM
        for number, page_words in words(path).items():
            if path.name.startswith("journal") and number == 1:
                top, right, bottom, left = 24, 24, EDGE, 24          # the cover
            elif path.name.startswith("journal"):
                top, right, bottom, left = JOURNAL["right" if number % 2 else "left"]
                top = bottom = EDGE
            else:
                top, right, bottom, left = NOTICE
            for x1, y1, x2, y2, text in page_words:
                where = f"{path.relative_to(screen)} page {number}: {text!r}"
                assert x1 >= left * MM - 0.5 and x2 <= width - right * MM + 0.5, where
                assert y1 >= top * MM - 0.5 and y2 <= height - bottom * MM + 0.5, where


def test_side_by_side_sheet_has_equal_margins(screen: Path):
    page_words = words(screen / "side-by-side/bilingual/notice-jinju-designation.pdf")[1]
    left = min(w[0] for w in page_words) / MM
    right = 210 - max(w[2] for w in page_words) / MM
    assert left == pytest.approx(20, abs=0.5)
    assert right == pytest.approx(20, abs=1.5)


# -- 6: the small ones ------------------------------------------------------------------

def test_left_hand_pages_carry_the_issue_as_running_head(screen: Path):
    heads = {"en": "Jinju Creative City Biennale Journal · Vol. 1, No. 1",
             "ko": "진주 창의도시 비엔날레 국제저널 · 제1권 제1호"}
    for lang, head in heads.items():
        path = screen / f"{lang}/{SAMPLE_ISSUE}.pdf"
        pages = pdftotext(path).split("\f")
        left_with_text = [i + 1 for i, text in enumerate(pages)
                          if (i + 1) % 2 == 0 and len(text.split()) > 3]
        assert left_with_text, lang
        for number in left_with_text:
            assert pages[number - 1].strip().splitlines()[0] == head, (lang, number)


def invisible(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cf", "Cc")]


def test_bookmarks_and_metadata_are_clean(screen: Path):
    for path in pdfs(screen):
        with pikepdf.open(path) as pdf:
            titles = []
            with pdf.open_outline() as outline:
                stack = list(outline.root)
                while stack:
                    item = stack.pop()
                    titles.append(item.title)
                    stack.extend(item.children)
            info = {str(k): str(v) for k, v in pdf.docinfo.items()}
            xmp = pdf.Root.Metadata.read_bytes().decode() if "/Metadata" in pdf.Root else ""
            for text in titles + list(info.values()) + [xmp]:
                assert not invisible(text.replace("\n", "").replace("\t", "")), \
                    (path.name, text)
            if path.name.startswith("journal"):
                assert len(titles) > 10
                authors = info["/Author"].split(", ")
                assert len(authors) == len(set(authors)), authors
            created, modified = info.get("/CreationDate", ""), info.get("/ModDate", "")
            assert modified >= created, (path.name, created, modified)
    with pikepdf.open(screen / f"ko/{SAMPLE_ISSUE}.pdf") as pdf:
        assert pdf.docinfo.Author == "한서윤, 편집위원회"
        assert (str(pdf.docinfo.CreationDate), str(pdf.docinfo.ModDate)) == \
            ("D:20221210", "D:20221215")


def test_ci_runs_the_validator():
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    assert "FOLIO_VERAPDF" in ci and "shared/tools/verapdf/verapdf" in ci
