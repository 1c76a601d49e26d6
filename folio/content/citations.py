"""Citations and references: ``[@kim2019, p. 12]`` in Markdown, set by a CSL style.

Pandoc's citeproc (the ``pandoc`` of the ``pypandoc-binary`` wheel) does the
formatting, in the style ``publication.yaml`` names (the bundled one is Chicago
author-date, ``templates/csl/``) and with the CSL locale of the document's
language, so a Korean article says 및 and 외 where an English one says "and" and
"et al.". Works written in Korean are listed in the style's Korean variant
(``<style>-ko.csl``) when there is one. The entries come from CSL-JSON or BibTeX files:
``references.json``/``references.bib`` in an issue's folder, and
``<article>.references.json``/``.bib`` beside an article (its own entries win).

A Korean name (family and given names in Hangul) is written and sorted as
Koreans write it, family name first with no comma: "김민지", not "김, 민지".
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from folio.config.reading import Reader, Record
from folio.errors import BuildError, ProblemCollector

# A citation group: [@key], [@key, p. 12], [-@key], [see @a; @b, chap. 2].
GROUP = re.compile(r"\[(?P<body>(?:[^\[\]]*?[\s;])?-?@[\w][^\[\]]*)\]")
# An @ inside a word (info@unesco.org) starts no citation: as in Pandoc, the key
# follows the bracket, a space or the minus sign.
_ITEM = re.compile(r"^(?P<prefix>(?:.*?\s)?)(?P<suppress>-)?@(?P<key>[\w][\w:.#$%&+?<>~/-]*?)"
                   r"(?P<rest>(?:,.*)?)$", re.S)
_LOCATOR = re.compile(r"^\s*(?P<label>[^\d\s]*\.?)\s*(?P<value>\d[\w–—\-, ]*?)\s*"
                      r"(?P<suffix>쪽)?\s*$")
LABELS = {"": "page", "p.": "page", "pp.": "page", "p": "page", "pp": "page",
          "page": "page", "pages": "page", "chap.": "chapter", "ch.": "chapter",
          "chapter": "chapter", "sec.": "section", "section": "section", "fig.": "figure",
          "vol.": "volume", "no.": "issue", "para.": "paragraph", "n.": "note"}
BIBLIOGRAPHY_NAMES = ("references.json", "references.bib")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


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
                # Other locators (chap. 2, sec. 3) as written: Pandoc reads their
                # labels in English documents only.
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
    """The entries of the bibliography files that exist, keyed by lower-case key: an
    article's own files win over its issue's; one key twice at one level (Kim2019 and
    kim2019 too) is an error naming both."""
    entries: dict[str, Entry] = {}
    levels: dict[bool, dict[str, Entry]] = {True: {}, False: {}}
    for path in paths:
        level = levels[path.name in BIBLIOGRAPHY_NAMES]     # the issue's, or its own
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
            key = entry.key.lower()
            twin = level.get(key)
            if twin is not None:
                problems.add(f"the bibliography has two entries with the id '{entry.key}'"
                             + (f" (and '{twin.key}': ids are compared without case)"
                                if twin.key != entry.key else "")
                             + f"; the other is at {twin.path.name}:{twin.line}",
                             entry.path, entry.line,
                             hint="give each work its own id (kim2019a, kim2019b) and cite "
                                  "each by it, or delete the copy")
                continue
            level[key] = entry
            entries[key] = entry
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


_BIBTEX_ENTRY = re.compile(r"^[ \t]*@(?P<type>\w+)\s*[{(]\s*(?P<key>[^,\s]+)\s*,", re.M)
_BIBTEX_YEAR = re.compile(r"\byear\s*=\s*(?:\{(?P<braced>[^{}]*)\}|\"(?P<quoted>[^\"]*)\"|"
                          r"(?P<bare>[^,\s}]+))", re.I)


def _bibtex_entries(text: str, path: Path) -> list[Entry]:
    """BibTeX as CSL JSON, read by Pandoc (the processor that sets them); once per
    file and process, though every document of an issue reads its file."""
    return list(_bibtex_read(text, path))


@lru_cache(maxsize=32)
def _bibtex_read(text: str, path: Path) -> tuple[Entry, ...]:
    starts = [(text.count("\n", 0, m.start()) + 1, m) for m in _BIBTEX_ENTRY.finditer(text)
              if m["type"].lower() not in ("comment", "preamble", "string")]
    for index, (_line, match) in enumerate(starts):
        end = starts[index + 1][1].start() if index + 1 < len(starts) else len(text)
        for year in _BIBTEX_YEAR.finditer(text, match.end(), end):
            value = (year["braced"] or year["quoted"] or year["bare"] or "").strip()
            if not re.fullmatch(r"-?\d{1,4}", value):
                raise BuildError.at(
                    f"entry '{match['key']}': year = {{{value}}} is not a year", path,
                    text.count("\n", 0, year.start()) + 1,
                    hint="write the year as a number (year = {2019}); for a work with no "
                         "date leave the year out (the style prints n.d.)")
    result = _pandoc(["-f", "bibtex", "-t", "csljson"], text.encode("utf-8"), 60, path)
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace")
        found = re.search(r"line (\d+)", said)
        stop = int(found[1]) if found else None
        before = [(line, m) for line, m in starts if stop is None or line < stop]
        if before and stop is not None:
            line, match = before[-1]
            raise BuildError.at(f"the BibTeX entry '{match['key']}' is not closed before "
                                f"line {stop}", path, line,
                                hint="close it with '}' after its last field (each field "
                                     "ends with a comma)")
        raise BuildError.at("the BibTeX file cannot be read: " + " ".join(said.split())[:200],
                            path, stop, hint="check the entry braces and commas (or export "
                                             "CSL JSON from Zotero)")
    lines = {m["key"].lower(): line for line, m in starts}
    entries = []
    for data in json.loads(result.stdout.decode("utf-8")):
        key = str(data.get("id", ""))
        # Pandoc writes an English title in sentence case, for the style to capitalise
        # as English: so it must know the work is English in a Korean document too.
        data.setdefault("language", "ko" if is_korean(data) else "en-US")
        entries.append(Entry(key, _korean_names(data), path, lines.get(key.lower(), 1)))
    return tuple(entries)


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
    """One document's citations, set in its style and language by Pandoc's citeproc
    (the ``pypandoc-binary`` wheel's pandoc): one call for all of them, so that
    year suffixes (2019a/b) and the list are worked out over the whole document."""

    style: bytes                            # the CSL file
    locale: str
    entries: dict[str, Entry]
    prefix: str                             # of the HTML ids of the references
    cites: list[Cite] = field(default_factory=list)
    style_path: Path | None = None          # named in errors
    korean_style: bytes | None = None       # the style's Korean variant, for Korean works
    korean_path: Path | None = None
    korean_first: bool = False              # list Korean works before the others

    def render(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Each citation as HTML, in order, and the references list: (id, HTML)."""
        if not self.cites:
            return [], []
        check_style(self.style, self.style_path)
        used = {item.key.lower() for cite in self.cites for item in cite.items}
        data = [dict(e.data, id=k) for k, e in self.entries.items() if k in used]
        for key, entry in self.entries.items():
            if key in used:
                check_entry(entry)
        document = "\n\n".join(_markdown(cite) for cite in self.cites)
        if re.search(rb"<style\b[^>]*\bclass=[\"']note[\"']", self.style):
            # A note style: Pandoc would move each citation into a note of its own
            # and leave a number; written in a note already, it is set in place.
            document = "\n\n".join("x^[" + _markdown(cite) + "]" for cite in self.cites)
        html = run_pandoc(document, data, self.style, self.locale, self.style_path)
        cited, listed = _split(html)
        if len(cited) != len(self.cites):
            raise BuildError.at("Pandoc's citeproc set a different number of citations "
                                f"({len(cited)}) than the text has ({len(self.cites)})",
                                self.style_path, hint="report this with the document")
        out = []
        if self.korean_style is not None:
            cited = [_KOREAN_NAMES.sub(lambda m: "·".join(_NAME_PARTS.split(m[0])), text)
                     for text in cited]
        for cite, text in zip(self.cites, cited, strict=True):
            first = cite.items[0].key.lower()
            out.append(f'<a class="citation" href="#{self.prefix}ref-{_id(first)}">{text}</a>')
        korean = {k for k in used if is_korean(self.entries[k].data)}
        if korean and self.korean_style is not None:
            listed = self._korean(listed, korean)
        if self.korean_first:
            listed = sorted(listed, key=lambda pair: pair[0] not in korean)     # stable
        references = [(f"{self.prefix}ref-{_id(key)}", text) for key, text in listed]
        return out, references

    def _korean(self, listed: list[tuple[str, str]], korean: set[str]
                ) -> list[tuple[str, str]]:
        """The Korean works' entries set again in the Korean variant; their year as
        the journal's style gave it (2019a), so that text and list agree."""
        assert self.korean_style is not None
        check_style(self.korean_style, self.korean_path)
        data = []
        for key, text in listed:
            if key not in korean:
                continue
            item = dict(self.entries[key].data, id=key)
            year = _YEAR.search(re.sub(r"<[^>]+>", "", text)) if item.get("issued") else None
            if year:
                item["issued"] = {"literal": year[0]}
            data.append(item)
        document = "---\nnocite: \"" + ", ".join("@{" + d["id"] + "}" for d in data) + \
            "\"\n---\n"
        again = dict(_split(run_pandoc(document, data, self.korean_style, "ko-KR",
                                       self.korean_path))[1])
        return [(key, again.get(key, text)) for key, text in listed]


# Korean names before a year, as the style joins them ("김민지, 이준, 및 박서연 2019"):
# joined with "·" as Korean writes them.
_KOREAN_NAMES = re.compile(r"[가-힣]+(?:, [가-힣]+)*,? (?:및|and|&amp;) [가-힣]+"
                           r"(?=\s+(?:\d{4}|n\.d\.|연도 미상))")
_NAME_PARTS = re.compile(r",? (?:및|and|&amp;) |, ")
_YEAR = re.compile(r"(?<!\d)\d{4}[a-z]?(?![\d])")


def is_korean(item: dict) -> bool:
    """A work written in Korean: so its "language" says, or, without one, its title."""
    language = str(item.get("language") or "")
    if language:
        return language.lower().startswith(("ko", "kor"))
    return bool(_HANGUL.search(str(item.get("title") or "")))


def korean_variant(style: Path) -> Path:
    """Where a style's Korean variant is: ``<name>-ko.csl`` beside it."""
    return style.with_name(style.stem + "-ko.csl")


_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def _escaped(text: str) -> str:
    """Plain text as Pandoc Markdown: every ASCII punctuation mark escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown(cite: Cite) -> str:
    """One citation group as a Pandoc Markdown paragraph."""
    parts = []
    for item in cite.items:
        text = (_escaped(item.prefix) + " " if item.prefix else "") + \
            ("-" if item.suppress_author else "") + "@{" + item.key.lower() + "}"
        if item.locator:
            text += ", {" + item.locator[1].replace("{", "").replace("}", "") + "}"
        if item.suffix:
            text += _escaped(item.suffix)
        parts.append(text)
    return "[" + "; ".join(parts) + "]"


def pandoc_path() -> str:
    import pypandoc
    try:
        return str(pypandoc.get_pandoc_path())
    except OSError:
        raise BuildError.at("pandoc, which sets the citations, is not installed",
                            hint="install folio's dependencies again (./dev, or pip install "
                                 "pypandoc-binary)") from None


def _pandoc(arguments: list[str], data: bytes, timeout: int,
            path: Path | None) -> subprocess.CompletedProcess:
    """Pandoc run once; a run that does not end is an error, not a wait."""
    try:
        return subprocess.run([pandoc_path(), *arguments], input=data, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildError.at(f"pandoc did not finish in {timeout} s", path,
                            hint="check the CSL style and the bibliography (a style whose "
                                 "macros loop, a huge file)") from None


def run_pandoc(document: str, data: list[dict], style: bytes, locale: str,
               style_path: Path | None = None) -> str:
    """``document`` (Pandoc Markdown) with its citations set: Pandoc's HTML."""
    import tempfile
    meta = {"lang": locale, "link-citations": False}
    with tempfile.TemporaryDirectory(prefix="folio-citeproc-") as folder:
        bibliography = Path(folder) / "references.json"
        bibliography.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        csl = Path(folder) / "style.csl"
        csl.write_bytes(style)
        header = "---\n" + json.dumps(meta) + "\n---\n\n"
        result = _pandoc(["--citeproc", "--bibliography", str(bibliography), "--csl",
                          str(csl), "-f", "markdown", "-t", "html", "--wrap=none"],
                         (header + document).encode("utf-8"), 120, style_path)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BuildError.at("the citations cannot be set: " + " ".join(message[:3]),
                            style_path, hint="check the CSL style and the bibliography")
    return result.stdout.decode("utf-8")


def _split(html: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Pandoc's HTML: the citations in order, and the list's (key, HTML) entries."""
    import lxml.html
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    cited = [_inner(span) for span in tree.iter("span") if span.get("class") == "citation"]
    listed = [(div.get("id", "").removeprefix("ref-"), _inner(div))
              for div in tree.iter("div") if "csl-entry" in (div.get("class") or "").split()]
    return cited, listed


def _inner(element) -> str:
    """An element's content as HTML, stripped of spans Pandoc adds for no style."""
    import lxml.html
    text = (element.text or "").replace("&", "&amp;").replace("<", "&lt;")
    text += "".join(lxml.html.tostring(child, encoding="unicode") for child in element)
    text = re.sub(r"<span>(.*?)</span>", r"\1", text.strip())
    return text


def _id(key: str) -> str:
    return re.sub(r"[^\w-]", "-", key.lower())


_CSL = "{http://purl.org/net/xbiblio/csl}"


def check_style(style: bytes, path: Path | None) -> None:
    """A CSL file Pandoc can use: well-formed XML, and macros that do not call
    themselves (Pandoc would fail without saying where, or never end)."""
    from lxml import etree
    hint = "fix the CSL file (a style from the Zotero Style Repository is checked)"
    try:
        root = etree.fromstring(style, etree.XMLParser(resolve_entities=False,
                                                       no_network=True))
    except etree.XMLSyntaxError as error:
        raise BuildError.at(f"the citation style is not well-formed XML: {error.msg}", path,
                            error.lineno, hint=hint) from None
    if root.tag != _CSL + "style":
        raise BuildError.at("the citation style is not a CSL style (its root element is "
                            f"<{etree.QName(root).localname}>)", path, root.sourceline,
                            hint=hint)
    macros = {m.get("name"): m for m in root.iter(_CSL + "macro")}
    calls = {name: [t.get("macro") for t in macro.iter(_CSL + "text") if t.get("macro")]
             for name, macro in macros.items()}
    for name, macro in macros.items():
        for called in calls[name]:
            if called not in macros:
                raise BuildError.at(f"the macro '{name}' calls the macro '{called}', which "
                                    "the style does not define", path, macro.sourceline,
                                    hint=hint)
    state: dict[str, int] = {}               # 1: being followed, 2: done

    def follow(name: str, trail: list[str]) -> None:
        state[name] = 1
        for called in calls[name]:
            if state.get(called) == 1:
                cycle = trail[trail.index(called):] + [name, called] if called in trail \
                    else [name, called]
                raise BuildError.at("the style's macros call each other without end: "
                                    + " → ".join(dict.fromkeys(cycle)) + f" → {called}",
                                    path, macros[name].sourceline,
                                    hint="a macro may not call itself, directly or through "
                                         "others; " + hint)
            if state.get(called) is None:
                follow(called, trail + [name])
        state[name] = 2

    for name in macros:
        if state.get(name) is None:
            follow(name, [])


_NAME_ROLES = ("author", "editor", "translator", "container-author", "collection-editor",
               "editorial-director", "director", "interviewer", "recipient", "reviewed-author",
               "composer", "illustrator", "original-author")
_DATES = ("issued", "accessed", "original-date", "event-date", "submitted")


def check_entry(entry: Entry) -> None:
    """The fields a CSL processor reads with a shape, checked: names as lists of
    names, dates as numbers. Named with the file, entry and what to write."""
    where = f"entry '{entry.key}'"
    for role in _NAME_ROLES:
        names = entry.data.get(role)
        if names is None:
            continue
        if isinstance(names, str):
            raise BuildError.at(f"{where}: \"{role}\" is a string ({names!r}); CSL JSON "
                                "wants a list of names", entry.path, entry.line,
                                hint=f'write "{role}": [{{"family": "Kim", "given": "Minji"}}]'
                                     ' (an organisation: [{"literal": "UNESCO"}])')
        if not isinstance(names, list) or not all(isinstance(n, dict) for n in names):
            raise BuildError.at(f"{where}: \"{role}\" should be a list of names",
                                entry.path, entry.line,
                                hint=f'write "{role}": [{{"family": "Kim", "given": "Minji"}}]')
    for name in _DATES:
        date = entry.data.get(name)
        if date is None:
            continue
        if not isinstance(date, dict):
            if isinstance(date, str):
                continue                     # an EDTF string: Pandoc reads it
            raise BuildError.at(f"{where}: \"{name}\" should be a date", entry.path,
                                entry.line, hint='write {"date-parts": [[2019, 5]]}')
        parts = date.get("date-parts")
        if parts is None:
            continue
        ok = isinstance(parts, list) and all(
            isinstance(p, list) and all(isinstance(v, int) or
                                        (isinstance(v, str) and v.strip().lstrip("-").isdigit())
                                        for v in p) for p in parts)
        if not ok:
            raise BuildError.at(f"{where}: \"{name}\" has date-parts {json.dumps(parts)}, "
                                "not numbers", entry.path, entry.line,
                                hint="write the year as a number (2019); the style adds "
                                     "2019a/2019b itself when one author has two works of a "
                                     "year; an unknown date: leave \"issued\" out")


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
