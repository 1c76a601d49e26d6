"""A manuscript's Pandoc AST made into the journal's Markdown: the walk over the
JSON that Pandoc's docx/odt reader gives, before Pandoc's Markdown writer writes it.

Pandoc reads Word and LibreOffice files; what it reads is more than the journal
prints (underline, colours of style, comments, tracked changes, raw fields). This
walk keeps what folio's Markdown has (headings one level down, emphasis, links,
lists, quotes, footnotes, captioned tables and figures, citations, language spans)
and lists everything else, with where it was, for the import report. The text is
composed (NFC), and what Word's runs leave behind (zero-width characters, soft
hyphens, manual line breaks) is taken out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Node = dict[str, Any]
Inlines = list[Node]
Blocks = list[Node]

# Paragraph and character styles that mean nothing the Markdown must keep: Word's,
# LibreOffice's and Pandoc's own names for body text, notes, captions, links.
PLAIN_STYLES = {
    "normal", "body text", "first paragraph", "compact", "text body", "default",
    "default paragraph font", "hyperlink", "footnote text", "footnote reference",
    "endnote text", "endnote reference", "footnote", "endnote", "list paragraph",
    "table", "table contents", "table heading", "table grid", "figure", "captioned figure",
    "block text", "quote", "quotation", "intense quote", "quotations", "source code",
    "verbatim char", "strong", "emphasis", "body text first indent", "normal (web)",
    "no spacing", "list bullet", "list number", "internet link", "footnote characters",
    "endnote characters", "footnote anchor", "endnote anchor", "followedhyperlink",
    "bibliography", "plain text", "standard", "text", "frame contents", "graphics",
    "annotation reference", "annotation text", "comment reference", "comment text",
    "balloon text", "header", "footer", "page number", "line number", "placeholder text",
}
CAPTION_STYLES = {"caption", "table caption", "image caption", "illustration", "drawing"}
ABSTRACT_STYLES = {"abstract", "초록", "요약", "국문초록", "영문초록", "summary"}
KEYWORDS_STYLES = {"keywords", "key words", "주제어", "키워드", "핵심어"}
_ABSTRACT_LEAD = re.compile(r"^\s*(?:abstract|summary|초록|요약|국문\s*초록|영문\s*초록)\s*"
                            r"(?:[:：.]\s*|$)", re.I)
_KEYWORDS_MARK = re.compile(r"^\s*(?:key\s*words?|주제어|핵심어|키워드|검색어)\s*[:：]", re.I)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# "Table 3:", "표 3.", "Figure 2 –", "그림 2." opening a caption Word numbered itself.
_CAPTION_NUMBER = re.compile(r"^\s*(?:Table|Tab\.|Figure|Fig\.|표|그림|사진|<표>|\[표\])\s*"
                             r"\d+(?:[.-]\d+)*\s*[.:–—-]?\s*",
                             re.I)
# Author-date citations typed by hand: "(Landry 2000)", "(Kim, 2019, p. 3)", "(김민지 2019)".
HAND_CITATION = re.compile(r"\((?:see |e\.g\. |cf\. )?[A-Z\uac00-\ud7af][^()]{0,80}?"
                           r"\b(?:1[5-9]\d\d|20\d\d)[a-z]?\b[^()]{0,40}\)")
# ... and in the sentence: "Landry (2000)", "Landry (2000, 12)", "김민지(2019)".
HAND_NARRATIVE = re.compile(r"(?:\b[A-Z][\w'’-]+|[\uac00-\ud7af]{2,5})\s?\((?:1[5-9]\d\d|20\d\d)"
                            r"[a-z]?(?:[,:;][^()]{0,30})?\)")
_KEYWORDS_LEAD = re.compile(r"^\s*(?:key\s*words?|주제어|핵심어|키워드|검색어)\s*[:：]?\s*", re.I)
_LOCATOR_LABELS = {"page": "p.", "pages": "pp.", "p.": "p.", "pp.": "pp.", "chapter": "chap.",
                   "section": "sec.", "쪽": "p."}


# C901 (complexity) allowed: a branch per Pandoc node type, each a few lines.
def text(node) -> str:  # noqa: C901
    """The plain text of inlines, blocks or one node."""
    if isinstance(node, list):
        parts = [text(item) for item in node]
        return "".join(parts)
    if not isinstance(node, dict):
        return ""
    kind: Any = node.get("t")
    content: Any = node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind in ("Code", "Math", "RawInline"):
        return content[1]
    if kind in ("Para", "Plain"):
        return text(content) + "\n"
    if kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript",
                "SmallCaps", "BlockQuote", "Note"):
        return text(content)
    if kind == "Span" and {"comment-start", "deletion"} & set(content[0][1]):
        return ""
    if kind in ("Span", "Div", "Quoted", "Link", "Image", "Cite"):
        return text(content[1])
    if kind == "Header":
        return text(content[2]) + "\n"
    if kind == "Figure":
        return text(content[1][1]) or text(content[2])
    if kind == "Table":                 # the caption first, then the cells
        return text(content[1][1]) + _cells(content[3:])
    if kind == "CodeBlock":
        return content[1] + "\n"
    if kind in ("Space", "SoftBreak", "LineBreak", "HorizontalRule", "RawBlock") \
            or content is None:
        return ""
    return text(content) if isinstance(content, list) else ""


def _cells(parts) -> str:
    """The text of a table's rows, each cell's followed by a space."""
    if isinstance(parts, list):
        if len(parts) == 5 and isinstance(parts[4], list) and isinstance(parts[1], dict) \
                and str(parts[1].get("t", "")).startswith("Align"):
            return text(parts[4]).strip() + " "          # a cell
        return "".join(_cells(part) for part in parts)
    return ""


def clean(value: str) -> str:
    """Composed (NFC), without zero-width characters and soft hyphens, spaces single."""
    value = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    return re.sub(r"[ \t\u00a0]*\n[ \t\u00a0]*|[ \t]{2,}", " ", value).strip()


def snippet(value: str, size: int = 40) -> str:
    value = clean(value)
    return "“" + (value if len(value) <= size else value[:size].rstrip() + "…") + "”"


def attr(identifier: str = "", classes: list | None = None, pairs: list | None = None) -> list:
    return [identifier, classes or [], pairs or []]


def style_of(node: Node) -> str:
    """The Word/LibreOffice style Pandoc's ``+styles`` put on a Div or Span, lower case."""
    return next((value for key, value in node["c"][0][2] if key == "custom-style"), "").lower()


@dataclass
class Image:
    """An image the manuscript shows as a figure: where Pandoc extracted it, and
    where the Markdown will name it (filled in by the import)."""

    source: str                     # as Pandoc's --extract-media wrote it
    caption: str
    label: str
    place: str
    number: int = 0                 # its figure number in the manuscript
    target: str = ""                # figures/<slug>-<n>.<ext>


@dataclass
class Walk:
    """One manuscript's walk: the body kept, the metadata found, what was left out."""

    keys: dict[str, str]                     # citation item id -> key in references.json
    label_of: Callable[[str, str, int], str]  # (kind, caption, number) -> label
    place_image: Callable[[Image], bool]      # sets its target; False: it cannot be printed
    tokens: dict[int, dict] = field(default_factory=dict)   # FOLIOCITE<n>X -> CSL citation
    meta: dict[str, Any] = field(default_factory=dict)
    report: list[tuple[str, str]] = field(default_factory=list)   # (place, what)
    changes: list[tuple[str, str]] = field(default_factory=list)  # unaccepted changes
    images: list[Image] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    section: str = ""
    block: str = ""
    anchor_labels: dict[str, str] = field(default_factory=dict)   # bookmark -> label
    xrefs: list[tuple[str, str, str]] = field(default_factory=list)  # (bookmark, text, place)
    _once: set = field(default_factory=set)
    _tables: int = 0
    _anchors: list[str] = field(default_factory=list)
    _skip_next: bool = False

    # ---- where ----
    def place(self) -> str:
        where = f"section “{self.section}”, " if self.section else ""
        return f"{where}at {snippet(self.block)}" if self.block else where.rstrip(", ") or \
            "the start"

    def note(self, what: str, once: str | None = None) -> None:
        if once is not None:
            if once in self._once:
                return
            self._once.add(once)
        self.report.append((self.place(), what))

    # ---- blocks ----
    def blocks(self, blocks: Blocks, top: bool = False) -> Blocks:
        result: Blocks = []
        index = 0
        while index < len(blocks):
            node = blocks[index]
            if top:
                self.block = text(node)
                if not self.section and self._marked(node, blocks[index + 1:index + 2]):
                    index += 2 if self._skip_next else 1
                    continue
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following is not None and node["t"] in ("Table", "Para", "Plain") \
                    and _is_caption(following) and (
                    node["t"] == "Table" and not node["c"][1][1]
                    or node["t"] != "Table" and _lone_image(node) is not None):
                node = _captioned(node, following)
                index += 1
            elif _is_caption(node) and following is not None and (
                    following["t"] == "Table" and not following["c"][1][1]
                    or _lone_image(following) is not None):
                node = _captioned(following, node)
                index += 1
            result.extend(self.block_node(node))
            index += 1
        return result

    def _marked(self, node: Node, following: Blocks) -> bool:
        """A paragraph before the first heading marked "Abstract:", "초록:", "Keywords:",
        "주제어:" (or "Abstract" alone, with the abstract next) goes to the front matter."""
        self._skip_next = False
        node = _unwrapped(node)
        following = [_unwrapped(f) for f in following]
        if node["t"] not in ("Para", "Plain"):
            return False
        line = clean(text(node))
        if _KEYWORDS_MARK.match(line):
            self.meta["keywords_text"] = line
            return True
        lead = _ABSTRACT_LEAD.match(line)
        if not lead:
            return False
        rest = line[lead.end():].strip()
        if rest:
            self.meta.setdefault("abstract_parts", []).append(rest)
            return True
        if following and following[0]["t"] in ("Para", "Plain"):
            self.meta.setdefault("abstract_parts", []).append(clean(text(following[0])))
            self._skip_next = True
            return True
        return False

    # C901 (complexity) allowed: a branch per Pandoc block type, each a few lines.
    def block_node(self, node: Node) -> Blocks:  # noqa: C901
        kind: str = node["t"]
        content: Any = node.get("c")
        if kind in ("Para", "Plain"):
            image = _lone_image(node)
            if image is not None:
                return self.figure(attr(), text(image["c"][1]), image)
            inlines = self.inlines(content)
            self.hand_citations(inlines)
            return [{"t": kind, "c": inlines}] if _visible(inlines) else []
        if kind == "Header":
            level, _, inlines = content
            if not clean(text(inlines)):
                return []
            self.section = clean(text(inlines))
            return [{"t": "Header", "c": [min(level + 1, 6), attr(), self.inlines(inlines)]}]
        if kind == "BlockQuote":
            return [{"t": "BlockQuote", "c": self.blocks(content)}]
        if kind == "BulletList":
            return [{"t": "BulletList", "c": [self.blocks(item) for item in content]}]
        if kind == "OrderedList":
            start = content[0][0]
            return [{"t": "OrderedList", "c": [[start, {"t": "Decimal"}, {"t": "Period"}],
                                               [self.blocks(item) for item in content[1]]]}]
        if kind == "Div":
            return self.div(node)
        if kind == "Table":
            return [self.table(node)]
        if kind == "Figure":
            images = [n for n in _walk_inlines(content[2]) if n["t"] == "Image"]
            caption = caption_text(content[1][1])
            self._anchors = anchors(content[1][1])
            if len(images) != 1:
                self.note(f"a figure of {len(images)} images: each image imported as a "
                          "figure of its own")
                return [b for image in images for b in self.figure(attr(), caption, image)]
            return self.figure(content[0], caption, images[0])
        if kind == "DefinitionList":
            self.note("a definition list: each term set as a bold paragraph", once="deflist")
            result: Blocks = []
            for term, definitions in content:
                result.append({"t": "Para", "c": [{"t": "Strong", "c": self.inlines(term)}]})
                for definition in definitions:
                    result.extend(self.blocks(definition))
            return result
        if kind == "LineBlock":
            self.note("a block of lines (verse, address): its lines joined", once="lineblock")
            joined: Inlines = []
            for line in content:
                joined += ([{"t": "Space"}] if joined else []) + line
            return [{"t": "Para", "c": self.inlines(joined)}]
        if kind == "CodeBlock":
            return [{"t": "CodeBlock", "c": [attr(), content[1]]}]
        if kind == "RawBlock":
            self.note(f"raw {content[0]} content left out")
            return []
        if kind == "HorizontalRule":
            self.note("a horizontal rule left out", once="rule")
            return []
        self.note(f"a {kind} block left out")
        return []

    def div(self, node: Node) -> Blocks:
        style = style_of(node)
        body = node["c"][1]
        if style in ABSTRACT_STYLES:
            self.meta.setdefault("abstract_parts", []).append(
                _ABSTRACT_LEAD.sub("", clean(text(body))))
            return []
        if style in KEYWORDS_STYLES:
            self.meta["keywords_text"] = clean(text(body))
            return []
        if style in ("title", "subtitle", "date", "affiliation", "author"):
            self.meta.setdefault(f"{style}_style", []).append(clean(text(body)))
            return []
        if style == "abstract title":
            return []
        if style in ("bibliography",):
            self.note("a reference list typed as text kept as paragraphs: put its works in "
                      "references.json, cite them as [@key], then remove it (the build "
                      "prints the works cited)", once="bibliography")
        if style and style not in PLAIN_STYLES and style not in CAPTION_STYLES \
                and not re.fullmatch(r"(heading|제목|overskrift|titre) ?\d|toc.*|list.*", style):
            self.note(f"paragraph style “{style_of_original(node)}” has no equivalent: "
                      "its text imported as plain paragraphs", once=f"style:{style}")
        if style in CAPTION_STYLES:
            self.note(f"a caption not next to a table or image, kept as a paragraph: "
                      f"{snippet(text(body))}")
        return self.blocks(body)

    def figure(self, figure_attr: list, caption: str, image: Node) -> Blocks:
        source = image["c"][2][0]
        if not caption:
            caption = clean(text(image["c"][1]))
        if not caption:
            self.note(f"an image without a caption ({source.rsplit('/', 1)[-1]}): "
                      "imported as a figure; write its caption")
        number = len(self.images) + 1
        entry = Image(source, caption, self.label_of("fig", caption, number), self.place(),
                      number)
        found, self._anchors = self._anchors, []
        if not self.place_image(entry):
            return []
        self.anchor_labels.update(dict.fromkeys(found, entry.label))
        self.images.append(entry)
        return [{"t": "Figure", "c": [attr(entry.label), [None, [{"t": "Plain", "c": [
            {"t": "Str", "c": caption}]}]], [{"t": "Plain", "c": [
                {"t": "Image", "c": [attr(), [{"t": "Str", "c": caption}],
                                     [entry.target, ""]]}]}]]}]

    def table(self, node: Node) -> Node:
        table_attr, caption, specs, head, bodies, foot = node["c"]
        caption_words = caption_text(caption[1])
        if not caption_words and text(caption[1]).strip():
            self.note(f"a table captioned only by its number ({snippet(text(caption[1]))}): "
                      "write its caption, ': Caption {#tbl:…}', to number it")
        rows = [*head[1], *[row for body in bodies for row in (*body[2], *body[3])], *foot[1]]
        header_rows = len(head[1])
        cells_rows = []
        for row in rows:
            cells = []
            for cell in row[1]:
                _, _, rowspan, colspan, blocks = cell
                if rowspan != 1 or colspan != 1:
                    self.note("merged table cells split: check the table", once=f"merge{id(node)}")
                parts = [b for b in blocks if b["t"] in ("Para", "Plain")]
                if len(parts) != len(blocks) or len(parts) > 1:
                    self.note("a table cell of several paragraphs or a list: joined into one "
                              "line", once=f"cell{id(node)}")
                inlines: Inlines = []
                for block in blocks:
                    inner = self.inlines(_block_inlines(block))
                    if inner:
                        inlines += ([{"t": "Space"}] if inlines else []) + inner
                cells.append(inlines)
                cells.extend([] for _ in range(colspan - 1))
            cells_rows.append(cells)
        width = max((len(r) for r in cells_rows), default=0)
        cells_rows = [r + [[] for _ in range(width - len(r))] for r in cells_rows]
        if header_rows == 0 and cells_rows:
            header_rows = 1          # a pipe table has a header row: the first row
        if header_rows > 1:
            self.note("a table with several header rows: the first one kept as header",
                      once=f"heads{id(node)}")

        def cells_row(cells):
            return [attr(), [[attr(), {"t": "AlignDefault"}, 1, 1,
                              [{"t": "Plain", "c": c}] if c else []] for c in cells]]
        label = ""
        if caption_words:
            self._tables += 1
            label = self.label_of("tbl", caption_words, self._tables)
            self.anchor_labels.update(dict.fromkeys(anchors(caption[1]) + [table_attr[0]],
                                                    label))
            self.anchor_labels.pop("", None)
        new_caption = [None, [{"t": "Plain", "c": [{"t": "Str", "c": caption_words}]}]
                       if caption_words else []]
        return {"t": "Table", "c": [
            attr(label), new_caption, [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}]] * width,
            [attr(), [cells_row(r) for r in cells_rows[:1]]],
            [[attr(), 0, [], [cells_row(r) for r in cells_rows[1:]]]],
            [attr(), []]]}

    # ---- inlines ----
    def inlines(self, inlines: Inlines) -> Inlines:
        result: Inlines = []
        for node in inlines:
            result.extend(self.inline(node))
        return _tidy(result)

    # C901 (complexity) allowed: a branch per Pandoc inline type, each a few lines.
    def inline(self, node: Node) -> Inlines:  # noqa: C901
        kind: str = node["t"]
        content: Any = node.get("c")
        if kind == "Str":
            value = unicodedata.normalize("NFC", content).translate(_INVISIBLE)
            if "FOLIOCITE" in value:
                return self.tokens_cited(value)
            return [{"t": "Str", "c": value}] if value else []
        if kind in ("Space", "SoftBreak"):
            return [{"t": "Space"}]
        if kind == "LineBreak":
            self.note("manual line breaks inside paragraphs joined with a space",
                      once="linebreak")
            return [{"t": "Space"}]
        if kind in ("Emph", "Strong", "Strikeout"):
            inner = self.inlines(content)
            return [{"t": kind, "c": inner}] if _visible(inner) else inner
        if kind in ("Underline", "SmallCaps", "Superscript", "Subscript"):
            name = {"Underline": "underlining", "SmallCaps": "small capitals",
                    "Superscript": "superscript", "Subscript": "subscript"}[kind]
            self.note(f"{name} has no equivalent: the text kept plain, e.g. "
                      f"{snippet(text(content))}", once=kind)
            return self.inlines(content)
        if kind == "Quoted":
            marks = ("“", "”") if content[0]["t"] == "DoubleQuote" else ("‘", "’")
            return [{"t": "Str", "c": marks[0]}, *self.inlines(content[1]),
                    {"t": "Str", "c": marks[1]}]
        if kind == "Cite":
            return self.cite(content)
        if kind == "Code":
            return [{"t": "Code", "c": [attr(), content[1]]}]
        if kind == "Math":
            self.note(f"an equation kept as its TeX source in code: {snippet(content[1])}")
            return [{"t": "Code", "c": [attr(), content[1]]}]
        if kind == "RawInline":
            self.note(f"raw {content[0]} content left out: {snippet(content[1])}")
            return []
        if kind == "Link":
            url = content[2][0]
            inner = self.inlines(content[1])
            if url.startswith("#"):
                self.xrefs.append((url[1:], clean(text(inner)), self.place()))
                return [{"t": "Str", "c": f"folioxref{len(self.xrefs)}x"}]
            return [{"t": "Link", "c": [attr(), inner, [url, ""]]}]
        if kind == "Image":
            self.note(f"an image inside a line of text left out "
                      f"({content[2][0].rsplit('/', 1)[-1]}): place it as a figure")
            return []
        if kind == "Note":
            saved = self.block
            body = self.blocks([b for b in content if _visible_block(b)])
            self.block = saved
            return [{"t": "Note", "c": body}] if body else []
        if kind == "Span":
            return self.span(node)
        self.note(f"{kind} left out")
        return []

    def span(self, node: Node) -> Inlines:
        (_, classes, pairs), inner = node["c"]
        values = dict(pairs)
        if "insertion" in classes or "deletion" in classes:
            what = "inserted" if "insertion" in classes else "deleted"
            self.changes.append((self.place(), f"{what} by {values.get('author', '?')}: "
                                               f"{snippet(text(inner))}"))
            return self.inlines(inner) if "insertion" in classes else []
        if "comment-start" in classes:
            self.note(f"comment by {values.get('author', '?')} left out: {snippet(text(inner))}")
            return []
        if "comment-end" in classes or "paragraph-insertion" in classes \
                or "paragraph-deletion" in classes:
            return []
        style = values.get("custom-style", "").lower()
        if style and style not in PLAIN_STYLES:
            self.note(f"character style “{values['custom-style']}” has no equivalent: the "
                      f"text kept plain, e.g. {snippet(text(inner))}", once=f"char:{style}")
        result = self.inlines(inner)
        lang = values.get("lang")
        if lang and _visible(result):
            return [{"t": "Span", "c": [attr("", [], [["lang", lang]]), result]}]
        return result

    def cite(self, content: list) -> Inlines:
        citations = []
        for citation in content[0]:
            key = self.keys.get(citation["citationId"])
            if key is None:
                self.note(f"a citation of an item the field does not describe "
                          f"({citation['citationId']}) kept as its text")
                return self.inlines(content[1])
            self.cited.append(key)
            citations.append({**citation, "citationId": key,
                              "citationPrefix": self.inlines(citation["citationPrefix"]),
                              "citationSuffix": _locator(self.inlines(
                                  citation["citationSuffix"]))})
        return [{"t": "Cite", "c": [citations, []]}]

    def tokens_cited(self, value: str) -> Inlines:
        """A LibreOffice file's Zotero citations, which stand as FOLIOCITE<n>X."""
        result: Inlines = []
        for index, part in enumerate(re.split(r"FOLIOCITE(\d+)X", value)):
            if index % 2 == 0:
                result += [{"t": "Str", "c": part}] if part else []
                continue
            data = self.tokens.get(int(part), {})
            citations = []
            for cited in data.get("citationItems") or []:
                ident = str((cited.get("itemData") or {}).get("id", cited.get("id", "")))
                if ident not in self.keys:
                    continue
                self.cited.append(self.keys[ident])
                locator = str(cited.get("locator") or "")
                suffix = ", ".join(filter(None, [
                    f"{_LOCATOR_LABELS.get(str(cited.get('label', 'page')), '')} {locator}"
                    .strip() if locator else "", str(cited.get("suffix") or "")]))
                citations.append({
                    "citationId": self.keys[ident],
                    "citationPrefix": [{"t": "Str", "c": str(cited.get("prefix") or "")}]
                    if cited.get("prefix") else [],
                    "citationSuffix": [{"t": "Str", "c": ", " + suffix}] if suffix else [],
                    "citationMode": {"t": "SuppressAuthor" if cited.get("suppress-author")
                                     else "NormalCitation"},
                    "citationNoteNum": 0, "citationHash": 0})
            if citations:
                result.append({"t": "Cite", "c": [citations, []]})
            else:
                formatted = (data.get("properties") or {}).get("plainCitation", "")
                self.note(f"a Zotero citation without its works kept as text: {formatted}")
                result += [{"t": "Str", "c": formatted}] if formatted else []
        return result

    def hand_citations(self, inlines: Inlines) -> None:
        plain = clean(text([n for n in inlines if n["t"] != "Cite"]))
        for match in [*HAND_CITATION.finditer(plain), *HAND_NARRATIVE.finditer(plain)]:
            self.note(f"a citation typed by hand left as text: {match.group(0)} — cite it "
                      "as [@key] with its entry in references.json")


    def resolve(self, markdown: str) -> str:
        """Word's cross-references (links to a caption's bookmark) as @tbl:…/@fig:…,
        which print the number; any other internal link as its text, reported."""
        def replace(match: re.Match) -> str:
            anchor, shown, place = self.xrefs[int(match.group(1)) - 1]
            label = self.anchor_labels.get(anchor)
            if label:
                return "@" + label
            self.report.append((place, f"an internal link (to a bookmark) kept as text: "
                                       f"{snippet(shown)}"))
            return re.sub(r"([\\`*_\[\]<>#!|~])", r"\\\1", shown)
        return re.sub(r"folioxref(\d+)x", replace, markdown)


def style_of_original(node: Node) -> str:
    return next((value for key, value in node["c"][0][2] if key == "custom-style"), "")


def _walk_inlines(blocks: Blocks):
    for block in blocks:
        if block["t"] in ("Plain", "Para"):
            yield from block["c"]


def _block_inlines(block: Node) -> Inlines:
    if block["t"] in ("Plain", "Para"):
        return block["c"]
    return [{"t": "Str", "c": clean(text(block))}]


def _lone_image(node: Node | None):
    """The image of a paragraph that holds only an image (and spaces)."""
    if node is None or node["t"] not in ("Para", "Plain"):
        return None
    shown = [n for n in node["c"] if n["t"] not in ("Space", "SoftBreak", "LineBreak")]
    return shown[0] if len(shown) == 1 and shown[0]["t"] == "Image" else None


def _unwrapped(node: Node) -> Node:
    """The paragraph inside a Div of a body-text style ("First Paragraph", "Normal")."""
    while node["t"] == "Div" and style_of(node) in PLAIN_STYLES | {""} \
            and len(node["c"][1]) == 1:
        node = node["c"][1][0]
    return node


def _is_caption(node: Node | None) -> bool:
    """A paragraph in a caption style (Pandoc's +styles puts it in a Div)."""
    return node is not None and node["t"] == "Div" and style_of(node) in CAPTION_STYLES


def _captioned(node: Node, caption: Node) -> Node:
    """A table, or a paragraph of one image, with the caption paragraph beside it."""
    if node["t"] == "Table":
        node["c"][1] = [None, caption["c"][1]]
        return node
    return {"t": "Figure", "c": [attr(), [None, caption["c"][1]],
                                 [{"t": "Plain", "c": [_lone_image(node)]}]]}


def caption_text(blocks: Blocks) -> str:
    """A caption's text without the number Word gave it ("Table 5.1:", "그림 2.")."""
    return clean(_CAPTION_NUMBER.sub("", clean(text(blocks))))


def anchors(node) -> list[str]:
    """The bookmarks (Pandoc: spans with an id) inside a node: what Word's
    cross-references point at."""
    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found += anchors(item)
    elif isinstance(node, dict):
        if node.get("t") == "Span" and node["c"][0][0]:
            found.append(node["c"][0][0])
        if "c" in node:
            found += anchors(node["c"])
    return found


def _visible(inlines: Inlines) -> bool:
    return any(n["t"] not in ("Space", "SoftBreak", "LineBreak") for n in inlines)


def _visible_block(block: Node) -> bool:
    return not (block["t"] in ("Para", "Plain") and not clean(text(block)))


def _tidy(inlines: Inlines) -> Inlines:
    """No space at either end, never two in a row, none around a footnote call."""
    result: Inlines = []
    for node in inlines:
        if node["t"] == "Space" and (not result or result[-1]["t"] == "Space"):
            continue
        if node["t"] == "Note" and result and result[-1]["t"] == "Space":
            result.pop()
        if (node["t"] == "Str" and result and result[-1]["t"] == "Str"):
            result[-1] = {"t": "Str", "c": result[-1]["c"] + node["c"]}
            continue
        result.append(node)
    while result and result[-1]["t"] == "Space":
        result.pop()
    return result


def _locator(suffix: Inlines) -> Inlines:
    """Pandoc's ", page 12" from a Zotero field as folio writes it: ", p. 12"."""
    value = clean(text(suffix))
    match = re.fullmatch(r",?\s*(page|pages|p\.|pp\.|chapter|section|쪽)\s+(.+)", value)
    if match:
        value = f", {_LOCATOR_LABELS[match.group(1)]} {match.group(2)}"
    elif value and not value.startswith(","):
        value = ", " + value
    return [{"t": "Str", "c": value}] if value else []


def keywords(value: str) -> list[str]:
    """"Keywords: a, b; c" as a list."""
    value = _KEYWORDS_LEAD.sub("", value)
    return [word.strip(" .") for word in re.split(r"[,;，、·]", value) if word.strip(" .")]
