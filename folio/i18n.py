"""Template strings from gettext catalogs, and dates and numbers for a language.

Catalogs are the translators' ``locales/<lang>/LC_MESSAGES/messages.po``, read and
compiled in memory with Babel, so no ``.mo`` file is ever committed or stale.
Formatting goes through Babel with an explicit locale: never ``locale.setlocale``,
which is process-wide and depends on what the machine has installed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from .configuration import Language
from .errors import BuildError, Problem

DOMAIN = "messages"


def catalog_path(locales_dirs: tuple[Path, ...], code: str) -> Path | None:
    """The first ``messages.po`` for ``code`` along the override chain."""
    for directory in locales_dirs:
        candidate = directory / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if candidate.is_file():
            return candidate
    return None


def load_translations(locales_dirs: tuple[Path, ...], language: Language) -> NullTranslations:
    """Compile the language's catalog in memory; no catalog means the msgids show."""
    path = catalog_path(locales_dirs, language.code)
    if path is None:
        return NullTranslations()
    catalog = read_catalog(path, language.locale)
    # A translation whose %(placeholders)s differ from the msgid would crash or lie.
    problems = [Problem(f"translation of '{message.id}': {error}", path, message.lineno,
                        hint="use the same %(name)s placeholders as the msgid")
                for message, errors in catalog.check() for error in errors]
    if problems:
        raise BuildError(*problems)
    # Fuzzy entries are guesses awaiting review: gettext leaves them out, so do we.
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def read_catalog(path: Path, locale: str) -> Catalog:
    """Read a ``.po`` file; a syntax error is reported at its line."""
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=locale, abort_invalid=True)
    except PoFileError as error:
        line = error.lineno + 1 if isinstance(error.lineno, int) else None  # Babel counts from 0
        message = re.sub(r" on \d+$", "", str(error.args[0]))
        raise BuildError.at(f"the catalog cannot be read: {message}", path, line,
                            hint="open it in Poedit or fix the keyword and quoting on "
                            "that line") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise BuildError.at(f"the catalog cannot be read: {error}", path,
                            hint="save it as UTF-8 with a valid header") from None


@dataclass(frozen=True)
class Formatter:
    """Dates and numbers as a reader of ``language`` expects them."""

    language: Language

    def date(self, value: dt.date | None, format: str = "long") -> str:
        if value is None:
            return ""
        return babel_format_date(value, format=format, locale=self.language.locale)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.language.locale)
