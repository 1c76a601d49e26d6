"""WeasyPrint: HTML to PDF, with the checks WeasyPrint itself does not make.

WeasyPrint only logs a missing image or an unsupported CSS rule, and only a
``FatalURLFetchingError`` stops it (see fetcher.py); a notice that overflows simply
gets a second page, and a word too long for its line runs off the page. Here each
of those becomes an error located in the file that caused it, and a PDF reaches
its final name only when it is complete.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ._compat import fixed_document_id, flag_artifacts, install_tagging, page_box
from .atomic import write_atomically
from .errors import BuildError, Problem

PX_TO_MM = 25.4 / 96
OVERFLOW_TOLERANCE_PX = 1.0       # rounding of the layout: less is not a problem


@dataclass(frozen=True)
class PdfJob:
    """Everything a worker process needs to make one PDF (picklable)."""

    name: str                 # shown in messages: "ko/notice-creative-city.pdf"
    html: str
    root: Path                # the publication: the only files WeasyPrint may read
    output: Path
    source: Path              # the content file a problem without a line is reported at
    max_pages: int | None = None
    html_copy: Path | None = None
    variant: str | None = None          # WeasyPrint's pdf_variant: pdf/x-4, pdf/a-3b …
    crop_marks_mm: float | None = None  # draw crop marks outside a bleed of this width
    also_readable: tuple[Path, ...] = ()  # files outside the root the profile names (ICC)
    output_intent: Path | None = None   # PDF/X: the CMYK profile colours are converted to
    # The templates and stylesheets the HTML was made from: for locating WeasyPrint's
    # complaints about CSS.
    stylesheets: tuple[Path, ...] = ()


@dataclass(frozen=True)
class PdfResult:
    name: str
    output: Path
    pages: int
    weasyprint_seconds: float = 0.0     # layout and writing: what the benchmark compares
    inputs: dict[str, str] = field(default_factory=dict)   # files WeasyPrint read


class _Collect(logging.Handler):
    """WeasyPrint's warnings and errors, kept instead of printed."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def render_pdf(job: PdfJob) -> PdfResult:
    """Lay out and write one PDF; any WeasyPrint warning fails the document."""
    # Imported here: a build with nothing to render never pays for WeasyPrint.
    from .ffi_cache import import_weasyprint
    import_weasyprint()
    from weasyprint import HTML
    from weasyprint.urls import path2url

    from .fetcher import OutsideRootError, PublicationFetcher

    install_tagging()
    fetcher = PublicationFetcher(job.root, job.also_readable)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    # The collector must not depend on how the console was set up: WeasyPrint's
    # warnings are made whatever the root logger's level, and none is printed raw.
    saved = logger.level, logger.propagate
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        started = time.perf_counter()
        html = HTML(string=job.html, base_url=path2url(str(job.root.resolve())) + "/",
                    url_fetcher=fetcher)
        document = html.render()
        _visible_only(document)
        problems = _located(handler.records, job, fetcher.refused)
        if problems:                    # before the next checks: they explain less
            raise BuildError(*problems)
        if job.max_pages is not None and len(document.pages) > job.max_pages:
            raise BuildError(_too_long(job, document))
        overflow = _overflow(document, job)
        if overflow:
            raise BuildError(*overflow)
        data = _write(document, job)
        weasyprint_seconds = time.perf_counter() - started
        # Checked after writing too: some warnings (PDF/UA's) come only then.
        problems = _located(handler.records, job, fetcher.refused)
        if problems:
            raise BuildError(*problems)
        if job.crop_marks_mm is not None or (job.variant or "").startswith("pdf/x"):
            data = _press_ready(job, data)
    except OutsideRootError as error:
        raise BuildError.at(f"{job.name}: refused to read {error}", job.source,
                            hint="use files inside the publication folder") from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    write_output(job.output, data)
    if job.html_copy is not None:
        write_output(job.html_copy, job.html.encode("utf-8"))
    return PdfResult(job.name, job.output, len(document.pages), weasyprint_seconds,
                     fetcher.record)


def write_output(target: Path, data: bytes) -> None:
    """Write a file the build produces; a disk that refuses is the editor's to fix."""
    try:
        write_atomically(target, data)
    except IsADirectoryError:
        raise BuildError.at(f"cannot write {target.name}: a folder of that name is in "
                            "the way", target.parent, hint="move the folder away") from None
    except (NotADirectoryError, FileExistsError):
        raise BuildError.at(f"cannot write {target}: a file stands where a folder should "
                            "be", target.parent,
                            hint="--out must name a folder, not a file") from None
    except OSError as error:
        raise BuildError.at(f"cannot write {target.name}: {error.strerror or error}",
                            target.parent,
                            hint="check that the disk has room and the folder is "
                                 "writable, or choose another with --out") from None


# -- WeasyPrint's messages, located ----------------------------------------------------

_CSS = re.compile(r"^Ignored `(?P<declaration>[^`]*)` at (?P<line>\d+):(?P<column>\d+)")


def _located(records: list[logging.LogRecord], job: PdfJob,
             refused: list[str]) -> list[Problem]:
    """Each WeasyPrint complaint as a problem at the file that caused it: the
    Markdown line that named an image, the stylesheet or template line of a CSS
    declaration; the document's source otherwise."""
    problems = []
    for record in records:
        message = record.getMessage()
        if record.msg.startswith("Failed to render SVG image") and record.args:
            url = record.args[0] if isinstance(record.args, tuple) else record.args
            where = _image_sources(job).get(_relative(str(url), job.root))
            reason = ("it refers to " + refused[-1].replace("'", "", 2)) if refused \
                else "WeasyPrint could not draw it"
            problems.append(Problem(f"image cannot be printed: {reason}",
                                    *(where or (job.source, None)),
                                    hint="check the drawing (an SVG may only use files "
                                         "of the publication)"))
            continue
        if record.msg.startswith("Failed to load image") and len(record.args or ()) >= 2:
            url, reason = record.args[0], record.args[1]
            where = _image_sources(job).get(_relative(str(url), job.root))
            reason = str(reason).strip() or type(reason).__name__
            if where is not None:
                problems.append(Problem(f"image cannot be printed: {reason}", *where,
                                        hint="check the image file"))
                continue
            problems.append(Problem(f"{job.name}: image {url} cannot be printed: {reason}",
                                    job.source, hint="check the image file"))
            continue
        match = _CSS.match(message)
        if match:
            found = _find_declaration(match["declaration"], job.stylesheets)
            if found is not None:
                problems.append(Problem(f"CSS: {message}", *found,
                                        hint="fix or remove the declaration; WeasyPrint "
                                             "would ignore it"))
                continue
        problems.append(Problem(f"WeasyPrint: {message}", job.source,
                                hint="fix the template, CSS or file it names"))
    return list(dict.fromkeys(problems))


_IMG = re.compile(r'<img src="(?P<src>[^"#]*)[^"]*"[^>]*? data-line="(?P<line>\d+)"'
                  r'(?: data-source="(?P<source>[^"]*)")?')


def _image_sources(job: PdfJob) -> dict[str, tuple[Path, int]]:
    """Each image of the HTML -> the Markdown file and line that named it."""
    return {match["src"]: (job.root / match["source"] if match["source"] else job.source,
                           int(match["line"])) for match in _IMG.finditer(job.html)}


def _relative(url: str, root: Path) -> str:
    if urlsplit(url).scheme != "file":
        return url
    path = Path(unquote(urlsplit(url).path))
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _find_declaration(declaration: str, files: tuple[Path, ...]) -> tuple[Path, int] | None:
    """The stylesheet or template line that holds ``declaration`` (WeasyPrint's line
    numbers count in the HTML, where the stylesheets are inlined)."""
    wanted = " ".join(declaration.split())
    name = wanted.split(":")[0].strip()
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if wanted in " ".join(line.split()) or (name and re.search(
                    rf"(^|[;{{\s]){re.escape(name)}\s*:", line)):
                return path, number
    return None


# -- what WeasyPrint lays out silently wrong --------------------------------------------

def _too_long(job: PdfJob, document) -> Problem:
    """How far past its page limit a document runs, in mm and lines of text."""
    from ._compat import is_line_box
    extra_height = 0.0
    lines = 0
    for page in document.pages[job.max_pages:]:
        box = page_box(page)
        top = box.content_box_y()
        bottom = top
        for descendant in box.descendants():
            if is_line_box(descendant):
                lines += 1
                bottom = max(bottom, descendant.position_y + descendant.height)
        extra_height += bottom - top
    pages = "one page" if job.max_pages == 1 else f"{job.max_pages} pages"
    return Problem(
        f"{job.name} does not fit on {pages}: it runs {extra_height * PX_TO_MM:.0f} mm "
        f"({lines} lines) onto {len(document.pages) - job.max_pages} more",
        job.source, hint="shorten the text by about that much")


def _overflow(document, job: PdfJob) -> list[Problem]:
    """Content of the publication's text that ends beyond its page's text area.

    WeasyPrint lets a word or URL that fits no line, or a table wider than the
    page, run off the page or be cut at its edge, without a word. Text written in
    Markdown carries ``data-line`` (and its article ``data-source``) into the
    HTML, so the problem is reported where it was written.
    """
    from ._compat import ink_boxes
    found: dict[tuple[str | None, int | None], tuple[float, int, str]] = {}
    for number, page in enumerate(document.pages, 1):
        box = page_box(page)
        left, top = box.content_box_x(), box.content_box_y()
        right, bottom = left + box.width, top + box.height
        for ink, source, line in ink_boxes(box):
            beyond = max(ink.position_x + ink.width - right, left - ink.position_x,
                         ink.position_y + ink.height - bottom)
            if beyond > OVERFLOW_TOLERANCE_PX:
                key = (source, line)
                if key not in found or found[key][0] < beyond:
                    side = "right" if ink.position_x + ink.width - right >= beyond else \
                        "left" if left - ink.position_x >= beyond else "bottom"
                    found[key] = (beyond, number, side)
    problems = []
    for (source, line), (beyond, number, side) in sorted(
            found.items(), key=lambda item: (item[0][0] or "", item[0][1] or 0)):
        problems.append(Problem(
            f"{job.name}, page {number}: the text runs {beyond * PX_TO_MM:.0f} mm past the "
            f"{side} edge of the text area", job.root / source if source else job.source,
            line or None, hint="break the long word or web address (a space or a "
                               "hyphen), or give the table fewer columns"))
    return problems


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
    random XMP DocumentID (see _compat.fixed_document_id). The HTML decides the
    content, so it decides both.
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
