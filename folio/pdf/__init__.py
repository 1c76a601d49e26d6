"""PDF: WeasyPrint lays out the HTML and writes the bytes.

The checks WeasyPrint does not make (writer.py), the fetcher that confines it to
the publication (fetcher.py), the declared fonts and their glyphs (fonts.py),
CJK faces prepared once per machine (fontprep.py), and WeasyPrint's C
declarations parsed once (ffi_cache.py).
"""
