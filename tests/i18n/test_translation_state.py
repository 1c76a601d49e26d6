"""The translators' workflow: catalogs, stale translations, status, strict and draft builds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, pdftotext
from pypdf import PdfReader

from folio.cli import main
from folio.content import translations as tr

NOTICE_EN = "content/notices/open-day.en.md"
NOTICE_KO = "content/notices/open-day.ko.md"
TRANSLATIONS = ("content/journal/2024-no2/first.ko.md", "content/journal/2024-no2/second.ko.md",
                NOTICE_KO)


def status(root: Path, capsys, *args: str) -> tuple[int, dict]:
    code = main(["status", "--root", str(root), "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def ko_state(report: dict, document: str) -> str:
    return next(d["state"] for d in report["languages"]["ko"]["documents"]
                if d["document"] == document)


@pytest.fixture
def marked(tiny: Path, capsys) -> Path:
    """The tiny publication with every translation marked as checked."""
    assert main(["i18n", "mark", *(str(tiny / f) for f in TRANSLATIONS)]) == 0
    capsys.readouterr()
    return tiny


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_unmarked_translations_are_unchecked_until_marked(tiny: Path, capsys):
    code, report = status(tiny, capsys)
    assert code == 0 and not report["ok"]
    assert ko_state(report, "notices/open-day") == tr.UNCHECKED
    assert main(["i18n", "mark", str(tiny / NOTICE_KO)]) == 0
    assert capsys.readouterr().out.startswith(f"marked {tiny / NOTICE_KO}: translates ")
    assert "source_hash" in (tiny / NOTICE_KO).read_text(encoding="utf-8")
    _, report = status(tiny, capsys)
    assert ko_state(report, "notices/open-day") == tr.TRANSLATED


def test_a_source_edit_makes_translations_stale_until_marked(marked: Path, capsys):
    edit(marked / NOTICE_EN, "Visitors are welcome.", "Visitors and families are welcome.")
    code, report = status(marked, capsys, "--check")
    assert code == 1
    assert ko_state(report, "notices/open-day") == tr.STALE
    assert ko_state(report, "journal/2024-no2/first") == tr.TRANSLATED
    assert report["languages"]["ko"]["counts"]["stale"] == 1

    assert main(["i18n", "mark", str(marked / NOTICE_KO)]) == 0
    capsys.readouterr()
    code, report = status(marked, capsys, "--check")
    assert code == 0 and report["ok"]
    assert ko_state(report, "notices/open-day") == tr.TRANSLATED


@pytest.mark.parametrize("old, new, stale", [
    ("Visitors are welcome.\n", "Visitors   are\nwelcome.  \n\n\n", False),   # reflow
    ("date: 2024-06-01", "date: 2024-06-08", False),                        # not translated
    ("place: Jinju", "place: Jinju Castle", True),                           # translated field
    ("title: Open Day", "title: Open House", True),
])
def test_only_translatable_changes_make_a_translation_stale(marked: Path, capsys,
                                                              old, new, stale):
    edit(marked / NOTICE_EN, old, new)
    _, report = status(marked, capsys)
    assert ko_state(report, "notices/open-day") == (tr.STALE if stale else tr.TRANSLATED)


def test_status_shows_what_changed_from_git_history(marked: Path, capsys):
    git = ["git", "-C", str(marked), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "translated"], check=True)
    edit(marked / NOTICE_EN, "Visitors are welcome.", "Visitors and families are welcome.")
    _, report = status(marked, capsys)
    notice = next(d for d in report["languages"]["ko"]["documents"]
                  if d["document"] == "notices/open-day")
    assert notice["diff"] == ["~ Visitors {+and families+} are welcome."]
    assert notice["file"] == NOTICE_KO and notice["source"] == NOTICE_EN
    assert notice["line"] == 5      # the source_hash line, where the translator looks

    assert main(["status", "--root", str(marked)]) == 0
    text = capsys.readouterr().out
    assert f"{NOTICE_KO}:5: stale" in text and "{+and families+}" in text
    assert f"folio i18n mark {NOTICE_KO}" in text


def test_status_json_shape_and_check_exit_codes(marked: Path, capsys):
    code, report = status(marked, capsys, "--check")
    assert code == 0 and report["ok"] is True
    assert report["source_language"] == "en"
    ko = report["languages"]["ko"]
    assert set(ko) == {"name", "problems", "counts", "documents", "catalog", "fields",
                       "glossary"}
    assert ko["name"] == "Korean" and ko["problems"] == 0
    assert set(ko["counts"]) == {"source", "translated", "missing", "stale", "unchecked",
                                 "untranslated_strings", "fuzzy_strings", "obsolete_strings",
                                 "missing_fields", "glossary_misses"}
    assert [d["document"] for d in ko["documents"]] == [
        "journal/2024-no2/first", "journal/2024-no2/second", "notices/open-day"]
    assert set(ko["documents"][0]) == {"document", "state", "file", "source", "line",
                                       "recorded_hash", "current_hash", "diff",
                                       "not_translated"}
    assert {"file", "total", "translated", "untranslated", "fuzzy", "obsolete"} == \
        set(ko["catalog"])
    assert [d["state"] for d in report["languages"]["en"]["documents"]] == [tr.SOURCE] * 3

    (marked / "content/journal/2024-no2/second.ko.md").unlink()
    edit(marked / "content/journal/2024-no2/issue.yaml", "{ko: 편집장, en: Editor-in-Chief}",
         "{en: Editor-in-Chief}")
    code, report = status(marked, capsys, "--check")
    assert code == 1 and not report["ok"]
    ko = report["languages"]["ko"]
    assert ko["counts"]["missing"] == 1 and ko["problems"] == 2
    assert ko["fields"] == [{"file": "content/journal/2024-no2/issue.yaml", "line": 10,
                             "key": "editors[0].role"}]
    assert main(["status", "--root", str(marked), "--lang", "en", "--check"]) == 0


def test_a_strict_build_lists_every_translation_problem(marked: Path, capsys, monkeypatch):
    monkeypatch.chdir(marked)
    (marked / "content/journal/2024-no2/second.ko.md").unlink()
    edit(marked / NOTICE_EN, "Visitors are welcome.", "Everyone is welcome.")
    edit(marked / "content/journal/2024-no2/issue.yaml", "{ko: 홍길동, en: Hong Gildong}",
         "{en: Hong Gildong}")
    assert main(["--root", str(marked), "--lang", "ko", "--jobs", "1"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: content/journal/2024-no2/issue.yaml:11: field 'editors[0].name' has no 'ko' "
        "text — add 'ko: …' to it, or build with --draft to print another language's text "
        "marked 'translation pending'",
        "error: content/journal/2024-no2/issue.yaml:14: article 'second' has no Korean "
        "translation second.ko.md — translate second.en.md into second.ko.md, or build with "
        "--draft to print the English text marked 'translation pending'",
        "error: content/notices/open-day.ko.md:5: out-of-date translation: open-day.en.md has "
        "changed since this was translated — bring it up to date, then run 'folio "
        "i18n mark content/notices/open-day.ko.md' ('folio status' shows what "
        "changed; --draft builds anyway)",
        "build failed: 3 problems; 2 of 2 documents not written"]
    assert not (marked / "output").exists()


def test_a_draft_build_marks_every_page_of_pending_documents(marked: Path, capsys):
    (marked / "content/journal/2024-no2/second.ko.md").unlink()
    edit(marked / NOTICE_EN, "Visitors are welcome.", "Everyone is welcome.")
    assert main(["--root", str(marked), "--lang", "ko", "--draft", "--jobs", "1"]) == 0
    out = marked / "output/ko"
    assert sorted(p.name for p in out.iterdir()) == [
        "journal-2024-no2.draft.pdf", "notice-open-day.draft.pdf"]

    journal = out / "journal-2024-no2.draft.pdf"
    reader = PdfReader(journal)
    assert reader.metadata.title.startswith("초안 · ")
    for number in range(1, len(reader.pages) + 1):
        assert "초안 · 번역 중 · Translation pending" in pdftotext(
            journal, "-f", str(number), "-l", str(number)), f"page {number} has no mark"
    text = " ".join(pdftotext(journal).split())
    # The missing Korean article is printed in English, and says so.
    assert "Cities share their cultural assets." in text
    assert "번역 중: 번역이 끝날 때까지 이 글은 영어 원문으로 싣습니다." in text
    assert "창의도시는 지역의 문제를" in text            # the translated article is there too

    notice = " ".join(pdftotext(out / "notice-open-day.draft.pdf").split())
    assert "번역 중: 번역한 뒤에 원문이 바뀌었습니다." in notice
    assert "방문을 환영합니다." in notice              # the stale translation itself


def test_a_complete_language_builds_final_files_even_with_draft(marked: Path, capsys):
    assert main(["--root", str(marked), "--lang", "ko", "--only", "notice-open-day",
                 "--draft", "--jobs", "1"]) == 0
    pdf = marked / "output/ko/notice-open-day.pdf"
    assert "Translation pending" not in pdftotext(pdf)
    assert not PdfReader(pdf).metadata.title.startswith("초안")


def test_mark_refuses_a_source_and_a_file_outside_content(marked: Path, capsys):
    assert main(["i18n", "mark", str(marked / NOTICE_EN)]) == 1
    err = capsys.readouterr().err
    assert "open-day.en.md: this is the source (en) of its translations" in err
    assert "mark the translated files, e.g. open-day.ko.md" in err
    assert main(["i18n", "mark", str(marked / "publication.yaml")]) == 1
    assert "not a content file of this publication" in capsys.readouterr().err


def test_extract_and_update_catalogs(tiny: Path, capsys, monkeypatch):
    """A new template string, a changed one and a new language, as a translator meets them."""
    monkeypatch.chdir(tiny)
    templates = tiny / "templates"
    templates.mkdir()
    bundled = REPO / "templates"
    half = (bundled / "notice_half.html.j2").read_text(encoding="utf-8")
    (templates / "notice_half.html.j2").write_text(
        half.replace("<h1", '<p>{{ _("Open to all") }}</p>\n  <h1', 1), encoding="utf-8")
    info = (bundled / "notice_info.html.j2").read_text(encoding="utf-8")
    (templates / "notice_info.html.j2").write_text(info.replace('_("Place")', '_("Venue")'),
                                                    encoding="utf-8")
    edit(tiny / "publication.yaml", "languages: [ko, en]", "languages: [ko, en, ja]")
    edit(tiny / "publication.yaml", "en: Test Journal}", "en: Test Journal, ja: テストジャーナル}")
    edit(tiny / "publication.yaml", "  en: {serif",
         "  ja: {serif: [Noto Serif CJK JP], sans: [Noto Sans CJK JP]}\n  en: {serif")

    assert main(["i18n", "update", "--root", str(tiny)]) == 0
    out = capsys.readouterr().out
    pot = (tiny / "locales/messages.pot").read_text(encoding="utf-8")
    assert 'msgid "Open to all"' in pot and 'msgid "Venue"' in pot
    assert 'msgid "Place"' not in pot
    assert "created locales/ja/LC_MESSAGES/messages.po" in out
    assert (tiny / "locales/ja/LC_MESSAGES/messages.po").is_file()

    code, report = status(tiny, capsys)
    ko = report["languages"]["ko"]["catalog"]
    assert "Open to all" in ko["untranslated"]
    assert "Place" in ko["obsolete"]
    assert report["languages"]["ja"]["catalog"]["translated"] == 0

    # Running it again changes nothing: no new dates in files that did not change.
    before = (tiny / "locales/ko/LC_MESSAGES/messages.po").read_bytes()
    assert main(["i18n", "update", "--root", str(tiny)]) == 0
    assert "unchanged locales/ko/LC_MESSAGES/messages.po" in capsys.readouterr().out
    assert (tiny / "locales/ko/LC_MESSAGES/messages.po").read_bytes() == before

    assert main(["i18n", "compile", "--root", str(tiny)]) == 0
    assert (tiny / "locales/ko/LC_MESSAGES/messages.mo").is_file()


def test_source_hash_ignores_whitespace_but_not_words():
    path = Path("x.en.md")
    base = "---\ntitle: A\ndate: 2024-01-01\n---\nOne two.\n\nThree.\n"
    same = "---\ntitle:   A\ndate: 2025-01-01\n---\n\nOne\ntwo.\n\n\n\nThree.  \n"
    assert tr.hash_text(base, path) == tr.hash_text(same, path)
    assert tr.hash_text(base, path) != tr.hash_text(base.replace("Three", "Four"), path)
    # Merging two paragraphs is a change a translator has to follow.
    assert tr.hash_text(base, path) != tr.hash_text(base.replace(".\n\nThree", ". Three"), path)


def test_status_writes_nothing(marked: Path, capsys):
    before = {p: p.read_bytes() for p in marked.rglob("*") if p.is_file()}
    status(marked, capsys)
    after = {p: p.read_bytes() for p in marked.rglob("*") if p.is_file()}
    assert before == after
