"""PDF writing: reproducible identifiers, each stream compressed once (pydyf), and
WeasyPrint's outline of pages (pinned in pins.py)."""

from __future__ import annotations

import re
import uuid

_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def fixed_document_id(value: str):
    """A ``write_pdf`` finisher (WeasyPrint's public hook, run on the finished
    ``pydyf.PDF`` before it is written) that makes the XMP DocumentID of PDF/X-4
    reproducible: WeasyPrint 70 writes ``xmp.did:`` and a ``uuid4()``
    (``Metadata.generate_rdf_metadata``), with no option to set it. The random
    UUID in the metadata stream is replaced by the one ``value`` (a hex digest)
    spells; the stream is compressed when the file is written, after this, so the
    file is the one the former patch of ``uuid4`` made. Rewriting the XMP with
    pikepdf after writing would save the whole file again, in pikepdf's layout."""
    wanted = f"xmp.did:{uuid.UUID(value[:32])}".encode()

    def finish(document, pdf) -> None:
        reference = pdf.catalog.get("Metadata")
        for stream in pdf.objects:
            if getattr(stream, "reference", None) == reference and hasattr(stream, "stream"):
                stream.stream[:] = [_DOCUMENT_ID.sub(wanted, part)
                                    if isinstance(part, bytes) else part
                                    for part in stream.stream]
    return finish


def finishing(*finishers):
    """One ``write_pdf`` finisher that runs ``finishers`` in turn."""
    def finish(document, pdf) -> None:
        for finisher in finishers:
            finisher(document, pdf)
    return finish


def install_single_compression() -> None:
    """Compress each stream of a PDF once, not twice.

    pydyf writes a PDF that has an identifier (WeasyPrint's always do) by
    computing every object's bytes twice: once to write it, once more for the
    MD5 of the identifier. A stream's bytes are its zlib compression at level
    9, so each font subset and page was compressed twice: 0.017 s of a Korean
    notice's 0.3 s, 0.003 s of an English one. While one PDF is written, a
    stream's bytes are kept the first time they are made; the file is the same.
    The table is the writing thread's: another thread's streams are not in it."""
    import threading

    import pydyf
    if getattr(pydyf.PDF.write, "folio", False):
        return
    made = pydyf.Stream.data.fget
    write = pydyf.PDF.write
    local = threading.local()               # .tables: one per PDF this thread writes

    def data(stream):
        tables = getattr(local, "tables", None)
        if not tables:
            return made(stream)
        table = tables[-1]
        if id(stream) not in table:         # the stream is held, so its id stays its own
            table[id(stream)] = (stream, made(stream))
        return table[id(stream)][1]

    def write_once(pdf, *args, **kwargs):
        if getattr(local, "tables", None) is None:
            local.tables = []
        local.tables.append({})
        try:
            return write(pdf, *args, **kwargs)
        finally:
            local.tables.pop()

    write_once.folio = True                 # type: ignore[attr-defined]
    write_once.original = write             # type: ignore[attr-defined]
    data.original = made                    # type: ignore[attr-defined]
    pydyf.Stream.data = property(data)
    pydyf.PDF.write = write_once



def bookmark_tree(pages: list[tuple[float, list]]) -> list:
    """WeasyPrint's outline of pages given as (height in CSS px, ``Page.bookmarks``),
    with its own nesting rules (``make_page_bookmark_tree``): a list of
    ``(label, (page index, x, y), children, state)`` in PDF points."""
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    class _Page:
        def __init__(self, bookmarks):
            self.bookmarks = bookmarks

    root: list = []
    skipped: list[int] = []
    last_by_depth = [root]
    previous = 0
    for number, (height, bookmarks) in enumerate(pages):
        matrix = Matrix(a=0.75, d=-0.75, f=height * 0.75)
        previous = make_page_bookmark_tree(_Page(bookmarks), skipped, last_by_depth,
                                           previous, number, matrix)
    return root
