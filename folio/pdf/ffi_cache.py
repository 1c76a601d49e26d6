"""WeasyPrint's C declarations, parsed once per machine instead of in every process.

WeasyPrint talks to Pango, HarfBuzz and fontconfig through cffi in "ABI in-line"
mode: each process that imports it hands 16 KB of C declarations to pycparser,
which costs about 0.2 s, and every C type named later (``ffi.new('PangoRectangle
*')``) is parsed again the first time, another 0.1 s per process. cffi's
documented remedy is "out-of-line" mode: parse once, emit a Python module that
holds the parsed tables, load that. We cannot change WeasyPrint's module, so
``import_weasyprint`` lends it an FFI built from such tables while it imports:
its ``ffi.cdef(text)`` call is checked against the text the tables were made
from, and its code runs unchanged.

The tables are keyed by a hash of the declarations and of cffi's version, and
kept in folio's cache folder. If WeasyPrint's module no longer has the shape
this expects, nothing is lent and it imports the ordinary way. What reaches into
WeasyPrint's and cffi's modules is ``folio._compat.imports``; this is the policy.
"""

from __future__ import annotations

import os

from folio._compat.imports import (
    TABLES_MODULE,
    cffi_version,
    defer_import,
    emitted_tables,
    ffi_factory,
    forget_weasyprint,
    import_weasyprint_with,
    uses_cached_tables,
    weasyprint_declarations,
    weasyprint_imported,
)
from folio.files import cache_root, digest, write_atomically

MODULE_NAME = TABLES_MODULE
SWITCH = "FOLIO_NO_FFI_CACHE"       # set (to anything) to import WeasyPrint the usual way
__all__ = ["MODULE_NAME", "SWITCH", "cache_root", "import_weasyprint", "uses_cached_tables"]


def import_weasyprint() -> None:
    """Import WeasyPrint, with its cffi tables from the cache when possible.

    Anything that goes wrong on the cached path (a cffi that changed, a cache that
    cannot be written or read, tables that do not load) falls back to the ordinary
    import: the cache may only make the import faster, never break it.
    """
    if weasyprint_imported():
        return
    defer_import("fontTools.subset")
    if not os.environ.get(SWITCH):
        try:
            if _import_on_cached_tables():
                return
        except Exception:               # noqa: BLE001 - see the docstring
            forget_weasyprint()         # a half-done import must not be kept
    import weasyprint  # noqa: F401


def _import_on_cached_tables() -> bool:
    declarations = _declarations()
    factory = _cached_ffi_factory(declarations) if declarations is not None else None
    if factory is None:
        return False
    import_weasyprint_with(factory)
    return True


def _declarations() -> str | None:
    return weasyprint_declarations()


def _cached_ffi_factory(declarations: str):
    """A stand-in for ``cffi.FFI`` that returns FFIs built from the cached tables."""
    key = digest(f"{cffi_version()}\0{declarations}".encode())[:24]
    tables = cache_root() / "cffi" / f"{key}.py"
    try:
        if not tables.is_file():
            write_atomically(tables, emitted_tables(declarations))
        source = tables.read_text(encoding="utf-8")
    except OSError:                     # no cache folder: the ordinary, slower import
        return None
    return ffi_factory(declarations, source, str(tables))
