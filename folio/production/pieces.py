"""What an issue is put together from (assemble.py): its pieces and the plan of its
pages. Apart from assemble.py, so that planning them imports no PDF library."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from folio.pdf.writer import PartReport


@dataclass(frozen=True)
class Piece:
    """A laid-out PDF and its report; ``skip`` pages at its start are not used (a
    page laid out only to make the next one a left-hand page)."""

    pdf: Path
    report: PartReport
    skip: int = 0


@dataclass(frozen=True)
class PagePlan:
    """Where a page of the issue after the front comes from: a page of a piece, or
    none (a blank page), and its stamp, a page of one of the stamps' documents."""

    piece: int | None
    page: int
    stamps: int
    stamp: int
