"""Every third-party callable folio patches, re-implements or relies on, pinned by
its signature and a hash of its source, and the versions they were read in.

An upgrade of WeasyPrint (or pydyf, cffi, Pyphen, Babel, markdown-it-py) that
changes one of them fails tests/pdf/test_compat.py naming it, the folio code that
depends on it and what to re-check, instead of a build going subtly wrong. After
re-checking (UPGRADING.md):

    .venv/bin/python -m folio._compat.pins            # what changed
    .venv/bin/python -m folio._compat.pins --update   # pin what is installed now

Targets are ``module:attribute.path``; a property is pinned by its getter, a
module by its whole text. The hashes are read in a fresh process, before folio
patches anything (``python -m`` runs this module alone).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Pin:
    target: str         # "module:attribute.path"
    signature: str      # str(inspect.signature(...)), "" for a module
    source: str         # sha256 of inspect.getsource(...), first 16 hex digits
    by: str             # the folio code that depends on it, and how
    check: str          # what to re-check when it changes


# -- the table: rewritten by --update (keep its shape) ---------------------------------
VERSIONS = {
    'weasyprint': '70.0',
    'pydyf': '0.13.0',
    'tinycss2': '1.5.1',
    'cssselect2': '0.10.1',
    'cffi': '2.1.1',
    'pyphen': '0.18.1',
    'babel': '2.18.0',
    'markdown-it-py': '4.3.0',
}

PINS: tuple[Pin, ...] = (
    Pin('weasyprint.pdf.tags:_build_box_tree',
        signature='(box, parent, pdf, page_number, nums, annotations, tags)',
        source='f716251a83e7096e',
        by="tagging.install_tagging: wrapped, and called for a column's cells",
        check='the structure elements it yields (S, K, Pg, P) and its parameters: '
              'artifacts, roles, /Lang, /Scope, margin paragraphs and column sections '
              '(tests/pdf/test_compat.py, tests/production/test_validators.py, veraPDF)'),
    Pin('weasyprint.pdf:add_tags',
        signature='(pdf, document, pdf_version, page_streams)',
        source='f0e74575b0bafaf3',
        by='tagging.link_notes: a write_pdf finisher gives footnote calls their /Ref in '
           'the tree it built',
        check='that it still builds the whole tree in one call, before the finisher runs'),
    Pin('weasyprint.pdf.stream:Stream.marked',
        signature='(self, box, tag)',
        source='3fa3acacbbf66422',
        by='tagging.install_tagging: wrapped (artifacts)',
        check='that every tagged box is drawn inside marked(box, tag) and self._tags is '
              'None when untagged'),
    Pin('weasyprint.anchors:gather_anchors',
        signature='(box, anchors, links, bookmarks, forms, parent_matrix=None, '
                  'parent_form=None, parent_link=None)',
        source='373f8c676f27da3b',
        by="tagging.install_tagging: wrapped (no link annotations for a link's inner boxes)",
        check="parent_link's meaning (Kozea/WeasyPrint#2482: drop the wrapper once fixed)"),
    Pin('weasyprint.formatting_structure.boxes:Box.__init__',
        signature='(self, element_tag, style, element)',
        source='1b2ea2ec45b9fca4',
        by='tagging, boxes: box.element, element_tag, style, position_x/y, width, height '
           'read',
        check='the box attributes tagging.py and boxes.py read'),
    Pin('weasyprint.formatting_structure.boxes:ParentBox.descendants',
        signature='(self, placeholders=False)',
        source='c15a877f61361343',
        by='tagging.flag_artifacts, boxes: walked with placeholders=True',
        check='that it still yields the box, then its descendants, AbsolutePlaceholders '
              'included'),
    Pin('weasyprint.formatting_structure.boxes:Box.margin_height',
        signature='(self)',
        source='2c8587a461512480',
        by='boxes: floats_after_holes, blank_below, class_heights',
        check='that it is still the height with padding, border and margin, CSS px'),
    Pin('weasyprint.formatting_structure.boxes:Box.content_box_y',
        signature='(self)',
        source='60e8cc23c960d5c0',
        by="boxes: the top of a page's text area",
        check="the page box's content edge, CSS px"),
    Pin('weasyprint.formatting_structure.boxes:Box.content_box_x',
        signature='(self)',
        source='d264fc466c66eb09',
        by="boxes.ink_beyond: the left of a page's text area",
        check="the page box's content edge, CSS px"),
    Pin('weasyprint.layout.absolute:AbsolutePlaceholder.__init__',
        signature='(self, box)',
        source='c21e457ad551b4d8',
        by='tagging, boxes.ink_boxes: placeholder._box read',
        check='that a placeholder still holds its box as _box'),
    Pin('weasyprint.document:Page.__init__',
        signature='(self, page_box)',
        source='56afceec729bf2c1',
        by='boxes.page_box: Page._page_box read',
        check='that a Page still keeps its laid-out box tree as _page_box'),
    Pin('weasyprint.layout.inline:justify_line',
        signature='(context, line, extra_width)',
        source='f83b21ff8793ba6b',
        by='justification.install_korean_justification: wrapped (Korean lines, KLREQ)',
        check="how it spreads extra_width over the line's spaces: the Korean branch "
              're-does it (spread) with syllable spacing; tests/render/test_korean_page.py'),
    Pin('weasyprint.layout.inline:count_expandable_spaces',
        signature='(box)',
        source='175fe6f42576ed38',
        by='justification: called',
        check='that it still counts the spaces justify_line widens'),
    Pin('weasyprint.text.line_break:Layout.set_text',
        signature='(self, text, justify=False)',
        source='fe23ca9937dbf520',
        by='justification: wrapped (letter-spacing on Hangul runs when justify=True)',
        check="its parameters and that it still sets the Pango layout's text and attributes"),
    Pin('weasyprint.text.line_break:Layout.reactivate',
        signature='(self, style)',
        source='0b89ee097104b713',
        by='justification: relies on it calling set_text(self.text, justify=True) when '
           'drawing',
        check='that drawing still re-creates the layout through set_text with justify=True'),
    Pin('weasyprint.text.line_break:create_layout',
        signature='(text, style, context, max_width, justification_spacing)',
        source='6587192cc0ab3ffa',
        by='justification.spread: called',
        check='its parameters (text, style, context, max_width, justification_spacing)'),
    Pin('weasyprint.text.line_break:line_size',
        signature='(line, style)',
        source='03fa04fd51fc69aa',
        by='justification.spread: called',
        check='that it still returns (width, height) of a line'),
    Pin('weasyprint.text.line_break:split_first_line',
        signature='(text, style, context, max_width, justification_spacing, '
                  'is_line_start=True, minimum=False)',
        source='39ad1016863ca34d',
        by='hyphenation.install_hyphenation_limits: wrapped (as inline.split_first_line)',
        check='its parameters and result (layout, length, resume_index, ...), and how it '
              "reads style['hyphens']; tests/render/test_english_page.py"),
    Pin('weasyprint.layout.inline:split_text_box',
        signature='(context, box, available_width, skip, is_line_start=True)',
        source='8c564329599ef23f',
        by="hyphenation: relies on it calling split_first_line from inline's namespace",
        check='that inline layout still calls split_first_line through '
              'weasyprint.layout.inline'),
    Pin('pyphen:Pyphen.iterate',
        signature='(self, word)',
        source='f2a0f8af4dc26910',
        by='hyphenation: wrapped (no break inside a capitalised word)',
        check='that line_break still hyphenates through dictionary.iterate(word)'),
    Pin('weasyprint.css:find_stylesheets',
        signature='(wrapper_element, device_media_type, url_fetcher, base_url, '
                  'font_config, counter_style, color_profiles, page_rules, layers)',
        source='ac92dbb80c3fd936',
        by='stylesheets.install_stylesheet_cache: re-implemented (each <style> parsed once)',
        check='compare the walk with stylesheets.find_stylesheets: which elements, media, '
              'type, @page rules and layers; tests/pdf/test_compat.py -k stylesheet'),
    Pin('weasyprint.css:get_all_computed_styles',
        signature='(html, user_stylesheets=None, presentational_hints=False, '
                  'font_config=None, counter_style=None, color_profiles=None, '
                  'page_rules=None, layers=None, target_collector=None, forms=False)',
        source='e4063ec7d60e70be',
        by='stylesheets: calls find_stylesheets with the arguments the re-implementation '
           'takes',
        check='the arguments it passes to find_stylesheets and what it does with '
              'page_rules and layers'),
    Pin('weasyprint.css:CSS.__init__',
        signature='(self, guess=None, filename=None, url=None, file_obj=None, string=None, '
                  'encoding=None, base_url=None, url_fetcher=None, _check_mime_type=False, '
                  "media_type='print', font_config=None, counter_style=None, "
                  'color_profiles=None, matcher=None, page_rules=None, layers=None, '
                  'layer=None)',
        source='8263e6979a389242',
        by='stylesheets._parsed_style: built with counter_style, color_profiles, page_rules',
        check='its keyword arguments, and whether a parse still adds @font-face rules '
              'through font_config.add_font_face'),
    Pin('weasyprint.css:get_child_text',
        signature='(element)',
        source='03854ca0c098d237',
        by='stylesheets: the text of a <style>',
        check="that it still returns the element's text"),
    Pin('weasyprint.css.media_queries:evaluate_media_query',
        signature='(query_list, device_media_type)',
        source='49a13161937b220d',
        by='stylesheets: a <style media=...>',
        check='its parameters'),
    Pin('weasyprint.pdf.metadata:DocumentMetadata.generate_rdf_metadata',
        signature='(self, variant, version, conformance)',
        source='bc3e78ab24f1a809',
        by="writing.fixed_document_id: a finisher rewrites its 'xmp.did:' + uuid4()",
        check='the DocumentID it writes for PDF/X-4 (a new option to set it would replace '
              "the finisher); every profile's PDFs byte-identical twice"),
    Pin('weasyprint.pdf.metadata:DocumentMetadata.include_in_pdf',
        signature='(self, pdf, variant, version, conformance, compress)',
        source='9dc4e74198a96e21',
        by='writing.fixed_document_id: the XMP is one uncompressed-until-written stream '
           "under catalog['Metadata']",
        check="that the XMP is still a pydyf.Stream referenced by pdf.catalog['Metadata']"),
    Pin('weasyprint.document:Document.write_pdf',
        signature='(self, target=None, zoom=1, finisher=None, **options)',
        source='086e4a8e99981829',
        by='writing.fixed_document_id: passed as finisher',
        check='that the finisher still runs before pdf.write'),
    Pin('pydyf:PDF.write',
        signature="(self, output, version=b'1.7', identifier=False, compress=False)",
        source='242cd38f92ecd33f',
        by='writing.install_single_compression: wrapped (each stream compressed once)',
        check='that it still asks obj.data twice (written, then hashed for the '
              'identifier); the file must stay the same'),
    Pin('pydyf:Stream.data',
        signature='(self)',
        source='bdc2bc513f286de7',
        by='writing.install_single_compression: replaced by a property keeping its bytes '
           'per write',
        check="that a stream's bytes still depend only on the stream (zlib level 9)"),
    Pin('weasyprint.anchors:make_page_bookmark_tree',
        signature='(page, skipped_levels, last_by_depth, previous_level, page_number, '
                  'matrix)',
        source='269c0c4e1b2d5c20',
        by="writing.bookmark_tree: called (an issue's outline, put together)",
        check='its parameters and the (label, target, children, state) it appends'),
    Pin('weasyprint.text.fonts:FontConfiguration.add_font_face',
        signature='(self, rule_descriptors, url_fetcher)',
        source='e4fcfcc36ed8c310',
        by='fonts.recording_font_configuration: overridden (kept between documents)',
        check="that a face's file is still copied to _folder / md5(str(rule_descriptors)) "
              'and that adding it twice does nothing'),
    Pin('weasyprint.text.fonts:FontConfiguration.__init__',
        signature='(self)',
        source='9fdb532fe2c80013',
        by='fonts: own_font_folder, remove_font_folder, disown_font_folder set _folder',
        check='that _folder is still the temporary folder the configuration copies faces '
              'to, made on first use'),
    Pin('weasyprint.text.fonts:FontConfiguration.__del__',
        signature='(self)',
        source='b325ecf9683e945e',
        by='fonts: removes _folder itself',
        check='that __del__ still removes _folder only'),
    Pin('weasyprint.pdf.fonts:Font.__init__',
        signature='(self, pango_font, description, font_size)',
        source='1f281166b10302a4',
        by='fonts.drawn_fonts, plain_vector_font: hash, name, hb_face, index, widths, '
           'to_unicode, missing, bitmap, used_in_forms, type, tables, png, svg, colr read',
        check='the Font attributes named in fonts.py (production/fontmerge.py merges what '
              'they describe)'),
    Pin('weasyprint.pdf.fonts:Font.clean',
        signature='(self, to_unicode, hinting)',
        source='794f0211f18453f1',
        by='fonts.fonts_left_uncut: replaced while a piece of an issue is written',
        check='its parameters and that font.file_content is still what is embedded'),
    Pin('weasyprint.pdf.fonts:Font._harfbuzz_subset',
        signature='(self, to_unicode, hinting)',
        source='f80805663ede8080',
        by='production/fontmerge.cut: re-implemented (an issue cut once from its parts)',
        check='compare with fontmerge.cut and _DROPPED_TABLES: the flags (RETAIN_GIDS), '
              'the tables dropped, the glyphs kept'),
    Pin('weasyprint.pdf.fonts:build_fonts_dictionary',
        signature='(pdf, fonts, compress, subset, options)',
        source='fc551bef35d0d6c3',
        by='production/fontmerge: re-implemented (/W runs, /ToUnicode CMap, /CIDSet of the '
           'merged font)',
        check='compare with fontmerge._widths_array, _to_unicode_cmap and _cid_set: what '
              'WeasyPrint writes for a vector font'),
    Pin('weasyprint.pdf.fonts:_build_vector_font_dictionary',
        signature='(font_dictionary, pdf, font, widths, compress, reference, pdf_version)',
        source='aa6eea312c6e3375',
        by="production/fontmerge: re-implemented (the font dictionaries an issue's parts "
           'share)',
        check='compare with fontmerge: the keys of the font, descendant and descriptor '
              'dictionaries'),
    Pin('weasyprint.text.fonts:get_hb_object_data',
        signature='(hb_object, ot_color=None, glyph=None)',
        source='03040a623df04c2b',
        by='fonts.face_data: called',
        check="that it still returns a HarfBuzz blob's bytes"),
    Pin('weasyprint.text.ffi',
        signature='',
        source='530e83118f7841d2',
        by="imports.weasyprint_declarations: its ffi = cffi.FFI() / ffi.cdef('''...''') "
           'read and lent cached tables',
        check='that the module still has that shape (else it imports the ordinary way, '
              'slower); tests/pipeline/test_workers.py -k cached'),
    Pin('cffi.recompiler:make_py_source',
        signature='(ffi, module_name, target_py_file, verbose=False)',
        source='8b20a0950e67025e',
        by="imports.make_py_source: cffi's out-of-line emitter, called",
        check="its parameters and that it writes 'import _cffi_backend' and one ffi = "
              '_cffi_backend.FFI(...)'),
    Pin('babel.messages.catalog:Catalog._get_header_comment',
        signature="(self) -> 'str'",
        source='c767304513b4c80a',
        by='babel.header_comment: reads Catalog._header_comment beside it',
        check='that _header_comment is still the comment as written, before this getter '
              'fills it in'),
    Pin('babel.messages.frontend:parse_mapping_cfg',
        signature='(fileobj, filename=None)',
        source='e1a04ba4de123072',
        by='babel.parse_mapping_cfg: reads babel.cfg',
        check='that it still returns (methods, options)'),
    Pin('markdown_it.rules_block.table:table',
        signature="(state: 'StateBlock', startLine: 'int', endLine: 'int', silent: 'bool') "
                  "-> 'bool'",
        source='b096f8abe5a08962',
        by='markdown.count_table_cells: wrapped',
        check='its parameters and its alt rules (paragraph, reference)'),
    Pin('markdown_it.rules_block.table:escapedSplit',
        signature="(string: 'str') -> 'list[str]'",
        source='983f91c90099ef41',
        by='markdown.count_table_cells: called',
        check='that it still splits a row into cells'),
    Pin('markdown_it.rules_block.table:getLine',
        signature="(state: 'StateBlock', line: 'int') -> 'str'",
        source='2599d61397de4c11',
        by='markdown.count_table_cells: called',
        check='that it still returns a line of the source'),
    Pin('markdown_it.rules_inline.state_inline:StateInline.scanDelims',
        signature="(self, start: 'int', canSplitWord: 'bool') -> 'Scanned'",
        source='b8f052cdea265e7e',
        by='markdown.cjk_friendly_emphasis: re-implemented with CJK as punctuation',
        check='compare with markdown.cjk_friendly_emphasis.scan: the flanking rules and '
              'the Scanned it returns'),
    Pin('markdown_it.rules_core.smartquotes:process_inlines',
        signature="(tokens: 'list[Token]', state: 'StateCore') -> 'None'",
        source='23ade8de64a1f915',
        by="markdown.cjk_friendly_quotes: its module's isPunctChar replaced while it runs",
        check="that it still asks isPunctChar from its module's namespace"),
    Pin('markdown_it.rules_core.replacements:replace',
        signature="(state: 'StateCore') -> 'None'",
        source='72418f70a00cf064',
        by='markdown.dashes_only: re-implemented (dashes only)',
        check='compare with markdown.dashes_only: the autolink skipping and the dash '
              'patterns'),
    Pin('markdown_it.rules_core.replacements:replace_rare',
        signature="(inlineTokens: 'list[Token]') -> 'None'",
        source='95c276a2ceed354c',
        by='markdown.dashes_only: the dash replacement re-done from it',
        check='the patterns and their order'),
)
# -- end of the table ------------------------------------------------------------------


def resolve(target: str):
    """The object a pin names (a property's getter; a module itself)."""
    module_name, _, path = target.partition(":")
    found: Any = importlib.import_module(module_name)
    for name in path.split(".") if path else ():
        owner = found
        found = inspect.getattr_static(owner, name) if inspect.isclass(owner) \
            else getattr(owner, name)
        if isinstance(found, property):
            found = found.fget
        elif isinstance(found, (staticmethod, classmethod)):
            found = found.__func__
    return found


def signature_of(found) -> str:
    if inspect.ismodule(found):
        return ""
    return str(inspect.signature(found))


def source_hash(found) -> str:
    return hashlib.sha256(inspect.getsource(found).encode("utf-8")).hexdigest()[:16]


def stale(pins=None, versions=None) -> list[str]:
    """One message per pin whose target moved, or whose signature or source
    changed, and per package whose installed version is not the pinned one."""
    problems = []
    for package, pinned in (VERSIONS if versions is None else versions).items():
        installed = importlib.metadata.version(package)
        if installed != pinned:
            problems.append(f"{package} {installed} is installed, the pins were read in "
                            f"{pinned}: re-check every pin below, then --update")
    for pin in PINS if pins is None else pins:
        where = f"{pin.target} ({pin.by})"
        try:
            found = resolve(pin.target)
        except (ImportError, AttributeError) as error:
            problems.append(f"{where}: gone ({error}). Re-check: {pin.check}")
            continue
        changed = []
        if signature_of(found) != pin.signature:
            changed.append(f"signature {signature_of(found)} (pinned {pin.signature})")
        if source_hash(found) != pin.source:
            changed.append("source")
        if changed:
            problems.append(f"{where}: {' and '.join(changed)} changed. Re-check: {pin.check}")
    return problems


def _literal(text: str, indent: int, width: int = 92) -> str:
    """``text`` as Python string literals, wrapped at ``width`` columns."""
    words = re.split(r"(?<= )", text)
    lines, line = [], ""
    for word in words:
        if line and len(repr(line + word)) + indent > width:
            lines.append(line)
            line = ""
        line += word
    lines.append(line)
    return ("\n" + " " * indent).join(repr(part) for part in lines)


def table(pins=None) -> str:
    """The table's text, with the installed versions and what is installed now."""
    out = ["VERSIONS = {"]
    for package in VERSIONS:
        out.append(f"    {package!r}: {importlib.metadata.version(package)!r},")
    out += ["}", "", "PINS: tuple[Pin, ...] = ("]
    for pin in PINS if pins is None else pins:
        found = resolve(pin.target)
        out.append(f"    Pin({pin.target!r},")
        out.append(f"        signature={_literal(signature_of(found), 18)},")
        out.append(f"        source={source_hash(found)!r},")
        out.append(f"        by={_literal(pin.by, 11)},")
        out.append(f"        check={_literal(pin.check, 14)}),")
    out.append(")")
    return "\n".join(out) + "\n"


def update() -> None:
    """Rewrite the table of this file with what is installed now."""
    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    start = text.index("VERSIONS = {")
    end = text.index("# -- end of the table")
    path.write_text(text[:start] + table() + text[end:], encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv == ["--update"]:
        update()
        print(f"pinned {len(PINS)} callables in {Path(__file__).name}")
        return 0
    problems = stale()
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(PINS)} pins and {len(VERSIONS)} versions as pinned")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
