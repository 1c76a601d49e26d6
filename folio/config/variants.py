"""The PDF variants a profile can ask for, in one table: what each standard needs
and what the build, the press step and preflight do for it.

A new variant (one WeasyPrint can write) is one row of ``VARIANTS``; what follows
from its family (PDF/X: the press step; PDF/A: archival metadata; PDF/UA: a
structure tree) is said once, in the properties of ``PdfVariant``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PdfVariant:
    name: str | None            # WeasyPrint's pdf_variant ("pdf/x-4"); None: a plain PDF
    family: str = ""            # "x" (print), "a" (archive), "ua" (accessible), "" (none)
    header: str = ""            # the PDF version it needs at least (the file's header)
    max_header: str = ""        # the version it allows at most ("" any)
    transparency: bool = True   # whether it allows transparency (PDF/X-1a and X-3 do not)
    verapdf: str | None = None  # veraPDF's flavour, for the variants it validates

    @property
    def press(self) -> bool:
        """A print shop's file: CMYK, an output intent, press.py's step after
        WeasyPrint's, and images at print resolution."""
        return self.family == "x"

    @property
    def archival(self) -> bool:
        """PDF/A: its XMP says so, and so must an offprint's."""
        return self.family == "a"

    @property
    def tagged(self) -> bool:
        """Always a structure tree (PDF/UA), whatever the profile says."""
        return self.family == "ua"

    @property
    def one_tree(self) -> bool:
        """One structure tree for the whole document: an issue cannot be put together
        from pieces laid out apart (pipeline/parts.py), nor an offprint cut from it
        keep its tree."""
        return self.family in ("a", "ua")


VARIANTS: dict[str | None, PdfVariant] = {v.name: v for v in (
    PdfVariant(None),                               # the screen's: no standard
    PdfVariant("pdf/x-1a", "x", header="1.3", max_header="1.4", transparency=False),
    PdfVariant("pdf/x-3", "x", header="1.3", max_header="1.4", transparency=False),
    PdfVariant("pdf/x-4", "x", header="1.6"),
    PdfVariant("pdf/a-2b", "a", header="1.4", verapdf="2b"),
    PdfVariant("pdf/a-3b", "a", header="1.4", verapdf="3b"),
    PdfVariant("pdf/a-3u", "a", header="1.4", verapdf="3u"),
    PdfVariant("pdf/a-4u", "a", header="2.0", verapdf="4"),
    PdfVariant("pdf/ua-1", "ua", header="1.4", verapdf="ua1"),
)}
NAMES = tuple(name for name in VARIANTS if name is not None)    # what a profile may say


def variant_of(name: str | None) -> PdfVariant:
    """The row of ``name``; a name not in the table (one a file claims, for
    preflight) by its family alone."""
    if name in VARIANTS:
        return VARIANTS[name]
    assert name is not None
    family = next((f for f in ("x", "a", "ua") if name.startswith(f"pdf/{f}")), "")
    return PdfVariant(name, family)
