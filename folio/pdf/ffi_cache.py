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
this expects, nothing is lent and it imports the ordinary way.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

from folio.files import cache_root, digest, write_atomically

_DECLARATIONS = re.compile(r"^ffi = cffi\.FFI\(\)\nffi\.cdef\('''(.*?)'''\)\n", re.S | re.M)
MODULE_NAME = "_folio_weasyprint_ffi"
_EMITTED_IMPORT = "import _cffi_backend\n"


SWITCH = "FOLIO_NO_FFI_CACHE"       # set (to anything) to import WeasyPrint the usual way


def import_weasyprint() -> None:
    """Import WeasyPrint, with its cffi tables from the cache when possible.

    Anything that goes wrong on the cached path (a cffi that changed, a cache that
    cannot be written or read, tables that do not load) falls back to the ordinary
    import: the cache may only make the import faster, never break it.
    """
    if "weasyprint.text.ffi" in sys.modules:
        return
    from folio._compat import defer_import
    defer_import("fontTools.subset")
    if not os.environ.get(SWITCH):
        try:
            if _import_on_cached_tables():
                return
        except Exception:               # noqa: BLE001 - see the docstring
            for name in [m for m in sys.modules if m.split(".")[0] == "weasyprint"]:
                del sys.modules[name]   # a half-done import must not be kept
    import weasyprint  # noqa: F401


def _import_on_cached_tables() -> bool:
    import cffi

    declarations = _declarations()
    factory = _cached_ffi_factory(declarations) if declarations is not None else None
    if factory is None:
        return False
    ordinary = cffi.FFI
    cffi.FFI = factory
    try:
        import weasyprint  # noqa: F401
    finally:
        cffi.FFI = ordinary
    return True


def uses_cached_tables() -> bool:
    """Whether the imported WeasyPrint runs on the cached tables (for the tests)."""
    module = sys.modules.get("weasyprint.text.ffi")
    return module is not None and type(module.ffi).__name__ == "CachedFFI"


def _declarations() -> str | None:
    # Found from the top-level package: finding the submodule would import it.
    spec = importlib.util.find_spec("weasyprint")
    if spec is None or spec.origin is None:
        return None
    try:
        text = (Path(spec.origin).parent / "text" / "ffi.py").read_text(encoding="utf-8")
    except OSError:
        return None
    match = _DECLARATIONS.search(text)
    # The literal's value, escapes and all: cdef() will be handed exactly that.
    return ast.literal_eval(f"'''{match.group(1)}'''") if match else None


def _cached_ffi_factory(declarations: str):
    """A stand-in for ``cffi.FFI`` that returns FFIs built from the cached tables."""
    import _cffi_backend
    import cffi

    ordinary = cffi.FFI
    key = digest(f"{cffi.__version__}\0{declarations}".encode())[:24]
    tables = cache_root() / "cffi" / f"{key}.py"
    try:
        if not tables.is_file():
            _write_tables(declarations, tables)
        source = tables.read_text(encoding="utf-8")
    except OSError:                     # no cache folder: the ordinary, slower import
        return None
    # The emitted module is ``import _cffi_backend`` and one ``ffi =
    # _cffi_backend.FFI(…tables…)``; it is run with our subclass in its place.
    if _EMITTED_IMPORT not in source:
        return None
    code = compile(source.replace(_EMITTED_IMPORT, "", 1), str(tables), "exec")

    class CachedFFI(_cffi_backend.FFI):
        def cdef(self, source: str, **_options) -> None:
            if source != declarations:
                raise RuntimeError("WeasyPrint's C declarations changed while it was "
                                   "being imported; run the build again")

    def make(*args, **options):
        if sys._getframe(1).f_globals.get("__name__") != "weasyprint.text.ffi":
            return ordinary(*args, **options)   # anyone else importing meanwhile
        scope = {"__name__": MODULE_NAME, "_cffi_backend": SimpleNamespace(FFI=CachedFFI)}
        exec(code, scope)               # the file cffi wrote for us
        return scope["ffi"]
    return make


def _write_tables(declarations: str, target: Path) -> None:
    import cffi

    from folio._compat import make_py_source
    builder = cffi.FFI()
    builder.cdef(declarations)
    with tempfile.TemporaryDirectory() as folder:
        emitted = Path(folder) / f"{MODULE_NAME}.py"
        make_py_source(builder, MODULE_NAME, str(emitted))
        write_atomically(target, emitted.read_bytes())
