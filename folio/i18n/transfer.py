"""``i18n export`` and ``i18n import``: the round trip through a translator's CAT tool.

Export writes one catalog per document. Import reads catalogs back and writes
each changed translation into ``<name>.<lang>.md`` (or ``issue.yaml``): in place
when the translation is cut like its source, so an unchanged segment keeps its
bytes; otherwise the translation is rebuilt on the source's structure. Every
file is checked before any is written, so a bad catalog changes nothing.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from folio.config.publication import PublicationConfig
from folio.config.reading import publication_reader
from folio.content import translations as tr
from folio.errors import BuildError, Problem, ProblemCollector
from folio.files import inside_publication, nfc, publication_lock, write_atomically
from folio.i18n import exchange, glossary, inline, space
from folio.i18n.segments import (
    Cut,
    Lines,
    Scalar,
    block_lines,
    cut_markdown_file,
    rewrite,
    wrap_width,
)
from folio.i18n.units import TRANSLATED, DocumentUnits, all_documents, find, text_hash

EXPORT_DIR = Path("translations")          # at the publication root: committed, not built
TEMPLATES = "templates"                   # translations/templates/<document>.pot
MEMORY_FILE = "memory.tmx"
GLOSSARY_FILE = "glossary.tbx"


def export(config: PublicationConfig, code: str, fmt: str = "po", only: str | None = None,
           out: Path | None = None, force: bool = False) -> list[tuple[Path, DocumentUnits]]:
    """Write a catalog per document (or only ``only``); the paths written.

    Into ``translations/<code>/<document>.po`` by default, with each document's
    template in ``translations/templates/<document>.pot`` (what Weblate makes a new
    language from), the glossary as TBX and the translation memory as TMX; with
    ``out``, the catalogs, glossary and memory only, into ``out``."""
    config.language(code)
    documents = all_documents(config, code)
    if not documents:
        raise BuildError.at(f"there is nothing to translate into {code}: every text is "
                            f"written in {code} first", config.root / "publication.yaml",
                            hint="export a language the texts are translated into, e.g. "
                                 + ", ".join(c for c in config.codes if c != code))
    everything = documents
    if only:
        documents = [find(config, documents, only)]
    terms = glossary.load(config)
    folder = out if out is not None else config.root / EXPORT_DIR / code
    paths = {document.name: folder / (document.name + exchange.FORMATS[fmt])
             for document in documents}
    problems = ProblemCollector()
    for document in documents:
        _follow_earlier(document, paths[document.name], force, problems)
    problems.raise_if_any()
    if out is None:
        inside_publication(folder, config.root)
    written = []
    for document in documents:
        notes = {u.id: exchange.unit_notes(u, glossary.notes(terms, document, u))
                 for u in document.units}
        limits = space.notice_limits(document, config.notice_page_size)
        path = paths[document.name]
        data = exchange.write_po(document, config, notes, path, limits) if fmt == "po" else \
            exchange.write_xliff(document, config, notes, limits)
        write_atomically(path, data)
        written.append((path, document))
        if out is None:
            template = config.root / EXPORT_DIR / TEMPLATES / (document.name + exchange.TEMPLATE)
            codes_only = {u.id: exchange.unit_notes(
                dataclasses.replace(u, suggestion=None, fuzzy=False), [])
                for u in document.units}
            write_atomically(template, exchange.write_po(document, config, codes_only,
                                                         template, limits, template=True))
            written.append((template, document))
    if not only:
        tbx = _tbx(terms, config.source_language, code) if terms else None
        if tbx is not None:
            write_atomically(folder / GLOSSARY_FILE, tbx)
            written.append((folder / GLOSSARY_FILE, documents[0]))
        tmx = _tmx(everything, code)
        if tmx is not None:
            write_atomically(folder / MEMORY_FILE, tmx)
            written.append((folder / MEMORY_FILE, documents[0]))
    return written


def _follow_earlier(document: DocumentUnits, path: Path, force: bool,
                    problems: ProblemCollector) -> None:
    """Before a catalog is written again: refuse to replace one that holds a
    translator's work not imported yet (unless ``force``), and carry over, for a
    translation that is fuzzy because its source changed, the source it translated
    as the earlier catalog has it (``#| msgid``), where git history cannot tell."""
    if not path.is_file():
        return
    try:
        earlier = exchange.read(path)
    except BuildError:
        return                                  # not a catalog of ours: replaced
    units = document.by_id()
    for entry in earlier.entries:
        unit = units.get(entry.id)
        current = unit.target_text if unit is not None else ""
        suggestion = entry.fuzzy and entry.base == text_hash("")
        # An issue.yaml text of an English that changed is never imported (see _apply):
        # it holds nothing an import could bring in.
        outdated = document.kind == "issue" and unit is not None and \
            bool(entry.source) and entry.source != unit.source_text
        suggestion = suggestion or outdated
        if unit is not None and entry.text and entry.text != current and not suggestion and \
                entry.base is not None and text_hash(entry.text) != entry.base and not force:
            problems.add(f"segment {entry.id} holds a translation not imported yet: "
                         "exporting again would replace it", path, entry.line,
                         hint=f"import it first (i18n import {path.name}), or export with "
                              "--out into another folder (--force replaces it)")
        elif unit is not None and entry.text and entry.text == current and unit.fuzzy and \
                not unit.previous and entry.source and entry.source != unit.source_text:
            unit.previous = entry.source


def _tmx(documents: list[DocumentUnits], target: str) -> bytes | None:
    """The translation memory: every translated segment of the publication as a
    source → translation pair (each pair once), for a CAT tool's memory."""
    from translate.storage import tmx
    pairs: dict[tuple[str, str, str], None] = {}
    for document in documents:
        for unit in document.units:
            if unit.state == TRANSLATED:
                pairs.setdefault((document.source_language, unit.source_text,
                                  unit.target_text))
    if not pairs:
        return None
    store = tmx.tmxfile(sourcelanguage=documents[0].source_language, targetlanguage=target)
    for language, source, translation in pairs:
        store.addtranslation(source, language, translation, target)
    return bytes(store)


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
    # Segments changed both in the file (since the export) and in the catalog: not
    # written, each a problem saying how to merge.
    conflicts: list[Problem] = field(default_factory=list)


def import_files(config: PublicationConfig, paths: list[Path]) -> list[Result]:
    """Check every file, then write the translations they carry.

    The publication is locked meanwhile: a build, or a second import, waits, so that
    an import always compares with the file as it is (two translators importing at
    the same moment are taken one after the other, the second compared with the
    first's result).
    """
    with publication_lock(config.root, exclusive=True):
        return _import_files(config, paths)


def _import_files(config: PublicationConfig, paths: list[Path]) -> list[Result]:
    problems = ProblemCollector()
    imported = []
    for path in paths:
        try:
            imported.append(exchange.read(path))
        except BuildError as error:
            problems.extend(error)
    problems.raise_if_any()
    plans: list[tuple[DocumentUnits, list[exchange.Entry], exchange.Imported]] = []
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
    for document, entries, file in plans:
        try:
            done.append(_apply(config, document, entries, file))
        except BuildError as error:
            problems.extend(error)
    problems.raise_if_any()
    for result, text in done:
        if text is not None:
            write_atomically(result.path, _with_bom_as_before(result.path, text))
            result.written = True
    return [result for result, _ in done]


def _with_bom_as_before(path: Path, text: str) -> bytes:
    """The file's bytes, starting with a byte-order mark if it did (a Windows editor's;
    the reader takes it off)."""
    try:
        with path.open("rb") as stream:
            bom = stream.read(3) == b"\xef\xbb\xbf"
    except OSError:
        bom = False
    return (("\ufeff" if bom and not text.startswith("\ufeff") else "") + text).encode("utf-8")


def _code(language: str, config: PublicationConfig) -> str:
    """A tool may write ko_KR, ko-KR or KO where the publication says ko."""
    language = language.strip().replace("_", "-").lower()
    return language if language in config.codes else language.split("-")[0]


def _plan(file: exchange.Imported, documents: list[DocumentUnits], problems: ProblemCollector
          ) -> list[tuple[DocumentUnits, list[exchange.Entry], exchange.Imported]]:
    """The file's entries grouped by document, in the file's order."""
    by_name = {d.name: d for d in documents}
    grouped: dict[str, list[exchange.Entry]] = {}
    for entry in file.entries:
        # Korean typed or pasted on macOS arrives decomposed (NFD): stored composed.
        entry = replace(entry, text=nfc(entry.text), source=nfc(entry.source))
        name, _, segment = entry.id.partition("#")
        document = by_name.get(name)
        if document is None or not segment:
            problems.add(f"segment {entry.id}: no such document in this publication "
                         f"translated into {file.language or 'this language'}", file.path,
                         entry.line, hint="import the catalogs 'i18n export' wrote for this "
                                          "publication, each into its own language")
            continue
        if any(e.id == entry.id for e in grouped.get(name, [])):
            problems.add(f"segment {entry.id} is in the file twice", file.path, entry.line,
                         hint="keep one of them")
            continue
        grouped.setdefault(name, []).append(entry)
    return [(by_name[name], entries, file) for name, entries in grouped.items()]


@dataclass
class _Placed:
    """What an import decided for one segment of the source as it is now."""

    text: str                 # the translation to write ("" : none)
    confirmed: bool           # translated and checked (not fuzzy, not of an older source)
    used: str | None = None   # the id of the translation's segment it came from


def _map_entries(document: DocumentUnits, entries: list[exchange.Entry]
                 ) -> tuple[dict[str, tuple[exchange.Entry, bool]], list[exchange.Entry]]:
    """Each entry to the segment of the source as it is now that it translates.

    The catalog holds the source as it was exported (each entry's msgid): aligned
    with the source as it is now, a paragraph inserted, removed or moved since
    leaves every other entry on its own text. An entry whose source text changed is
    mapped as stale (True); one whose source is gone is returned apart.
    """
    segments = document.source.segments
    local = [e.id.partition("#")[2] for e in entries]
    if local == [s.id for s in segments] and all(
            not e.source or e.source == s.text for e, s in zip(entries, segments, strict=True)):
        return {s.id: (e, False) for e, s in zip(entries, segments, strict=True)}, []
    before = [(_kind(i), " ".join(e.source.split()) or i) for i, e in zip(local, entries,
                                                                        strict=True)]
    after = [(_kind(s.id), s.text) for s in segments]
    mapped: dict[str, tuple[exchange.Entry, bool]] = {}
    left: list[int] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for a, b in zip(range(a1, a2), range(b1, b2), strict=True):
                mapped[segments[b].id] = (entries[a], False)
        else:
            left += range(a1, a2)
    # A passage moved elsewhere keeps its translation; then, each entry left goes to
    # the most alike segment of its kind still free: a reworded paragraph, or the
    # larger half of a split one.
    free = [b for b in range(len(after)) if segments[b].id not in mapped]
    for a in left[:]:
        same = next((b for b in free if after[b] == before[a]), None)
        if same is not None:
            free.remove(same)
            left.remove(a)
            mapped[segments[same].id] = (entries[a], False)
    # The same words in a block of another kind (a paragraph become a quotation or
    # a list item): the translation follows them, to be checked.
    for a in left[:]:
        same = next((b for b in free if after[b][1] == before[a][1] and
                     _is_block(after[b][0]) == _is_block(before[a][0])), None)
        if same is not None:
            free.remove(same)
            left.remove(a)
            mapped[segments[same].id] = (entries[a], True)
    gone: list[exchange.Entry] = []
    for a in left:
        # A text is recognised by its likeness only by its words: a year or a
        # number that changed is another text ("2021" is not "2025"), and a short
        # text must be the more alike.
        alike = [(difflib.SequenceMatcher(a=before[a][1], b=after[b][1],
                                          autojunk=False).ratio(), b)
                 for b in free if after[b][0] == before[a][0] and
                 re.search(r"[^\W\d_]", before[a][1]) and re.search(r"[^\W\d_]", after[b][1])]
        short = len(before[a][1].split()) < 3
        best = max(alike, default=None)
        if best is None or best[0] < (0.6 if short else 0.3):
            gone.append(entries[a])
            continue
        free.remove(best[1])
        mapped[segments[best[1]].id] = (entries[a], True)
    return mapped, gone


def _is_block(kind: str) -> bool:
    """A block of the body (paragraph, item, quotation, heading, turn, footnote…), as
    against a front-matter text or a table cell."""
    return re.match(r"(p|item|quote|heading|turn|footnote|figure|table)\b", kind) is not None \
        and not kind.startswith("cell")


def _kind(ident: str) -> str:
    """What kind of block a segment id names: p, heading, cell, authors.name…"""
    return re.sub(r"\d+", "#", ident)


def _existing(document: DocumentUnits, entries: list[exchange.Entry],
              mapped: dict[str, tuple[exchange.Entry, bool]]) -> dict[str, tuple[str, str]]:
    """The translation as it is in the file now, for each segment of the source: (its
    text, numbered as the source's codes; the id of the translation's segment).

    When the file is still cut as the catalog was exported, its segments follow their
    entries to where the source has them now; otherwise they are as ``units``
    aligned them with the source."""
    target = document.target
    if target is not None and [s.id for s in target.segments] == \
            [e.id.partition("#")[2] for e in entries]:
        by_id = target.by_id()
        found = {}
        for ident, (entry, _) in mapped.items():
            segment = by_id[entry.id.partition("#")[2]]
            if not tr.is_untranslated_mark(segment.text):
                found[ident] = (_numbered(segment, document, ident), segment.id)
        return found
    return {u.segment.id: (u.target_text, u.target.id) for u in document.units
            if u.target is not None and u.target_text}


def _apply(config: PublicationConfig, document: DocumentUnits, entries: list[exchange.Entry],
           file: exchange.Imported) -> tuple[Result, str | None]:
    """What importing ``entries`` makes of the document: its result, and its new text
    (None: unchanged). Nothing of the source's language is written: a segment with no
    translation gets the mark strict builds refuse."""
    result = Result(document.name, document.target_path)
    mapped, gone = _map_entries(document, entries)
    # The source changed since the export: an entry's passage is gone, reworded, or
    # stands under another id now.
    moved = bool(gone) or any(old or entry.id.partition("#")[2] != ident
                              for ident, (entry, old) in mapped.items())
    existing = _existing(document, entries, mapped)
    units = document.by_id()
    problems = ProblemCollector()
    placed: dict[str, _Placed] = {}
    for segment in document.source.segments:
        unit = units[f"{document.name}#{segment.id}"]
        now, used = existing.get(segment.id, ("", None))
        confirmed_now = bool(now) and unit.target_text == now and unit.state == TRANSLATED
        pair = mapped.get(segment.id)
        if pair is None:
            placed[segment.id] = _Placed(now, confirmed_now, used)
            continue
        entry, stale = pair
        if stale and document.kind == "issue" and entry.text and entry.text != now:
            # issue.yaml records no version of the English a Korean text translates:
            # written, a translation of the old English would pass for up to date.
            result.notes.append(f"{segment.id}: not written, the {document.source_language} "
                                "text changed since the export (export again and translate "
                                "it anew)")
            placed[segment.id] = _Placed(now, False, used)
            continue
        text, problem = _decide(entry, now, stale, unit, file, document, result)
        if problem is not None:
            message, path, line, hint = problem
            problems.add(message, path, line, hint=hint)
        elif text is not None:
            result.changed += 1
            placed[segment.id] = _Placed(text, not entry.fuzzy and not stale, used)
        elif entry.text and entry.text == now:
            placed[segment.id] = _Placed(now, not entry.fuzzy and not stale, used)
        else:
            placed[segment.id] = _Placed(now, confirmed_now and not stale, used)
    problems.raise_if_any()
    absorbed: set[str] = set()
    if document.kind == "markdown":
        gone, absorbed = _merged(document, entries, gone, placed)
    for ident, p in placed.items():
        # A translation kept from before the source gained a footnote call or a
        # citation gets it, at its end, for the translator to move.
        unit = units[f"{document.name}#{ident}"]
        if p.text and not _fits(p.text, unit):
            placed[ident] = _Placed(_fit_codes(p.text, unit), False, p.used)
    result.notes += [f"{e.id.partition('#')[2]} (line {e.line} of the catalog) translated a "
                     "passage the source no longer has: left out" for e in gone if e.text]
    older = sum(1 for e, old in mapped.values() if old and e.text) \
        if document.kind == "markdown" else 0
    if older:
        result.notes.append(f"{older} segment{'s' if older != 1 else ''} translated a source "
                            "that has changed since the export: written, and left to check "
                            "(the document stays out of date; export again to see the change)")
    result.fuzzy = sum(1 for p in placed.values() if p.text and not p.confirmed)
    result.untranslated = sum(1 for p in placed.values() if not p.text)
    if document.kind == "issue":
        return _apply_issue(document, placed, result)
    return _apply_markdown(config, document, placed, gone, result, moved, absorbed)


def _merged(document: DocumentUnits, entries: list[exchange.Entry],
            gone: list[exchange.Entry], placed: dict[str, _Placed]
            ) -> tuple[list[exchange.Entry], set[str]]:
    """Passages the source joined to another since the export (two paragraphs made
    one): each one's translation joins the translation of the passage it is now
    part of, to be checked. Returns the entries whose passage is gone, and the ids of
    the translation's segments joined so."""
    target = document.target
    mine = target.by_id() if target is not None and [s.id for s in target.segments] == \
        [e.id.partition("#")[2] for e in entries] else {}
    words = {s.id: " ".join(inline.plain(s.text).split()) for s in document.source.segments}
    left = []
    absorbed: set[str] = set()
    for entry in gone:
        old = " ".join(inline.plain(entry.source).split())
        home = next((i for i, text in words.items()
                     if len(old) >= 20 and old in text and text != old), None)
        segment = mine.get(entry.id.partition("#")[2])
        translation = entry.text if entry.text and not (
            entry.fuzzy and entry.base == text_hash("")) else \
            (segment.text if segment is not None else "")
        if home is None or not translation or home not in placed:
            left.append(entry)
            continue
        joined = placed[home].text
        absorbed |= {placed[home].used or "", entry.id.partition("#")[2]}
        placed[home] = _Placed(f"{joined} {translation}".strip() if joined else translation,
                               False, None)
    return left, absorbed


def _decide(entry: exchange.Entry, now: str, stale: bool, unit, file, document,
            result: Result) -> tuple[str | None, tuple | None]:
    """An entry's text, or None to keep the file's; a conflict as a problem's arguments.

    Three texts are compared: the file's now, the catalog's, and the file's at export
    (``entry.base``, a hash): a segment only the translator changed is written, one
    only the file changed (someone imported since) is kept, one changed in both is a
    conflict, never an overwrite."""
    text = entry.text
    if not text or text == now:
        return None, None
    exported = entry.base
    if entry.fuzzy and not stale and (not now if exported is None else
                                      exported == text_hash("")):
        return None, None                   # a suggestion nobody accepted
    if exported is not None and text_hash(text) == exported:
        return None, None                   # not changed in the catalog
    if stale:
        text = _fit_codes(text, unit)
    try:
        inline.parse(text, list(unit.codes), inline.required(unit.segment.codes))
    except inline.PlaceholderError as error:
        return None, (f"segment {entry.id}: {error}", file.path, entry.line,
                      "keep the source's codes: " + (", ".join(
                          f"<g{c.id}>…</g{c.id}>" if c.paired else f"<x{c.id}/>"
                          for c in unit.codes) or "none"))
    if _copied_source(text, unit.source_text, document) or tr.in_source_language(
            inline.plain(text), document.source_language,
            document.language) and not tr.in_source_language(
                                 inline.plain(unit.source_text), document.language,
                                 document.source_language, 1):
        return None, (f"segment {entry.id}: the translation is in "
                      f"{document.source_language} (the source's language), not "
                      f"{document.language}", file.path, entry.line,
                      "translate it, or leave it empty to translate later")
    if exported is not None and now and text_hash(now) != exported:
        shown = lambda t: t if len(t) <= 80 else t[:77] + "…"
        result.conflicts.append(Problem(
            f"segment {entry.id} was changed in {document.target_path.name} after this "
            f"catalog was exported (now: “{shown(inline.plain(now))}”), and in the catalog "
            f"(“{shown(inline.plain(text))}”): not imported", file.path, entry.line,
            hint="export again into another folder (i18n export --out DIR --only …): the "
                 "new catalog has the file's text; put your change into it, and import that"))
        return None, None
    return text, None


def _copied_source(text: str, source: str, document: DocumentUnits) -> bool:
    """A translation that is its source copied ("copy source to target" in a CAT
    tool): refused when it has words of the source's script that a translation would
    write in its own (an acronym, a number or a code may stay as it is)."""
    if " ".join(inline.plain(text).split()) != " ".join(inline.plain(source).split()):
        return False
    korean = {document.source_language.split("-")[0], document.language.split("-")[0]}
    if "ko" not in korean or len(korean) != 2:
        return False
    if document.source_language.startswith("ko"):
        return re.search(r"[\uac00-\ud7a3]", text) is not None
    return re.search(r"[A-Za-z]*[a-z][A-Za-z]*", inline.plain(text)) is not None


def _strictly(text: str, codes, source=None) -> str:
    """``text`` with only ``codes``: others taken out, their text kept; a footnote call
    or citation the source (``source``'s codes, else ``codes``) requires put at the
    end."""
    known = {c.id for c in codes}
    source = codes if source is None else source

    def keep(match: re.Match) -> str:
        return match[0] if (match[1] or match[2] or match[3]) in known else ""
    fitted = inline.PLACEHOLDER.sub(keep, text)
    present = {m[3] for m in inline.PLACEHOLDER.finditer(fitted) if m[3]}
    missing = [c for c in inline.required(source) if not c.paired and c.id not in present]
    fitted += "".join(f"<x{c.id}/>" for c in missing)
    try:
        inline.parse(fitted, list(codes), inline.required(source))
    except inline.PlaceholderError:
        fitted = inline.plain(text) + "".join(f"<x{c.id}/>" for c in inline.required(source)
                                              if not c.paired)
    return fitted


def _fits(text: str, unit) -> bool:
    try:
        inline.parse(text, list(unit.codes), inline.required(unit.segment.codes))
    except inline.PlaceholderError:
        return False
    return True


def _fit_codes(text: str, unit) -> str:
    """A translation of an older source given the codes of the source as it is now: a
    code the source no longer has is taken out (its text kept), one it now requires
    (a footnote call, a citation) is put at the end, for the translator to move."""
    return _strictly(text, unit.codes, unit.segment.codes)


def _apply_issue(document: DocumentUnits, placed: dict[str, _Placed], result: Result
                 ) -> tuple[Result, str | None]:
    """issue.yaml: each text written beside its source; a text with no translation is
    left missing (status and strict builds report a missing language)."""
    assert document.target is not None
    current = {s.id: s.text for s in document.target.segments}
    edits = {i: p.text for i, p in placed.items() if p.text and p.text != current.get(i)}
    if not edits:
        return result, None
    codes = {u.segment.id: u.codes for u in document.units}
    text = rewrite(document.target, edits, codes)
    return result, (text if text != document.target.text else None)


def _unchanged_blocks(target: Cut, placed: dict[str, _Placed], document: DocumentUnits
                      ) -> dict[str, str]:
    """A translated block that did not change is written as the translation had it
    (its wrapping, its own codes); a new one wrapped as the translation is."""
    raw = {}
    mine = target.by_id()
    for ident, p in placed.items():
        if p.used is None or not p.text or \
                p.text != _numbered(mine[p.used], document, ident):
            continue
        kept = block_lines(target, p.used)
        theirs = document.source.by_id()[ident].span
        ours = mine[p.used].span
        if kept is None or mine[p.used].kind != document.source.by_id()[ident].kind:
            continue
        if isinstance(theirs, Lines) and isinstance(ours, Lines) and \
                ours.prefix == theirs.prefix and ours.figure == theirs.figure:
            raw[ident] = kept if kept.endswith("\n") else kept + "\n"
        elif isinstance(theirs, Scalar) and isinstance(ours, Scalar) and \
                theirs.start >= 0:
            raw[ident] = kept
    return raw


def _apply_markdown(config: PublicationConfig, document: DocumentUnits,
                    placed: dict[str, _Placed], gone: list[exchange.Entry], result: Result,
                    moved: bool, absorbed: set[str]) -> tuple[Result, str | None]:
    """A content file: written in place when it is cut as the source is, else made on
    the source's structure. ``moved``: the source changed since the export, so the
    translation follows it even where no text changed."""
    codes = {u.segment.id: u.codes for u in document.units}
    target = document.target
    complete = all(p.text and p.confirmed for p in placed.values())
    if not result.changed and not complete and target is not None and not moved:
        return result, None                 # nothing new: the file stays as it is
    source_ids = [s.id for s in document.source.segments]
    if target is not None and [s.id for s in target.segments] == source_ids and \
            all(p.used in (None, i) for i, p in placed.items()) and \
            _same_frame(target, document.source):
        current = target.by_id()
        edits = {i: p.text for i, p in placed.items()
                 if p.text and p.text != _numbered(current[i], document, i)}
        text = _written(target, edits, codes, document)
    else:
        # Cut otherwise than the source now is: made on the source's structure, each
        # translation where its source segment is now.
        result.rebuilt = True
        used = {p.used for p in placed.values() if p.used is not None}
        dropped = {e.id.partition("#")[2] for e in gone} | absorbed
        left = [segment for segment in (target.segments if target else [])
                if segment.id not in used and segment.text and segment.id not in dropped]
        if left and not document.history:
            raise BuildError(*(Problem(
                f"{segment.id} of the translation matches no segment of "
                f"{document.source.path.name}: rebuilding it on the source's structure "
                "would lose it", document.target_path, segment.line,
                hint="split or join the translation's paragraphs as the source's are, "
                     "then export again") for segment in left))
        result.notes += [f"{segment.id} (line {segment.line}) translated a passage the source "
                         "no longer has, and was left out" for segment in left]
        texts = {i: p.text or tr.UNTRANSLATED_MARK.format(id=i) for i, p in placed.items()}
        missing = [i for i, p in placed.items() if not p.text]
        if missing:
            result.notes.append(
                "not translated yet, marked '(untranslated: …)' for strict builds and "
                "status to find: " + ", ".join(missing))
        raw = _unchanged_blocks(target, placed, document) if target is not None else {}
        text = tr.without_hash(_written(document.source, texts, codes, document, raw,
                                        wrap_width(target) if target is not None else None))
    reader = publication_reader(config.root)
    current_hash = tr.source_hash(document.source.path, reader)
    recorded = _recorded(target.text, document) if target is not None else ""
    if complete:
        if _recorded(text, document) != current_hash:
            text = tr.with_hash(text, current_hash, document.target_path)
            result.marked = True
    elif recorded and recorded != current_hash:
        # Still out of date: the record of the version it translates stays.
        text = tr.with_hash(text, recorded, document.target_path)
    elif recorded:
        # Marked up to date, but now holds text nobody checked: no longer marked.
        text = tr.without_hash(text)
        result.notes.append("no longer marked as up to date: it holds fuzzy or missing "
                            "translations ('i18n mark' once checked)")
    before = target.text if target is not None and document.target_path.exists() else None
    return result, (text if text != before else None)


def _same_frame(target, source) -> bool:
    """Whether the translation frames its blocks as the source does: the same heading
    levels, list and quotation marks, images and labels. A source whose heading
    became a subheading, or whose figure shows another file, makes the translation
    again on its structure (else it would be marked up to date with the old ones)."""
    theirs = source.by_id()
    for segment in target.segments:
        mine, other = segment.span, theirs[segment.id].span
        if isinstance(mine, Lines) and isinstance(other, Lines) and (
                mine.prefix.strip() != other.prefix.strip() or mine.figure[1] != other.figure[1]
                or _label(mine.suffix) != _label(other.suffix)):
            return False
    return True


def _label(suffix: str) -> str:
    """The label or attributes a block's line ends with ({#tbl:members})."""
    found = re.search(r"\{[^{}]*\}\s*$", suffix)
    return found[0].strip() if found else ""


def _numbered(segment, document: DocumentUnits, ident: str) -> str:
    """A translation segment's text with its codes numbered as the source's."""
    source = document.source.by_id()[ident]
    return inline.apply_ids(segment.text, inline.renumber(list(segment.codes),
                                                          list(source.codes)))


def _written(cut, texts: dict[str, str], codes, document: DocumentUnits,
             raw: dict[str, str] | None = None, width: int | None = None) -> str:
    """``cut`` with ``texts`` written in, checked by cutting the result again: each
    segment must read back as what was written, or nothing is written at all."""
    for wrap, kept in ((True, raw), (False, raw), (False, None)):
        text = rewrite(cut, texts, codes, wrap=wrap, raw=kept, width=width)
        if _reads_back(text, cut, texts, document):
            return text
    # A code the translation has and the source no longer has (a footnote call whose
    # note the source took out, a label renamed) reads back as plain text: each
    # segment is given the source's codes alone, as a translation of a changed
    # source is (the document stays out of date).
    if document.kind == "markdown" and cut is document.source:
        own = {s.id: s.codes for s in cut.segments}
        strict = {i: _strictly(t, own.get(i, ())) for i, t in texts.items()}
        text = rewrite(cut, strict, own, wrap=True, width=width)
        if _reads_back(text, cut, strict, document):
            return text
    raise BuildError.at("the import could not write this translation so that it reads back "
                        "as the catalog says: nothing was written", document.target_path,
                        hint="report this with the catalog; meanwhile paste the translation "
                             "into the file by hand")


def _reads_back(text: str, cut, texts: dict[str, str], document: DocumentUnits) -> bool:
    try:
        again = cut_markdown_file(text, cut.path) if document.kind == "markdown" else None
    except BuildError:
        return False
    if again is None:
        return True
    ids = [s.id for s in again.segments]
    if ids != [s.id for s in cut.segments]:
        return False
    read = again.by_id()
    return all(inline.plain(read[i].text) == inline.plain(t) for i, t in texts.items())


def _recorded(text: str, document: DocumentUnits) -> str:
    from folio.content.frontmatter import parse_document
    value = parse_document(text, document.target_path).front_matter.get(tr.HASH_FIELD)
    return "" if value is None else str(value).strip()
