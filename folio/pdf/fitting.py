"""How much room the parts of a document take once laid out: for saying which
language of a handout that does not fit is too long, and by about how much."""

from __future__ import annotations

from dataclasses import dataclass

from folio.pdf.writer import PdfJob


@dataclass(frozen=True)
class Layout:
    pages: int
    page_height: float                          # the text area of a page, CSS px
    heights: dict[tuple[str, str], float]       # (class, lang tag) -> CSS px


def measure(job: PdfJob, classes: tuple[str, ...]) -> Layout:
    """Lay ``job`` out (nothing written) and measure the elements of ``classes``."""
    from folio._compat import class_heights, text_area_height
    from folio.pdf import kept_fonts
    from folio.pdf.writer import _lay_out
    document, _ = _lay_out(job, kept_fonts.font_configuration(job.root.resolve()))
    return Layout(len(document.pages), text_area_height(document.pages[0]),
                  class_heights(document, classes))
