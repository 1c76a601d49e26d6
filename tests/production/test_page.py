"""The sample's pages as a reader and a printer see them: every word inside the
page's margins, running heads, clean bookmarks and metadata."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pikepdf
import pymupdf
import pytest
from helpers import MM, REPO, SAMPLE_ISSUE, pdfs, pdftotext, published

from folio.pipeline.run import BuildOptions, build
from folio.production.preflight import words

# -- 5: every word of the sample inside its page's margins --------------------------------

# The templates' page margins in mm (journal.css, notice.css): top, outer or right,
# bottom, inner or left. Running heads and folios sit in the top and bottom margins,
# so vertically a word may use them, but not the last 10 mm of the page.
JOURNAL = {"right": (24, 34, 26, 24), "left": (24, 24, 26, 34)}
NOTICE = (16, 20, 18, 20)
EDGE = 10


@pytest.fixture(scope="module")
def screen(sample_screen: Path, tmp_path_factory) -> Path:
    """The sample's screen PDFs, and its bilingual sheet in the two other layouts."""
    out = tmp_path_factory.mktemp("sample-layouts")
    for pdf in published(sample_screen):
        target = out / pdf.relative_to(sample_screen)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pdf.read_bytes())
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
        # A page that opens an article (its title in large type) carries none.
        with pymupdf.open(path) as doc:
            openers = {page.number + 1 for page in doc for block in page.get_text("dict")["blocks"]
                       if block["type"] == 0 for line in block["lines"] for span in line["spans"]
                       if span["size"] >= 17 and span["bbox"][1] < page.rect.height / 3}
        left_with_text = [i + 1 for i, text in enumerate(pages)
                          if (i + 1) % 2 == 0 and len(text.split()) > 3 and i + 1 not in openers]
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
            # The packet's header marks its encoding with U+FEFF, as XMP requires.
            xmp = re.sub(r"<\?xpacket begin=\"\ufeff\"", "<?xpacket begin=\"\"", xmp)
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
