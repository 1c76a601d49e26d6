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
from pathlib import Path

import pytest
from helpers import REPO, published

from folio.errors import BuildError
from folio.pdf import ffi_cache
from folio.pipeline.jobs import make_pdf
from folio.pipeline.workers import WorkerDied, WorkerPool, WorkerTimeout


def run_python(script: str, check: bool = True) -> dict:
    """Run ``script`` in a fresh interpreter; it prints one JSON object last."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 or not check, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_workers_are_forked_warm_from_one_zygote():
    answers = run_python("""
        import json, os, sys
        from folio.pipeline.workers import WorkerPool

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
                              "answers": answers, "forked": pool.forked}))
    """)
    assert answers["forked"]                    # a one-thread program forks its zygote
    assert not answers["main_imported"]         # the main process never needs it
    parents = {parent for _, parent, _ in answers["answers"]}
    assert parents == {answers["zygote"]} and answers["zygote"] != answers["main"]
    assert all(imported for _, _, imported in answers["answers"])   # before any job


def test_the_zygote_forks_with_no_thread_but_its_own():
    """What the zygote does before forking starts no native thread and makes no
    Pango font map (whose "[pango] FcInit" thread a fork could catch holding
    fontconfig's lock): WeasyPrint imported, fontconfig initialised, nothing laid out."""
    answers = run_python("""
        import gc, json
        from folio.pipeline.workers import prepare_for_fork, threads
        prepare_for_fork()
        from weasyprint.text.fonts import FontConfiguration
        maps = [o for o in gc.get_objects() if isinstance(o, FontConfiguration)]
        print(json.dumps({"threads": threads(), "font_maps": len(maps)}))
    """)
    assert answers == {"threads": 1, "font_maps": 0}


def test_a_zygote_is_not_forked_while_a_pango_thread_runs():
    """A fork while Pango's thread loads fontconfig's caches under its lock could
    copy the lock held and hang. Such a thread (here a stand-in with its name)
    is waited for, and if it stays the zygote is a new interpreter (spawn),
    which works all the same. In a program of its own: spawning starts
    multiprocessing's resource tracker, a process that stays as long as it."""
    answers = run_python("""
        import ctypes, json, threading, time
        from pathlib import Path
        from folio.pipeline.workers import WorkerPool

        named, release = threading.Event(), threading.Event()
        def pango():
            ctypes.CDLL(None).prctl(15, b"[pango] FcInit")      # PR_SET_NAME
            named.set()
            release.wait()
        stand_in = threading.Thread(target=pango)
        stand_in.start()
        named.wait(10)
        started = time.monotonic()
        pool = WorkerPool(2)
        waited = time.monotonic() - started
        release.set()
        stand_in.join()
        command = Path(f"/proc/{pool.pid}/cmdline").read_bytes().replace(b"\\0", b" ")
        result = pool.submit(sum, [1, 2, 3]).result(timeout=120)
        spawned = not pool.forked
        pool.shutdown()
        with WorkerPool(2) as again:            # the stand-in gone: forked again
            forked_again = again.forked
        print(json.dumps({"waited": waited, "spawned": spawned, "result": result,
                          "spawn_command": b"multiprocessing.spawn" in command,
                          "forked_again": forked_again}))
    """)
    assert answers["waited"] >= 2
    assert answers["spawned"] and answers["spawn_command"] and answers["result"] == 6
    assert answers["forked_again"]


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


def test_a_dead_worker_fails_its_job_and_is_replaced():
    with WorkerPool(2) as pool:
        with pytest.raises(WorkerDied):
            pool.submit(os._exit, 1).result(timeout=60)
        assert pool.submit(sum, [2, 2]).result(timeout=60) == 4
    assert pool._zygote.exitcode == 0


def test_a_job_that_hangs_is_stopped_at_the_limit_and_its_worker_replaced():
    with WorkerPool(2, timeout=1.5) as pool:
        started = time.monotonic()
        hung = pool.submit(time.sleep, 3600)
        quick = pool.submit(sum, [1, 1])
        with pytest.raises(WorkerTimeout, match="no result after 2 s"):
            hung.result(timeout=30)
        assert time.monotonic() - started < 10
        assert quick.result(timeout=30) == 2
        assert pool.submit(sum, [3, 3]).result(timeout=30) == 6     # a new worker
        zygote = pool.pid
    assert not _running(zygote) and _children(os.getpid()) == []


def test_workers_stop_when_the_main_process_is_killed(tmp_path: Path):
    """No orphan goes on (and could write a PDF) after the build is killed."""
    answers = run_python("""
        import json, os, sys
        from folio.pipeline.workers import WorkerPool
        pool = WorkerPool(2)
        workers = sorted({pool.submit(os.getpid).result() for _ in range(6)})
        print(json.dumps({"processes": [pool._zygote.pid, *workers]}), flush=True)
        os.kill(os.getpid(), 9)     # kill -9: no shutdown, no clean-up
    """, check=False)
    deadline = time.monotonic() + 3
    alive = answers["processes"]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if _running(pid)]
    assert alive == []


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return status != "Z"                # a zombie has finished; only its entry is left


def _processes(field: int, value: int) -> list[int]:
    """Live processes whose /proc stat field ``field`` (counted after the name:
    1 the parent, 4 the session) is ``value``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().split(")")[-1].split()
            except OSError:
                continue
            if int(fields[field]) == value and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _children(pid: int) -> list[int]:
    return _processes(1, pid)


def _hanging_render(job):
    """A render that never ends for the Korean notice (what a worker stuck in
    fontconfig's lock looked like), and the real one for the others."""
    if job.name == "ko/notice-open-day.pdf":
        time.sleep(3600)
    return make_pdf(job)


def test_a_hanging_document_is_stopped_named_and_leaves_no_process(tiny: Path, monkeypatch):
    from folio.pipeline import kinds
    from folio.pipeline import run as build_module
    monkeypatch.setattr(kinds, "make_pdf", _hanging_render)
    started = time.monotonic()
    with pytest.raises(BuildError) as raised:
        build_module.build(build_module.BuildOptions(root=tiny, jobs=2, timeout=3))
    assert time.monotonic() - started < 60
    [problem] = raised.value.problems
    assert problem.message.startswith("ko/notice-open-day.pdf: no result after 3 s; the "
                                      "document was stopped")
    assert problem.path == tiny / "content/notices/open-day.ko.md"
    written = sorted(p.relative_to(tiny / "output").as_posix()
                     for p in published(tiny / "output"))
    assert written == ["en/journal-2024-no2.pdf", "en/notice-open-day.pdf",
                       "ko/journal-2024-no2.pdf"]
    assert _children(os.getpid()) == []


# -- WeasyPrint's C declarations, cached ------------------------------------------

def test_weasyprint_runs_on_the_cached_declarations(tmp_path: Path):
    cache = tmp_path / "cache"
    pdf = tmp_path / "page.pdf"
    script = f"""
        import json, os
        os.environ["XDG_CACHE_HOME"] = {str(cache)!r}
        from folio.pdf.ffi_cache import import_weasyprint, uses_cached_tables
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
        from folio.pdf import ffi_cache
        ffi_cache._declarations = lambda: None      # as if WeasyPrint's module changed
        ffi_cache.import_weasyprint()
        from weasyprint import HTML
        pages = len(HTML(string="<p>a</p>").render().pages)
        print(json.dumps({"cached": ffi_cache.uses_cached_tables(), "pages": pages}))
    """)
    assert answers == {"cached": False, "pages": 1}


@pytest.mark.parametrize("failure", ["emitter", "tables", "switch"])
def test_a_failing_cache_falls_back_to_the_ordinary_import(tmp_path: Path, failure):
    """The cached path can only speed the import up: if cffi's emitter fails, if the
    tables on disk are broken, or if FOLIO_NO_FFI_CACHE is set, WeasyPrint is
    imported the usual way and works."""
    answers = run_python(f"""
        import json, os
        os.environ["XDG_CACHE_HOME"] = {str(tmp_path)!r}
        failure = {failure!r}
        if failure == "emitter":
            import cffi.recompiler
            def broken(*args, **kwargs):
                raise AttributeError("make_py_source went away in this cffi")
            cffi.recompiler.make_py_source = broken
        elif failure == "tables":
            from folio.pdf import ffi_cache
            declarations = ffi_cache._declarations()
            import cffi
            from folio.files import digest
            key = digest(f"{{cffi.__version__}}\\0{{declarations}}".encode())[:24]
            tables = ffi_cache.cache_root() / "cffi" / f"{{key}}.py"
            tables.parent.mkdir(parents=True)
            tables.write_text("import _cffi_backend\\nffi = _cffi_backend.FFI(b'junk')\\n")
        else:
            os.environ["FOLIO_NO_FFI_CACHE"] = "1"
        from folio.pdf.ffi_cache import import_weasyprint, uses_cached_tables
        import_weasyprint()
        from weasyprint import HTML
        pages = len(HTML(string="<p>a</p>").render().pages)
        print(json.dumps({{"cached": uses_cached_tables(), "pages": pages}}))
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


def test_the_cached_declarations_change_nothing_in_the_pdfs(built_tiny: Path, tmp_path: Path):
    """built_tiny's PDFs were made by workers on the cached tables; made again by a
    process that imported WeasyPrint the usual way, they are the same bytes."""
    tiny = built_tiny
    ordinary = tmp_path / "ordinary"
    said = run_python(f"""
        import json
        from pathlib import Path
        from folio.pdf import ffi_cache
        ffi_cache._declarations = lambda: None      # WeasyPrint imported the usual way
        from folio.pipeline.run import BuildOptions, build
        build(BuildOptions(root=Path({str(tiny)!r}), out=Path({str(ordinary)!r}), jobs=1))
        print(json.dumps({{"cached": ffi_cache.uses_cached_tables()}}))
    """)
    assert said == {"cached": False}
    pdfs = sorted(p.relative_to(ordinary) for p in published(ordinary))
    assert len(pdfs) == 5
    for pdf in pdfs:
        assert (tiny / "output" / pdf).read_bytes() == (ordinary / pdf).read_bytes(), pdf


def _session(sid: int) -> list[int]:
    """Live processes of a session (a build started with start_new_session)."""
    return _processes(4, sid)


def _listing(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in published(folder, "*")} if folder.exists() else {}


@pytest.mark.parametrize("how", ["ctrl-c", "kill-9"])
def test_nothing_is_written_after_the_build_is_stopped(tmp_path: Path, how):
    """Ctrl-C (to the whole terminal's group) or kill -9 (of the main process
    alone) while PDFs are being made: when the command has ended, no process is
    left and nothing more appears in the output."""
    out = tmp_path / "out"
    temp = tmp_path / "temp"
    temp.mkdir()
    environment = {**os.environ, "TMPDIR": str(temp)}
    build_py = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "--out", str(out), "--jobs", "2", "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=environment)
    for line in build_py.stdout:                    # the first PDF is written: others run
        if line.startswith("wrote"):
            break
    # Which process was which, for the message of a failure below.
    processes = subprocess.run(["ps", "-o", "pid,ppid,args", "-s", str(build_py.pid)],
                               capture_output=True, text=True).stdout
    if how == "ctrl-c":
        os.killpg(build_py.pid, signal.SIGINT)
    else:
        os.kill(build_py.pid, signal.SIGKILL)
    code = build_py.wait(timeout=60)
    assert code == (130 if how == "ctrl-c" else -signal.SIGKILL)
    deadline = time.monotonic() + 2
    while _session(build_py.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _session(build_py.pid) == []
    before = _listing(out)
    time.sleep(1)
    assert _listing(out) == before
    if how == "ctrl-c":         # a worker killed outright may leave a temporary file,
        assert not [n for n in before if n.endswith(".folio-tmp")]    # see README
        # and WeasyPrint's font folders, named by process
        assert list(temp.iterdir()) == [], processes + build_py.stderr.read()
    # The next build runs, and removes whatever the killed workers left of
    # WeasyPrint's font folders.
    again = subprocess.run([sys.executable, str(REPO / "build.py"), "--out", str(out),
                            "--jobs", "1", "--force", "--lang", "en", "--only",
                            "notice-creative-city"], capture_output=True, text=True,
                           env=environment)
    assert again.returncode == 0, again.stderr
    assert list(temp.iterdir()) == []


def test_workers_leave_no_temporary_font_folders(tiny: Path, tmp_path: Path):
    """WeasyPrint copies @font-face files (our prepared CJK faces, 12 MB) to a
    temporary folder it removes only when its font configuration is collected,
    which never happens in a worker that ends with os._exit: each build leaked
    them until a disk was full."""
    temp = tmp_path / "temp"
    temp.mkdir()
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(tiny),
                           "--jobs", "2"], capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(temp)})
    assert done.returncode == 0, done.stderr
    assert len(published(tiny / "output")) == 4
    assert sorted(p.name for p in temp.iterdir()) == []


# A stop (Ctrl-C, the pool's SIGTERM) that reaches a process while pikepdf's native
# module makes its enums: nanobind cannot take the KeyboardInterrupt raised in the
# Python code it calls and aborted the process with 50 lines of "Critical nanobind
# error". The hook below delivers the signal exactly then (once: a marker file).
_STOP_INSIDE_A_NATIVE_IMPORT = """
    import enum, os, signal, sys
    marker = sys.argv[1]
    create = enum.EnumType.__call__
    def make(cls, value, names=None, *args, **kwargs):
        if names is not None and "pikepdf" in sys.modules and not os.path.exists(marker):
            with open(marker + ".new", "w") as note:
                note.write(str(os.getpid()))
            os.rename(marker + ".new", marker)
            os.kill(os.getpid(), {signal})
        return create(cls, value, names, *args, **kwargs)
    enum.EnumType.__call__ = make
"""


def _run_script(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_a_worker_stopped_while_importing_a_native_module_says_nothing(tmp_path: Path):
    marker = tmp_path / "stopped"
    done = _run_script(_STOP_INSIDE_A_NATIVE_IMPORT.format(signal="signal.SIGTERM") + """
    import time
    from folio.pipeline.workers import WorkerPool
    def gone(pid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] in "ZX"
        except (OSError, ValueError):
            return True
    with WorkerPool(1) as pool:     # its worker imports pikepdf while idle, and is stopped
        deadline = time.monotonic() + 60
        while not os.path.exists(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        while not gone(open(marker).read()) and time.monotonic() < deadline:
            time.sleep(0.05)        # (once its import is over)
        print(pool.submit(sum, [40, 2]).result(timeout=60))    # a new worker took its place
    """, str(marker))
    assert marker.exists()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "42"
    assert done.stderr == ""


def _noisy_job(started: str) -> None:
    """A job whose library speaks while it is interrupted."""
    open(started, "w").close()
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        print("Traceback: a library's last words", file=sys.stderr, flush=True)
        raise


def test_a_stopped_worker_prints_nothing(tmp_path: Path, capfd):
    started = tmp_path / "started"
    pool = WorkerPool(1)
    try:
        future = pool.submit(_noisy_job, str(started))
        assert wait_for(started.exists, 60)
    finally:
        pool.shutdown(cancel_futures=True)
    assert future.cancelled() or future.exception(timeout=10) is not None
    assert "last words" not in capfd.readouterr().err


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_ctrl_c_while_the_main_process_imports_a_native_module_is_one_line(tmp_path: Path):
    marker = tmp_path / "stopped"
    done = _run_script(_STOP_INSIDE_A_NATIVE_IMPORT.format(signal="signal.SIGINT") + """
    from folio.cli.common import run_reporting
    def build():
        import pikepdf  # noqa: F401
        import time
        time.sleep(30)
        return 0
    sys.exit(run_reporting(build, debug=False))
    """, str(marker))
    assert marker.exists()
    assert done.returncode == 130, done.stderr
    assert done.stderr.startswith("interrupted:") and len(done.stderr.splitlines()) == 1
