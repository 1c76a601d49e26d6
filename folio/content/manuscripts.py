"""Manuscripts in: a Word (.docx) or LibreOffice (.odt) file becomes an article of an
issue, ``content/journal/<issue>/<slug>.<lang>.md``, with its figures, its citations'
entries in ``references.json``, and a report of what did not carry over.

Pandoc (the ``pypandoc-binary`` wheel, which carries its own pandoc) reads the file:
its docx reader knows Word's footnotes, endnotes, tables, images, headings, tracked
changes and comments, and (``+citations``) the CSL-JSON that Zotero and Mendeley put
in Word's field codes. Its JSON AST is walked here (manuscript_ast.py) and written
back by Pandoc's Markdown writer with only the extensions folio reads. What Pandoc
does not pass on, and the import must still report or use, is read from the file's
parts beside it: the document properties (title, authors, keywords), the field codes
(the exact CSL-JSON of cited items, fields shown as text), text boxes, tracked changes.
Nothing is written until everything is read and checked.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from folio.config.publication import PublicationConfig
from folio.content import manuscript_ast as ast
from folio.errors import BuildError
from folio.files import publication_lock, write_atomically

SUFFIXES = (".docx", ".odt")
MAX_PIXELS = 50_000_000         # a 7000 × 7000 image: beyond what a page prints at 600 dpi
MAX_UNPACKED = 512 * 1024 ** 2  # a manuscript that unpacks to more is refused (zip bomb)
_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
MAX_SCAN = 16 * 1024 ** 2       # how much of an OLE2 file is searched for its stream names
_PRINTABLE = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
_CONVERTED = {"BMP", "TIFF", "DIB", "PCX", "PPM", "ICO"}      # made PNG with Pillow
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
# Pandoc's Markdown writer limited to what folio's Markdown reads (see README):
# CommonMark, pipe tables with ": caption {#tbl:…}", footnotes, [@key] citations,
# [text]{lang=…} spans, ![caption](file){#fig:…} figures, and no raw HTML.
MARKDOWN = ("markdown_strict+pipe_tables+table_captions+table_attributes+footnotes"
            "+citations+bracketed_spans+implicit_figures+link_attributes+strikeout"
            "+backtick_code_blocks+all_symbols_escapable+intraword_underscores"
            "+startnum-raw_html")


@dataclass
class Inventory:
    """What the file's parts say that Pandoc's AST does not."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    items: dict[str, dict] = field(default_factory=dict)     # citation item id -> CSL-JSON
    report: list[tuple[str, str]] = field(default_factory=list)
    tracked: list[str] = field(default_factory=list)          # places of tracked changes
    boxes: list[tuple[str, str]] = field(default_factory=list)  # text boxes: place, text
    odt_citations: dict[int, dict] = field(default_factory=dict)  # a LibreOffice file's


@dataclass
class Imported:
    """What an import wrote, and what it could not carry over."""

    article: Path
    report_file: Path
    report: list[str]
    written: list[Path]
    issue_hint: str | None          # what to add to issue.yaml, when the slug is not there


def import_manuscript(config: PublicationConfig, source: Path, issue: str, slug: str,
                      lang: str, force: bool = False,
                      accept_changes: bool = False) -> Imported:
    """Read ``source``, write the article and its figures and references; refuse
    (BuildError, nothing written) a file that is not a readable manuscript. Holds the
    publication's lock, as every import does: no build reads a half-imported article."""
    with publication_lock(config.root, exclusive=True):
        return _import(config, source, issue, slug, lang, force, accept_changes)


def _import(config: PublicationConfig, source: Path, issue: str, slug: str, lang: str,
            force: bool, accept_changes: bool) -> Imported:
    config.language(lang)
    folder = config.root / "content" / "journal" / issue
    if not (folder / "issue.yaml").is_file():
        known = sorted(p.parent.name for p in (config.root / "content/journal").glob(
            "*/issue.yaml"))
        raise BuildError.at(f"there is no issue '{issue}' (no {folder}/issue.yaml)",
                            hint="issues: " + (", ".join(known) or "none"))
    if not _SLUG.fullmatch(slug):
        raise BuildError.at(f"'{slug}' is not a slug", hint="use lower-case letters, digits "
                            "and hyphens, e.g. crafts-in-the-city")
    target = folder / f"{slug}.{lang}.md"
    if target.exists() and not force:
        raise BuildError.at(f"{target.name} already exists: nothing imported", target,
                            hint="pass --force to replace it")
    kind = check_container(source)
    inventory = read_inventory(source, kind)
    references_path = folder / "references.json"
    entries = _existing_references(references_path)
    existing = {str(item.get("id")): item for item in entries if isinstance(item, dict)}
    keys = _keys(inventory.items, existing)
    with tempfile.TemporaryDirectory(prefix="folio-import-") as media:
        read = source if kind == "docx" else _odt_with_tokens(source, Path(media))
        document = _pandoc(read, kind, Path(media) / "media", source)
        figures: list[tuple[Path, Path, bytes | None]] = []     # (from, to, converted)
        notes: list[tuple[str, str]] = []
        walk = ast.Walk(keys=keys, label_of=_labeller(),
                        tokens=inventory.odt_citations,
                        place_image=lambda image: _place(image, Path(media), folder, slug,
                                                         lang, force, figures, source, notes))
        body = walk.blocks(document["blocks"], top=True)
        if not any(ast.clean(ast.text(block)) or block["t"] in ("Figure", "Table")
                   for block in body):
            left = "; ".join(what for _, what in (inventory.report + walk.report)[:1])
            raise BuildError.at("the manuscript has no text: nothing imported", source,
                                hint="check that this is the right file"
                                     + (f" ({left})" if left else ""))
        walk.report += notes
        changes = [f"{place}: {what}" for place, what in walk.changes] + inventory.tracked
        if changes and not accept_changes:
            shown = "; ".join(changes[:3]) + (f"; and {len(changes) - 3} more"
                                               if len(changes) > 3 else "")
            raise BuildError.at(f"the manuscript has {len(changes)} tracked change"
                                f"{'s' if len(changes) != 1 else ''} not accepted ({shown})",
                                source, hint="accept or reject them in Word or LibreOffice "
                                "and save, or pass --accept-changes to import the text as if "
                                "accepted")
        front, origin = _front_matter(document.get("meta", {}), walk, inventory, body,
                                      source)
        _text_boxes(inventory, body)
        _reference_heading(body, walk)
        _heading_levels(body, walk)
        markdown = walk.resolve(_markdown(body))
        for _, to, _ in figures:
            if to.exists() and not force:
                raise BuildError.at(f"{to.name} already exists in figures/: nothing "
                                    "imported", to, hint="pass --force to replace it")
        text = "---\n" + _yaml(front) + "---\n" + markdown
        new_items = [item for key, item in _items_with_keys(inventory.items, keys).items()
                     if key in walk.cited and key not in existing]
        report = origin + [f"{place}: {what}" for place, what in
                           inventory.report + walk.report]
        if accept_changes and changes:
            report += [f"{change} (accepted)" for change in changes]
        # Everything is read and checked: now write, each file whole or not at all.
        written = []
        for origin_path, to, converted in figures:
            write_atomically(to, converted if converted is not None else origin_path.read_bytes())
            written.append(to)
    if new_items:
        merged = [*entries, *new_items]
        write_atomically(references_path, (json.dumps(merged, ensure_ascii=False, indent=2)
                                           + "\n").encode())
        written.append(references_path)
    write_atomically(target, text.encode())
    written.append(target)
    report_file = folder / f"{slug}.{lang}.import-report.txt"
    heading = [f"Imported {source.name} into {target.name} ({len(walk.images)} figure"
               f"{'s' if len(walk.images) != 1 else ''}, {len(set(walk.cited))} cited "
               f"work{'s' if len(set(walk.cited)) != 1 else ''}, {len(new_items)} added to "
               "references.json)."]
    lines = heading + [f"- {line}" for line in report]
    if not report:
        lines.append("Everything carried over.")
    write_atomically(report_file, ("\n".join(lines) + "\n").encode())
    written.append(report_file)
    return Imported(target, report_file, report, written, _issue_hint(folder, slug))


# ---- the file itself ----

def check_container(source: Path) -> str:
    """'docx' or 'odt'; anything else refused with what it is."""
    if not source.is_file():
        raise BuildError.at("no such file", source)
    with open(source, "rb") as stream:
        head = stream.read(8)
    if head == _OLE2:
        # An OLE2 compound file: Office's encrypted OOXML, or a Word 97–2003 .doc.
        # Its directory names the streams (UTF-16): EncryptionInfo, or WordDocument.
        with open(source, "rb") as stream:
            data = stream.read(MAX_SCAN)
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise BuildError.at("the file is encrypted (password-protected)", source,
                                hint="open it in Word or LibreOffice, remove the password "
                                     "(File › Info › Protect Document), and save it again")
        if "WordDocument".encode("utf-16-le") in data:
            raise BuildError.at("an old Word 97–2003 document (.doc), which cannot be read",
                                source, hint="open it in Word or LibreOffice and save it "
                                             "as .docx or .odt")
        raise BuildError.at("the file is encrypted (password-protected) or an old Office "
                            "document, which cannot be read", source,
                            hint="open it in Word or LibreOffice, remove any password, and "
                                 "save it as .docx or .odt")
    if not head.startswith(b"PK"):
        raise BuildError.at("not a Word (.docx) or LibreOffice (.odt) document", source,
                            hint="save the manuscript as .docx or .odt")
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise BuildError.at(f"the file unpacks to more than {MAX_UNPACKED >> 20} MB",
                                    source, hint="save the manuscript again, with images "
                                    "compressed")
            broken = archive.testzip()
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as error:
        raise BuildError.at(f"the file is damaged (a broken zip archive: {error})", source,
                            hint="open it in Word or LibreOffice and save it again") from None
    if broken is not None:
        raise BuildError.at(f"the file is damaged (its part {broken} is corrupt)", source,
                            hint="open it in Word or LibreOffice and save it again")
    if "word/document.xml" in names or _main_part(source):
        return "docx"
    if mimetype == b"application/vnd.oasis.opendocument.text" and "content.xml" in names:
        return "odt"
    raise BuildError.at("a zip file but not a Word (.docx) or LibreOffice Writer (.odt) "
                        "document", source, hint="save the manuscript as .docx or .odt")


_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _main_part(source: Path) -> str | None:
    """The name of a docx file's document part, as its content types declare it
    (word/document.xml, unless the writer chose another)."""
    with zipfile.ZipFile(source) as archive:
        types = _xml(archive, "[Content_Types].xml")
    if types is None:
        return None
    for override in types:
        if override.get("ContentType") == _MAIN and override.get("PartName"):
            return override.get("PartName").lstrip("/")
    return None


def _xml(archive: zipfile.ZipFile, name: str):
    from lxml import etree
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(archive.read(name), parser)
    except KeyError:
        return None
    except etree.XMLSyntaxError as error:
        raise BuildError.at(f"the file is damaged ({name}: {error})") from None


def read_inventory(source: Path, kind: str) -> Inventory:
    """Document properties, field codes, text boxes and tracked changes."""
    found = Inventory()
    try:
        with zipfile.ZipFile(source) as archive:
            if kind == "docx":
                _properties(found, _xml(archive, "docProps/core.xml"))
                document = _xml(archive, _main_part(source) or "word/document.xml")
                if document is not None:
                    _docx_body(found, document)
                for part, name in (("word/footnotes.xml", "footnotes"),
                                   ("word/endnotes.xml", "endnotes")):
                    notes = _xml(archive, part) if part in archive.namelist() else None
                    if notes is not None:
                        _docx_body(found, notes, f"{name}, ")
            else:
                meta = _xml(archive, "meta.xml")
                _properties(found, meta)
                _odt_body(found, _xml(archive, "content.xml"))
    except BuildError as error:
        raise BuildError.at(error.problems[0].message, source,
                            hint="open it in Word or LibreOffice and save it again") from None
    return found


def _properties(found: Inventory, root) -> None:
    if root is None:
        return
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name, value = element.tag.rsplit("}", 1)[-1], ast.clean(element.text or "")
        if not value:
            continue
        if name == "title":
            found.title = value
        elif name in ("creator", "initial-creator") and not found.authors:
            found.authors = [a.strip() for a in value.split(";") if a.strip()]
        elif name in ("keywords", "keyword"):
            found.keywords += ast.keywords(value)


def _docx_body(found: Inventory, document, part: str = "") -> None:
    """Fields (citations, shown text), text boxes and tracked changes of document.xml,
    each with the paragraph it is in."""
    paragraph, number = "", 0
    fields: list[list[str]] = []            # the instructions of open fields
    for element in document.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == _W + "p":
            number += 1
            paragraph = "".join(t.text or "" for t in element.iter(_W + "t"))
        place = f"{part}paragraph {number}" + (f" at {ast.snippet(paragraph)}" if paragraph.strip()
                                         else "")
        if tag == _W + "fldChar":
            _field_char(found, element.get(_W + "fldCharType"), fields, place)
        elif tag == _W + "instrText" and fields:
            fields[-1].append(element.text or "")
        elif tag == _W + "fldSimple":
            _field(found, element.get(_W + "instr") or "", place)
        elif tag == _W + "txbxContent" and not any(a.tag == _MC_FALLBACK
                                                    for a in element.iterancestors()):
            inside = "".join(t.text or "" for t in element.iter(_W + "t"))
            found.boxes.append((place, ast.clean(inside)))
        elif tag == _BLIP and element.get(_R + "link") and not element.get(_R + "embed"):
            found.report.append((place, "a picture linked to a file outside the manuscript, "
                                        "not in it, left out: put the picture in figures/ "
                                        "and place it as a figure"))
        elif tag in (_W + "moveFrom", _W + "moveTo", _W + "pPrChange", _W + "rPrChange"):
            found.tracked.append(f"{place}: a tracked {tag.rsplit('}', 1)[1]}")


def _field_char(found: Inventory, state: str | None, fields: list[list[str]],
                place: str) -> None:
    """A field's begin, separator or end: its instruction, gathered since it began,
    is read at its separator (or its end, if it has none)."""
    if state == "begin":
        fields.append([])
    elif state in ("separate", "end") and fields:
        instruction = "".join(fields[-1]).strip()
        if instruction:
            _field(found, instruction, place)
            fields[-1] = []
        if state == "end":
            fields.pop()


_QUIET_FIELDS = {"HYPERLINK", "SEQ", "PAGEREF", "REF", "NOTEREF", "TOC"}


def _field(found: Inventory, instruction: str, place: str) -> None:
    words = instruction.split()
    if not words:
        return
    if words[0] == "ADDIN" and ("ZOTERO_ITEM" in instruction or "CSL_CITATION" in instruction):
        data = _citation_data(instruction)
        if data is None:
            found.report.append((place, "a Zotero/Mendeley citation whose data is damaged, "
                                        "kept as its text"))
        else:
            _citation_items(found, data)
        return
    if words[0] == "ADDIN" and ("BIBL" in instruction or "CSL_BIBLIOGRAPHY" in instruction):
        found.report.append((place, "the reference list Zotero/Mendeley wrote left out: the "
                                    "build prints the cited works from references.json"))
        return
    if words[0] == "ADDIN" and "EN.CITE" in instruction:
        found.report.append((place, "an EndNote citation kept as its text: export the "
                                    "library as CSL JSON and cite it as [@key]"))
        return
    if words[0].upper() in _QUIET_FIELDS:
        if words[0].upper() in ("REF", "PAGEREF", "NOTEREF") and "\\h" not in words:
            found.report.append((place, f"a cross-reference field ({words[0]}) kept as its "
                                        "shown text: write @tbl:… or @fig:…"))
        return
    found.report.append((place, f"field {words[0]} kept as the text Word last showed"))


def _odt_body(found: Inventory, content) -> None:
    if content is None:
        return
    ns_text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    ns_office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    ns_draw = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
    for region in content.iter(f"{{{ns_text}}}changed-region"):
        found.tracked.append(f"tracked change {region.get(f'{{{ns_text}}}id', '')}".strip())
    for note in content.iter(f"{{{ns_office}}}annotation"):
        found.report.append(("a comment", f"left out: {ast.snippet(''.join(note.itertext()))}"))
    for box in content.iter(f"{{{ns_draw}}}text-box"):
        found.boxes.append(("a text box", ast.clean("".join(box.itertext()))))
    for number, (start, _) in enumerate(_odt_marks(content), 1):
        data = _citation_data(start.get(f"{{{ns_text}}}name") or "")
        if data is None:
            found.report.append((f"citation {number}", "a Zotero citation whose data is "
                                                      "damaged, kept as its text"))
            continue
        found.odt_citations[number] = data
        _citation_items(found, data)


_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _odt_marks(content) -> list:
    """Zotero's citations in a LibreOffice file: reference marks named "ZOTERO_ITEM
    CSL_CITATION {…} RND…", each a start and an end among the same paragraph's
    children (Pandoc's odt reader keeps only their text)."""
    marks = []
    for start in content.iter(_TEXT + "reference-mark-start"):
        name = start.get(_TEXT + "name") or ""
        if "CSL_CITATION" not in name and "ZOTERO_ITEM" not in name:
            continue
        end = next((node for node in start.itersiblings()
                    if node.tag == _TEXT + "reference-mark-end"
                    and node.get(_TEXT + "name") == name), None)
        if end is not None:
            marks.append((start, end))
    return marks


def _citation_data(instruction: str) -> dict | None:
    """The CSL citation JSON in a field code or a reference mark's name."""
    start = instruction.find("{")
    try:
        data, _ = json.JSONDecoder().raw_decode(instruction[start:])
    except ValueError:
        return None
    return data if start >= 0 and isinstance(data, dict) else None


def _citation_items(found: Inventory, data: dict) -> None:
    for cited in data.get("citationItems") or []:
        if not isinstance(cited, dict):
            continue
        item = dict(cited.get("itemData") or {})
        ident = str(item.get("id", cited.get("id", "")))
        if item and ident:
            found.items[ident] = item


def _odt_with_tokens(source: Path, folder: Path) -> Path:
    """A copy of the LibreOffice file whose Zotero citations read FOLIOCITE<n>X, so
    that each comes out of Pandoc where it stood, to be made a citation."""
    from lxml import etree
    with zipfile.ZipFile(source) as archive:
        content = _xml(archive, "content.xml")
        marks = _odt_marks(content) if content is not None else []
        if not marks:
            return source
        for number, (start, end) in enumerate(marks, 1):
            for node in list(start.itersiblings()):
                if node is end:
                    break
                start.getparent().remove(node)
            start.tail = f"FOLIOCITE{number}X"
        copy = folder / source.name
        with zipfile.ZipFile(copy, "w") as target:
            for info in archive.infolist():
                data = archive.read(info.filename)
                if info.filename == "content.xml":
                    data = etree.tostring(content, xml_declaration=True, encoding="UTF-8")
                target.writestr(info, data)
    return copy


def _pandoc(read: Path, kind: str, media: Path, source: Path) -> dict:
    """Pandoc's JSON AST of ``read`` (the manuscript, or its copy with citation
    tokens); problems name ``source``."""
    import pypandoc
    reader = "docx+citations+styles" if kind == "docx" else "odt"
    arguments = [f"--extract-media={media}"]
    if kind == "docx":
        arguments.append("--track-changes=all")
    try:
        # --sandbox: Pandoc reads the manuscript and nothing else (a picture it links
        # to is not fetched from the disk or the web).
        out = pypandoc.convert_file(str(read), "json", format=reader, extra_args=arguments,
                                    sandbox=True)
    except (RuntimeError, OSError) as error:
        message = str(error).strip().splitlines()[-1] if str(error).strip() else "failed"
        message = re.sub(r'^Pandoc died with exitcode "\d+" during conversion:\s*', "", message)
        raise BuildError.at(f"Pandoc could not read the manuscript: {message}", source,
                            hint="open it in Word or LibreOffice and save it again") from None
    return json.loads(out)


def _markdown(blocks: list) -> str:
    import pypandoc
    document = {"pandoc-api-version": [1, 23, 1, 1], "meta": {}, "blocks": blocks}
    out = pypandoc.convert_text(json.dumps(document), MARKDOWN, format="json",
                                extra_args=["--wrap=none"], sandbox=True)
    return unicodedata.normalize("NFC", out.replace("\r\n", "\n")).rstrip() + "\n"


# ---- images ----

def _place(image: ast.Image, media: Path, folder: Path, slug: str, lang: str, force: bool,
           figures: list, source: Path, notes: list[tuple[str, str]]) -> bool:
    """Choose where the image goes in figures/; refuse an enormous one; report (and
    leave out) one that cannot be printed."""
    from PIL import Image, UnidentifiedImageError
    # Only what Pandoc took out of the manuscript: a picture the file links to
    # (another file, a web address) is never read.
    path = (media / image.source).resolve()
    if not path.is_relative_to(media.resolve()) or not path.is_file():
        notes.append((image.place, f"a picture linked to a file outside the manuscript "
                                   f"({image.source}), not in it, left out: put the picture "
                                   "in figures/ and place it as a figure"))
        return False
    number = image.number
    data = path.read_bytes()
    if path.suffix.lower() == ".svg" or data.lstrip()[:5] in (b"<?xml", b"<svg "):
        extension, converted = ".svg", None
    else:
        try:
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                kind = opened.format or ""
                if width * height > MAX_PIXELS:
                    raise BuildError.at(
                        f"image {number} ({path.name}, {width} × {height} pixels, {image.place}) "
                        f"is larger than {MAX_PIXELS // 1_000_000} million pixels: nothing "
                        "imported", source, hint="scale it down in the manuscript (300 dpi "
                        "at its printed size is enough) and import again")
                if kind in ("WMF", "EMF"):
                    kind = "EMF" if data[40:44] == b" EMF" else "WMF"
                    image.target = ""
                    notes.append((image.place, f"an image in {kind} format ({path.name}) "
                                  "left out: it cannot be printed; save it as PNG or SVG "
                                  "and place it"))
                    return False
                if kind in _PRINTABLE:
                    extension, converted = _PRINTABLE[kind], None
                elif kind in _CONVERTED:
                    out = io.BytesIO()
                    opened.save(out, format="PNG")
                    extension, converted = ".png", out.getvalue()
                else:
                    notes.append((image.place, f"an image in {kind or 'an unknown'} format "
                                      f"({path.name}) left out: save it as PNG or SVG"))
                    return False
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
            if isinstance(error, Image.DecompressionBombError):
                raise BuildError.at(f"image {number} ({path.name}) is larger than Pillow "
                                    "allows: nothing imported", source,
                                    hint="scale it down in the manuscript") from None
            kind = "EMF" if data[40:44] == b" EMF" else "WMF" if data[:4] in (
                b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00") else "an unknown"
            notes.append((image.place, f"an image in {kind} format ({path.name}) left out: "
                          "it cannot be printed; save it as PNG or SVG and place it"))
            return False
    # The same picture in the article's other language is shared; a different one
    # (its labels translated, say) gets the language in its name.
    content = converted if converted is not None else data
    to = folder / "figures" / f"{slug}-{number}{extension}"
    if to.is_file() and to.read_bytes() != content and _named_by_other_language(
            folder, slug, lang, to):
        to = to.with_name(f"{slug}-{number}.{lang}{extension}")
    image.target = f"figures/{to.name}"
    if not (to.is_file() and to.read_bytes() == content):
        figures.append((path, to, converted))
    return True


def _named_by_other_language(folder: Path, slug: str, lang: str, figure: Path) -> bool:
    """Whether the article in another language shows ``figure``."""
    return any(f"figures/{figure.name}" in other.read_text(encoding="utf-8", errors="replace")
               for other in folder.glob(f"{slug}.*.md") if other.name != f"{slug}.{lang}.md")


def _labeller():
    used: set[str] = set()

    def label(kind: str, caption: str, number: int) -> str:
        words = re.findall(r"[a-z0-9]+", caption.lower())
        base = "" if re.search(r"[^\x00-\x7f]", caption) else "-".join(words[:4])
        base = base or ("table" if kind == "tbl" else "figure") + f"-{number}"
        candidate, n = base, 2
        while f"{kind}:{candidate}" in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(f"{kind}:{candidate}")
        return f"{kind}:{candidate}"
    return label


def _text_boxes(inventory: Inventory, body: list) -> None:
    """Whether each text box's text came in (Pandoc reads some kinds, not others)."""
    shown = re.sub(r"\s+", "", ast.text(body))
    for place, inside in inventory.boxes:
        if not inside:
            inventory.report.append((place, "a text box without text (a picture or drawing "
                                            "in a box): check that its picture came in"))
        elif re.sub(r"\s+", "", inside) in shown:
            inventory.report.append((place, f"a text box: its text {ast.snippet(inside)} came "
                                            "in where the box is anchored — check its place"))
        else:
            inventory.report.append((place, f"a text box left out: {ast.snippet(inside)} — "
                                            "copy its text in by hand"))


_REFERENCES = re.compile(r"(references?( list)?|bibliography|works cited|literature( cited)?|"
                         r"sources|참고\s*문헌|인용\s*문헌|참고\s*자료)\s*:?", re.I)


def _reference_heading(body: list, walk: ast.Walk) -> None:
    """The heading of the reference list Zotero or Mendeley wrote (left out), when
    nothing follows it: the build prints the references under its own heading."""
    if body and body[-1]["t"] == "Header" and _REFERENCES.fullmatch(
            ast.clean(ast.text(body[-1]["c"][2]))):
        heading = body.pop()
        walk.report.append((f"heading “{ast.clean(ast.text(heading['c'][2]))}”",
                            "the reference list's heading left out: the build prints its own"))
    elif any(b["t"] == "Header" and _REFERENCES.fullmatch(ast.clean(ast.text(b["c"][2])))
             for b in body):
        walk.report.append(("the reference list", "a reference list typed as text kept: the "
                            "build prints the works cited with [@key] after it; remove it once "
                            "its works are in references.json and cited"))


def _heading_levels(body: list, walk: ast.Walk) -> None:
    """The body's top headings at ##, the article's first level under its title, and
    no level skipped (Word lets a Heading 3 follow a Heading 1; folio does not)."""
    levels = [block["c"][0] for block in body if block["t"] == "Header"]
    if not levels:
        return
    shift, previous, skipped = min(levels) - 2, 1, ""
    for block in body:
        if block["t"] != "Header":
            continue
        level = block["c"][0] - shift
        if level > previous + 1:
            skipped = skipped or ast.clean(ast.text(block["c"][2]))
            level = previous + 1
        block["c"][0] = previous = min(level, 6)
    if skipped:
        walk.report.append((f"heading “{skipped}”", "a heading level skipped in the "
                            "manuscript: made one level below the heading before it"))


# ---- front matter ----

class _Flow(list):
    """A list YAML writes on one line: keywords: [a, b]."""


def _yaml(front: dict) -> str:
    class Dumper(yaml.SafeDumper):
        pass
    Dumper.add_representer(_Flow, lambda dumper, value: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=True))
    return yaml.dump(front, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)


def _meta_text(value) -> str:
    if not isinstance(value, dict):
        return ""
    kind: Any = value.get("t")
    content: Any = value.get("c")
    if kind in ("MetaInlines", "MetaBlocks"):
        return ast.clean(ast.text(content))
    if kind == "MetaString":
        return ast.clean(content)
    if kind == "MetaList":
        return ", ".join(_meta_text(item) for item in content)
    return ""


def _title_line(body: list) -> bool:
    """Whether the body's first block looks like a title: a heading, or a short line
    that does not end a sentence, with more text after it."""
    if len(body) < 2 or body[0]["t"] not in ("Header", "Para"):
        return False
    line = ast.clean(ast.text(body[0]))
    return bool(line) and (body[0]["t"] == "Header" or (
        len(line) <= 120 and not re.search(r"[.。:;]$", line)))


def _front_matter(meta: dict, walk: ast.Walk, inventory: Inventory,
                  body: list, source: Path) -> tuple[dict, list[str]]:
    """The article's front matter and where each field came from, for the editor to
    confirm."""
    origin: list[str] = []
    found = walk.meta
    title = _meta_text(meta.get("title")) or next(iter(found.get("title_style", [])), "")
    if title:
        origin.append(f"title “{title}”: from the Title style")
    elif inventory.title:
        title = inventory.title
        origin.append(f"title “{title}”: from the document properties — confirm it")
    elif _title_line(body):
        first = body.pop(0)
        title = ast.clean(ast.text(first))
        origin.append(f"title “{title}”: the first line of the text — confirm it")
    else:
        title = source.stem
        origin.append(f"title “{title}”: the file's name (no Title style, document property "
                      "or title line) — write the title")
    front: dict[str, object] = {"type": "article", "title": title}
    subtitle = _meta_text(meta.get("subtitle")) or next(iter(found.get("subtitle_style", [])),
                                                       "")
    if subtitle:
        front["subtitle"] = subtitle
    authors = [_meta_text(a) for a in meta.get("author", {}).get("c", [])] \
        if meta.get("author", {}).get("t") == "MetaList" else \
        ([_meta_text(meta["author"])] if "author" in meta else [])
    authors = [a for a in authors if a] or list(found.get("author_style", []))
    if authors:
        origin.append(f"authors {', '.join(authors)}: from the Author style — add "
                      "affiliations")
    elif inventory.authors:
        authors = inventory.authors
        origin.append(f"authors {', '.join(authors)}: from the document properties — "
                      "confirm them and add affiliations")
    else:
        origin.append("authors: none found (no Author style or property) — write them")
    if authors:
        affiliations = list(found.get("affiliation_style", []))
        front["authors"] = [{"name": name, **({"affiliation": affiliations[i]}
                                              if i < len(affiliations) else {})}
                            for i, name in enumerate(authors)]
    abstract = _meta_text(meta.get("abstract")) or " ".join(
        found.get("abstract_parts", []))
    if abstract:
        front["abstract"] = abstract
    words = ast.keywords(str(found["keywords_text"])) if "keywords_text" in found \
        else inventory.keywords
    if words:
        front["keywords"] = _Flow(words)
    return front, origin


# ---- references ----

def _existing_references(path: Path) -> list:
    """The issue's references.json as it is (new works are added after its own)."""
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BuildError.at(f"cannot add the citations' works: not CSL JSON ({error})",
                            path, hint="fix references.json first") from None
    if not isinstance(data, list):
        raise BuildError.at("cannot add the citations' works: not a CSL JSON list", path)
    return data


def _same_work(a: dict, b: dict) -> bool:
    def sign(item):
        names = [n.get("family", n.get("literal", "")) for n in item.get("author", [])
                 if isinstance(n, dict)]
        issued = (item.get("issued") or {}).get("date-parts", [[None]])[0][0] \
            if isinstance(item.get("issued"), dict) else item.get("issued")
        return (ast.clean(str(item.get("title", ""))).lower(), str(issued), tuple(names))
    return sign(a) == sign(b)


def _keys(items: dict[str, dict], existing: dict[str, dict]) -> dict[str, str]:
    """A key for each cited item: an entry of references.json for the same work keeps
    its key; a new one is named family name + year (landry2000, kim2019a)."""
    keys: dict[str, str] = {}
    taken = set(existing)
    for ident, item in items.items():
        same = next((key for key, entry in existing.items() if _same_work(entry, item)), None)
        if same is not None:
            keys[ident] = same
            continue
        base = str(item.get("citation-key") or "")
        if not base:
            first = next((n for n in item.get("author", item.get("editor", []))
                          if isinstance(n, dict)), {})
            family = str(first.get("family") or first.get("literal") or "")
            family = unicodedata.normalize("NFKD", family).encode("ascii", "ignore").decode()
            family = re.sub(r"[^a-z]", "", family.lower()) or "ref"
            parts = (item.get("issued") or {}).get("date-parts") if isinstance(
                item.get("issued"), dict) else None
            year = str(parts[0][0]) if parts and parts[0] else ""
            base = family + year
        key, suffix = base, iter("abcdefghijklmnopqrstuvwxyz")
        while key in taken:
            key = base + next(suffix, "z")
        taken.add(key)
        keys[ident] = key
    return keys


def _items_with_keys(items: dict[str, dict], keys: dict[str, str]) -> dict[str, dict]:
    result = {}
    for ident, item in items.items():
        entry = {k: v for k, v in item.items() if k not in ("id", "citation-key")}
        result[keys[ident]] = {"id": keys[ident], **entry}
    return result


def _issue_hint(folder: Path, slug: str) -> str | None:
    """None when issue.yaml lists the slug; else what to add."""
    try:
        data = yaml.safe_load((folder / "issue.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    sections = data.get("sections") or [] if isinstance(data, dict) else []
    for section in sections:
        if isinstance(section, dict) and slug in (section.get("articles") or []):
            return None
    return (f"add '{slug}' to the articles of a section in {folder / 'issue.yaml'}, e.g.\n"
            f"  sections:\n    - title: {{ko: …, en: …}}\n      articles: [{slug}]")


