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
"""

from __future__ import annotations

import re

_TABLE = re.compile(r'<table\b[^>]*\bclass="(table(?: [\w-]+)*)"[^>]*>')
_ROW = re.compile(r"<tr[ >].*?</tr>\s*", re.S)
_HEAD = re.compile(r"<thead[ >].*?</thead>\s*", re.S)


def _long(classes: str) -> bool:
    names = classes.split()
    return "table" in names and "short" not in names


def breaks(document) -> dict[int, int]:
    """For each long table (by order in the document, from 0) that a page break
    splits: how many of its body rows are on the page it starts on."""
    from folio._compat import split_tables
    return split_tables(document, _long)


def split(html: str, where: dict[int, int]) -> str:
    """``html`` with each long table of ``where`` cut after so many body rows."""
    starts = [m.start() for m in _TABLE.finditer(html) if _long(m[1])]
    return cut(html, {starts[index]: rows for index, rows in where.items()
                      if index < len(starts)})


def cut(html: str, where: dict[int, int]) -> str:
    """``html`` with each table of ``where`` (by where its tag starts in ``html``)
    cut after so many body rows, the rest a table captioned "(continued)", set as
    the first part is (``fitted``: type at 90 %, pdf/figures.py)."""
    cuts = []
    for start, rows in where.items():
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
        names = ["table", "continued"] + (["numbered"] if "captioned" in match[1].split()
                                          or "numbered" in match[1].split() else []) + \
            [name for name in match[1].split() if name == "fitted"]
        second = (f'</tbody>\n</table>\n<table class="{" ".join(names)}">\n<caption></caption>\n'
                  + (head[0] if head else "") + "<tbody>\n")
        cuts.append((at, second))
    for at, second in sorted(cuts, reverse=True):
        html = html[:at] + second + html[at:]
    return html
