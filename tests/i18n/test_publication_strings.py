"""A publication's own fixed strings: the cover's from publication.yaml, single
catalog entries over the bundled catalog (the rest falling back to it), and a
misspelt msgid refused at its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_tiny, pdftotext

from folio.cli import main

JOURNAL = "journal-2024-no2"
HEADER = """\
msgid ""
msgstr ""
"Language: ko\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""


def _build(root: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["build", "--root", str(root), "--jobs", "1", "--only", JOURNAL, *extra])
    return code, capsys.readouterr().err


def _cover(root: Path, lang: str) -> str:
    return pdftotext(root / f"output/{lang}/{JOURNAL}.pdf", "-l", "1")


def _catalog(root: Path, entries: str) -> Path:
    path = root / "locales/ko/LC_MESSAGES/messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + entries, encoding="utf-8")
    return path


@pytest.fixture
def pub(tmp_path: Path) -> Path:
    return make_tiny(tmp_path)


def test_the_cover_says_what_publication_yaml_says(pub: Path, capsys) -> None:
    assert _build(pub, capsys)[0] == 0
    assert "국제저널" in _cover(pub, "ko")              # the bundled default, unchanged
    assert "INTERNATIONAL JOURNAL" in _cover(pub, "en")
    with (pub / "publication.yaml").open("a", encoding="utf-8") as config:
        config.write("cover:\n"
                     "  kicker: {ko: 공예 연구 총서, en: Craft Studies}\n"
                     "  series: {ko: 진주 공예 총서 3, en: Jinju Craft Series 3}\n"
                     "  lines:\n"
                     "    - {ko: 특집 공예와 도시, en: 'Special issue: crafts and the city'}\n")
    code, err = _build(pub, capsys)
    assert code == 0, err
    ko, en = _cover(pub, "ko"), _cover(pub, "en")
    assert "공예 연구 총서" in ko and "진주 공예 총서 3" in ko and "특집 공예와 도시" in ko
    assert "CRAFT STUDIES" in en and "Jinju Craft Series 3" in en
    assert "Special issue: crafts and the city" in en
    assert "국제저널" not in ko and "INTERNATIONAL" not in en


def test_a_language_left_out_of_the_kicker_prints_none(pub: Path, capsys) -> None:
    with (pub / "publication.yaml").open("a", encoding="utf-8") as config:
        config.write("cover:\n  kicker: {ko: 공예 연구 총서}\n")
    assert _build(pub, capsys)[0] == 0
    assert "공예 연구 총서" in _cover(pub, "ko")
    en = _cover(pub, "en")
    assert "INTERNATIONAL" not in en and "공예" not in en and "Test Journal" in en


def test_a_misspelt_cover_key_is_located(pub: Path, capsys) -> None:
    with (pub / "publication.yaml").open("a", encoding="utf-8") as config:
        config.write("cover:\n  kiker: {ko: 총서, en: Series}\n")
    line = (pub / "publication.yaml").read_text("utf-8").splitlines().index(
        "  kiker: {ko: 총서, en: Series}") + 1
    code, err = _build(pub, capsys)
    assert code == 1 and "kiker" in err and f"publication.yaml:{line}" in err
    assert not (pub / "output/ko").exists()


def test_a_catalog_of_one_string_overrides_it_and_no_other(pub: Path, capsys) -> None:
    _catalog(pub, '\nmsgid "Contents"\nmsgstr "이번 호 차례"\n')
    code, err = _build(pub, capsys)          # not a draft: the rest comes from the bundle
    assert code == 0, err
    text = pdftotext(pub / f"output/ko/{JOURNAL}.pdf")
    assert "이번 호 차례" in text and "목차" not in text
    assert "편집위원회" in text                         # the bundled translation stands
    assert "Editorial Board" not in text and "Contents" not in text
    assert not list(pub.rglob("*.draft.pdf"))


def test_status_counts_the_bundled_strings_as_translated(pub: Path, capsys) -> None:
    import json
    _catalog(pub, '\nmsgid "Contents"\nmsgstr "이번 호 차례"\n')
    main(["status", "--root", str(pub), "--json", "--lang", "ko"])
    report = json.loads(capsys.readouterr().out)
    ko = report["languages"]["ko"]
    assert ko["catalog"]["file"].endswith("locales/ko/LC_MESSAGES/messages.po")
    assert ko["catalog"]["untranslated"] == [] and ko["counts"]["untranslated_strings"] == 0
    assert ko["catalog"]["translated"] == ko["catalog"]["total"] > 20


def test_an_untranslated_entry_falls_back_too(pub: Path, capsys) -> None:
    _catalog(pub, '\nmsgid "Contents"\nmsgstr ""\n\nmsgid "Editorial Board"\n'
                  'msgstr "편집진"\n')
    assert _build(pub, capsys)[0] == 0
    text = pdftotext(pub / f"output/ko/{JOURNAL}.pdf")
    assert "목차" in text and "편집진" in text


def test_a_misspelt_msgid_is_an_error_at_its_line(pub: Path, capsys) -> None:
    path = _catalog(pub, '\nmsgid "Contents"\nmsgstr "차례"\n\n'
                         'msgid "Editorial Bord"\nmsgstr "편집진"\n')
    line = path.read_text("utf-8").splitlines().index('msgid "Editorial Bord"') + 1
    code, err = _build(pub, capsys)
    assert code == 1
    assert f"messages.po:{line}" in err and "'Editorial Bord'" in err
    assert "did you mean 'Editorial Board'" in err
    assert not (pub / f"output/ko/{JOURNAL}.pdf").exists()
    assert (pub / f"output/en/{JOURNAL}.pdf").exists()     # English has no such catalog
