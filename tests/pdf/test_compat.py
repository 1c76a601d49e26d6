"""The third-party internals folio relies on (folio/_compat/) are still there.

Each test names one internal; after an upgrade of WeasyPrint, a failure here says
which workaround to revisit, instead of a build failing somewhere deep.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
import time
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


def test_class_heights_sum_an_element_over_its_pages_by_language():
    """Boxes' ``element``, ``element_tag`` and ``margin_height()``: what handouts
    measure a language's share of the page with (pipeline/handouts.py)."""
    from folio._compat import class_heights
    document = HTML(string='<style>@page { size: 100mm 100mm; margin: 0 } p { margin: 0; '
                           'height: 30mm }</style><div class="half" lang="ko"><p>a</p><p>b'
                           '</p><p>c</p><p>d</p></div><div class="half" lang="en">'
                           '<p>e</p></div>').render()
    heights = class_heights(document, ("half",))
    px = 96 / 25.4
    assert len(document.pages) == 2
    # 90 mm of paragraphs on the first page (whose fragment runs on to the page's
    # foot: the room it leaves cannot be used), then 30 mm on the second.
    assert 120 <= round(heights[("half", "ko")] / px) <= 130
    assert round(heights[("half", "en")] / px) == 30


def test_line_internals_the_justification_and_hyphenation_wrap():
    """install_korean_justification wraps layout.inline.justify_line and
    text.line_break.Layout.set_text (drawing calls reactivate, which calls set_text
    with justify=True); install_hyphenation_limits wraps inline.split_first_line,
    reads the layout's text to see a hyphen, and Pyphen.iterate."""
    import pyphen
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    assert parameters(inline.justify_line) == ["context", "line", "extra_width"]
    assert parameters(inline.count_expandable_spaces) == ["box"]
    assert parameters(line_break.Layout.set_text) == ["self", "text", "justify"]
    assert "set_text(self.text, justify=True)" in inspect.getsource(
        line_break.Layout.reactivate)
    assert parameters(line_break.split_first_line) == [
        "text", "style", "context", "max_width", "justification_spacing",
        "is_line_start", "minimum"]
    assert "split_first_line(" in inspect.getsource(inline.split_text_box)
    assert parameters(pyphen.Pyphen.iterate) == ["self", "word"]
    assert "dictionary.iterate(" in inspect.getsource(line_break.split_first_line)


def test_the_document_id_finisher_writes_what_the_uuid4_patch_wrote(monkeypatch):
    """PDF/X-4's XMP DocumentID is WeasyPrint's ``uuid4()``; a ``write_pdf`` finisher
    (public API) sets it from the HTML's digest, to the very bytes the patch of
    ``metadata.uuid4`` it replaced wrote: the same file twice, no random ID."""
    import io
    import re
    import uuid

    import pikepdf
    from weasyprint.pdf import metadata

    from folio._compat import fixed_document_id
    value = "0123456789abcdef" * 4
    document = HTML(string="<p>a</p>").render()

    def written(**options) -> bytes:
        return document.write_pdf(pdf_variant="pdf/x-4", pdf_identifier=b"1" * 32, **options)

    def document_ids(pdf_bytes: bytes) -> list[bytes]:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            return re.findall(rb"xmp\.did:[-0-9a-f]+", pdf.Root.Metadata.read_bytes())
    # WeasyPrint alone: a new random DocumentID each time (what the finisher is for).
    first, second = document_ids(written()), document_ids(written())
    assert len(first) == 1 and first != second, (first, second)
    finished = written(finisher=fixed_document_id(value))
    assert finished == written(finisher=fixed_document_id(value))
    assert document_ids(finished) == [b"xmp.did:01234567-89ab-cdef-0123-456789abcdef"]
    monkeypatch.setattr(metadata, "uuid4", lambda: uuid.UUID(value[:32]))
    assert written() == finished                    # the former patch's file, byte for byte


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


# -- issues laid out by parts ---------------------------------------------------------

NOTO = "font-family: 'Noto Sans CJK KR'"


def test_used_fonts_keep_their_face_and_the_glyphs_drawn():
    from folio._compat import face_data, plain_vector_font, used_fonts
    document = HTML(string=f"<p style=\"{NOTO}\">창의도시 city</p>").render()
    document.write_pdf()
    [font] = used_fonts(document)
    assert plain_vector_font(font) and font.type == "otf"
    assert font.widths and font.to_unicode            # by glyph id, for the glyphs drawn
    assert {"창", "의", "c", "y"} <= set(font.to_unicode.values())
    data = face_data(font)
    assert data[:4] == b"ttcf"                    # the whole collection, not a cut
    assert len(data) > 10_000_000


def test_fonts_left_uncut_embed_no_program_and_restore_the_cut():
    import pikepdf

    from folio._compat import fonts_left_uncut

    def programs(pdf: bytes) -> list[int]:
        found = []
        with pikepdf.open(__import__("io").BytesIO(pdf)) as opened:
            for obj in opened.objects:
                for key in ("/FontFile2", "/FontFile3"):
                    if isinstance(obj, pikepdf.Dictionary) and key in obj:
                        found.append(len(obj[key].read_bytes()))
        return found

    page = f"<p style=\"{NOTO}\">창의도시</p>"
    with fonts_left_uncut():
        uncut = programs(HTML(string=page).write_pdf())
    cut = programs(HTML(string=page).write_pdf())
    assert uncut == [4]                         # the signature Font.type reads
    assert cut and min(cut) > 1000              # WeasyPrint's own cut again afterwards


def test_bookmark_tree_nests_as_weasyprint_does():
    from folio._compat import bookmark_tree
    document = HTML(string="<h1>One</h1><h2>One.a</h2><h1 style='break-before: page'>"
                           "Two</h1>").render()
    pages = [(page.height, page.bookmarks) for page in document.pages]
    tree = bookmark_tree(pages)
    assert [(label, target[0], [c[0] for c in children]) for label, target, children, _
            in tree] == [("One", 0, ["One.a"]), ("Two", 1, [])]


def test_fonttools_subset_is_imported_only_when_weasyprint_uses_it():
    """WeasyPrint binds ``fontTools.subset`` at import; deferred, a worker starts
    sooner, and the fallback that uses it still finds it whole."""
    script = textwrap.dedent("""
        import sys
        from folio.pdf.ffi_cache import import_weasyprint
        import_weasyprint()
        from weasyprint import HTML
        from weasyprint.pdf import fonts
        HTML(string="<p>a</p>").write_pdf()
        lazy = type(sys.modules["fontTools.subset"]).__name__
        assert fonts.subset is sys.modules["fontTools.subset"]
        options = fonts.subset.Options()            # what WeasyPrint's fallback uses
        print(lazy, type(sys.modules["fontTools.subset"]).__name__, bool(options))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["_LazyModule", "module", "True"]


def test_font_faces_are_added_once_per_configuration_under_the_rules_md5(tmp_path):
    """pdf/kept_fonts.py keeps a configuration between documents; it relies on
    ``add_font_face(rule_descriptors, url_fetcher)`` copying a face's file to
    ``_folder / md5(str(rule_descriptors))`` and doing nothing if that exists."""
    import hashlib

    from weasyprint.text.fonts import FontConfiguration

    from folio._compat import recording_font_configuration, remove_font_folder
    assert parameters(FontConfiguration.add_font_face) == ["self", "rule_descriptors",
                                                            "url_fetcher"]
    config = recording_font_configuration()
    font = "/usr/share/fonts/opentype/urw-base35/NimbusRoman-Regular.otf"
    html = (f"<style>@font-face {{ font-family: Face; src: url(file://{font}) }}"
            "p { font-family: Face }</style><p>a</p>")
    try:
        HTML(string=html).render(font_config=config)
        [key] = config.faces
        assert config.asked == [key]
        assert (config._folder / hashlib.md5(key.encode()).hexdigest()).is_file()
    finally:
        remove_font_folder(config)


def test_stylesheets_parsed_once_apply_as_parsed_each_time():
    """_compat.install_stylesheet_cache replaces WeasyPrint's find_stylesheets: it
    must be called as get_all_computed_styles calls it, and a document laid out
    with kept stylesheets must come out as one laid out with new ones, @page rules
    of several stylesheets (one kept, one parsed each time) applied in order."""
    import weasyprint.css as weasy_css

    from folio._compat import _STYLESHEETS, install_stylesheet_cache, page_box
    assert parameters(weasy_css.find_stylesheets) == [
        "wrapper_element", "device_media_type", "url_fetcher", "base_url", "font_config",
        "counter_style", "color_profiles", "page_rules", "layers"]
    assert "find_stylesheets(" in inspect.getsource(weasy_css.get_all_computed_styles)
    install_stylesheet_cache()
    assert getattr(weasy_css.find_stylesheets, "folio", False)

    def page(first: str, second: str) -> tuple[float, float, float]:
        laid_out = HTML(string=f"<style>{first}</style><style>{second}</style><p>a</p>"
                        ).render().pages[0]
        box = page_box(laid_out)
        return laid_out.width, laid_out.height, box.margin_top
    kept = "@page { size: 100px 200px; margin: 7px }"
    each_time = '@counter-style x { system: cyclic; symbols: "*" } @page { size: 300px 400px }'
    patched = weasy_css.find_stylesheets
    weasy_css.find_stylesheets = patched.original
    try:
        expected = [page(kept, each_time), page(each_time, kept)]
    finally:
        weasy_css.find_stylesheets = patched
    assert expected[0] != expected[1]
    for _ in range(2):                          # parsed, then kept
        assert [page(kept, each_time), page(each_time, kept)] == expected
    assert any(key[0] == kept for key in _STYLESHEETS)
    assert not any(key[0] == each_time for key in _STYLESHEETS)


def test_a_stylesheet_whose_parse_does_more_is_parsed_for_each_document(tmp_path):
    """Kept only when its parse read no file, added no counter style and said
    nothing, however the at-rule is spelled (CSS ignores case): a counter style
    is the document's, an imported file may change between two documents."""
    import logging

    from weasyprint.urls import URLFetcher

    from folio._compat import _STYLESHEETS, install_stylesheet_cache, page_box
    install_stylesheet_cache()
    counter = ('<style>@COUNTER-STYLE stars { system: cyclic; symbols: "*"; suffix: " " }'
               ' ol { list-style: stars inside }</style><ol><li>one</li></ol>')
    for _ in range(2):
        pdf = tmp_path / "list.pdf"
        HTML(string=counter).write_pdf(pdf)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "* one" in text and "1." not in text
    fetched = []

    class Counting(URLFetcher):
        def fetch(self, url, headers=None):
            fetched.append(url)
            return super().fetch(url, headers)
    imported = tmp_path / "extra.css"
    page = "<style>@Import url(extra.css); p { margin: 0 }</style><p>x</p>"

    def colour() -> tuple:
        box = page_box(HTML(string=page, base_url=tmp_path.as_uri() + "/",
                            url_fetcher=Counting()).render().pages[0])
        while box.children:
            box = box.children[0]
        return tuple(box.style["color"].coordinates)
    imported.write_text("p { color: rgb(255, 0, 0) }", encoding="utf-8")
    assert colour() == (1, 0, 0)
    imported.write_text("p { color: rgb(0, 0, 255) }", encoding="utf-8")
    assert colour() == (0, 0, 1) and len(fetched) == 2
    # A first parse under a quieter logger would not hear a warning: not kept.
    logger = logging.getLogger("weasyprint")
    saved = logger.level
    logger.setLevel(logging.ERROR)
    try:
        HTML(string="<style>p { colur: blue }</style><p>a</p>").render()
    finally:
        logger.setLevel(saved)
    kept = [key[0] for key in _STYLESHEETS]
    assert not any("stars" in k or "extra.css" in k or "colur" in k for k in kept)


def test_each_stream_is_compressed_once_and_the_file_is_the_same(monkeypatch):
    """_compat.install_single_compression keeps a stream's bytes while pydyf writes
    one PDF, which asks for them twice when the file has an identifier (as
    WeasyPrint's always have): written, then hashed for the identifier."""
    import io
    import zlib

    import pydyf

    from folio._compat import install_single_compression
    write, data = pydyf.PDF.write, pydyf.Stream.data.fget       # as pydyf has them
    write, data = getattr(write, "original", write), getattr(data, "original", data)
    assert "obj.data for obj in self.objects" in inspect.getsource(write)
    assert "compressobj" in inspect.getsource(data)
    install_single_compression()
    assert getattr(pydyf.PDF.write, "folio", False)

    def written(write) -> tuple[bytes, int]:
        made = []
        compressobj = zlib.compressobj
        monkeypatch.setattr(zlib, "compressobj",
                            lambda *a, **k: made.append(1) or compressobj(*a, **k))
        pdf = pydyf.PDF()
        for text in ("first", "second"):
            page = pydyf.Stream([f"BT /F1 12 Tf ({text}) Tj ET".encode()], compress=True)
            pdf.add_object(page)
        output = io.BytesIO()
        write(pdf, output, b"1.7", True, True)
        monkeypatch.undo()
        return output.getvalue(), len(made)
    once, compressions = written(pydyf.PDF.write)
    twice, before = written(pydyf.PDF.write.original)
    assert once == twice
    # Two pages and the object stream, then the cross-reference stream, made after
    # the hash: seven compressions before, four now.
    assert (compressions, before) == (4, 7)


def test_a_stream_read_by_another_thread_during_a_write_is_its_own(monkeypatch):
    """The streams kept during a write are the writing thread's: another thread
    that changes a stream meanwhile reads its new bytes."""
    import io
    import threading

    import pydyf

    from folio._compat import install_single_compression
    install_single_compression()
    reached, go = threading.Event(), threading.Event()

    class Held(io.BytesIO):
        def write(self, data):
            if b"endstream" in data:        # a stream written, the hash still to come
                reached.set()
                go.wait(10)
            return super().write(data)
    shared = pydyf.Stream([b"BT (old) Tj ET"], compress=True)
    pdf = pydyf.PDF()
    pdf.add_object(shared)
    writer = threading.Thread(target=pdf.write, args=(Held(), b"1.7", True, True))
    writer.start()
    try:
        assert reached.wait(10)
        old = shared.data
        shared.stream[:] = [b"BT (new) Tj ET"]
        assert shared.data != old
    finally:
        go.set()
        writer.join()


def _state(pid: int) -> str:
    """A process's state letter, as /proc/PID/stat gives it (Z: zombie)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_font_folders_are_named_by_process_and_orphans_removed(tmp_path, monkeypatch):
    """A worker killed outright leaves WeasyPrint's copy of the @font-face files
    (12 MB) behind; named after its process, the next build removes it."""
    import os
    import tempfile

    from weasyprint.text.fonts import FontConfiguration

    from folio._compat import own_font_folder, remove_font_folder, remove_orphan_font_folders
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    config = FontConfiguration()
    own_font_folder(config)
    mine = config._folder
    assert mine.parent == tmp_path and mine.name.startswith(f"weasyprint-folio-{os.getpid()}-")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan = tmp_path / f"weasyprint-folio-{gone}-x1y2"
    (orphan / "font").mkdir(parents=True)
    other = tmp_path / "weasyprint-abc"             # WeasyPrint's own name: not ours
    other.mkdir()
    # A process that has ended but is not yet collected (a zombie) has ended too.
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    while _state(zombie.pid) != "Z":
        time.sleep(0.01)
    undead = tmp_path / f"weasyprint-folio-{zombie.pid}-z9"
    undead.mkdir()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    living = tmp_path / f"weasyprint-folio-{alive.pid}-a1"
    living.mkdir()
    # A process whose first thread has ended shows Z too, but another thread runs.
    headless = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import ctypes, threading, time
        libc = ctypes.CDLL(None)
        threading.Thread(target=lambda: libc.sleep(30)).start()
        time.sleep(0.2)
        libc.pthread_exit(None)
        """)])
    while _state(headless.pid) != "Z":
        time.sleep(0.01)
    running = tmp_path / f"weasyprint-folio-{headless.pid}-h1"
    running.mkdir()
    try:
        remove_orphan_font_folders()
    finally:
        for process in (alive, headless):
            process.kill()
            process.wait()
        zombie.wait()
    assert not orphan.exists() and not undead.exists()
    assert mine.is_dir() and other.is_dir() and living.is_dir() and running.is_dir()
    remove_font_folder(config)
    assert not mine.exists()


def test_markdown_it_internals_the_markdown_rules_rely_on():
    """folio/_compat.py's markdown-it wrappers: if an upgrade moves what they use,
    this names it (issue 28)."""
    import importlib

    from markdown_it import MarkdownIt
    from markdown_it.rules_block.table import escapedSplit, getLine  # noqa: F401
    from markdown_it.rules_core import replacements
    from markdown_it.rules_inline.state_inline import Scanned, StateInline

    from folio._compat import (
        UsedReferences,
        cjk_friendly_emphasis,
        cjk_friendly_quotes,
        count_table_cells,
        dashes_only,
        note_unpaired_marks,
    )
    smartquotes = importlib.import_module("markdown_it.rules_core.smartquotes")
    assert callable(smartquotes.isPunctChar)
    assert hasattr(StateInline, "scanDelims") and Scanned(True, False, 2).length == 2
    for name in ("EM_DASH_RE", "EN_DASH_RE", "EN_DASH_INDENT_RE"):
        assert hasattr(replacements, name), name
    md = MarkdownIt("commonmark", {"typographer": True}).enable(
        ["table", "replacements", "smartquotes", "strikethrough"])
    assert [r.alt for r in md.block.ruler.__rules__ if r.name == "table"] == \
        [["paragraph", "reference"]]
    for wrap in (dashes_only, count_table_cells, cjk_friendly_emphasis, cjk_friendly_quotes,
                 note_unpaired_marks):
        wrap(md)
    env: dict = {"references": UsedReferences()}
    html = md.render("| a |\n|---|\n| b | c |\n\n**'창의'**는 (c) -- [x][r] 한*\n\n"
                     "[r]: https://example.org\n", env)
    assert env["table_rows_too_long"] == [(2, 2, 1)]
    assert "<strong>‘창의’</strong>는 (c) – " in html
    assert env["references"].used == {"R"}
    assert list(env["unpaired_marks"].values()) == [[("*", "한", " ")]]


# -- the pins (folio/_compat/pins.py, UPGRADING.md) ---------------------------------------

def _python(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True,
                          text=True, check=False, timeout=300)


def test_every_pinned_callable_is_as_pinned():
    """Read in a fresh process, before folio patches anything: after an upgrade, the
    failure lists each callable that changed, who depends on it and what to re-check."""
    done = subprocess.run([sys.executable, "-m", "folio._compat.pins"], capture_output=True,
                          text=True, check=False, timeout=300)
    assert done.returncode == 0, "re-check (UPGRADING.md):\n" + done.stdout + done.stderr
    assert "pins and" in done.stdout


def test_a_changed_callable_is_named_with_what_to_recheck():
    from folio._compat.pins import PINS, Pin, resolve, signature_of, source_hash, stale
    pin = next(p for p in PINS if p.target == "weasyprint.layout.inline:justify_line")
    found = resolve(pin.target)
    assert signature_of(found) == "(context, line, extra_width)"
    assert source_hash(found) == pin.source or getattr(found, "__module__", "") != \
        "weasyprint.layout.inline"          # patched in this process: pinned in a fresh one
    edited = Pin("weasyprint.css:get_all_computed_styles", pin.signature, "0" * 16,
                 "stylesheets: a test", "the arguments")
    [message] = stale([edited], {})
    assert message.startswith("weasyprint.css:get_all_computed_styles (stylesheets: a test)")
    assert "signature (html, " in message and "and source changed" in message
    assert message.endswith("Re-check: the arguments")
    [gone] = stale([Pin("weasyprint.layout.inline:justify_lines", "", "", "x", "y")], {})
    assert "justify_lines (x): gone" in gone
    [version] = stale([], {"pydyf": "0.0.1"})
    assert version.startswith("pydyf ") and "pins were read in 0.0.1" in version


def test_the_pin_table_is_what_update_writes():
    """``--update`` rewrites the table with what is installed: as pinned now, the
    same text (so a hand edit of a hash or signature shows here too)."""
    from folio._compat import pins
    text = Path(pins.__file__).read_text(encoding="utf-8")
    start, end = text.index("VERSIONS = {"), text.index("# -- end of the table")
    fresh = _python("""
        from folio._compat import pins
        print(pins.table(), end="")
    """)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout == text[start:end]


def test_every_patch_folio_makes_is_pinned():
    """Each module or class attribute of WeasyPrint, pydyf and Pyphen that folio's
    patches replace is a pinned callable: a new patch without a pin fails here."""
    done = _python("""
        import inspect, sys
        from folio.pdf.ffi_cache import import_weasyprint
        import_weasyprint()
        import pydyf, pyphen, weasyprint.css, weasyprint.pdf.fonts
        from folio import _compat
        from folio._compat.pins import PINS, resolve
        pinned = {id(resolve(pin.target)) for pin in PINS}

        def attributes():
            found = {}
            for name, module in list(sys.modules.items()):
                if name.split(".")[0] not in ("weasyprint", "pydyf", "pyphen"):
                    continue
                for key, value in list(vars(module).items()):
                    found[f"{name}:{key}"] = value
                    if inspect.isclass(value) and value.__module__ == name:
                        for attr, member in vars(value).items():
                            found[f"{name}:{key}.{attr}"] = member
            return found
        before = attributes()
        _compat.install_tagging()
        _compat.install_korean_justification()
        _compat.install_hyphenation_limits()
        _compat.install_stylesheet_cache()
        _compat.install_single_compression()
        with _compat.fonts_left_uncut():
            after = attributes()
        changed = sorted(k for k, v in before.items() if after.get(k, v) is not v)
        unpinned = [k for k in changed
                    if id(getattr(before[k], "fget", before[k])) not in pinned]
        print(len(changed), unpinned)
    """)
    assert done.returncode == 0, done.stderr
    count, unpinned = done.stdout.split(" ", 1)
    assert unpinned.strip() == "[]"
    assert int(count) >= 11     # tagging 3, justification 2, hyphenation 2, css, pydyf 2, Font


def test_only_compat_imports_third_party_internals():
    """WeasyPrint's public API (``weasyprint``, ``weasyprint.urls``) may be used
    anywhere; its other modules, pydyf, cffi, Pyphen and Babel's command line
    module only in folio/_compat/, as the private attributes read there."""
    import ast

    import folio
    package = Path(folio.__file__).parent
    allowed = {"weasyprint", "weasyprint.urls"}
    private = {"_page_box", "_folder", "_header_comment", "_build_box_tree", "_box"}
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.is_relative_to(package / "_compat"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if (top == "weasyprint" and name not in allowed) or top in (
                        "pydyf", "cffi", "_cffi_backend", "pyphen") \
                        or name == "babel.messages.frontend":
                    found.append(f"{path.relative_to(package)}:{node.lineno}: {name}")
            if isinstance(node, ast.Attribute) and node.attr in private:
                found.append(f"{path.relative_to(package)}:{node.lineno}: .{node.attr}")
    assert found == []
