"""Korean words never break across lines (CSS word-break: keep-all, done by us)."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import pdftotext
from weasyprint import HTML

from folio.render.typography import KEPT_SPACE, WORD_JOINER, keep_korean_words

SENTENCE = ("요약하면 창조도시는 창의적인 사람들이 머리를 맞대고 창의적인 아이디어를 내어 "
            "지역의 문제를 스스로 해결하려고 노력하는 도시이다. ")


def test_hangul_words_are_joined_latin_left_alone():
    html = keep_korean_words("<body><p>창의도시 UNESCO network 해결&amp;하려고,</p></body>")
    j = WORD_JOINER
    # The last word, of several syllables, may stand alone on the last line (KLREQ).
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


def _kept(html: str) -> str:
    """keep_korean_words' result, a space no line may break at shown as "~"."""
    return keep_korean_words(html).replace(KEPT_SPACE, "~").replace(WORD_JOINER, "")


def test_the_last_two_words_of_a_paragraph_share_a_line():
    assert _kept("<p>이 지면이 토론되기를 바란 것.</p>") == \
        "<p>이 지면이 토론되기를 바란~것.</p>"
    # A Korean last word of two syllables or more may stand alone (KLREQ): keeping
    # it with the word before would stretch the line above.
    assert _kept("<p>이 지면이 토론되기를\n바랍니다.</p>") == \
        "<p>이 지면이 토론되기를\n바랍니다.</p>"
    assert _kept("<ul><li>one two three</li></ul>") == "<ul><li>one two~three</li></ul>"
    assert _kept("<figcaption>그림 설명 두 장</figcaption>") == \
        "<figcaption>그림 설명 두~장</figcaption>"
    # Across inline tags; the white space a tag splits becomes one kept space.
    assert _kept("<p>대화를 <em> 시작</em>.</p>") == "<p>대화를 <em> 시작</em>.</p>"
    assert _kept("<p>a dialogue <em> begins</em>.</p>") == "<p>a dialogue~<em>begins</em>.</p>"
    assert _kept('<p><a href="x y">link text</a> end</p>') == \
        '<p><a href="x y">link text</a>~end</p>'
    # One word: nothing to keep together.
    assert _kept("<p>인사말</p>") == "<p>인사말</p>"


def test_a_footnote_is_a_paragraph_of_its_own():
    """Its text is laid out at the foot of the page: the paragraph's last words are
    those around it, and the note keeps its own last two together."""
    html = _kept('<p>해결하고자 한 것.<span class="footnote" data-note="a b">빌바오의 재생은 '
                 "<em>자주</em> 언급된 것.</span></p>")
    assert html == ('<p>해결하고자 한~것.<span class="footnote" data-note="a b">빌바오의 재생은 '
                    "<em>자주</em> 언급된~것.</span></p>")
    html = _kept('<p>하고자 한 것.<span class="footnote">주석 본문 끝.</span> 이어서 쓴 것.\n</p>')
    assert html == '<p>하고자 한 것.<span class="footnote">주석 본문~끝.</span> 이어서 쓴~것.\n</p>'


def test_blocks_inside_a_paragraph_end_its_text():
    assert _kept("<ul><li>item text here<ul><li>inner one two</li></ul></li></ul>") == \
        "<ul><li>item text~here<ul><li>inner one~two</li></ul></li></ul>"
    assert _kept("<p>a b c<br>d e f</p>") == "<p>a b~c<br>d e~f</p>"
    assert _kept("<p>a b c<br/>d e f</p>") == "<p>a b~c<br/>d e~f</p>"
    # Headings, table cells, the head: not paragraphs.
    source = ("<html><head><title>a b</title><style>p { a: b }</style></head><body>"
              "<h2>Two words</h2><table><tr><td>a b</td></tr></table></body></html>")
    assert _kept(source) == source


def test_last_words_too_wide_for_a_narrow_line_are_left_apart():
    """Kept together, two long words could run off a narrow column."""
    for source in ("<p>see https://example.org/a/very/long/address/of/a/page</p>",
                   "<p>진주는 유네스코창의도시네트워크의 공예와민속예술분야회원도시</p>",
                   "<p>the interdisciplinary internationalization.</p>"):
        assert KEPT_SPACE not in keep_korean_words(source), source


def test_a_kept_space_reads_as_a_space(tmp_path: Path):
    """In the PDF's text, for any reader (pdftotext, pypdf: what copying and
    searching see), the kept space is a space: no U+00A0, no joiner."""
    from pypdf import PdfReader
    pdf = tmp_path / "kept.pdf"
    HTML(string=keep_korean_words(_page("<p>공예와 도시</p><p>living heritage</p>"))).write_pdf(pdf)
    text = PdfReader(pdf).pages[0].extract_text()
    assert "공예와 도시" in text and "living heritage" in text, repr(text)
    assert "공예와 도시" in pdftotext(pdf)


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
