"""The third-party internals folio relies on (folio/_compat.py) are still there.

Each test names one internal; after an upgrade of WeasyPrint, a failure here says
which workaround to revisit, instead of a build failing somewhere deep.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from weasyprint import HTML


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_tagging_internals_have_the_shape_the_wrappers_expect():
    from weasyprint import anchors
    from weasyprint import pdf as weasy_pdf
    from weasyprint.pdf import stream, tags

    assert parameters(tags._build_box_tree) == [
        "box", "parent", "pdf", "page_number", "nums", "annotations", "tags"]
    assert parameters(weasy_pdf.add_tags) == ["pdf", "document", "pdf_version",
                                              "page_streams"]
    assert parameters(stream.Stream.marked) == ["self", "box", "tag"]
    assert parameters(anchors.gather_anchors) == [
        "box", "anchors", "links", "bookmarks", "forms", "parent_matrix", "parent_form",
        "parent_link"]


def test_box_internals():
    from weasyprint.formatting_structure import boxes

    from folio._compat import page_box
    document = HTML(string="<style>@page { @top-center { content: 'head' } }</style>"
                           "<p>text</p>").render()
    root = page_box(document.pages[0])
    assert isinstance(root, boxes.PageBox)
    margins = [b for b in root.descendants() if isinstance(b, boxes.MarginBox)]
    assert margins and margins[0].at_keyword == "@top-center"
    assert any(isinstance(b, boxes.LineBox) for b in root.descendants())
    assert boxes.InlineBox.is_leader is False          # set True on leader() boxes


def test_document_id_is_a_uuid4_of_the_metadata_module():
    from weasyprint.pdf import metadata

    assert metadata.uuid4.__module__ == "uuid"


def test_tagging_patch_installs_and_writes_artifacts(tmp_path):
    from folio._compat import flag_artifacts, install_tagging
    install_tagging()
    document = HTML(string="<html lang=en><style>@page { @bottom-center { content: "
                           "counter(page) } }</style><p>text</p></html>").render()
    flag_artifacts(document)
    data = document.write_pdf(pdf_variant="pdf/ua-1")
    import io

    import pikepdf
    with pikepdf.open(io.BytesIO(data)) as pdf:
        operators = pikepdf.parse_content_stream(pdf.pages[0], "BDC")
        tags = [str(operands[0]) for operands, _ in operators]
    assert "/Artifact" in tags and "/Span" in tags


def test_cffis_out_of_line_emitter():
    import cffi

    from folio._compat import make_py_source
    builder = cffi.FFI()
    builder.cdef("int abs(int);")
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "_module.py"
        make_py_source(builder, "_module", str(target))
        assert "_cffi_backend.FFI(" in target.read_text(encoding="utf-8")
