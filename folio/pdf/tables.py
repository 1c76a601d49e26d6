"""A long table that a page break splits goes on as a table of its own, captioned
"(continued)".

WeasyPrint 70 repeats a table's header row (``thead``) on every page the table
reaches, but has no way to say on the later pages only that the table goes on: a
caption is printed once, and generated content cannot tell one page's fragment
from another's. (Text hidden on the first page is still in its text layer.) So
after a layout, each long table (one not kept whole, ``table.short``) that a page
break splits is cut in two where the page broke: the rows after the break become
a second table, its header row repeated and its caption a generated "(continued)"
or "Table 3 (continued)" (base.html.j2, in the page's language), which does not
count as a table of its own. The document is then laid out again; a part that
still breaks is cut again in the next round (pdf/writer.py).

Laid out apart, the two parts would each size their columns to their own rows,
and the columns would not line up from page to page. So both parts get the
columns the whole table had in the layout before the cut, as ``<col>`` widths
(shares of the table's width) under ``table-layout: fixed`` (``fixed``, base.css).
"""

from __future__ import annotations

import re

_TABLE = re.compile(r'<table\b[^>]*\bclass="(table(?: [\w-]+)*)"[^>]*>')
_ROW = re.compile(r"<tr[ >].*?</tr>\s*", re.S)
_HEAD = re.compile(r"<thead[ >].*?</thead>\s*", re.S)
_COLUMNS = re.compile(r"<colgroup>.*?</colgroup>\s*", re.S)
_GRID = re.compile(r"<thead[ >]|<tbody[ >]|<tr[ >]")     # the first tag after the columns
Cut = tuple[int, tuple[float, ...]]     # body rows on the first page; column widths


def _long(classes: str) -> bool:
    names = classes.split()
    return "table" in names and "short" not in names


def breaks(document) -> dict[int, Cut]:
    """For each long table (by order in the document, from 0) that a page break
    splits: how many of its body rows are on the page it starts on, and its columns."""
    from folio._compat import split_tables
    return split_tables(document, _long)


def split(html: str, where: dict[int, Cut]) -> str:
    """``html`` with each long table of ``where`` cut after so many body rows."""
    starts = [m.start() for m in _TABLE.finditer(html) if _long(m[1])]
    return cut(html, {starts[index]: rows for index, rows in where.items()
                      if index < len(starts)})


def cut(html: str, where: dict[int, Cut]) -> str:
    """``html`` with each table of ``where`` (by where its tag starts in ``html``)
    cut after so many body rows, the rest a table captioned "(continued)", set as
    the first part is (``fitted``: type at 90 %, pdf/figures.py), both parts with
    the given column widths (or the ones the table has from an earlier cut)."""
    cuts = []
    for start, (rows, widths) in where.items():
        match = _TABLE.match(html, start)
        if match is None:
            continue
        end = html.index("</table>", match.end())
        body = html[match.end():end]
        found = list(_ROW.finditer(body))
        head = _HEAD.search(body)
        heading = [r for r in found if head and head.start() <= r.start() < head.end()]
        rest = [r for r in found if r not in heading]
        if rows >= len(rest):
            continue
        at = match.end() + rest[rows].start()
        columns = _COLUMNS.search(body)
        grid = columns[0] if columns else _colgroup(widths)
        if grid and not columns:
            first = _GRID.search(body)
            assert first is not None        # a table with rows has a first row
            cuts.append((match.end() + first.start(), grid))
            cuts.append((match.end(1), "" if "fixed" in match[1].split() else " fixed"))
        names = ["table", "continued"] + (["numbered"] if "captioned" in match[1].split()
                                          or "numbered" in match[1].split() else []) + \
            [name for name in match[1].split() if name == "fitted"] + \
            (["fixed"] if grid else [])
        second = (f'</tbody>\n</table>\n<table class="{" ".join(names)}">\n<caption></caption>\n'
                  + grid + (head[0] if head else "") + "<tbody>\n")
        cuts.append((at, second))
    for at, second in sorted(cuts, reverse=True):
        html = html[:at] + second + html[at:]
    return html


def _colgroup(widths: tuple[float, ...]) -> str:
    """Columns of these widths, as shares of the table's width ("" if none)."""
    total = sum(widths)
    if total <= 0:
        return ""
    return "<colgroup>" + "".join(f'<col style="width: {100 * w / total:.3f}%">'
                                  for w in widths) + "</colgroup>\n"
