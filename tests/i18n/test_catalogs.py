"""Fixed strings through gettext catalogs; dates and numbers through Babel."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from folio.cli import main
from folio.config.layout import TemplateSet, locales_dirs_for
from folio.config.publication import language_for, load_config
from folio.config.reading import Reader
from folio.defaults import BUNDLED
from folio.errors import BuildError
from folio.i18n import maintenance
from folio.i18n.catalog import load_translations
from folio.i18n.formatting import Formatter
from folio.render.environment import make_environment

KO, EN = language_for("ko"), language_for("en")


def test_dates_are_formatted_per_language():
    day = dt.date(2019, 10, 30)
    assert Formatter(KO).date(day) == "2019년 10월 30일"
    assert Formatter(EN).date(day) == "October 30, 2019"
    assert Formatter(KO).number(1234567) == "1,234,567"


def test_bundled_catalogs_translate_template_strings():
    ko = load_translations(locales_dirs_for(BUNDLED), KO)
    assert ko.gettext("Contents") == "목차"
    assert ko.gettext("Vol. %(volume)s, No. %(number)s") == "제%(volume)s권 제%(number)s호"
    en = load_translations(locales_dirs_for(BUNDLED), EN)
    assert en.gettext("Contents") == "Contents"


@pytest.mark.parametrize("language, expected", [
    (KO, ["글 1편", "글 7편"]), (EN, ["1 article", "7 articles"])])
def test_plural_forms_in_templates(tmp_path: Path, language, expected):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/count.j2").write_text(
        "{% trans count=n %}{{ count }} article{% pluralize %}{{ count }} articles"
        "{% endtrans %}")
    env = make_environment(TemplateSet((tmp_path / "templates",)),
                           load_translations(locales_dirs_for(BUNDLED), language), language,
                           Reader(tmp_path))
    template = env.get_template("count.j2")
    assert [template.render(n=1), template.render(n=7)] == expected


def test_fuzzy_entries_are_not_used(tmp_path: Path):
    po = tmp_path / "ko/LC_MESSAGES"
    po.mkdir(parents=True)
    (po / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\nmsgid "Contents"\nmsgstr "차례?"\n\nmsgid "Notice"\nmsgstr "알림"\n',
        encoding="utf-8")
    translations = load_translations((tmp_path,), KO)
    assert translations.gettext("Contents") == "Contents"
    assert translations.gettext("Notice") == "알림"


def test_broken_catalog_names_file_and_line(tmp_path: Path):
    po = tmp_path / "ko/LC_MESSAGES"
    po.mkdir(parents=True)
    (po / "messages.po").write_text('msgid ""\nmsgstr ""\n\nmsgid "Notice"\nmsgtsr "알림"\n',
                                    encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        load_translations((tmp_path,), KO)
    problem = caught.value.problems[0]
    assert problem.path == po / "messages.po" and problem.line == 5
    assert "misformatted keyword" in problem.message


def test_placeholder_mismatch_is_an_error(tmp_path: Path):
    po = tmp_path / "ko/LC_MESSAGES"
    po.mkdir(parents=True)
    (po / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, python-format\nmsgid "Vol. %(volume)s"\nmsgstr "제%(vol)s권"\n', encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        load_translations((tmp_path,), KO)
    [problem] = caught.value.problems
    assert problem.line == 6 and problem.message == (
        "translation of 'Vol. %(volume)s' has placeholders the msgid has not: %(vol)s")


# --- Catalogs that gettext tools accept -------------------------------------------

needs_msgfmt = pytest.mark.skipif(shutil.which("msgfmt") is None,
                                  reason="GNU gettext's msgfmt is not installed")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# A catalog as Babel starts one, placeholders and all, with an editor's English wording
# ("Contents"), a msgstr that copies a msgid gone since ("Participant"), one an editor
# changed whose msgid is gone since ("Keyword") and entries still empty.
PLACEHOLDER_EN = """\
# English translations for PROJECT.
# Copyright (C) 2024 ORGANIZATION
# This file is distributed under the same license as the PROJECT project.
# FIRST AUTHOR <EMAIL@ADDRESS>, 2024.
#
msgid ""
msgstr ""
"Project-Id-Version: PROJECT VERSION\\n"
"Report-Msgid-Bugs-To: EMAIL@ADDRESS\\n"
"POT-Creation-Date: 2024-05-01 10:00+0000\\n"
"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"
"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"
"Language: en\\n"
"Language-Team: en <LL@li.org>\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"

msgid "Contents"
msgstr "Table of contents"

msgid "Participant"
msgstr "Participant"

msgid "Keyword"
msgstr "Key word"

msgid "Abstract"
msgstr ""

#, python-format
msgid "%(count)s article"
msgid_plural "%(count)s articles"
msgstr[0] ""
msgstr[1] ""
"""


def _publication(tiny: Path) -> Path:
    """``tiny`` with a third language that has no catalog anywhere (Japanese) and an
    English catalog of its own with Babel's placeholder header."""
    yaml = tiny / "publication.yaml"
    text = yaml.read_text(encoding="utf-8")
    for old, new in (("languages: [ko, en]", "languages: [ko, en, ja]"),
                     ("en: Test Journal}", "en: Test Journal, ja: テストジャーナル}"),
                     ("  en: {serif", "  ja: {serif: [Noto Serif CJK JP], sans: [Noto Sans CJK JP]}"
                                      "\n  en: {serif")):
        assert old in text
        text = text.replace(old, new)
    yaml.write_text(text, encoding="utf-8")
    po = tiny / "locales/en/LC_MESSAGES/messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(PLACEHOLDER_EN, encoding="utf-8")
    return tiny


def _update(root: Path) -> None:
    assert main(["i18n", "update", "--root", str(root)]) == 0


def _catalogs(root: Path) -> dict[str, Path]:
    return {code: root / f"locales/{code}/LC_MESSAGES/messages.po" for code in ("ko", "en", "ja")}


def _read(path: Path):
    with path.open("rb") as stream:
        return read_po(stream)


def _headers(path: Path) -> dict[str, str]:
    return dict(_read(path).mime_headers)


def _msgfmt_c(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True,
                          text=True, check=False)


@pytest.fixture
def no_git_user(monkeypatch, tmp_path: Path):
    """git with no user configured and no repository above the publication."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                 "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


@needs_msgfmt
def test_updated_catalogs_pass_msgfmt_check(tiny: Path, no_git_user):
    """Created from nothing (ja), from the bundled catalog (ko) or from a placeholder
    header (en): msgfmt -c has nothing to say, not even a warning, and a second
    update changes no byte."""
    root = _publication(tiny)
    _update(root)
    written = _catalogs(root)
    assert all(path.is_file() for path in written.values())
    for path in written.values():
        done = _msgfmt_c(path)
        assert (done.returncode, done.stderr) == (0, ""), path
    before = {code: path.read_bytes() for code, path in written.items()}
    _update(root)
    assert {code: path.read_bytes() for code, path in written.items()} == before


@needs_msgfmt
@pytest.mark.parametrize("code", ["ko", "en"])
def test_committed_catalogs_pass_msgfmt_check(code):
    done = _msgfmt_c(BUNDLED / f"locales/{code}/LC_MESSAGES/messages.po")
    assert (done.returncode, done.stderr) == (0, "")


def test_english_catalog_is_filled_like_msgen(tiny: Path, no_git_user):
    root = _publication(tiny)
    _update(root)
    catalog = _read(_catalogs(root)["en"])
    entries = [m for m in catalog if m.id]
    assert len(entries) > 20
    edited = {"Contents"}
    for message in entries:
        if message.id in edited or message.fuzzy:
            continue
        if isinstance(message.id, str):
            assert message.string == message.id
        else:
            assert tuple(message.string) == tuple(message.id)    # msgstr[0], msgstr[1]
    plural = catalog.get("%(count)s article")
    assert tuple(plural.string) == ("%(count)s article", "%(count)s articles")
    # A msgstr that only copied a msgid gone since is no fuzzy guess for its successor.
    assert not catalog.get("Participants").fuzzy
    assert catalog.get("Participants").string == "Participants"
    # The status report and gettext's own count agree: English is complete.
    config = load_config(root)
    template = maintenance.extract(TemplateSet.for_root(root, BUNDLED).dirs, config)
    [en] = [s for s in maintenance.stats(template, config, locales_dirs_for(root))
            if s.language == "en"]
    assert en.untranslated == () and en.translated == en.total - len(en.fuzzy)


def test_english_wording_an_editor_changed_survives_update(tiny: Path, no_git_user):
    root = _publication(tiny)
    _update(root)
    _update(root)
    catalog = _read(_catalogs(root)["en"])
    assert catalog.get("Contents").string == "Table of contents"
    assert not catalog.get("Contents").fuzzy
    # Its msgid changed: the editor's wording is kept, marked fuzzy for review.
    keywords = catalog.get("Keywords")
    assert keywords.fuzzy and keywords.string == "Key word"
    assert load_translations(locales_dirs_for(root), EN).gettext("Contents") == \
        "Table of contents"


@needs_git
def test_catalog_headers_are_meaningful(tiny: Path, no_git_user):
    root = _publication(tiny)
    en = _catalogs(root)["en"]

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    git("init", "-q")
    git("add", str(en))
    git("-c", "user.name=Ada Translator", "-c", "user.email=ada@example.org",
        "commit", "-q", "-m", "English catalog")
    _update(root)
    headers = {code: _headers(path) for code, path in _catalogs(root).items()}
    assert {code: h["Language"] for code, h in headers.items()} == \
        {"ko": "ko", "en": "en", "ja": "ja"}
    assert {code: h["Language-Team"] for code, h in headers.items()} == {
        "ko": "Korean (Test Journal)", "en": "English (Test Journal)",
        "ja": "Japanese (Test Journal)"}
    assert headers["en"]["Last-Translator"] == "Ada Translator <ada@example.org>"  # git log
    assert headers["ko"]["Last-Translator"] == "folio sample <journal@example.org>"  # kept
    assert headers["ja"]["Last-Translator"] == "the publication's editors"   # no one known
    for code, path in _catalogs(root).items():
        text = path.read_text(encoding="utf-8")
        for placeholder in ("FIRST AUTHOR", "FULL NAME", "EMAIL@ADDRESS", "LL@li.org",
                            "VERSION", "YEAR", "PROJECT", "ORGANIZATION"):
            assert placeholder not in text, (code, placeholder)
        assert headers[code]["Project-Id-Version"] == "Test Journal"
    # A new catalog, nobody's commit yet: the git user running the command.
    _catalogs(root)["ja"].unlink()
    git("config", "user.name", "Bo Editor")
    git("config", "user.email", "bo@example.org")
    _update(root)
    assert _headers(_catalogs(root)["ja"])["Last-Translator"] == "Bo Editor <bo@example.org>"
