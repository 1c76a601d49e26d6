"""PDF/A-3b and PDF/UA-1 as veraPDF, the reference validator, judges them, and the
structure tree a screen reader uses, read where veraPDF does not look."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest
from helpers import needs_verapdf, pdfs, pdftotext, run_verapdf

# -- 1 and 2: the reference validator ------------------------------------------------

@needs_verapdf
def test_archive_files_pass_pdfa_3b(outputs):
    files = pdfs(outputs("rich", "archive")) + pdfs(outputs("sample", "archive"))
    assert len(files) == 9 + 7
    run_verapdf("3b", files)


@needs_verapdf
def test_accessible_files_pass_pdfua_1(outputs):
    files = pdfs(outputs("rich", "accessible")) + pdfs(outputs("sample", "accessible"))
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
def tagged(outputs):
    with pikepdf.open(outputs("rich", "accessible") / "en/journal-2024-crafts.pdf") as pdf:
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


def test_passages_in_another_language_carry_their_own(outputs, tagged: pikepdf.Pdf):
    accessible = outputs("rich", "accessible")
    assert tagged.Root.Lang == "en-US"
    assert "ko" in {str(e.Lang) for e in elements(tagged) if "/Lang" in e}
    with pikepdf.open(accessible / "ko/journal-2024-crafts.pdf") as korean:
        assert "en-US" in {str(e.Lang) for e in elements(korean) if "/Lang" in e}
    with pikepdf.open(accessible / "bilingual/notice-craft-fair.pdf") as sheet:
        assert sheet.Root.Lang == "ko-KR"
        english = [e for e in elements(sheet) if e.get("/Lang") == "en-US"]
        assert english                          # the English masthead and column


def test_side_by_side_sheet_is_two_sections_read_one_after_the_other(outputs):
    """Laid out as a table of paragraph pairs, the sheet is read as the Korean text,
    then the English, each in its language (not alternating row by row)."""
    path = outputs("rich", "accessible") / "bilingual/notice-craft-fair.pdf"
    with pikepdf.open(path) as sheet:
        sections = [e for e in elements(sheet) if e.S == "/Sect"]
        assert [str(s.get("/Lang")) for s in sections] == ["ko-KR", "en-US"]
        assert not [e for e in elements(sheet) if e.S in ("/Table", "/TR", "/TD")]
    read = [(lang, text) for lang, text in read_aloud(path) if text.strip()]
    korean = next(i for i, (_, text) in enumerate(read) if "공예 장터" in text)
    english = next(i for i, (_, text) in enumerate(read) if "Craft Fair" in text)
    assert korean < english
    between = read[korean:english]
    assert len(between) >= 4 and all(lang == "ko-KR" for lang, _ in between)
    after = read[english:]
    assert len(after) >= 4 and all(lang == "en-US" for lang, _ in after), after
    assert not any(re.search(r"[가-힣]", text) for _, text in after)


def marked_texts(path: Path) -> dict[tuple, str]:
    """(page index, MCID) -> the text drawn in that marked content, as PDFium reads
    it (its own font decoding, independent of WeasyPrint and pikepdf); marked
    content inside a form (a stamp drawn over the page) is (page index, "form",
    MCID)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    found: dict[tuple, str] = {}
    document = pdfium.PdfDocument(path)
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()

        def visit(obj, form: bool, index=index, textpage=textpage):
            mcid = raw.FPDFPageObj_GetMarkedContentID(obj)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_TEXT and mcid >= 0:
                size = raw.FPDFTextObj_GetText(obj, textpage.raw, None, 0)
                buffer = (ctypes.c_ushort * (size // 2 + 1))()
                raw.FPDFTextObj_GetText(obj, textpage.raw, buffer, size)
                text = bytes(buffer)[:size].decode("utf-16-le").rstrip("\0")
                key = (index, "form", mcid) if form else (index, mcid)
                found[key] = found.get(key, "") + text
            elif kind == raw.FPDF_PAGEOBJ_FORM:
                for child in range(raw.FPDFFormObj_CountObjects(obj)):
                    visit(raw.FPDFFormObj_GetObject(obj, child), True)
        for child in range(raw.FPDFPage_CountObjects(page.raw)):
            visit(raw.FPDFPage_GetObject(page.raw, child), False)
    return found


def read_aloud(path: Path) -> list[tuple[str, str]]:
    """What a screen reader reads, in the structure tree's order: (the language it
    reads it in, the text), each leaf's language the nearest /Lang above it."""
    texts = marked_texts(path)
    read: list[tuple[str, str]] = []
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}

        def walk(node, lang: str, page: int) -> None:
            if isinstance(node, pikepdf.Array):
                for child in node:
                    walk(child, lang, page)
            elif isinstance(node, int):
                read.append((lang, texts.get((page, node), "")))
            elif isinstance(node, pikepdf.Dictionary) and "/MCID" in node:
                where = pages.get(node.Pg.objgen, page) if "/Pg" in node else page
                key = (where, "form", int(node.MCID)) if "/Stm" in node else \
                    (where, int(node.MCID))
                read.append((lang, texts.get(key, "")))
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                lang = str(node.Lang) if "/Lang" in node else lang
                page = pages.get(node.Pg.objgen, page) if "/Pg" in node else page
                if "/K" in node:
                    walk(node.K, lang, page)
        walk(pdf.Root.StructTreeRoot.K, str(pdf.Root.get("/Lang", "")), 0)
    return read


def test_the_cite_line_is_read_and_references_in_their_language(outputs):
    """"Cite this article" is content (a margin box, but not a running head); an
    English reference in a Korean article is read in English."""
    accessible = outputs("sample", "accessible")
    english = read_aloud(accessible / "en/journal-2022-vol1-no1.pdf")
    # "Cite this piece" for what is not a research article (a message, a dialogue).
    assert sum("Cite this article" in text or "Cite this piece" in text
               for _, text in english) >= 4
    korean = read_aloud(accessible / "ko/journal-2022-vol1-no1.pdf")
    cites = [(lang, text) for lang, text in korean
             if "이 논문 인용하기" in text or "이 글 인용하기" in text]
    assert len(cites) >= 4 and all(lang == "ko-KR" for lang, _ in cites)
    reference = [lang for lang, text in korean if "A Toolkit for Urban Innovators" in text]
    assert reference == ["en-US"]
    title = [lang for lang, text in korean if "International Journal" in text]
    assert title and set(title) == {"en-US"}            # the cover's English title


@pytest.fixture(scope="module")
def screen_issue(tmp_path_factory) -> tuple[Path, Path]:
    """The sample issue (English) on the screen profile, laid out by articles and
    laid out whole, with offprints. Read-only."""
    from helpers import REPO, SAMPLE_ISSUE, made_once

    from folio.pipeline.run import BuildOptions, build

    def make(whole: bool):
        return lambda out: build(BuildOptions(root=REPO, out=out, languages=("en",),
                                              only=(SAMPLE_ISSUE,), whole=whole,
                                              offprints=not whole, jobs=2))
    parts = made_once(tmp_path_factory, "screen-parts", make(False))
    whole = made_once(tmp_path_factory, "screen-whole", make(True))
    return parts / f"en/{SAMPLE_ISSUE}.pdf", whole / f"en/{SAMPLE_ISSUE}.pdf"


def test_screen_files_are_tagged_and_read_as_if_laid_out_whole(screen_issue):
    """An issue put together from pieces has one structure tree: a screen reader
    reads it as the issue laid out whole, the stamps' "Cite this article" included;
    every piece of marked content on a page is in the tree."""
    parts, whole = screen_issue
    read = read_aloud(parts)
    assert read == read_aloud(whole)
    assert sum("Cite this article" in text or "Cite this piece" in text
               for _, text in read) >= 4
    # Nearly every word on the pages (not the running heads and folios).
    words = len(" ".join(text for _, text in read).split())
    assert words > 0.85 * len(pdftotext(parts).split()), words
    with pikepdf.open(parts) as pdf:
        reachable = {e.objgen for e in elements(pdf)}
        parents = pdf.Root.StructTreeRoot.ParentTree.Nums
        tree = {int(parents[i]): parents[i + 1] for i in range(0, len(parents), 2)}
        assert int(pdf.Root.StructTreeRoot.ParentTreeNextKey) > max(tree)
        for page in pdf.pages:
            mcids, artifacts = marked_content(page)
            mapping = tree[int(page.obj.StructParents)]
            assert all(mapping[mcid].objgen in reachable for mcid in mcids)
        headings = [str(e.S) for e in elements(pdf) if re.fullmatch(r"/H[1-6]", str(e.S))]
        assert len(headings) >= 6
        pages = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                 and o.get("/Type") == "/Page"]
        assert len(pages) == len(pdf.pages)          # no piece's page came along unseen


def test_offprints_of_a_tagged_issue_are_whole_files(screen_issue):
    """Cut from a tagged issue, an offprint drops the tree (it holds every page of
    the issue) rather than carrying the whole issue along."""
    parts, _ = screen_issue
    offprints = sorted((parts.parent / "offprints").glob("*.pdf"))
    assert offprints
    for path in offprints:
        with pikepdf.open(path) as pdf:
            assert "/StructTreeRoot" not in pdf.Root
            pages = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                     and o.get("/Type") == "/Page"]
            assert len(pages) == len(pdf.pages) <= 2


def test_tagging_is_a_setting_of_the_profile(tmp_path: Path):
    from helpers import PROFILES, make_tiny

    from folio.pipeline.run import BuildOptions, build
    root = make_tiny(tmp_path)
    config = root / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + PROFILES
                      + "  screen: {tagged: false}\n  archive-tagged: {variant: pdf/a-3b, "
                        "tagged: true}\n", encoding="utf-8")
    for profile, tagged in (("screen", False), ("archive-tagged", True), ("print", False)):
        build(BuildOptions(root=root, profile=profile, languages=("en",), jobs=1))
        folder = root / "output" / ("" if profile == "screen" else profile) / "en"
        for path in folder.glob("*.pdf"):
            with pikepdf.open(path) as pdf:
                assert ("/StructTreeRoot" in pdf.Root) is tagged, (profile, path.name)


def test_headings_do_not_skip_levels(outputs):
    for path in pdfs(outputs("rich", "accessible")):
        with pikepdf.open(path) as pdf:
            levels = [int(str(e.S)[2:]) for e in elements(pdf)
                      if re.fullmatch(r"/H[1-6]", str(e.S))]
        assert levels and levels[0] == 1, path
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, f"{path.name}: H{before} followed by H{after}"


def test_figures_have_alt_text_and_header_cells_scope(tagged: pikepdf.Pdf):
    figures = [e for e in elements(tagged) if e.S == "/Figure"]
    assert len(figures) >= 3                    # the logo, the map, the photograph
    assert all(str(f.get("/Alt", "")).strip() for f in figures)
    headers = [e for e in elements(tagged) if e.S == "/TH"]
    assert len(headers) == 3
    assert all(h.A.Scope == "/Column" for h in headers)
