"""The publication's glossary: terms paired across languages, and the translations
that do not use them.

``glossary.yaml`` at the publication root lists terms, each a mapping of language
codes to the term in that language (and an optional ``note``). A segment whose
source uses a term while its translation lacks the paired term is a *glossary
miss*. Matching is forgiving where languages are: English ignores case and a
plural ending ("creative city" finds "Creative Cities"); Korean allows particles
after a term and a space inside it or not (창의도시는, 유네스코 창의도시네트워크).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from folio.config.publication import PublicationConfig
from folio.config.reading import Reader, publication_reader
from folio.config.yamlio import parse_yaml
from folio.errors import BuildError, ProblemCollector
from folio.i18n import inline
from folio.i18n.units import DocumentUnits, Unit

GLOSSARY_FILE = "glossary.yaml"
_CJK = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class Term:
    forms: dict[str, str]             # language code: the term
    note: str
    line: int

    def found(self, code: str, text: str) -> bool:
        form = self.forms.get(code)
        return bool(form) and _pattern(form).search(inline.plain(text)) is not None


@dataclass(frozen=True)
class Miss:
    """A translation lacking a term its source uses."""

    document: str
    unit: str
    path: Path                        # the translation
    line: int
    source_term: str
    expected: str

    def describe(self) -> str:
        return (f"segment {self.unit.split('#', 1)[1]}: the source says '{self.source_term}' "
                f"but the translation lacks '{self.expected}'")


def load(config: PublicationConfig, reader: Reader | None = None) -> list[Term]:
    """The glossary's terms; none when there is no glossary."""
    path = config.root / GLOSSARY_FILE
    reader = reader or publication_reader(config.root)
    if not reader.exists(path):
        return []
    data = parse_yaml(reader.read_text(path), path)
    hint = ("write terms as a list: terms: [{en: creative city, ko: 창의도시}], "
            "one language code per term")
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise BuildError.at("the glossary should have a list 'terms'", path, 1, hint=hint)
    problems = ProblemCollector()
    terms: list[Term] = []
    entries = data["terms"]
    for index, entry in enumerate(entries):
        line = entries.line_of(index) if hasattr(entries, "line_of") else 1
        if not isinstance(entry, dict):
            problems.add("a term should pair languages (en: …, ko: …)", path, line, hint=hint)
            continue
        forms: dict[str, str] = {}
        for key, value in entry.items():
            where = entry.line_of(key) if hasattr(entry, "line_of") else line
            if key == "note":
                continue
            if key not in config.codes:
                problems.add(f"'{key}' is not a language of the publication "
                             f"({', '.join(config.codes)})", path, where, hint=hint)
            elif not isinstance(value, str) or not value.strip():
                problems.add(f"the {key} term should be text", path, where, hint=hint)
            else:
                forms[key] = " ".join(value.split())
        if len(forms) < 2 and not any(p.line == line for p in problems.problems):
            problems.add("a term pairs at least two languages", path, line, hint=hint)
        terms.append(Term(forms, str(entry.get("note") or ""), line))
    problems.raise_if_any()
    return terms


@lru_cache(maxsize=1024)
def _pattern(term: str) -> re.Pattern:
    words = term.split()
    if _CJK.search(term):
        return re.compile(r"\s*".join(re.escape(w) for w in words))
    parts = [re.escape(w) for w in words]
    last = words[-1]
    if re.search(r"[^aeiou]y$", last, re.I):
        parts[-1] = re.escape(last[:-1]) + "(?:y|ies)"
    elif re.search(r"[a-z]$", last, re.I):
        parts[-1] = re.escape(last) + "(?:e?s)?"
    # Not inside a word at either end; unlike \b, this holds for a term that
    # begins or ends with punctuation ("(UCCN)", "U.S.").
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def terms_in(terms: list[Term], code: str, text: str) -> list[Term]:
    return [t for t in terms if t.found(code, text)]


def misses(terms: list[Term], documents: list[DocumentUnits]) -> list[Miss]:
    out: list[Miss] = []
    for document in documents:
        for unit in document.units:
            out += unit_misses(terms, document, unit)
    return out


def unit_misses(terms: list[Term], document: DocumentUnits, unit: Unit) -> list[Miss]:
    if not unit.target_text or unit.target is None:
        return []
    source, code = document.source_language, document.language
    return [Miss(document.name, unit.id, document.target_path, unit.target.line,
                 term.forms[source], term.forms[code])
            for term in terms_in(terms, source, unit.source_text)
            if code in term.forms and not term.found(code, unit.target_text)]


def notes(terms: list[Term], document: DocumentUnits, unit: Unit) -> list[str]:
    """The glossary lines a translator sees beside a segment."""
    source, code = document.source_language, document.language
    return [f"Glossary: {t.forms[source]} → {t.forms[code]}" + (f" ({t.note})" if t.note else "")
            for t in terms_in(terms, source, unit.source_text) if code in t.forms]
