"""Korean words never break across lines (CSS word-break: keep-all, done by us)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import pdftotext
from weasyprint import HTML

from folio.render.typography import WORD_JOINER, keep_korean_words

SENTENCE = ("요약하면 창조도시는 창의적인 사람들이 머리를 맞대고 창의적인 아이디어를 내어 "
            "지역의 문제를 스스로 해결하려고 노력하는 도시이다. ")


def test_hangul_words_are_joined_latin_left_alone():
    html = keep_korean_words("<body><p>창의도시 UNESCO network 해결&amp;하려고,</p></body>")
    j = WORD_JOINER
    assert html == (f"<body><p>창{j}의{j}도{j}시 UNESCO network "
                    f"해{j}결{j}&amp;{j}하{j}려{j}고{j},</p></body>")


def test_headings_use_spans_so_bookmarks_stay_clean():
    html = keep_korean_words("<body><h1>창의도시 UNESCO</h1><p>진주</p></body>")
    assert html == (f'<body><h1><span class="kw">창의도시</span> UNESCO</h1>'
                    f"<p>진{WORD_JOINER}주</p></body>")


def test_word_across_an_inline_tag_is_glued():
    html = keep_korean_words("<body><p>창조<strong>도시는</strong> 크다</p></body>")
    assert f"<strong>{WORD_JOINER}도" in html
    html = keep_korean_words("<body><p>창조 <strong>도시는</strong></p></body>")
    assert f"<strong>{WORD_JOINER}" not in html


def test_head_title_and_styles_are_untouched():
    source = "<html><head><title>창조 도시</title><style>p{}</style></head><body></body></html>"
    assert keep_korean_words(source) == source


def _lines_break_inside_words(html: str, tmp_path: Path) -> list[str]:
    pdf = tmp_path / "narrow.pdf"
    HTML(string=html).write_pdf(pdf)
    lines = [line.strip() for line in pdftotext(pdf).splitlines() if line.strip()]
    words = set(SENTENCE.split())
    return [line for line in lines for token in line.split() if token not in words]


def _page(body: str) -> str:
    return ('<html lang="ko"><style>body{font-family:"Noto Serif CJK KR";font-size:11pt}'
            ".kw{white-space:nowrap} p{width:52mm}</style><body>" + body + "</body></html>")


def test_weasyprint_alone_breaks_korean_words(tmp_path: Path):
    """The control: without our transform, WeasyPrint splits words between syllables."""
    broken = _lines_break_inside_words(_page(f"<p>{SENTENCE * 6}</p>"), tmp_path)
    assert broken, "WeasyPrint now keeps Korean words whole; the workaround may be dropped"


def test_with_keep_korean_words_every_line_holds_whole_words(tmp_path: Path):
    html = keep_korean_words(_page(f"<p>{SENTENCE * 6}</p>"))
    assert _lines_break_inside_words(html, tmp_path) == []


def test_word_split_by_bold_stays_on_one_line(tmp_path: Path):
    # Each prefix length moves the word boundary to a different place on the line.
    paragraphs = "".join(f"<p>{'가' * n} 창조<strong>도시는</strong> 끝</p>" for n in range(1, 14))
    pdf = tmp_path / "bold.pdf"
    HTML(string=keep_korean_words(_page(paragraphs))).write_pdf(pdf)
    text = pdftotext(pdf)
    assert not re.search(r"창조\n", text)
    assert text.count("창조도시는") == 13
