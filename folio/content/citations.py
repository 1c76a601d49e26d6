"""Citations and references: ``[@kim2019, p. 12]`` in Markdown, set by a CSL style.

citeproc-py does the formatting, in the style ``publication.yaml`` names (the
bundled one is Chicago author-date, ``templates/csl/``) and with the CSL locale
of the document's language, so a Korean article says 및 and 외 where an English
one says "and" and "et al.". The entries come from CSL-JSON or BibTeX files:
``references.json``/``references.bib`` in an issue's folder, and
``<article>.references.json``/``.bib`` beside an article (its own entries win).

A Korean name (family and given names in Hangul) is written and sorted as
Koreans write it, family name first with no comma: "김민지", not "김, 민지".
"""

from __future__ import annotations

import difflib
import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from folio.config.reading import Reader, Record
from folio.errors import BuildError, ProblemCollector

# A citation group: [@key], [@key, p. 12], [-@key], [see @a; @b, chap. 2].
GROUP = re.compile(r"\[(?P<body>[^\[\]]*?-?@[\w][^\[\]]*)\]")
_ITEM = re.compile(r"^(?P<prefix>.*?)(?P<suppress>-)?@(?P<key>[\w][\w:.#$%&+?<>~/-]*?)"
                   r"(?P<rest>(?:,.*)?)$", re.S)
_LOCATOR = re.compile(r"^\s*(?P<label>[^\d\s]*\.?)\s*(?P<value>\d[\w–—\-, ]*?)\s*"
                      r"(?P<suffix>쪽)?\s*$")
LABELS = {"": "page", "p.": "page", "pp.": "page", "p": "page", "pp": "page",
          "page": "page", "pages": "page", "chap.": "chapter", "ch.": "chapter",
          "chapter": "chapter", "sec.": "section", "section": "section", "fig.": "figure",
          "vol.": "volume", "no.": "issue", "para.": "paragraph", "n.": "note"}
BIBLIOGRAPHY_NAMES = ("references.json", "references.bib")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
SENTINEL = "\u2063"          # stands for the names a [-@key] citation leaves out


@dataclass(frozen=True)
class CiteItem:
    key: str
    prefix: str = ""
    locator: tuple[str, str] | None = None     # (CSL label, value)
    suffix: str = ""
    suppress_author: bool = False


@dataclass(frozen=True)
class Cite:
    items: tuple[CiteItem, ...]
    text: str                                   # as written, brackets included


def parse_group(body: str) -> tuple[CiteItem, ...] | None:
    """The items of ``[body]``, or None if it is not a citation."""
    items = []
    for part in body.split(";"):
        match = _ITEM.match(part.strip())
        if match is None:
            return None
        key = match["key"].rstrip(".")
        rest = match["rest"].removeprefix(",").strip()
        locator, suffix = None, ""
        if rest:
            found = _LOCATOR.match(rest)
            label = (found["label"] or "").lower() if found else ""
            if found and LABELS.get(label) == "page":
                locator = ("page", found["value"].strip())
            else:
                # Other locators (chap. 2, sec. 3) as written: citeproc-py prints
                # their number without their label.
                suffix = ", " + rest
        items.append(CiteItem(key, match["prefix"].strip(), locator, suffix,
                              bool(match["suppress"])))
    return tuple(items)


def find(text: str) -> list[tuple[int, int, Cite]]:
    """Every citation group in ``text``: (start, end, cite)."""
    found = []
    for match in GROUP.finditer(text):
        items = parse_group(match["body"])
        if items:
            found.append((match.start(), match.end(), Cite(items, match[0])))
    return found


@dataclass(frozen=True)
class Entry:
    key: str                     # as written
    data: dict                   # CSL-JSON
    path: Path
    line: int


def read_entries(paths: tuple[Path, ...], reader: Reader, record: Record | None,
                 problems: ProblemCollector) -> dict[str, Entry]:
    """The entries of the bibliography files that exist, later files winning;
    keyed by lower-case key (as CSL processors compare them)."""
    entries: dict[str, Entry] = {}
    for path in paths:
        if not reader.exists(path, record):
            continue
        try:
            text = reader.read_bytes(path, record, what="bibliography").decode("utf-8")
        except UnicodeDecodeError:
            problems.add("the bibliography is not UTF-8 text", path,
                         hint="save it as UTF-8 (Zotero's exports are)")
            continue
        text = text.removeprefix("\ufeff")
        try:
            found = _json_entries(text, path) if path.suffix == ".json" \
                else _bibtex_entries(text, path)
        except BuildError as error:
            problems.extend(error)
            continue
        for entry in found:
            entries[entry.key.lower()] = entry
    return entries


def _json_entries(text: str, path: Path) -> list[Entry]:
    hint = "write a list of CSL-JSON items, each with an \"id\" (Zotero: Export > CSL JSON)"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BuildError.at(f"the bibliography is not valid JSON: {error.msg}", path,
                            error.lineno, hint=hint) from None
    if isinstance(data, dict) and "items" in data:
        data = data["items"]
    if not isinstance(data, list):
        raise BuildError.at("the bibliography should be a list of items", path, 1, hint=hint)
    entries = []
    for index, item in enumerate(data):
        line = _line_of(text, '"id"', index)
        if not isinstance(item, dict) or not isinstance(item.get("id"), (str, int)):
            raise BuildError.at(f"item {index + 1} has no \"id\"", path, line, hint=hint)
        entries.append(Entry(str(item["id"]), _korean_names(item), path, line))
    return entries


def _line_of(text: str, needle: str, index: int) -> int:
    position = -1
    for _ in range(index + 1):
        position = text.find(needle, position + 1)
        if position < 0:
            return 1
    return text.count("\n", 0, position) + 1


def _bibtex_entries(text: str, path: Path) -> list[Entry]:
    """BibTeX through citeproc-py's reader, as CSL-JSON."""
    import io

    from citeproc.source.bibtex import BibTeX
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = BibTeX(io.StringIO(text), encoding="utf-8")
    except Exception as error:                          # its parser raises anything
        raise BuildError.at(f"the BibTeX file cannot be read: {error}", path,
                            hint="check the entry braces and commas (or export CSL JSON "
                                 "from Zotero)") from None
    entries = []
    for key, reference in source.items():
        written = re.search(rf"@\w+\s*\{{\s*({re.escape(key)})\s*,", text, re.I)
        line = text.count("\n", 0, written.start()) + 1 if written else 1
        data = _csl_of(reference)
        data["id"] = written[1] if written else key
        entries.append(Entry(data["id"], _korean_names(data), path, line))
    return entries


def _csl_of(reference) -> dict:
    """A citeproc-py Reference as CSL-JSON (the fields the styles use)."""
    from citeproc.source import Date, DateRange, Name
    out: dict = {"type": str(reference.type)}
    for name, value in reference.items():
        if name in ("key", "type"):
            continue
        csl = name.replace("_", "-")
        if isinstance(value, list) and value and isinstance(value[0], Name):
            out[csl] = [{k: str(v) for k, v in n.items()} for n in value]
        elif isinstance(value, Date):
            out[csl] = {"date-parts": [[int(p) for p in (value.get("year"), value.get("month"),
                                                         value.get("day")) if p]]}
        elif isinstance(value, DateRange):
            out[csl] = {"date-parts": [[int(value.begin.year)]]}
        elif isinstance(value, dict) and "first" in value:       # pages
            out[csl] = "–".join(str(v) for v in (value.get("first"), value.get("last")) if v)
        else:
            out[csl] = str(value)
    return out


def _korean_names(item: dict) -> dict:
    """Hangul names as one literal name, family name first with no space or comma,
    so that they are written and sorted as in Korean."""
    item = dict(item)
    for role in ("author", "editor", "translator", "container-author", "collection-editor"):
        names = item.get(role)
        if not isinstance(names, list):
            continue
        item[role] = [
            {"literal": f"{n.get('family', '')}{n.get('given', '')}"}
            if isinstance(n, dict) and "literal" not in n
            and _HANGUL.search(f"{n.get('family', '')}{n.get('given', '')}") else n
            for n in names]
    return item


@dataclass
class Processor:
    """One document's citations, set in its style and language."""

    style: bytes                            # the CSL file
    locale: str
    entries: dict[str, Entry]
    prefix: str                             # of the HTML ids of the references
    cites: list[Cite] = field(default_factory=list)

    def render(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Each citation as HTML, in order, and the references list: (id, HTML)."""
        if not self.cites:
            return [], []
        from citeproc import (
            Citation,
            CitationItem,
            CitationStylesBibliography,
            Locator,
            formatter,
        )
        from citeproc.source.json import CiteProcJSON
        used = {item.key.lower() for cite in self.cites for item in cite.items}
        data = [e.data for k, e in self.entries.items() if k in used]
        shadows = [dict(e.data, id=f"{e.data['id']}{SENTINEL}", author=[{"literal": SENTINEL}])
                   for k, e in self.entries.items() if k in used]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            style = _style(self.style, self.locale)
            bibliography = CitationStylesBibliography(style, CiteProcJSON(data), formatter.html)
            shadow = CitationStylesBibliography(style, CiteProcJSON(shadows), formatter.html)
            citations = []
            for cite in self.cites:
                items = []
                for item in cite.items:
                    key = item.key.lower() + (SENTINEL if item.suppress_author else "")
                    options = {}
                    if item.locator:
                        options["locator"] = Locator(*item.locator)
                    if item.prefix:
                        options["prefix"] = item.prefix + " "
                    if item.suffix:
                        options["suffix"] = item.suffix
                    items.append(CitationItem(key, **options))
                citation = Citation(items)
                (shadow if any(i.suppress_author for i in cite.items) else bibliography
                 ).register(citation)
                citations.append((cite, citation))
            for cite, _citation in citations:    # their entries, for the list
                for item in cite.items:
                    if item.suppress_author:
                        bibliography.register(Citation([CitationItem(item.key.lower())]))
            bibliography.sort()
            html = []
            for cite, citation in citations:
                owner = shadow if any(i.suppress_author for i in cite.items) else bibliography
                text = _text(owner.cite(citation, lambda item: None))
                text = re.sub(rf"{SENTINEL}[,\s]*", "", text)
                first = cite.items[0].key.lower()
                html.append(f'<a class="citation" href="#{self.prefix}ref-{_id(first)}">'
                            f"{text}</a>")
            references = [(f"{self.prefix}ref-{_id(item.key)}", _text(entry))
                          for item, entry in zip(bibliography.items,
                                                 bibliography.bibliography(), strict=True)]
        return html, references


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "".join(_text(v) for v in value)
    return str(value)


def _id(key: str) -> str:
    return re.sub(r"[^\w-]", "-", key.lower().removesuffix(SENTINEL))


@lru_cache(maxsize=8)
def _style(data: bytes, locale: str):
    import io

    from citeproc import CitationStylesStyle
    return CitationStylesStyle(io.BytesIO(data), locale=locale, validate=False)


def did_you_mean(key: str, entries: dict[str, Entry]) -> str:
    close = difflib.get_close_matches(key.lower(), list(entries), n=1, cutoff=0.6)
    return f"did you mean @{entries[close[0]].key}?" if close else \
        "add it to the bibliography, or check the spelling"


def bibliography_files(document: Path) -> tuple[Path, ...]:
    """Where a document's entries may be: its issue's files, then its own."""
    slug = document.name.split(".")[0]
    return tuple(document.parent / name for name in BIBLIOGRAPHY_NAMES) + \
        tuple(document.parent / f"{slug}.{name}" for name in BIBLIOGRAPHY_NAMES)


@dataclass(frozen=True)
class Uncited:
    path: Path
    line: int
    key: str


def uncited(folders: list[Path], reader: Reader) -> list[Uncited]:
    """Entries of the bibliography files in ``folders`` that no document of theirs
    cites, in any language: for ``status``."""
    found: list[Uncited] = []
    for folder in folders:
        documents = sorted(p for p in folder.glob("*.md"))
        cited: dict[str, set[str]] = {}          # bibliography file -> keys cited
        for document in documents:
            try:
                text = reader.read_bytes(document).decode("utf-8", "replace")
            except BuildError:
                continue
            keys = {item.key.lower() for _, _, cite in find(text) for item in cite.items}
            for path in bibliography_files(document):
                cited.setdefault(str(path), set()).update(keys)
        problems = ProblemCollector()
        for path_name, keys in sorted(cited.items()):
            path = Path(path_name)
            if not reader.exists(path):
                continue
            entries = read_entries((path,), reader, None, problems)
            found += [Uncited(path, entry.line, entry.key)
                      for key, entry in entries.items() if key not in keys]
    return found
