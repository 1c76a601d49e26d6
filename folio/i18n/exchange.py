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
from folio.i18n.units import DocumentUnits, Unit, text_hash

FORMATS = {"po": ".po", "xliff": ".xlf"}
TEMPLATE = ".pot"
XLIFF_NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
# What folio needs back from a file, as lines of the notes every tool keeps: PO's
# extracted comments (#.), XLIFF's developer notes. translate-toolkit's po2xliff
# drops msgctxt and xliff2po drops trans-unit ids and the target language, but
# both carry these notes across.
ID_NOTE, BASE_NOTE = "folio-id: ", "folio-base: "
# The id runs to the next folio line or the end: a tool may wrap a long id over
# lines (translate-toolkit breaks it at a hyphen), and an id has no spaces.
_ID_NOTE = re.compile(r"^folio-id:(.*?)(?=^folio-|\Z)", re.MULTILINE | re.DOTALL)
_ID_VALUE = re.compile(r"([^()]+?)(?:\(([\w-]+)\))?")
# Cc but tab, LF, CR; and the invisible characters that reverse printed text or
# break a line where no line is (bidi embeddings, overrides and isolates, U+2028/9),
# which the build refuses in content too.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                      "\u2028\u2029]")
# A C escape of a control character in a quoted PO string: an odd number of
# backslashes before a, b, f, v, an octal or a hex escape (polib leaves them as text).
_ESCAPED_CONTROL = re.compile(r'^(?:msgstr(?:\[\d+\])? +)?"(?:[^"\\]|\\.)*?(?<!\\)(?:\\\\)*'
                              r'(\\(?:[abfv]|[0-7]{1,3}|x[0-9A-Fa-f]{1,2}))', re.MULTILINE)
_BASE_LINE = re.compile(r"^folio-base: *([0-9a-f]+)\s*$", re.MULTILINE)
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


def folio_lines(unit: Unit, language: str | None) -> list[str]:
    """The note lines an import reads back: the segment's id (with the language the
    file is for), and the hash of its translation as exported, for a three-way
    import. A template (``language`` None) has no translation, so no hash: a
    ``msgmerge`` with it must not give a language's file the hash of nothing."""
    if language is None:
        return [ID_NOTE + unit.id]
    return [f"{ID_NOTE}{unit.id} ({language})", BASE_NOTE + text_hash(unit.target_text)]


def max_length_flag(limit: int) -> str:
    """Weblate's flag: a translation longer than ``limit`` characters is refused."""
    return f"max-length:{limit}"


# -- PO ------------------------------------------------------------------------------

def write_po(document: DocumentUnits, config: PublicationConfig, notes: dict[str, list[str]],
             path: Path, limits: dict[str, int] | None = None, template: bool = False) -> bytes:
    """A language's catalog of ``document``; with ``template``, its POT: every msgstr
    empty and no language, what Weblate makes a new language's file from."""
    limits = limits or {}
    catalog = polib.POFile(wrapwidth=78)
    language = config.language(document.language)
    author, date = _last_change(document.target_path)
    _, source_date = _last_change(document.source.path)
    plural = get_plural(language.locale)
    title = config.title.get(config.source_language) or next(iter(config.title.values()))
    source_path = shown_path(document.source.path, config.root)
    if template:
        catalog.header = (f"{document.name}: template for translations of {source_path}\n"
                          f"{TOOL_NOTE}")
        catalog.metadata = {
            "Project-Id-Version": f"{title} ({document.name})",
            "POT-Creation-Date": source_date,
            "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
            "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
            "Language-Team": "LANGUAGE <LL@li.org>",
            "Language": "",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "X-Folio-Document": document.name,
            "X-Folio-Source-Language": document.source_language,
        }
        catalog.metadata_is_fuzzy = True          # as xgettext marks a template's header
    else:
        catalog.header = (f"{document.name}: {language.name} translation of "
                          f"{source_path}\n{TOOL_NOTE}")
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
        if template:
            text, previous = "", ""
        elif unit.fuzzy:
            flags.append("fuzzy")
        elif not text and unit.suggestion is not None:
            flags.append("fuzzy")
            text = unit.suggestion.target
            if unit.suggestion.source != unit.source_text:
                previous = unit.suggestion.source
        if unit.codes:
            flags.append(inline.WEBLATE_FLAG)
        if unit.id in limits:
            flags.append(max_length_flag(limits[unit.id]))
        comment = notes.get(unit.id, []) + folio_lines(
            unit, None if template else document.language)
        entry = polib.POEntry(
            msgctxt=unit.id, msgid=unit.source_text, msgstr=text,
            occurrences=[(source_path, str(unit.segment.line))],
            comment="\n".join(comment), flags=flags)
        if previous:
            entry.previous_msgctxt = unit.id
            entry.previous_msgid = previous
        catalog.append(entry)
    return catalog.__unicode__().encode("utf-8")


def read_po(path: Path, data: bytes) -> Imported:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BuildError.at("the file is not UTF-8", path,
                            hint="save it as UTF-8 (Poedit does)") from None
    # Found in the text itself: polib would take a NEL (U+0085) for a line break, and
    # keeps gettext's escapes of control characters (\a, \033, \x07) as text.
    control = _CONTROL.search(text) or _ESCAPED_CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        entry = None
        try:
            parsed = polib.pofile(_CONTROL.sub(" ", text), wrapwidth=78)
            entry = max((e for e in parsed if (e.linenum or 0) <= line and e.msgctxt),
                        key=lambda e: e.linenum, default=None)
        except (OSError, ValueError):
            pass
        character = control[0] if control.re is _CONTROL else _unescape(control[1])
        _refuse_controls(character, path, line, entry.msgctxt if entry else "")
    try:
        catalog = polib.pofile(text, wrapwidth=78)
    except (OSError, ValueError) as error:
        match = re.search(r"line (\d+)", str(error))
        raise BuildError.at(f"the PO file cannot be read: {error}", path,
                            int(match[1]) if match else None,
                            hint="open it in Poedit, or fix the quoting on that line") from None
    language = catalog.metadata.get("Language", "").strip()
    entries, said = [], []
    for po_entry in catalog:
        if po_entry.obsolete:
            continue
        line = po_entry.linenum or 1
        noted, noted_language = _noted_id(po_entry.comment)
        # xliff2po makes a msgctxt of its own (the location) for a source it sees twice.
        ident = po_entry.msgctxt if "#" in (po_entry.msgctxt or "") or not noted else noted
        if not ident:
            raise BuildError.at(f"the entry for '{po_entry.msgid[:40]}' has no msgctxt: it was "
                                "not written by 'i18n export'", path, line,
                                hint="import the files 'i18n export' wrote, translated")
        _refuse_controls(po_entry.msgstr, path, line, ident)
        # A tool may wrap or indent a msgstr: a segment is one run of text, as in XLIFF.
        entries.append(Entry(ident, " ".join(po_entry.msgstr.split()), po_entry.fuzzy, line,
                             " ".join(po_entry.msgid.split()), base=_noted_base(
                                 po_entry.comment)))
        said.append(noted_language)
    declared = (language, catalog.metadata.get("X-Folio-Document", "").strip(),
                "its header says X-Folio-Document")
    language = _check_file(path, entries, [(noted, *declared) for noted in said]) or language
    return Imported(path, language, entries)


# -- XLIFF ----------------------------------------------------------------------------

def write_xliff(document: DocumentUnits, config: PublicationConfig,
                notes: dict[str, list[str]], limits: dict[str, int] | None = None) -> bytes:
    """XLIFF 1.2, valid against the OASIS schema (xliff-core-1.2-strict.xsd)."""
    from lxml import etree
    from translate.storage import xliff
    limits = limits or {}

    class Xliff12(xliff.xlifffile):
        XMLskeleton = (f'<?xml version="1.0" ?>\n<xliff version="1.2" xmlns="{XLIFF_NAMESPACE}">'
                       '\n<file original="NoName" source-language="en" datatype="plaintext">'
                       "\n<body>\n</body>\n</file>\n</xliff>")
        namespace = XLIFF_NAMESPACE

    store = Xliff12(sourcelanguage=document.source_language, targetlanguage=document.language)
    source_path = shown_path(document.source.path, config.root)
    store.setfilename(store.getfilenode("NoName"), source_path)
    for unit in document.units:
        xunit = xliff.xliffunit("")
        store.addunit(xunit)
        xunit.setid(unit.id)
        xunit.rich_source = [_rich(unit.source_text)]
        if unit.id in limits:
            xunit.xmlelement.set("maxwidth", str(limits[unit.id]))
            xunit.xmlelement.set("size-unit", "char")
        if unit.target_text:
            xunit.rich_target = [_rich(unit.target_text)]
            target = xunit.getlanguageNode(lang=None, index=1)
            xunit.markapproved(not unit.fuzzy)
            target.set("state", "needs-review-translation" if unit.fuzzy else "translated")
        if unit.previous:
            xunit.addnote(f"The source changed. It was: {unit.previous}", origin="folio")
        for note in notes.get(unit.id, []):
            xunit.addnote(note, origin="folio")
        # Developer notes: xliff2po keeps them (as #. lines), where it drops ids.
        for line in folio_lines(unit, document.language):
            xunit.addnote(line, origin="developer")
        if unit.suggestion is not None and not unit.target_text:
            xunit.addalttrans(unit.suggestion.target, origin=unit.suggestion.origin,
                              sourcetxt=unit.suggestion.source,
                              matchquality=f"{unit.suggestion.quality}%")
        # A location context group without a name: the schema wants a group's name
        # unique in the file, and translate-toolkit names every one "".
        group = etree.SubElement(xunit.xmlelement, f"{{{XLIFF_NAMESPACE}}}context-group",
                                 purpose="location")
        for kind, value in (("sourcefile", source_path), ("linenumber",
                                                          str(unit.segment.line))):
            etree.SubElement(group, f"{{{XLIFF_NAMESPACE}}}context",
                             {"context-type": kind}).text = value
    # A unit is made in the toolkit's 1.1 namespace before it joins the file: its
    # elements move to 1.2, an unused declaration of 1.1 stays behind.
    etree.cleanup_namespaces(store.document.getroot())
    return bytes(store)


def read_xliff(path: Path, data: bytes) -> Imported:
    from translate.storage import xliff
    _refuse_doctype(path, data)
    try:
        store = xliff.xlifffile.parsestring(data)
    except Exception as error:  # noqa: BLE001 - lxml's and the toolkit's errors: the file's
        line = getattr(error, "lineno", None) or getattr(error, "position", (None,))[0]
        raise BuildError.at(f"the XLIFF file cannot be read: {error or type(error).__name__}",
                            path, line,
                            hint="open it in your CAT tool and export it again") from None
    namespace = store.namespace
    # What each <file> of it says (a tool may put several documents in one XLIFF):
    # its language and the document its original (the source file) is of.
    files: dict[object, tuple[str, str, str]] = {}
    entries, claims = [], []
    for unit in store.getunits():
        element = unit.xmlelement
        file = next(element.iterancestors(f"{{{namespace}}}file"), None)
        if file not in files:
            original = file.get("original", "") if file is not None else ""
            files[file] = (file.get("target-language", "") if file is not None else "",
                           _document_of(original), f'its <file original="{original}"> names')
        if "gettext-domain-header" in (element.get("restype") or ""):
            # po2xliff's copy of a PO header: it says the language and the document.
            header = dict(re.findall(r"^([\w-]+): *(.*)$", unit.source or "", re.MULTILINE))
            language, document, declared_by = files[file]
            if header.get("X-Folio-Document"):
                document = header["X-Folio-Document"].strip()
                declared_by = "its header says X-Folio-Document"
            files[file] = (language or header.get("Language", "").strip(), document,
                           declared_by)
            continue
        notes = "\n".join("".join(note.itertext())
                          for note in element.iterchildren(f"{{{namespace}}}note"))
        noted, noted_language = _noted_id(notes)
        ident = element.get("id") or ""
        if "#" not in ident:
            # po2xliff numbers its units: the segment's id is in a note.
            ident = noted or ""
        line = element.sourceline or 1
        if not ident:
            raise BuildError.at("a trans-unit without an id: the file was not written by "
                                "'i18n export'", path, line,
                                hint="import the files 'i18n export' wrote, translated")
        target = unit.getlanguageNode(lang=None, index=1)
        text = _text_of(unit, target, "target", path, line, ident) \
            if target is not None else ""
        fuzzy = bool(text) and not unit.isapproved() and \
            (target_state(unit) not in ("final", "signed-off"))
        source = _text_of(unit, unit.getlanguageNode(lang=None, index=0), "source",
                          path, line, ident)
        entries.append(Entry(ident, text, fuzzy, line, source, base=_noted_base(notes)))
        claims.append((noted_language, *files[file]))
    language = _check_file(path, entries, claims) or next(
        (declared[0] for declared in files.values() if declared[0]), "")
    return Imported(path, language, entries)


def target_state(unit) -> str:
    target = unit.getlanguageNode(lang=None, index=1)
    return (target.get("state") or "") if target is not None else ""


def _text_of(unit, element, kind: str, path: Path, line: int, ident: str) -> str:
    """A source's or target's text: codes as the export writes them. Text without
    inline elements (po2xliff's: the codes as typed characters) is taken as it is,
    not through the toolkit's placeable parsers."""
    if element is None:
        return ""
    if len(element) == 0:
        raw = element.text or ""
        if kind == "target":
            _refuse_controls(raw, path, line, ident)
        return " ".join(raw.split())
    rich = unit.rich_target if kind == "target" else unit.rich_source
    text = _from_rich(rich, path, line, ident)
    if kind == "target":
        _refuse_controls(text, path, line, ident)
    return text


def _refuse_doctype(path: Path, data: bytes) -> None:
    """XLIFF needs no DTD; one may declare entities that expand (billion laughs) or
    read files (XXE). Parsed without resolving anything, and refused outright."""
    from lxml import etree
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False)
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as error:
        raise BuildError.at(f"the XLIFF file cannot be read: {error.msg}", path,
                            error.lineno,
                            hint="open it in your CAT tool and export it again") from None
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        line = data[:max(data.find(b"<!DOCTYPE"), 0)].count(b"\n") + 1
        raise BuildError.at("the XLIFF file has a DOCTYPE (a DTD, which may declare "
                            "entities): it is refused, not read", path, line,
                            hint="export the file again from your CAT tool, or delete the "
                                 "<!DOCTYPE …> declaration and any &entity; references")


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
    codes = (xp.Bpt, xp.Ept, xp.Ph, xp.It, xp.Bx, xp.Ex, xp.Sub, xp.UnknownXML)

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
        if isinstance(element, StringElem) and not isinstance(element, codes):
            # StringElem, or a placeable the toolkit found in plain text (a word in
            # capitals, a URL): text.
            return "".join(walk(s) for s in element.sub)
        kind = getattr(element, "tag", None) or type(element).__name__
        raise BuildError.at(f"segment {ident}: an inline code ({kind}) the export did not "
                            "write", path, line,
                            hint="keep the source's <g> and <x> codes only")
    return " ".join("".join(walk(r) for r in rich).split())


# -- what every file is checked for ---------------------------------------------------------

def _noted_id(notes: str) -> tuple[str | None, str | None]:
    """The segment id and language a file's notes carry (None: they do not)."""
    match = _ID_NOTE.search(notes or "")
    value = _ID_VALUE.fullmatch("".join(match[1].split())) if match else None
    return (value[1], value[2]) if value else (None, None)


def _noted_base(notes: str) -> str | None:
    match = _BASE_LINE.search(notes or "")
    return match[1] if match else None


def _refuse_controls(text: str, path: Path, line: int, ident: str) -> None:
    """A control character (BEL, ESC, …) is never meant: it would reach the content
    file and stop the next build."""
    for character in _CONTROL.findall(text):
        where = f"segment {ident}: the translation holds" if ident else "the file holds"
        raise BuildError.at(f"{where} a control character (U+{ord(character):04X})",
                            path, line, hint="delete it: it is invisible in most editors; "
                                             "retype the text around it if need be")


def _unescape(escape: str) -> str:
    """The character a C escape (as gettext writes one) stands for."""
    body = escape[1:]
    if body in "abfv":
        return {"a": "\a", "b": "\b", "f": "\f", "v": "\v"}[body]
    return chr(int(body[1:], 16) if body.startswith("x") else int(body, 8))


def _document_of(original: str) -> str:
    """The document an exported XLIFF's ``<file original>`` (its source file) names."""
    match = re.fullmatch(r"content/(.+?)(?:\.[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)?\.(?:md|yaml)",
                         original.replace("\\", "/"))
    return match[1] if match else ""


def _same_language(a: str, b: str) -> bool:
    a, b = (c.strip().replace("_", "-").lower() for c in (a, b))
    return a == b or a.split("-")[0] == b.split("-")[0]


def _check_file(path: Path, entries: list[Entry],
                claims: list[tuple[str | None, str, str, str]]) -> str:
    """The file is of the documents and the one language its entries say: a
    catalog renamed, or its header edited to another language, would write one
    document's translation into another's file. ``claims`` are, for each entry,
    the language its folio-id note gives, and the language and document its file
    declares (and where). Returns the file's language (the entries', where the
    file does not say: xliff2po's files do not)."""
    found = ""
    for entry, (noted, language, document, declared_by) in zip(entries, claims, strict=True):
        name = entry.id.split("#", 1)[0]
        if document and name != document:
            raise BuildError.at(f"segment {entry.id} is of {name}, but {declared_by} "
                                f"'{document}'", path, entry.line,
                                hint="import each document's own file, as 'i18n export' "
                                     "wrote it")
        if noted and language and not _same_language(noted, language):
            raise BuildError.at(f"segment {entry.id} was exported for '{noted}', but the "
                                f"file's language is '{language}'", path, entry.line,
                                hint=f"import it as a '{noted}' file (set its language back "
                                     f"to {noted}), or export '{language}' and translate that")
        language = language or noted or ""
        if language and found and not _same_language(language, found):
            raise BuildError.at(f"segment {entry.id} is in '{language}', another segment "
                                f"of the file in '{found}'", path, entry.line,
                                hint="import each language's own file")
        found = found or language
    return found


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
