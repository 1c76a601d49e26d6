"""A side-by-side bilingual sheet fills its page: its type grows, within limits,
and what is left is shared above and below the text.

A notice with its translation side by side is short: laid out at a table's 8.8 pt
(base.css) it filled half an A4 sheet. After the first layout, a one-page sheet
that leaves more than ``EMPTY`` of its page blank is laid out again with its
text (the table of pairs: paragraphs and details; the titles keep their size)
larger, step by step up to ``LARGEST``, keeping the largest size that still fits
on one page; the blank still left below the text is then split, half of it put
above the text, so the block sits in the middle of the space under the masthead.
Each step is one more layout of a one-page sheet.
"""

from __future__ import annotations

import re

EMPTY = 0.12              # of the page's text area left blank, at most, before growing
BASE = 8.8                # pt: the side-by-side text's size (a table's, base.css)
LARGEST = 11.0            # pt: the most it grows (25 %)
STEP = 0.5                # pt
_SHEET = re.compile(r'<body class="[^"]*\bside-by-side\b')


def is_sheet(html: str) -> bool:
    return _SHEET.search(html) is not None


def blank(document) -> float:
    """The share of the page's text area below the last line (one-page documents)."""
    from folio._compat import blank_below
    return blank_below(document.pages[0])


def styled(html: str, size: float, above: float = 0.0) -> str:
    """``html`` with the sheet's text at ``size`` pt and ``above`` pt of space over it."""
    style = (f"<style>body.side-by-side .pairs {{ font-size: {size:g}pt; "
             f"padding-top: {above:.1f}pt; }}</style>")
    return html.replace("</head>", style + "</head>", 1)


def fill(html: str, document, lay_out):
    """The document of ``html`` (a side-by-side sheet) laid out to fill its page;
    ``lay_out(html)`` lays a version out."""
    if not is_sheet(html) or len(document.pages) != 1 or blank(document) <= EMPTY:
        return document
    best, size = document, BASE
    while size + STEP <= LARGEST:
        trial = lay_out(styled(html, size + STEP))
        if len(trial.pages) != 1 or blank(trial) < 0.02:
            break
        best, size = trial, size + STEP
    left = blank(best)
    if left <= 0.02:
        return best
    from folio._compat import text_area_height
    above = left * text_area_height(best.pages[0]) / 2 * 0.75          # CSS px to pt
    centred = lay_out(styled(html, size, above))
    return centred if len(centred.pages) == 1 else best
