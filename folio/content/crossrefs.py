"""Numbered tables and figures, their labels, and references to them.

A figure is labelled on its image, ``![A map](map.svg){#fig:map}``; a table by
its caption, a paragraph right after (or before) it that starts with a colon,
``: Member cities {#tbl:cities}`` (``Table:`` works too, as in pandoc). In the
text, ``@fig:map`` and ``@tbl:cities`` become "Figure 1", "표 1", linked to what
they name. Numbers count per article, as the captions' CSS counters do: every
figure, and every table with a caption. The word ("Figure", "그림") is the
template's, through gettext; the number is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

KINDS = {"fig": "figure", "tbl": "table"}
REFERENCE = re.compile(r"(?<![\w@])@(?P<kind>fig|tbl):(?P<label>[A-Za-z0-9_-]+)")
CAPTION = re.compile(r"^(?:Table|표)?:\s+")      # what starts a table's caption paragraph
LABEL = re.compile(r"\s*\{#(?P<kind>tbl|fig):(?P<label>[A-Za-z0-9_-]+)\}\s*$")


@dataclass
class Labels:
    """The labels of one document: ``kind:label`` → (number, HTML id, line)."""

    prefix: str
    found: dict[str, tuple[int, str, int]] = field(default_factory=dict)
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, kind: str, label: str, number: int, line: int) -> str:
        key = f"{kind}:{label}"
        ident = f"{self.prefix}{kind}-{label}"
        if key in self.found:
            self.duplicates.append((key, line, self.found[key][2]))
        else:
            self.found[key] = (number, ident, line)
        return ident


def is_figure_paragraph(inline: Token) -> bool:
    children = [c for c in inline.children or []
                if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"]
    return len(children) == 1 and children[0].type == "image"


def number(tokens: list[Token], prefix: str, line_of) -> Labels:
    """Number figures and captioned tables; move each table's caption paragraph into
    its ``table_open`` token (``meta["caption"]``: the inline token, ``meta["id"]``)."""
    labels = Labels(prefix)
    figures = tables = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "paragraph_open" and index + 1 < len(tokens) \
                and is_figure_paragraph(tokens[index + 1]):
            figures += 1
            image = next(c for c in tokens[index + 1].children or [] if c.type == "image")
            ident = str(image.attrs.pop("id", "") or "")
            if ident.startswith("fig:"):
                token.meta["id"] = labels.add("fig", ident[4:], figures, line_of(token))
            elif ident:
                image.attrs["id"] = ident
        if token.type == "table_open" and token.level == 0:
            end = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close")
            caption = _caption_at(tokens, end + 1) or _caption_at(tokens, index - 3)
            if caption is not None:
                tables += 1
                start, inline = caption
                label = _take_label(inline)
                token.meta["caption"] = inline
                token.meta["number"] = tables
                if label is not None:
                    kind, name = label
                    token.meta["id"] = labels.add(kind, name, tables, line_of(token))
                del tokens[start:start + 3]
                if start < index:
                    index -= 3
        index += 1
    return labels


def _caption_at(tokens: list[Token], start: int) -> tuple[int, Token] | None:
    if start < 0 or start + 2 >= len(tokens):
        return None
    opening, inline = tokens[start], tokens[start + 1]
    if opening.type != "paragraph_open" or opening.level != 0 or inline.type != "inline":
        return None
    children = inline.children or []
    if not children or children[0].type != "text" or not CAPTION.match(children[0].content):
        return None
    children[0].content = CAPTION.sub("", children[0].content, count=1)
    return start, inline


def _take_label(inline: Token) -> tuple[str, str] | None:
    children = inline.children or []
    if not children or children[-1].type != "text":
        return None
    match = LABEL.search(children[-1].content)
    if match is None:
        return None
    children[-1].content = children[-1].content[:match.start()]
    return ("tbl" if match["kind"] == "tbl" else "fig"), match["label"]


def references(text: str) -> list[re.Match]:
    return list(REFERENCE.finditer(text))
