"""A process keeps one WeasyPrint font configuration from document to document
(folio/pdf/kept_fonts.py); each document still gets what a new one would give it."""

from __future__ import annotations

import gc
import io
import os
import shutil
from pathlib import Path

import pikepdf
import pytest

from folio.errors import BuildError
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
    replace_face(face, "NimbusSans-Regular.otf")
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


def replace_face(face: Path, font: str) -> None:
    shutil.copy(FONTS / font, face)
    later = face.stat().st_mtime_ns + 2_000_000_000
    os.utime(face, ns=(later, later))


def test_a_face_changed_after_a_renewal_is_read_again(tmp_path: Path):
    """A document with other faces is laid out again with a new configuration:
    the files of its faces are watched from then on too."""
    (tmp_path / "fonts").mkdir()
    for name in ("a.otf", "b.otf"):
        shutil.copy(FONTS / "NimbusRoman-Regular.otf", tmp_path / "fonts" / name)
    declare = ("<style>@font-face {{ font-family: {0}; src: url(fonts/{0}.otf) }}"
               " p {{ font-family: {0} }}</style><p>Hello</p>").format
    render(tmp_path, declare("a"))
    first = render(tmp_path, declare("b"))          # other faces: a new configuration
    replace_face(tmp_path / "fonts/b.otf", "NimbusSans-Regular.otf")
    again = render(tmp_path, declare("b"))
    assert fonts(again) != fonts(first)
    assert again.inputs["fonts/b.otf"] != first.inputs["fonts/b.otf"]


def test_a_face_that_cannot_be_loaded_fails_every_document(tmp_path: Path):
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts/face.otf").write_bytes(b"not a font at all" * 100)
    for _ in range(2):                  # WeasyPrint warns only the first time it tries
        with pytest.raises(BuildError, match="cannot be loaded"):
            render(tmp_path, DECLARED)


def test_a_forked_process_leaves_its_parents_configuration_alone(tmp_path: Path):
    """A process that renders, then forks workers that render too (a build after
    a build, in one program): the children's configurations are their own."""
    from folio.pipeline.workers import _no_pango_thread
    (tmp_path / "fonts").mkdir()
    shutil.copy(FONTS / "NimbusRoman-Regular.otf", tmp_path / "fonts" / "face.otf")
    render(tmp_path, DECLARED)
    folder = kept_fonts.font_configuration(tmp_path.resolve())._folder
    # Pango's thread loading fontconfig's caches must be done before the fork, as
    # WorkerPool waits for it, or the child may wait for its lock forever: this
    # test forked while it ran, once, and hung the suite.
    assert _no_pango_thread(30)
    child = os.fork()
    if child == 0:                      # the child: render, forget, leave
        code = 1
        try:
            gc.freeze()                 # as a zygote: the parent's objects left alone
            # The parent's configuration is kept, never released in the child.
            inherited = [k.config for k in kept_fonts._inherited]
            render(tmp_path, DECLARED)
            kept_fonts.forget()
            gc.collect()                # WeasyPrint removes a collected one's folder
            code = 0 if inherited and inherited[-1]._folder is None else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert folder.exists() and any(folder.iterdir())
    assert fonts(render(tmp_path, DECLARED)) == fonts(render(tmp_path, DECLARED))
