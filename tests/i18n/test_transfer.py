"""Content segments through a CAT tool: export to PO and XLIFF, import back, translation
memory, the glossary and the review sheet."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from helpers import REPO, make_rich, pdffonts, pdftotext
from i18n_helpers import commit as _commit
from i18n_helpers import export, snapshot
from i18n_helpers import translate as _set

from folio.cli import main

CRAFTS = "content/journal/2024-crafts/crafts"
DIALOGUE = "content/journal/2024-crafts/conversation"
GLOSSARY = """\
terms:
  - en: creative city
    ko: 창의도시
  - en: Crafts and Folk Art
    ko: 공예와 민속예술
    note: a field of the network
"""


def entries(po: Path) -> dict[str, polib.POEntry]:
    return {e.msgctxt.split("#", 1)[1]: e for e in polib.pofile(str(po))}


# -- export ---------------------------------------------------------------------------

def test_export_cuts_every_kind_of_segment_with_placeholders_and_references(rich: Path):
    out = export(rich)
    crafts = entries(out / "journal/2024-crafts/crafts.po")
    # Front matter, headings, paragraphs, table cells, captions, footnotes.
    for ident in ("title", "abstract", "keywords.1", "authors.1.name", "authors.1.affiliation",
                  "p1", "heading1", "heading2", "cell1.1.1", "cell1.3.2", "figure1", "figure2",
                  "footnote.silk"):
        assert ident in crafts, ident
    assert crafts["heading1"].msgid == "Member cities"
    assert crafts["heading1"].msgstr == "회원 도시"
    assert crafts["cell1.2.2"].msgid == "Crafts and Folk Art"
    assert crafts["figure1"].msgid == "A drawn map of the river and its bridges."
    assert crafts["footnote.silk"].msgstr.startswith("진주 비단은")
    # Inline Markdown as codes: the footnote call standalone, the {lang=ko} span paired.
    p1 = crafts["p1"]
    assert p1.msgid == ("Crafts and folk art are part of daily life in Jinju.<x1/> The city's "
                        "name for them is <g2>공예와 민속예술</g2>.")
    assert "[^" not in p1.msgid and "]{" not in p1.msgid
    # The translation's own span (lang=en-US) numbered as the source's (lang=ko).
    assert p1.msgstr == "공예와 민속예술은 진주 사람들의 일상이다.<x1/> 영어로는 <g2>Crafts and " \
                        "Folk Art</g2>라고 한다."
    assert "footnote [^silk]" in p1.comment
    # The source file and line, and a stable id naming the document and the block.
    assert p1.occurrences == [(f"{CRAFTS}.en.md", "7")]
    assert p1.msgctxt == "journal/2024-crafts/crafts#p1"
    assert not any(e.fuzzy for e in crafts.values())
    # Dialogue turns without the speaker key; speakers' names from the front matter.
    dialogue = entries(out / "journal/2024-crafts/conversation.po")
    assert dialogue["turn1"].msgid == "What makes a city creative?"
    assert dialogue["turn2"].msgstr == "사람들, 그리고 그들이 손으로 만드는 것입니다."
    assert dialogue["speakers.2.name"].msgstr == "이준"
    assert "speakers.1.id" not in dialogue
    # issue.yaml's texts.
    issue = entries(out / "journal/2024-crafts/issue.po")
    assert issue["sections.2.title"].msgid == "Dialogue"
    assert issue["sections.2.title"].msgstr == "대담"
    assert issue["editors.1.role"].msgstr == "편집장"
    # Notices: the place.
    notice = entries(out / "notices/craft-fair.po")
    assert notice["place"].msgstr == "진주"


def test_every_exported_catalog_passes_msgfmt_check(rich: Path):
    assert shutil.which("msgfmt"), "GNU gettext is installed by ./dev"
    out = export(rich)
    catalogs = sorted(out.rglob("*.po"))
    assert len(catalogs) >= 5
    for catalog in catalogs:
        done = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(catalog)],
                              capture_output=True, text=True)
        assert done.returncode == 0 and not done.stderr, (catalog, done.stderr)
        header = polib.pofile(str(catalog)).metadata
        assert header["Language"] == "ko"
        assert header["Last-Translator"] == "Translator Kim <kim@example.org>"
        assert header["Language-Team"].startswith("Korean")


def test_a_changed_source_makes_its_translation_fuzzy_with_the_previous_source(rich: Path):
    source = rich / f"{CRAFTS}.en.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("## Member cities", "A new paragraph before.\n\n"
                                   "## Member cities").replace(
        "Jinju silk has been made", "Jinju silk has long been made"), encoding="utf-8")
    _commit(rich, "source edited")
    crafts = entries(export(rich) / "journal/2024-crafts/crafts.po")
    # The inserted paragraph is new; the others stay with their translations.
    assert crafts["p2"].msgid == "A new paragraph before." and crafts["p2"].msgstr == ""
    assert not crafts["p1"].fuzzy and not crafts["heading1"].fuzzy
    assert crafts["heading1"].msgstr == "회원 도시"
    # The edited footnote: fuzzy, its translation kept, the old source as #|.
    silk = crafts["footnote.silk"]
    assert silk.fuzzy and silk.msgstr.startswith("진주 비단은")
    assert silk.previous_msgid.startswith("Jinju silk has been made")


def test_an_unmarked_translation_is_fuzzy(rich: Path):
    target = rich / f"{CRAFTS}.ko.md"
    target.write_text("".join(line for line in target.read_text(encoding="utf-8")
                              .splitlines(keepends=True) if not line.startswith("source_hash")),
                      encoding="utf-8")
    crafts = entries(export(rich) / "journal/2024-crafts/crafts.po")
    assert all(e.fuzzy for e in crafts.values() if e.msgstr)


# -- import ---------------------------------------------------------------------------

def test_export_then_import_changes_no_byte(tmp_path: Path, capsys):
    """On the bundled sample, in PO and in XLIFF."""
    root = tmp_path / "sample"
    root.mkdir()
    for name in ("content", "publication.yaml", "glossary.yaml"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    before = snapshot(root)
    for fmt in ("po", "xliff"):
        out = export(root, fmt=fmt)
        files = sorted(out.rglob("*.po" if fmt == "po" else "*.xlf"))
        assert len(files) == 9                      # 8 documents and issue.yaml
        assert main(["i18n", "import", "--root", str(root), *map(str, files)]) == 0
        assert snapshot(root) == before
    assert "0 segments changed" in capsys.readouterr().out


def test_import_writes_a_translation_in_place_and_keeps_the_rest(rich: Path, capsys):
    out = export(rich)
    po_path = out / "journal/2024-crafts/crafts.po"
    catalog = polib.pofile(str(po_path))
    for entry in catalog:
        if entry.msgctxt.endswith("#p1"):
            entry.msgstr = "공예는 *진주*의 일상이다.<x1/> 영어로 <g2>Crafts</g2>라고 한다."
        if entry.msgctxt.endswith("#cell1.2.1"):
            entry.msgstr = "이천 | 시"
        if entry.msgctxt.endswith("#keywords.2"):
            entry.msgstr = "도시, 마을"
    catalog.save()
    target = rich / f"{CRAFTS}.ko.md"
    before = target.read_text(encoding="utf-8").splitlines()
    assert main(["i18n", "import", "--root", str(rich), str(po_path)]) == 0
    after = target.read_text(encoding="utf-8").splitlines()
    assert "3 segments changed" in capsys.readouterr().out
    # Markdown from the codes; the translator's text escaped where it looks like Markdown.
    # The paragraph is wrapped again at the width it had (two lines of at most 43).
    assert " ".join(after[7:9]) == \
        "공예는 \\*진주\\*의 일상이다.[^silk] 영어로 [Crafts]{lang=en-US}라고 한다."
    assert all(len(line) <= 43 for line in after[7:9])
    assert "| 이천 \\| 시 | 공예와 민속예술 | 2010 |" in after
    assert 'keywords: [공예, "도시, 마을"]' in after
    changed = [line for line in before if line not in after]
    assert len(changed) == 4       # the two lines of p1, a table row, the keywords
    assert len(after) == len(before)
    # What was written reads back as the translation.
    again = entries(export(rich, "--only", CRAFTS + ".ko.md") / "journal/2024-crafts/crafts.po")
    assert again["p1"].msgstr == "공예는 *진주*의 일상이다.<x1/> 영어로 <g2>Crafts</g2>라고 한다."
    assert again["keywords.2"].msgstr == "도시, 마을"
    assert main(["build", "--root", str(rich), "--lang", "ko", "--jobs", "1"]) == 0


def test_import_of_a_complete_translation_marks_it_and_a_fuzzy_one_does_not(rich: Path,
                                                                            capsys):
    source = rich / f"{CRAFTS}.en.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "Jinju silk has been made", "Jinju silk has long been made"), encoding="utf-8")
    _commit(rich, "source edited")
    out = export(rich)
    po_path = out / "journal/2024-crafts/crafts.po"
    # Left fuzzy: imported, but the document stays stale.
    assert main(["i18n", "import", "--root", str(rich), str(po_path)]) == 0
    assert "1 fuzzy" in capsys.readouterr().out
    assert main(["status", "--root", str(rich), "--json", "--lang", "ko"]) == 0
    report = json.loads(capsys.readouterr().out)
    state = {d["document"]: d["state"] for d in report["languages"]["ko"]["documents"]}
    assert state["journal/2024-crafts/crafts"] == "stale"
    # Reviewed: the translator updates it and clears the flag.
    catalog = polib.pofile(str(po_path))
    entry = next(e for e in catalog if e.msgctxt.endswith("#footnote.silk"))
    entry.msgstr = "진주 비단은 오래전부터 남강 가에서 만들어졌다."
    entry.flags.remove("fuzzy")
    entry.previous_msgid = entry.previous_msgctxt = None
    catalog.save()
    assert main(["i18n", "import", "--root", str(rich), str(po_path)]) == 0
    assert "source_hash recorded" in capsys.readouterr().out
    main(["status", "--root", str(rich), "--json", "--lang", "ko"])
    report = json.loads(capsys.readouterr().out)
    state = {d["document"]: d["state"] for d in report["languages"]["ko"]["documents"]}
    assert state["journal/2024-crafts/crafts"] == "translated"
    assert "[^silk]: 진주 비단은 오래전부터 남강 가에서 만들어졌다." in \
        (rich / f"{CRAFTS}.ko.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("change, message", [
    (lambda c: c.append(polib.POEntry(msgctxt="journal/2024-crafts/crafts#p1", msgid="x",
                                      msgstr="y")),
     "segment journal/2024-crafts/crafts#p1 is in the file twice"),
    (lambda c: setattr(next(e for e in c if e.msgctxt.endswith("#p1")), "msgstr",
                       "<g2>열고 닫지 않은 코드.<x1/>"),
     "crafts#p1: <g2> is never closed"),
    (lambda c: setattr(next(e for e in c if e.msgctxt.endswith("#p1")), "msgstr",
                       "각주 호출이 빠졌다."),
     "crafts#p1: the translation drops <x1/> (footnote [^silk])"),
    (lambda c: setattr(next(e for e in c if e.msgctxt.endswith("#p1")), "msgstr",
                       "없는 코드<x7/>.<x1/>"),
     "crafts#p1: <x7/> is not a placeholder of the source"),
])
def test_a_bad_catalog_is_an_error_naming_file_and_segment_and_writes_nothing(
        rich: Path, capsys, change, message):
    out = export(rich)
    po_path = out / "journal/2024-crafts/crafts.po"
    catalog = polib.pofile(str(po_path))
    change(catalog)
    catalog.save()
    good = entries(out / "journal/2024-crafts/conversation.po")
    assert good
    before = snapshot(rich)
    code = main(["i18n", "import", "--root", str(rich),
                 str(out / "journal/2024-crafts/conversation.po"), str(po_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err
    assert "exported/journal/2024-crafts/crafts.po:" in err
    assert "Traceback" not in err
    assert snapshot(rich) == before


def test_xliff_carries_codes_as_inline_elements_and_imports_back(rich: Path, capsys):
    from translate.storage import xliff
    out = export(rich, fmt="xliff")
    path = out / "journal/2024-crafts/crafts.xlf"
    text = path.read_text(encoding="utf-8")
    assert ('<source>Crafts and folk art are part of daily life in Jinju.<x id="1"/> The '
            'city\'s name for them is <g id="2">공예와 민속예술</g>.</source>') in text
    assert 'approved="yes"' in text and 'target-language="ko"' in text
    store = xliff.xlifffile.parsestring(path.read_bytes())
    unit = next(u for u in store.getunits() if u.xmlelement.get("id").endswith("#heading1"))
    unit.target = "회원 도시들"
    path.write_bytes(bytes(store))
    assert main(["i18n", "import", "--root", str(rich), str(path)]) == 0
    assert "## 회원 도시들" in (rich / f"{CRAFTS}.ko.md").read_text(encoding="utf-8")


def test_a_new_document_is_exported_with_memory_suggestions_and_imported_whole(rich: Path,
                                                                               capsys):
    issue = rich / "content/journal/2024-crafts"
    (issue / "fair.en.md").write_text(
        "---\ntitle: Crafts in the City\n---\nThe craft fair opens on the river bank.\n\n"
        "Cities share their cultural assets with everyone.\n", encoding="utf-8")
    out = export(rich, "--only", "journal/2024-crafts/fair")
    fair = entries(out / "journal/2024-crafts/fair.po")
    # Exactly the same text elsewhere: offered as a fuzzy suggestion with its origin.
    assert fair["title"].fuzzy and fair["title"].msgstr == "도시의 공예"
    assert "100% match from content/journal/2024-crafts/crafts.ko.md (title)" \
        in " ".join(fair["title"].comment.split())
    assert fair["p1"].msgstr == "공예 장터가 강가에서 열린다."
    # A near match: the translation of the closest text, with the text it translates.
    assert fair["p2"].fuzzy and fair["p2"].msgstr == "도시는 문화 자산을 나눈다."
    assert fair["p2"].previous_msgid == "Cities share their cultural assets."
    assert "second.ko.md (p1)" in " ".join(fair["p2"].comment.split())
    # The translator accepts them; the new file is made on the source's structure.
    catalog = polib.pofile(str(out / "journal/2024-crafts/fair.po"))
    for entry in catalog:
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
        entry.previous_msgid = entry.previous_msgctxt = None
    catalog.save()
    assert main(["i18n", "import", "--root", str(rich),
                 str(out / "journal/2024-crafts/fair.po")]) == 0
    made = (issue / "fair.ko.md").read_text(encoding="utf-8")
    assert made.startswith("---\ntitle: 도시의 공예\nsource_hash: \"")
    assert "공예 장터가 강가에서 열린다.\n\n도시는 문화 자산을 나눈다.\n" in made


def test_an_earlier_version_of_the_same_article_is_remembered(rich: Path):
    source = rich / f"{DIALOGUE}.en.md"
    text = source.read_text(encoding="utf-8")
    # The second turn is dropped, then comes back in a later version.
    source.write_text(text.replace("lee: Its people, and what they make with their hands.\n",
                                   "lee: Money.\n"), encoding="utf-8")
    _commit(rich, "turn replaced")
    dialogue = entries(export(rich) / "journal/2024-crafts/conversation.po")
    assert dialogue["turn2"].fuzzy
    assert dialogue["turn2"].previous_msgid == \
        "Its people, and what they make with their hands."


# -- glossary -------------------------------------------------------------------------

def test_glossary_misses_are_reported_with_file_line_and_segment(rich: Path, capsys):
    (rich / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    target = rich / f"{CRAFTS}.ko.md"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "| 이천 | 공예와 민속예술 | 2010 |", "| 이천 | 공예 | 2010 |"), encoding="utf-8")
    main(["i18n", "mark", "--root", str(rich), str(target)])
    capsys.readouterr()
    assert main(["status", "--root", str(rich), "--json", "--lang", "ko"]) == 0
    report = json.loads(capsys.readouterr().out)["languages"]["ko"]
    assert report["counts"]["glossary_misses"] == 1
    miss = report["glossary"][0]
    assert miss == {"file": f"{CRAFTS}.ko.md", "line": 15,
                    "segment": "journal/2024-crafts/crafts#cell1.2.2",
                    "source_term": "Crafts and Folk Art", "expected": "공예와 민속예술"}
    assert main(["status", "--root", str(rich), "--check", "--lang", "ko"]) == 1
    assert "1 translation problem" in capsys.readouterr().err
    assert main(["i18n", "check", "--root", str(rich), "--lang", "ko"]) == 1
    out = capsys.readouterr().out
    assert f"{CRAFTS}.ko.md:15: glossary: segment cell1.2.2: the source says 'Crafts and " \
           "Folk Art' but the translation lacks '공예와 민속예술'" in out
    # The export carries the terms as notes, and the glossary as TBX.
    exported = export(rich)
    crafts = entries(exported / "journal/2024-crafts/crafts.po")
    assert "Glossary: Crafts and Folk Art → 공예와 민속예술 (a field of the network)" \
        in " ".join(crafts["cell1.2.2"].comment.split())
    tbx = (exported / "glossary.tbx").read_text(encoding="utf-8")
    assert "<term>창의도시</term>" in tbx and "<term>creative city</term>" in tbx


def test_glossary_matching_forgives_plurals_case_and_korean_particles(rich: Path, capsys):
    from folio.i18n.glossary import Term
    term = Term({"en": "creative city", "ko": "유네스코 창의도시 네트워크"}, "", 1)
    assert term.found("en", "Two Creative Cities met.")
    assert not term.found("en", "A creative citywide plan.")
    assert term.found("ko", "유네스코 창의도시네트워크는")
    assert not term.found("ko", "유네스코 네트워크")
    # Terms that begin or end with punctuation are found, still as whole words.
    short = Term({"en": "(UCCN)", "ko": "U.S."}, "", 1)
    assert short.found("en", "The network (UCCN) met.")
    assert short.found("ko", "U.S. 대표단")
    assert not short.found("en", "The network x(UCCN)y met.")


def test_a_broken_glossary_is_an_error_at_its_line(rich: Path, capsys):
    (rich / "glossary.yaml").write_text("terms:\n  - en: city\n    fr: ville\n",
                                        encoding="utf-8")
    assert main(["status", "--root", str(rich)]) == 1
    err = capsys.readouterr().err
    assert "glossary.yaml:3" in err and "'fr' is not a language of the publication" in err


# -- review sheet ---------------------------------------------------------------------

def test_review_sheet_sets_source_and_translation_side_by_side(rich: Path, capsys):
    source = rich / f"{CRAFTS}.en.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "Jinju silk has been made", "Jinju silk has long been made").replace(
        "## Member cities", "A new paragraph before.\n\n## Member cities"), encoding="utf-8")
    _commit(rich, "source edited")
    assert main(["review", "crafts", "--root", str(rich), "--lang", "ko", "--html"]) == 0
    pdf = rich / "output/review/ko/journal/2024-crafts/crafts.pdf"
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    assert '<tr class="fuzzy" id="segment-footnote.silk">' in html
    assert '<tr class="untranslated" id="segment-p2">' in html
    assert html.count('<tr class="translated"') == 21
    text = pdftotext(pdf, "-layout")
    # Side by side: the English and the Korean of a segment on the same line.
    line = next(line for line in text.splitlines() if "Member cities" in line)
    assert "회원 도시" in line and "heading1" in text
    assert "The source changed: Jinju silk has long been made" in " ".join(text.split())
    assert "<del>" not in html.split("<tbody>")[1].split("segment-footnote.silk")[0]
    assert "has <ins>long</ins> been made" in html
    assert "untranslated" in text and "to check" in text
    fonts = pdffonts(pdf)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert any("CJK" in f["name"] for f in fonts)
    # Tagged, as the screen profile is: a table with header cells, each column in
    # its language.
    import pikepdf
    with pikepdf.open(pdf) as tagged:
        kinds = {}
        pending = [tagged.Root.StructTreeRoot.K]
        while pending:
            node = pending.pop()
            if isinstance(node, pikepdf.Array):
                pending += list(node)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.setdefault(str(node.S), []).append(str(node.get("/Lang", "")))
                pending.append(node.get("/K", pikepdf.Array()))
    assert len(kinds["/TH"]) % 3 == 0 and kinds["/TD"].count("ko-KR") >= 21


def test_review_of_an_unknown_document_names_the_known_ones(rich: Path, capsys):
    assert main(["review", "nothing", "--root", str(rich), "--lang", "ko"]) == 1
    err = capsys.readouterr().err
    assert "no document 'nothing'" in err and "journal/2024-crafts/crafts" in err


# -- what a hostile review found ----------------------------------------------------------

def test_a_folded_abstract_and_an_empty_yaml_text_are_written_validly(rich: Path, capsys):
    import yaml
    target = rich / f"{CRAFTS}.ko.md"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "abstract: 공예가 창의도시를 어떻게 만드는가.",
        "abstract: >-\n  공예가 창의도시를\n  어떻게 만드는가."), encoding="utf-8")
    issue = rich / "content/journal/2024-crafts/issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace(
        "publisher: {ko: 시험 발행처, en: Test Publisher}",
        "publisher:\n  ko:\n  en: Test Publisher"), encoding="utf-8")
    out = export(rich)
    _set(out / "journal/2024-crafts/crafts.po", {"abstract": "새 초록: 공예와 도시."})
    _set(out / "journal/2024-crafts/issue.po", {"publisher": "시험 발행처"})
    assert main(["i18n", "import", "--root", str(rich), str(out / "journal/2024-crafts/crafts.po"),
                 str(out / "journal/2024-crafts/issue.po")]) == 0
    front = target.read_text(encoding="utf-8").split("---\n")[1]
    data = yaml.safe_load(front)
    assert data["abstract"] == "새 초록: 공예와 도시." and data["keywords"] == ["공예", "도시"]
    assert yaml.safe_load(issue.read_text(encoding="utf-8"))["publisher"] == {
        "ko": "시험 발행처", "en": "Test Publisher"}


def test_a_catalog_exported_before_the_source_changed_is_kept_fuzzy(rich: Path, capsys):
    out = export(rich)
    source = rich / f"{CRAFTS}.en.md"
    source.write_text(source.read_text(encoding="utf-8").replace("Member cities", "Members"),
                      encoding="utf-8")
    _commit(rich, "heading changed")
    before = (rich / f"{CRAFTS}.ko.md").read_bytes()
    assert main(["i18n", "import", "--root", str(rich),
                 str(out / "journal/2024-crafts/crafts.po")]) == 0
    assert "1 segment translated a source that has changed since the export" in \
        capsys.readouterr().out
    assert (rich / f"{CRAFTS}.ko.md").read_bytes() == before       # not marked up to date


def test_a_translation_cut_differently_is_never_cut_to_fit(rich: Path, capsys):
    target = rich / f"{DIALOGUE}.ko.md"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "kim: 도시를 창의적으로 만드는 것은 무엇인가요?",
        "kim: 도시를 창의적으로\n\nkim: 만드는 것은 무엇인가요?"), encoding="utf-8")
    main(["i18n", "mark", "--root", str(rich), str(target)])
    out = export(rich)
    turns = entries(out / "journal/2024-crafts/conversation.po")
    assert turns["turn1"].fuzzy and turns["turn2"].fuzzy          # they may not pair up
    before = snapshot(rich)
    assert main(["i18n", "import", "--root", str(rich), *map(str, out.rglob("*.po"))]) == 0
    assert snapshot(rich) == before                               # no change, no write
    _set(out / "journal/2024-crafts/conversation.po", {"turn1": "무엇이 도시를 창의적으로?"})
    _set(out / "journal/2024-crafts/crafts.po", {"heading1": "회원 도시들"})
    assert main(["i18n", "import", "--root", str(rich), *map(str, out.rglob("*.po"))]) == 1
    err = capsys.readouterr().err
    assert re.search(r"conversation\.ko\.md:11: turn3 of the translation matches no segment of "
                     r"conversation\.en\.md", " ".join(err.split()))
    assert snapshot(rich) == before                               # crafts.ko.md neither


def test_what_a_tool_wraps_or_indents_stays_one_segment(rich: Path):
    out = export(rich)
    po = out / "journal/2024-crafts/crafts.po"
    _set(po, {"p1": "첫 줄\n\n    둘째 줄<x1/> <g2>공예</g2>", "footnote.silk": "- 목록 같은 각주",
              "cell1.2.1": "가\n나"})
    assert main(["i18n", "import", "--root", str(rich), str(po)]) == 0
    again = entries(export(rich) / "journal/2024-crafts/crafts.po")
    assert again["p1"].msgstr == "첫 줄 둘째 줄<x1/> <g2>공예</g2>"
    assert again["footnote.silk"].msgstr == "- 목록 같은 각주"
    assert again["cell1.2.1"].msgstr == "가 나"
    assert again["heading2"].msgstr == "그림 두 점"                  # the ids did not move


def test_two_catalogs_of_one_document_are_refused(rich: Path, capsys):
    po = export(rich) / "journal/2024-crafts/crafts.po"
    xlf = export(rich, fmt="xliff") / "journal/2024-crafts/crafts.xlf"
    assert main(["i18n", "import", "--root", str(rich), str(po), str(xlf)]) == 1
    assert "journal/2024-crafts/crafts (ko) is also in" in capsys.readouterr().err


@pytest.mark.parametrize("written", ["<ga>공예</ga><x1/>", "<G2>공예</G2><x1/>", "<g2/><x1/>"])
def test_something_shaped_like_a_code_that_is_not_one_is_an_error(rich: Path, capsys, written):
    po = export(rich) / "journal/2024-crafts/crafts.po"
    _set(po, {"p1": written})
    assert main(["i18n", "import", "--root", str(rich), str(po)]) == 1
    assert "is not a placeholder" in capsys.readouterr().err


def test_setext_headings_quoted_tables_and_piped_code_are_written_back(tmp_path: Path):
    root = make_rich(tmp_path)
    folder = root / "content/notices"
    source = ("---\ntitle: Odd\n---\nA heading\n---------\n\n> | H1 | H2 |\n> | --- | --- |\n"
              "> | a | b |\n\n| Code | Note |\n| --- | --- |\n| `c\\|d` | x |\n")
    (folder / "odd.en.md").write_text(source, encoding="utf-8")
    (folder / "odd.ko.md").write_text(source, encoding="utf-8")
    out = export(root, "--only", "notices/odd")
    _set(out / "notices/odd.po", {"heading1": "제목", "cell1.2.2": "비", "cell2.2.2": "메모"})
    assert main(["i18n", "import", "--root", str(root), str(out / "notices/odd.po")]) == 0
    written = (folder / "odd.ko.md").read_text(encoding="utf-8")
    assert "## 제목\n\n> | H1 | H2 |" in written and "---------" not in written
    assert "> | a | 비 |" in written
    assert "| `c\\|d` | 메모 |" in written


def test_a_slug_two_documents_share_must_be_named_in_full(tmp_path: Path, capsys):
    root = tmp_path / "sample"
    root.mkdir()
    for name in ("content", "publication.yaml"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    assert main(["review", "jinju-designation", "--root", str(root), "--lang", "ko"]) == 1
    err = capsys.readouterr().err
    assert "names 2 documents" in err and "notices/jinju-designation" in err


def test_a_document_written_in_korean_is_exported_into_english(rich: Path):
    folder = rich / "content/notices"
    (folder / "only-ko.ko.md").write_text("---\ntitle: 한국어로만\n---\n한국어 본문.\n",
                                          encoding="utf-8")
    out = rich / "exported-en"
    assert main(["i18n", "export", "--root", str(rich), "--lang", "en", "--out", str(out)]) == 0
    only = entries(out / "notices/only-ko.po")
    assert only["p1"].msgid == "한국어 본문." and only["p1"].msgstr == ""
    _set(out / "notices/only-ko.po", {"title": "Korean Only", "p1": "A Korean text."})
    assert main(["i18n", "import", "--root", str(rich), str(out / "notices/only-ko.po")]) == 0
    made = (folder / "only-ko.en.md").read_text(encoding="utf-8")
    assert made.startswith("---\ntitle: Korean Only\nsource_hash: ") and "A Korean text." in made
