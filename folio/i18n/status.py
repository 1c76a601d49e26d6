"""Translation status: what each language is missing, or has let go out of date.

Four kinds of findings are reported together, because a translator works on
all of them: content files (missing, stale, unchecked), catalog strings
(untranslated, fuzzy, obsolete), ``{ko: …, en: …}`` fields of issue.yaml, and
segments whose translation lacks a glossary term their source uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from folio.config.layout import TemplateSet, locales_dirs_for
from folio.config.publication import Language, PublicationConfig
from folio.config.reading import publication_reader
from folio.content import translations as tr
from folio.content.loading import missing_languages
from folio.defaults import BUNDLED
from folio.errors import shown_path
from folio.i18n import glossary as terms_
from folio.i18n import maintenance as catalogs
from folio.i18n.units import all_documents


@dataclass(frozen=True)
class FieldGap:
    path: Path
    line: int
    key: str


@dataclass(frozen=True)
class LanguageStatus:
    language: Language
    documents: tuple[tr.TranslationState, ...]
    catalog: catalogs.CatalogStats
    fields: tuple[FieldGap, ...]
    glossary: tuple[terms_.Miss, ...] = ()

    def count(self, state: str) -> int:
        return sum(1 for d in self.documents if d.state == state)

    @property
    def problems(self) -> int:
        """What fails ``status --check``: everything but obsolete catalog entries."""
        return (sum(d.needs_work for d in self.documents) + len(self.catalog.untranslated)
                + len(self.catalog.fuzzy) + len(self.fields) + len(self.glossary))


def collect(config: PublicationConfig) -> list[LanguageStatus]:
    documents = tr.documents(config)
    template = catalogs.extract(TemplateSet.for_root(config.root, BUNDLED).dirs, config)
    stats = {s.language: s for s in catalogs.stats(template, config,
                                                    locales_dirs_for(config.root))}
    gaps = missing_languages(config, publication_reader(config.root))
    terms = terms_.load(config)
    return [LanguageStatus(
        language,
        tuple(tr.state(config, d, language.code, with_diff=True) for d in documents),
        stats[language.code],
        tuple(FieldGap(path, line, key) for path, line, key, code in gaps
              if code == language.code),
        tuple(terms_.misses(terms, all_documents(config, language.code, memory=False)))
        if terms and language.code != config.source_language else ())
        for language in config.languages]


def uncited_references(config: PublicationConfig) -> list:
    """Bibliography entries no document cites (content/citations.py)."""
    from folio.content.citations import uncited
    journal = config.root / "content" / "journal"
    folders = sorted(p for p in journal.iterdir() if p.is_dir()) if journal.is_dir() else []
    return uncited(folders, publication_reader(config.root))


def as_json(config: PublicationConfig, report: list[LanguageStatus],
            uncited: list | None = None) -> dict:
    def rel(path: Path | None) -> str | None:
        return None if path is None else shown_path(path, config.root)
    return {
        "source_language": config.source_language,
        "ok": not any(s.problems for s in report),
        "uncited_references": [{"file": rel(u.path), "line": u.line, "key": u.key}
                               for u in uncited or []],
        "languages": {s.language.code: {
            "name": s.language.name,
            "problems": s.problems,
            "counts": {
                **{state: s.count(state) for state in
                   (tr.SOURCE, tr.TRANSLATED, tr.MISSING, tr.STALE, tr.UNCHECKED)},
                "untranslated_strings": len(s.catalog.untranslated),
                "fuzzy_strings": len(s.catalog.fuzzy),
                "obsolete_strings": len(s.catalog.obsolete),
                "missing_fields": len(s.fields),
                "glossary_misses": len(s.glossary),
            },
            "documents": [{
                "document": d.document, "state": d.state, "file": rel(d.path),
                "source": rel(d.source), "line": d.line if d.state in (tr.STALE,) else None,
                "recorded_hash": d.recorded or None, "current_hash": d.current or None,
                "diff": list(d.diff) if d.diff_known else None,
                "not_translated": [{"line": line, "problem": message}
                                   for line, message, _ in d.blocks],
            } for d in s.documents],
            "catalog": {
                "file": rel(s.catalog.path), "total": s.catalog.total,
                "translated": s.catalog.translated,
                "untranslated": list(s.catalog.untranslated),
                "fuzzy": list(s.catalog.fuzzy), "obsolete": list(s.catalog.obsolete),
            },
            "fields": [{"file": rel(f.path), "line": f.line, "key": f.key} for f in s.fields],
            "glossary": [{"file": rel(m.path), "line": m.line, "segment": m.unit,
                          "source_term": m.source_term, "expected": m.expected}
                         for m in s.glossary],
        } for s in report},
    }
