"""``i18n export`` and ``i18n import``: the round trip through a translator's CAT tool.

Export writes one catalog per document. Import reads catalogs back and writes
each changed translation into ``<name>.<lang>.md`` (or ``issue.yaml``): in place
when the translation is cut like its source, so an unchanged segment keeps its
bytes; otherwise the translation is rebuilt on the source's structure. Every
file is checked before any is written, so a bad catalog changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from folio.config.publication import PublicationConfig
from folio.config.reading import publication_reader
from folio.content import translations as tr
from folio.errors import BuildError, Problem, ProblemCollector
from folio.files import inside_publication, write_atomically
from folio.i18n import exchange, glossary, inline
from folio.i18n.segments import rewrite
from folio.i18n.units import DocumentUnits, all_documents, find

EXPORT_DIR = Path("output") / "translations"


def export(config: PublicationConfig, code: str, fmt: str = "po", only: str | None = None,
           out: Path | None = None) -> list[tuple[Path, DocumentUnits]]:
    """Write a catalog per document (or only ``only``); the paths written."""
    config.language(code)
    documents = all_documents(config, code)
    if not documents:
        raise BuildError.at(f"there is nothing to translate into {code}: every text is "
                            f"written in {code} first", config.root / "publication.yaml",
                            hint="export a language the texts are translated into, e.g. "
                                 + ", ".join(c for c in config.codes if c != code))
    if only:
        documents = [find(config, documents, only)]
    terms = glossary.load(config)
    folder = out if out is not None else config.root / EXPORT_DIR / code
    if out is None:
        inside_publication(folder, config.root)
    written = []
    for document in documents:
        notes = {u.id: exchange.unit_notes(u, glossary.notes(terms, document, u))
                 for u in document.units}
        path = folder / (document.name + exchange.FORMATS[fmt])
        data = exchange.write_po(document, config, notes, path) if fmt == "po" else \
            exchange.write_xliff(document, config, notes)
        write_atomically(path, data)
        written.append((path, document))
    if terms and not only:
        tbx = _tbx(terms, config.source_language, code)
        if tbx is not None:
            write_atomically(folder / "glossary.tbx", tbx)
            written.append((folder / "glossary.tbx", documents[0]))
    return written


def _tbx(terms: list[glossary.Term], source: str, target: str) -> bytes | None:
    """The glossary as TBX, the term-base format CAT tools import."""
    from translate.storage import tbx
    store = tbx.tbxfile(sourcelanguage=source, targetlanguage=target)
    for term in terms:
        if source in term.forms and target in term.forms:
            unit = store.addsourceunit(term.forms[source])
            unit.target = term.forms[target]
            if term.note:
                unit.addnote(term.note)
    return bytes(store) if store.units else None


@dataclass
class Result:
    document: str
    path: Path
    changed: int = 0
    written: bool = False
    marked: bool = False
    rebuilt: bool = False
    fuzzy: int = 0
    untranslated: int = 0
    notes: list[str] = field(default_factory=list)


def import_files(config: PublicationConfig, paths: list[Path]) -> list[Result]:
    """Check every file, then write the translations they carry."""
    problems = ProblemCollector()
    imported = []
    for path in paths:
        try:
            imported.append(exchange.read(path))
        except BuildError as error:
            problems.extend(error)
    problems.raise_if_any()
    plans: list[tuple[DocumentUnits, dict[str, exchange.Entry], exchange.Imported]] = []
    documents: dict[str, list[DocumentUnits]] = {}
    for file in imported:
        language = _code(file.language, config)
        if language not in config.codes:
            problems.add(f"the file's language is '{language or 'not given'}'", file.path, 1,
                         hint="import catalogs that 'i18n export --lang CODE' wrote, for a "
                              "language the texts are translated into")
            continue
        if language not in documents:
            documents[language] = all_documents(config, language, memory=False)
        plans += _plan(file, documents[language], problems)
    seen: dict[tuple[str, str], Path] = {}
    for document, _, file in plans:
        key = (document.name, document.language)
        if key in seen and seen[key] != file.path:
            problems.add(f"{document.name} ({document.language}) is also in {seen[key]}",
                         file.path, 1, hint="import one catalog per document at a time")
        seen.setdefault(key, file.path)
    problems.raise_if_any()
    # Everything is worked out before anything is written: a document that cannot
    # be written stops the import with nothing changed.
    done = []
    for document, entries, _ in plans:
        try:
            done.append(_apply(config, document, entries))
        except BuildError as error:
            problems.extend(error)
    problems.raise_if_any()
    for result, text in done:
        if text is not None:
            write_atomically(result.path, text.encode("utf-8"))
            result.written = True
    return [result for result, _ in done]


def _code(language: str, config: PublicationConfig) -> str:
    """A tool may write ko_KR, ko-KR or KO where the publication says ko."""
    language = language.strip().replace("_", "-").lower()
    return language if language in config.codes else language.split("-")[0]


def _plan(file: exchange.Imported, documents: list[DocumentUnits], problems: ProblemCollector
          ) -> list[tuple[DocumentUnits, dict[str, exchange.Entry], exchange.Imported]]:
    by_name = {d.name: d for d in documents}
    grouped: dict[str, dict[str, exchange.Entry]] = {}
    for entry in file.entries:
        name, _, segment = entry.id.partition("#")
        document = by_name.get(name)
        if document is None or not segment:
            problems.add(f"segment {entry.id}: no such document in this publication", file.path,
                         entry.line, hint="export again and translate the new file")
            continue
        if entry.id not in document.by_id():
            problems.add(f"segment {entry.id} no longer exists in {document.source.path.name} "
                         "(the source changed)", file.path, entry.line,
                         hint="export again: the new catalog keeps your translations "
                              "(fuzzy where the source changed)")
            continue
        if entry.id in grouped.setdefault(name, {}):
            problems.add(f"segment {entry.id} is in the file twice", file.path, entry.line,
                         hint="keep one of them")
            continue
        unit = document.by_id()[entry.id]
        if entry.source and entry.source != unit.source_text and entry.text and not entry.fuzzy:
            # Exported before the source changed: the translation is of the old text.
            entry = replace(entry, fuzzy=True, stale=True)
        if entry.text:
            try:
                inline.parse(entry.text, list(unit.codes), inline.required(unit.segment.codes))
            except inline.PlaceholderError as error:
                problems.add(f"segment {entry.id}: {error}", file.path, entry.line,
                             hint="keep the source's codes: " + (", ".join(
                                 f"<g{c.id}>…</g{c.id}>" if c.paired else f"<x{c.id}/>"
                                 for c in unit.codes) or "none"))
        grouped[name][entry.id] = entry
    plans = []
    for name, entries in grouped.items():
        document = by_name[name]
        missing = [u.id for u in document.units if u.id not in entries]
        for ident in missing:
            problems.add(f"segment {ident} of {document.source.path.name} is missing from the "
                         "file", file.path, 1,
                         hint="export again: the source has a segment this file was not made with")
        plans.append((document, entries, file))
    return plans


def _apply(config: PublicationConfig, document: DocumentUnits,
           entries: dict[str, exchange.Entry]) -> tuple[Result, str | None]:
    """What importing ``entries`` makes of the document: its result, and its new text
    (None: unchanged)."""
    result = Result(document.name, document.target_path)
    usable = {i: e.text for i, e in entries.items() if e.text and not e.fuzzy}
    result.fuzzy = sum(1 for e in entries.values() if e.text and e.fuzzy)
    stale = sum(1 for e in entries.values() if e.stale)
    if stale:
        result.notes.append(f"{stale} segment{'s' if stale != 1 else ''} translated a source "
                            "that has changed since the export: kept as fuzzy (export again "
                            "to see the change)")
    result.untranslated = sum(1 for e in entries.values() if not e.text)
    units = document.by_id()
    # Only a changed text is written; confirming a fuzzy one (same text, flag
    # cleared) only counts towards marking the document.
    edits = {i: text for i, text in usable.items() if text != units[i].target_text}
    result.changed = len(edits)
    complete = len(usable) == len(document.units)
    if not edits and not (complete and document.kind == "markdown"):
        return result, None
    codes = {u.segment.id: u.codes for u in document.units}
    if document.in_place and document.target is not None:
        local = {i.partition("#")[2]: t for i, t in edits.items()}
        text = rewrite(document.target, local, codes) if local else document.target.text
    else:
        # Rebuilt on the source's structure: the new translation where there is one,
        # else the old one, else the source text (the file stays whole).
        result.rebuilt = True
        used = {u.target.id for u in document.units if u.target is not None}
        left = [segment for segment in (document.target.segments if document.target else [])
                if segment.id not in used and segment.text]
        if left and not document.history:
            raise BuildError(*(Problem(
                f"{segment.id} of the translation matches no segment of "
                f"{document.source.path.name}: rebuilding it on the source's structure "
                "would lose it", document.target_path, segment.line,
                hint="split or join the translation's paragraphs as the source's are, "
                     "then export again") for segment in left))
        result.notes += [f"{segment.id} (line {segment.line}) translated a passage the source "
                         "no longer has, and was left out" for segment in left]
        keep = {u.segment.id: usable.get(u.id) or u.target_text or u.source_text
                for u in document.units}
        text = tr.without_hash(rewrite(
            document.source, {i: t for i, t in keep.items()
                              if t != units[f"{document.name}#{i}"].source_text}, codes))
    if document.kind == "markdown" and complete:
        reader = publication_reader(config.root)
        current = tr.source_hash(document.source.path, reader)
        recorded = _recorded(text, document)
        if recorded != current:
            text = tr.with_hash(text, current, document.target_path)
            result.marked = True
    before = document.target.text if document.target is not None and \
        document.target_path.exists() else None
    return result, (text if text != before else None)


def _recorded(text: str, document: DocumentUnits) -> str:
    from folio.content.frontmatter import parse_document
    value = parse_document(text, document.target_path).front_matter.get(tr.HASH_FIELD)
    return "" if value is None else str(value).strip()
