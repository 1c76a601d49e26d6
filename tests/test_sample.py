"""End to end: the bundled sample publication, built once, read back as a reader would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from folio.build import BuildOptions, build
from folio.typography import HANGUL

from conftest import REPO, pdffonts, pdftotext

ISSUE = "journal-2022-vol1-no1"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    build(BuildOptions(root=REPO, out=out, keep_html=True))
    return out


def test_every_document_is_built(sample: Path):
    names = sorted(str(p.relative_to(sample)) for p in sample.rglob("*.pdf"))
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


def _words_of_html(html: str) -> set[str]:
    text = re.sub(r"<(style|title|head)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text).replace("\u2060", "")
    return set(text.split())


@pytest.mark.parametrize("document", [f"ko/{ISSUE}", "ko/notice-creative-city",
                                      "bilingual/notice-jinju-designation"])
def test_no_korean_word_is_broken_across_lines(sample: Path, document: str):
    words = _words_of_html((sample / f"{document}.html").read_text(encoding="utf-8"))
    broken = []
    for line in pdftotext(sample / f"{document}.pdf").splitlines():
        for token in line.split():
            if HANGUL.search(token) and token not in words:
                broken.append((token, line))
    assert broken == []


def test_fonts_embedded_subset_and_korean(sample: Path):
    for pdf in sample.rglob("*.pdf"):
        for font in pdffonts(pdf):
            assert (font["emb"], font["sub"]) == ("yes", "yes"), (pdf, font)
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
