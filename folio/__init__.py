"""folio: Korean and English print PDFs from Markdown, YAML and Jinja, with WeasyPrint."""

__version__ = "0.1.0"
