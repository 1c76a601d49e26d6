"""Content files cut into segments, the units a translator translates, and written back.

A segment is one heading, paragraph, list item, table cell, caption, dialogue
turn or footnote of the body, or one text of the front matter (or of
``issue.yaml``). Its id names the block within its document (``p3``,
``cell1.2.1``, ``authors.1.affiliation``): a source file and its translation cut
the same way give the same ids, which is how they are aligned. Each segment also
remembers where it is written, so that a new translation replaces exactly its
text and leaves every other byte of the file as it was.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from folio.content.crossrefs import CAPTION, LABEL
from folio.errors import BuildError
from folio.i18n import inline
from folio.i18n.inline import Code

# Front-matter fields that are the same in every language, or bookkeeping.
NOT_TRANSLATED = frozenset({"type", "date", "bilingual", "source_hash", "id", "doi", "orcid",
                            "received", "accepted", "opens"})
_NOT_WORDS = re.compile(r"^\s*(\S+@\S+\.\w+|https?://\S+|[\d\s.:/+-]*)\s*$")
_TURN = re.compile(r"^([\w-]+):\s+")


@dataclass(frozen=True)
class Lines:
    """A block written on lines ``start``..``end`` (0-based, end excluded) of the file,
    its text between ``prefix`` and ``suffix`` on them."""

    start: int
    end: int
    prefix: str
    suffix: str
    continuation: str = ""        # what starts a continued line (for a line break)
    figure: tuple[str, str] = ("", "")   # an image's "![" and "](src)" around a caption


@dataclass(frozen=True)
class Cell:
    line: int                     # 0-based line of the table row
    column: int


@dataclass(frozen=True)
class Scalar:
    """A YAML scalar at characters ``start``..``end`` of the file; or, when
    ``start`` is -1, a key to insert after the sibling value ending at ``end``."""

    start: int
    end: int
    key: str = ""
    indent: int = -1              # block mapping: column of the sibling key; -1: flow


Span = Lines | Cell | Scalar


@dataclass(frozen=True)
class Segment:
    id: str
    kind: str                     # heading, paragraph, item, cell, caption, turn, quote,
    #                               footnote, or field (front matter, issue.yaml)
    text: str                     # with placeholders
    codes: tuple[Code, ...]
    line: int                     # 1-based, in its file
    span: Span | None = None


@dataclass
class Cut:
    """A file cut into segments; ``text`` is what was cut (to write back into)."""

    path: Path
    text: str
    segments: list[Segment] = field(default_factory=list)

    def by_id(self) -> dict[str, Segment]:
        return {s.id: s for s in self.segments}


def cut_markdown_file(text: str, path: Path) -> Cut:
    """Segments of a content file: its front matter's texts, then its body's blocks."""
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if not lines or lines[0].strip() != "---" or end is None:
        raise BuildError.at("the file does not start with front matter", path, 1,
                            hint="begin with a line '---', the fields (title: …), then '---'")
    cut = Cut(path, ("\ufeff" if bom else "") + text)
    shift = 1 if bom else 0
    front_start = len(lines[0]) + shift
    front = "".join(lines[1:end])
    node = _compose(front, path, 1)
    speakers: set[str] = set()
    if isinstance(node, yaml.MappingNode):
        cut.segments += _front_segments(node, front_start, 1)
        speakers = _speaker_ids(node)
    cut.segments += _body_segments(lines, end + 1, speakers, shift)
    return cut


def cut_issue_file(text: str, path: Path, source: str, target: str) -> Cut:
    """Segments of ``issue.yaml``: each ``{ko: …, en: …}`` text, as its source-language
    value; ``target`` names the translation's key, to read it or write it."""
    node = _compose(text, path, 0)
    cut = Cut(path, text)
    pairs: list[tuple[Segment, Segment | None]] = []
    _localized(node, "", source, target, pairs)
    cut.segments = [s for s, _ in pairs]
    return cut


def issue_translations(text: str, path: Path, source: str, target: str) -> Cut:
    """The translated side of ``issue.yaml``: the ``target`` values, with the same ids
    (a text without a ``target`` value is a segment to insert, with empty text)."""
    node = _compose(text, path, 0)
    cut = Cut(path, text)
    pairs: list[tuple[Segment, Segment | None]] = []
    _localized(node, "", source, target, pairs)
    cut.segments = [t for _, t in pairs if t is not None]
    return cut


def _compose(text: str, path: Path, line_offset: int):
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise BuildError.at(f"the YAML cannot be read: {getattr(error, 'problem', error)}", path,
                            mark.line + 1 + line_offset if mark else None,
                            hint="fix the quoting or indentation on that line") from None


def _front_segments(node, offset: int, line_offset: int, prefix: str = "") -> list[Segment]:
    out: list[Segment] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            key = str(key_node.value)
            if key in NOT_TRANSLATED:
                continue
            out += _front_segments(value, offset, line_offset, f"{prefix}{key}.")
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, 1):
            out += _front_segments(item, offset, line_offset, f"{prefix}{index}.")
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        value = " ".join(str(node.value).split())
        if value and not _NOT_WORDS.match(value):
            out.append(Segment(prefix.rstrip("."), "field", value, (),
                               node.start_mark.line + 1 + line_offset,
                               Scalar(offset + node.start_mark.index,
                                      offset + node.end_mark.index)))
    return out


def _speaker_ids(node) -> set[str]:
    for key_node, value in node.value:
        if key_node.value == "speakers" and isinstance(value, yaml.SequenceNode):
            return {str(v.value) for item in value.value if isinstance(item, yaml.MappingNode)
                    for k, v in item.value if k.value == "id"}
    return set()


def _localized(node, prefix: str, source: str, target: str,
               pairs: list[tuple[Segment, Segment | None]]) -> None:
    if isinstance(node, yaml.MappingNode):
        values = {str(k.value): (k, v) for k, v in node.value}
        if source in values and isinstance(values[source][1], yaml.ScalarNode):
            _, value = values[source]
            key = prefix.rstrip(".")
            text = " ".join(str(value.value).split())
            segment = Segment(key, "field", text, (), value.start_mark.line + 1,
                              Scalar(value.start_mark.index, value.end_mark.index))
            translated: Segment | None
            if target in values and isinstance(values[target][1], yaml.ScalarNode):
                tv = values[target][1]
                translated = Segment(key, "field", " ".join(str(tv.value).split()), (),
                                     tv.start_mark.line + 1,
                                     Scalar(tv.start_mark.index, tv.end_mark.index))
            else:
                last = node.value[-1][1]
                indent = -1 if node.flow_style else values[source][0].start_mark.column
                translated = Segment(key, "field", "", (), last.end_mark.line + 1,
                                     Scalar(-1, last.end_mark.index, target, indent))
            pairs.append((segment, translated))
            return
        for key_node, value in node.value:
            _localized(value, f"{prefix}{key_node.value}.", source, target, pairs)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, 1):
            _localized(item, f"{prefix}{index}.", source, target, pairs)


# C901 (complexity) allowed: one walk over markdown-it's tokens, whose state (lists, quotes,
# footnote, table cell) every branch reads.
def _body_segments(lines: list[str], first: int, speakers: set[str],  # noqa: C901
                   shift: int) -> list[Segment]:
    from folio.content.markdown import block_parser  # with nh3: only when a body is cut
    body = "".join(lines[first:])
    tokens = block_parser().parse(body, {})
    out: list[Segment] = []
    counts: dict[str, int] = {}
    containers: list[str] = []
    footnote = ""
    footnote_paragraphs = 0
    table = row = column = 0

    def number(kind: str) -> int:
        counts[kind] = counts.get(kind, 0) + 1
        return counts[kind]

    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            containers.append(kind)
        elif kind in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            containers.pop()
        elif kind == "footnote_open":
            footnote, footnote_paragraphs = str(token.meta.get("label", "")), 0
        elif kind == "footnote_close":
            footnote = ""
        elif kind == "table_open":
            table, row = number("table"), 0
        elif kind == "tr_open":
            row, column = row + 1, 0
        elif kind in ("th_open", "td_open"):
            column += 1
        elif kind != "inline" or index == 0:
            continue
        else:
            opener = tokens[index - 1]
            where = token.map or opener.map
            if where is None:
                continue
            start, end = where[0] + first, where[1] + first
            if opener.type in ("th_open", "td_open"):
                text, codes = inline.encode(token.children or [])
                if text:
                    out.append(Segment(f"cell{table}.{row}.{column}", "cell", text,
                                       tuple(codes), start + 1, Cell(start, column)))
                continue
            if opener.type == "heading_open":
                text, codes = inline.encode(token.children or [])
                level = int(opener.tag[1])
                span = _lines_span(lines, start, end, token.content)
                if opener.markup in ("=", "-") and opener.map:    # setext: written as ATX
                    span = Lines(opener.map[0] + first, opener.map[1] + first,
                                 "#" * level + " ", "")
                if text:
                    out.append(Segment(f"heading{number('heading')}", "heading", text,
                                       tuple(codes), start + 1, span))
                continue
            if opener.type != "paragraph_open":
                continue
            children = token.children or []
            if len([c for c in children if c.type != "softbreak" and
                    not (c.type == "text" and not c.content.strip())]) == 1 and \
                    any(c.type == "image" for c in children):
                image = next(c for c in children if c.type == "image")
                text, codes = inline.encode(image.children or [])
                span = _lines_span(lines, start, end, token.content)
                if span is not None:
                    src = str(image.attrs.get("src", ""))
                    title = image.attrs.get("title")
                    close = f"]({inline._url(src)}" + \
                        (f' "{inline._quote(str(title))}"' if title else "") + ")" + \
                        inline._attr_suffix({k: v for k, v in image.attrs.items()
                                             if k not in ("src", "alt", "title")})
                    span = Lines(span.start, span.end, span.prefix, span.suffix,
                                 span.continuation, ("![", close))
                out.append(Segment(f"figure{number('figure')}", "caption", text, tuple(codes),
                                   start + 1, span))
                continue
            drop = ""
            caption = _table_caption(tokens, index, lines, start, end, token)
            if caption is not None:
                out.append(caption)
                continue
            if footnote:
                footnote_paragraphs += 1
                ident, segment_kind = (f"footnote.{footnote}" + (
                    f".{footnote_paragraphs}" if footnote_paragraphs > 1 else "")), "footnote"
            elif containers and containers[-1] != "blockquote_open":
                ident, segment_kind = f"item{number('item')}", "item"
            elif containers:
                ident, segment_kind = f"quote{number('quote')}", "quote"
            else:
                first_text = children[0].content if children and children[0].type == "text" \
                    else ""
                turn = _TURN.match(first_text)
                if speakers and turn and turn[1] in speakers:
                    drop = turn[0]
                    ident, segment_kind = f"turn{number('turn')}", "turn"
                else:
                    ident, segment_kind = f"p{number('p')}", "paragraph"
            text, codes = inline.encode(children, drop)
            span = _lines_span(lines, start, end, token.content)
            if span is not None and drop:
                span = Lines(span.start, span.end, span.prefix + drop, span.suffix,
                             span.continuation)
            if text:
                out.append(Segment(ident, segment_kind, text, tuple(codes), start + 1, span))
    return out


def _table_caption(tokens, index: int, lines: list[str], start: int, end: int,
                   token) -> Segment | None:
    """A table's caption paragraph (": Member cities {#tbl:members}", right after or
    before its table): the words only, its colon and label kept as they are."""
    opener = tokens[index - 1]
    after = index >= 2 and tokens[index - 2].type == "table_close"
    before = index + 2 < len(tokens) and tokens[index + 2].type == "table_open"
    children = token.children or []
    if opener.level != 0 or not (after or before) or not children or \
            children[0].type != "text" or not CAPTION.match(children[0].content):
        return None
    lead = CAPTION.match(children[0].content)[0]  # type: ignore[index]  # checked above
    children[0].content = children[0].content[len(lead):]
    label = LABEL.search(children[-1].content) if children[-1].type == "text" else None
    if label is not None:
        children[-1].content = children[-1].content[:label.start()]
    text, codes = inline.encode(children)
    tables = sum(1 for t in tokens[:index] if t.type == "table_open")
    span = _lines_span(lines, start, end, token.content)
    if span is not None:
        span = Lines(span.start, span.end, span.prefix + lead,
                     (label[0] if label else "") + span.suffix, span.continuation)
    return Segment(f"table{max(tables, 1)}.caption", "caption", text, tuple(codes), start + 1,
                   span)


def _lines_span(lines: list[str], start: int, end: int, content: str) -> Lines | None:
    """Where the block's text starts and ends on its lines; None if it cannot be found
    (then it is not written back in place)."""
    body = [line.rstrip("\r\n") for line in lines[start:end]]
    if not body:
        return None
    parts = content.split("\n")
    first, last = parts[0], parts[-1]
    at = body[0].find(first) if first else len(body[0])
    if at < 0:
        return None
    prefix = body[0][:at]
    if len(body) == 1 or len(parts) == 1 and len(body) > 1 and body[1].strip(" =-") == "":
        tail = body[0][at + len(first):]
        if len(body) > 1:                # a setext underline: not kept
            tail = ""
    else:
        where = body[-1].rfind(last) if last else len(body[-1])
        if where < 0:
            return None
        tail = body[-1][where + len(last):]
    marker = re.match(r"^[\s>]*", prefix)
    continuation = (marker[0] if marker and ">" in marker[0] else " " * len(prefix))
    return Lines(start, end, prefix, tail, continuation)


# -- writing back ------------------------------------------------------------------

def rewrite(cut: Cut, changes: dict[str, str], codes: dict[str, tuple[Code, ...]],
            wrap: bool = True, raw: dict[str, str] | None = None,
            width: int | None = None) -> str:
    """``cut``'s file with the segments named in ``changes`` given new text (placeholders
    resolved with ``codes``, the source's); every other byte as it was.

    Every edit is a range of the file as it was cut, applied from the end backwards,
    so that one edit never moves another (a folded front-matter field that becomes
    shorter must not shift the body's paragraphs). With ``wrap``, a paragraph written
    on several lines is wrapped again at the width it had, and a folded YAML text
    (``>-``) stays folded: an import's diff shows the changed segments only.
    ``raw`` gives some blocks' lines as they are to be written (a translation's
    unchanged paragraph, moved as it was written); ``width`` the width to wrap at
    (default: each block's own).
    """
    text = cut.text
    segments = cut.by_id()
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    cells: dict[int, dict[int, str]] = {}
    newline = "\r\n" if "\r\n" in text else "\n"
    for ident, new in changes.items():
        span = segments[ident].span
        if isinstance(span, Cell):
            cells.setdefault(span.line, {})[span.column] = inline.to_markdown(
                new, list(codes[ident]), in_table=True)
        else:
            edits.append(_edit(cut, segments[ident], new, codes, lines, starts, newline,
                               wrap, raw.get(ident) if raw else None, width))
    for row, columns in cells.items():
        edits.append((starts[row], starts[row + 1], _row(lines[row], columns)))
    edits.sort(key=lambda edit: (edit[0], edit[1]), reverse=True)
    for (start, end, _), (later, _, _) in zip(edits[1:], edits, strict=False):
        if end > later:
            raise BuildError.at("two segments of the file are written on the same lines",
                                cut.path, text.count("\n", 0, start) + 1,
                                hint="put each paragraph, item or cell on lines of its own")
    for start, end, value in edits:
        text = text[:start] + value + text[end:]
    return text


# A line must not start with what would make it another block (a list item, a
# heading, a quote, a table row, a fence, HTML): such a word stays on the line before.
_RISKY_START = re.compile(r"^([-+*#>|=<]|\d+[.)]|```|~~~)")



def _edit(cut: Cut, segment: Segment, new: str, codes: dict[str, tuple[Code, ...]],
          lines: list[str],
          starts: list[int], newline: str, wrap: bool, raw: str | None,
          width: int | None) -> tuple[int, int, str]:
    """The range of ``cut``'s text a segment's new text replaces, and what replaces it:
    ``raw`` as given, a YAML scalar like the old one (or a new key), or Markdown lines
    wrapped as they were."""
    text, span = cut.text, segment.span
    if isinstance(span, Scalar) and raw is not None and span.start >= 0:
        return (span.start, span.end, raw)
    if isinstance(span, Scalar):
        if span.start >= 0:
            old = text[span.start:span.end]
            return (span.start, span.end, _scalar_like(old, new, text, span.start, wrap))
        if span.indent < 0:
            return (span.end, span.end, f", {span.key}: {_yaml_scalar(new)}")
        return (span.end, span.end,
                f"{newline}{' ' * span.indent}{span.key}: {_yaml_scalar(new)}")
    if isinstance(span, Lines) and raw is not None:
        return (starts[span.start], starts[span.end], raw)
    if isinstance(span, Lines):
        markdown = inline.to_markdown(new, list(codes[segment.id]),
                                      continuation=span.continuation)
        if span.figure[0]:
            markdown = span.figure[0] + markdown + span.figure[1]
        ending = _ending(lines[span.end - 1])
        old_lines = [line.rstrip("\r\n") for line in lines[span.start:span.end]]
        if wrap and len(old_lines) > 1 and not span.figure[0]:
            markdown = _wrap(span.prefix, markdown + span.suffix,
                             width or max(len(line) for line in old_lines),
                             span.continuation, ending or newline)
            return (starts[span.start], starts[span.end], markdown + ending)
        return (starts[span.start], starts[span.end],
                span.prefix + markdown + span.suffix + ending)
    raise BuildError.at(f"segment {segment.id} cannot be written back in place", cut.path,
                        segment.line)

def _wrap(prefix: str, markdown: str, width: int, continuation: str, newline: str) -> str:
    """``prefix`` then ``markdown`` (one block, hard breaks as line ends) wrapped at
    ``width`` characters, each continued line starting with ``continuation``; never
    inside a code span or an attribute block, never right after the prefix, and never
    so that a line would start another block."""
    out: list[str] = []
    for number, physical in enumerate(markdown.split("\n")):
        if number:
            physical = physical[len(continuation):] if physical.startswith(continuation) \
                else physical.lstrip(" ")
        current = prefix if number == 0 else continuation
        bare = current
        ticks = braces = 0
        for index, word in enumerate(physical.split(" ")):
            if index and word and ticks % 2 == 0 and braces <= 0 and current != bare and \
                    not _RISKY_START.match(word) and len(current) + 1 + len(word) > width:
                out.append(current.rstrip(" "))
                current = continuation + word
            else:
                current += (" " if index else "") + word
            ticks += word.count("`")
            braces += word.count("{") - word.count("}")
        out.append(current)
    return newline.join(out)


def _scalar_like(old: str, new: str, text: str, start: int, wrap: bool) -> str:
    """``new`` written where the YAML scalar ``old`` was, in its style: a folded block
    (``>``, ``>-``) stays folded at its width, anything else is a one-line scalar."""
    trail = old[len(old.rstrip()):]
    header, _, body = old.partition("\n")
    if wrap and header.strip()[:1] == ">" and body.strip() and new.strip():
        content = [line for line in body.split("\n") if line.strip()]
        indent = content[0][:len(content[0]) - len(content[0].lstrip(" "))]
        width = max(len(line) for line in content)
        newline = "\r\n" if "\r\n" in old else "\n"
        wrapped = textwrap.wrap(" ".join(new.split()), width=max(width - len(indent), 20),
                                break_long_words=False, break_on_hyphens=False)
        lines = [indent + line for line in wrapped]
        return header.rstrip("\r") + newline + newline.join(lines) + (trail or newline)
    # An empty value sits right after its colon: keep a space between them.
    lead = " " if not old and text[start - 1:start] == ":" else ""
    return lead + _yaml_scalar(new) + (trail if old else "")


def block_lines(cut: Cut, ident: str) -> str | None:
    """The lines a block is written on, or a front-matter text as it is written (a
    folded one on several lines only at the top level, where its indent is the
    same in any file); None: not to be moved as it is."""
    span = cut.by_id()[ident].span
    if isinstance(span, Scalar) and span.start >= 0:
        written = cut.text[span.start:span.end]
        return written if "." not in ident or "\n" not in written.rstrip() else None
    if not isinstance(span, Lines):
        return None
    return "".join(cut.text.splitlines(keepends=True)[span.start:span.end])


def wrap_width(cut: Cut) -> int | None:
    """The width a file's paragraphs are wrapped at (None: written one per line)."""
    lines = cut.text.splitlines()
    widths = [len(lines[s.span.start]) for s in cut.segments
              if isinstance(s.span, Lines) and s.span.end - s.span.start > 1]
    return max(widths) if widths else None


def _ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""


def _row(line: str, columns: dict[int, str]) -> str:
    """A table row with some cells' text replaced, its spacing (and a quote's >) kept."""
    ending = _ending(line)
    body = line[:len(line) - len(ending)]
    container = re.match(r"^[ \t]*(?:>[ \t]?)*", body)[0]  # type: ignore[index]  # matches ""
    body = body[len(container):]
    cells = re.split(r"(?<!\\)\|", body)
    leading = body.lstrip().startswith("|")
    for column, markdown in columns.items():
        index = column if leading else column - 1
        old = cells[index]
        left = old[:len(old) - len(old.lstrip())]
        right = old[len(old.rstrip()):]
        cells[index] = (left or " ") + markdown + (right or " ")
    return container + "|".join(cells) + ending


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain where YAML reads it back unchanged, else quoted."""
    try:
        # Commas and brackets end a value inside [a, b] or {k: v}: quoted everywhere.
        plain = yaml.safe_load(f"k: {value}") == {"k": value} and \
            not re.search(r"[#,\[\]{}]", value)
    except yaml.YAMLError:
        plain = False
    return value if plain and value.strip() == value and value else \
        json.dumps(value, ensure_ascii=False)
