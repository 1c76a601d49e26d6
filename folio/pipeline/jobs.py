"""One job of a worker: a PDF made, post-processed for its profile, and written.

The function a worker runs (``make_pdf``) composes the stages in their order:
WeasyPrint's PDF (pdf/writer.py), then what a print shop needs
(production/press.py), then the file, written whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from folio.errors import BuildError
from folio.files import write_atomically
from folio.pdf.writer import PdfJob, render_pdf


@dataclass(frozen=True)
class PdfResult:
    name: str
    output: Path
    pages: int
    weasyprint_seconds: float = 0.0     # layout and writing: what the benchmark compares
    inputs: dict[str, str] = field(default_factory=dict)   # files WeasyPrint read


def make_pdf(job: PdfJob) -> PdfResult:
    """Render, post-process and write one PDF (and its HTML copy with ``--html``)."""
    rendered = render_pdf(job)
    data = rendered.data
    if job.crop_marks_mm is not None or (job.variant or "").startswith("pdf/x"):
        data = _press_ready(job, data)
    write_output(job.output, data)
    if job.html_copy is not None:
        write_output(job.html_copy, job.html.encode("utf-8"))
    return PdfResult(job.name, job.output, rendered.pages, rendered.seconds, rendered.inputs)


def _press_ready(job: PdfJob, data: bytes) -> bytes:
    from folio.production.press import NotPressReady, UnconvertibleColour, press_ready
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
