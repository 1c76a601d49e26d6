"""HTML: the content model and fixed strings through Jinja templates.

The environment of a language, its loader and filters (environment.py), one
function per kind of document (html.py), and the typography WeasyPrint does not
do (typography.py: Korean words kept whole, long words broken). Templates and CSS
are the designer's room; Python only hands them data.
"""
