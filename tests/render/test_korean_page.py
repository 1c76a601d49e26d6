"""The Korean page, measured on the PDFs as a reader sees them: evenly justified
lines, no paragraph ending in a one-word line, a footnote call that is a superscript.

Everything is read from ``pdftotext -bbox-layout``: a box per word, in points from
the top left of the page.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
import typesetting
from helpers import REPO, SAMPLE_ISSUE, generated_issue, made_once
from weasyprint import HTML

from folio.render.typography import WORD_JOINER, keep_korean_words

XHTML = "{http://www.w3.org/1999/xhtml}"
TOUCH = 0.5         # pt: boxes this close are one word (a footnote call and its word)
EDGE = 1.0          # pt: a full line ends this close to its column's right edge
LEADER = re.compile(r"^[.·…]+$")        # the dots of the contents' leaders
LOOSE = 2.0         # a line is loose when a gap is more than twice the typical one


# -- the measurement -----------------------------------------------------------

@dataclass
class Line:
    page: int
    words: list[tuple[float, float, float, float, str]]    # xMin, yMin, xMax, yMax, text

    @property
    def left(self) -> float:
        return self.words[0][0]

    @property
    def right(self) -> float:
        return max(w[2] for w in self.words)

    @property
    def top(self) -> float:
        return min(w[1] for w in self.words)

    @property
    def height(self) -> float:
        return max(w[3] for w in self.words) - self.top

    @property
    def gaps(self) -> list[float]:
        """The spaces between the words of the line (touching boxes are one word)."""
        return [b[0] - a[2] for a, b in pairwise(self.words) if b[0] - a[2] > TOUCH]

    @property
    def text(self) -> str:
        return " ".join(w[4] for w in self.words)


def lines(pdf: Path) -> list[list[Line]]:
    """The lines of each page. pdftotext's lines that share a baseline are one
    line: it cuts a very loose line into pieces, which would hide it."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages = []
    for number, page in enumerate(ET.fromstring(xml).iter(f"{XHTML}page"), 1):
        found: dict[tuple[float, float], list] = {}
        for line in page.iter(f"{XHTML}line"):
            key = (round(float(line.get("yMin", 0)), 1), round(float(line.get("yMax", 0)), 1))
            found.setdefault(key, []).extend(
                (float(w.get("xMin", 0)), float(w.get("yMin", 0)), float(w.get("xMax", 0)),
                 float(w.get("yMax", 0)), w.text or "") for w in line.iter(f"{XHTML}word"))
        pages.append(sorted((Line(number, sorted(words)) for words in found.values() if words),
                            key=lambda line: (line.top, line.left)))
    return pages


@dataclass
class Justification:
    full: list[Line]            # justified lines that span their column
    loose: list[Line]           # full lines with a gap over LOOSE × the typical gap
    typical: float              # the median gap between words, over the document
    one_word_last: list[Line]   # one-word lines ending a paragraph of several lines

    def __str__(self) -> str:
        worst = max((max(line.gaps) for line in self.loose), default=0) / self.typical
        return (f"{len(self.loose)} loose of {len(self.full)} full lines (worst "
                f"{worst:.2f}×), one-word last lines: "
                f"{[line.text for line in self.one_word_last]}; loose: "
                f"{[line.text for line in self.loose]}")


def justification(pdf: Path) -> Justification:
    """Full lines are found by their column: the lines of a page side (left or right
    pages have their own margins) that start at one left edge reach its right edge
    when full; a column is one that at least two lines reach, or as wide as such a
    column (a justified line alone on its side)."""
    pages = lines(pdf)
    # The typical gap is the text's: not that of the small print in the margins (the
    # cite line at the foot of an article's first page).
    heights = [line.height for page in pages for line in page]
    body = statistics.median(heights) if heights else 0.0
    every = [gap for page in pages for line in page if line.height >= 0.8 * body
             for gap in line.gaps]
    columns: dict[tuple[int, int], list[Line]] = {}
    for page in pages:
        for line in page:
            if line.gaps and not any(LEADER.match(w[4]) for w in line.words):
                columns.setdefault((line.page % 2, round(line.left)), []).append(line)
    reaching = []                       # (width, the lines that reach its right edge)
    for (_, left), column in columns.items():
        right = max(line.right for line in column)
        reaching.append((right - left, [line for line in column if line.right >= right - EDGE]))
    widths = [width for width, found in reaching if len(found) >= 2]
    full = [line for width, found in reaching
            if len(found) >= 2 or any(abs(width - w) <= EDGE for w in widths) for line in found]
    typical = statistics.median(every) if every else 0.0
    loose = [line for line in full if max(line.gaps) > LOOSE * typical]
    # A full line is never a paragraph's last: a one-word line right under one ends
    # a paragraph of several lines (the next paragraph would be further down).
    one_word = [line for page in pages for line in page if not line.gaps and any(
        above.page == line.page and abs(above.left - line.left) <= EDGE
        and 0 < line.top - above.top < 1.4 * above.height for above in full)]
    return Justification(full, loose, typical, one_word)


def justification_of(pdfs: list[Path]) -> tuple[int, int, list[Justification]]:
    measured = [justification(pdf) for pdf in pdfs]
    return (sum(len(m.loose) for m in measured), sum(len(m.full) for m in measured),
            measured)


# -- the documents -------------------------------------------------------------

def korean_pdfs(out: Path) -> list[Path]:
    return sorted((out / "ko").glob("*.pdf"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A copy of the sample with an issue of six long Korean articles (the
    benchmark's), built in Korean: its PDF."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build

    def make(folder: Path) -> None:
        root = generated_issue(folder, 6)
        build(BuildOptions(root=root, languages=("ko",), only=("journal-generated",),
                           jobs=2))
    return made_once(tmp_path_factory, "korean-generated", make) / \
        "pub/output/ko/journal-generated.pdf"


# -- the measurement itself ----------------------------------------------------

def _page(body: str) -> str:
    return ('<html lang="ko"><style>@page { size: A4; margin: 20mm } '
            'body { font-family: "Noto Serif CJK KR"; font-size: 10pt } '
            "p { width: 19.5em; text-align: justify; margin: 0 0 1em }</style><body>"
            + body + "</body></html>")


def test_the_measure_finds_a_loose_line_and_a_one_word_last_line(tmp_path: Path):
    """On a page made to have them: eight short words and a word of twelve syllables
    that does not fit after them (a loose line), and thirteen words of three
    syllables, six to a line (the last alone). Words are kept whole with word
    joiners; keep_korean_words also keeps the last two words together, which ends
    the one-word line."""
    def whole(*words: str) -> str:
        return " ".join(WORD_JOINER.join(word) for word in words)
    tight = "<p>" + " ".join(["가"] * 60) + "</p>"
    # Marked English, so that WeasyPrint widens its spaces alone, as it does unpatched
    # (a Korean line also spreads between syllables: see the test after this one).
    loose = f"<p lang='en-US'>{whole(*['가'] * 8, '가나다라마바사아자차카타', *['가'] * 30)}</p>"
    runt = f"<p>{whole(*['가나다'] * 12, '라마바.')}</p>"
    pdf = tmp_path / "made.pdf"
    HTML(string=_page(tight + loose + runt)).write_pdf(pdf)
    measured = justification(pdf)
    assert [line.text for line in measured.loose] == [" ".join(["가"] * 8)], measured
    assert [line.text for line in measured.one_word_last] == ["라마바."], measured
    assert len(measured.full) >= 8, measured

    # keep_korean_words keeps a last word of one syllable with the word before it; a
    # word of two syllables or more may end a paragraph alone (KLREQ): keeping it
    # with its neighbour would stretch the line above.
    plain = "<p>" + " ".join(["가나다"] * 12) + " 라.</p>"
    HTML(string=keep_korean_words(_page(tight + plain))).write_pdf(pdf)
    measured = justification(pdf)
    assert measured.one_word_last == [], measured
    assert any(line.text == "가나다 라." for page in lines(pdf) for line in page)
    alone = "<p>" + " ".join(["가나다"] * 12) + " 라마바.</p>"
    HTML(string=keep_korean_words(_page(tight + alone))).write_pdf(pdf)
    assert [line.text for line in justification(pdf).one_word_last] == ["라마바."]


def test_a_loose_korean_line_widens_its_spaces_then_its_syllables(tmp_path: Path):
    """The same loose line in Korean, justified as KLREQ says (_compat.
    install_korean_justification): its spaces widen first, up to 0.4 em; then its
    Hangul syllables move apart, at most 0.04 em; the rest goes to the spaces. A
    run of digits or a Latin word is never spread. Measured on the glyphs
    (tests/typesetting.py): a gap inside a word is what justification added."""
    from folio._compat import install_korean_justification
    install_korean_justification()
    def whole(*words: str) -> str:
        return " ".join(WORD_JOINER.join(word) for word in words)
    # A line of 42 ems whose next word, of 14 syllables, does not fit: 4.9 ems to
    # spread, more than its 11 spaces take (4.4 ems).
    words = ("진주시는", "2019년", "Jinju", *["가나다"] * 8, "가", "가나다라마바사아자차카타파하")
    loose = f"<p style='width: 42em'>{whole(*words, *['가'] * 40)}</p>"
    pdf = tmp_path / "made.pdf"
    HTML(string=_page(loose)).write_pdf(pdf)
    measured = typesetting.measure([pdf])
    assert len(measured.korean) >= 2, measured
    line = measured.korean[0]
    assert line.text.startswith("진주시는"), measured
    assert 0.6 < line.space() <= 0.75, line.space()     # the spaces widened first,
    assert 0.02 < line.track() <= 0.05, line.track()    # then the syllables, a little
    latin = [(b[1] - a[2]) / a[3] for a, b in pairwise(line.chars)
             if a[0].isascii() and b[0].isascii() and a[0].isalnum() and b[0].isalnum()]
    assert len(latin) == 7 and max(latin) < 0.01, latin  # "2019", "Jinju": never
    assert measured.letter_spaced == [], measured
    assert measured.korean_loose == [], measured

    # The measure sees letter-spacing, and a loose space, when they are there.
    spaced = ("<p style='width: 42em; letter-spacing: 0.1em; word-spacing: 0.6em'>"
              + whole(*['가나다'] * 30) + "</p>")
    HTML(string=_page(spaced)).write_pdf(pdf)
    measured = typesetting.measure([pdf])
    assert len(measured.letter_spaced) >= 2, measured
    assert len(measured.korean_loose) >= 2, measured


@pytest.mark.parametrize(("lang", "font", "word"), [("ko", "Noto Serif CJK KR", "가입했다."),
                                                  ("en", "Noto Serif", "joined.")])
def test_the_space_after_a_footnote_call_does_not_stretch(tmp_path: Path, lang: str,
                                                          font: str, word: str):
    """In a loose justified line, the space after a footnote call keeps its width
    while the other spaces widen: measured in the call's ems (as pagecheck
    measures, and as the eye reads a small raised figure and the gap after it), a
    stretched one read as a hole (0.76 em in the sample)."""
    from folio._compat import install_korean_justification
    install_korean_justification()
    filler = "가나다 " if lang == "ko" else "abc "
    html = (f'<html lang="{lang}"><style>@page {{ size: A4; margin: 20mm }} '
            f'body {{ font-family: "{font}"; font-size: 10pt }} '
            "p { width: 30em; text-align: justify; word-break: keep-all } "
            ".footnote { float: footnote; font-size: 8pt } "
            "::footnote-call { content: counter(footnote); vertical-align: 0.55em; "
            "font-size: 66% }</style><body>"
            f"<p>{filler * 3}{word}<span class='footnote'>note</span> {filler * 2}"
            f"{'가나다라마바사아자차카타' if lang == 'ko' else 'internationalisations'} "
            f"{filler * 30}</p></body></html>")
    pdf = tmp_path / "call.pdf"
    HTML(string=html).write_pdf(pdf)
    measured = typesetting.measure([pdf])
    full = measured.korean if lang == "ko" else measured.english
    line = next(line for line in full if word in line.text)
    text = "".join(c[0] for c in line.chars)
    call = text.index(word) + len(word)
    assert text[call] == "1" and text[call + 1] == " ", text
    spaces = {m.start(): line.chars[m.end()][1] - line.chars[m.start() - 1][2]
              for m in re.finditer(" ", text) if 0 < m.start() < len(text) - 1}
    after_call = spaces.pop(call + 1)                    # pt, glyph to glyph
    assert min(spaces.values()) > after_call + 0.5, (spaces, after_call)  # others widened
    assert after_call / line.chars[call][3] < 0.6, after_call
    assert line.space() <= 0.75, line.space()


BRACKETS = ("편집위원회는 「창의도시」. 「도시」, 「공예」: （주）. 「문화」) 『진주 저널』의 "
            "「네트워크」를 소개한다. 는 「창」 『도』 （가）")


@pytest.mark.parametrize("font", ["Noto Serif CJK KR", "Noto Sans CJK KR"])
@pytest.mark.parametrize("weight", ["normal", "bold"])
def test_corner_brackets_are_half_width_in_the_prepared_faces(tmp_path: Path, font: str,
                                                              weight: str):
    """"는 「", "』의", "」." showed half an em of blank: the prepared face's
    「」『』（） are 500 units wide with their ink kept (pdf/fontprep.py), so the
    blank goes, and pdftotext reads every bracket and mark in place."""
    from folio.pdf.fontprep import prepared_file
    from folio.pdf.fonts import find_faces
    face = next(f for f in find_faces(font)
                if f.style.lower() == ("bold" if weight == "bold" else "regular"))
    css = (REPO / "templates/base.css").read_text(encoding="utf-8")
    html = (f"<html lang='ko'><style>{css} @page {{ size: A4; margin: 20mm }} "
            f"@font-face {{ font-family: prepared; font-weight: {weight}; "
            f"src: url('{prepared_file(face.file, face.index).as_uri()}') }} "
            f"body {{ font-family: prepared; font-weight: {weight}; font-size: 10pt }} "
            f"p {{ text-align: left }}</style><body><p>{BRACKETS}</p></body></html>")
    pdf = tmp_path / "brackets.pdf"
    HTML(string=keep_korean_words(html)).write_pdf(pdf)
    # The font program's own widths say 500 too, as /W does (PDF/A 6.2.11.5: a
    # charstring's width is stored less its Private's nominalWidthX).
    from fontTools.pens.basePen import NullPen
    from fontTools.ttLib import TTFont

    from folio.pdf.fontprep import HALF_WIDTH
    program = TTFont(prepared_file(face.file, face.index))
    charstrings = program["CFF "].cff.topDictIndex[0].CharStrings
    for char in HALF_WIDTH:
        name = program.getBestCmap()[ord(char)]
        charstrings[name].draw(NullPen())
        assert (charstrings[name].width, program["hmtx"][name][0]) == (500, 500), char
    read = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert " ".join(read.split()) == BRACKETS, read     # a line may end at a space only
    chars = [c for line in typesetting.lines(pdf)[0] for c in line.chars]
    advance = {(a[0], b[0]): (b[1] - a[1]) / a[3] for a, b in pairwise(chars)}
    for pair in (("」", "."), ("」", ","), ("）", "."), ("」", "를"), ("』", "의"),
                 ("「", "창"), ("『", "진"), ("（", "주")):
        assert 0.45 < advance[pair] < 0.55, (pair, advance)
    space = next((c[1] - a[2]) / a[3] for a, b, c in zip(chars, chars[1:], chars[2:], strict=False)
                 if (a[0], b[0], c[0]) == ("주", " ", "저"))     # a word space, unstretched
    words = [(a, d) for a, b, c, d in zip(chars, chars[1:], chars[2:], chars[3:], strict=False)
             if b[0] == " " and c[0] in "「『（"]
    assert len(words) >= 6, words
    for before, letter in words:    # "는 「창": from 는 to 창, a space and half an em
        assert (letter[1] - before[2]) / before[3] <= space + 0.5 + 0.01, (space, words)
    ink = _ink_gaps(pdf, "」를")                   # and the ink is where it was drawn
    assert ink < 0.45, ink


def test_the_samples_brackets_read_back_and_are_half_width(sample_screen: Path):
    """In the body ("』이") and in the "Cite this article" line the stylesheet prints
    ("」. 『", "』 1(1)"), where no span reaches: the face itself is half-width."""
    pdf = sample_screen / "ko" / f"{SAMPLE_ISSUE}.pdf"
    read = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "『진주 유네스코 창의도시 비엔날레 국제저널』이 창간호와" in read
    assert "2022. 「네트워크의 목표」. 『진주 유네스코 창의도시 비엔날레 국제저널』 1(1):" in read
    pairs = {("』", "이"), ("」", "."), ("『", "진"), ("「", "네")}
    seen = set()
    for page in typesetting.lines(pdf):
        for line in page:
            for a, b in pairwise(line.chars):
                if (a[0], b[0]) in pairs:
                    seen.add((a[0], b[0]))
                    assert (b[1] - a[1]) / a[3] < 0.55, (a, b, line.text)
    assert seen == pairs, seen


def _ink_gaps(pdf: Path, pair: str) -> float:
    """The blank between the ink of the two characters of ``pair`` (em), rendered."""
    import pymupdf
    with pymupdf.open(pdf) as doc:
        page = doc[0]
        hit = page.search_for(pair)[0]
        pix = page.get_pixmap(dpi=600, clip=hit)
    columns = [any(pix.pixel(x, y)[0] < 128 for y in range(pix.height))
               for x in range(pix.width)]
    inked = [x for x, dark in enumerate(columns) if dark]
    gaps = [b - a for a, b in pairwise(inked) if b - a > 1]
    return max(gaps, default=0) / pix.width * hit.width / 10 if gaps else 0.0


# -- the sample and a generated issue ------------------------------------------

def _alone(measured: Justification) -> list[str]:
    """One-word last lines other than a Korean word of two syllables or more."""
    return [line.text for line in measured.one_word_last
            if len(re.findall("[가-힣]", line.text)) < 2]


def test_no_paragraph_of_the_sample_ends_in_a_one_word_line(sample_screen: Path):
    """Unless it is a Korean word of two syllables or more, which KLREQ accepts
    rather than a looser line above it."""
    for pdf in korean_pdfs(sample_screen):
        measured = justification(pdf)
        assert _alone(measured) == [], f"{pdf.name}: {measured}"
    for pdf in sorted((sample_screen / "en").glob("*.pdf")):
        measured = justification(pdf)
        assert measured.one_word_last == [], f"{pdf.name}: {measured}"
    _, full, _ = justification_of(korean_pdfs(sample_screen))
    assert full >= 30             # the Korean text was measured: its justified lines


def test_no_paragraph_of_a_generated_issue_ends_in_a_one_word_line(generated: Path):
    measured = justification(generated)
    assert len(measured.full) >= 300, measured
    assert _alone(measured) == [], measured


# Korean justification as KLREQ describes it (_compat.install_korean_justification),
# measured on the glyphs (tests/typesetting.py, the measures of pagecheck): at most
# 2 % of full Korean lines with more than 0.05 em added inside a word, at most 2 %
# with a word space over 0.75 em, no closing mark starting a line and no opening
# mark ending one.

def _korean_goals(measured: typesetting.Measures) -> None:
    assert measured.pct(measured.letter_spaced, measured.korean) <= 2, measured
    assert measured.pct(measured.korean_loose, measured.korean) <= 2, measured
    assert measured.klreq == [], measured


def test_korean_lines_of_the_sample_are_justified_as_klreq_says(sample_screen: Path):
    measured = typesetting.measure(korean_pdfs(sample_screen))
    assert len(measured.korean) >= 40, measured
    _korean_goals(measured)


def test_korean_lines_of_a_generated_issue_are_justified_as_klreq_says(generated: Path):
    measured = typesetting.measure([generated])
    assert len(measured.korean) >= 300, measured
    _korean_goals(measured)


def test_a_punctuation_dense_korean_text_is_justified_as_klreq_says(tmp_path: Path):
    """The sample's Korean paragraphs with a footnote call after every sentence and
    its dates, numbers and names in brackets, quotation marks and parentheses (the
    issue measured 12 % letter-spaced lines on such a text), built as an article."""
    from helpers import article, make_tiny

    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    paragraphs, notes = [], []
    for path in sorted((REPO / "content/journal" / SAMPLE_ISSUE.removeprefix("journal-")
                        ).glob("*.ko.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for p in body.split("\n\n"):
            if not p.strip() or p.startswith(("![", "|", "[^", "#", ": ", "-")):
                continue
            p = re.sub(r"\[\^[^\]]+\]|\[-?@[^\]]+\]|\(?@(?:fig|tbl):[\w-]+\)?", "", p)
            p = re.sub(r"(\d{4})년", r"「\1년」", p)
            p = re.sub(r"(\d+)개", r"(\1개)", p)
            p = re.sub(r"유네스코", "“유네스코”", p)

            def call(match: re.Match) -> str:
                notes.append(f"[^n{len(notes)}]: 주석 {len(notes)}.")
                return f"{match[0]}[^n{len(notes) - 1}]"
            paragraphs.append(re.sub(r"다\.", call, " ".join(p.split())))
    root = make_tiny(tmp_path)
    (root / "content/journal/2024-no2/first.ko.md").write_text(
        article("구두점", "\n\n".join(paragraphs * 4 + notes) + "\n"), encoding="utf-8")
    build(BuildOptions(root=root, out=tmp_path / "out", languages=("ko",), jobs=1))
    pdf = next((tmp_path / "out/ko").glob("journal-*.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert text.count("「") >= 10 and text.count("“") >= 10 and text.count("(") >= 10
    measured = typesetting.measure([pdf])
    assert len(measured.korean) >= 100, measured
    _korean_goals(measured)


@pytest.mark.parametrize("seed", [7, 2024])
def test_the_samples_words_in_random_order_are_justified_as_klreq_says(tmp_path: Path,
                                                                      seed: int):
    """The sample's Korean words (with their particles, brackets and numbers) in a
    random order, 40 paragraphs of 70: lines whose breaks fall where no editor
    would put them, which a greedy first-fit breaker must still justify within the
    goals (word spaces ≤ 0.75 em, ≤ 0.05 em inside words)."""
    import random

    from helpers import article, make_tiny

    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    words = []
    for path in sorted((REPO / "content/journal" / SAMPLE_ISSUE.removeprefix("journal-")
                        ).glob("*.ko.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        words += [w for w in body.split()
                  if re.fullmatch(r"[가-힣0-9(),.·「」『』“”‘’%-]+", w) and re.search("[가-힣]", w)]
    assert len(words) >= 300
    pick = random.Random(seed).choice
    paragraphs = [" ".join(pick(words) for _ in range(70)) for _ in range(40)]
    root = make_tiny(tmp_path)
    (root / "content/journal/2024-no2/first.ko.md").write_text(
        article("낱말", "\n\n".join(paragraphs) + "\n"), encoding="utf-8")
    build(BuildOptions(root=root, out=tmp_path / "out", languages=("ko",), jobs=1))
    measured = typesetting.measure([next((tmp_path / "out/ko").glob("journal-*.pdf"))])
    assert len(measured.korean) >= 150, measured
    _korean_goals(measured)


# -- the footnote call ---------------------------------------------------------

def footnote_calls(pdf: Path) -> list[tuple[str, float, float]]:
    """Each footnote call (digits touching the end of a taller word): the word, and
    how far the call's baseline is raised and its digits' top reaches above the
    word's baseline, in ems of the word. A box runs from ascent to descent; the
    descent is a fifth of it in these fonts (Noto CJK, Noto Serif and Sans), a
    digit 0.72 of the size, the size the box's height over 1.4."""
    found = []
    for page in lines(pdf):
        for line in page:
            for word, call in pairwise(line.words):
                high, small = word[3] - word[1], call[3] - call[1]
                if call[4].isdigit() and call[0] - word[2] <= TOUCH and small < 0.8 * high:
                    em = high / 1.44
                    baseline, call_baseline = word[3] - high / 5, call[3] - small / 5
                    top = call_baseline - 0.72 * small / 1.4
                    found.append((word[4], (baseline - call_baseline) / em,
                                  (baseline - top) / em))
    return found


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_footnote_call_is_a_superscript(sample_screen: Path, lang: str):
    """Raised well off the baseline, its top at the top of the letters (a capital's,
    a Hangul syllable's), not above the line."""
    calls = footnote_calls(sample_screen / f"{lang}/{SAMPLE_ISSUE}.pdf")
    assert len(calls) >= 2, calls
    for word, raised, top in calls:
        assert raised >= 0.32, (word, raised, top)
        assert 0.75 <= top <= 1.1, (word, raised, top)
