"""A process keeps one WeasyPrint font configuration from document to document
(folio/pdf/kept_fonts.py); each document still gets what a new one would give it."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pikepdf

from folio.pdf import kept_fonts
from folio.pdf.writer import PdfJob, render_pdf

FONTS = Path("/usr/share/fonts/opentype/urw-base35")
DECLARED = ("<style>@font-face { font-family: Face; src: url(fonts/face.otf) }"
            " p { font-family: Face }</style><p>Hello</p>")


def render(root: Path, html: str):
    return render_pdf(PdfJob("test.pdf", f"<html lang='en-US'>{html}</html>", root,
                             root / "test.pdf", root / "test.md"))


def fonts(rendered) -> set[tuple[str, str]]:
    """Each font's name (its CSS family) and its glyphs' widths, which tell the
    faces apart."""
    with pikepdf.open(io.BytesIO(rendered.data)) as document:
        return {(str(font.BaseFont).split("+")[-1], repr(font.get("/W") or font.get(
            "/DescendantFonts")[0].get("/W"))) for page in document.pages
            for font in page.Resources.Font.values()}


def test_each_document_gets_what_a_new_configuration_would_give_it(tmp_path: Path,
                                                                     monkeypatch):
    renewed: list[Path] = []
    renew = kept_fonts.renew
    monkeypatch.setattr(kept_fonts, "renew", lambda root: renewed.append(root) or renew(root))
    (tmp_path / "fonts").mkdir()
    face = tmp_path / "fonts" / "face.otf"
    shutil.copy(FONTS / "NimbusRoman-Regular.otf", face)

    first = render(tmp_path, DECLARED)
    second = render(tmp_path, DECLARED)
    assert len(renewed) == 1                        # the second document reused it
    assert fonts(second) == fonts(first)
    assert [name for name, _ in fonts(first)] == ["Face"]
    # Its face was read once, and is in both documents' records.
    assert second.inputs["fonts/face.otf"] == first.inputs["fonts/face.otf"]

    # A document that does not declare the face does not find it.
    undeclared = render(tmp_path, "<style>p { font-family: Face, 'DejaVu Sans' }</style>"
                                  "<p>Hello</p>")
    assert "Face" not in [name for name, _ in fonts(undeclared)]
    assert "fonts/face.otf" not in undeclared.inputs
    assert len(renewed) == 2

    # A face whose file changed is read again: no stale font.
    render(tmp_path, DECLARED)
    shutil.copy(FONTS / "NimbusSans-Regular.otf", face)
    later = face.stat().st_mtime_ns + 2_000_000_000
    os.utime(face, ns=(later, later))
    changed = render(tmp_path, DECLARED)
    assert [name for name, _ in fonts(changed)] == ["Face"]
    assert fonts(changed) != fonts(first)
    assert changed.inputs["fonts/face.otf"] != first.inputs["fonts/face.otf"]


def test_the_kept_configurations_folder_is_removed_when_forgotten(tmp_path: Path):
    (tmp_path / "fonts").mkdir()
    shutil.copy(FONTS / "NimbusRoman-Regular.otf", tmp_path / "fonts" / "face.otf")
    render(tmp_path, DECLARED)
    config = kept_fonts.font_configuration(tmp_path.resolve())
    folder = config._folder
    assert folder is not None and any(folder.iterdir())
    kept_fonts.forget()
    assert not folder.exists()
