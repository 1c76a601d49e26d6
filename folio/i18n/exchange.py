"""Translation units to and from the files CAT tools open: PO (polib) and XLIFF 1.2
(translate-toolkit).

Both carry the same things: the unit id (``msgctxt`` / ``trans-unit id``), the
source and its translation, the source file and line, a fuzzy flag (with the
previous source, ``#|``, where the source changed), translation-memory matches
and glossary notes. Inline codes are XLIFF ``<g>``/``<x>`` elements, and the same
notation in PO text (see inline.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import polib
from babel import Locale
from babel.messages.plurals import get_plural

from folio.config.publication import PublicationConfig
from folio.content.translations import last_commit
from folio.errors import BuildError, shown_path
from folio.i18n import inline
from folio.i18n.units import DocumentUnits, Unit

FORMATS = {"po": ".po", "xliff": ".xlf"}
TOOL_NOTE = ("Inline codes: <g1>…</g1> wraps text that keeps a style or a link, <x1/> "
             "stands for a footnote call, code or line break. Keep every code; move them "
             "as the sentence needs.")


@dataclass(frozen=True)
class Entry:
    """One unit as read back from a translator's file."""

    id: str
    text: str
    fuzzy: bool
    line: int
    source: str = ""          # the source text it was exported with
    stale: bool = False       # that source has changed since: imported as fuzzy
    base: str | None = None   # units.text_hash of the translation at export (three-way
    #                           import); None: the file does not say


@dataclass(frozen=True)
class Imported:
    path: Path
    language: str
    entries: list[Entry]


def unit_notes(unit: Unit, glossary_notes: list[str]) -> list[str]:
    notes = list(glossary_notes)
    if unit.suggestion is not None:
        notes.append(f"Translation memory: {unit.suggestion.quality}% match from "
                     f"{unit.suggestion.origin}")
    if unit.fuzzy and not unit.previous:
        notes.append("Check this translation: the source may have changed since it "
                     "was made")
    codes = [f"<g{c.id}>…</g{c.id}> {c.label}" if c.paired else f"<x{c.id}/> {c.label}"
             for c in unit.codes]
    if codes:
        notes.append("Codes: " + "; ".join(codes))
    return notes


# -- PO ------------------------------------------------------------------------------

def write_po(document: DocumentUnits, config: PublicationConfig, notes: dict[str, list[str]],
             path: Path) -> bytes:
    catalog = polib.POFile(wrapwidth=78)
    language = config.language(document.language)
    author, date = _last_change(document.target_path)
    _, source_date = _last_change(document.source.path)
    plural = get_plural(language.locale)
    title = config.title.get(config.source_language) or next(iter(config.title.values()))
    catalog.header = (f"{document.name}: {language.name} translation of "
                      f"{shown_path(document.source.path, config.root)}\n{TOOL_NOTE}")
    catalog.metadata = {
        "Project-Id-Version": f"{title} ({document.name})",
        "POT-Creation-Date": source_date,
        "PO-Revision-Date": date,
        "Last-Translator": author,
        "Language-Team": f"{Locale.parse(document.language).english_name} ({title})",
        "Language": document.language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": f"nplurals={plural.num_plurals}; plural={plural.plural_expr};",
        "X-Folio-Document": document.name,
        "X-Folio-Source-Language": document.source_language,
    }
    for unit in document.units:
        flags = []
        text, previous = unit.target_text, unit.previous
        if unit.fuzzy:
            flags.append("fuzzy")
        elif not text and unit.suggestion is not None:
            flags.append("fuzzy")
            text = unit.suggestion.target
            if unit.suggestion.source != unit.source_text:
                previous = unit.suggestion.source
        if unit.codes:
            flags.append(inline.WEBLATE_FLAG)
        entry = polib.POEntry(
            msgctxt=unit.id, msgid=unit.source_text, msgstr=text,
            occurrences=[(shown_path(document.source.path, config.root),
                          str(unit.segment.line))],
            comment="\n".join(notes.get(unit.id, [])), flags=flags)
        if previous:
            entry.previous_msgctxt = unit.id
            entry.previous_msgid = previous
        catalog.append(entry)
    return catalog.__unicode__().encode("utf-8")


def read_po(path: Path, data: bytes) -> Imported:
    try:
        catalog = polib.pofile(data.decode("utf-8"), wrapwidth=78)
    except UnicodeDecodeError:
        raise BuildError.at("the file is not UTF-8", path,
                            hint="save it as UTF-8 (Poedit does)") from None
    except (OSError, ValueError) as error:
        match = re.search(r"line (\d+)", str(error))
        raise BuildError.at(f"the PO file cannot be read: {error}", path,
                            int(match[1]) if match else None,
                            hint="open it in Poedit, or fix the quoting on that line") from None
    language = catalog.metadata.get("Language", "").strip()
    # A tool may wrap or indent a msgstr: a segment is one run of text, as in XLIFF.
    entries = [Entry(e.msgctxt or "", " ".join(e.msgstr.split()), e.fuzzy, e.linenum or 1,
                     " ".join(e.msgid.split()))
               for e in catalog if not e.obsolete]
    for entry, po_entry in zip(entries, [e for e in catalog if not e.obsolete], strict=True):
        if not entry.id:
            raise BuildError.at(f"the entry for '{po_entry.msgid[:40]}' has no msgctxt: it was "
                                "not written by 'i18n export'", path, entry.line,
                                hint="import the files 'i18n export' wrote, translated")
    return Imported(path, language, entries)


# -- XLIFF ----------------------------------------------------------------------------

def write_xliff(document: DocumentUnits, config: PublicationConfig,
                notes: dict[str, list[str]]) -> bytes:
    from translate.storage import xliff
    store: xliff.xlifffile = xliff.xlifffile(sourcelanguage=document.source_language,
                            targetlanguage=document.language)
    store.setfilename(store.getfilenode("NoName"), shown_path(document.source.path, config.root))
    for unit in document.units:
        xunit = xliff.xliffunit("")
        store.addunit(xunit)
        xunit.setid(unit.id)
        xunit.rich_source = [_rich(unit.source_text)]
        if unit.target_text:
            xunit.rich_target = [_rich(unit.target_text)]
            target = xunit.getlanguageNode(lang=None, index=1)
            xunit.markapproved(not unit.fuzzy)
            target.set("state", "needs-review-translation" if unit.fuzzy else "translated")
        if unit.previous:
            xunit.addnote(f"The source changed. It was: {unit.previous}", origin="folio")
        for note in notes.get(unit.id, []):
            xunit.addnote(note, origin="folio")
        if unit.suggestion is not None and not unit.target_text:
            xunit.addalttrans(unit.suggestion.target, origin=unit.suggestion.origin,
                              sourcetxt=unit.suggestion.source,
                              matchquality=f"{unit.suggestion.quality}%")
        xunit.addlocation(f"{shown_path(document.source.path, config.root)}:{unit.segment.line}")
    return bytes(store)


def read_xliff(path: Path, data: bytes) -> Imported:
    from translate.storage import xliff
    try:
        store = xliff.xlifffile.parsestring(data)
    except Exception as error:                      # lxml's and the toolkit's errors
        line = getattr(error, "lineno", None) or getattr(error, "position", (None,))[0]
        raise BuildError.at(f"the XLIFF file cannot be read: {error or type(error).__name__}",
                            path, line,
                            hint="open it in your CAT tool and export it again") from None
    entries = []
    for unit in store.getunits():
        element = unit.xmlelement
        ident = element.get("id") or ""
        if not ident:
            raise BuildError.at("a trans-unit without an id: the file was not written by "
                                "'i18n export'", path, element.sourceline,
                                hint="import the files 'i18n export' wrote, translated")
        text = _from_rich(unit.rich_target, path, element.sourceline, ident) \
            if unit.target else ""
        fuzzy = bool(text) and not unit.isapproved() and \
            (target_state(unit) not in ("final", "signed-off"))
        source = _from_rich(unit.rich_source, path, element.sourceline, ident)
        entries.append(Entry(ident, text, fuzzy, element.sourceline or 1, source))
    return Imported(path, store.gettargetlanguage() or "", entries)


def target_state(unit) -> str:
    target = unit.getlanguageNode(lang=None, index=1)
    return (target.get("state") or "") if target is not None else ""


def _rich(text: str):
    from translate.storage.placeables import StringElem
    from translate.storage.placeables import xliff as xp
    root: list = []
    stack: list[tuple[str, list]] = []
    current = root
    position = 0
    for match in inline.PLACEHOLDER.finditer(text):
        if match.start() > position:
            current.append(text[position:match.start()])
        position = match.end()
        if match[1]:
            stack.append((match[1], current))
            current = []
        elif match[2] and stack:
            ident, parent = stack.pop()
            parent.append(xp.G(id=ident, sub=current or [""]))
            current = parent
        elif match[3]:
            current.append(xp.X(id=match[3]))
    if position < len(text):
        current.append(text[position:])
    return StringElem(root)


def _from_rich(rich, path: Path, line: int | None, ident: str) -> str:
    from translate.storage.placeables import StringElem
    from translate.storage.placeables import xliff as xp

    def walk(element) -> str:
        if isinstance(element, str):
            return element
        if isinstance(element, (xp.G, xp.X)) and not str(element.id or "").isdigit():
            raise BuildError.at(f"segment {ident}: an inline code <{type(element).__name__.lower()}"
                                f" id=\"{element.id or ''}\"> that the export did not write",
                                path, line, hint="keep the source's <g> and <x> codes as they "
                                                 "are (their ids are numbers)")
        if isinstance(element, xp.G):
            return f"<g{element.id}>" + "".join(walk(s) for s in element.sub) + f"</g{element.id}>"
        if isinstance(element, xp.X):
            return f"<x{element.id}/>"
        if type(element) is StringElem:
            return "".join(walk(s) for s in element.sub)
        kind = getattr(element, "tag", None) or type(element).__name__
        raise BuildError.at(f"segment {ident}: an inline code ({kind}) the export did not "
                            "write", path, line,
                            hint="keep the source's <g> and <x> codes only")
    return " ".join("".join(walk(r) for r in rich).split())


def read(path: Path) -> Imported:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BuildError.at(f"cannot read the file: {error.strerror}", path,
                            hint="check the path") from None
    if path.suffix in (".xlf", ".xliff") or data.lstrip().startswith(b"<"):
        return read_xliff(path, data)
    return read_po(path, data)


def _last_change(path: Path) -> tuple[str, str]:
    """Who last changed a file and when, from git; a file not in git: its time."""
    last = last_commit(path)
    if last is not None:
        return last[0], last[1].strftime("%Y-%m-%d %H:%M%z")
    try:
        when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except OSError:
        when = dt.datetime.now(dt.UTC)
    return "the publication's translators", when.strftime("%Y-%m-%d %H:%M%z")
