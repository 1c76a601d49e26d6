"""How a typesetter measures justified pages, read from the glyphs of a PDF.

The measures of the team's ``pagecheck`` tool (issue 30), with PyMuPDF as it has:
a glyph's box there spans its advance, so the gap between two neighbouring glyphs
of one word is the spacing justification added; a word-gap measure (pdftotext's
word boxes) cannot see letter-spacing. pypdfium2's loose boxes are the same, but
pdfium replaces the spaces of a justified line, and any gap wider than about a
fifth of an em, by spaces of its own: a letter-spaced "2 0 1 9" reads as four
words there. PyMuPDF is a test dependency only (AGPL; 1.x, which needs nothing
else: 2.0 pulls in onnxruntime).

Per full line of running text (type of at most 12.5 pt; it ends within 1 pt of its
column's right edge and fills at least 60 % of the page's width):
  track  the widest gap between two neighbouring letters or digits of one word, in em
  space  the widest word space, glyph to glyph across the space, in em
Korean lines: letter-spaced when track > 0.05 em; loose when space > 0.75 em; KLREQ:
no closing mark at a line's start, no opening mark at its end (every line).
English lines: loose when space > 0.6 em; hyphenated line ends, fragments of fewer
than 3 letters after or 2 before the hyphen, 3 or more hyphenated lines in a row.

A gap is measured, as pagecheck does, in ems of the glyph before it: the space
after a footnote call counts in the call's small ems, as the eye reads it (a
0.50 em space after the sample's call "¹" read as 0.76 em, a hole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pymupdf

HANGUL = re.compile(r"[\uac00-\ud7a3]")
CLOSE = set("。，、．,.:;!?)]}」』》〉’”%·")
OPEN = set("([{「『《〈‘“")
INVISIBLE = "\u2060\u00ad\u200b\ufeff"
Char = tuple[str, float, float, float]      # character, left, right, em (pt)


@dataclass
class Line:
    page: int
    chars: list[Char]
    top: float
    left: float             # the line's box, PyMuPDF's, as pagecheck measures
    right: float
    page_width: float

    @property
    def text(self) -> str:
        return "".join(c[0] for c in self.chars).strip()

    def track(self) -> float:
        """The widest gap between two letters or digits that touch (one word)."""
        return max((max(0.0, b[1] - a[2]) / a[3]
                    for a, b in pairwise(self.chars)
                    if a[0].isalnum() and b[0].isalnum()), default=0.0)

    def space(self) -> float:
        """The widest word space, from the glyph before it to the glyph after it."""
        widest = 0.0
        text = "".join(c[0] for c in self.chars)
        for match in re.finditer(r" +", text):
            i, j = match.start() - 1, match.end()
            if i >= 0 and j < len(self.chars):
                a, b = self.chars[i], self.chars[j]
                widest = max(widest, (b[1] - a[2]) / a[3])
        return widest


def lines(path: Path) -> list[list[Line]]:
    """The lines of each page, as PyMuPDF finds them."""
    pages = []
    with pymupdf.open(path) as doc:
        for number, page in enumerate(doc, 1):
            found = []
            for block in page.get_text("rawdict")["blocks"]:
                if block["type"]:
                    continue
                for line in block["lines"]:
                    chars = [(c["c"], c["bbox"][0], c["bbox"][2], span["size"])
                             for span in line["spans"] for c in span["chars"]
                             if c["c"] not in INVISIBLE]
                    if chars:
                        found.append(Line(number, chars, line["bbox"][1], line["bbox"][0],
                                          line["bbox"][2],
                                          page.rect.width))
            pages.append(found)
    return pages


@dataclass
class Measures:
    korean: list[Line] = field(default_factory=list)        # full Korean lines
    english: list[Line] = field(default_factory=list)       # full English lines
    letter_spaced: list[Line] = field(default_factory=list)
    korean_loose: list[Line] = field(default_factory=list)
    english_loose: list[Line] = field(default_factory=list)
    klreq: list[str] = field(default_factory=list)
    hyphenated: list[str] = field(default_factory=list)     # "before-after", page
    fragments: list[str] = field(default_factory=list)
    ladders: list[str] = field(default_factory=list)

    def pct(self, part: list, whole: list) -> float:
        return 100 * len(part) / len(whole) if whole else 0.0

    def __str__(self) -> str:
        def show(found: list[Line], measure) -> list[str]:
            return [f"p{line.page} {measure(line):.2f}em {line.text[:50]}" for line in found[:5]]
        return (f"Korean: {len(self.korean)} full lines, letter-spaced "
                f"{self.pct(self.letter_spaced, self.korean):.1f} % "
                f"{show(self.letter_spaced, Line.track)}, loose "
                f"{self.pct(self.korean_loose, self.korean):.1f} % "
                f"{show(self.korean_loose, Line.space)}, KLREQ {self.klreq[:5]}; English: "
                f"{len(self.english)} full lines, loose "
                f"{self.pct(self.english_loose, self.english):.1f} %, hyphenated "
                f"{self.pct(self.hyphenated, self.english):.1f} % {self.hyphenated[:12]}, "
                f"fragments {self.fragments[:5]}, ladders {self.ladders[:5]}")


def measure(paths: list[Path]) -> Measures:
    """pagecheck's measures over all ``paths`` together."""
    found = Measures()
    for path in paths:
        _measure(path, found)
    return found


def _korean_line(line, full: bool, found: Measures) -> None:
    """A line with Hangul: KLREQ's line-start and line-end rules; a full one's
    letter-spacing and spaces."""
    text = line.text
    if text[0] in CLOSE:
        found.klreq.append(f"p{line.page} starts with {text[0]}: {text[:40]}")
    if text[-1] in OPEN:
        found.klreq.append(f"p{line.page} ends with {text[-1]}: {text[-40:]}")
    if full:
        found.korean.append(line)
        if line.track() > 0.05:
            found.letter_spaced.append(line)
        if line.space() > 0.75:
            found.korean_loose.append(line)


def _measure(path: Path, found: Measures) -> None:
    for page in lines(path):
        if not page:
            continue
        width = page[0].page_width
        right: dict[int, float] = {}
        for line in page:
            right[round(line.left)] = max(right.get(round(line.left), 0.0), line.right)
        run = 0
        for k, line in enumerate(page):
            text = line.text
            if not text:
                continue
            full = (abs(line.right - right[round(line.left)]) < 1.0
                    and line.right - line.left > 0.6 * (width - 112)
                    and len(text) > 12 and line.chars[0][3] <= 12.5)
            if HANGUL.search(text):
                run = 0
                _korean_line(line, full, found)
                continue
            if not re.search(r"[A-Za-z]{3}", text) or not full or len(text) < 30:
                run = 0
                continue
            found.english.append(line)
            if line.space() > 0.6:
                found.english_loose.append(line)
            if re.search(r"[a-z][-\u2010]$", text) and k + 1 < len(page):
                before = re.findall(r"([A-Za-z]+)[-\u2010]$", text)[0]
                after = re.match(r"[A-Za-z]*", page[k + 1].text)[0]   # type: ignore[index]
                word = f"p{line.page} {before}-{after}"
                found.hyphenated.append(word)
                if len(after) < 3 or len(before) < 2:
                    found.fragments.append(word)
                run += 1
                if run == 3:
                    found.ladders.append(f"p{line.page} {text[-40:]}")
            else:
                run = 0


CAPTION = re.compile(r"^(?:Table|Figure|표|그림) \d+")


def holes(path: Path, limit: float = 0.12) -> list[str]:
    """Pages whose text stops more than ``limit`` of the text area above its foot
    (the footnotes, or the page's last 62 pt) while the next page opens with a
    figure or a table (an image, or a caption, near its top) and no title (type of
    14 pt or more in its top third): pagecheck's figure holes, tables counted."""
    found = []
    with pymupdf.open(path) as doc:
        height = doc[0].rect.height if len(doc) else 0
        for i in range(len(doc) - 1):
            page, following = doc[i], doc[i + 1]
            blocks = [b for b in page.get_text("blocks")
                      if b[1] > 60 and b[3] < height - 75 and b[4].strip()]
            if not blocks:
                continue
            last = max(b[3] for b in blocks)
            foot = min([b[1] for b in page.get_text("blocks")
                        if b[1] > last and b[3] < height - 60] or [height - 62])
            opening = [b for b in following.get_text("blocks") if 60 < b[1] < 120 and b[4].strip()]
            figure_next = ([im for im in following.get_image_info() if im["bbox"][1] < 120]
                           or [d for d in following.get_drawings()
                               if d["rect"].y0 < 120 and d["rect"].height > 50]
                           or [b for b in opening if CAPTION.match(b[4].strip())])
            title = any(span["size"] >= 14 for block in following.get_text("dict")["blocks"]
                        if block["type"] == 0 for line in block["lines"]
                        for span in line["spans"]
                        if span["text"].strip() and line["bbox"][1] < height / 3)
            empty = (foot - last) / (height - 118)
            if empty > limit and figure_next and not title:
                found.append(f"p{i + 1} {100 * empty:.1f} % empty")
    return found
