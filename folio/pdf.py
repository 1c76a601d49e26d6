"""WeasyPrint: HTML to PDF, with the checks WeasyPrint itself does not make.

WeasyPrint only logs a missing image or an unsupported CSS rule, and only a
``FatalURLFetchingError`` stops it (see fetcher.py); a notice that overflows simply
gets a second page. Here each of those becomes a located error, and a PDF reaches its final
name only when it is complete.
"""

from __future__ import annotations

import hashlib
import logging
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ._compat import fixed_document_id, flag_artifacts, install_tagging
from .atomic import write_atomically
from .errors import BuildError, Problem

PX_TO_MM = 25.4 / 96


@dataclass(frozen=True)
class PdfJob:
    """Everything a worker process needs to make one PDF (picklable)."""

    name: str                 # shown in messages: "ko/notice-creative-city.pdf"
    html: str
    root: Path                # the publication: the only files WeasyPrint may read
    output: Path
    source: Path              # the content file an overflow is reported against
    max_pages: int | None = None
    html_copy: Path | None = None
    variant: str | None = None          # WeasyPrint's pdf_variant: pdf/x-4, pdf/a-3b …
    crop_marks_mm: float | None = None  # draw crop marks outside a bleed of this width
    also_readable: tuple[Path, ...] = ()  # files outside the root the profile names (ICC)
    output_intent: Path | None = None   # PDF/X: the CMYK profile colours are converted to


@dataclass(frozen=True)
class PdfResult:
    name: str
    output: Path
    pages: int
    weasyprint_seconds: float = 0.0     # layout and writing: what the benchmark compares


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def render_pdf(job: PdfJob) -> PdfResult:
    """Lay out and write one PDF; any WeasyPrint warning fails the document."""
    # Imported here: a build with nothing to render never pays for WeasyPrint.
    from .ffi_cache import import_weasyprint
    import_weasyprint()
    from weasyprint import HTML
    from weasyprint.urls import path2url

    from .fetcher import OutsideRootError, PublicationFetcher

    install_tagging()

    if job.html_copy is not None:
        write_atomically(job.html_copy, job.html.encode("utf-8"))
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        started = time.perf_counter()
        html = HTML(string=job.html, base_url=path2url(str(job.root.resolve())) + "/",
                    url_fetcher=PublicationFetcher(job.root, job.also_readable))
        document = html.render()
        _visible_only(document)
        if job.max_pages is not None and len(document.pages) > job.max_pages:
            raise BuildError(_overflow(job, document))
        data = _write(document, job)
        weasyprint_seconds = time.perf_counter() - started
        # Checked after writing too: some warnings (PDF/UA's) come only then.
        if handler.messages:
            raise BuildError(*(Problem(f"WeasyPrint: {m}", job.source,
                                       hint="fix the template, CSS or file it names")
                               for m in dict.fromkeys(handler.messages)))
        if job.crop_marks_mm is not None or (job.variant or "").startswith("pdf/x"):
            data = _press_ready(job, data)
    except OutsideRootError as error:
        raise BuildError.at(f"{job.name}: refused to read {error}", job.source,
                            hint="use files inside the publication folder") from None
    finally:
        logger.removeHandler(handler)
    write_atomically(job.output, data)
    return PdfResult(job.name, job.output, len(document.pages), weasyprint_seconds)


def _visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))


def _visible_only(document) -> None:
    """Bookmarks and metadata without invisible characters.

    The word joiners that keep Korean words whole (typography.py) and any
    zero-width character of the source would otherwise be part of a bookmark's
    title, where they break searching the bookmark panel, and of the metadata.
    """
    for page in document.pages:
        page.bookmarks = [(level, _visible(label), position, state)
                          for level, label, position, state in page.bookmarks]
    metadata = document.metadata
    for key in ("title", "description", "generator"):
        if getattr(metadata, key, None):
            setattr(metadata, key, _visible(getattr(metadata, key)))
    metadata.authors = list(dict.fromkeys(_visible(a) for a in metadata.authors or ()))
    metadata.keywords = list(dict.fromkeys(_visible(k) for k in metadata.keywords or ()))


def _write(document, job: PdfJob) -> bytes:
    """The PDF bytes, the same for the same HTML, whatever the variant.

    pdf/x and pdf/a write a random file identifier unless given one, and PDF/X-4 a
    random XMP DocumentID (a ``uuid4()`` in weasyprint.pdf.metadata, with no
    option to set it). The HTML decides the content, so it decides both. Each
    document is written in its own worker process, so replacing the module's
    ``uuid4`` for the duration of one call affects nothing else.
    """
    digest = hashlib.sha256(job.html.encode("utf-8")).hexdigest()
    tagged = bool(job.variant and job.variant.startswith("pdf/ua"))
    if tagged:
        flag_artifacts(document)
    with fixed_document_id(digest):
        return document.write_pdf(pdf_variant=job.variant,
                                  pdf_identifier=digest[:32].encode(), pdf_tags=tagged)


def _press_ready(job: PdfJob, data: bytes) -> bytes:
    from .press import NotPressReady, UnconvertibleColour, press_ready  # only for print
    try:
        return press_ready(data, variant=job.variant, intent=job.output_intent,
                           crop_marks_mm=job.crop_marks_mm)
    except UnconvertibleColour as error:
        raise BuildError.at(f"{job.name}: {error}", job.source,
                            hint="use a colour, image or gradient of another kind") from None
    except NotPressReady as error:
        raise BuildError.at(f"{job.name}: {error}", job.source,
                            hint="remove the transparency from the design, or use a "
                                 "pdf/x-4 profile, which allows it") from None


def _overflow(job: PdfJob, document) -> Problem:
    """How far past its page limit a document runs, in mm and lines of text."""
    extra_height = 0.0
    lines = 0
    for page in document.pages[job.max_pages:]:
        box = page._page_box
        top = box.content_box_y()
        bottom = top
        for descendant in box.descendants():
            if type(descendant).__name__ == "LineBox":
                lines += 1
                bottom = max(bottom, descendant.position_y + descendant.height)
        extra_height += bottom - top
    pages = "page" if job.max_pages == 1 else f"{job.max_pages} pages"
    return Problem(
        f"{job.name} does not fit on one {pages}: it runs {extra_height * PX_TO_MM:.0f} mm "
        f"({lines} lines) onto {len(document.pages) - job.max_pages} more",
        job.source, hint="shorten the text by about that much")
