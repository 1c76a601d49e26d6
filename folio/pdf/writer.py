"""WeasyPrint: HTML to PDF bytes, with the checks WeasyPrint itself does not make.

WeasyPrint only logs a missing image or an unsupported CSS rule, and only a
``FatalURLFetchingError`` stops it (see fetcher.py); a notice that overflows simply
gets a second page, and a word too long for its line runs off the page. Here each
of those becomes an error located in the file that caused it. What happens to the
bytes next (print post-processing, writing) is the pipeline's (pipeline/jobs.py).
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from folio._compat import (
    finishing,
    fixed_document_id,
    flag_artifacts,
    fonts_left_uncut,
    install_hyphenation_limits,
    install_korean_justification,
    install_single_compression,
    install_stylesheet_cache,
    install_tagging,
    link_notes,
)
from folio.config.variants import variant_of
from folio.errors import BuildError, Problem
from folio.files import digest, relative_name

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
    output_intent_at: tuple[Path, int | None] | None = None   # the line naming it
    # The templates and stylesheets the HTML was made from: for locating WeasyPrint's
    # complaints about CSS.
    stylesheets: tuple[Path, ...] = ()
    report: bool = False      # say what is on each page (anchors, bookmarks) and its fonts
    uncut: bool = False       # a part of an issue: fonts left whole, cut once assembled
    xmp: tuple[tuple[str, str], ...] = ()   # bibliographic metadata (production/xmp.py)
    tagged: bool = False      # a structure tree (always for pdf/ua)
    zoom: float = 1.0         # written scaled: a handout laid out on a larger page, shrunk


@dataclass(frozen=True)
class FontUse:
    """A font as one PDF drew with it: enough to make one cut of it for several."""

    base_font: str                        # the PDF's /BaseFont, e.g. /ABCDEF+NotoSans-Bold
    kind: str                             # "otf", "ttf" or "bitmap"
    face: str                             # the font file, kept by pdf/faces.py
    index: int                            # the face in a collection
    widths: dict[int, float]              # glyph id -> width, as written in /W
    to_unicode: dict[int, str]            # glyph id -> text, as written in /ToUnicode
    mergeable: bool                       # a vector font with no missing glyphs


@dataclass(frozen=True)
class PageReport:
    height: float                         # CSS px, for bookmark positions
    bookmarks: tuple                      # WeasyPrint's (level, label, (x, y), state)
    anchors: tuple[tuple[str, float], ...]  # ids on the page and their height, top first


@dataclass(frozen=True)
class PartReport:
    """What a PDF laid out as part of an issue tells the step that puts the parts
    together (production/assemble.py): its pages' outline entries and anchors, and
    its fonts by resource name."""

    pages: tuple[PageReport, ...]
    fonts: dict[str, FontUse]


@dataclass(frozen=True)
class Rendered:
    """One laid-out and written PDF, and what WeasyPrint read to make it."""

    data: bytes
    pages: int
    seconds: float                      # layout and writing: what the benchmark compares
    inputs: dict[str, str] = field(default_factory=dict)
    report: PartReport | None = None


class _Collect(logging.Handler):
    """WeasyPrint's warnings and errors, kept instead of printed."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def render_pdf(job: PdfJob) -> Rendered:
    """Lay out and write one PDF; any WeasyPrint warning fails the document."""
    # Imported here: a build with nothing to render never pays for WeasyPrint.
    from folio.pdf.ffi_cache import import_weasyprint
    import_weasyprint()
    from folio.pdf import kept_fonts
    from folio.pdf.fetcher import OutsideRootError

    install_tagging()
    install_korean_justification()
    install_hyphenation_limits()
    install_stylesheet_cache()
    install_single_compression()
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    # The collector must not depend on how the console was set up: WeasyPrint's
    # warnings are made whatever the root logger's level, and none is printed raw.
    saved = logger.level, logger.propagate
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.addHandler(handler)
    root = job.root.resolve()
    try:
        started = time.perf_counter()
        font_config = kept_fonts.font_configuration(root)
        document, fetcher = _lay_out(job, font_config)
        if not kept_fonts.fits(font_config):    # it knew other faces: as if new
            handler.records.clear()
            document, fetcher = _lay_out(job, kept_fonts.renew(root))
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
        report = _report(document) if job.report else None
        # Checked after writing too: some warnings (PDF/UA's) come only then.
        problems = _located(handler.records, job, fetcher.refused)
        if problems:
            raise BuildError(*problems)
    except OutsideRootError as error:
        raise BuildError.at(f"{job.name}: refused to read {error}", job.source,
                            hint="use files inside the publication folder") from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    return Rendered(data, len(document.pages), weasyprint_seconds, fetcher.record, report)


def _lay_out(job: PdfJob, font_config):
    """The laid-out ``Document`` of ``job`` and the fetcher that read its files."""
    from weasyprint import HTML
    from weasyprint.urls import path2url

    from folio.pdf import figures, sheets, tables
    from folio.pdf.fetcher import PublicationFetcher
    fetcher = PublicationFetcher(job.root, job.also_readable)
    base = path2url(str(job.root.resolve())) + "/"
    html = job.html
    document = HTML(string=html, base_url=base, url_fetcher=fetcher).render(
        font_config=font_config)
    for _ in range(figures.ROUNDS):
        # A figure or table that left a hole moves on (figures.py), or a short table
        # that ends its article splits there; a long table a page break split goes
        # on as a table captioned "(continued)" (tables.py).
        found = figures.holes(document)
        ends = figures.at_article_ends(html, found)
        moved = tables.split(figures.move_on(html, found), tables.breaks(document))
        moved = figures.split_at_holes(moved, ends, figures.first_change(html, moved))
        if moved == html:
            break
        html = moved
        document = HTML(string=html, base_url=base, url_fetcher=fetcher).render(
            font_config=font_config)
    # A side-by-side sheet's type grows to fill its page (sheets.py).
    document = sheets.fill(html, document, lambda version: HTML(
        string=version, base_url=base, url_fetcher=fetcher).render(font_config=font_config))
    return document, fetcher


def _report(document) -> PartReport:
    from folio._compat import drawn_fonts
    from folio.pdf.faces import keep_face_of
    pages = tuple(PageReport(page.height, tuple(page.bookmarks), tuple(sorted(
        ((name, position[1]) for name, position in page.anchors.items()),
        key=lambda anchor: anchor[1]))) for page in document.pages)
    fonts: dict[str, FontUse] = {}
    faces: dict[int, str] = {}
    for font in drawn_fonts(document):
        key = id(font.face)
        if key not in faces:
            faces[key] = keep_face_of(font.face, font.data)
        known = fonts.get(font.resource)
        use = FontUse(font.name, font.kind, faces[key], font.index, dict(font.widths),
                      dict(font.to_unicode), font.mergeable)
        if known is not None:           # one resource, several sizes: as WeasyPrint does
            use = FontUse(known.base_font, font.kind, known.face, known.index,
                          {**known.widths, **use.widths},
                          {**known.to_unicode, **use.to_unicode},
                          known.mergeable and use.mergeable and known.face == use.face)
        fonts[font.resource] = use
    return PartReport(pages, fonts)


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
            path, line = where or (job.source, None)
            problems.append(Problem(f"image cannot be printed: {reason}", path, line,
                                    hint="check the drawing (an SVG may only use files "
                                         "of the publication)"))
            continue
        arguments = record.args if isinstance(record.args, tuple) else ()
        if record.msg.startswith("Failed to load image") and len(arguments) >= 2:
            problems.append(_unloadable_image(str(arguments[0]), arguments[1], job))
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


def _unloadable_image(url: str, error: object, job: PdfJob) -> Problem:
    """An image WeasyPrint could not load, at the line that names it: a Markdown
    image's own line, else the line of the content file, template or stylesheet
    whose text names it (raw HTML, CSS), with the file's real trouble."""
    relative = _relative(url, job.root)
    where = _image_sources(job).get(relative) or _naming_line(url, job)
    # WeasyPrint keeps only the text of what went wrong ("URLError: <urlopen error
    # …>"): the file itself says what it was.
    path = Path(unquote(urlsplit(url).path)) if urlsplit(url).scheme == "file" else None
    cause = _unreadable(path) if path is not None else None
    if isinstance(cause, FileNotFoundError):
        reason = f"there is no file {relative} in the publication"
        hint = ("save the image there or correct the path; a path in HTML or CSS is read "
                "from the publication folder (in Markdown, ![…](file) is looked for "
                "beside the article, then in content/assets/)")
    elif isinstance(cause, IsADirectoryError):
        reason, hint = f"{relative} is a folder, not an image", "name the image file"
    elif cause is not None:
        reason = f"{relative} cannot be read: {cause.strerror or cause}"
        hint = "make the file readable (its permissions), or use another"
    else:
        inner = getattr(error, "__cause__", None) or error
        detail = re.sub(r"\s*<[^<>]* at 0x[0-9a-f]+>", "", str(inner)).strip() \
            or type(inner).__name__         # no "<_io.BytesIO object at 0x7f…>"
        reason = f"{relative} is not an image WeasyPrint can read ({detail})"
        hint = "save it again as PNG, JPEG, GIF, WebP or SVG"
    if where is not None:
        return Problem(f"image cannot be printed: {reason}", *where, hint=hint)
    return Problem(f"{job.name}: image cannot be printed: {reason}", job.source, hint=hint)


def _unreadable(path: Path) -> OSError | None:
    """Why the file at ``path`` cannot be read, or None if it can."""
    try:
        with path.open("rb") as stream:
            stream.read(1)
    except OSError as error:
        return error
    return None


_SRC = re.compile(r"""(?:\bsrc|\bhref|url)\s*(?:=\s*|\(\s*)(?P<q>["']?)(?P<src>[^"')\s>]+)(?P=q)""")
_SOURCE = re.compile(r'data-source="(?P<source>[^"]*)"')


def _naming_line(url: str, job: PdfJob) -> tuple[Path, int] | None:
    """The first line of the document's content files (those its HTML names, the
    nearest before the image first), then of its templates and stylesheets, whose
    ``src``/``href``/``url(…)`` resolves to ``url``."""
    import html
    from urllib.parse import urljoin

    from weasyprint.urls import path2url
    base = path2url(str(job.root.resolve())) + "/"
    wanted = _relative(url, job.root)
    position = -1
    for match in _SRC.finditer(job.html):
        if _relative(urljoin(base, html.unescape(match["src"])), job.root) == wanted:
            position = match.start()
            break
    sources = [m["source"] for m in _SOURCE.finditer(job.html, 0, max(position, 0))][::-1]
    sources += [m["source"] for m in _SOURCE.finditer(job.html)]
    files = [job.root / html.unescape(name) for name in dict.fromkeys(sources)]
    for path in (*files, job.source, *job.stylesheets):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            for match in _SRC.finditer(line):
                named = urljoin(base, html.unescape(match["src"]))
                if _relative(named, job.root) == wanted or _relative(
                        urljoin(path2url(str(path.parent.resolve())) + "/",
                                html.unescape(match["src"])), job.root) == wanted:
                    return path, number
    return None


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
    return relative_name(path, root) or str(path)


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
    assert job.max_pages is not None
    from folio._compat import lines_past
    extra_height, lines, texts = lines_past(document.pages[job.max_pages:])
    pages = "one page" if job.max_pages == 1 else f"{job.max_pages} pages"
    amount = _amount(" ".join(texts))
    return Problem(
        f"{job.name} does not fit on {pages}: it runs {extra_height * PX_TO_MM:.0f} mm "
        f"({lines} lines) onto {len(document.pages) - job.max_pages} more"
        + (f": about {amount} too long" if amount else ""),
        job.source, hint=f"shorten the text by about {amount}" if amount else
        "shorten the text by about that much")


def _amount(text: str) -> str:
    """How much ``text`` is, as its editors count: characters in Korean (spaces
    count, one for a run of them), words otherwise."""
    text = " ".join(text.split())
    hangul = sum(1 for c in text if "\uac00" <= c <= "\ud7a3")
    letters = sum(1 for c in text if c.isalpha())
    if not text:
        return ""
    if letters and hangul * 2 > letters:
        return f"{len(text)} characters"
    return f"{len(text.split())} words"


def _overflow(document, job: PdfJob) -> list[Problem]:
    """Content of the publication's text that ends beyond its page's text area.

    WeasyPrint lets a word or URL that fits no line, or a table wider than the
    page, run off the page or be cut at its edge, without a word. Text written in
    Markdown carries ``data-line`` (and its article ``data-source``) into the
    HTML, so the problem is reported where it was written.
    """
    from folio._compat import ink_beyond
    found: dict[tuple[str | None, int | None], tuple[float, int, str, bool]] = {}
    for number, page in enumerate(document.pages, 1):
        for beyond, side, source, line, code in ink_beyond(page, OVERFLOW_TOLERANCE_PX):
            key = (source, line)
            if key not in found or found[key][0] < beyond:
                found[key] = (beyond, number, side, code)
    problems = []
    for (source, line), (beyond, number, side, code) in sorted(
            found.items(), key=lambda item: (item[0][0] or "", item[0][1] or 0)):
        problems.append(Problem(
            f"{job.name}, page {number}: the text runs {beyond * PX_TO_MM:.0f} mm past the "
            f"{side} edge of the text area", job.root / source if source else job.source,
            line or None,
            hint="code prints as written and never wraps: break the line (or shorten it)"
            if code else "break the long word or web address (a space or a hyphen), or "
                         "give the table fewer columns"))
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
    random XMP DocumentID (set by a finisher: _compat.fixed_document_id). The HTML
    decides the content, so it decides both.
    """
    identifier = digest(job.html.encode("utf-8"))
    tagged = job.tagged or variant_of(job.variant).tagged
    if tagged:
        flag_artifacts(document)
    uncut = fonts_left_uncut() if job.uncut else contextlib.nullcontext()
    with uncut:
        return document.write_pdf(zoom=job.zoom, pdf_variant=job.variant,
                                  pdf_identifier=identifier[:32].encode(), pdf_tags=tagged,
                                  finisher=finishing(link_notes, fixed_document_id(identifier)))
