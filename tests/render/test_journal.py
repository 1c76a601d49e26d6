"""The journal template: openers per article type, footnotes, figures, tables."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from helpers import made_once, make_tiny, pdftotext
from pypdf import PdfReader

from folio.pipeline.run import BuildOptions, build

SECTIONS = """\
sections:
  - title: {ko: 여는 글, en: Opening}
    articles: [welcome]
  - title: {ko: 논문, en: Articles}
    articles: [first, second]
  - title: {ko: 대담, en: Dialogue}
    articles: [talk]
  - title: {ko: 소식, en: News}
    articles: [news-a, news-b]
  - title: {ko: 기획, en: Feature}
    articles: [heritage]
"""

EXTRA = {
    "welcome": ("---\ntype: message\ntitle: Welcome\nsignature: {name: Hong Gildong, "
                "role: Editor-in-Chief}\n---\nWelcome to this issue.\n"),
    "first": ("---\ntitle: First Article\nauthors: [{name: Kim, affiliation: Jinju University}]"
              "\nabstract: An abstract about crafts.\nkeywords: [crafts, cities]\n---\n"
              "Bilbao was a steel city.[^steel]\n\n![A river *city*](river.svg)\n\n"
              "| City | Year |\n| --- | --- |\n| Jinju | 2019 |\n\n"
              "[^steel]: Steel industry footnote text.\n"),
    "talk": ("---\ntype: dialogue\ntitle: Four Scholars\nspeakers:\n"
             "  - {id: kim, name: Kim Minjun, affiliation: Jinju University}\n"
             "  - {id: lee, name: Lee Seoyeon, affiliation: Busan University}\n---\n"
             "kim: Crafts are living heritage.\n\nlee: And cities keep them alive.\n"),
    "news-a": ("---\ntype: news\ntitle: Jinju Joins the Network\ndate: 2019-10-30\n"
               "place: Paris\n---\nJinju was designated.\n"),
    "news-b": ("---\ntype: news\ntitle: Gimhae Joins Too\ndate: 2021-11-08\nplace: Gimhae\n"
               "---\nGimhae was designated.\n"),
    "heritage": ("---\ntype: feature\ntitle: Silk of Jinju\nabstract: A feature standfirst."
                 "\n---\nSilk has been woven here for centuries.\n"),
}

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 30">'
       '<rect width="40" height="30" fill="#88a"/></svg>')


@pytest.fixture(scope="module")
def typed(tmp_path_factory) -> Path:
    """The tiny publication with an article of each type, its English issue built
    once. Read-only: a test that builds more takes a copy."""
    def make(folder: Path) -> None:
        root = make_tiny(folder)
        issue_folder = root / "content/journal/2024-no2"
        issue = issue_folder / "issue.yaml"
        issue.write_text(issue.read_text().split("sections:")[0] + SECTIONS, encoding="utf-8")
        (issue_folder / "river.svg").write_text(SVG, encoding="utf-8")
        for slug, text in EXTRA.items():
            for lang in ("en", "ko"):
                (issue_folder / f"{slug}.{lang}.md").write_text(text, encoding="utf-8")
        build(BuildOptions(root=root, jobs=1, languages=("en",), only=("journal-2024-no2",)))
    return made_once(tmp_path_factory, "journal-types", make) / "pub"


@pytest.fixture
def journal(typed: Path) -> Path:
    return typed / "output/en/journal-2024-no2.pdf"


def page_of(pdf: Path, needle: str) -> int:
    for index, page in enumerate(PdfReader(pdf).pages):
        if needle in page.extract_text():
            return index + 1
    raise AssertionError(f"{needle!r} not found")


def test_each_type_has_its_opener(journal: Path):
    text = pdftotext(journal)
    for label in ("MESSAGE", "ARTICLE", "DIALOGUE", "NEWS", "FEATURE"):
        assert label in text.upper()
    assert "Hong Gildong" in text and "Editor-in-Chief" in text          # signature
    assert "Participants" in text and "Lee Seoyeon" in text               # dialogue
    assert re.search(r"Kim Minjun\s+Crafts are living heritage", text)    # a turn
    assert "Paris · October 30, 2019" in text                             # news dateline
    assert "ABSTRACT" in text and "Keywords" in text and "crafts · cities" in text


def test_articles_open_on_right_pages_news_follow_each_other(journal: Path):
    pages = {t: page_of(journal, t) for t in ("Bilbao was a steel", "Cities share their",
                                             "Crafts are living heritage",
                                             "Silk has been woven")}
    assert all(number % 2 == 1 for number in pages.values()), pages
    # A section of messages opens on any page: the one after the contents.
    assert page_of(journal, "Welcome to this issue.") == page_of(journal, "Contents") + 1
    assert page_of(journal, "Gimhae Joins Too") == page_of(journal, "Jinju Joins the Network")


def test_footnote_sits_at_the_foot_of_its_page(journal: Path):
    number = page_of(journal, "Bilbao was a steel city.")
    assert page_of(journal, "Steel industry footnote text.") == number
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", str(number), "-l", str(number),
                           str(journal), "-"], capture_output=True, text=True).stdout
    ys = {word: float(ymin) for ymin, word in
          re.findall(r'yMin="([\d.]+)"[^>]*>([^<]+)<', bbox)}
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', bbox)[1])
    assert ys["footnote"] > ys["Bilbao"]
    assert ys["footnote"] > height * 0.75, "the note is at the foot of the page"


def test_figure_caption_and_table(journal: Path):
    text = pdftotext(journal)
    assert "Figure 1. A river city" in text
    assert re.search(r"City\s+Year\s+Jinju\s+2019", text)
    page = PdfReader(journal).pages[page_of(journal, "Figure 1.") - 1]
    assert page.get("/Resources") is not None


def test_korean_labels_in_the_korean_issue(typed: Path, tmp_path: Path):
    build(BuildOptions(root=typed, out=tmp_path, jobs=1, languages=("ko",),
                       only=("journal-2024-no2",)))
    text = pdftotext(tmp_path / "ko/journal-2024-no2.pdf")
    for label in ("인사말", "논문", "대담", "소식", "기획", "참석자", "초록", "주제어", "그림 1.",
                  "편집위원회", "판권", "발행일", "2019년 10월 30일"):
        assert label in text, label
