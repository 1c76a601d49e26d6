"""Citations and reference lists, against the reference processor (Pandoc's citeproc
run on its own) and against entries written out by hand; and every kind of bad
bibliography input as one error naming the file, the entry and what to do."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from folio.config.reading import Reader
from folio.content import citations
from folio.errors import BuildError, ProblemCollector

REPO = Path(__file__).resolve().parents[2]
STYLE = REPO / "templates/csl/chicago-author-date.csl"
CORPUS = Path(__file__).parent / "citation_corpus"


def rendered(folder: Path, text: str, locale: str = "en-US",
             style: bytes | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """``text``'s citations and reference list as folio sets them, in plain text."""
    reader = Reader(folder)
    problems = ProblemCollector()
    entries = citations.read_entries(citations.bibliography_files(folder / "article.md"),
                                     reader, None, problems)
    problems.raise_if_any()
    cites = [cite for _, _, cite in citations.find(text)]
    html, references = citations.Processor(style or STYLE.read_bytes(), locale, entries,
                                           "a-", cites, STYLE).render()
    return [plain(h) for h in html], [(ident, plain(h)) for ident, h in references]


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&amp;", "&")


def pandoc_alone(folder: Path, text: str, locale: str = "en-US") -> list[str]:
    """The reference list Pandoc's citeproc gives for the same files on its own."""
    out = subprocess.run(
        [citations.pandoc_path(), "--citeproc", "--bibliography",
         str(folder / "references.json"), "--csl", str(STYLE), "-M", f"lang={locale}",
         "-f", "markdown", "-t", "html", "--wrap=none"],
        input=text.encode(), capture_output=True, check=True).stdout.decode()
    return [" ".join(plain(m).split()) for m in
            re.findall(r'<div id="ref-[^"]*" class="csl-entry"[^>]*>(.*?)</div>', out, re.S)]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    shutil.copy(CORPUS / "references.json", tmp_path / "references.json")
    return tmp_path


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
def test_the_reference_list_is_the_reference_processors(corpus: Path, locale: str):
    text = (CORPUS / "article.md").read_text(encoding="utf-8")
    _, references = rendered(corpus, text, locale)
    assert [" ".join(entry.split()) for _, entry in references] == \
        pandoc_alone(corpus, text, locale)
    assert len(references) == 13


def test_the_bundled_style_as_chicago_writes_it(corpus: Path):
    text = (CORPUS / "article.md").read_text(encoding="utf-8")
    cited, references = rendered(corpus, text)
    listed = dict(references)
    # The cited page is not the work's pages; names are not cut to initials.
    assert listed["a-ref-evans2009"] == ("Evans, Graeme. 2009. “Creative Cities, Creative "
                                         "Spaces and Urban Policy.” Urban Studies 46 (5-6): "
                                         "1003–40.")
    assert listed["a-ref-lee2020"] == ("Lee, Jun, and Soo Park. 2020. “Crafts and the City.” "
                                       "Journal of Urban Culture 12 (3): 45–67.")
    assert listed["a-ref-landry2000"].startswith("Landry, Charles. 2000. The Creative City")
    # Two works of one author and year are told apart, in the list and the text.
    assert listed["a-ref-kim2019b"] == "김민지. 2019a. “공예도시의 조건.” 도시연구 8 (2): 11–30."
    assert listed["a-ref-kim2019a"] == "김민지. 2019b. 창의도시의 이해. 진주대학교출판부."
    assert cited[3] == "(김민지 2019b; 2019a, 14)"
    assert cited[4] == "(2019a)"
    # The author's order within a group; en-US punctuation inside the quotes.
    assert cited[5] == "(Lee and Park 2020; Sassen 2016)"
    assert cited[0] == "(Landry 2000, 12; Florida 2002)"
    assert cited[2] == "(Sassen 2016, 45–47)"
    assert "Policy Questions.” Journal of Urban Affairs" in listed["a-ref-scott2006"]
    # An address in brackets is not a citation.
    assert len(cited) == 7 and not any("unesco.org" in c for c in cited[:6])
    assert [ident for ident, _ in references][:2] == ["a-ref-evans2009", "a-ref-florida2002"]


def test_korean_names_stay_whole_in_citations(corpus: Path):
    cited, _ = rendered(corpus, "[@kim2019a]", "ko-KR")
    assert cited == ["(김민지 2019)"]


# -- bad input ------------------------------------------------------------------------------

def error_of(folder: Path, text: str = "[@a2000]", style: bytes | None = None) -> str:
    with pytest.raises(BuildError) as caught:
        rendered(folder, text, style=style)
    message = str(caught.value)
    assert "internal error" not in message and "Traceback" not in message
    return message


def write(folder: Path, items: list[dict]) -> None:
    (folder / "references.json").write_text(json.dumps(items, indent=1), encoding="utf-8")


BOOK = {"id": "a2000", "type": "book", "title": "T", "author": [{"family": "A", "given": "B"}],
        "issued": {"date-parts": [[2000]]}}


@pytest.mark.parametrize("second", ["a2000", "A2000"])
def test_duplicate_ids_name_both_entries(tmp_path: Path, second: str):
    write(tmp_path, [BOOK, dict(BOOK, id=second, title="U")])
    message = error_of(tmp_path)
    assert f"references.json:21: the bibliography has two entries with the id '{second}'" \
        in message
    assert "the other is at references.json:3" in message
    assert "give each work its own id" in message


def test_an_articles_own_entry_still_wins_over_its_issues(tmp_path: Path):
    write(tmp_path, [BOOK])
    (tmp_path / "article.references.json").write_text(json.dumps([dict(BOOK, title="Mine")]))
    _, references = rendered(tmp_path, "[@a2000]")
    assert "Mine" in references[0][1]


def test_a_string_author_is_an_error_naming_the_entry(tmp_path: Path):
    write(tmp_path, [dict(BOOK, author="Kim Minji")])
    message = error_of(tmp_path)
    assert "references.json:3: entry 'a2000': \"author\" is a string ('Kim Minji')" in message
    assert '"author": [{"family": "Kim", "given": "Minji"}]' in message


def test_a_year_with_a_letter_is_an_error_naming_the_entry(tmp_path: Path):
    write(tmp_path, [dict(BOOK, issued={"date-parts": [["2019a"]]})])
    message = error_of(tmp_path)
    assert "references.json:3: entry 'a2000': \"issued\" has date-parts [[\"2019a\"]]" \
        in message
    assert "the style adds 2019a/2019b itself" in message


def test_a_style_that_is_not_xml_is_an_error_with_its_line(tmp_path: Path):
    write(tmp_path, [BOOK])
    broken = STYLE.read_bytes().replace(b"</citation>", b"</citaton>", 1)
    message = error_of(tmp_path, style=broken)
    line = broken[:broken.index(b"</citaton>")].count(b"\n") + 1
    assert f"chicago-author-date.csl:{line}: the citation style is not well-formed XML" \
        in message


def test_macros_that_call_each_other_are_an_error(tmp_path: Path):
    write(tmp_path, [BOOK])
    style = (b'<?xml version="1.0"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" '
             b'class="in-text" version="1.0">\n<info><title>T</title><id>t</id>'
             b'<updated>2020-01-01T00:00:00+00:00</updated></info>\n'
             b'<macro name="one"><text macro="two"/></macro>\n'
             b'<macro name="two"><group><text macro="one"/></group></macro>\n'
             b'<citation><layout><text macro="one"/></layout></citation>\n</style>\n')
    message = error_of(tmp_path, style=style)
    assert "the style's macros call each other without end: one → two → one" in message
    assert ".csl:5:" in message


def test_an_address_in_brackets_is_not_a_citation():
    assert citations.find("write to [info@unesco.org] or [see @kim2019]")[0][2].text == \
        "[see @kim2019]"
    assert len(citations.find("[info@unesco.org]")) == 0


def test_an_unclosed_bibtex_entry_is_named_with_its_line(tmp_path: Path):
    (tmp_path / "references.bib").write_text(
        "@book{a2000,\n  title = {T},\n  year = {2000}\n}\n\n@article{lee2020,\n"
        "  title = {C},\n  year = {2020},\n\n@book{c2001,\n  title = {U},\n  year = {2001}\n}\n")
    message = error_of(tmp_path)
    assert "references.bib:6: the BibTeX entry 'lee2020' is not closed before line 10" \
        in message


def test_a_bibtex_year_that_is_not_a_number_is_named_with_its_line(tmp_path: Path):
    (tmp_path / "references.bib").write_text(
        "@book{a2000,\n  title = {T},\n  year = {n.d.}\n}\n")
    message = error_of(tmp_path)
    assert "references.bib:3: entry 'a2000': year = {n.d.} is not a year" in message
    assert "leave the year out" in message


# -- Korean works -----------------------------------------------------------------------------

KOREAN_STYLE = REPO / "templates/csl/chicago-author-date-ko.csl"
KOREAN = [
    {"id": "kim2019a", "type": "book", "title": "창의도시의 이해",
     "author": [{"family": "김", "given": "민지"}], "issued": {"date-parts": [[2019]]},
     "publisher": "진주대학교출판부", "publisher-place": "진주"},
    {"id": "kim2019b", "type": "article-journal", "title": "공예도시의 조건",
     "author": [{"family": "김", "given": "민지"}, {"family": "이", "given": "준"}],
     "issued": {"date-parts": [[2019]]}, "container-title": "도시연구", "volume": "8",
     "issue": "2", "page": "11-30"},
    {"id": "lee2021", "type": "chapter", "title": "공예와 도시재생",
     "author": [{"family": "이", "given": "준"}], "issued": {"date-parts": [[2021]]},
     "container-title": "창의도시의 미래", "editor": [{"family": "박", "given": "서연"},
                                                {"family": "최", "given": "은영"}],
     "page": "45-67", "publisher": "한울", "publisher-place": "서울"},
    {"id": "landry2005", "type": "book", "title": "창조도시",
     "author": [{"literal": "찰스 랜드리"}], "translator": [{"family": "남", "given": "기범"}],
     "issued": {"date-parts": [[2005]]}, "publisher": "해남", "publisher-place": "서울"},
    {"id": "kim2019en", "type": "article-journal", "title": "Crafts in Jinju",
     "author": [{"family": "김", "given": "민지"}], "issued": {"date-parts": [[2019]]},
     "container-title": "Urban Studies", "volume": "56", "issue": "1", "page": "1-9"},
    {"id": "landry2000", "type": "book", "title": "The Creative City",
     "author": [{"family": "Landry", "given": "Charles"}], "issued": {"date-parts": [[2000]]},
     "publisher": "Earthscan"},
]
KOREAN_TEXT = ("[@landry2000; @kim2019a; @kim2019b; @kim2019en] [@lee2021; @landry2005] "
               "[-@kim2019b]")


def korean(folder: Path, locale: str, first: bool) -> tuple[list[str], list[tuple[str, str]]]:
    write(folder, KOREAN)
    reader = Reader(folder)
    entries = citations.read_entries(citations.bibliography_files(folder / "article.md"),
                                     reader, None, ProblemCollector())
    cites = [cite for _, _, cite in citations.find(KOREAN_TEXT)]
    html, references = citations.Processor(
        STYLE.read_bytes(), locale, entries, "", cites, STYLE, KOREAN_STYLE.read_bytes(),
        KOREAN_STYLE, first).render()
    return [plain(h) for h in html], [(i.removeprefix("ref-"), plain(h)) for i, h in references]


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_korean_works_are_written_as_korean_journals_write_them(tmp_path: Path, locale: str):
    cited, references = korean(tmp_path, locale, first=False)
    listed = dict(references)
    assert listed["kim2019a"] == "김민지. 2019b. 『창의도시의 이해』. 진주: 진주대학교출판부."
    assert listed["kim2019b"] == "김민지·이준. 2019. 「공예도시의 조건」. 『도시연구』 8(2): 11–30."
    assert listed["lee2021"] == ("이준. 2021. 「공예와 도시재생」. 박서연·최은영 편, 『창의도시의 "
                                 "미래』, 45–67. 서울: 한울.")
    assert listed["landry2005"] == "찰스 랜드리. 2005. 『창조도시』. 남기범 역. 서울: 해남."
    # An English work of a Korean author keeps the journal's style, and the year
    # suffixes are the journal style's, in the text and the list alike.
    assert listed["kim2019en"].startswith("김민지. 2019a. “Crafts in Jinju")
    assert listed["landry2000"] == "Landry, Charles. 2000. The Creative City. Earthscan."
    assert cited[0] == "(Landry 2000; 김민지 2019b, 2019a; 김민지·이준 2019)"
    assert cited[2] == "(2019)"
    # Without the option, the journal style's order: Latin script sorts first.
    assert [key for key, _ in references][0] == "landry2000"


def test_korean_works_can_be_listed_first(tmp_path: Path):
    _, references = korean(tmp_path, "ko-KR", first=True)
    # The works written in Korean first, then the others, each in the style's order.
    assert [key for key, _ in references] == ["kim2019a", "kim2019b", "lee2021",
                                              "landry2005", "landry2000", "kim2019en"]


def test_a_note_style_sets_each_citation_in_place(tmp_path: Path):
    write(tmp_path, [BOOK, dict(BOOK, id="c2001", title="U", issued={"date-parts": [[2001]]})])
    style = (b'<?xml version="1.0"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" '
             b'class="note" version="1.0">\n<info><title>T</title><id>t</id>'
             b'<updated>2020-01-01T00:00:00+00:00</updated></info>\n'
             b'<citation><layout suffix="." delimiter="; "><text variable="title" '
             b'font-style="italic"/><text variable="locator" prefix=", "/></layout></citation>\n'
             b'<bibliography><layout><text variable="title"/></layout></bibliography>\n'
             b'</style>\n')
    cited, references = rendered(tmp_path, "[@a2000, p. 3] and [@c2001]", style=style)
    assert cited == ["T, 3.", "U."]
    assert [text for _, text in references] == ["T", "U"]
