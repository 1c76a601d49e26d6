"""The scholarly journal: citations and references, numbered tables and figures and
references to them, article metadata, offprints, and openers without waste."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from helpers import REPO, copy_publication, made_once, make_tiny, needs_verapdf, pdftotext
from pypdf import PdfReader

from folio.cli import main
from folio.pipeline.manifest import MANIFEST_FILE
from folio.pipeline.run import BuildOptions, build
from folio.production.xmp import read as read_xmp

ISSUE = "content/journal/2024-no2"
SECTIONS = """\
sections:
  - title: {ko: 여는 글, en: Opening}
    articles: [welcome]
  - title: {ko: 논문, en: Articles}
    articles: [first, second, talk]
  - title: {ko: 소식, en: News}
    articles: [news-a, news-b]
"""
REFERENCES = [
    {"id": "landry2000", "type": "book",
     "title": "The Creative City: A Toolkit for Urban Innovators",
     "author": [{"family": "Landry", "given": "Charles"}], "issued": {"date-parts": [[2000]]},
     "publisher": "Earthscan", "publisher-place": "London"},
    {"id": "kim2019", "type": "book", "title": "창의도시의 이해",
     "author": [{"family": "김", "given": "민지"}, {"family": "이", "given": "준"},
                {"family": "박", "given": "서연"}],
     "issued": {"date-parts": [[2019]]}, "publisher": "진주대학교출판부"},
    {"id": "never2001", "type": "book", "title": "Never Cited",
     "author": [{"family": "Nobody", "given": "A."}], "issued": {"date-parts": [[2001]]}},
]
BIBTEX = """\
@article{lee2020,
  author = {Lee, Jun and Park, Soo},
  title = {Crafts and the City},
  journal = {Journal of Urban Culture},
  volume = {12},
  number = {3},
  pages = {45--67},
  year = {2020}
}
"""
FIRST = {
    "en": """\
---
title: First Article
authors:
  - {name: Kim Minji, affiliation: Jinju University, orcid: 0000-0002-1825-0097}
  - {name: Lee Jun}
doi: 10.5555/test.2024.2.1
received: 2024-03-02
accepted: 2024-04-20
---
Creative cities began as an idea [@landry2000, p. 12; @kim2019], and Kim says so
again [-@kim2019]. Crafts shape them [@lee2020].

@tbl:members lists the cities and @fig:river shows one.

| City | Year |
| --- | --- |
| Jinju | 2019 |
| Gimhae | 2021 |

: Member cities {#tbl:members}

![A river city.](river.svg){#fig:river}
""",
    "ko": """\
---
title: 첫 논문
authors:
  - {name: 김민지, affiliation: 진주대학교, orcid: 0000-0002-1825-0097}
  - {name: 이준}
doi: 10.5555/test.2024.2.1
received: 2024-03-02
accepted: 2024-04-20
---
창의도시는 하나의 생각에서 출발했다[@landry2000, p. 12; @kim2019]. 김민지는 이를
다시 강조한다[-@kim2019]. 공예가 도시를 만든다[@lee2020].

회원 도시는 @tbl:members에, 그 하나는 @fig:river에 있다.

| 도시 | 연도 |
| --- | --- |
| 진주 | 2019 |
| 김해 | 2021 |

: 회원 도시 {#tbl:members}

![강의 도시.](river.svg){#fig:river}
""",
}
SIMPLE = {
    "welcome": ("message", "Welcome", "환영합니다", "Welcome to the issue.",
                "이번 호에 오신 것을 환영합니다."),
    "second": ("article", "Second Article", "둘째 논문", "A short second article.",
               "짧은 둘째 논문."),
    "news-a": ("news", "Jinju Joins", "진주 가입", "Jinju joined.", "진주가 가입했다."),
    "news-b": ("news", "Gimhae Joins", "김해 가입", "Gimhae joined.", "김해가 가입했다."),
}
TALK_DOI = "10.5555/test.2024.2.3/with/slashes-in-a-rather-long-suffix-to-wrap"
TALK = {
    "en": "---\ntype: dialogue\ntitle: What Is a Creative City?\nsubtitle: A Conversation\n"
          "doi: 10.5555/test.2024.2.3/with/slashes-in-a-rather-long-suffix-to-wrap\n"
          "speakers: [{id: kim, name: Kim Minji}, {id: lee, name: Lee Jun}]\n---\n"
          "kim: What makes a city creative?\n\nlee: Its people.\n",
    "ko": "---\ntype: dialogue\ntitle: 창의도시란 무엇인가?\nsubtitle: 대담\n"
          "doi: 10.5555/test.2024.2.3/with/slashes-in-a-rather-long-suffix-to-wrap\n"
          "speakers: [{id: kim, name: 김민지}, {id: lee, name: 이준}]\n---\n"
          "kim: 도시를 창의적으로 만드는 것은 무엇인가요?\n\nlee: 사람들입니다.\n",
}
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 30">'
       '<rect width="40" height="30" fill="#88a"/></svg>')


def make_scholarly(folder: Path) -> Path:
    root = make_tiny(folder)
    issue = root / ISSUE
    yaml = issue / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").split("sections:")[0] + SECTIONS,
                    encoding="utf-8")
    for path in issue.glob("*.md"):
        path.unlink()
    (issue / "river.svg").write_text(SVG, encoding="utf-8")
    (issue / "references.json").write_text(json.dumps(REFERENCES, ensure_ascii=False,
                                                      indent=1), encoding="utf-8")
    (issue / "first.references.bib").write_text(BIBTEX, encoding="utf-8")
    for lang, text in FIRST.items():
        (issue / f"first.{lang}.md").write_text(text, encoding="utf-8")
    for lang, text in TALK.items():
        (issue / f"talk.{lang}.md").write_text(text, encoding="utf-8")
    for slug, (kind, en, ko, body_en, body_ko) in SIMPLE.items():
        extra = "date: 2024-05-01\nplace: Jinju\n" if kind == "news" else ""
        for lang, title, body in (("en", en, body_en), ("ko", ko, body_ko)):
            (issue / f"{slug}.{lang}.md").write_text(
                f"---\ntype: {kind}\ntitle: {title}\n{extra}---\n{body}\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def scholarly(tmp_path_factory) -> Path:
    """Built by articles, with offprints, in both languages. Read-only."""
    def make(folder: Path) -> None:
        build(BuildOptions(root=make_scholarly(folder), jobs=2, only=("journal-2024-no2",),
                           offprints=True))
    return made_once(tmp_path_factory, "scholarly", make) / "pub"


def pdf(root: Path, lang: str) -> Path:
    return root / "output" / lang / "journal-2024-no2.pdf"


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def page_with(path: Path, needle: str) -> int:
    for number, text in enumerate(page_texts(path), 1):
        if needle in " ".join(text.split()):
            return number
    raise AssertionError(f"{needle!r} not in {path.name}")


def links(path: Path, page: int) -> list[str]:
    """Where each link of a page goes: a named destination or a URI."""
    with pikepdf.open(path) as document:
        found = []
        for annotation in document.pages[page - 1].obj.get("/Annots", []):
            action = annotation.get("/A")
            found.append(str(action.URI) if action is not None and "/URI" in action
                         else str(annotation.get("/Dest")))
        return found


# -- citations and references -----------------------------------------------------------

def test_citations_are_set_in_the_style_and_language_of_the_document(scholarly: Path):
    ko = " ".join(pdftotext(pdf(scholarly, "ko")).split())
    en = " ".join(pdftotext(pdf(scholarly, "en")).split())
    # Chicago author-date: locator, several works, author suppressed, and the CSL
    # locale's terms (외 / et al.).
    assert "(Landry 2000, 12; 김민지 외 2019)" in ko
    assert "(Landry 2000, 12; 김민지 et al. 2019)" in en
    assert "다시 강조한다(2019)" in ko and "again (2019)" in en
    assert "(Lee and Park 2020)" in en and "(Lee 및 Park 2020)" in ko     # from BibTeX
    # The references close the article, titled in its language; Korean names are
    # family name first with no comma.
    assert "참고문헌 " in ko and "References " in en
    assert "김민지·이준·박서연. 2019. 『창의도시의 이해』. 진주대학교출판부." in ko
    assert "김, 민지" not in ko
    assert "Landry, Charles. 2000. The Creative City: A Toolkit for Urban Innovators." in en
    assert "Never Cited" not in en                 # an entry no one cites is not listed


def test_korean_works_can_be_listed_first_by_a_publication_option(tmp_path: Path):
    root = make_scholarly(tmp_path)
    config = root / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "references_korean_first: true\n",
                      encoding="utf-8")
    build(BuildOptions(root=root, jobs=1, languages=("ko",), only=("journal-2024-no2",)))
    ko = " ".join(pdftotext(pdf(root, "ko")).split())
    korean = ko.index("김민지·이준·박서연. 2019. 『창의도시의 이해』")
    assert ko.index("참고문헌") < korean < ko.index("Landry, Charles. 2000.")


def test_a_citation_links_to_its_reference(scholarly: Path):
    path = pdf(scholarly, "en")
    page = page_with(path, "Creative cities began as an idea")
    targets = links(path, page)
    assert "first-en-ref-landry2000" in targets and "first-en-ref-lee2020" in targets
    with pikepdf.open(path) as document:
        names = pikepdf.NameTree(document.Root.Names.Dests)
        assert "first-en-ref-landry2000" in names


def failed_build(folder: Path, capsys, old: str, new: str) -> tuple[Path, str]:
    """The scholarly publication with ``old`` replaced by ``new`` in its first English
    article, built: what the build said (it must fail)."""
    root = make_scholarly(folder)
    article = root / ISSUE / "first.en.md"
    article.write_text(article.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert main(["build", "--root", str(root), "--lang", "en", "--jobs", "1"]) == 1
    return root, capsys.readouterr().err


def test_an_unknown_key_is_an_error_with_file_line_and_a_suggestion(tmp_path: Path, capsys):
    root, err = failed_build(tmp_path, capsys, "[@lee2020]", "[@lander2000]")
    assert "first.en.md:11: @lander2000 is not in the bibliography — did you mean " \
           "@landry2000?" in err
    assert "Traceback" not in err
    assert not pdf(root, "en").exists()


@pytest.mark.parametrize("bad, said", [
    ({"author": "Kim Minji"}, "entry 'kim2019': \"author\" is a string ('Kim Minji')"),
    ({"issued": {"date-parts": [["2019a"]]}}, "entry 'kim2019': \"issued\" has date-parts"),
    ({"id": "Landry2000"}, "two entries with the id 'landry2000' (and 'Landry2000': ids "
                           "are compared without case); the other is at references.json:1"),
])
def test_bad_bibliography_input_stops_the_build_naming_file_and_entry(tmp_path: Path, capsys,
                                                                       bad: dict, said: str):
    root = make_scholarly(tmp_path)
    entries = [dict(e, **bad) if e["id"] == "kim2019" else e for e in REFERENCES]
    if "id" in bad:                                 # a second entry, not a changed one
        entries = [dict(REFERENCES[1], **bad)] + REFERENCES
    (root / ISSUE / "references.json").write_text(json.dumps(entries, ensure_ascii=False),
                                                 encoding="utf-8")
    assert main(["build", "--root", str(root), "--lang", "en", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{ISSUE}/references.json:1: " in err and said in err
    assert "internal error" not in err and "Traceback" not in err
    assert not pdf(root, "en").exists()


def test_status_reports_entries_never_cited(scholarly: Path, capsys):
    assert main(["status", "--root", str(scholarly)]) == 0
    out = capsys.readouterr().out
    assert f"{ISSUE}/references.json" in out and "'never2001' is never cited" in out
    assert "landry2000" not in out
    main(["status", "--root", str(scholarly), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert [u["key"] for u in report["uncited_references"]] == ["never2001"]


# -- numbered tables and figures ----------------------------------------------------------

def test_tables_are_numbered_above_and_references_say_table_and_figure(scholarly: Path):
    for lang, table, figure, caption in (("en", "Table 1", "Figure 1", "Table 1. Member cities"),
                                        ("ko", "표 1", "그림 1", "표 1. 회원 도시")):
        path = pdf(scholarly, lang)
        text = " ".join(pdftotext(path).split())
        assert caption in text
        assert (f"{table} lists the cities and {figure} shows" if lang == "en"
                else f"회원 도시는 {table}에, 그 하나는 {figure}에") in text
        # The caption sits above the table's first row.
        page = page_with(path, caption.split(". ")[0] + ".")
        bbox = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page),
                               str(path), "-"], capture_output=True, text=True).stdout
        ys = {w: float(y) for y, w in re.findall(r'yMin="([\d.]+)"[^>]*>([^<]+)<', bbox)}
        row = "Jinju" if lang == "en" else "진주"
        assert ys[caption.split()[0]] < ys[row]
        assert f"first-{lang}-tbl-members" in links(path, page)
        assert f"first-{lang}-fig-river" in links(path, page)


def test_a_reference_to_a_missing_label_is_an_error(tmp_path: Path, capsys):
    _, err = failed_build(tmp_path, capsys, "@fig:river shows", "@fig:rivers shows")
    assert "first.en.md:13: @fig:rivers refers to no figure of this text" in err
    assert "@fig:river" in err and "@tbl:members" in err


# -- article metadata ---------------------------------------------------------------------

def test_the_opener_shows_orcid_dates_and_doi_and_the_first_page_cites_itself(scholarly):
    ko = pdf(scholarly, "ko")
    page = page_with(ko, "창의도시는 하나의 생각에서")
    text = " ".join(page_texts(ko)[page - 1].split())
    assert "김민지 진주대학교 https://orcid.org/0000-0002-1825-0097 이준" in text
    assert "투고 2024년 3월 2일 · 게재 확정 2024년 4월 20일" in text
    assert "https://orcid.org/0000-0002-1825-0097" in links(ko, page)
    assert "https://doi.org/10.5555/test.2024.2.1" in links(ko, page)
    # "Cite this article" at the foot of the first page, with its pages.
    first = page
    last = page_with(ko, "『창의도시의 이해』. 진주대학교출판부")     # its last reference
    pages = str(first) if last == first else f"{first}–{last}"
    cite = (f"이 논문 인용하기: 김민지 및 이준. 2024. 「첫 논문」. 『시험 저널』 3(2): {pages}. "
            "https://doi.org/10.5555/test.2024.2.1")
    assert cite in text
    assert "이 논문 인용하기" not in " ".join(page_texts(ko)[first])   # the next page: none
    en = " ".join(pdftotext(pdf(scholarly, "en")).split())
    assert "Cite this article: Kim Minji and Lee Jun. 2024. “First Article.” Test Journal " \
           "3 (2): " in en
    # A message and a news item are not cited so; a dialogue cites its speakers.
    assert en.count("Cite this article") == 2
    assert "Cite this piece: Kim Minji and Lee Jun. 2024. “What Is a Creative City? A " \
           "Conversation.” Test Journal 3 (2): " in en
    ko_text = " ".join(pdftotext(ko).split())
    assert "이 글 인용하기: 김민지 및 이준. 2024. 「창의도시란 무엇인가? 대담」. " \
           "『시험 저널』 3(2): " in ko_text


def cite_lines(path: Path, page: int) -> tuple[list[tuple[float, float, str, str]], float]:
    """The lines below a page's text area, as pdftohtml sees them: (top, left, text,
    fonts), and the left edge of the text area."""
    import xml.etree.ElementTree as ElementTree
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", "-fontfullname",
                          "-f", str(page),
                          "-l", str(page), str(path)], capture_output=True, check=True).stdout
    root = ElementTree.fromstring(xml)
    fonts = {f.get("id"): f.get("family", "") for f in root.iter("fontspec")}
    page_element = root.find("page")
    assert page_element is not None
    height = float(page_element.get("height", 0))
    texts = [(float(t.get("top", 0)), float(t.get("left", 0)), "".join(t.itertext()),
              fonts.get(t.get("font"), "")) for t in page_element.iter("text")]
    body_left = min(left for top, left, _, _ in texts if top < height * 0.8)
    foot = [t for t in texts if t[0] > height * 0.85]
    lines: dict[float, list] = {}
    for top, left, text, font in sorted(foot, key=lambda t: (t[0], t[1])):
        key = next((k for k in lines if abs(k - top) < 2), top)
        lines.setdefault(key, []).append((left, text, font))
    return [(top, min(p[0] for p in parts), "".join(p[1] for p in parts),
             " ".join(p[2] for p in parts)) for top, parts in sorted(lines.items())], body_left


def test_the_cite_line_is_above_the_folio_flush_with_the_text_and_breaks_well(scholarly):
    path = pdf(scholarly, "en")
    for needle in ("Creative cities began as an idea", "What makes a city creative"):
        page = page_with(path, needle)
        lines, body_left = cite_lines(path, page)
        start = next(i for i, line in enumerate(lines) if "Cite this" in line[2])
        cite = [line for line in lines[start:] if not line[2].strip().isdigit()]
        folio = [line for line in lines if line[2].strip() == str(page)]
        assert cite and folio, lines
        assert abs(cite[0][1] - body_left) < 1.5            # flush with the text area
        assert cite[-1][0] < folio[0][0]                     # above the folio
        text = [line[2] for line in cite]
        assert any(re.search(r"3 \(2\): \d+(–\d+)?\.", t) for t in text), text
        for before in text[:-1]:                             # a URL breaks after a slash
            if "https://" in before.split()[-1] or before.rstrip().endswith("/"):
                assert before.rstrip().endswith("/"), text
        journal = [font for _, _, t, font in cite if "Test Journal" in t]
        assert journal and "Italic" in journal[0], cite


def test_whole_and_by_articles_give_the_same_cite_lines(scholarly: Path, tmp_path: Path):
    root = copy_publication(scholarly, tmp_path)
    build(BuildOptions(root=root, out=tmp_path / "whole", jobs=1, languages=("ko",),
                       only=("journal-2024-no2",), whole=True))
    parts = page_texts(pdf(scholarly, "ko"))
    whole = page_texts(tmp_path / "whole/ko/journal-2024-no2.pdf")
    assert parts == whole


def test_the_xmp_metadata_names_journal_issue_and_dois(scholarly: Path):
    xmp = read_xmp(pdf(scholarly, "en").read_bytes())
    assert xmp["prism:publicationName"] == ["Test Journal"]
    assert xmp["prism:volume"] == ["3"] and xmp["prism:number"] == ["2"]
    assert xmp["prism:issn"] == ["0000-0000"]
    assert xmp["dc:relation"] == ["https://doi.org/10.5555/test.2024.2.1",
                                  "https://doi.org/" + TALK_DOI]


def test_a_wrong_orcid_check_digit_is_an_error(tmp_path: Path, capsys):
    _, err = failed_build(tmp_path, capsys, "0000-0002-1825-0097", "0000-0002-1825-0098")
    assert "first.en.md:4" in err and "'0000-0002-1825-0098' has a wrong check digit" in err


# -- offprints ------------------------------------------------------------------------------

def test_offprints_are_the_articles_pages_as_in_the_issue(scholarly: Path):
    issue = pdf(scholarly, "ko")
    folder = issue.parent / "offprints"
    assert sorted(p.name for p in folder.glob("*.pdf")) == [
        "2024-no2-first.pdf", "2024-no2-second.pdf",
        "2024-no2-talk.pdf"]                                 # articles, not news or messages
    offprint = folder / "2024-no2-first.pdf"
    first = page_with(issue, "창의도시는 하나의 생각에서")
    with pikepdf.open(offprint) as document:
        count = len(document.pages)
        labels = document.Root.PageLabels.Nums
        assert int(labels[1].St) == first
        assert str(document.docinfo.Title) == "첫 논문"
        outline = [item.title for item in document.open_outline().root]
    # The same pages: text and images.
    issue_pages = page_texts(issue)[first - 1:first - 1 + count]
    assert page_texts(offprint) == issue_pages
    assert "이 논문 인용하기" in page_texts(offprint)[0]
    with pikepdf.open(folder / "2024-no2-talk.pdf") as talk:      # a dialogue: its speakers
        assert "김민지" in str(talk.docinfo.Author) and "이준" in str(talk.docinfo.Author)
    assert outline == ["논문"]
    # Links stay within it or go to the web.
    for page in range(1, count + 1):
        for target in links(offprint, page):
            assert target.startswith(("https://", "first-ko-"))
    xmp = read_xmp(offprint.read_bytes())
    assert xmp["prism:doi"] == ["10.5555/test.2024.2.1"]
    assert xmp["prism:startingPage"] == [str(first)]
    assert xmp["dc:identifier"] == ["doi:10.5555/test.2024.2.1"]
    assert xmp["dc:title"] == ["첫 논문"]


@needs_verapdf
def test_offprints_of_an_archive_build_pass_pdfa(scholarly: Path, tmp_path: Path):
    from helpers import run_verapdf, with_profiles
    root = with_profiles(copy_publication(scholarly, tmp_path))
    build(BuildOptions(root=root, jobs=1, languages=("en",), only=("journal-2024-no2",),
                       profile="archive", offprints=True))
    folder = root / "output/archive/en"
    run_verapdf("3b", [folder / "journal-2024-no2.pdf", folder / "offprints/2024-no2-first.pdf"])


def test_offprints_are_refused_with_a_tagged_profile(scholarly: Path, tmp_path: Path, capsys):
    from helpers import with_profiles
    root = with_profiles(copy_publication(scholarly, tmp_path))
    assert main(["build", "--root", str(root), "--profile", "accessible", "--offprints"]) == 1
    assert "lose its structure tree" in capsys.readouterr().err


# -- openers -------------------------------------------------------------------------------

def test_news_and_messages_run_on_and_labels_are_not_printed_twice(scholarly: Path):
    path = pdf(scholarly, "ko")
    texts = page_texts(path)
    message = page_with(path, "이번 호에 오신 것을")
    article = page_with(path, "창의도시는 하나의 생각에서")
    # The message's section opens on any page: right after the contents (page 3).
    assert message == 4
    assert article % 2 == 1                    # research opens on a right-hand page
    news = page_with(path, "진주가 가입했다")
    assert page_with(path, "김해가 가입했다") == news
    # "소식" once: the section title, not again as the news kicker.
    assert texts[news - 1].split().count("소식") == 1


def test_a_section_can_open_on_any_page(tmp_path: Path):
    root = make_scholarly(tmp_path)
    yaml = root / ISSUE / "issue.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace(
        "articles: [first, second]", "articles: [first, second]\n    opens: any"),
        encoding="utf-8")
    build(BuildOptions(root=root, jobs=1, languages=("en",), only=("journal-2024-no2",)))
    path = pdf(root, "en")
    first = page_with(path, "Creative cities began as an idea")
    second = page_with(path, "A short second article")
    assert first == 5                           # after the message on page 4
    assert second <= first + 2                  # runs on: no blank page to a right-hand one
    # Built again, nothing is laid out again: not even the article that fell on a
    # left-hand page (once laid out on a right-hand one first, then moved, at
    # every build).
    import folio.pipeline.parts as parts
    laid_out: list = []
    original = parts.make_part
    try:
        parts.make_part = lambda job: laid_out.append(job.name) or original(job)
        # The issue made again (the manifest gone), its pieces looked up (--force
        # would believe none).
        (root / "output" / MANIFEST_FILE).unlink()
        build(BuildOptions(root=root, jobs=1, languages=("en",), only=("journal-2024-no2",)))
    finally:
        parts.make_part = original
    assert laid_out == []


def test_the_sample_cover_says_international_journal_once_and_wastes_few_pages(tmp_path):
    build(BuildOptions(root=REPO, out=tmp_path, jobs=2, languages=("ko",),
                       only=("journal-2022-vol1-no1",)))
    texts = page_texts(tmp_path / "ko/journal-2022-vol1-no1.pdf")
    assert texts[0].count("국제저널") == 1
    blank = [n for n, text in enumerate(texts, 1) if not text.strip()]
    assert len(blank) <= 2, blank                # 5 of 16 before sections could run on
    assert len(texts) <= 13
