"""Dates and numbers as a reader of a language expects them, through Babel with an
explicit locale: never ``locale.setlocale``, which is process-wide and depends on
what the machine has installed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

from folio.config.publication import Language


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
