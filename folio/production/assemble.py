"""An issue put together from the PDFs of its parts, as if laid out whole.

An issue laid out by articles (pipeline/parts.py) arrives as: the front (cover,
board, contents, with its own running heads and folios), one PDF per run of
articles and one for the colophon (laid out without running heads or folios),
and the stamps: documents of empty pages, one page for each page of the issue
after the front, that have the running heads, folios and draft band. Each page
of the issue is a front page, or a part's page with its stamp printed over it
(a form XObject), or a stamp page alone (a blank page).

Then what WeasyPrint does once for a whole document is done for the whole issue:
one named destination tree, links from the contents to the articles (written by
the front as ``folio-part:`` addresses), one outline built with WeasyPrint's own
nesting rules from the parts' reports, one cut of each font (fontmerge.py), and
the front's metadata, output intent and document information.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf

from folio._compat import bookmark_tree
from folio.pdf.writer import PageReport
from folio.production.fontmerge import merge_fonts
from folio.production.pieces import PagePlan, Piece

PART_LINK = "folio-part:"


def assemble(front: Piece, pieces: list[Piece], stamps: list[Piece], plan: list[PagePlan],
             hinting: bool = False,
             before_saving: Callable[[pikepdf.Pdf], None] = lambda pdf: None) -> bytes:
    """The issue's PDF: the front's pages, then ``plan``'s pages. ``before_saving``
    may add to it (metadata), which saves writing it twice."""
    stamps_pdf = [pikepdf.open(piece.pdf) for piece in stamps]
    pieces_pdf = [pikepdf.open(piece.pdf) for piece in pieces]
    out = pikepdf.open(front.pdf)
    try:
        reports: list[PageReport] = list(front.report.pages)
        save = out.make_stream(b"q\n")
        for where in plan:
            chunk = stamps[where.stamps]
            stamp = stamps_pdf[where.stamps].pages[chunk.skip + where.stamp]
            if where.piece is None:
                out.pages.append(stamp)
                reports.append(PageReport(chunk.report.pages[chunk.skip + where.stamp].height,
                                          (), ()))
                continue
            piece = pieces[where.piece]
            out.pages.append(pieces_pdf[where.piece].pages[piece.skip + where.page])
            _overlay(out, out.pages[-1], out.copy_foreign(stamp.as_form_xobject()),
                     pikepdf.Name(f"/FolioStamp{len(out.pages)}"), save)
            reports.append(piece.report.pages[piece.skip + where.page])
        _names(out, pieces_pdf)
        _links(out)
        _outline(out, reports)
        sources = [(out.pages[0], front.report)]
        sources += [(pdf.pages[0], piece.report)
                    for pdf, piece in zip([*stamps_pdf, *pieces_pdf], [*stamps, *pieces],
                                          strict=True)]
        merge_fonts(out, [(fonts, report.fonts) for fonts, report in _fonts(out, sources)],
                    hinting)
        before_saving(out)
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True, min_version=out.pdf_version)
        return buffer.getvalue()
    finally:
        out.close()
        for pdf in [*stamps_pdf, *pieces_pdf]:
            pdf.close()


def _names(out: pikepdf.Pdf, pieces: list[pikepdf.Pdf]) -> None:
    """Every part's named destinations (anchors) in the issue's one tree; their page
    references point to the copied pages (qpdf maps them as it copied the pages)."""
    if "/Names" not in out.Root:
        out.Root.Names = pikepdf.Dictionary()
    if "/Dests" not in out.Root.Names:
        out.Root.Names.Dests = out.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array()))
    tree = pikepdf.NameTree(out.Root.Names.Dests)
    for pdf in pieces:
        names = pdf.Root.get("/Names")
        if names is None or "/Dests" not in names:
            continue
        for name, destination in pikepdf.NameTree(names.Dests).items():
            if name not in tree:
                tree[name] = pikepdf.Array(
                    out.copy_foreign(item) if getattr(item, "is_indirect", False) else item
                    for item in destination)


def _links(out: pikepdf.Pdf) -> None:
    """The contents' links to articles in other parts, made links inside the issue."""
    for page in out.pages:
        for annotation in page.get("/Annots", ()):
            action = annotation.get("/A")
            if action is None or action.get("/S") != "/URI":
                continue
            uri = str(action.URI)
            if uri.startswith(PART_LINK):
                del annotation["/A"]
                annotation.Dest = pikepdf.String(uri[len(PART_LINK):])


def _outline(out: pikepdf.Pdf, reports: list[PageReport]) -> None:
    """The outline WeasyPrint would write for the whole issue."""
    if "/Outlines" in out.Root:
        del out.Root["/Outlines"]
    tree = bookmark_tree([(report.height, list(report.bookmarks)) for report in reports])
    with out.open_outline() as outline:
        outline.root.extend(_items(tree, out))


def _items(tree: list, out: pikepdf.Pdf) -> list[pikepdf.OutlineItem]:
    items = []
    for label, (page, x, y), children, state in tree:
        item = pikepdf.OutlineItem(label, page, pikepdf.PageLocation.XYZ, left=x, top=y,
                                   zoom=0)
        item.children.extend(_items(children, out))
        item.is_closed = state == "closed"
        items.append(item)
    return items


def _fonts(out: pikepdf.Pdf, sources):
    """The /Font dictionary of each source document, as copied into ``out``, with the
    document's report. WeasyPrint gives all pages of a document one resource
    dictionary, so its first page's is the document's."""
    found = []
    seen: set[tuple[int, int]] = set()
    for page, report in sources:
        resources = page.obj.get("/Resources")
        if resources is None or "/Font" not in resources:
            continue
        fonts = resources.Font if page.obj.is_owned_by(out) else \
            out.copy_foreign(resources.Font)
        if fonts.objgen not in seen:
            seen.add(fonts.objgen)
            found.append((fonts, report))
    return found


def _overlay(pdf: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object, name: pikepdf.Name,
             save: pikepdf.Object) -> None:
    """``page.add_overlay(form)`` under a name of our choosing: pikepdf draws a
    random one, and the same issue must make the same bytes. One name per page of
    the issue, as WeasyPrint's pages share one resource dictionary.

    The page's own content stream is kept as it is, compressed, between ``save``
    (one ``q`` stream for every page) and the stamp's placement: joined into one
    stream, each page's drawing would be decompressed here and compressed again
    when the issue is written, most of the time it took."""
    page.add_resource(form, pikepdf.Name.XObject, name=name)
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    contents = page.obj.Contents
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    page.obj.Contents = pikepdf.Array([save, *streams, pdf.make_stream(b"Q\n" + placement)])
