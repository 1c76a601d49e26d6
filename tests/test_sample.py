"""End to end: the bundled sample publication, built once, read back as a reader would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import REPO, pdffonts, pdftotext, published
from pypdf import PdfReader

from folio.config.publication import load_config
from folio.render.typography import HANGUL

ISSUE = "journal-2022-vol1-no1"


@pytest.fixture(scope="module")
def sample(sample_screen: Path) -> Path:
    return sample_screen


def test_every_document_is_built(sample: Path):
    names = sorted(str(p.relative_to(sample)) for p in published(sample))
    assert names == [
        "bilingual/notice-jinju-designation.pdf",
        f"en/{ISSUE}.pdf", "en/notice-creative-city.pdf", "en/notice-jinju-designation.pdf",
        f"ko/{ISSUE}.pdf", "ko/notice-creative-city.pdf", "ko/notice-jinju-designation.pdf",
    ]


def test_sample_sentences_in_both_languages(sample: Path):
    en = " ".join(pdftotext(sample / f"en/{ISSUE}.pdf").split())
    ko = " ".join(pdftotext(sample / f"ko/{ISSUE}.pdf").split())
    assert "a creative city is defined as “a city that seeks sustainable development" in en
    assert "Jinju City was officially designated as UNESCO Crafts and Folk Art Creative City" \
        in en or "Creative City of Crafts and Folk Art" in en
    assert "Gastronomy" in en and "Gourmet" not in en and "Creative Cith" not in en
    assert "창의도시" in ko and "유네스코" in ko and "진주" in ko
    assert "2019년 10월 30일" in ko
    # The member cities table, in each language.
    assert re.search(r"Busan\s+Film\s+2014", pdftotext(sample / f"en/{ISSUE}.pdf", "-layout"))
    assert re.search(r"부산\s+영화\s+2014", pdftotext(sample / f"ko/{ISSUE}.pdf", "-layout"))


BRACKETS = "「」『』()[]:.,"


def _words_of_html(html: str) -> set[str]:
    """The words WeasyPrint was given: inline tags join text, block tags separate it."""
    text = re.sub(r"<(style|title|head)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r'</?(p|div|li|dt|dd|h\d|td|th|tr|ul|ol|dl|section|header|nav|figure|'
                  r'figcaption|article|br)\b[^>]*>|<span class="footnote"[^>]*>', " ", text)
    text = re.sub(r"<[^>]+>", "", text).replace("\u2060", "")
    return set(text.split())


@pytest.mark.parametrize("document", [f"ko/{ISSUE}", "ko/notice-creative-city",
                                      "bilingual/notice-jinju-designation"])
def test_no_korean_word_is_broken_across_lines(sample: Path, document: str):
    words = _words_of_html((sample / f"{document}.html").read_text(encoding="utf-8"))
    words.update({"그림", "표", "계속"})  # "그림 n.", "표 n.", "(계속)": the stylesheet's
    # The "Cite this article" line at the foot of first pages is printed from an
    # attribute of the running heads' layer: its label, and the titles, names and
    # journal it repeats (in 「」 and 『』, stripped below).
    words.update("이 논문 인용하기".split())
    bare = {piece for w in words for piece in re.split(r"[()「」『』]", w)}
    bare |= {piece.strip(BRACKETS) for piece in bare}
    broken = []
    for line in pdftotext(sample / f"{document}.pdf").splitlines():
        for token in line.split():
            # Leader dots of the contents and footnote calls are generated too.
            token = re.sub(r"\.{3,}.*$", "", token)
            token = re.sub(r"(?<=[.,)])\d+$", "", token)
            # Quotation brackets, parentheses and colons around a word, as the
            # "Cite this article" line and references to figures print them.
            # "했다(그림": the label of a reference comes from the stylesheet.
            pieces = [p for p in re.split(r"[()「」『』]", token) if HANGUL.search(p)]
            if HANGUL.search(token) and token not in words and \
                    any(p.strip(BRACKETS) not in bare for p in pieces):
                broken.append((token, line))
    assert broken == []


def test_fonts_embedded_subset_korean_and_only_the_declared_ones(sample: Path):
    config = load_config(REPO)
    declared = {f.replace(" ", "-") for stack in config.fonts.values() for f in stack.families}
    for pdf in published(sample):
        for font in pdffonts(pdf):
            assert (font["emb"], font["sub"]) == ("yes", "yes"), (pdf, font)
            family = font["name"].split("+", 1)[1]
            assert any(family == d or family.startswith(d + "-") for d in declared), \
                (pdf, family, "a font the publication does not declare")
    names = " ".join(f["name"] for f in pdffonts(sample / f"ko/{ISSUE}.pdf"))
    assert "Noto-Serif-CJK-KR" in names and "Noto-Sans-CJK-KR" in names


def test_contents_numbers_match_article_pages(sample: Path):
    for lang in ("en", "ko"):
        pdf = sample / f"{lang}/{ISSUE}.pdf"
        reader = PdfReader(pdf)
        starts = {}
        for item in _flatten(reader.outline):
            starts[item.title] = reader.get_destination_page_number(item) + 1
        toc = pdftotext(pdf, "-layout", "-f", "3", "-l", "3")
        numbers = [int(n) for n in re.findall(r"\.\s*(\d+)\s*$", toc, re.M)]
        article_pages = sorted(p for t, p in starts.items() if p > 3)
        assert numbers and set(numbers) <= set(article_pages), (lang, numbers, starts)
        assert len(numbers) == 6


def _flatten(items):
    for item in items:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def test_notices_are_single_a4_pages_and_bilingual_has_both(sample: Path):
    for pdf in (sample / "ko").glob("notice-*.pdf"):
        assert len(PdfReader(pdf).pages) == 1
    bilingual = pdftotext(sample / "bilingual/notice-jinju-designation.pdf")
    assert len(PdfReader(sample / "bilingual/notice-jinju-designation.pdf").pages) == 1
    assert "진주" in bilingual and "Jinju" in bilingual
    assert "일시" in bilingual and "Date" in bilingual


def test_metadata_language(sample: Path):
    assert PdfReader(sample / f"ko/{ISSUE}.pdf").trailer["/Root"]["/Lang"] == "ko-KR"
    assert PdfReader(sample / f"en/{ISSUE}.pdf").trailer["/Root"]["/Lang"] == "en-US"
    info = PdfReader(sample / f"en/{ISSUE}.pdf").metadata
    assert "Jinju UNESCO Creative City Biennale International Journal" in info.title
    assert info["/Keywords"]


def test_english_is_hyphenated_as_the_language_of_the_document(sample: Path):
    html = (sample / f"en/{ISSUE}.html").read_text(encoding="utf-8")
    assert '<html lang="en-US">' in html
    words = {w.strip(".,;:“”()") for w in _words_of_html(html)}
    lines = pdftotext(sample / f"en/{ISSUE}.pdf").splitlines()
    # WeasyPrint marks the break with U+2010 HYPHEN, unlike a hyphen typed in a word.
    hyphenated = [(a.split()[-1], b.split()[0]) for a, b in zip(lines, lines[1:], strict=False)
                  if a.strip() and b.strip() and re.search(r"[a-z]\u2010$", a)]
    joined = [first[:-1] + second.strip(".,;:“”()") for first, second in hyphenated]
    assert joined and all(word in words for word in joined), joined


def test_english_passages_in_korean_text_are_marked(sample: Path):
    html = (sample / f"ko/{ISSUE}.html").read_text(encoding="utf-8")
    assert '<html lang="ko-KR">' in html
    assert '<span lang="en-US">UNESCO Creative Cities' in html


def test_footnotes_are_numbered_per_article(sample: Path):
    text = pdftotext(sample / f"ko/{ISSUE}.pdf")
    assert "1. 빌바오의 재생은" in text and "1. 2022년 기준 수치이다." in text
    english = " ".join(pdftotext(sample / f"en/{ISSUE}.pdf").split())
    assert "1. Figures as of 2022." in english
