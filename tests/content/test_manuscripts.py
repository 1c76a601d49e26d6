"""``folio import``: Word and LibreOffice manuscripts made by Pandoc and python-docx
(as Word writes them: styles, Zotero fields, comments, tracked changes, text boxes)
become articles; the round trip Markdown → .docx → import → PDF keeps the text."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pypandoc
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from helpers import pdftotext
from PIL import Image

from folio.cli import main

ISSUE = "2024-no2"

ARTICLE_EN = """\
---
title: Crafts in the City
subtitle: Hands and places
author: [Kim Minji, Lee Jun]
abstract: How crafts shape a creative city.
---
# Introduction

Crafts are *part* of **daily** life in [Jinju](https://jinju.go.kr).[^silk] Quote “this”.

> Cities are made by hands.

- weaving
- pottery

| City | Year |
| --- | --- |
| Icheon | 2010 |
| Gimhae | 2021 |

: Member cities {#tbl:members}

![A red square for a map.](red.png)

## Later years

The network grew every year after that.

[^silk]: Jinju silk has been made along the Nam River.
"""

ARTICLE_KO = """\
---
title: 도시의 공예
author: [김민지]
---
초록: 공예가 창의도시를 어떻게 만드는가.

주제어: 공예, 도시

# 들어가며

공예와 민속예술은 진주 사람들의 일상이다.[^silk] 이를 「창의도시」라고 부르며
“손의 도시”라고도 한다.

| 도시 | 연도 |
| --- | --- |
| 이천 | 2010 |

: 회원 도시

[^silk]: 진주 비단은 남강 가에서 만들어졌다.
"""


def _png(path: Path, size=(60, 40), colour=(200, 30, 30)) -> None:
    Image.new("RGB", size, colour).save(path)


def pandoc_manuscript(tmp_path: Path, text: str, name: str, to: str = "docx") -> Path:
    """A manuscript Pandoc writes from Markdown, as Word would read it."""
    source = tmp_path / "source.md"
    source.write_text(text, encoding="utf-8")
    _png(tmp_path / "red.png")
    out = tmp_path / name
    pypandoc.convert_file(str(source), to, outputfile=str(out), sandbox=False,
                          extra_args=[f"--resource-path={tmp_path}"])
    return out


def run_import(tiny: Path, manuscript: Path, slug: str, lang: str, *extra: str) -> int:
    return main(["import", str(manuscript), "--root", str(tiny), "--issue", ISSUE,
                 "--slug", slug, "--lang", lang, *extra])


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_round_trip_markdown_docx_import_pdf(tiny: Path, tmp_path: Path, capsys):
    """An article written by Pandoc as .docx, imported over the tiny issue's first
    article in both languages, builds; the PDFs print its text, note, table, figure."""
    en = pandoc_manuscript(tmp_path, ARTICLE_EN, "crafts.docx")
    ko_dir = tmp_path / "ko"
    ko_dir.mkdir()
    ko = pandoc_manuscript(ko_dir, ARTICLE_KO, "공예.docx")
    assert run_import(tiny, en, "first", "en") == 1         # first.en.md exists
    assert "pass --force" in capsys.readouterr().err
    assert run_import(tiny, en, "first", "en", "--force") == 0
    assert run_import(tiny, ko, "first", "ko", "--force") == 0
    out = capsys.readouterr().out
    assert "issue.yaml" not in out                          # 'first' is listed already
    assert "first.ko.md translates first.en.md" in out and "i18n mark" in out
    issue = tiny / "content/journal" / ISSUE
    text = (issue / "first.en.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntype: article\ntitle: Crafts in the City\n")
    assert "subtitle: Hands and places" in text
    assert "authors:\n- name: Kim Minji\n- name: Lee Jun\n" in text
    assert "abstract: How crafts shape" in text
    assert "\n## Introduction\n" in text and "\n### Later years\n" in text
    assert "*part* of **daily** life in [Jinju](https://jinju.go.kr).[^1]" in text
    assert "> Cities are made by hands." in text
    assert ": Member cities {#tbl:member-cities}" in text
    assert "![A red square for a map.](figures/first-1.png){#fig:a-red-square-for}" in text
    assert (issue / "figures/first-1.png").read_bytes()[:4] == b"\x89PNG"
    ko_text = (issue / "first.ko.md").read_text(encoding="utf-8")
    assert "이를 「창의도시」라고 부르며 “손의 도시”라고도 한다." in ko_text
    assert ": 회원 도시 {#tbl:table-1}" in ko_text
    assert "abstract: 공예가 창의도시를 어떻게 만드는가.\nkeywords: [공예, 도시]\n" in ko_text
    assert "초록" not in ko_text and "주제어" not in ko_text
    assert (issue / "first.en.import-report.txt").is_file()

    assert main(["--root", str(tiny), "--only", f"journal-{ISSUE}", "--out",
                 str(tmp_path / "out")]) == 0
    pdf_en = " ".join(pdftotext(tmp_path / f"out/en/journal-{ISSUE}.pdf").split())
    for sentence in ("Crafts are part of daily life in Jinju.", "Quote “this”.",
                     "Cities are made by hands.", "Table 1. Member cities", "Gimhae 2021",
                     "Figure 1. A red square for a map.", "Later years",
                     "Jinju silk has been made along the Nam River.", "Hands and places"):
        assert sentence in pdf_en, sentence
    pdf_ko = " ".join(pdftotext(tmp_path / f"out/ko/journal-{ISSUE}.pdf").split())
    for sentence in ("공예와 민속예술은 진주 사람들의 일상이다.",
                     "이를 「창의도시」라고 부르며 “손의 도시”라고도 한다.", "표 1. 회원 도시",
                     "진주 비단은 남강 가에서 만들어졌다."):
        assert sentence in pdf_ko, sentence


def test_odt_manuscript(tiny: Path, tmp_path: Path):
    odt = pandoc_manuscript(tmp_path, ARTICLE_EN, "crafts.odt", to="odt")
    assert run_import(tiny, odt, "third", "en") == 0
    text = (tiny / "content/journal" / ISSUE / "third.en.md").read_text(encoding="utf-8")
    assert "Crafts are *part* of **daily** life" in text
    assert "[^1]: Jinju silk has been made along the Nam River." in text
    assert "| Gimhae | 2021 |" in text


# ---- a manuscript as Word writes it: python-docx, with fields built in ----

LANDRY = {"id": 123, "type": "book", "title": "The Creative City",
          "author": [{"family": "Landry", "given": "Charles"}],
          "issued": {"date-parts": [["2000"]]}, "publisher": "Earthscan"}
FLORIDA = {"id": "http://zotero.org/users/1/items/FL", "type": "book",
           "title": "The Rise of the Creative Class", "author": [{"family": "Florida",
                                                                  "given": "Richard"}],
           "issued": {"date-parts": [[2002]]}, "publisher": "Basic Books"}
KIM = {"id": "abc", "type": "article-journal", "title": "공예도시의 형성",
       "author": [{"family": "김", "given": "민지"}], "issued": {"date-parts": [[2019]]},
       "container-title": "도시연구"}


def _field(paragraph, instruction: str, shown: str) -> None:
    w = nsdecls("w")
    for xml in (f'<w:r {w}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {w}><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
                f'<w:r {w}><w:fldChar w:fldCharType="separate"/></w:r>',
                f'<w:r {w}><w:t xml:space="preserve">{shown}</w:t></w:r>',
                f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>'):
        paragraph._p.append(parse_xml(xml))


def _note(document, paragraph, note: str, kind: str = "endnote", field: str = "") -> None:
    """A footnote or endnote, as Word writes it: a reference in the text, the note in
    footnotes.xml or endnotes.xml, maybe with a field in it (python-docx makes no
    notes: the part is added by hand)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    w = nsdecls("w")
    cited = "".join((f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText '
                     f'xml:space="preserve"> {escape(field)} </w:instrText></w:r><w:r>'
                     '<w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>(…)</w:t></w:r>'
                     '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>.</w:t></w:r>')
                    if field else "")
    blob = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s {w}>'
            f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
            f'</w:{kind}><w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
            f'<w:continuationSeparator/></w:r></w:p></w:{kind}><w:{kind} w:id="1"><w:p>'
            f'<w:r><w:{kind}Ref/></w:r><w:r><w:t xml:space="preserve"> {note}</w:t></w:r>'
            f'{cited}</w:p></w:{kind}></w:{kind}s>').encode()
    part = Part(PackURI(f"/word/{kind}s.xml"), "application/vnd.openxmlformats-"
                f"officedocument.wordprocessingml.{kind}s+xml", blob, document.part.package)
    document.part.relate_to(part, getattr(RELATIONSHIP_TYPE, f"{kind.upper()}S"))
    paragraph._p.append(parse_xml(f'<w:r {w}><w:{kind}Reference w:id="1"/></w:r>'))


def zotero(*items: dict, locator: str = "") -> str:
    data = {"citationID": "x1", "properties": {"formattedCitation": "(…)"},
            "citationItems": [{"id": item["id"], "uris": ["http://zotero.org/users/1/items/A"],
                               "itemData": item, **({"locator": locator, "label": "page"}
                                                    if locator else {})} for item in items],
            "schema": "https://github.com/citation-style-language/schema/raw/master/"
                      "csl-citation.json"}
    return "ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(data, ensure_ascii=False)


def word_manuscript(path: Path, changes: bool = False) -> Path:
    """A Korean manuscript with Word's styles, a Zotero and a Mendeley citation, a
    comment, a text box, a PAGE field, a style with no equivalent, a citation typed by
    hand, Hangul split across runs and decomposed (NFD)."""
    w = nsdecls("w")
    picture = path.with_suffix(".png")
    _png(picture)
    document = docx.Document()
    document.core_properties.author = "김민지; 이준"
    document.core_properties.keywords = "공예, 도시"
    document.add_paragraph("공예와 도시", style="Title")
    document.styles.add_style("Abstract", WD_STYLE_TYPE.PARAGRAPH)
    document.styles.add_style("Keywords", WD_STYLE_TYPE.PARAGRAPH)
    document.styles.add_style("Fancy Box", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("이 글은 공예도시를 다룬다.", style="Abstract")
    document.add_paragraph("주제어: 공예, 창의도시, 진주", style="Keywords")
    document.add_paragraph("서론", style="Heading 1")
    paragraph = document.add_paragraph("창의")
    paragraph.add_run(unicodedata.normalize("NFD", "도시는 "))
    paragraph.add_run("「공예」").italic = True
    paragraph.add_run(" 그 대안이다")
    _field(paragraph, zotero(LANDRY, locator="12"), "(Landry 2000, 12)")
    paragraph.add_run(". 또한 “손”의 도시이다")
    _field(paragraph, zotero(KIM).replace("ZOTERO_ITEM ", ""), "(김 2019)")   # Mendeley's
    paragraph.add_run(". 손으로 적은 인용 (Florida 2002).")
    document.add_paragraph("김민지(2019)도 그렇게 보았다.")
    broken = document.add_paragraph("줄을")                  # Shift+Enter, a zero-width space
    broken.add_run().add_break()
    broken.add_run("바꾼 공\u200b예 문장.")
    _note(document, document.add_paragraph("이 연구는 도시 정책에 영향을 주었다."),
          "미주로 단 설명.")
    _note(document, document.add_paragraph("창의 계급이 있다."), "각주의 인용",
          kind="footnote", field=zotero(FLORIDA))
    # Word's captions, bookmarked, and cross-references to them (REF fields as links).
    see = document.add_paragraph("회원 도시는 ")
    for anchor, shown, after in (("_Ref1", "표 1", "에 있고 위치는 "),
                                 ("_Ref2", "그림 1", "에 있다.")):
        see._p.append(parse_xml(f'<w:hyperlink {w} w:anchor="{anchor}"><w:r><w:t>{shown}'
                                '</w:t></w:r></w:hyperlink>'))
        see._p.append(parse_xml(f'<w:r {w}><w:t xml:space="preserve">{after}</w:t></w:r>'))
    caption = document.add_paragraph(style="Caption")
    caption._p.append(parse_xml(f'<w:bookmarkStart {w} w:id="1" w:name="_Ref1"/>'))
    caption.add_run("표 1. 회원 도시")
    caption._p.append(parse_xml(f'<w:bookmarkEnd {w} w:id="1"/>'))
    table = document.add_table(rows=2, cols=2)
    for cell, value in zip(table._cells, ("도시", "연도", "이천", "2010"), strict=True):
        cell.text = value
    document.add_picture(str(picture))
    caption = document.add_paragraph(style="Caption")
    caption._p.append(parse_xml(f'<w:bookmarkStart {w} w:id="2" w:name="_Ref2"/>'))
    caption.add_run("그림 1: 붉은 사각형")
    caption._p.append(parse_xml(f'<w:bookmarkEnd {w} w:id="2"/>'))
    document.add_paragraph("세부", style="Heading 3")        # a level skipped
    _field(document.add_paragraph("Page "), "PAGE", "1")
    commented = document.add_paragraph("검토할 문장이다.")
    document.add_comment(commented.runs, text="확인 바람", author="편집자")
    document.add_paragraph("상자 밖 문장.", style="Fancy Box")
    boxed = document.add_paragraph("본문 ")
    boxed._p.append(parse_xml(
        f'<w:r {w} xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
        '<w:txbxContent><w:p><w:r><w:t>상자 속 글</w:t></w:r></w:p></w:txbxContent>'
        '</v:textbox></v:shape></w:pict></w:r>'))
    document.add_paragraph("참고문헌", style="Heading 1")
    _field(document.add_paragraph(), 'ADDIN ZOTERO_BIBL {"uncited":[]} CSL_BIBLIOGRAPHY',
           "Landry, Charles. 2000. The Creative City.")
    if changes:
        tracked = document.add_paragraph("고친 곳: ")
        tracked._p.append(parse_xml(
            f'<w:ins {w} w:id="91" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r>'
            '<w:t>넣은 말</w:t></w:r></w:ins>'))
        tracked._p.append(parse_xml(
            f'<w:del {w} w:id="92" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r>'
            '<w:delText>지운 말</w:delText></w:r></w:del>'))
    document.save(path)
    return path


def test_word_manuscript_citations_korean_and_report(tiny: Path, tmp_path: Path, capsys):
    manuscript = word_manuscript(tmp_path / "공예.docx")
    assert run_import(tiny, manuscript, "crafts", "ko") == 0
    out = capsys.readouterr().out
    issue = tiny / "content/journal" / ISSUE
    text = (issue / "crafts.ko.md").read_text(encoding="utf-8")
    assert text == unicodedata.normalize("NFC", text)
    assert "title: 공예와 도시" in text
    assert "authors:\n- name: 김민지\n- name: 이준\n" in text
    assert "abstract: 이 글은 공예도시를 다룬다." in text
    assert "keywords: [공예, 창의도시, 진주]" in text
    assert ("창의도시는 *「공예」* 그 대안이다[@landry2000, p. 12]. 또한 “손”의 도시이다"
            "[@ref2019]. 손으로 적은 인용 (Florida 2002).") in text
    assert "\n줄을 바꾼 공예 문장.\n" in text
    assert "상자 밖 문장." in text and "\n## 서론\n" in text and "\n### 세부\n" in text
    assert "참고문헌" not in text and "Creative City" not in text
    assert "회원 도시는 @tbl:table-1에 있고 위치는 @fig:figure-1에 있다." in text
    assert "| 이천 | 2010 |\n\n: 회원 도시 {#tbl:table-1}" in text
    assert "![붉은 사각형](figures/crafts-1.png){#fig:figure-1}" in text
    assert "확인 바람" not in text
    references = json.loads((issue / "references.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in references) == ["florida2002", "landry2000", "ref2019"]
    by_key = {r["id"]: r for r in references}
    assert by_key["landry2000"]["title"] == "The Creative City"
    assert by_key["ref2019"]["container-title"] == "도시연구"
    assert by_key["florida2002"]["publisher"] == "Basic Books"
    report = (issue / "crafts.ko.import-report.txt").read_text(encoding="utf-8")
    for expected in ("comment by 편집자 left out: “확인 바람”",
                     "a text box left out: “상자 속 글”",
                     "field PAGE kept as the text Word last showed",
                     "paragraph style “Fancy Box” has no equivalent",
                     "a citation typed by hand left as text: (Florida 2002)",
                     "a citation typed by hand left as text: 김민지(2019)",
                     "authors 김민지, 이준: from the document properties",
                     "a heading level skipped in the manuscript",
                     "manual line breaks inside paragraphs joined with a space",
                     "the reference list Zotero/Mendeley wrote left out",
                     "heading “참고문헌”: the reference list's heading left out"):
        assert expected in report, expected
        assert expected in out, expected
    assert "add 'crafts' to the articles of a section" in out

    # Listed in the issue (and translated into English), it builds: citations set.
    yaml_path = issue / "issue.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "[first, second]", "[first, second, crafts]"), encoding="utf-8")
    (issue / "crafts.en.md").write_text(
        "---\ntitle: Crafts\n---\nCrafts [@landry2000, p. 12] and [@ref2019].\n",
        encoding="utf-8")
    assert main(["--root", str(tiny), "--only", f"journal-{ISSUE}", "--lang", "ko",
                 "--out", str(tmp_path / "out"), "--draft"]) == 0
    pdf = " ".join(pdftotext(tmp_path / f"out/ko/journal-{ISSUE}.draft.pdf").split()
                   if (tmp_path / f"out/ko/journal-{ISSUE}.draft.pdf").exists() else
                   pdftotext(tmp_path / f"out/ko/journal-{ISSUE}.pdf").split())
    assert "창의도시는 「공예」 그 대안이다(Landry 2000, 12)" in pdf
    assert "The Creative City" in pdf and "도시연구" in pdf
    assert "회원 도시는 표 1에 있고 위치는 그림 1에 있다." in pdf
    assert "표 1. 회원 도시" in pdf and "그림 1. 붉은 사각형" in pdf


def test_tracked_changes_refused_unless_accepted(tiny: Path, tmp_path: Path, capsys):
    manuscript = word_manuscript(tmp_path / "changes.docx", changes=True)
    before = files(tiny / "content")
    assert run_import(tiny, manuscript, "crafts", "ko") == 1
    err = capsys.readouterr().err
    assert "changes.docx" in err and "2 tracked changes not accepted" in err
    assert "--accept-changes" in err
    assert files(tiny / "content") == before
    assert run_import(tiny, manuscript, "crafts", "ko", "--accept-changes") == 0
    text = (tiny / "content/journal" / ISSUE / "crafts.ko.md").read_text(encoding="utf-8")
    assert "고친 곳: 넣은 말" in text and "지운 말" not in text
    assert "inserted by A: “넣은 말” (accepted)" in capsys.readouterr().out


def test_unprintable_and_enormous_images(tiny: Path, tmp_path: Path, capsys, monkeypatch):
    import struct
    emf = bytearray(88)      # an EMF header record: bounds, frame, device and size
    struct.pack_into("<II4i4i", emf, 0, 1, 88, 0, 0, 99, 99, 0, 0, 2000, 2000)
    emf[40:44] = b" EMF"
    struct.pack_into("<IIIHHIII2i2i", emf, 44, 0x10000, 88, 1, 1, 0, 0, 0, 0,
                     1024, 768, 320, 240)
    (tmp_path / "chart.emf").write_bytes(bytes(emf))
    _png(tmp_path / "photo.png", (300, 200))
    source = tmp_path / "m.md"
    source.write_text("---\ntitle: Images\n---\nText.\n\n![A chart.](chart.emf)\n\n"
                      "![A photo.](photo.png)\n", encoding="utf-8")
    manuscript = tmp_path / "images.docx"
    pypandoc.convert_file(str(source), "docx", outputfile=str(manuscript), sandbox=False,
                          extra_args=[f"--resource-path={tmp_path}"])
    with zipfile.ZipFile(manuscript) as archive:
        assert any(name.endswith(".emf") for name in archive.namelist())
    assert run_import(tiny, manuscript, "images", "en") == 0
    out = capsys.readouterr().out
    assert "an image in EMF format" in out and "cannot be printed" in out
    text = (tiny / "content/journal" / ISSUE / "images.en.md").read_text(encoding="utf-8")
    assert "![A photo.](figures/images-1.png){#fig:a-photo}" in text
    assert "chart" not in text.lower()

    from folio.content import manuscripts
    monkeypatch.setattr(manuscripts, "MAX_PIXELS", 300 * 200 - 1)
    before = files(tiny / "content")
    assert run_import(tiny, manuscript, "big", "en") == 1
    err = capsys.readouterr().err
    assert "images.docx" in err and "300 × 200 pixels" in err and "nothing imported" in err
    assert files(tiny / "content") == before


def _broken_zip(path: Path, good: Path) -> Path:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize("kind, expected", [
    ("text", "not a Word (.docx) or LibreOffice (.odt) document"),
    ("encrypted", "the file is encrypted (password-protected)"),
    ("doc", "an old Word 97–2003 document (.doc)"),
    ("broken", "damaged"),
    ("zip", "a zip file but not a Word (.docx) or LibreOffice Writer (.odt) document"),
    ("corrupt", "damaged"),
])
def test_bad_input_one_message_nothing_written(tiny: Path, tmp_path: Path, capsys, kind,
                                               expected):
    path = tmp_path / f"manuscript-{kind}.docx"
    if kind == "text":
        path.write_text("Dear editor, here is my paper.\n", encoding="utf-8")
    elif kind in ("encrypted", "doc"):
        # An OLE2 compound file's header, and its directory naming the streams that
        # Office's encryption (EncryptionInfo, EncryptedPackage) or Word 97 writes.
        names = ("EncryptionInfo", "EncryptedPackage") if kind == "encrypted" else (
            "WordDocument", "1Table")
        directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + bytes(64)
                             for name in ("Root Entry", *names))
        path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + directory)
    elif kind == "broken":
        _broken_zip(path, pandoc_manuscript(tmp_path, ARTICLE_EN, "good.docx"))
    elif kind == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "hello")
    else:                                   # a part whose bytes do not match its CRC
        good = pandoc_manuscript(tmp_path, ARTICLE_EN, "good.docx")
        buffer = io.BytesIO()
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(
                buffer, "w", zipfile.ZIP_STORED) as target:
            for info in source.infolist():
                target.writestr(info.filename, source.read(info.filename))
        data = bytearray(buffer.getvalue())
        at = data.find(b"<w:body>")
        data[at + 3] ^= 0x20
        path.write_bytes(bytes(data))
    before = files(tiny / "content")
    assert run_import(tiny, path, "new", "en") == 1
    captured = capsys.readouterr()
    problem = [line for line in captured.err.splitlines() if line.startswith("error")]
    assert len(problem) == 1 and path.name in problem[0] and expected in problem[0], \
        captured.err
    assert "Traceback" not in captured.err + captured.out
    assert files(tiny / "content") == before


def test_works_already_in_references_keep_their_keys(tiny: Path, tmp_path: Path):
    """A cited work already in references.json (same title, year, authors) is cited by
    its key and not added again; a new work whose key is taken gets another."""
    issue = tiny / "content/journal" / ISSUE
    same = {**LANDRY, "id": "landry-cc"}
    other = {"id": "ref2019", "type": "book", "title": "Another Work",
             "issued": {"date-parts": [[2019]]}}
    (issue / "references.json").write_text(json.dumps([same, other]), encoding="utf-8")
    assert run_import(tiny, word_manuscript(tmp_path / "m.docx"), "crafts", "ko") == 0
    text = (issue / "crafts.ko.md").read_text(encoding="utf-8")
    assert "[@landry-cc, p. 12]" in text and "[@ref2019a]" in text
    references = json.loads((issue / "references.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in references] == ["landry-cc", "ref2019", "ref2019a",
                                             "florida2002"]
    assert references[2]["title"] == "공예도시의 형성"


PUBLIC = Path(__file__).parent / "manuscripts"      # Word's own files (see its README)


def test_public_word_files(tiny: Path, tmp_path: Path, capsys):
    """Files Word wrote (mammoth's test data): endnotes and a footnote with a link
    become footnotes, a comment and a text box are reported, a table comes in, and
    the issue builds with them."""
    for name in ("endnotes", "footnote-hyperlink", "comments", "text-box", "tables",
                 "underline"):
        assert run_import(tiny, PUBLIC / f"{name}.docx", name, "en") == 0, name
    out = capsys.readouterr().out
    issue = tiny / "content/journal" / ISSUE
    read = {name: (issue / f"{name}.en.md").read_text(encoding="utf-8") for name in
            ("endnotes", "footnote-hyperlink", "comments", "text-box", "tables")}
    assert "Ouch[^1].[^2]\n\n[^1]: A tachyon walks into a bar.\n\n[^2]: Fin.\n" in \
        read["endnotes"]
    assert "[^1]: [Example](http://www.example.com)" in read["footnote-hyperlink"]
    assert "comment by Michael Williamson left out: “A tachyon walks into a bar.”" in out
    assert "A tachyon" not in read["comments"]
    assert "a text box: its text “Datum plane”" in out
    assert "| Top left    | Top right    |" in read["tables"]
    assert "underlining has no equivalent" in out

    # A picture linked, not embedded, and nothing else: refused, saying so.
    assert run_import(tiny, PUBLIC / "external-picture.docx", "picture", "en") == 1
    err = capsys.readouterr().err
    assert "external-picture.docx: the manuscript has no text" in err
    assert "a picture linked to a file outside the manuscript" in err

    yaml_path = issue / "issue.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "[first, second]", "[first, second, endnotes, footnote-hyperlink, tables]"),
        encoding="utf-8")
    for name in ("comments", "text-box", "underline"):
        (issue / f"{name}.en.md").unlink()
    assert main(["--root", str(tiny), "--only", f"journal-{ISSUE}", "--lang", "en",
                 "--out", str(tmp_path / "out")]) == 0
    pdf = " ".join(pdftotext(tmp_path / f"out/en/journal-{ISSUE}.pdf").split())
    for text in ("A tachyon walks into a bar.", "Fin.", "Top left Top right",
                 "Bottom left Bottom right", "Example"):
        assert text in pdf, text


@pytest.mark.parametrize("arguments, expected", [
    (["--issue", "2099-no9", "--slug", "x", "--lang", "en"], "there is no issue '2099-no9'"),
    (["--issue", ISSUE, "--slug", "Bad Slug", "--lang", "en"], "'Bad Slug' is not a slug"),
    (["--issue", ISSUE, "--slug", "x", "--lang", "fr"], "unknown language 'fr'"),
])
def test_wrong_options_one_message(tiny: Path, tmp_path: Path, capsys, arguments, expected):
    manuscript = pandoc_manuscript(tmp_path, ARTICLE_EN, "good.docx")
    before = files(tiny / "content")
    assert main(["import", str(manuscript), "--root", str(tiny), *arguments]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert files(tiny / "content") == before


def test_libreoffice_zotero_citations(tiny: Path, tmp_path: Path):
    """Zotero in LibreOffice marks a citation with a reference mark named by its
    CSL JSON: the citation becomes [@key], its work goes to references.json."""
    odt = pandoc_manuscript(tmp_path, "---\ntitle: Cities\n---\nCreative cities ZZCITEZZ "
                                      "grow.[^1]\n\n[^1]: As ZZNOTEZZ says.\n",
                            "cities.odt", to="odt")
    buffer = io.BytesIO()
    with zipfile.ZipFile(odt) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "content.xml":
                text = data.decode()
                for token, citation, shown in (
                        ("ZZCITEZZ", zotero(LANDRY, locator="12"), "(Landry 2000, 12)"),
                        ("ZZNOTEZZ", zotero(FLORIDA), "Florida (2002)")):
                    name = escape(citation + " RNDa1b2c3d4e5", {'"': "&quot;"})
                    text = text.replace(token, f'<text:reference-mark-start text:name="{name}"/>'
                                               f'<text:span>{shown}</text:span>'
                                               f'<text:reference-mark-end text:name="{name}"/>')
                data = text.encode()
            target.writestr(info, data)
    odt.write_bytes(buffer.getvalue())
    assert run_import(tiny, odt, "cities", "en") == 0
    issue = tiny / "content/journal" / ISSUE
    text = (issue / "cities.en.md").read_text(encoding="utf-8")
    assert "Creative cities [@landry2000, p. 12] grow.[^1]" in text
    assert "[^1]: As [@florida2002] says." in text
    references = json.loads((issue / "references.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in references) == ["florida2002", "landry2000"]


def test_a_picture_linked_outside_is_never_read(tiny: Path, tmp_path: Path, monkeypatch,
                                                capsys):
    """A manuscript may name a picture by a path outside itself ("../../secret.png",
    resolved from wherever folio runs): the import reads only what is inside it."""
    odt = pandoc_manuscript(tmp_path, "---\ntitle: Linked\n---\nText.\n\n"
                                      "![A photo.](red.png)\n", "linked.odt", to="odt")
    buffer = io.BytesIO()
    with zipfile.ZipFile(odt) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "content.xml":
                data = re.sub(rb'xlink:href="Pictures/[^"]+"', b'xlink:href="../../secret.png"',
                              data)
            if not info.filename.startswith("Pictures/"):
                target.writestr(info, data)
    odt.write_bytes(buffer.getvalue())
    _png(tmp_path / "secret.png")
    here = tmp_path / "a" / "b"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    assert run_import(tiny, odt, "linked", "en") == 0
    assert "a picture linked to a file outside the manuscript (../../secret.png)" in \
        capsys.readouterr().out
    assert not (tiny / "content/journal" / ISSUE / "figures").exists()


def test_figures_shared_between_languages_unless_they_differ(tiny: Path, tmp_path: Path):
    """The Korean manuscript's picture, the same as the English one's, is shared; a
    different one (its labels translated) gets the language in its name."""
    issue = tiny / "content/journal" / ISSUE
    for lang, colour, name in (("en", (200, 30, 30), "A map."), ("ko", (200, 30, 30), "지도."),
                               ("ko", (30, 30, 200), "지도.")):
        folder = tmp_path / f"{lang}-{colour[0]}"
        folder.mkdir()
        _png(folder / "map.png", colour=colour)
        (folder / "m.md").write_text(f"---\ntitle: Maps\n---\nText.\n\n![{name}](map.png)\n",
                                     encoding="utf-8")
        manuscript = folder / "m.docx"
        pypandoc.convert_file(str(folder / "m.md"), "docx", outputfile=str(manuscript),
                              sandbox=False, extra_args=[f"--resource-path={folder}"])
        assert run_import(tiny, manuscript, "maps", lang, "--force") == 0
        if colour[0] == 200:
            assert f"![{name}](figures/maps-1.png)" in (issue / f"maps.{lang}.md").read_text(
                encoding="utf-8")
    assert "![A map.](figures/maps-1.png)" in (issue / "maps.en.md").read_text(encoding="utf-8")
    assert "![지도.](figures/maps-1.ko.png)" in (issue / "maps.ko.md").read_text(encoding="utf-8")
    assert Image.open(issue / "figures/maps-1.png").getpixel((0, 0)) == (200, 30, 30)
    assert Image.open(issue / "figures/maps-1.ko.png").getpixel((0, 0)) == (30, 30, 200)
