"""Figures and tables without holes (issue 30), measured on the PDF as pagecheck does
(tests/typesetting.py ``holes``): no page is left more than 12 % empty before a
figure or a table.

A float that does not fit goes after the next paragraph and the text runs on
(pdf/figures.py); a short table that ends its article, where nothing can come up,
splits at the hole with its header row repeated and "(continued)", its type at
90 % if only so three rows fit on each side.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pymupdf
import pytest
import typesetting
from helpers import REPO, SAMPLE_ISSUE, generated_issue, made_once

SAMPLE = REPO / "content/journal" / SAMPLE_ISSUE.removeprefix("journal-")
WORDS = {"ko": ("도시", "분야", "연도", "회원 도시"),
         "en": ("City", "Field", "Year", "Member cities")}


def _table(lang: str, name: str, rows: int) -> str:
    city, field, year, caption = WORDS[lang]
    body = "\n".join(f"| {city} {n} | {field} {n % 7} | {2000 + n} |" for n in range(rows))
    return (f"| {city} | {field} | {year} |\n| --- | --- | --- |\n{body}\n\n"
            f": {caption} {{#tbl:{name}}}")


def _figure(lang: str, name: str) -> str:
    caption = "창의도시 빌바오" if lang == "ko" else "The creative city of Bilbao"
    return f"![{caption}](figures/bilbao.svg){{#fig:{name}}}"


def with_floats(root: Path) -> Path:
    """The generated issue of ``root`` (``conftest.generated_issue``) with tables of
    6 to 15 rows and figures among its paragraphs, at places that differ from one
    article to the next, and every third article ending with a table; its English
    articles in the sample's English."""
    issue = root / "content/journal/generated"
    (issue / "figures").mkdir(exist_ok=True)
    shutil.copy(SAMPLE / "figures/bilbao.svg", issue / "figures/bilbao.svg")
    english = []
    for path in sorted(SAMPLE.glob("*.en.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        english += [re.sub(r"\[\^[^\]]+\]|\[-?@[^\]]+\]|\(?@(?:fig|tbl):[\w-]+\)?", "", p)
                    for p in body.split("\n\n")
                    if p.strip() and not p.startswith(("![", "|", "[^", "#", ": "))]
    for path in sorted(issue.glob("part-*.md")):
        lang = path.name.split(".")[-2]
        number = int(path.name[5:8])
        head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        blocks = body.strip().split("\n\n")
        if lang == "en":
            blocks = [b if b.startswith("#") else english[i % len(english)]
                      for i, b in enumerate(blocks)]
        inserts = {3 + (number * 5) % (len(blocks) - 4): _table(lang, "a", 6 + number * 4 % 10),
                   (number * 11) % len(blocks): _figure(lang, "a"),
                   (number * 7 + 9) % len(blocks): _table(lang, "b", 5 + number * 3 % 11)}
        out = []
        for i, block in enumerate(blocks):
            out.append(block)
            if i in inserts and not block.startswith("#"):
                out.append(inserts[i])
        if number % 3 == 0:
            out.append(_table(lang, "end", 8 + number % 5))
        path.write_text(f"{head}\n---\n" + "\n\n".join(out) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def floats(tmp_path_factory) -> dict[str, Path]:
    """A generated issue of nine articles with figures and tables, built in Korean
    and in English: its PDFs by language."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build

    def make(folder: Path) -> None:
        root = with_floats(generated_issue(folder, 9))
        build(BuildOptions(root=root, only=("journal-generated",), languages=("ko", "en"),
                           jobs=2))
    out = made_once(tmp_path_factory, "floats-generated", make) / "pub/output"
    return {lang: out / lang / "journal-generated.pdf" for lang in ("ko", "en")}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_page_of_the_sample_is_left_empty_before_a_table(sample_screen: Path, lang: str):
    """The sample's table of ten rows ends its article: page 9 stopped 18-20 % above
    its foot before it. It splits there now, "(continued)" on page 10."""
    pdf = sample_screen / f"{lang}/{SAMPLE_ISSUE}.pdf"
    assert typesetting.holes(pdf) == []
    with pymupdf.open(pdf) as doc:
        pages = [[line.strip() for line in page.get_text().splitlines()] for page in doc]
    continued = "Table 1 (continued)" if lang == "en" else "표 1 (계속)"
    marked = [n for n, lines in enumerate(pages, 1) if continued in lines]
    assert len(marked) == 1, marked
    head = "City" if lang == "en" else "도시"
    assert head in pages[marked[0] - 1] and head in pages[marked[0] - 2]
    rows = [sum(1 for line in pages[n] if re.fullmatch(r"20[12]\d", line))
            for n in (marked[0] - 2, marked[0] - 1)]
    assert sum(rows) == 10 and min(rows) >= 3, rows
    # The two parts keep the whole table's columns (pdf/tables.py): in English they
    # started 88 and 302 pt right of the first column on one page, 121 and 314 on
    # the other.
    columns = {tuple(round(x) for x in row) for n in (marked[0] - 2, marked[0] - 1)
               for row in table_columns(pdf, n, "Year" if lang == "en" else "가입")}
    assert len(columns) == 1, columns


def table_columns(pdf: Path, page: int, head: str) -> list[tuple[float, float]]:
    """Of each table row on ``page`` (from 0) under the header row with ``head`` in
    its last cell: where its second cell and its year start, right of its first
    word (pymupdf words)."""
    with pymupdf.open(pdf) as doc:
        words = doc[page].get_text("words")
    top = min(w[3] for w in words if w[4] == head)
    rows = []
    for year in (w for w in words if re.fullmatch(r"(?:19|20)\d\d", w[4]) and w[3] > top):
        row = sorted(w[0] for w in words if abs(w[3] - year[3]) < 1 and w[0] <= year[0])
        if len(row) >= 3:
            rows.append((row[1] - row[0], year[0] - row[0]))
    assert len(rows) >= 3, rows
    return rows


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_page_of_an_issue_with_floats_is_left_empty_before_one(floats: dict[str, Path],
                                                                   lang: str):
    with pymupdf.open(floats[lang]) as doc:
        assert len(doc) >= 50
        text = "\n".join(page.get_text() for page in doc)
    assert len(re.findall(r"^(?:Table|표) \d+\. ", text, re.M)) >= 18     # captions
    assert len(re.findall(r"^(?:Figure|그림) \d+\. ", text, re.M)) >= 5
    assert typesetting.holes(floats[lang]) == []
