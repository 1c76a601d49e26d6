"""The jobs of a worker: a PDF made, post-processed for its profile, and written.

``make_pdf`` composes the stages in their order: WeasyPrint's PDF
(pdf/writer.py), then what a print shop needs (production/press.py), then the
file, written whole or not at all. An issue laid out by articles
(pipeline/parts.py) has two more: ``make_part`` lays out one piece into the parts
cache, ``assemble_pdf`` puts the pieces together (production/assemble.py), then
goes on as ``make_pdf`` does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from folio.config.variants import variant_of
from folio.errors import BuildError, os_problem
from folio.files import digest, write_atomically
from folio.pdf.writer import FontUse, PageReport, PartReport, PdfJob, render_pdf
from folio.production.pieces import PagePlan, Piece


@dataclass(frozen=True)
class PdfResult:
    name: str
    output: Path
    pages: int
    weasyprint_seconds: float = 0.0     # layout and writing: what the benchmark compares
    inputs: dict[str, str] = field(default_factory=dict)   # files WeasyPrint read
    # Of an issue put together from pieces: what each page is made of (its piece and
    # stamp, both named by what they were laid out from), so that the preview can
    # tell the pages an edit changed without reading every page.
    page_sources: tuple[str, ...] = ()


def make_pdf(job: PdfJob) -> PdfResult:
    """Render, post-process and write one PDF (and its HTML copy with ``--html``)."""
    rendered = render_pdf(job)
    data = _press_ready(job, rendered.data)
    write_output(job.output, data)
    if job.html_copy is not None:
        write_output(job.html_copy, job.html.encode("utf-8"))
    return PdfResult(job.name, job.output, rendered.pages, rendered.seconds, rendered.inputs)


def finish_pdf(job: PdfJob, laid_out: PartResult, remember: tuple[Path, bytes]) -> PdfResult:
    """Write an issue laid out whole into the parts cache as ``job`` would have
    written it (press-ready), and what the layout found (``remember``)."""
    write_output(job.output, _press_ready(job, laid_out.pdf.read_bytes()))
    if job.html_copy is not None:
        write_output(job.html_copy, job.html.encode("utf-8"))
    write_atomically(*remember)
    return PdfResult(job.name, job.output, laid_out.pages, laid_out.seconds, laid_out.inputs)


@dataclass(frozen=True)
class PartResult:
    """A piece of an issue in the parts cache: its PDF, and what it tells."""

    pdf: Path
    pages: int
    report: PartReport
    inputs: dict[str, str]
    seconds: float


def make_part(job: PdfJob) -> PartResult:
    """Lay out one piece of an issue into the parts cache (``job.output``), with its
    report beside it (``.json``), and its HTML with ``--html``."""
    rendered = render_pdf(job)
    assert rendered.report is not None
    result = PartResult(job.output, rendered.pages, rendered.report, rendered.inputs,
                        rendered.seconds)
    write_output(job.output, rendered.data)
    write_output(job.output.with_suffix(".json"), json.dumps(
        sealed(part_to_json(result), rendered.data), ensure_ascii=False).encode("utf-8"))
    if job.html_copy is not None:
        write_output(job.html_copy, job.html.encode("utf-8"))
    return result


SEAL = "seal"


def sealed(data: dict, pdf: bytes) -> dict:
    """``data`` with a seal: the hash of the PDF it describes and of itself, so that
    a report that was edited, or that sits beside another or a damaged PDF, is
    not believed (see ``unseal``)."""
    pdf_hash = digest(pdf)
    return {**data, SEAL: digest((pdf_hash + _canonical(data)).encode("utf-8"))}


def unseal(data: dict, pdf: bytes) -> dict | None:
    """The report without its seal, or None if the seal does not match ``pdf``."""
    data = dict(data)
    seal = data.pop(SEAL, None)
    if seal != digest((digest(pdf) + _canonical(data)).encode("utf-8")):
        return None
    return data


def _canonical(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def part_to_json(result: PartResult) -> dict:
    return {"pages": result.pages, "inputs": result.inputs, "seconds": result.seconds,
            "report": {
                "pages": [{"height": page.height, "bookmarks": [list(b) for b in page.bookmarks],
                           "anchors": [list(a) for a in page.anchors]}
                          for page in result.report.pages],
                "fonts": {name: {"base_font": use.base_font, "kind": use.kind, "face": use.face,
                                 "index": use.index, "mergeable": use.mergeable,
                                 "widths": {str(g): w for g, w in use.widths.items()},
                                 "to_unicode": {str(g): t for g, t in use.to_unicode.items()}}
                          for name, use in result.report.fonts.items()}}}


def part_from_json(pdf: Path, data: dict) -> PartResult:
    report = data["report"]
    pages = tuple(PageReport(page["height"],
                             tuple((level, label, tuple(point), state)
                                   for level, label, point, state in page["bookmarks"]),
                             tuple((name, y) for name, y in page["anchors"]))
                  for page in report["pages"])
    fonts = {name: FontUse(use["base_font"], use["kind"], use["face"], use["index"],
                           {int(g): w for g, w in use["widths"].items()},
                           {int(g): t for g, t in use["to_unicode"].items()}, use["mergeable"])
             for name, use in report["fonts"].items()}
    return PartResult(pdf, data["pages"], PartReport(pages, fonts), data["inputs"],
                      data["seconds"])


@dataclass(frozen=True)
class AssemblyJob:
    """An issue put together from its pieces, then made ready as ``job`` says (its
    ``html`` is the whole issue's, kept with ``--html``)."""

    job: PdfJob
    front: Piece
    pieces: tuple[Piece, ...]
    stamps: tuple[Piece, ...]
    plan: tuple[PagePlan, ...]
    inputs: dict[str, str]
    remember: tuple[Path, bytes] | None = None  # written once the issue is: what the
                                                # next build should start from


def assemble_pdf(assembly: AssemblyJob) -> PdfResult | None:
    """The issue put together and written; None if its fonts cannot be shared
    (fontmerge.NotMergeable), and it must be laid out whole."""
    from folio.production.assemble import assemble
    from folio.production.fontmerge import NotMergeable
    from folio.production.xmp import write_metadata
    started = time.perf_counter()
    job = assembly.job
    pressed = _needs_press(job)
    try:
        # Without post-processing (the screen profile), the metadata is written
        # with the pages, and the issue saved once.
        data = assemble(assembly.front, list(assembly.pieces), list(assembly.stamps),
                        list(assembly.plan), before_saving=lambda pdf: None if pressed
                        else write_metadata(pdf, job.xmp, _is_pdfa(job)))
    except NotMergeable:
        return None
    if pressed:
        data = _press_ready(job, data)
    write_output(job.output, data)
    if job.html_copy is not None:
        write_output(job.html_copy, job.html.encode("utf-8"))
    if assembly.remember is not None:
        write_output(*assembly.remember)
    pages = len(assembly.plan) + len(assembly.front.report.pages) - assembly.front.skip
    return PdfResult(job.name, job.output, pages, time.perf_counter() - started,
                     assembly.inputs, _page_sources(assembly))


def _page_sources(assembly: AssemblyJob) -> tuple[str, ...]:
    front = assembly.front
    sources = [f"{front.pdf.name}:{page}" for page in range(front.skip,
                                                           len(front.report.pages))]
    for where in assembly.plan:
        chunk = assembly.stamps[where.stamps]
        stamp = f"{chunk.pdf.name}:{chunk.skip + where.stamp}"
        if where.piece is None:
            sources.append(stamp)
        else:
            piece = assembly.pieces[where.piece]
            sources.append(f"{piece.pdf.name}:{piece.skip + where.page}+{stamp}")
    return tuple(sources)


def _press_ready(job: PdfJob, data: bytes) -> bytes:
    """The PDF as the profile wants it printed, with its bibliographic metadata."""
    data = _pressed(job, data)
    if job.xmp:
        from folio.production.xmp import add_metadata
        data = add_metadata(data, job.xmp, _is_pdfa(job))
    return data


def _is_pdfa(job: PdfJob) -> bool:
    return variant_of(job.variant).archival


def _needs_press(job: PdfJob) -> bool:
    """Crop marks, or a PDF/X standard: press.py's work after WeasyPrint's."""
    return job.crop_marks_mm is not None or variant_of(job.variant).press


def _pressed(job: PdfJob, data: bytes) -> bytes:
    if not _needs_press(job):
        return data
    from folio.production.press import (
        NotPressReady,
        UnconvertibleColour,
        UnusableProfile,
        press_ready,
    )
    try:
        return press_ready(data, variant=job.variant, intent=job.output_intent,
                           crop_marks_mm=job.crop_marks_mm)
    except UnconvertibleColour as error:
        raise BuildError.at(f"{job.name}: {error}", job.source,
                            hint="use a colour, image or gradient of another kind") from None
    except UnusableProfile as error:
        # The ICC file publication.yaml names, not the document: said there.
        path, line = job.output_intent_at or (job.source, None)
        raise BuildError.at(f"{job.name}: {error}", path, line, hint=error.hint) from None
    except NotPressReady as error:
        raise BuildError.at(f"{job.name}: {error}", job.source,
                            hint=error.hint or "remove the transparency from the design, or "
                                               "use a pdf/x-4 profile, which allows it") from None


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
        # The real cause (a full disk, a read-only one, no permission…), at the folder.
        raise BuildError(os_problem(error, f"cannot write {target.name}",
                                    path=target.parent)) from None
