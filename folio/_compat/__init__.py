"""Every use of another library's internals, in one place: WeasyPrint's, pydyf's,
cffi's, Pyphen's, Babel's and markdown-it's. One module per concern:

- ``tagging``: PDF/UA structure WeasyPrint leaves out (artifacts, roles, /Lang);
- ``justification``: Korean lines justified as KLREQ says;
- ``hyphenation``: hyphenation limits WeasyPrint 70 lacks;
- ``stylesheets``: each ``<style>`` parsed once per process;
- ``writing``: reproducible identifiers, streams compressed once, the outline;
- ``fonts``: font configurations kept between documents, fonts left uncut;
- ``boxes``: what folio measures on laid-out pages;
- ``imports``: WeasyPrint imported on cffi tables parsed once, a lazy import;
- ``babel``: what Babel keeps private of a catalog and its extraction map;
- ``markdown``: markdown-it rules wrapped for Korean and lost table cells.

Every third-party callable they patch, re-implement or rely on is pinned in
``pins.py`` by its signature and a hash of its source; ``tests/pdf/test_compat.py``
fails naming each one that changed (UPGRADING.md: what to re-check, and how).
Callers import from ``folio._compat``.
"""

from folio._compat.babel import header_comment, parse_mapping_cfg
from folio._compat.boxes import (
    blank_below,
    class_heights,
    floats_after_holes,
    ink_beyond,
    ink_boxes,
    is_line_box,
    line_text,
    lines_past,
    page_box,
    preformatted,
    split_tables,
    text_area_height,
)
from folio._compat.fonts import (
    FONT_FOLDER_PREFIX,
    DrawnFont,
    disown_font_folder,
    drawn_fonts,
    face_data,
    fonts_left_uncut,
    own_font_folder,
    plain_vector_font,
    recording_font_configuration,
    remove_font_folder,
    remove_orphan_font_folders,
    used_fonts,
)
from folio._compat.hyphenation import HYPHENATED_IN_A_ROW, install_hyphenation_limits
from folio._compat.imports import defer_import, make_py_source
from folio._compat.justification import (
    KOREAN_SPACE_MAX_EM,
    KOREAN_SYLLABLE_MAX_EM,
    SYLLABLE_SPACING,
    install_korean_justification,
)
from folio._compat.markdown import (
    UsedReferences,
    cjk_friendly_emphasis,
    cjk_friendly_quotes,
    count_table_cells,
    dashes_only,
    note_unpaired_marks,
)
from folio._compat.stylesheets import _STYLESHEETS, install_stylesheet_cache
from folio._compat.tagging import (
    ARTIFACT,
    COLUMNS,
    CONTENT,
    CONTENT_STRINGS,
    ROLE,
    flag_artifacts,
    install_tagging,
    link_notes,
)
from folio._compat.writing import (
    bookmark_tree,
    finishing,
    fixed_document_id,
    install_single_compression,
)

__all__ = [
    "ARTIFACT", "COLUMNS", "CONTENT", "CONTENT_STRINGS", "FONT_FOLDER_PREFIX",
    "HYPHENATED_IN_A_ROW", "KOREAN_SPACE_MAX_EM", "KOREAN_SYLLABLE_MAX_EM", "ROLE",
    "SYLLABLE_SPACING", "_STYLESHEETS", "DrawnFont", "UsedReferences", "blank_below",
    "bookmark_tree", "cjk_friendly_emphasis", "cjk_friendly_quotes", "class_heights",
    "count_table_cells", "dashes_only", "defer_import", "disown_font_folder", "drawn_fonts",
    "face_data", "finishing", "link_notes",
    "fixed_document_id", "flag_artifacts", "floats_after_holes", "fonts_left_uncut",
    "header_comment", "ink_beyond", "ink_boxes", "install_hyphenation_limits",
    "install_korean_justification", "install_single_compression",
    "install_stylesheet_cache", "install_tagging", "is_line_box", "line_text", "lines_past",
    "make_py_source", "note_unpaired_marks", "own_font_folder", "page_box",
    "parse_mapping_cfg", "plain_vector_font", "preformatted", "recording_font_configuration",
    "remove_font_folder", "remove_orphan_font_folders", "split_tables", "text_area_height",
    "used_fonts",
]
