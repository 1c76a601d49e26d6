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
the front's metadata, output intent and document information. A tagged issue (the
screen profile's) gets one structure tree: each page's elements, in the order of
the pages, with its stamp's (the "Cite this article" line) after them.
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
        tree = _Structure(out) if "/StructTreeRoot" in out.Root else None
        for where in plan:
            chunk = stamps[where.stamps]
            stamp = stamps_pdf[where.stamps].pages[chunk.skip + where.stamp]
            if where.piece is None:
                out.pages.append(stamp)
                if tree is not None:
                    tree.page(out.pages[-1], stamps_pdf[where.stamps], stamp)
                reports.append(PageReport(chunk.report.pages[chunk.skip + where.stamp].height,
                                          (), ()))
                continue
            piece = pieces[where.piece]
            source = pieces_pdf[where.piece].pages[piece.skip + where.page]
            out.pages.append(source)
            form = out.copy_foreign(stamp.as_form_xobject())
            if tree is not None:
                tree.page(out.pages[-1], pieces_pdf[where.piece], source)
                tree.form(form, stamps_pdf[where.stamps], stamp)
            _overlay(out, out.pages[-1], form,
                     pikepdf.Name(f"/FolioStamp{len(out.pages)}"), save)
            reports.append(piece.report.pages[piece.skip + where.page])
        if tree is not None:
            tree.finish()
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
        if tree is not None:
            buffer = _in_object_streams(buffer)
        return buffer.getvalue()
    finally:
        out.close()
        for pdf in [*stamps_pdf, *pieces_pdf]:
            pdf.close()


class _Structure:
    """The issue's one structure tree, grown page by page from the pieces' trees.

    WeasyPrint tags each page apart: the elements at the top of a piece's tree each
    belong to one page (/Pg). A page copied into the issue brings its marked
    content, numbered within the page, and its key (/StructParents) into its
    piece's parent tree; it gets a key of the issue's, and its elements move under
    the issue's Document. A stamp drawn over a page (a form XObject) does the same
    with the key of the form.
    """

    def __init__(self, out: pikepdf.Pdf):
        self.out = out
        root = out.Root.StructTreeRoot
        self.document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
        self.nums = root.ParentTree.Nums
        keys = [int(self.nums[i]) for i in range(0, len(self.nums), 2)]
        self.next = max(keys, default=-1) + 1
        self.tops: dict[int, dict] = {}         # id(source pdf) -> page objgen -> elements

    def _top(self, pdf: pikepdf.Pdf) -> dict:
        if id(pdf) not in self.tops:
            found: dict = {}
            root = pdf.Root.get("/StructTreeRoot")
            if root is not None:
                document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
                kids = document.get("/K", pikepdf.Array())
                for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                    if isinstance(kid, pikepdf.Dictionary) and "/Pg" in kid:
                        found.setdefault(kid.Pg.objgen, []).append(kid)
            self.tops[id(pdf)] = found
        return self.tops[id(pdf)]

    def _copy(self, obj):
        """``obj`` of another PDF in the issue; a direct array or dictionary by its items."""
        if isinstance(obj, (pikepdf.Array, pikepdf.Dictionary, pikepdf.Stream)) \
                and obj.is_indirect:
            return self.out.copy_foreign(obj)
        if isinstance(obj, pikepdf.Array):
            return pikepdf.Array([self._copy(item) for item in obj])
        if isinstance(obj, pikepdf.Dictionary):
            return pikepdf.Dictionary({key: self._copy(obj[key]) for key in obj.keys()})
        return obj

    def _key(self, pdf: pikepdf.Pdf, key: int):
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        for index in range(0, len(nums), 2):
            if int(nums[index]) == key:
                return nums[index + 1]
        return None

    def _adopt(self, holder: pikepdf.Object, pdf: pikepdf.Pdf, page: pikepdf.Page,
               key_name: str) -> list:
        if "/StructTreeRoot" not in pdf.Root or "/StructParents" not in page.obj:
            return []
        marked = self._key(pdf, int(page.obj.StructParents))
        if marked is not None:
            self.nums.append(self.next)
            self.nums.append(self._copy(marked))
            holder[key_name] = self.next
            self.next += 1
        adopted = []
        for element in self._top(pdf).get(page.obj.objgen, ()):
            copied = self._copy(element)
            copied.P = self.document
            self.document.K.append(copied)
            adopted.append(copied)
        return adopted

    def page(self, copied: pikepdf.Page, pdf: pikepdf.Pdf, source: pikepdf.Page) -> None:
        """``copied`` (a copy of ``source``, a page of ``pdf``) in the issue's tree."""
        if "/StructParents" in copied.obj:
            del copied.obj["/StructParents"]
        self._adopt(copied.obj, pdf, source, "/StructParents")
        if "/StructTreeRoot" not in pdf.Root:
            return
        for annotation in copied.obj.get("/Annots", ()):
            if "/StructParent" in annotation:
                element = self._key(pdf, int(annotation.StructParent))
                if element is None:
                    del annotation["/StructParent"]
                    continue
                self.nums.append(self.next)
                self.nums.append(self._copy(element))
                annotation.StructParent = self.next
                self.next += 1

    def form(self, form: pikepdf.Object, pdf: pikepdf.Pdf, stamp: pikepdf.Page) -> None:
        """A stamp's form, drawn over the page just added, in the issue's tree: its
        elements are on that page, their marked content in the form (/Stm)."""
        page = self.out.pages[-1].obj
        # The stamp's page is not in the issue: its elements are copied without it
        # (it would bring its resources along, unseen).
        for element in self._top(pdf).get(stamp.obj.objgen, ()):
            _drop_pages(element)
        for element in self._adopt(form, pdf, stamp, "/StructParents"):
            self._in_form(element, form, page)

    def _in_form(self, element, form, page) -> None:
        element.Pg = page
        kids = element.get("/K")
        if kids is None:
            return
        listed = kids if isinstance(kids, pikepdf.Array) else [kids]
        moved = pikepdf.Array()
        for kid in listed:
            if isinstance(kid, int):
                moved.append(pikepdf.Dictionary(Type=pikepdf.Name.MCR, MCID=kid, Pg=page,
                                                Stm=form))
            else:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    self._in_form(kid, form, page)
                moved.append(kid)
        element.K = moved

    def finish(self) -> None:
        self.out.Root.StructTreeRoot.ParentTreeNextKey = self.next


def _in_object_streams(buffer: io.BytesIO) -> io.BytesIO:
    """The issue with its objects in object streams, as WeasyPrint writes them: the
    structure tree's many small dictionaries take a third less room. Written from
    the saved file, whose objects qpdf has numbered in the order it reached them,
    so that the same issue makes the same bytes."""
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as saved:
        packed = io.BytesIO()
        saved.save(packed, deterministic_id=True, min_version=saved.pdf_version,
                   object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return packed


def _drop_pages(element) -> None:
    """``element`` and the elements under it without their page (/Pg)."""
    if "/Pg" in element:
        del element["/Pg"]
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            _drop_pages(kid)


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
