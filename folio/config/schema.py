"""Declarative checks for YAML data (publication.yaml, issue.yaml, front matter).

A schema is a dict of field name -> Field. ``validate`` reports every unknown key
(with a did-you-mean), every missing required key and every value of the wrong
type, each at its own line, so an editor fixes them all in one pass; ``read``
(and ``record(…, into=…)`` for a nested mapping) gives the checked values as the
typed object whose fields the schema names.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from folio.config.yamlio import YamlList, YamlMap
from folio.errors import ProblemCollector


class Invalid(Exception):
    """A value does not fit its field; the message says what was expected, and the
    hint (else the field's own) what to do."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Where:
    path: Path
    line: int
    key: str


Check = Callable[[Any, Where, ProblemCollector], Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = False
    default: Any = None
    doc: str = ""


def validate(data: Any, schema: dict[str, Field], path: Path, line: int,
             problems: ProblemCollector, context: str = "",
             checked_elsewhere: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return the checked values for every field of ``schema`` (defaults filled in).

    Keys in ``checked_elsewhere`` are neither checked nor reported as unknown.
    """
    prefix = f"{context}." if context else ""
    if data is None:
        data = YamlMap()
        data.line, data.lines = line, {}
    if not isinstance(data, dict):
        problems.add(f"'{context or 'this'}' should be a mapping of fields (key: value)",
                     path, line)
        return {name: field.default for name, field in schema.items()}
    result: dict[str, Any] = {}
    lines = getattr(data, "lines", {})
    for key in data:
        if key not in schema and key not in checked_elsewhere:
            close = difflib.get_close_matches(str(key), list(schema), n=1, cutoff=0.6)
            hint = (f"did you mean '{prefix}{close[0]}'?" if close
                    else "known fields: " + ", ".join(sorted(schema)))
            problems.add(f"unknown field '{prefix}{key}'", path, lines.get(key, line), hint=hint)
    for name, field in schema.items():
        if name not in data or data[name] is None:
            if field.required:
                problems.add(f"missing required field '{prefix}{name}'", path,
                             getattr(data, "line", line),
                             hint=field.doc or f"add a line '{name}: …'")
            result[name] = field.default
            continue
        where = Where(path, lines.get(name, line), prefix + name)
        try:
            result[name] = field.check(data[name], where, problems)
        except Invalid as error:
            problems.add(f"field '{prefix}{name}': {error}", path, where.line,
                         hint=error.hint or field.doc or None)
            result[name] = field.default
    return result


# -- value checks -------------------------------------------------------------

def is_control(char: str) -> bool:
    """C0, C1 and DEL, but for tab and newline: invisible, and boxes in a PDF."""
    code = ord(char)
    return (code < 0x20 and char not in "\t\n\r") or 0x7F <= code <= 0x9F


# Bidirectional embeddings, overrides and isolates: invisible, they reverse the
# order in which the text around them prints (a "Trojan source" trick).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Unicode's line and paragraph separators: no font draws them, nor does a line
# break at them in the PDF.
_SEPARATORS = {"\u2028": "line separator", "\u2029": "paragraph separator"}


def invisible(char: str) -> tuple[str, str] | None:
    """What is wrong with ``char`` in printed text, and what to do; None if nothing.

    Control characters print as boxes; bidi controls reverse printed text; the
    Unicode separators print as a missing glyph."""
    code = ord(char)
    if is_control(char):
        return (f"invisible control character U+{code:04X} in the text",
                "delete it (it may come from a \\x or \\u escape in quotes, from an "
                "&#…; reference, or from copying)")
    if char in _BIDI_CONTROLS:
        return (f"invisible bidirectional control U+{code:04X} in the text: it would print "
                "the text around it in another order than written",
                "delete it (retype the line if you cannot see it): text prints in the "
                "order it is written")
    if char in _SEPARATORS:
        return (f"invisible {_SEPARATORS[char]} U+{code:04X} in the text: no font draws it",
                "replace it with a line break (a new paragraph, or a backslash at the "
                "end of the line) or a space")
    return None


def text(value, where, problems):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(f"expected text, found {_kind(value)}")
    value = str(value).strip()
    for char in value:
        wrong = invisible(char)
        if wrong:
            raise Invalid(*wrong)
    return value


def integer(value, where, problems):
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"expected a whole number, found {_kind(value)}")
    return int(value)           # the number, not the text it was written as (01)


def boolean(value, where, problems):
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, found {_kind(value)}")
    return value


def date(value, where, problems):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(f"expected a date written YYYY-MM-DD, found '{value}'")


def one_of(*choices: str) -> Check:
    def check(value, where, problems):
        value = text(value, where, problems)
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            raise Invalid(f"'{value}' is not one of {', '.join(choices)}{suggestion}")
        return value
    return check


def list_of(item: Check) -> Check:
    def check(value, where, problems):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise Invalid(f"expected a list, found {_kind(value)}")
        out = []
        for index, element in enumerate(value):
            line = value.line_of(index) if isinstance(value, YamlList) else where.line
            try:
                out.append(item(element, Where(where.path, line, f"{where.key}[{index}]"),
                                problems))
            except Invalid as error:
                problems.add(f"field '{where.key}[{index}]': {error}", where.path, line,
                             hint=error.hint)
        return tuple(out)
    return check


def read(data: Any, into: type[T], schema: dict[str, Field], path: Path, line: int,
         problems: ProblemCollector, context: str = "") -> T:
    """The checked values as ``into`` (a dataclass with the schema's fields)."""
    return into(**validate(data, schema, path, line, problems, context))


def record(schema: dict[str, Field], into: Callable[..., Any] = dict) -> Check:
    """A nested mapping with its own schema; its checked values as ``into``."""
    def check(value, where, problems):
        if not isinstance(value, dict):
            raise Invalid(f"expected a mapping of fields, found {_kind(value)}")
        return into(**validate(value, schema, where.path, getattr(value, "line", where.line),
                               problems, where.key))
    return check


class LocalizedText(dict):
    """Text per language code, remembering where it was written for later checks."""

    where: Where

    def pick(self, code: str, problems: ProblemCollector) -> str:
        """The text in ``code``; its absence is reported at the field's line."""
        if code in self:
            return self[code]
        problems.add(f"field '{self.where.key}' has no '{code}' text", self.where.path,
                     self.where.line,
                     hint=f"add '{code}: …' to it, or build with --draft to print another "
                     "language's text marked 'translation pending'")
        return next(iter(self.values()), "")


def pick(value: LocalizedText | None, code: str, problems: ProblemCollector) -> str:
    return value.pick(code, problems) if value else ""


def localized(languages: tuple[str, ...]) -> Check:
    """Text given once per language, ``{ko: …, en: …}``; plain text counts for all.

    Languages that are missing are simply absent from the result: whether that is an
    error depends on which language is being built, so the loader decides.
    """
    def check(value, where, problems):
        out = LocalizedText()
        out.where = where
        if isinstance(value, dict):
            lines = getattr(value, "lines", {})
            for lang, item in value.items():
                if lang not in languages:
                    problems.add(f"field '{where.key}': unknown language '{lang}'", where.path,
                                 lines.get(lang, where.line),
                                 hint="languages are declared in publication.yaml: "
                                 + ", ".join(languages))
                    continue
                out[lang] = text(item, where, problems)
            return out
        plain = text(value, where, problems)
        out.update({lang: plain for lang in languages})
        return out
    return check


def _kind(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (dt.date,)):
        return f"the date {value}"
    return f"'{value}'"
