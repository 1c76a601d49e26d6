"""After WeasyPrint: what print shops, archives and office printers need.

Press-ready PDF/X files in CMYK (press.py), imposition on printer sheets
(impose.py), PNG previews (previews.py), and preflight, which reads finished
files back and asks veraPDF too (preflight.py).
"""
