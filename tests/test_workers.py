"""What makes parallel builds start fast: the workers' zygote, and WeasyPrint's C
declarations parsed once per machine. Most checks run in a fresh interpreter,
where WeasyPrint is not imported yet (this test process has imported it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from folio import ffi_cache
from folio.workers import WorkerPool

from conftest import REPO


def run_python(script: str) -> dict:
    """Run ``script`` in a fresh interpreter; it prints one JSON object last."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_workers_are_forked_warm_from_one_zygote():
    answers = run_python("""
        import json, os, sys
        from folio.workers import WorkerPool

        def where():
            return os.getpid(), os.getppid(), "weasyprint.text.ffi" in sys.modules

        if __name__ == "__main__":
            pool = WorkerPool(2)
            futures = [pool.submit(where) for _ in range(8)]
            answers = [future.result() for future in futures]
            zygote = pool._zygote.pid
            pool.shutdown()
            print(json.dumps({"main": os.getpid(), "zygote": zygote,
                              "main_imported": "weasyprint" in sys.modules,
                              "answers": answers}))
    """)
    assert not answers["main_imported"]         # the main process never needs it
    parents = {parent for _, parent, _ in answers["answers"]}
    assert parents == {answers["zygote"]} and answers["zygote"] != answers["main"]
    assert all(imported for _, _, imported in answers["answers"])   # before any job


def test_results_and_errors_come_back_as_from_an_executor():
    pool = WorkerPool(2)
    try:
        assert pool.submit(sum, [1, 2, 3]).result(timeout=60) == 6
        with pytest.raises(ValueError, match="invalid literal"):
            pool.submit(int, "x").result(timeout=60)
    finally:
        pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(sum, [1])


def test_a_dead_worker_fails_its_job_and_the_pool_still_stops():
    pool = WorkerPool(2)
    try:
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 1).result(timeout=60)
    finally:
        pool.shutdown(cancel_futures=True)
    assert pool._zygote.exitcode == 0


def test_an_early_error_does_not_wait_for_the_zygote_to_start():
    """A content error found at once stops a pool whose zygote is still importing
    WeasyPrint: it is ended, not waited for, and no process is left behind."""
    answers = run_python("""
        import json
        from folio.workers import WorkerPool
        pool = WorkerPool(2)
        pool.shutdown(cancel_futures=True)
        print(json.dumps({"exitcode": pool._zygote.exitcode}))
    """)
    assert answers["exitcode"] == -signal.SIGTERM


def test_workers_stop_when_the_main_process_is_killed(tmp_path: Path):
    """No orphan waits forever for jobs when the build is killed outright."""
    answers = run_python("""
        import json, os, sys
        from folio.workers import WorkerPool
        pool = WorkerPool(2)
        workers = sorted({pool.submit(os.getpid).result() for _ in range(6)})
        print(json.dumps({"processes": [pool._zygote.pid, *workers]}), flush=True)
        os._exit(0)                 # no shutdown, no clean-up
    """)
    deadline = time.monotonic() + 30
    alive = answers["processes"]
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in alive if _running(pid)]
    assert alive == []


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return status != "Z"                # a zombie has finished; only its entry is left


# -- WeasyPrint's C declarations, cached ------------------------------------------

def test_weasyprint_runs_on_the_cached_declarations(tmp_path: Path):
    cache = tmp_path / "cache"
    pdf = tmp_path / "page.pdf"
    script = f"""
        import json, os
        os.environ["XDG_CACHE_HOME"] = {str(cache)!r}
        from folio.ffi_cache import import_weasyprint, uses_cached_tables
        import_weasyprint()
        from weasyprint import HTML
        HTML(string='<p lang="en-US">Crafts <b>and</b> <i>folk</i> art</p>'
                    '<p lang="ko">진주 공예와 민속예술</p>').write_pdf({str(pdf)!r})
        print(json.dumps({{"cached": uses_cached_tables()}}))
    """
    assert run_python(script) == {"cached": True}       # tables written, then used
    assert len(list((cache / "folio" / "cffi").glob("*.py"))) == 1
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Crafts and folk art" in text and "진주 공예와 민속예술" in text
    assert run_python(script) == {"cached": True}       # read back from the cache


def test_an_unexpected_weasyprint_module_imports_the_ordinary_way():
    answers = run_python("""
        import json
        from folio import ffi_cache
        ffi_cache._declarations = lambda: None      # as if WeasyPrint's module changed
        ffi_cache.import_weasyprint()
        from weasyprint import HTML
        pages = len(HTML(string="<p>a</p>").render().pages)
        print(json.dumps({"cached": ffi_cache.uses_cached_tables(), "pages": pages}))
    """)
    assert answers == {"cached": False, "pages": 1}


def test_the_cached_ffi_is_only_lent_to_weasyprint_and_checks_its_declarations():
    declarations = "typedef struct { int width; } Box;"
    make = ffi_cache._cached_ffi_factory(declarations)

    def as_weasyprint():                # what ``ffi = cffi.FFI()`` there receives
        scope = {"__name__": "weasyprint.text.ffi", "make": make}
        exec("ffi = make()", scope)
        return scope["ffi"]

    ffi = as_weasyprint()
    ffi.cdef(declarations)
    assert ffi.new("Box *").width == 0
    with pytest.raises(RuntimeError, match="declarations changed"):
        as_weasyprint().cdef("typedef struct { int height; } Box;")
    other = make()                      # another module importing meanwhile
    assert type(other).__name__ == "FFI" and type(other).__module__ == "cffi.api"


def test_this_test_run_uses_the_cached_declarations_too():
    """conftest imports WeasyPrint the way builds do, so every PDF test checks it."""
    assert ffi_cache.uses_cached_tables()


def test_the_cached_declarations_change_nothing_in_the_pdfs(tiny: Path, tmp_path: Path):
    from folio.build import BuildOptions, build

    build(BuildOptions(root=tiny, jobs=1))                  # this process: cached tables
    ordinary = tmp_path / "ordinary"
    run_python(f"""
        import json
        from pathlib import Path
        from folio import ffi_cache
        ffi_cache._declarations = lambda: None      # WeasyPrint imported the usual way
        from folio.build import BuildOptions, build
        build(BuildOptions(root=Path({str(tiny)!r}), out=Path({str(ordinary)!r}), jobs=1))
        print(json.dumps({{"cached": ffi_cache.uses_cached_tables()}}))
    """)
    pdfs = sorted(p.relative_to(ordinary) for p in ordinary.rglob("*.pdf"))
    assert len(pdfs) == 4
    for pdf in pdfs:
        assert (tiny / "output" / pdf).read_bytes() == (ordinary / pdf).read_bytes(), pdf
