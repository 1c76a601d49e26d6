"""The Korean page, measured on the PDFs as a reader sees them: evenly justified
lines, no paragraph ending in a one-word line, a footnote call that is a superscript.

Everything is read from ``pdftotext -bbox-layout``: a box per word, in points from
the top left of the page.
"""

from __future__ import annotations

import importlib.util
import re
import statistics
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE_ISSUE, made_once
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
    path = REPO / "benchmarks/run.py"
    assert path.exists(), "the generated issue is the benchmark's (benchmarks/run.py)"
    spec = importlib.util.spec_from_file_location("folio_benchmarks", path)
    assert spec and spec.loader
    benchmarks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmarks)
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build

    def make(folder: Path) -> None:
        root = benchmarks._generated_issue(folder, "pub", 6)
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

    plain = "<p>" + " ".join(["가나다"] * 12) + " 라마바.</p>"
    HTML(string=keep_korean_words(_page(tight + plain))).write_pdf(pdf)
    measured = justification(pdf)
    assert measured.one_word_last == [], measured
    assert any(line.text == "가나다 라마바." for page in lines(pdf) for line in page)


def test_a_loose_korean_line_spreads_between_its_syllables(tmp_path: Path):
    """The same loose line in Korean: its spaces widen by at most a tenth of an em,
    and the rest goes between its syllables (_compat.install_korean_justification)."""
    from folio._compat import install_korean_justification
    install_korean_justification()
    def whole(*words: str) -> str:
        return " ".join(WORD_JOINER.join(word) for word in words)
    tight = "<p>" + " ".join(["가"] * 60) + "</p>"
    loose = f"<p>{whole(*['가'] * 8, '가나다라마바사아자차카타', *['가'] * 30)}</p>"
    pdf = tmp_path / "made.pdf"
    HTML(string=_page(tight + loose)).write_pdf(pdf)
    measured = justification(pdf)
    assert measured.loose == [], measured
    assert len(measured.full) >= 4, measured


# -- the sample and a generated issue ------------------------------------------

def test_no_paragraph_of_the_sample_ends_in_a_one_word_line(sample_screen: Path):
    pdfs = korean_pdfs(sample_screen) + sorted((sample_screen / "en").glob("*.pdf"))
    for pdf in pdfs:
        measured = justification(pdf)
        assert measured.one_word_last == [], f"{pdf.name}: {measured}"
    _, full, _ = justification_of(korean_pdfs(sample_screen))
    assert full >= 30             # the Korean text was measured: its justified lines


def test_no_paragraph_of_a_generated_issue_ends_in_a_one_word_line(generated: Path):
    measured = justification(generated)
    assert len(measured.full) >= 300, measured
    assert measured.one_word_last == [], measured


# WeasyPrint 70 widens only spaces; a loose Korean line also spreads between its
# syllables (_compat.install_korean_justification), as Korean typesetting does.

def test_few_loose_lines_in_the_sample(sample_screen: Path):
    loose, full, measured = justification_of(korean_pdfs(sample_screen))
    assert full >= 30
    assert loose < 0.02 * full, "\n".join(map(str, measured))


def test_few_loose_lines_in_a_generated_issue(generated: Path):
    measured = justification(generated)
    assert len(measured.full) >= 300
    assert len(measured.loose) < 0.02 * len(measured.full), measured


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
