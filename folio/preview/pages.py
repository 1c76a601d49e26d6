"""Page images of the built PDFs (pypdfium2), and which pages a rebuild changed.

After each rebuild the pages of a rewritten PDF whose drawing changed (their
streams, forms or images) are drawn small, before and after, and compared; the
pages whose pixels differ are the ones the document view marks. A 300-page
issue after a one-article edit draws only that article's pages, and only after
they are shown (``looks_changed``, from the preview's background thread). The images
shown at screen resolution are drawn when a page is first asked for, and kept
while the PDF stays the same.
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

SCREEN_DPI = 96
FINGERPRINT_DPI = 36
# PDFium is not thread-safe: the server's threads and the rebuild's snapshot draw
# pages one at a time. Without it, the browser benchmark got broken page images
# (a page drawn by the server while the snapshot compared pages); a test of many
# requests at once did not reproduce it, so none pins it.
PDFIUM = threading.Lock()

if TYPE_CHECKING:
    from folio.preview.early import EarlyPage


def outline(pdf: bytes) -> list[tuple[int, str, int]]:
    """The PDF's bookmarks in order: (level from 0, title, page from 1)."""
    import pypdfium2
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            found = []
            for item in document.get_toc():
                destination = item.get_dest()
                index = destination.get_index() if destination is not None else None
                if index is not None:
                    found.append((item.level, item.get_title(), index + 1))
            return found
        finally:
            document.close()


def page_keys(pdf: bytes, numbers: list[int] | None = None) -> list[str]:
    """A key per page (or per page of ``numbers``, from 1, that it has) of what
    draws it: its size, its content streams and, through its resources, every form
    and image it paints (their bytes as stored). A page whose key is unchanged
    draws the same; one whose key changed is looked at."""
    import pikepdf
    keys = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        pages = document.pages if numbers is None else [
            document.pages[n - 1] for n in numbers if n <= len(document.pages)]
        for page in pages:
            digest = hashlib.sha256(repr([float(v) for v in page.mediabox]).encode())
            _add_drawing(digest, page.obj, set(), page=True)
            keys.append(digest.hexdigest())
    return keys


def _add_drawing(digest, holder, seen: set, page: bool = False) -> None:
    import pikepdf
    if page:
        contents = holder.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    else:
        streams = [holder]                              # a form XObject is its own stream
    for stream in streams:
        if stream is not None and hasattr(stream, "read_raw_bytes"):
            digest.update(stream.read_raw_bytes())
    resources = holder.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    if xobjects is None:
        return
    for name in sorted(xobjects.keys()):
        xobject = xobjects[name]
        digest.update(name.encode())
        if xobject.objgen in seen:
            continue
        seen.add(xobject.objgen)
        if xobject.get("/Subtype") == "/Form":
            _add_drawing(digest, xobject, seen)
        else:
            digest.update(xobject.read_raw_bytes())


def page_size(pdf: Path) -> tuple[float, float]:
    """The first page's width and height in points: the document view reserves each
    page's place before its image arrives, so the reader's scroll position holds."""
    import pypdfium2
    with PDFIUM:
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            if not len(document):
                return (595.0, 842.0)
            width, height = document[0].get_size()
            return (width, height)
        finally:
            document.close()


def page_sources(sources: tuple[str, ...]) -> list[str]:
    """Page keys from what an issue's pages were put together from (its pieces and
    stamps, named by what they were laid out from: ``PdfResult.page_sources``):
    the same source, the same drawing, and no page read to know it."""
    return [hashlib.sha256(source.encode("utf-8")).hexdigest() for source in sources]


def changed_pages(before: bytes, after: bytes, known: list[str] | None = None,
                  sources: list[str] | None = None, look: bool = True
                  ) -> tuple[frozenset[int], list[str]]:
    """Page numbers (from 1) of ``after`` that look different from ``before``'s,
    or are new, and ``after``'s page keys. ``known``: ``before``'s keys, if they
    were kept; ``sources``: ``after``'s from ``page_sources``, to be compared with
    ``known`` of the same kind. Pages whose keys differ are looked at: their
    drawing hashed, then, if that differs, drawn before and after and compared
    pixel by pixel (``looks_changed``), so a page whose streams changed but whose
    picture did not is not marked. ``look=False``: not drawn; the pages whose
    drawing changed, for ``looks_changed`` to confirm later."""
    old = known or page_keys(before)
    new = sources or page_keys(after)
    candidates = [n for n in range(1, len(new) + 1) if n > len(old) or old[n - 1] != new[n - 1]]
    if sources and candidates:
        # Keys of the pages each PDF has (``candidates`` go up: those it lacks are last).
        within = [n for n in candidates if n <= len(old)]
        drawn = dict(zip(within, page_keys(before, within), strict=False))
        now = dict(zip(candidates, page_keys(after, candidates), strict=False))
        candidates = [n for n in candidates if n not in drawn or drawn[n] != now.get(n)]
    if not candidates or not look:
        return frozenset(candidates), new
    return looks_changed(before, after, candidates), new


def looks_changed(before: bytes, after: bytes, numbers) -> frozenset[int]:
    """Those of pages ``numbers`` (from 1) of ``after`` that are new or whose
    pixels, drawn small, differ from ``before``'s."""
    import pypdfium2
    changed = set()
    # The lock is taken page by page: the pages' images are drawn meanwhile.
    with PDFIUM:
        documents = pypdfium2.PdfDocument(before), pypdfium2.PdfDocument(after)
    try:
        for number in sorted(numbers):
            with PDFIUM:
                if number > len(documents[0]):
                    changed.add(number)
                    continue
                a, b = (d[number - 1].render(scale=FINGERPRINT_DPI / 72, grayscale=True)
                        .to_pil() for d in documents)
            if a.size != b.size or a.tobytes() != b.tobytes():
                changed.add(number)
    finally:
        with PDFIUM:
            for document in documents:
                document.close()
    return frozenset(changed)


def page_count(pdf: bytes) -> int:
    import pikepdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


class PageImages:
    """PNGs of pages at screen resolution, drawn on demand and kept per PDF version."""

    def __init__(self, limit: int = 400):
        self._images: dict[tuple, bytes] = {}
        self._drawing: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()
        self._limit = limit
        # The PDFs last drawn from, open, by path: (version, document). Opening one
        # is quick, but each opening reads its fonts again at its first page drawn
        # (35 ms for an issue's Korean fonts, 15 ms a page after).
        self._open: dict[str, tuple[int, Any]] = {}
        # Pages shown before their issue is written (early.py): by (PDF, page key),
        # where to draw each from, until the issue is written.
        self._early: dict[tuple[str, str], Any] = {}

    def png(self, pdf: Path, page: int, dpi: int = SCREEN_DPI,
            drawing: tuple[int, str] | None = None) -> bytes | None:
        """Page ``page`` (from 1) of ``pdf``, or None if it has no such page.
        ``drawing``: the PDF's version (mtime) and the page's key (``page_keys``) as
        the last snapshot saw them; while the file is that version, the image is kept
        by the page's key, so a page a rebuild did not change is not drawn again."""
        try:
            version = pdf.stat().st_mtime_ns
        except OSError:
            return None
        key: tuple = (str(pdf), version, page, dpi)
        if drawing is not None and drawing[0] == version:
            key = (str(pdf), drawing[1], dpi)
        with self._lock:
            if key in self._images:
                return self._images[key]
            drawn = self._drawing.get(key)      # being drawn (``draw_ahead``): wait
            if drawn is None:
                drawn = self._drawing[key] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            drawn.wait(60)
            with self._lock:
                if key in self._images:
                    return self._images[key]
            return self._draw(pdf, page, dpi, key, None)
        return self._draw(pdf, page, dpi, key, drawn)

    def _draw(self, pdf: Path, page: int, dpi: int, key: tuple,
              drawn: threading.Event | None) -> bytes | None:
        try:
            with self._lock:
                early = self._early.get((str(pdf), key[1])) if len(key) == 3 else None
            with PDFIUM:
                if early is not None:
                    image = draw_early(early, dpi / 72)
                else:
                    document = self._document(pdf)
                    if document is None or not 1 <= page <= len(document):
                        return None
                    image = document[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
            buffer = io.BytesIO()
            # The fastest compression, and for these pages also the smallest file.
            image.save(buffer, format="PNG", compress_level=1)
            data = buffer.getvalue()
            with self._lock:
                if len(self._images) >= self._limit:
                    self._images.clear()
                self._images[key] = data
            return data
        finally:
            if drawn is not None:
                with self._lock:
                    self._drawing.pop(key, None)
                drawn.set()

    def _document(self, pdf: Path):
        """``pdf`` open, as it is now; called with ``PDFIUM`` held. A document is
        kept open while the file stays the same (a replaced file keeps its old
        version readable to the open document until it is closed)."""
        import pypdfium2
        try:
            version = pdf.stat().st_mtime_ns
        except OSError:
            return None
        kept = self._open.get(str(pdf))
        if kept is not None and kept[0] == version:
            return kept[1]
        try:
            document = pypdfium2.PdfDocument(str(pdf))
        except (OSError, pypdfium2.PdfiumError):
            return None
        if kept is not None:
            kept[1].close()
        if len(self._open) >= 8:
            for _, old in self._open.values():
                old.close()
            self._open.clear()
        self._open[str(pdf)] = (version, document)
        return document

    def expect(self, pdf: Path, pages: dict[str, Any]) -> None:
        """Pages of ``pdf`` not written yet, by their keys (early.EarlyPage each): a
        snapshot that shows them gives their keys, and they are drawn from their
        pieces until ``written``."""
        with self._lock:
            for key, page in pages.items():
                self._early[(str(pdf), key)] = page

    def written(self, pdfs) -> None:
        """``pdfs`` are written (or were not, the build having stopped): their pages
        are drawn from them again."""
        names = {str(p) for p in pdfs}
        with self._lock:
            for key in [key for key in self._early if key[0] in names]:
                del self._early[key]

    def close(self, pdfs=None) -> None:
        """Close the PDFs kept open (those of ``pdfs``, or all): a rebuild that
        replaced a file, or the server stopping, lets its old version go."""
        with PDFIUM:
            for name in [name for name in self._open
                         if pdfs is None or name in {str(p) for p in pdfs}]:
                self._open.pop(name)[1].close()

    def draw_ahead(self, pages: list[tuple[Path, int, tuple[int, str] | None]]
                   ) -> threading.Thread | None:
        """Draw ``pages`` (pdf, page, drawing) in a thread, before a browser asks: the
        pages a rebuild changed are the ones an open document view asks for next.
        The thread, if one was started."""
        def draw() -> None:
            for pdf, page, drawing in pages:
                self.png(pdf, page, drawing=drawing)
        if not pages:
            return None
        thread = threading.Thread(target=draw, name="folio-draw-ahead", daemon=True)
        thread.start()
        return thread


def draw_early(page: EarlyPage, scale: float) -> Any:
    """``page`` (early.py: shown before its issue is written) drawn as the issue
    will draw it, as a PIL image (RGB); called with ``PDFIUM`` held. The stamp's
    page becomes a form drawn over the piece's page, as assemble.py draws it."""
    import pypdfium2
    piece = pypdfium2.PdfDocument(str(page.piece))
    stamps = pypdfium2.PdfDocument(str(page.stamps))
    sheet = pypdfium2.PdfDocument.new()
    try:
        sheet.import_pages(piece, [page.page])
        target = sheet[0]
        form = stamps.page_as_xobject(page.stamp, sheet)
        target.insert_obj(form.as_pageobject())
        target.gen_content()
        return target.render(scale=scale).to_pil().convert("RGB")
    finally:
        sheet.close()
        stamps.close()
        piece.close()
