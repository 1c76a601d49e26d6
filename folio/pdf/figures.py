"""A figure or a short table that does not fit at the foot of a page goes to the
next page while the text after it runs on and fills the page.

WeasyPrint 70 has no page floats (``float`` takes only left, right and footnote;
there is no ``float: top`` or ``float-defer``): a figure too tall for what is left
of a page moves to the next page together with all the text after it, and the
rest of its page stays empty. Here, after a layout, every figure that a page
break pushed on, leaving more than ``HOLE`` of the page above its footnotes empty,
moves after as many of the blocks of text that follow it (paragraphs, lists; a
heading with the block after it) as fill the hole, measured on that layout: the
last of them runs on over the page break. Floats right after it move with it;
floats keep their order, so their numbers do not change. A table of up to 15
rows (``table.short``: kept whole, base.css) is such a float too; a longer one
splits at the page break and leaves no hole. Where nothing can come up (a short
table ends its article, or another float follows it), the short table splits at
the hole instead, its header row repeated and "(continued)" on the next page, if
``FEWEST_ROWS`` go on each side, its type at ``FITTED`` size if only so. A figure
with no text after it but short tables lets them go first (tables and figures
are numbered apart), and the first of them fills the hole or splits there. Each
round is one more layout (``ROUNDS`` at most, pdf/writer.py).
"""

from __future__ import annotations

import re
from typing import NamedTuple

HOLE = 0.10               # of the text area left empty before a float moves on (goal: 12 %)
FITTED = 0.9              # the type of a short table split at a hole, if it must
FEWEST_ROWS = 3           # body rows on each side of a short table split at a hole
ROUNDS = 6                # layouts after the first, at most, to fill the holes
_FIGURE = re.compile(r'<figure class="figure"|<table\b[^>]*\bclass="table short[ "]')


Fit = tuple[int, bool]    # rows a hole holds, and whether only at FITTED size


class Hole(NamedTuple):
    """What can fill the hole a float leaves: the blocks of text after it it must
    go past (the last one runs on over the page break), and, for a short table,
    how it would split at the hole (``_rows_within``)."""
    blocks: int
    fit: Fit | None
    columns: tuple[float, ...] = ()     # a short table's, laid out whole


def holes(document) -> dict[int, Hole]:
    """The floats (figures and short tables, by order in the document, from 0) that
    leave a hole before them, and what can fill it."""
    from folio._compat import floats_after_holes
    return {index: Hole(found.blocks, _rows_within(found) if found.is_table else None,
                        found.columns)
            for index, found in floats_after_holes(document, HOLE, _float).items()}


def _rows_within(found) -> Fit | None:
    """How many body rows of a short table (its caption and header row above them)
    the hole before it would hold, if both that and the rest are ``FEWEST_ROWS`` at
    least: at full size, else at ``FITTED`` size, else two rows at ``FITTED`` size;
    None for a table that will not split so."""
    room = found.room - found.dropped_margin     # a margin dropped at a page's top
    rows = found.rows
    for scale, fewest in ((1.0, FEWEST_ROWS), (FITTED, FEWEST_ROWS), (FITTED, 2)):
        # Type, padding and margins scale with the type; the rules do not (slack).
        fit = sum(1 for bottom in rows if bottom * scale + (scale < 1) * 3 <= room)
        # Whole, it still did not fit (what follows it is kept with it): the rest
        # goes on, as many rows as a part must have.
        fit = min(fit, len(rows) - fewest)
        if fit >= fewest:
            return fit, scale < 1
    return None


def _float(tag: str | None, classes: list[str] | None) -> bool:
    """A figure, or a short table's wrapper (its caption and grid)."""
    return tag == "figure" or (tag == "table" and classes is not None and "short" in classes)


_BLOCK = re.compile(r"\s*<(p|ul|ol|dl|blockquote|h[2-6])\b")
_HEADING = re.compile(r"h[2-6]")


def _block_end(html: str, start: int) -> int | None:
    """Where the block of running text at ``start`` (after white space) ends, or
    None if what comes there is not one (a figure, a table, the article's end)."""
    match = _BLOCK.match(html, start)
    if match is None:
        return None
    tag = match[1]
    opening, closing = re.compile(rf"<{tag}\b"), f"</{tag}>"
    depth, at = 1, match.end()
    while depth:
        close = html.find(closing, at)
        if close < 0:
            return None
        depth += len(opening.findall(html, at, close)) - 1
        at = close + len(closing)
    return at


def _float_end(html: str, match: re.Match) -> int:
    close = "</figure>" if match[0].startswith("<figure") else "</table>"
    return html.index(close, match.start()) + len(close)


def _space(html: str, at: int) -> int:
    """How much white space ``html`` has at ``at``."""
    return len(html[at:at + 200]) - len(html[at:at + 200].lstrip())


def move_on(html: str, found: dict[int, Hole]) -> str:
    """``html`` with each float of ``found`` after the blocks of text that must come
    up to fill its hole (paragraphs, lists, quotations; a heading with the block
    after it), as many as follow it before another float or the article's end.
    Where no text follows, a figure with short tables right after it lets them go
    first (``_tables_first``)."""
    spans: list[tuple[int, int, str]] = []      # (start, end, what replaces it)
    matches = list(_FIGURE.finditer(html))
    moving = 0                                  # where the last group moved ends
    for index, match in enumerate(matches):
        if index not in found or match.start() < moving:
            continue
        group = [match]
        # Floats right after it (a figure and then a table) move with it, in order.
        while (following := _FIGURE.match(html, _float_end(html, group[-1])
                                          + _space(html, _float_end(html, group[-1])))):
            group.append(following)
        end = _float_end(html, group[-1])
        text_end = _text_end(html, end, found[index].blocks)
        if text_end is not None:
            spans.append((match.start(), text_end,
                          html[end:text_end] + "\n" + html[match.start():end]))
            moving = end
        elif (reordered := _tables_first(html, group)) is not None:
            spans.append((match.start(), end, reordered))
            moving = end
    for start, stop, replacement in reversed(spans):
        html = html[:start] + replacement + html[stop:]
    return html


def _text_end(html: str, at: int, blocks: int) -> int | None:
    """Where the ``blocks`` blocks of text at ``at`` end (fewer if fewer follow
    before a float or the article's end; a heading goes with the block after it:
    a float never stands under one), or None if none follows."""
    tags: list[str] = []
    ends: list[int] = []
    while len(ends) < blocks or (tags and _HEADING.fullmatch(tags[-1])):
        block, stop = _BLOCK.match(html, at), _block_end(html, at)
        if block is None or stop is None:
            break
        tags.append(block[1])
        ends.append(stop)
        at = stop
    while tags and _HEADING.fullmatch(tags[-1]):
        tags.pop()
        ends.pop()
    return ends[-1] if ends else None


def _tables_first(html: str, group: list[re.Match]) -> str | None:
    """A figure that left a hole, with no text after it to fill the hole but short
    tables right after it: the group with its tables first, then its figures, each
    kind in its order (tables and figures are numbered apart, so no number
    changes). The table that now meets the hole fits it, or splits there
    (``at_article_ends``: another float follows it). None if it has no such table."""
    kinds = [m[0].startswith("<table") for m in group]
    if kinds[0] or not any(kinds):
        return None
    parts = [html[m.start():_float_end(html, m)] for m in group]
    return "\n".join([p for p, table in zip(parts, kinds, strict=True) if table]
                     + [p for p, table in zip(parts, kinds, strict=True) if not table])


def at_article_ends(html: str, found: dict[int, Hole]) -> dict[int, Hole]:
    """Of ``found``, the short tables that no block of text follows in ``html``
    (their article ends with them: nothing can come up to fill the hole), with how
    they fit the hole (``Hole.fit`` set)."""
    ends = {}
    for index, match in enumerate(_FIGURE.finditer(html)):
        hole = found.get(index)
        end = html.find("</table>", match.start()) + len("</table>")
        if hole and hole.fit and match[0].startswith("<table") and \
                _block_end(html, end) is None:
            ends[index] = hole
    return ends


def split_at_holes(html: str, ends: dict[int, Hole], before: int) -> str:
    """``html`` with the first short table of ``ends`` (``at_article_ends``), if it
    starts ``before`` any other change of this round (the layout it was measured in
    still holds there), no longer kept whole but cut where the hole before it ends,
    the rest "(continued)" on the next page (pdf/tables.py); ``fitted`` (its type
    at 90 %) if only so it fits; both parts with the columns it had whole."""
    from folio.pdf import tables
    starts = [(match.start(), ends[index]) for index, match in enumerate(_FIGURE.finditer(html))
              if index in ends and match.start() < before]
    for start, hole in starts[:1]:
        assert hole.fit is not None             # at_article_ends keeps only these
        rows, fitted = hole.fit
        html = tables.cut(html, {start: (rows, hole.columns)})
        tag = _FIGURE.match(html, start)
        assert tag is not None
        at = tag.end() - 1 - len(" short")      # the class: "table short[ ...]"
        html = html[:at] + (" fitted" if fitted else "") + html[at + len(" short"):]
    return html


def first_change(before: str, after: str) -> int:
    """Where ``after`` first differs from ``before`` (a binary search on slices)."""
    low, high = 0, min(len(before), len(after))
    while low < high:
        middle = (low + high + 1) // 2
        if before[:middle] == after[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
