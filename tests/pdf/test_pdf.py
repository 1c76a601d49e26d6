"""Building a tiny publication: what a reader of the PDFs sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import REPO, made_once, make_tiny, pdffonts, pdftotext, published
from pypdf import PdfReader

from folio.errors import BuildError
from folio.files import TEMP_SUFFIX
from folio.pipeline.run import BuildOptions, build

A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The tiny publication built in one process (``--jobs 1``); tests only read it."""
    return made_once(tmp_path_factory, "tiny-jobs-1", lambda folder: build(
        BuildOptions(root=make_tiny(folder), jobs=1))) / "pub/output"


def test_every_language_and_kind_is_written(built: Path):
    names = sorted(str(p.relative_to(built)) for p in published(built))
    assert names == ["en/journal-2024-no2.pdf", "en/notice-open-day.pdf",
                     "ko/journal-2024-no2.pdf", "ko/notice-open-day.pdf"]
    assert not list(built.rglob(f"*{TEMP_SUFFIX}")), "temporary files were left behind"


def test_text_reads_back_in_each_language(built: Path):
    ko = pdftotext(built / "ko/journal-2024-no2.pdf")
    en = pdftotext(built / "en/journal-2024-no2.pdf")
    assert "창의도시는 지역의 문제를 스스로 해결하려고 노력한다." in ko
    assert "Creative cities solve local problems." in en
    # Fixed strings come from the catalogs, dates from Babel.
    assert "목차" in ko and "제3권 제2호" in ko and "2024년 5월 17일" in ko
    assert "Contents" in en and "Vol. 3, No. 2" in en and "May 17, 2024" in en


def test_fonts_are_embedded_and_subset(built: Path):
    for pdf in published(built):
        fonts = pdffonts(pdf)
        assert fonts, pdf
        for font in fonts:
            assert font["emb"] == "yes" and font["sub"] == "yes", (pdf, font)
    names = {f["name"].split("+")[1] for f in pdffonts(built / "ko/journal-2024-no2.pdf")}
    assert any("Serif-CJK-KR" in n for n in names), names
    assert any("Sans-CJK-KR" in n for n in names), names


def test_page_size_is_a4(built: Path):
    for pdf in published(built):
        for page in PdfReader(pdf).pages:
            box = page.mediabox
            assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.5)


def test_metadata_title_author_language_keywords(built: Path, tiny: Path):
    issue = tiny / "content/journal/2024-no2/first.en.md"
    issue.write_text(issue.read_text().replace("---\nCreative",
                     "keywords: [crafts, cities]\n---\nCreative"), encoding="utf-8")
    build(BuildOptions(root=tiny, jobs=1, languages=("en",), only=("journal-2024-no2",)))
    reader = PdfReader(tiny / "output/en/journal-2024-no2.pdf")
    info = reader.metadata
    assert info.title.startswith("Test Journal")
    assert info["/Author"] == "Kim"
    assert info["/Keywords"] == "crafts, cities"
    assert reader.trailer["/Root"]["/Lang"] == "en-US"
    assert PdfReader(built / "ko/journal-2024-no2.pdf").trailer["/Root"]["/Lang"] == "ko-KR"


def _outline(reader: PdfReader) -> dict[str, int]:
    pages = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                pages[item.title] = reader.get_destination_page_number(item) + 1
    walk(reader.outline)
    return pages


def test_contents_page_numbers_are_where_articles_start(built: Path):
    for lang, titles in (("en", ("First Article", "Second Article")),
                         ("ko", ("첫 논문", "둘째 논문"))):
        pdf = built / lang / "journal-2024-no2.pdf"
        reader = PdfReader(pdf)
        outline = _outline(reader)
        toc_page = next(i for i, p in enumerate(reader.pages)
                        if ("Contents" if lang == "en" else "목차") in p.extract_text())
        toc = pdftotext(pdf, "-layout", "-f", str(toc_page + 1), "-l", str(toc_page + 1))
        for title in titles:
            number = int(re.search(re.escape(title) + r"[ .]*?(\d+)\s*$", toc, re.M)[1])
            assert outline[title] == number, (lang, title)
            opener = pdftotext(pdf, "-f", str(number), "-l", str(number))
            assert title in opener
            assert number % 2 == 1, "articles open on right-hand (odd) pages"


def test_bookmarks_and_internal_links(built: Path):
    reader = PdfReader(built / "en/journal-2024-no2.pdf")
    outline = _outline(reader)
    assert {"Contents", "Articles", "First Article", "Second Article"} <= set(outline)
    toc_page = reader.pages[outline["Contents"] - 1]
    links = [a.get_object() for a in toc_page.get("/Annots", [])]
    internal = [a for a in links if a.get("/Dest") is not None or
                (a.get("/A") and a["/A"].get("/S") == "/GoTo")]
    assert len(internal) >= 2


def test_running_header_and_folio(built: Path):
    pdf = built / "en/journal-2024-no2.pdf"
    reader = PdfReader(pdf)
    outline = _outline(reader)
    first = outline["First Article"]
    text = pdftotext(pdf, "-f", str(first), "-l", str(first)).split()
    assert str(first) in text                      # page number in the footer
    left = pdftotext(pdf, "-f", "2", "-l", "2")
    assert "2" in left.split()


def test_notice_is_one_page_with_info_block(built: Path):
    for lang, expected in (("en", ["Open Day", "Date", "June 1, 2024", "Place", "Jinju",
                                   "NOTICE"]),
                           ("ko", ["공개의 날", "일시", "2024년 6월 1일", "장소", "안내"])):
        pdf = built / lang / "notice-open-day.pdf"
        assert len(PdfReader(pdf).pages) == 1
        text = pdftotext(pdf)
        for item in expected:
            assert item in text, (lang, item)


def test_notice_that_overflows_says_which_and_by_how_much(tiny: Path):
    build(BuildOptions(root=tiny, jobs=1, only=("notice-open-day",), languages=("en",)))
    previous = (tiny / "output/en/notice-open-day.pdf").read_bytes()
    notice = tiny / "content/notices/open-day.en.md"
    notice.write_text(notice.read_text() + "\n\n".join(
        ["Visitors are welcome to the open workshops of the biennale."] * 90),
        encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=tiny, jobs=1, only=("notice-open-day",), languages=("en",)))
    message = caught.value.problems[0].format()
    assert "open-day.en.md" in message
    assert re.search(r"does not fit on one page: it runs \d+ mm \(\d+ lines\)", message)
    # In words an editor acts on: the lines that do not fit hold 40 to 90 sentences
    # of 9 words (the notice's head and info block stay on the first page).
    words = int(re.search(r"about (\d+) words too long", message)[1])
    assert 9 * 40 <= words <= 9 * 90 and f"shorten the text by about {words} words" in message
    # The failed document is not written: the last good PDF stays, and no temporary file.
    assert (tiny / "output/en/notice-open-day.pdf").read_bytes() == previous
    assert [p.name for p in (tiny / "output/en").iterdir()] == ["notice-open-day.pdf"]


def test_missing_glyph_names_file_line_character_and_code_point(tiny: Path):
    article = tiny / "content/journal/2024-no2/second.ko.md"
    article.write_text(article.read_text() + "\n선문자 𐀀 기호.\n", encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=tiny, jobs=1))
    [problem] = caught.value.problems
    assert problem.path == article and problem.line == 6
    assert "U+10000" in problem.message and "𐀀" in problem.message
    # The Korean issue is not written; every other document is.
    assert not (tiny / "output/ko/journal-2024-no2.pdf").exists()
    assert (tiny / "output/en/journal-2024-no2.pdf").exists()
    assert caught.value.failed == 1 and caught.value.total == 4


def test_root_overrides_templates_and_catalogs_file_by_file(tiny: Path):
    (tiny / "templates").mkdir()
    (tiny / "templates/notice_half.html.j2").write_text(
        '<div lang="{{ lang.tag }}"><h1>{{ notice.title }}</h1>'
        "<p>{{ _('Notice') }} LOCAL-TEMPLATE</p></div>", encoding="utf-8")
    po = tiny / "locales/ko/LC_MESSAGES"
    po.mkdir(parents=True)
    bundled = (REPO / "locales/ko/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    (po / "messages.po").write_text(bundled.replace('msgstr "목차"', 'msgstr "차례"'),
                                    encoding="utf-8")
    build(BuildOptions(root=tiny, jobs=1))
    ko_notice = pdftotext(tiny / "output/ko/notice-open-day.pdf")
    assert "LOCAL-TEMPLATE" in ko_notice and "안내" in ko_notice
    # Untouched files still come from the bundled set, and the local catalog
    # replaces the bundled one for Korean only.
    ko_journal = pdftotext(tiny / "output/ko/journal-2024-no2.pdf")
    assert "첫 논문" in ko_journal and "차례" in ko_journal and "목차" not in ko_journal
    assert "Notice" in pdftotext(tiny / "output/en/notice-open-day.pdf")


def test_two_processes_write_byte_identical_documents(tiny_built: Path, tmp_path: Path):
    """The shared build was made by two worker processes; one process, writing to
    another folder, makes the same bytes."""
    one = build(BuildOptions(root=tiny_built, out=tmp_path / "one", jobs=1))
    assert len(one) == 5
    for result in one:
        assert result.output.read_bytes() == \
            (tiny_built / "output" / result.name).read_bytes(), result.name
