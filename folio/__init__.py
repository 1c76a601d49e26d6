"""folio: Korean and English print PDFs from Markdown, YAML and Jinja, with WeasyPrint.

The stages, each a subpackage, data flowing one way (a stage imports only the
stages before it; .importlinter says so and CI checks it):

    config -> content -> i18n -> render -> pdf -> production -> pipeline -> cli

Shared by all: errors.py (the one error type, with locations), files.py (atomic
writes, hashes, the cache folder), defaults.py, and _compat/ (every use of a
third-party internal, one module per concern). docs/architecture.md walks through it.
"""

__version__ = "0.2.0"
