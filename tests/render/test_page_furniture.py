"""Page furniture as a typesetter would sign it (issue 30), read from the PDFs with
PyMuPDF: no running head on a page that opens an article or the front matter,
one on every other page of text, whether the issue is laid out by articles
(the heads printed from the stamps) or whole (set from the headings)."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest
import typesetting
from helpers import REPO, SAMPLE_ISSUE, generated_issue, made_once

HEAD_BAND = 62          # pt from the top: the running heads sit above it, text below
OPENER_SIZE = 17        # pt: an article's title, the board's and the contents' heading


def heads(pdf: Path) -> list[tuple[int, bool, bool, bool]]:
    """Per page between the cover and the colophon (the last page: back matter,
    which carries none): (page, has a running head, is an opener, has text)."""
    found = []
    with pymupdf.open(pdf) as doc:
        for number, page in enumerate(doc, 1):
            if number in (1, len(doc)):
                continue
            spans = [(span["bbox"], span["size"]) for block in page.get_text("dict")["blocks"]
                     if block["type"] == 0 for line in block["lines"] for span in line["spans"]
                     if span["text"].strip()]
            head = any(box[3] < HEAD_BAND for box, _ in spans)
            opener = any(size >= OPENER_SIZE and box[1] < page.rect.height / 3
                         for box, size in spans)
            text = any(HEAD_BAND < box[1] < page.rect.height - 80 for box, _ in spans)
            found.append((number, head, opener, text))
    return found


def check_heads(pdf: Path) -> tuple[int, int]:
    """Openers carry no running head, every other page with text one; returns how
    many of each there were."""
    pages = heads(pdf)
    wrong = [(number, "opener with a head" if opener else "text page without a head")
             for number, head, opener, text in pages if text and head == opener]
    assert wrong == [], f"{pdf.name}: {wrong}"
    return (sum(1 for _, _, opener, text in pages if opener and text),
            sum(1 for _, _, opener, text in pages if text and not opener))


@pytest.fixture(scope="module")
def long_issue(tmp_path_factory) -> Path:
    """A copy of the sample with an issue of 24 long Korean articles (the benchmark's
    generator): contents of two pages, articles of several. Built in Korean by
    articles (output/) and whole (whole/)."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build

    def make(folder: Path) -> None:
        root = generated_issue(folder, 24)
        for whole, out in ((False, root / "output"), (True, root / "whole")):
            build(BuildOptions(root=root, out=out, languages=("ko",),
                               only=("journal-generated",), jobs=2, whole=whole))
    return made_once(tmp_path_factory, "furniture-issue", make) / "pub"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_running_heads_of_the_sample(sample_screen: Path, lang: str):
    openers, others = check_heads(sample_screen / f"{lang}/{SAMPLE_ISSUE}.pdf")
    assert openers >= 8 and others >= 1, (openers, others)


@pytest.mark.parametrize("folder", ["output", "whole"])
def test_running_heads_of_a_long_issue(long_issue: Path, folder: str):
    """Laid out by articles and whole: the contents run over two pages, a left and a
    right one, and each article over several."""
    pdf = long_issue / folder / "ko/journal-generated.pdf"
    openers, others = check_heads(pdf)
    assert openers >= 26 and others >= 90, (openers, others)
    pages = heads(pdf)
    contents = [number for number, head, opener, text in pages[:6] if head and text]
    assert any(number % 2 == 1 for number in contents), pages[:6]   # a right-hand one


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_contents_leaders_end_at_one_place(sample_screen: Path, lang: str):
    """Pages 4 and 12 alike: the numbers are in tabular figures, padded to two, so
    the dots of every entry end at one place (the sample's contents, page 3)."""
    rows: dict[int, list] = {}
    with pymupdf.open(sample_screen / f"{lang}/{SAMPLE_ISSUE}.pdf") as doc:
        for block in doc[2].get_text("rawdict")["blocks"]:
            for line in block.get("lines", []):
                for span in line["spans"]:
                    for c in span["chars"]:
                        rows.setdefault(round(c["origin"][1]), []).append(c)
    ends, numbers = [], []
    for chars in rows.values():
        chars.sort(key=lambda c: c["bbox"][0])
        dots = [c for c in chars if c["c"] == "."]
        if len(dots) > 10:
            ends.append(dots[-1]["bbox"][2])
            numbers.append("".join(c["c"] for c in chars[chars.index(dots[-1]) + 1:]).strip())
    assert len(ends) >= 6 and {len(n) for n in numbers} == {1, 2}, numbers
    assert max(ends) - min(ends) < 0.5, ends


# -- quotes, dates and capitals --------------------------------------------------

def _text(pdf: Path) -> str:
    with pymupdf.open(pdf) as doc:
        return "\n".join(page.get_text() for page in doc)


def test_every_text_field_has_typographic_quotes(sample_screen: Path):
    """The front matter's subtitles and titles too, not only the Markdown body
    ("a city's future" in a subtitle)."""
    pdfs = sorted(sample_screen.glob("*/*.pdf"))
    assert len(pdfs) >= 6
    text = "\n".join(_text(pdf) for pdf in pdfs)
    assert "city’s future" in text
    assert re.findall(r"\w'\w|\"\w|\w\"", text) == []


def test_printed_text_fields_get_curly_quotes_but_paths_do_not():
    import jinja2

    from folio.render.environment import _typographic
    env = jinja2.Environment(autoescape=True, finalize=_typographic)
    page = env.from_string('<p>{{ title }}</p><img src="{{ logo }}">')
    html = page.render(title="a city's \"future\"", logo="/pub/Kim's logo.svg")
    assert html == '<p>a city’s “future”</p><img src="/pub/Kim&#39;s logo.svg">'


def test_keep_dates_joins_a_month_and_its_day():
    from folio.render.typography import KEPT_SPACE, keep_dates, keep_korean_words
    assert keep_dates("on October 30, 2019 and Sept. 3") == \
        f"on October{KEPT_SPACE}30, 2019 and Sept.{KEPT_SPACE}3"
    assert KEPT_SPACE + "30" in keep_korean_words("<p>It was on October 30, 2019.</p>")


def test_no_line_breaks_between_a_month_and_its_day(tmp_path: Path):
    """In a column where "October" ends a line unless it is kept with its day."""
    from weasyprint import HTML

    from folio.render.typography import keep_korean_words
    words = "The city was designated on October 30, 2019, by the network. " * 12
    html = ("<html lang='en-US'><style>@page { size: A5 } p { width: 13em; font: 10pt "
            "'Noto Serif'; text-align: left }</style><body>"
            + "".join(f"<p>{'x ' * n}{words}</p>" for n in range(8)) + "</body></html>")
    pdf = tmp_path / "dates.pdf"
    HTML(string=keep_korean_words(html)).write_pdf(pdf)
    lines = [line.strip() for line in _text(pdf).splitlines() if line.strip()]
    assert sum("October 30" in line for line in lines) >= 80, lines[:20]
    assert [line for line in lines if line.endswith("October")] == []


def test_labels_in_capitals_are_letter_spaced(sample_screen: Path):
    """The section label over the first article (OPENING): its capitals stand
    apart by more than the font's own spacing; the Korean one (여는 글) is not
    spread."""
    gaps = {}
    for lang in ("en", "ko"):
        with pymupdf.open(sample_screen / f"{lang}/{SAMPLE_ISSUE}.pdf") as doc:
            label = [span for block in doc[3].get_text("rawdict")["blocks"]
                     for line in block.get("lines", []) for span in line["spans"]
                     if len(span["chars"]) >= 2 and 8 <= span["size"] <= 9][0]
        chars = label["chars"]
        gaps[lang] = min((b["bbox"][0] - a["bbox"][2]) / label["size"]
                         for a, b in zip(chars, chars[1:], strict=False))
    assert gaps["en"] >= 0.05, gaps
    assert gaps["ko"] < 0.01, gaps


@pytest.mark.parametrize(("lang", "caption", "first", "last"), [
    ("en", "Table 1. Member cities", "City 0", "City 14"),
    ("ko", "표 1. 회원 도시", "도시 0", "도시 14")])
def test_a_short_table_is_kept_whole(tmp_path: Path, lang: str, caption: str,
                                     first: str, last: str):
    """A table of 15 rows, with its caption, on one page (one of ten split 4/6) where text
    after it can fill the page before it (pdf/figures.py); the text runs on there.
    (One that ends its article splits at the hole instead: test_floats.py.)"""
    from helpers import article, make_tiny

    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    root = make_tiny(tmp_path)
    filler = {"en": "Filler text of the first article, long enough to fill lines. ",
              "ko": "창의도시는 지역의 문제를 스스로 해결하려고 노력한다. "}[lang]
    city, words = first.split()[0], caption.split(". ")[1]
    rows = "\n".join(f"| {city} {n} | {n} |" for n in range(15))
    paragraphs = "\n\n".join(filler * 8 for _ in range(8))
    body = (f"{filler * 110}\n\n| {city} | # |\n| --- | --- |\n{rows}\n\n"
            f": {words} {{#tbl:t}}\n\n{paragraphs}\n")
    (root / f"content/journal/2024-no2/first.{lang}.md").write_text(
        article("First", body), encoding="utf-8")
    build(BuildOptions(root=root, out=tmp_path / "out", languages=(lang,), jobs=1))
    pdf = next((tmp_path / "out" / lang).glob("journal-*.pdf"))
    with pymupdf.open(pdf) as doc:
        pages = [page.get_text() for page in doc]

    def on(text: str) -> list[int]:
        return [n for n, page in enumerate(pages, 1)
                if any(line.strip() == text or line.strip().startswith(text + ".")
                       for line in page.splitlines())]
    assert len(on(caption.split(".")[0])) == 1, [on(caption.split(".")[0])]
    assert on(caption.split(".")[0]) == on(first) == on(last), (on(first), on(last))
    assert typesetting.holes(pdf) == []


# -- the bilingual sheet -------------------------------------------------------------

def test_english_italics_stay_italic_on_a_korean_page(tmp_path: Path):
    """Hangul has no italic, so Korean emphasis is bold (base.css); an English
    passage on a Korean page (a bilingual sheet) keeps its italics."""
    from weasyprint import CSS, HTML
    html = ("<html lang='ko-KR'><body><p><em>강조</em></p>"
            "<table><tr><td lang='en-US'><p><em>Jinju in italics</em></p></td></tr></table>"
            "</body></html>")
    pdf = tmp_path / "em.pdf"
    HTML(string=html).write_pdf(pdf, stylesheets=[CSS(filename=REPO / "templates/base.css")])
    with pymupdf.open(pdf) as doc:
        spans = {span["text"]: span["font"] for block in doc[0].get_text("dict")["blocks"]
                 for line in block.get("lines", []) for span in line["spans"]}
    assert "Italic" in spans["Jinju in italics"], spans
    assert "Bold" in spans["강조"] and "Italic" not in spans["강조"], spans


def test_the_side_by_side_titles_share_a_first_baseline(tmp_path: Path):
    """The Korean and English titles of the side-by-side sheet: their first lines on
    one baseline (they were 4.4 pt apart: the Korean leading on the title's words),
    their lines as far apart."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    build(BuildOptions(root=REPO, out=tmp_path, bilingual="side-by-side",
                       only=("notice-jinju-designation",), jobs=1))
    with pymupdf.open(tmp_path / "bilingual/notice-jinju-designation.pdf") as doc:
        titles: dict[bool, list[float]] = {}
        for block in doc[0].get_text("dict")["blocks"]:
            for line in block.get("lines", []):
                span = line["spans"][0]
                if span["size"] >= 14:
                    titles.setdefault(span["origin"][0] > 300, []).append(span["origin"][1])
    korean, english = titles[False], titles[True]
    assert len(korean) >= 2 and len(english) >= 2, titles
    assert abs(korean[0] - english[0]) < 1.0, titles
    assert abs((korean[1] - korean[0]) - (english[1] - english[0])) < 0.5, titles


# -- long tables -----------------------------------------------------------------------

def _long_tables(folder: Path) -> Path:
    """The tiny publication, its first article with a captioned table of 40 rows
    and an uncaptioned one of 40, each after text that leaves it half a page."""
    from helpers import article, make_tiny
    root = make_tiny(folder)
    texts = {"en": ("Filler text of the first article, long enough to fill lines. " * 60,
                    "| City | Field |", "Member cities {#tbl:long}", "City"),
             "ko": ("창의도시는 지역의 문제를 스스로 해결하려고 노력한다. " * 60,
                    "| 도시 | 분야 |", "회원 도시 {#tbl:long}", "도시")}
    for lang, (filler, head, caption, _) in texts.items():
        rows = "\n".join(f"| {'Row' if lang == 'en' else '행'}{n} | {n} |" for n in range(40))
        table = f"{head}\n| --- | --- |\n{rows}\n"
        body = (f"{filler}\n\n{table}\n: {caption}\n\n{filler}\n\n"
                f"{table.replace('Row', 'Line').replace('행', '줄')}\n{filler}\n")
        title = "First Article" if lang == "en" else "첫 논문"
        (root / f"content/journal/2024-no2/first.{lang}.md").write_text(
            article(title, body), encoding="utf-8")
    return root


@pytest.mark.parametrize(("lang", "continued", "numbered", "head", "row", "line"), [
    ("en", "(continued)", "Table 1 (continued)", "City", "Row", "Line"),
    ("ko", "(계속)", "표 1 (계속)", "도시", "행", "줄")])
def test_a_long_table_says_continued_on_its_next_page(tmp_path: Path, lang: str,
                                                      continued: str, numbered: str,
                                                      head: str, row: str, line: str):
    """A table of 40 rows splits; its header row is repeated on the next page, which
    is captioned "(continued)" (with the table's number when it has one); the first
    page's text says nothing of it (pdf/tables.py)."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    root = _long_tables(tmp_path)
    build(BuildOptions(root=root, out=tmp_path / "out", languages=(lang,), jobs=1))
    pdf = next((tmp_path / "out" / lang).glob("journal-*.pdf"))
    with pymupdf.open(pdf) as doc:
        pages = [[text.strip() for text in page.get_text().splitlines()] for page in doc]

    def on(text: str) -> list[int]:
        return [n for n, lines in enumerate(pages, 1) if text in lines]
    for word, caption in ((row, numbered), (line, continued)):
        first, last = on(f"{word}0"), on(f"{word}39")
        assert len(first) == len(last) == 1 and first != last, (word, first, last)
        marked = [n for n, lines in enumerate(pages, 1)
                  if any(text.startswith(caption) for text in lines)]
        assert marked == list(range(first[0] + 1, last[0] + 1)), (caption, marked, first, last)
        for number in range(first[0], last[0] + 1):      # the header row on every page
            assert head in pages[number - 1], (number, pages[number - 1][:12])
        assert sum(f"{word}{n}" in lines for n in range(40) for lines in pages) == 40
    assert not any(continued in text for text in pages[on(f"{row}0")[0] - 1]
                   if not text.startswith(numbered))
    assert on(f"{row}0") and any(text.startswith(("Table 1. Member", "표 1. 회원"))
                                 for text in pages[on(f"{row}0")[0] - 1])


def test_a_long_tables_parts_keep_its_columns(tmp_path: Path):
    """Its rows on the next page have longer names: laid out apart, that part's
    first column was wider than the first page's. Both parts keep the columns of
    the whole table (pdf/tables.py), so the second cell starts at the same
    distance from the first on every page."""
    from helpers import article, make_tiny

    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    root = make_tiny(tmp_path)
    rows = "\n".join(f"| {'Jinju' if n < 20 else 'Jinju Creative City of Crafts'} {n} "
                     f"| Kind{n} | {n} |" for n in range(40))
    filler = "Filler text of the first article, long enough to fill lines. " * 60
    (root / "content/journal/2024-no2/first.en.md").write_text(article(
        "First Article", f"{filler}\n\n| City | Kind | Number |\n| --- | --- | --- |\n"
        f"{rows}\n\n{filler}\n"), encoding="utf-8")
    build(BuildOptions(root=root, out=tmp_path / "out", languages=("en",), jobs=1))
    pdf = next((tmp_path / "out/en").glob("journal-*.pdf"))
    offsets: dict[int, set[int]] = {}
    with pymupdf.open(pdf) as doc:
        for number, page in enumerate(doc):
            words = page.get_text("words")
            for kind in (w for w in words if re.fullmatch(r"Kind\d+", w[4])):
                first = min(w[0] for w in words if abs(w[3] - kind[3]) < 1)
                offsets.setdefault(number, set()).add(round(kind[0] - first))
    assert len(offsets) >= 2, offsets                    # the table was split
    assert len(set().union(*offsets.values())) == 1, offsets


def test_the_side_by_side_sheet_fills_its_page(tmp_path: Path):
    """The sample's side-by-side notice filled half its sheet at 9 pt: its text grows
    (pdf/sheets.py, up to 11 pt) and the block sits in the middle of the space
    under the masthead, as much blank above it as below."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    build(BuildOptions(root=REPO, out=tmp_path, bilingual="side-by-side",
                       only=("notice-jinju-designation",), jobs=1))
    with pymupdf.open(tmp_path / "bilingual/notice-jinju-designation.pdf") as doc:
        assert len(doc) == 1
        page = doc[0]
        lines = [(line["bbox"], line["spans"][0]["size"], line["spans"][0]["text"])
                 for block in page.get_text("dict")["blocks"] if block["type"] == 0
                 for line in block["lines"] if line["spans"][0]["text"].strip()]
        height = page.rect.height
    body = [size for box, size, text in lines if text.startswith(("Jinju City", "진주시가"))]
    assert body and min(body) >= 10.0, body
    masthead = max(box[3] for box, size, text in lines if box[1] < 110)
    title = min(box[1] for box, size, text in lines if size >= 14)
    lowest = max(box[3] for box, size, text in lines)
    assert lowest > 0.7 * height, (lowest, height)
    # Blank above the title (less the masthead's rule and margin, about 37 pt) and
    # below the last line (less the 18 mm foot margin): the same, within 25 pt.
    above, below = title - masthead - 37, height - 18 * 72 / 25.4 - lowest
    assert above > 80 and abs(above - below) < 25, (above, below)
