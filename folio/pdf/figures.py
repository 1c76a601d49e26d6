"""A figure or a short table that does not fit at the foot of a page goes after the
next paragraph.

WeasyPrint 70 has no page floats (``float`` takes only left, right and footnote;
there is no ``float: top`` or ``float-defer``): a figure too tall for what is left
of a page moves to the next page together with all the text after it, and the
rest of its page stays empty. Here, after a layout, every figure that a page
break pushed on, leaving at least ``HOLE`` of the page before it empty, trades
places with the paragraph after it, and the document is laid out again: the
paragraph fills the hole, the figure opens the next page. Figures keep their
order (one is never moved past another), so their numbers do not change. A table
of up to 15 rows (``table.short``: kept whole, base.css) is such a float too; a
longer one splits at the page break and leaves no hole. A float moved once that
still leaves a hole moves on past the next paragraph, a few times at most
(``ROUNDS``, pdf/writer.py): each round is one more layout.
"""

from __future__ import annotations

import re

HOLE = 0.12               # of a page's text area left empty before a float moved on
ROUNDS = 3                # layouts after the first, at most, to fill the holes
_FIGURE = re.compile(r'<figure class="figure"|<table\b[^>]*\bclass="table short[ "]')
_NEXT_PARAGRAPH = re.compile(r"\s*<p[ >]")


def holes(document) -> list[int]:
    """The floats (figures and short tables, by order in the document, from 0) that
    leave a hole before them."""
    from folio._compat import floats_after_holes
    return floats_after_holes(document, HOLE, _float)


def _float(tag: str | None, classes: list[str] | None) -> bool:
    """A figure, or a short table's wrapper (its caption and grid)."""
    return tag == "figure" or (tag == "table" and classes is not None and "short" in classes)


def move_after_next_paragraph(html: str, figures: list[int]) -> str:
    """``html`` with each of ``figures`` (floats, by order) after the paragraph that
    follows it, where one does (a heading, a table or another figure stays where it
    is)."""
    spans = []
    for index, match in enumerate(_FIGURE.finditer(html)):
        if index not in figures:
            continue
        close = "</figure>" if match[0].startswith("<figure") else "</table>"
        end = html.index(close, match.start()) + len(close)
        following = _NEXT_PARAGRAPH.match(html, end)
        if following is None:
            continue
        paragraph_end = html.index("</p>", following.end()) + len("</p>")
        spans.append((match.start(), end, paragraph_end))
    for start, end, paragraph_end in reversed(spans):
        html = html[:start] + html[end:paragraph_end] + "\n" + html[start:end] + \
            html[paragraph_end:]
    return html
