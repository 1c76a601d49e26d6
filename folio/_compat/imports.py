"""Import speed: WeasyPrint imported on cffi tables parsed once (the policy: the
cache, its key, the fallback, is pdf/ffi_cache.py's), cffi's out-of-line emitter,
a lazily imported module (pinned in pins.py)."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace


def make_py_source(ffi, module_name: str, target: str) -> None:
    """cffi's out-of-line emitter (``FFI.emit_python_code`` without its printing),
    from ``cffi.recompiler``, a module cffi documents only through that method."""
    from cffi.recompiler import make_py_source as emit
    emit(ffi, module_name, target)


def defer_import(name: str) -> None:
    """Let ``import name`` bind the module without running it until an attribute of
    it is first used (``importlib.util.LazyLoader``). WeasyPrint imports
    ``fontTools.subset`` when it starts, for a fallback it takes only without
    HarfBuzz's subsetter, which ./dev installs: 0.05 s of every worker pool's start,
    which the first layout of a build waits for."""
    import importlib.util
    import sys
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


# -- WeasyPrint on cffi tables parsed once (pdf/ffi_cache.py) ---------------------------
# WeasyPrint's text/ffi.py is ``ffi = cffi.FFI()`` then ``ffi.cdef('''…''')`` (ABI
# in-line mode); what is lent to it while it imports is an FFI built from the
# tables cffi's out-of-line emitter wrote for the same declarations.

_DECLARATIONS = re.compile(r"^ffi = cffi\.FFI\(\)\nffi\.cdef\('''(.*?)'''\)\n", re.S | re.M)
FFI_MODULE = "weasyprint.text.ffi"
TABLES_MODULE = "_folio_weasyprint_ffi"
_EMITTED_IMPORT = "import _cffi_backend\n"


def weasyprint_imported() -> bool:
    return FFI_MODULE in sys.modules


def forget_weasyprint() -> None:
    """Drop a half-done import of WeasyPrint, so that the next one starts afresh."""
    for name in [m for m in sys.modules if m.split(".")[0] == "weasyprint"]:
        del sys.modules[name]


def weasyprint_declarations() -> str | None:
    """The C declarations WeasyPrint hands ``ffi.cdef``, read from its source (not
    imported), or None if its module no longer has the shape expected."""
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


def cffi_version() -> str:
    import cffi
    return cffi.__version__


def emitted_tables(declarations: str) -> bytes:
    """cffi's out-of-line module for ``declarations``: its parsed tables."""
    import cffi
    builder = cffi.FFI()
    builder.cdef(declarations)
    with tempfile.TemporaryDirectory() as folder:
        emitted = Path(folder) / f"{TABLES_MODULE}.py"
        make_py_source(builder, TABLES_MODULE, str(emitted))
        return emitted.read_bytes()


def ffi_factory(declarations: str, tables: str, filename: str):
    """A stand-in for ``cffi.FFI`` that gives WeasyPrint's module an FFI built from
    ``tables`` (``emitted_tables``, read from ``filename``), or None if they are not
    what cffi emits."""
    import _cffi_backend
    import cffi

    ordinary = cffi.FFI
    # The emitted module is ``import _cffi_backend`` and one ``ffi =
    # _cffi_backend.FFI(…tables…)``; it is run with our subclass in its place.
    if _EMITTED_IMPORT not in tables:
        return None
    code = compile(tables.replace(_EMITTED_IMPORT, "", 1), filename, "exec")

    class CachedFFI(_cffi_backend.FFI):
        def cdef(self, source: str, **_options) -> None:
            if source != declarations:
                raise RuntimeError("WeasyPrint's C declarations changed while it was "
                                   "being imported; run the build again")

    def make(*args, **options):
        if sys._getframe(1).f_globals.get("__name__") != FFI_MODULE:
            return ordinary(*args, **options)   # anyone else importing meanwhile
        scope = {"__name__": TABLES_MODULE, "_cffi_backend": SimpleNamespace(FFI=CachedFFI)}
        exec(code, scope)               # the file cffi wrote for us
        return scope["ffi"]
    return make


def import_weasyprint_with(factory) -> None:
    """Import WeasyPrint with ``factory`` lent to it as ``cffi.FFI``."""
    import cffi

    ordinary = cffi.FFI
    cffi.FFI = factory
    try:
        import weasyprint  # noqa: F401
    finally:
        cffi.FFI = ordinary


def uses_cached_tables() -> bool:
    """Whether the imported WeasyPrint runs on the cached tables (for the tests)."""
    module = sys.modules.get(FFI_MODULE)
    return module is not None and type(module.ffi).__name__ == "CachedFFI"
