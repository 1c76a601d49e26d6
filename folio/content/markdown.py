"""Markdown bodies to HTML fragments, with print-specific rendering.

markdown-it-py does the parsing. What is ours: footnotes rendered in place as
``float: footnote`` spans (WeasyPrint puts them at the foot of the page), an image
alone in a paragraph becomes a captioned figure, dialogue turns get a speaker
label, and every image or link to a file is checked and rewritten relative to the
publication root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from folio._compat import (
    UsedReferences,
    cjk_friendly_emphasis,
    cjk_friendly_quotes,
    count_table_cells,
    dashes_only,
    note_unpaired_marks,
)
from folio.config.reading import Reader, Record
from folio.config.schema import invisible
from folio.content import citations, crossrefs
from folio.content.model import SourceText
from folio.errors import BuildError, ProblemCollector, shown_path
from folio.files import nfc, on_disk, relative_name

_UNDEFINED_FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")
_TURN = re.compile(r"^([\w-]+):\s+")
_ONE_LINE = re.compile(r"\s*\n\s*")
_ALLOWED_SPAN_ATTRS = {"lang", "class", "id"}
SHORT_TABLE_ROWS = 15       # a table of at most this many rows is kept on one page


@dataclass
class MarkdownSource:
    """A Markdown body and where it sits, so problems point at the right line."""

    text: str
    path: Path
    line_offset: int          # file lines before the body (front matter)
    root: Path                # links may not leave the publication
    assets: Path              # second place a relative image is looked for
    speakers: dict[str, str] = field(default_factory=dict)
    allow_html: bool = False  # publication.yaml's allow_html: raw HTML, sanitised
    reader: Reader | None = None        # reads (and records) the images it names
    record: Record | None = None
    language_tag: str = ""              # BCP 47: the CSL locale of its citations
    citation_style: Path | None = None  # the CSL file its citations are set in
    korean_first: bool = False          # its references list Korean works first

    @property
    def ids(self) -> str:
        """What starts the HTML ids of its labels and references: unique in a PDF,
        whose articles, and a bilingual sheet's languages, are separate files."""
        return self.path.name.removesuffix(".md").replace(".", "-") + "-"

    @property
    def key(self) -> str:
        """The file as the HTML names it: relative to the publication."""
        return relative_name(self.path, self.root) or ""


@dataclass(frozen=True)
class Rendered:
    """A body as HTML, one string per top-level block, and its text as it will be
    printed, with the line each piece was written on (for the glyph check)."""

    blocks: list[str]
    texts: list[SourceText]
    references: list[tuple[str, str]] = field(default_factory=list)   # (HTML id, entry)

    @property
    def html(self) -> str:
        return "".join(self.blocks)


def _new_parser() -> MarkdownIt:
    # Raw HTML is recognised so that it can be refused (or sanitised) with a line
    # number, rather than printed as tag soup.
    md = MarkdownIt("commonmark", {"html": True, "typographer": True})
    md.enable(["table", "replacements", "smartquotes", "strikethrough"])
    # Typographic quotes and dashes only; (c), +-, ... and !!!! print as typed.
    dashes_only(md)
    count_table_cells(md)
    cjk_friendly_emphasis(md)
    cjk_friendly_quotes(md)
    note_unpaired_marks(md)
    md.use(footnote_plugin)
    md.use(attrs_plugin, spans=True)
    # markdown-it leaves a link or image whose URL it distrusts (file:, javascript:)
    # as literal text; here every URL reaches the checks below, which refuse it
    # with its line.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def block_parser() -> MarkdownIt:
    """Markdown cut into blocks as the build cuts it, without the typographer or the
    rules above: the translation checks and segments read quotes and dashes as
    written, so that writing a segment back changes nothing else. Made once: making
    a parser with its plugins costs more than parsing an article."""
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"])
    return md.use(footnote_plugin).use(attrs_plugin, spans=True)


def render_markdown(source: MarkdownSource, problems: ProblemCollector) -> str:
    """Render ``source`` to an HTML fragment; problems are added to ``problems``.

    Not cached: a build renders through ``markdown_cache.render_markdown_blocks``."""
    return _render_blocks(source, problems).html


def _render_blocks(source: MarkdownSource, problems: ProblemCollector) -> Rendered:
    """One HTML string per top-level block (paragraph, heading, list, table…): a
    side-by-side bilingual sheet pairs the blocks of two languages row by row."""
    md = _new_parser()
    env: dict = {"references": UsedReferences()}
    tokens = md.parse(nfc(source.text), env)
    _check_footnote_definitions(source, env, problems, _called_notes(tokens))
    _check_link_references(source, env, problems)
    _check_table_rows(source, env, problems)
    context = _Context(source, problems, md.renderer)
    context.unpaired = env.get("unpaired_marks", {})
    context.deepest = md.options["maxNesting"] - 1
    _use_rules(md.renderer.rules, context)  # type: ignore[attr-defined]
    context.labels = crossrefs.number(tokens, source.ids, context.file_line)
    _check_tokens(tokens, context, md.options["maxNesting"] - 1)
    context.link_references(tokens)
    body, context.notes = _extract_footnotes(md, tokens, env)
    groups = _top_level(body)
    blocks = [md.renderer.render(group, md.options, env) for group in groups]
    if source.allow_html:
        blocks = [_sanitised(block, source, context.file_line(group[0]), problems,
                             checked=_reported_within(group[0], context))
                  for block, group in zip(blocks, groups, strict=True)]
    blocks = [b for b in blocks if b.strip()]           # dropped comments leave nothing
    return Rendered(blocks, context.texts, context.references)


def _check_table_rows(source: MarkdownSource, env: dict, problems: ProblemCollector) -> None:
    for line, cells, header in env.get("table_rows_too_long", ()):
        problems.add(f"this table row has {cells} cells and its header {header}: the "
                     f"last {cells - header} would be lost", source.path,
                     source.line_offset + line + 1,
                     hint="add the column to the header row and its --- row, or remove "
                          "the extra cell (a | inside a cell is written \\|)")


def _use_rules(rules: dict, context: _Context) -> None:
    """The renderer's rules that check and rewrite as they render."""
    rules["footnote_ref"] = context.footnote_ref
    rules["image"] = context.image
    rules["paragraph_open"] = context.paragraph_open
    rules["paragraph_close"] = context.paragraph_close
    rules["link_open"] = context.link_open
    rules["span_open"] = context.span_open
    rules["html_block"] = context.raw_html
    rules["html_inline"] = context.raw_html
    rules["text"] = context.text_rule
    rules["table_open"] = context.table_open
    for name in ("code_block", "fence"):
        rules[name] = context.code_lines(rules[name])


def _check_tokens(tokens: list[Token], context: _Context, deepest: int) -> None:
    """Each token checked before rendering, in order: nesting, headings, notes,
    blocks; each block marked with the line it was written on."""
    level = 1                   # the document's title is its one level-1 heading
    too_deep = False
    in_note = False
    for token in tokens:
        if token.level >= deepest and not too_deep:
            # markdown-it stops parsing at its nesting limit and drops the rest.
            too_deep = True
            context.problems.add(f"lists or quotes nested more than {deepest} levels deep: "
                                 "what is deeper would be lost", context.source.path,
                                 context.file_line(token), hint="nest less deeply")
        if token.type == "heading_open":
            level = context.check_heading(token, level)
        if token.nesting == 1 and token.map and token.block:
            # Where each block was written, for messages about the laid-out page.
            token.attrSet("data-line", str(context.file_line(token)))
        in_note = _in_note(token, in_note, context)
        _check_block(token, context)


def _in_note(token: Token, in_note: bool, context: _Context) -> bool:
    """Whether the tokens after ``token`` are in a footnote; a block a footnote may
    not hold is reported."""
    if token.type == "footnote_open":
        context.note_reported = False
        return True
    if token.type == "footnote_close":
        return False
    if in_note and token.block and token.type not in _IN_A_NOTE:
        context.check_note_block(token)
    return in_note


def _check_block(token: Token, context: _Context) -> None:
    if token.type == "inline":
        context.check_inline(token)
    elif token.type in ("code_block", "fence"):
        first = context.file_line(token) + (token.type == "fence")
        context.text(token.content, first)
        # Code never wraps: a line too long for the page is reported at its line.
        token.attrSet("data-line", str(first))
        if token.type == "fence":
            context.check_fence_closed(token, context.source.text)
    elif token.type == "table_open":
        # A short table is kept whole (base.css); a row is a line of its source.
        rows = token.map[1] - token.map[0] - 2 if token.map else 0
        token.attrSet("class", "table short" if rows <= SHORT_TABLE_ROWS else "table")
    elif token.type == "html_block":
        context.check_html_block(token.content, context.file_line(token))


_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.M)


def _called_notes(tokens) -> set[str]:
    """The labels of the notes the text calls (a call inside a note prints nothing:
    notes are printed where the text calls them)."""
    called, in_note = set(), False
    for token in tokens:
        if token.type in ("footnote_open", "footnote_close"):
            in_note = token.type == "footnote_open"
        elif token.type == "inline" and not in_note:
            called |= {child.meta.get("label") for child in token.children or ()
                       if child.type == "footnote_ref"}
    return called


def _check_footnote_definitions(source: MarkdownSource, env: dict,
                                problems: ProblemCollector, called: set[str]) -> None:
    """A note defined twice (markdown-it keeps the first and prints the second as
    text) or never called from the text (it would silently vanish) is an error."""
    lines: dict[str, list[int]] = {}
    for match in _DEFINITION.finditer(source.text):
        line = source.line_offset + source.text.count("\n", 0, match.start()) + 1
        lines.setdefault(match[1], []).append(line)
    for label, found in lines.items():
        for line in found[1:]:
            problems.add(f"footnote [^{label}] is defined twice (first on line {found[0]})",
                         source.path, line, hint="give each note its own label")
    refs = (env.get("footnotes") or {}).get("refs", {})
    for label, found in lines.items():
        if f":{label}" in refs and label not in called:
            problems.add(f"footnote [^{label}] is never called: it would not be printed",
                         source.path, found[0],
                         hint=f"call it in the text with [^{label}], or delete it")


def _check_link_references(source: MarkdownSource, env: dict,
                           problems: ProblemCollector) -> None:
    """A link reference definition no link uses prints nothing, and one defined
    twice is ignored the second time: errors, as for footnotes."""
    references = env.get("references") or {}
    used: set[str] = getattr(references, "used", set())
    for label, reference in references.items():
        if label not in used:
            line = source.line_offset + reference.get("map", [0])[0] + 1
            problems.add(f"the link reference [{label.lower()}] is never used: it would not "
                         "be printed", source.path, line,
                         hint=f"link to it in the text with [text][{label.lower()}], or "
                              "delete it")
    for duplicate in env.get("duplicate_refs", ()):
        line = source.line_offset + duplicate.get("map", [0])[0] + 1
        label = duplicate.get("label", "")
        problems.add(f"the link reference [{label.lower()}] is defined twice: this one would "
                     "be ignored", source.path, line,
                     hint="give each link reference its own label, or delete one")


def _top_level(tokens) -> list[list]:
    groups: list[list] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            groups.append([])
        groups[-1].append(token)
        depth += token.nesting
    return groups


# What raw HTML may keep when a publication allows it: text structure and the
# attributes our own Markdown rendering uses. Scripts, frames, objects, links to
# stylesheets or attachments, forms, event handlers and javascript: URLs go.
_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
         "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
         "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
         "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
         "thead", "tr", "u", "ul", "wbr"}
_ATTRIBUTES = {"*": {"class", "id", "lang", "title", "dir"}, "a": {"href"},
               "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
               "th": {"colspan", "rowspan", "scope"}, "ol": {"start"}}


def _reported_within(first, context: _Context) -> bool:
    """Whether an HTML block of this top-level block was already found unclosed."""
    if not first.map:
        return False
    start = context.file_line(first)
    return any(start <= line < start + first.map[1] - first.map[0]
               for line in context.unclosed_html)


def _sanitised(block: str, source: MarkdownSource, line: int,
               problems: ProblemCollector, checked: bool = False) -> str:
    """The block sanitised; text a reader would see that the sanitiser removes with
    its element (inside <svg> or <math>, say) is an error at the block's line."""
    clean = sanitise(block)
    if checked:
        return clean
    before, after = _shown_text(block), _shown_text(clean)
    if before != after:
        at = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                  min(len(before), len(after)))
        lost = before[at:at + 30] or before[-30:]
        problems.add(f"raw HTML: the text '{lost}' would not be printed (the sanitiser "
                     "removes the element that holds it)", source.path, line,
                     hint="write the text outside that element, or in Markdown")
    return clean


class _TextOf(HTMLParser):
    """The text of HTML as a browser shows it, without its spaces: not that of
    scripts, styles, templates or comments."""

    _HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.hidden += tag in self._HIDDEN

    def handle_endtag(self, tag) -> None:
        self.hidden -= tag in self._HIDDEN and self.hidden > 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _shown_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", "", "".join(parser.parts))


def sanitise(html: str) -> str:
    """Keep harmless markup only (nh3, the Rust ammonia sanitiser)."""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, link_rel=None,
                     url_schemes={"http", "https", "mailto"}, strip_comments=True)


class _Context:
    def __init__(self, source: MarkdownSource, problems: ProblemCollector, renderer):
        self.source = source
        self.problems = problems
        self.renderer = renderer
        self.notes: dict[int, str] = {}
        self.line = source.line_offset + 1
        self.texts: list[SourceText] = []
        self.deepest = 10 ** 6                  # set from the parser's options
        self.labels = crossrefs.Labels(source.ids)
        self.references: list[tuple[str, str]] = []
        self.note_reported = False
        self.unclosed_html: set[int] = set()   # lines of HTML blocks never closed
        self.unpaired: dict[str, list[tuple[str, str, str]]] = {}

    def file_line(self, token) -> int:
        return self.source.line_offset + (token.map[0] + 1 if token.map else 1)

    def text(self, content: str, line: int) -> None:
        """Text as it will be printed: kept for the glyph check, and refused if it
        holds control characters (they print as boxes, and in the PDF's title)."""
        for offset, piece in enumerate(content.split("\n")):
            if piece:
                self.texts.append(SourceText(piece, self.source.path, line + offset))
            for char in piece:
                wrong = invisible(char)
                if wrong:
                    self.problems.add(wrong[0], self.source.path, line + offset,
                                      hint=wrong[1])
                    break
                if char == "\ufffd":
                    # What markdown-it makes of a reference to a character that
                    # cannot be printed (&#0;, &#x85;): it would print as "�".
                    self.problems.add(
                        "a character that cannot be printed (U+FFFD, shown as �) in the "
                        "text", self.source.path, line + offset,
                        hint="it comes from an &#…; reference to a control character or "
                             "from a damaged file: write the character you meant")
                    break

    # -- checks that need the whole inline run ------------------------------
    def check_inline(self, token) -> None:
        line = self.file_line(token)
        source = token.content or ""
        for run, before, after in dict.fromkeys(self.unpaired.get(source, ())):
            found = max(source.find(before + run + after), source.find(run + after))
            at = line + source.count("\n", 0, max(found, 0))
            self.problems.add(f"'{run}' next to Korean (or other CJK) text opens or closes "
                              "no emphasis: it would print as typed", self.source.path, at,
                              hint=f"put the marks right around the words, as "
                                   f"**창의도시**는 (with *, not _); for the character "
                                   f"itself write \\{run[0]}")
        for child in token.children or []:
            child.meta["file_line"] = line
            if child.level >= self.deepest:
                self.problems.add("emphasis, links and spans nested too deeply: what is "
                                  "deeper would be lost", self.source.path, line,
                                  hint="nest less deeply")
                self.deepest = 10 ** 6          # once per body
            if child.type == "text":
                self.text(child.content, line)
                for match in _UNDEFINED_FOOTNOTE.finditer(child.content):
                    self.problems.add(
                        f"footnote [^{match[1]}] has no definition", self.source.path, line,
                        hint=f"add a line '[^{match[1]}]: …' at the end of the file")
            if child.type == "code_inline":
                self.text(child.content, line)
            if child.type == "image":
                self.text(self.renderer.renderInlineAsText(child.children or [], {}, {}), line)
            if child.type == "html_inline":
                self.check_html(child.content, line)
            if child.type == "softbreak":
                line += 1

    def check_note_block(self, token) -> None:
        """A footnote is set as a run of text: a code block, list, quotation or
        table in it would be lost or flattened."""
        if token.nesting == -1:
            return
        what = _BLOCK_NAMES.get(token.type, token.type.removesuffix("_open").replace("_", " "))
        if self.note_reported:
            return
        self.note_reported = True           # once per note: the rest is inside it
        self.problems.add(f"a footnote holds only text: the {what} in it would be lost",
                          self.source.path, self.file_line(token),
                          hint="keep the note to paragraphs of text (an indented line goes "
                               "on with the note's paragraph only right after it); put "
                               "the rest in the article's text")

    def check_fence_closed(self, token, text: str) -> None:
        """A code block whose closing ``` is missing runs to the end of the text
        (or of its list or quotation), printing the rest as code."""
        lines = text.split("\n")
        start, end = token.map
        last = lines[end - 1] if end - 1 < len(lines) else ""
        closing = re.match(r"^[\s>]*(?:(?:[-*+]|\d+[.)])\s+)?([`~]{3,})\s*$", last)
        if end - start >= 2 and closing and closing[1][0] == token.markup[0] \
                and len(closing[1]) >= len(token.markup):
            return
        self.problems.add(f"this code block is never closed: everything after line "
                          f"{self.file_line(token)} would print as code",
                          self.source.path, self.file_line(token),
                          hint=f"close it with {token.markup} on a line of its own")

    def check_heading(self, token, previous: int) -> int:
        """Headings nest without gaps under the title (h1): ## first, then ###.

        Screen readers navigate by heading level, and bookmarks are built from
        them: a skipped level is a hole in both (PDF/UA requires none).
        """
        level = int(token.tag[1])
        marks = "#" * level
        if level == 1:
            self.problems.add("a level-1 heading (#) in the text: the title is the "
                              "level-1 heading", self.source.path, self.file_line(token),
                              hint="start the text's headings at ##")
        elif level > previous + 1:
            self.problems.add(f"heading level skips from {'#' * previous} to {marks}",
                              self.source.path, self.file_line(token),
                              hint=f"use {'#' * (previous + 1)} here")
        return level

    def check_html_block(self, content: str, line: int) -> None:
        """A block of raw HTML prints nothing unless the publication allows it, so
        the text it holds besides tags and comments would be lost: CommonMark lets
        a block that opens with a comment or a closing tag run on with text (to
        the comment's end, or to the next blank line). An HTML comment never
        closed would swallow the rest of the text, HTML allowed or not."""
        remaining = _without_comments(content)
        if remaining is None:
            start = content.find("<!--", _closed_comments_end(content))
            self.unclosed_html.add(line)
            self.problems.add("an HTML comment is opened (<!--) and never closed: everything "
                              "after it would be lost", self.source.path,
                              line + content.count("\n", 0, max(start, 0)),
                              hint="close the comment with --> where it should end")
            return
        opened = remaining.lstrip()
        for opener, closer in (("<![CDATA[", "]]>"), ("<?", "?>"), ("<!", ">")):
            if opened.startswith(opener) and closer not in opened[len(opener):]:
                self.unclosed_html.add(line)
                self.problems.add(f"'{opener}' is never closed ('{closer}'): everything "
                                  "after it would be lost", self.source.path, line,
                                  hint=f"close it with {closer}, or write < as &lt;")
                return
        raw = _RAW_TEXT_OPEN.match(remaining)
        if raw and not re.search(rf"</{raw[1]}\s*>", remaining, re.I):
            self.unclosed_html.add(line)
            self.problems.add(f"<{raw[1].lower()}> is never closed (</{raw[1].lower()}>): "
                              "everything after it would be taken as its content",
                              self.source.path, line,
                              hint=f"close it with </{raw[1].lower()}>")
            return
        if self.source.allow_html:
            # Its text is printed: checked as the Markdown's is (controls, glyphs).
            self.text(_strip_tags(re.sub(r"<(script|style)\b.*?</\1\s*>", "", remaining,
                                         flags=re.S | re.I)), line)
            return
        if not remaining.strip():
            return
        at = line + content.count("\n", 0, len(content) - len(remaining.lstrip()))
        text = re.sub(r"<[^>]*>", "", remaining).strip()
        if _is_comment(content):
            first = text.splitlines()[0][:40] if text else remaining.strip()[:40]
            self.problems.add(f"text after an HTML comment would not be printed: {first}",
                              self.source.path, at,
                              hint="start the text on the line after the comment's -->")
            return
        if remaining.lstrip().startswith("</"):
            if not text:
                return              # a closing tag was reported with its opening one
            closing = remaining.lstrip().split(">", 1)[0] + ">"
            self.problems.add(f"the text after {closing} would not be printed: raw HTML is "
                              "not allowed here", self.source.path, line,
                              hint=f"leave a blank line after {closing}, or delete it")
            return
        self.check_html(remaining.lstrip(), at)

    def check_html(self, content: str, line: int) -> None:
        """Raw HTML is refused unless the publication allows it; comments are dropped."""
        if self.source.allow_html or _is_comment(content) or content.startswith("</"):
            return                  # a closing tag was reported with its opening one
        tag = content.strip().splitlines()[0][:40] if content.strip() else content
        self.problems.add(f"raw HTML is not allowed here: {tag}", self.source.path, line,
                          hint="write it in Markdown, or set 'allow_html: true' in "
                               "publication.yaml (scripts, frames and the like are still "
                               "removed)")

    # -- render rules ---------------------------------------------------------
    def raw_html(self, tokens, idx, options, env):
        content = tokens[idx].content
        if not self.source.allow_html:
            return ""
        # Allowed HTML goes to the sanitiser whole: it drops the comments and keeps
        # the text after them.
        return content

    def code_lines(self, render):
        """Code keeps its lines as written (it never wraps): each line carries the
        line it was written on, so one too long for the page is reported there."""
        def rule(tokens, idx, options, env):
            html = render(tokens, idx, options, env)
            first = int(tokens[idx].attrGet("data-line") or 0)
            start = html.find(">", html.find("<code")) + 1
            end = html.rfind("</code>")
            if not first or start <= 0 or end < start:
                return html
            lines = html[start:end].split("\n")
            wrapped = "\n".join(f'<span data-line="{first + number}">{line}</span>'
                                 if line else line for number, line in enumerate(lines))
            return html[:start] + wrapped + html[end:]
        return rule

    def footnote_ref(self, tokens, idx, options, env):
        token = tokens[idx]
        note = self.notes.get(token.meta["id"], "")
        # Laid out at the foot of the page, away from its paragraph: it carries
        # its own source and line, for messages about the page.
        where = f' data-line="{token.meta.get("file_line", self.line)}"'
        if self.source.key:
            where += f' data-source="{escapeHtml(self.source.key)}"'
        return f'<span class="footnote" data-pdf-role="Note"{where}>{note}</span>'

    def paragraph_open(self, tokens, idx, options, env):
        if tokens[idx].hidden:          # paragraphs of tight lists print no <p>
            return ""
        inline = tokens[idx + 1]
        line = f' data-line="{self.file_line(tokens[idx])}"'
        if _is_figure(inline):
            tokens[idx].meta["figure"] = True
            ident = tokens[idx].meta.get("id")
            anchor = f' id="{escapeHtml(ident)}"' if ident else ""
            return f'<figure class="figure" data-pdf-role="Div"{anchor}{line}>\n'
        speaker = self._speaker(inline)
        if speaker:
            tokens[idx].meta["turn"] = True
            return (f'<div class="turn"{line}><p class="speaker">{escapeHtml(speaker)}</p>'
                    f'<p class="utterance">')
        return f"<p{line}>"

    def paragraph_close(self, tokens, idx, options, env):
        if tokens[idx].hidden:
            return ""
        opener = _matching_open(tokens, idx)
        if opener.meta.get("figure"):
            return "</figure>\n"
        if opener.meta.get("turn"):
            return "</p></div>\n"
        return "</p>\n"

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        src = self._resolve(token.attrGet("src") or "", token, "image")
        caption = self._caption(token, options, env)
        alt = escapeHtml(self.renderer.renderInlineAsText(token.children or [], options, env))
        line = token.meta.get("file_line", self.line)
        # Where the image was named, for a message if WeasyPrint cannot print it.
        where = f' data-line="{line}"'
        if self.source.key:
            where += f' data-source="{escapeHtml(self.source.key)}"'
        if token.meta.get("figure"):
            if not alt.strip():
                self.problems.add("a figure needs a description: it is its caption, and "
                                  "what a screen reader says", self.source.path, line,
                                  hint="write it between the brackets: ![A map of the "
                                       "river](figures/map.svg)")
            img = f'<img src="{escapeHtml(src)}" alt="{alt}"{where}>'
            return f'{img}\n<figcaption>{caption}</figcaption>' if caption else img
        if not alt.strip():
            # An image in the text without a description is decoration: tagged PDF
            # marks it as an artifact, which screen readers pass over.
            return f'<img src="{escapeHtml(src)}" alt="" aria-hidden="true"{where}>'
        return f'<img src="{escapeHtml(src)}" alt="{alt}"{where}>'

    def link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        href = token.attrGet("href") or ""
        scheme = urlsplit(href).scheme.lower()
        if scheme not in ("http", "https", "mailto") and not href.startswith("#"):
            href = self._resolve(href, token, "link")
        token.attrSet("href", href)
        return self.renderer.renderToken(tokens, idx, options, env)

    def span_open(self, tokens, idx, options, env):
        token = tokens[idx]
        for name in list(token.attrs):
            if name not in _ALLOWED_SPAN_ATTRS:
                self.problems.add(f"'{{{name}=…}}' is not allowed on a span",
                                  self.source.path, token.meta.get("file_line", self.line),
                                  hint="use lang, class or id")
                del token.attrs[name]
        return self.renderer.renderToken(tokens, idx, options, env)

    def table_open(self, tokens, idx, options, env):
        """A table, with its numbered caption above it when it has one."""
        token = tokens[idx]
        caption = token.meta.get("caption")
        if caption is None:
            return self.renderer.renderToken(tokens, idx, options, env)
        ident = token.meta.get("id")
        anchor = f' id="{escapeHtml(ident)}"' if ident else ""
        line = f' data-line="{self.file_line(token)}"' if token.map else ""
        text = self.renderer.renderInline(caption.children or [], options, env)
        return (f'<table class="{token.attrGet("class") or "table"} captioned"{anchor}{line}>\n'
                f"<caption>{text}</caption>\n")

    def text_rule(self, tokens, idx, options, env):
        """Text, with its citations and references to figures and tables set."""
        token = tokens[idx]
        pieces = token.meta.get("replace")
        if not pieces:
            return escapeHtml(token.content)
        out, position = [], 0
        for start, end, html in pieces:
            out += [escapeHtml(token.content[position:start]), html]
            position = end
        out.append(escapeHtml(token.content[position:]))
        return "".join(out)

    def link_references(self, tokens) -> None:
        """Find every citation and reference in the text, check it, and set it."""
        for key, _, first in self.labels.duplicates:
            self.problems.add(f"the label {{#{key}}} is used twice (first on line {first})",
                              self.source.path, _,
                              hint="give each figure and table its own label")
        found: list[tuple[Token, int, int, citations.Cite | None, str]] = []
        for inline in (t for t in tokens if t.type == "inline"):
            for child in inline.children or []:
                if child.type != "text":
                    continue
                line = child.meta.get("file_line", self.file_line(inline))
                for start, end, cite in citations.find(child.content):
                    found.append((child, start, end, cite, ""))
                for match in crossrefs.references(child.content):
                    key = f"{match['kind']}:{match['label']}"
                    target = self.labels.found.get(key)
                    if target is None:
                        known = ", ".join(f"@{k}" for k in self.labels.found) or "none"
                        self.problems.add(
                            f"@{key} refers to no {crossrefs.KINDS[match['kind']]} of this "
                            "text", self.source.path, line,
                            hint=f"label one {{#{key}}} (labels here: {known})")
                        continue
                    kind = crossrefs.KINDS[match["kind"]]
                    html = (f'<a class="xref xref-{kind}" href="#{escapeHtml(target[1])}">'
                            f"{target[0]}</a>")
                    found.append((child, match.start(), match.end(), None, html))
        cites = [(child, start, end, cite) for child, start, end, cite, _ in found if cite]
        rendered = iter(self._cite(cites) if cites else [])
        for child, start, end, maybe, html in found:        # in the text's order
            child.meta.setdefault("replace", []).append(
                (start, end, next(rendered) if maybe is not None else html))
        for child, *_ in found:
            child.meta["replace"].sort(key=lambda piece: piece[0])

    def _cite(self, cites) -> list[str]:
        source = self.source
        reader: Reader = source.reader or _PlainReader()  # type: ignore[assignment]
        files = citations.bibliography_files(source.path)
        entries = citations.read_entries(files, reader, source.record, self.problems)
        wanted = []
        missing = False
        for child, _start, _end, cite in cites:
            line = child.meta.get("file_line", self.line)
            for item in cite.items:
                if item.key.lower() in entries:
                    continue
                missing = True
                where = " or ".join(f.name for f in files[:2])
                hint = citations.did_you_mean(item.key, entries) if entries else \
                    f"write the entries in {where} (CSL JSON or BibTeX) in this folder"
                self.problems.add(f"@{item.key} is not in the bibliography", source.path,
                                  line, hint=hint)
            wanted.append(cite)
        if missing or source.citation_style is None:
            return [escapeHtml(c.text) for c in wanted]
        style = reader.read_bytes(source.citation_style, source.record, what="citation style")
        variant = citations.korean_variant(source.citation_style)
        korean = reader.read_bytes(variant, source.record, what="citation style") \
            if reader.exists(variant, source.record) else None
        processor = citations.Processor(style, source.language_tag or "en-US", entries,
                                        source.ids, wanted, source.citation_style,
                                        korean, variant, source.korean_first)
        try:
            html, self.references = processor.render()
        except BuildError as error:
            self.problems.extend(error)
            return [escapeHtml(c.text) for c in wanted]
        for ident, entry in self.references:
            key = next((e for k, e in entries.items()
                        if ident.endswith("ref-" + citations._id(k))), None)
            if key is not None:
                self.text(_strip_tags(entry), key.line)
        return html

    # -- helpers ----------------------------------------------------------------
    def _caption(self, token, options, env) -> str:
        if not token.children:
            return ""
        return self.renderer.renderInline(token.children, options, env)

    def _speaker(self, inline) -> str | None:
        children = inline.children or []
        if not self.source.speakers or not children or children[0].type != "text":
            return None
        match = _TURN.match(children[0].content)
        # Looked for in the source too: a narrator's paragraph opening with a word
        # and a colon writes the colon escaped (Note\: …), and is not a turn.
        if not match or not _TURN.match(inline.content or ""):
            return None
        name = self.source.speakers.get(match[1])
        if name is None:
            self.problems.add(f"'{match[1]}:' looks like a dialogue turn but is not a speaker",
                              self.source.path, self.file_line(inline),
                              hint="speakers: " + ", ".join(self.source.speakers) +
                                   f"; if it is not a turn, write '{match[1]}\\:'")
            return None
        children[0].content = children[0].content[match.end():]
        return name

    def _resolve(self, target: str, token, what: str) -> str:
        """Find a linked file next to the Markdown file, then under content/assets."""
        line = token.meta.get("file_line", self.line)
        parts = urlsplit(target)
        if parts.scheme or not parts.path:
            if what == "link" and parts.scheme in ("http", "https", "mailto"):
                return target           # printed as a link, never fetched
            self.problems.add(f"{what} '{target}' is not a file of the publication",
                              self.source.path, line,
                              hint="the build reads nothing from the network or outside "
                                   "the publication: save the file under content/assets/")
            return target
        relative = unquote(parts.path)
        root = self.source.root.resolve()
        reader = self.source.reader
        for base in (self.source.path.parent, self.source.assets):
            candidate = on_disk(base / relative)
            found = reader.exists(candidate, self.source.record) if reader is not None \
                else candidate.is_file()
            if not found:
                continue
            resolved = candidate.resolve()
            try:
                inside = resolved.relative_to(root)
            except ValueError:
                self.problems.add(f"{what} '{target}' points outside the publication",
                                  self.source.path, line,
                                  hint="copy the file into content/assets/")
                return target
            if what == "image" and reader is not None:
                self._check_image(candidate, target, line)
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            return str(PurePosixPath(*inside.parts)) + fragment
        self.problems.add(f"{what} '{target}' not found", self.source.path, line,
                          hint=f"looked in {shown_path(self.source.path.parent, root)}/ "
                          f"and {shown_path(self.source.assets, root)}/; check the file name")
        return target

    def _check_image(self, path: Path, target: str, line: int) -> None:
        """The image is read (and recorded) here, and must be whole: WeasyPrint
        would print what it can of a damaged one, or nothing, without an error."""
        assert self.source.reader is not None
        try:
            data = self.source.reader.read_bytes(path, self.source.record,
                                                 (self.source.path, line), "image")
        except BuildError as error:
            self.problems.extend(error)
            return
        wrong = image_problem(data, path.suffix.lower())
        if wrong:
            self.problems.add(f"image '{target}' {wrong}", self.source.path, line,
                              hint="export the image again (PNG, JPEG or SVG)")


IMAGE_TYPES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF",
               ".webp": "WEBP", ".svg": "SVG"}


def image_problem(data: bytes, suffix: str) -> str | None:
    """Why ``data`` is not a whole image of the kind its name says, or None."""
    kind = IMAGE_TYPES.get(suffix)
    if kind is None:
        return f"is not an image file ({', '.join(sorted(IMAGE_TYPES))})"
    if kind == "SVG":
        import xml.etree.ElementTree as ET
        try:
            root = ET.fromstring(data)
        except ET.ParseError as error:
            return f"is not a valid SVG drawing ({error})"
        if not root.tag.endswith("svg"):
            return "is not an SVG drawing (its first element is not <svg>)"
        return None
    import io

    from PIL import Image, ImageFile, UnidentifiedImageError

    # WeasyPrint, once imported, tells Pillow to accept truncated images (and
    # print the part that survived); this check must not.
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != kind:
                return f"is a {image.format} image with a {suffix} name"
            image.load()                # decodes it all: a truncated file fails here
    except UnidentifiedImageError:
        return "is not an image"
    except (OSError, SyntaxError, ValueError) as error:
        return f"is damaged ({error})"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    return None


class _PlainReader:
    """Files read directly, for a source rendered without the publication's Reader."""

    def exists(self, path: Path, record=None) -> bool:
        return path.is_file()

    def read_bytes(self, path: Path, record=None, *args, **kwargs) -> bytes:
        return path.read_bytes()


def _strip_tags(html: str) -> str:
    from html import unescape
    return unescape(re.sub(r"<[^>]+>", "", html))


def _is_figure(inline) -> bool:
    children = [c for c in inline.children or []
                if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"]
    if len(children) == 1 and children[0].type == "image":
        children[0].meta["figure"] = True
        return True
    return False


def _matching_open(tokens, idx):
    depth = 0
    for index in range(idx, -1, -1):
        depth += tokens[index].nesting
        if depth == 0:
            return tokens[index]
    return tokens[idx]


def _extract_footnotes(md: MarkdownIt, tokens, env) -> tuple[list, dict]:
    """Take the footnote block out of the flow and render each note as inline HTML."""
    body, notes = [], {}
    current: list | None = None
    current_id = None
    for token in tokens:
        if token.type == "footnote_block_open" or token.type == "footnote_block_close":
            continue
        if token.type == "footnote_open":
            current, current_id = [], token.meta["id"]
            continue
        if token.type == "footnote_close":
            paragraphs = [md.renderer.renderInline(  # type: ignore[attr-defined]
                t.children or [], md.options, env) for t in current or () if t.type == "inline"]
            # WeasyPrint 70 breaks a footnote's line at every newline in its source.
            notes[current_id] = _ONE_LINE.sub(" ", " ".join(p.strip() for p in paragraphs))
            current = None
            continue
        if current is not None:
            if token.type == "inline":
                token.children = [c for c in token.children or []
                                  if c.type != "footnote_anchor"]
            current.append(token)
        else:
            body.append(token)
    return body, notes


# What a footnote may hold: it is printed as a run of text at the foot of the page.
_IN_A_NOTE = {"paragraph_open", "paragraph_close", "inline", "footnote_open",
              "footnote_close", "footnote_block_open", "footnote_block_close"}

_BLOCK_NAMES = {"code_block": "indented code block", "fence": "code block",
                "bullet_list_open": "list", "ordered_list_open": "list",
                "blockquote_open": "quotation", "heading_open": "heading",
                "table_open": "table", "hr": "rule", "html_block": "HTML block"}


def _is_comment(content: str) -> bool:
    return content.strip().startswith("<!--")


# CommonMark's HTML blocks of the first kind: they run on, across blank lines, to
# their closing tag, or to the end of the text when it is missing.
_RAW_TEXT_OPEN = re.compile(r"\s*<(script|pre|style|textarea)(?=[\s>/]|$)", re.I)

# A comment as CommonMark 0.31 and HTML end it: <!--> and <!---> are whole comments.
_COMMENT = re.compile(r"<!--(?:-?>|.*?-->)", re.S)


def _closed_comments_end(content: str) -> int:
    """Where the last whole comment of ``content`` ends (0 if none)."""
    ends = [m.end() for m in _COMMENT.finditer(content)]
    return ends[-1] if ends else 0


def _without_comments(content: str) -> str | None:
    """``content`` with its HTML comments taken out; None if one is never closed."""
    remaining = _COMMENT.sub("", content)
    return None if "<!--" in remaining else remaining
