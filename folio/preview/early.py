"""The changed pages shown before the issue is put together.

After an edit, the issue's pieces are laid out and planned, then put together
and written (0.3-0.7 s for a 300-page issue, the better part of what the reader
waits for). But a page of the issue is only its piece's page with its stamp (the
running head and folio) drawn over it (production/assemble.py), and once the
plan is made both are on disk: the preview draws the pages of the pieces just
laid out from them (PDFium, 20-40 ms a page) and shows them at once, with the
page numbers the plan gives them; the rest, and the PDF, follow when the issue is
written. Each page keeps the key the written issue will give it
(``pages.page_sources``), so the image drawn early is the one kept after.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from folio.preview.pages import page_sources

if TYPE_CHECKING:
    from folio.preview.state import DocumentState


@dataclass(frozen=True)
class EarlyPage:
    """Page ``page`` (from 0) of ``piece`` with page ``stamp`` of ``stamps`` over it."""

    piece: Path
    page: int
    stamps: Path
    stamp: int


def planned_pages(assembly) -> list[tuple[str, EarlyPage | None]]:
    """Each page of the issue an AssemblyJob puts together: what it is made of, as
    ``PdfResult.page_sources`` will say it (jobs._page_sources), and, for a page of
    a piece, where to draw it from (None: a front page or a blank one)."""
    front = assembly.front
    found: list[tuple[str, EarlyPage | None]] = [
        (f"{front.pdf.name}:{page}", None) for page in range(front.skip,
                                                            len(front.report.pages))]
    for where in assembly.plan:
        chunk = assembly.stamps[where.stamps]
        stamp = f"{chunk.pdf.name}:{chunk.skip + where.stamp}"
        if where.piece is None:
            found.append((stamp, None))
            continue
        piece = assembly.pieces[where.piece]
        found.append((f"{piece.pdf.name}:{piece.skip + where.page}+{stamp}",
                      EarlyPage(piece.pdf, piece.skip + where.page, chunk.pdf,
                                chunk.skip + where.stamp)))
    return found


def press_ready(job) -> bool:
    """Crop marks or PDF/X: the written pages are not the pieces' (press.py)."""
    return job.crop_marks_mm is not None or (job.variant or "").startswith("pdf/x")


def early_document(document: DocumentState, assembly, since_ns: int
                   ) -> tuple[DocumentState, dict[str, EarlyPage]] | None:
    """``document`` (a DocumentState) as it will be once ``assembly`` is written,
    for the pages of pieces written since ``since_ns`` (laid out by this rebuild)
    whose drawing changes, and only those within its pages now; those pages' keys
    and how to draw them; None if there are none. The other pages keep their keys
    (of either kind: a key only names a page's drawing)."""
    if press_ready(assembly.job):
        return None
    planned = planned_pages(assembly)
    new = page_sources(tuple(source for source, _ in planned))
    old = document.page_keys
    if len(old) != document.pages or not old:
        return None
    fresh: dict[Path, bool] = {}

    def laid_out_now(path: Path) -> bool:
        if path not in fresh:
            try:
                fresh[path] = path.stat().st_mtime_ns >= since_ns
            except OSError:
                fresh[path] = False
        return fresh[path]

    keys = list(old)
    pages: dict[str, EarlyPage] = {}
    changed = []
    # A page count that changes moves the pages after the edit: those are shown
    # when the issue is written. Pages of the pieces laid out now keep their place.
    for number in range(1, min(len(old), len(new)) + 1):
        early = planned[number - 1][1]
        if old[number - 1] == new[number - 1] or early is None or \
                not laid_out_now(early.piece):
            continue
        keys[number - 1] = new[number - 1]
        pages[new[number - 1]] = early
        changed.append(number)
    if not changed:
        return None
    return replace(document, page_keys=tuple(keys), changed=frozenset(changed),
                   looked=True), pages
