"""Declarative checks for YAML data (publication.yaml, issue.yaml, front matter).

A shape is declared once, as a dataclass whose fields carry their check and their
doc (``field(check, doc=…)``): ``validate`` and ``read`` check a mapping against it,
``json_schema`` gives the JSON Schema an editor's YAML language server completes and
validates with, each field's doc its description. ``validate`` reports
every unknown key (with a did-you-mean), every missing required key and every value
of the wrong type, each at its own line, so an editor fixes them all in one pass.

A check is a ``Check``: a function ``(value, where, problems) -> checked value``
that raises ``Invalid`` with what was expected, and the JSON Schema of the values
it accepts. What JSON Schema cannot say (a check digit, a language Babel knows, a
file that exists) only the build checks; the schema accepts the form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
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
    """Where a value was written, and the languages of the publication (the
    checks of ``{ko: …, en: …}`` texts need them)."""

    path: Path
    line: int
    key: str
    languages: tuple[str, ...] = ()


JsonSchema = dict[str, Any]
CheckFunction = Callable[[Any, Where, ProblemCollector], Any]
T = TypeVar("T")


class Check:
    """A value check and the JSON Schema of the values it accepts; called as the
    function it wraps. ``json`` may depend on the publication's languages. A check
    with a ``name`` is written once in a schema's definitions, and referred to."""

    def __init__(self, run: CheckFunction,
                 json: JsonSchema | Callable[[tuple[str, ...]], JsonSchema], name: str = ""):
        self.run = run
        self.json = json
        self.name = name
        self.__doc__ = run.__doc__
        if name:
            _NAMED[name] = self

    def __call__(self, value: Any, where: Where, problems: ProblemCollector) -> Any:
        return self.run(value, where, problems)

    def json_schema(self, languages: tuple[str, ...]) -> JsonSchema:
        """The schema of the values it accepts (a reference, if the check is named)."""
        if self.name:
            return {"$ref": f"#/definitions/{self.name}"}
        return self.definition(languages)

    def definition(self, languages: tuple[str, ...]) -> JsonSchema:
        return dict(self.json(languages) if callable(self.json) else self.json)


_NAMED: dict[str, Check] = {}


def accepts(json: JsonSchema | Callable[[tuple[str, ...]], JsonSchema], name: str = ""
            ) -> Callable[[CheckFunction], Check]:
    """Decorate a check function with the JSON Schema of what it accepts."""
    def wrap(run: CheckFunction) -> Check:
        return Check(run, json, name)
    return wrap


@dataclass(frozen=True)
class Field:
    check: Check | CheckFunction
    required: bool = False
    default: Any = None
    doc: str = ""
    key: str = ""                       # the attribute it becomes, if not the key's name
    factory: Callable[[], Any] | None = None    # makes the default, if it is mutable
    hint: str = ""                      # what to do when it is missing or wrong, if not doc

    def missing(self) -> Any:
        """The value kept when the field is absent (or wrong)."""
        return self.factory() if self.factory is not None else self.default


def field(check: Check | CheckFunction, *, doc: str = "", required: bool = False,
          default: Any = None, factory: Callable[[], Any] | None = None,
          key: str = "", hint: str = "") -> Any:
    """A dataclass field read from YAML: its check, its doc (the schema's
    description, and the hint when it is missing or wrong unless ``hint`` says
    otherwise), and ``key`` when the YAML key is not the attribute's name. A
    required field still has a default: the value kept when it is missing, so that
    every problem of a file is reported at once."""
    metadata = {"check": check, "doc": doc, "required": required, "key": key,
                "hint": hint}
    if isinstance(default, (list, dict, set)):
        raise TypeError("a mutable default is made by a factory: factory=dict")
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


Schema = dict[str, Field]


@cache
def fields_of(shape: type) -> Schema:
    """The YAML fields of a dataclass ``shape``, by YAML key: its fields that carry a
    check (the others are not written in the file but set by the build)."""
    schema: Schema = {}
    for item in dataclasses.fields(shape):
        if "check" not in item.metadata:
            continue
        meta = item.metadata
        factory = (None if item.default_factory is dataclasses.MISSING
                   else item.default_factory)
        default = None if item.default is dataclasses.MISSING else item.default
        schema[meta["key"] or item.name] = Field(meta["check"], meta["required"], default,
                                                 meta["doc"], item.name, factory,
                                                 meta["hint"])
    return schema


def _schema(shape: Schema | type) -> Schema:
    return shape if isinstance(shape, dict) else fields_of(shape)


def validate(data: Any, shape: Schema | type, path: Path, line: int,
             problems: ProblemCollector, context: str = "",
             checked_elsewhere: frozenset[str] = frozenset(),
             languages: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the checked values for every field of ``shape`` (defaults filled in),
    by attribute name.

    Keys in ``checked_elsewhere`` are neither checked (even if ``shape`` has them)
    nor reported as unknown, nor in the result.
    """
    schema = _schema(shape)
    prefix = f"{context}." if context else ""
    if data is None:
        data = YamlMap()
        data.line, data.lines = line, {}
    if not isinstance(data, dict):
        problems.add(f"'{context or 'this'}' should be a mapping of fields (key: value)",
                     path, line)
        return {field.key or name: field.missing() for name, field in schema.items()
                if name not in checked_elsewhere}
    result: dict[str, Any] = {}
    lines = getattr(data, "lines", {})
    for key in data:
        if key not in schema and key not in checked_elsewhere:
            close = difflib.get_close_matches(str(key), list(schema), n=1, cutoff=0.6)
            hint = (f"did you mean '{prefix}{close[0]}'?" if close
                    else "known fields: " + ", ".join(sorted(schema)))
            problems.add(f"unknown field '{prefix}{key}'", path, lines.get(key, line), hint=hint)
    for name, field in schema.items():
        attribute = field.key or name
        if name in checked_elsewhere:
            continue
        if name not in data or data[name] is None:
            if field.required:
                problems.add(f"missing required field '{prefix}{name}'", path,
                             getattr(data, "line", line),
                             hint=field.hint or field.doc or f"add a line '{name}: …'")
            result[attribute] = field.missing()
            continue
        where = Where(path, lines.get(name, line), prefix + name, languages)
        try:
            result[attribute] = field.check(data[name], where, problems)
        except Invalid as error:
            problems.add(f"field '{prefix}{name}': {error}", path, where.line,
                         hint=error.hint or field.hint or field.doc or None)
            result[attribute] = field.missing()
    return result


def read(data: Any, into: type[T], path: Path, line: int, problems: ProblemCollector,
         context: str = "", languages: tuple[str, ...] = ()) -> T:
    """The checked values as ``into``, the dataclass that declares them."""
    return into(**validate(data, into, path, line, problems, context, languages=languages))


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
# The same characters, as a JSON Schema pattern (ECMA-262 and Python read it alike).
_VISIBLE = ("^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
            "\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029]*$")


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


@accepts({"type": ["string", "number"], "pattern": _VISIBLE,
          "description": "text (no invisible control characters)"}, name="text")
def text(value: Any, where: Where, problems: ProblemCollector) -> str:
    if isinstance(value, dt.date):      # YAML reads 2022-12-15 as a date, editors as text
        raise Invalid(f"expected text, found {_kind(value)}",
                      hint=f"put it in quotes to print it as written: '{value}'")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(f"expected text, found {_kind(value)}")
    value = str(value).strip()
    for char in value:
        wrong = invisible(char)
        if wrong:
            raise Invalid(*wrong)
    return value


def text_matching(pattern: str, what: str) -> Callable[[CheckFunction], Check]:
    """A check of text of a given form (``pattern``, a regular expression both Python
    and JSON Schema read), named ``what`` in the schema."""
    return accepts({"type": "string", "pattern": pattern, "description": what})


@accepts({"type": "integer"})
def integer(value: Any, where: Where, problems: ProblemCollector) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"expected a whole number, found {_kind(value)}")
    return int(value)           # the number, not the text it was written as (01)


@accepts({"type": "boolean"})
def boolean(value: Any, where: Where, problems: ProblemCollector) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, found {_kind(value)}")
    return value


@accepts({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
def date(value: Any, where: Where, problems: ProblemCollector) -> dt.date:
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


# Identifiers: the form in the JSON Schema, the check digit by the build alone.
_ORCID = r"^(?:https?://orcid\.org/)?([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X])$"
_DOI = (r"^(?:[hH][tT][tT][pP][sS]?://(?:[dD][xX]\.)?[dD][oO][iI]\.[oO][rR][gG]/"
        r"|[dD][oO][iI]:)?(10\.[0-9]{4,9}/\S+)$")        # ECMA-262 has no (?i)
_ISSN = r"^[0-9]{4}-[0-9]{3}[0-9X]$"


@text_matching(_ORCID, "an ORCID iD, 0000-0002-1825-0097")
def orcid(value: Any, where: Where, problems: ProblemCollector) -> str:
    """An ORCID iD, its check digit verified (ISO 7064 MOD 11-2, as ORCID computes it)."""
    written = text(value, where, problems).strip()
    match = re.match(_ORCID, written)
    if match is None:
        raise Invalid(f"'{written}' is not an ORCID iD (0000-0002-1825-0097, 16 digits in "
                      "groups of four)")
    digits = match[1].replace("-", "")
    total = 0
    for digit in digits[:15]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if digits[15] != ("X" if check == 10 else str(check)):
        raise Invalid(f"'{match[1]}' has a wrong check digit: check the iD on the "
                      "author's ORCID record")
    return match[1]


@text_matching(_DOI, "a DOI, 10.NNNN/…")
def doi(value: Any, where: Where, problems: ProblemCollector) -> str:
    written = text(value, where, problems).strip()
    match = re.match(_DOI, written)
    if match is None:
        raise Invalid(f"'{written}' is not a DOI (10.NNNN/…)")
    return match[1]


@text_matching(_ISSN, "an ISSN, NNNN-NNNC")
def issn(value: Any, where: Where, problems: ProblemCollector) -> str:
    value = text(value, where, problems)
    if not re.match(_ISSN, value):
        raise Invalid(f"'{value}' is not an ISSN (NNNN-NNNC)")
    digits = value.replace("-", "")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=False))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        raise Invalid(f"'{value}' has a wrong check digit; check the number on the ISSN "
                      "registration")
    return value


def one_of(*choices: str) -> Check:
    def check(value: Any, where: Where, problems: ProblemCollector) -> str:
        value = text(value, where, problems)
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            raise Invalid(f"'{value}' is not one of {', '.join(choices)}{suggestion}")
        return value
    return Check(check, {"enum": list(choices)})


def list_of(item: Check) -> Check:
    """A list of items; one item written alone, as text, is a list of one."""
    def check(value: Any, where: Where, problems: ProblemCollector) -> tuple[Any, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise Invalid(f"expected a list, found {_kind(value)}")
        out = []
        for index, element in enumerate(value):
            line = value.line_of(index) if isinstance(value, YamlList) else where.line
            try:
                out.append(item(element, Where(where.path, line, f"{where.key}[{index}]",
                                               where.languages), problems))
            except Invalid as error:
                problems.add(f"field '{where.key}[{index}]': {error}", where.path, line,
                             hint=error.hint)
        return tuple(out)

    def json(languages: tuple[str, ...]) -> JsonSchema:
        one = item.json_schema(languages)
        alone = _as_string(one)
        many = {"type": "array", "items": one}
        return {"anyOf": [many, alone]} if alone else many
    return Check(check, json)


def _as_string(schema: JsonSchema) -> JsonSchema | None:
    """The part of ``schema`` that is text, None if none is."""
    if "enum" in schema:
        return schema
    kind = schema.get("type")
    if kind is not None:
        return {**schema, "type": "string"} if "string" in kind else None
    return {"allOf": [{"type": "string"}, schema]}


def record(shape: type, build: bool = True) -> Check:
    """A nested mapping declared by the dataclass ``shape``; checked, as ``shape``
    (or, not ``build``, as the dict of its checked values, for the loader to finish)."""
    def check(value: Any, where: Where, problems: ProblemCollector) -> Any:
        if not isinstance(value, dict):
            raise Invalid(f"expected a mapping of fields, found {_kind(value)}")
        values = validate(value, shape, where.path, getattr(value, "line", where.line),
                          problems, where.key, languages=where.languages)
        return shape(**values) if build else values
    return Check(check, lambda languages: object_schema(shape, languages))


def mapping_of(item: Check) -> Check:
    """A mapping of names to items: the profiles by their names. The
    loader checks each entry, to name it in its messages; this is for the schema."""
    def check(value: Any, where: Where, problems: ProblemCollector) -> Any:
        return value                    # checked where it is used, entry by entry
    return Check(check, lambda languages: {
        "type": "object", "additionalProperties": item.json_schema(languages)})


def per_language(item: Check) -> Check:
    """A mapping of the publication's languages to items (the fonts of each). The
    loader checks each entry, to name it in its messages; this is for the schema."""
    def check(value: Any, where: Where, problems: ProblemCollector) -> Any:
        return value                    # checked where it is used, entry by entry
    return Check(check, lambda languages: {
        "type": "object", "properties": {code: item.json_schema(languages)
                                         for code in languages},
        "required": list(languages), "additionalProperties": False})


class LocalizedText(dict):
    """Text per language code, remembering where it was written for later checks."""

    where: Where

    def pick(self, code: str, problems: ProblemCollector) -> str:
        """The text in ``code``; its absence is reported at the field's line."""
        if code in self:
            return str(self[code])
        problems.add(f"field '{self.where.key}' has no '{code}' text", self.where.path,
                     self.where.line,
                     hint=f"add '{code}: …' to it, or build with --draft to print another "
                     "language's text marked 'translation pending'")
        return str(next(iter(self.values()), ""))


def pick(value: LocalizedText | None, code: str, problems: ProblemCollector) -> str:
    return value.pick(code, problems) if value else ""


def _localized_json(languages: tuple[str, ...]) -> JsonSchema:
    one = {"$ref": "#/definitions/text"}
    per = ({"properties": {code: one for code in languages}, "additionalProperties": False}
           if languages else {"additionalProperties": one})
    return {"anyOf": [one, {"type": "object", **per}],
            "description": "text in every language, {" + ", ".join(
                f"{code}: …" for code in languages or ("ko", "en")) + "}, or one text "
            "for all"}


@accepts(_localized_json, name="localized_text")
def localized(value: Any, where: Where, problems: ProblemCollector) -> LocalizedText:
    """Text given once per language, ``{ko: …, en: …}``; plain text counts for all.

    Languages that are missing are simply absent from the result: whether that is an
    error depends on which language is being built, so the loader decides.
    """
    languages = where.languages
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


# -- JSON Schema ---------------------------------------------------------------------

def object_schema(shape: type, languages: tuple[str, ...]) -> JsonSchema:
    """The JSON Schema of a mapping declared by ``shape``: its fields, each with its
    doc; a field that is not required may also be left empty (null)."""
    properties: JsonSchema = {}
    required = []
    for key, item in fields_of(shape).items():
        check = item.check
        one = (check.json_schema(languages) if isinstance(check, Check)
               else {})                           # a check without a schema: anything
        if item.required:
            required.append(key)
            if "$ref" in one:
                one = {"allOf": [one]}       # a reference takes no description beside it
        else:
            one = _nullable(one)
        if item.doc:
            one["description"] = item.doc
        if isinstance(item.default, (str, bool, int, float)) and item.default != "" \
                and not item.required:
            one["default"] = item.default
        properties[key] = one
    schema: JsonSchema = {"type": "object", "properties": properties,
                          "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _nullable(schema: JsonSchema) -> JsonSchema:
    if not schema:
        return schema
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    kind = schema.get("type")
    if kind is not None and not {"anyOf", "allOf", "properties", "items"} & set(schema):
        return {**schema, "type": [*([kind] if isinstance(kind, str) else kind), "null"]}
    if set(schema) <= {"anyOf", "description"}:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


def json_schema(shape: type, languages: tuple[str, ...], title: str,
                description: str = "") -> JsonSchema:
    """The JSON Schema of a file declared by ``shape``, for the editor's YAML
    language server; ``languages`` are the publication's. Draft 7: the draft YAML
    language servers know best."""
    head: JsonSchema = {"$schema": "http://json-schema.org/draft-07/schema#",
                        "title": title,
                        "description": description or " ".join((shape.__doc__ or "").split())}
    body = object_schema(shape, languages)
    definitions: JsonSchema = {}
    names = _references(body)
    while names:
        name = names.pop()
        if name not in definitions:
            definitions[name] = _NAMED[name].definition(languages)
            names |= _references(definitions[name])
    if definitions:
        body["definitions"] = dict(sorted(definitions.items()))
    return {**head, **body}


def _references(schema: Any) -> set[str]:
    """The names of the definitions ``schema`` refers to."""
    if isinstance(schema, dict):
        found = {schema["$ref"].rpartition("/")[2]} if "$ref" in schema else set()
        return found.union(*(_references(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_references(value) for value in schema))
    return set()


def _kind(value: Any) -> str:
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

