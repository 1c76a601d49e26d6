"""Fixed strings through gettext catalogs; dates and numbers through Babel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from folio.config.layout import TemplateSet, locales_dirs_for
from folio.config.publication import language_for
from folio.config.reading import Reader
from folio.defaults import BUNDLED
from folio.errors import BuildError
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
