"""Worker processes for the PDFs (not threads: WeasyPrint and Pango are not thread-safe).

Importing WeasyPrint costs about 0.35 s of CPU even with its C declarations
cached (ffi_cache.py). So ``WorkerPool`` forks one *zygote* the moment the
command line starts: it imports WeasyPrint while the main process reads the
content, then forks the workers from itself, so they begin with nothing to import.

**No fork after a native thread.** A fork copies only the forking thread; if
another thread held a lock at that moment (fontconfig's, taken by the
``[pango] fontconfig`` thread Pango starts with its first font map), the child
waits for it forever. This hung a build once in a few hundred. So the zygote
never lays anything out and never starts a thread: it imports WeasyPrint (which
loads fontconfig's configuration, but starts no thread), initialises fontconfig's
default configuration itself (``FcInit``, so that Pango's thread later finds it
done, the way Electron avoids the same race), checks that it is still the only
thread, and only then forks. Each worker makes its own font map after the fork.
The zygote relays jobs with one ``select`` loop, no threads, so it can fork a
replacement worker at any time, for hours (the live preview's pool). The zygote
itself is forked only while its parent runs none of Pango's threads (``[pango]
FcInit``, ``FcFontSetMatch``, ``FcFontSetSort``, each working under fontconfig's
lock): the command line and the preview make their pool before anything is laid
out, but a program that rendered a moment before may still run one (a test that
forked then hung the suite). Such threads are waited for, up to two seconds; if
one stays, the zygote is started as a fresh interpreter instead (``spawn``: its
imports cost about 0.5 s, but it inherits no lock). Python threads of the
program's own are its to keep out of fontconfig while it makes a pool.

**Never a silent hang.** A job that does not finish within ``timeout`` seconds is
stopped: its worker is killed and replaced, and the job fails with
``WorkerTimeout`` naming the limit.

**A stopped worker says nothing.** Ctrl-C and the pool's SIGTERM raise
``KeyboardInterrupt`` in a worker, but never inside an import: a native module
that is being set up cannot take an exception from Python code it calls (nanobind,
pikepdf's binding, aborted with 50 lines of "Critical nanobind error …
KeyboardInterrupt" when the stop struck while it made its enums). A stop that
comes during an import is acted on once the import is done (see
``stop_outside_imports``). And a worker that is stopping prints nothing: its
output goes to /dev/null before the interrupt is raised, so that whatever a library
says while it unwinds does not come before the build's real message.

**Nothing after the end.** Workers and zygote die with their parent (Linux's
``PR_SET_PDEATHSIG``; elsewhere the zygote notices within half a second), so a
killed build leaves no process that could still write a PDF. Ctrl-C stops every
worker at once; a PDF being written is discarded.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import gc
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType, TracebackType
from typing import Any

from folio.defaults import DEFAULT_TIMEOUT

_FORK = multiprocessing.get_context("fork") if "fork" in \
    multiprocessing.get_all_start_methods() else None   # see parallel_available
_SPAWN = multiprocessing.get_context("spawn")           # a zygote for a threaded program
POLL = 0.5                        # how often the zygote looks at deadlines and its parent
READY, BROKEN = -2, -1            # the zygote's messages that answer no job


def parallel_available() -> bool:
    """Workers are forked: where ``fork`` does not exist the build runs serially."""
    return _FORK is not None and os.name == "posix"


class WorkerTimeout(Exception):
    """A job made no progress within the pool's limit; its worker was stopped."""

    def __init__(self, seconds: float):
        super().__init__(f"no result after {seconds:.0f} s")
        self.seconds = seconds

    def __reduce__(self) -> tuple[type[WorkerTimeout], tuple[float]]:
        return (WorkerTimeout, (self.seconds,))


class WorkerDied(Exception):
    """The process running a job stopped (out of memory, or killed)."""


class WorkerPool:
    """``workers`` processes running jobs; ``submit`` and ``shutdown`` as an executor."""

    def __init__(self, workers: int, timeout: float = DEFAULT_TIMEOUT):
        if _FORK is None or not parallel_available():
            raise RuntimeError("worker processes need fork (see parallel_available)")
        self.timeout = timeout
        context = _FORK if _no_pango_thread() else _SPAWN         # see the module's doc
        self.forked = context is _FORK
        jobs_out, jobs_in = context.Pipe(duplex=False)            # main -> zygote
        results_out, results_in = context.Pipe(duplex=False)      # zygote -> main
        self._zygote = context.Process(target=_zygote,
                                     args=(jobs_out, results_in, workers, timeout,
                                           os.getpid()),
                                     name="folio-zygote")
        self._zygote.start()
        jobs_out.close()
        results_in.close()
        self._jobs, self._results = jobs_in, results_out
        self._futures: dict[int, Future] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._closed = False
        self._ready = threading.Event()          # the workers are forked
        self._reader = threading.Thread(target=self._read, name="folio-results", daemon=True)
        self._reader.start()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.shutdown(wait=True, cancel_futures=kind is not None)

    @property
    def pid(self) -> int | None:
        return self._zygote.pid

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            number = next(self._numbers)
            self._futures[number] = future
            try:
                self._jobs.send((number, function, args))
            except (BrokenPipeError, OSError):
                self._futures.pop(number)
                future.set_exception(WorkerDied("the worker processes are gone"))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop the zygote and its workers: after the jobs submitted, or at once
        with ``cancel_futures`` (what runs is stopped, its PDF discarded). Either
        way, no process of the pool is left when this returns."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if next(self._numbers) == 0:
                cancel_futures = True       # never used: nothing to wait for
            if cancel_futures:
                for future in self._futures.values():
                    future.cancel()
                if not self._ready.is_set():
                    # Still importing: no job has started, nothing to clean up, and
                    # an error message need not wait for it.
                    self._zygote.kill()
            try:
                self._jobs.send("cancel" if cancel_futures else "stop")
            except (BrokenPipeError, OSError):
                pass
        self._zygote.join(timeout=None if not cancel_futures else 10)
        if self._zygote.is_alive():              # it did not answer: end it
            self._zygote.kill()
            self._zygote.join()
        self._reader.join(timeout=10)
        self._jobs.close()

    def _read(self) -> None:
        """Resolve each Future as its result comes back; those never answered fail."""
        while True:
            try:
                message = self._results.recv()
            except (EOFError, OSError):
                break
            number, failed, value = message
            if number == READY:
                self._ready.set()
                continue
            if number < 0:                  # the zygote cannot work: nothing will run
                break
            with self._lock:
                future = self._futures.pop(number, None)
            if future is not None and future.set_running_or_notify_cancel():
                if failed:
                    future.set_exception(value)
                else:
                    future.set_result(value)
        with self._lock:
            unanswered = list(self._futures.values())
            self._futures.clear()
        for future in unanswered:
            if future.set_running_or_notify_cancel():
                future.set_exception(WorkerDied(
                    "the worker processes stopped before answering"))


# -- the zygote ---------------------------------------------------------------------------

def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the process that forked it ends."""
    try:
        libc = _library("libc.so.6", "c", use_errno=True)
        libc.prctl(1, signal.SIGKILL)                  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass                        # elsewhere: the zygote watches its parent instead


def threads() -> int:
    """Native threads of this process (Python's count misses those of C libraries)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _no_pango_thread(limit: float = 2.0) -> bool:
    """Whether this process runs none of Pango's threads, after waiting up to
    ``limit`` s for them to end."""
    deadline = time.monotonic() + limit
    while _pango_threads():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
    return True


def _pango_threads() -> int:
    """Pango's threads running in this process, by the name each is given."""
    count = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0                        # no /proc: nothing to go by
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8",
                      errors="replace") as name:
                count += name.read().startswith("[pango]")
        except OSError:
            continue                    # ended meanwhile
    return count


def prepare_for_fork() -> None:
    """Everything a worker would otherwise do first that is safe before a fork:
    import WeasyPrint and our modules, and initialise fontconfig's default
    configuration; no font map, no layout, no thread."""
    from folio.pdf.ffi_cache import import_weasyprint
    import_weasyprint()
    from folio.pdf import fetcher, writer  # noqa: F401 - the modules the jobs run in
    from folio.pipeline import jobs  # noqa: F401
    try:
        _library("libfontconfig.so.1", "fontconfig").FcInit()
    except (OSError, AttributeError):
        pass


def _library(soname: str, name: str, **options: Any) -> ctypes.CDLL:
    """A C library by its usual file name, else as ``ctypes.util`` finds it (which
    runs ``ldconfig -p``: a process forked at every start of the zygote and of
    each worker)."""
    try:
        return ctypes.CDLL(soname, **options)
    except OSError:
        return ctypes.CDLL(ctypes.util.find_library(name) or soname, **options)


class _Worker:
    def __init__(self, process: BaseProcess, connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.job: tuple | None = None           # (number, started)


def _zygote(jobs: Connection, results: Connection, count: int, timeout: float,
            parent: int) -> None:
    """Prepare, fork the workers, and relay jobs to them until told to stop."""
    # What this process inherited is its parent's, Pango's font maps among it:
    # finalising one takes fontconfig's lock, which a thread of the parent may
    # have held at the fork (gdb showed a zygote stuck so, in a collection). So
    # the collector never looks at what was inherited; the workers inherit that.
    gc.freeze()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C: the main process decides
    prepare_for_fork()
    if threads() != 1:
        # Something started a thread: forking now could hang a worker. Refuse.
        results.send((BROKEN, True, RuntimeError(f"the zygote has {threads()} threads")))
        return
    relay = _Relay(jobs, results, [_fork_worker() for _ in range(count)], timeout)
    results.send((READY, False, None))
    while True:
        if os.getppid() != parent:              # the main process is gone
            relay.cancelled = True
        if relay.over:
            break
        relay.dispatch()
        waitables = [w.connection for w in relay.workers] + \
            [w.process.sentinel for w in relay.workers]
        if not relay.stopping:
            waitables.append(jobs)
        ready = wait(waitables, timeout=POLL)
        now = time.monotonic()
        for index in range(len(relay.workers)):
            relay.watch(index, ready, now)
        if jobs in ready:
            relay.receive()
    relay.stop_workers()
    results.close()


class _Relay:
    """The zygote's state: its workers, the jobs waiting for one, and whether it
    was told to stop (after the jobs it has) or to cancel (at once)."""

    def __init__(self, jobs: Connection, results: Connection, workers: list[_Worker],
                 timeout: float):
        self.jobs, self.results, self.workers = jobs, results, workers
        self.timeout = timeout
        self.queue: collections.deque[Any] = collections.deque()
        self.stopping = self.cancelled = False

    @property
    def over(self) -> bool:
        return self.cancelled or (self.stopping and not self.queue
                                  and all(w.job is None for w in self.workers))

    def dispatch(self) -> None:
        """A waiting job to each idle worker."""
        for worker in self.workers:
            if worker.job is None and self.queue:
                number, function, args = self.queue.popleft()
                try:
                    worker.connection.send((number, function, args))
                    worker.job = (number, time.monotonic())
                except (BrokenPipeError, OSError):
                    self.queue.appendleft((number, function, args))

    def watch(self, index: int, ready: list[Any], now: float) -> None:
        """Pass on the worker's answer; a worker that died or is late is replaced,
        and its job fails saying why."""
        worker = self.workers[index]
        if worker.connection in ready:
            try:
                message = worker.connection.recv()
            except (EOFError, OSError):
                message = None
            if message is not None:
                self.results.send(message)
                worker.job = None
                return
        died = worker.process.sentinel in ready and not worker.process.is_alive()
        late = worker.job is not None and now - worker.job[1] > self.timeout
        if died or late:
            worker.process.kill()
            worker.process.join()
            if worker.job is not None:
                error = WorkerTimeout(self.timeout) if late else WorkerDied(
                    "the process rendering it stopped unexpectedly (out of memory, or "
                    "killed?)")
                self.results.send((worker.job[0], True, error))
            self.workers[index] = _fork_worker()

    def receive(self) -> None:
        """A job from the main process, or its word to stop or cancel."""
        try:
            message = self.jobs.recv()
        except (EOFError, OSError):
            message = "cancel"
        if message == "cancel":
            self.cancelled = True
        elif message == "stop":
            self.stopping = True
        else:
            self.queue.append(message)

    def stop_workers(self) -> None:
        for worker in self.workers:
            if self.cancelled:
                worker.process.terminate()      # the worker discards what it was writing
            else:
                worker.connection.send("stop")
        for worker in self.workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


def _fork_worker() -> _Worker:
    assert _FORK is not None
    ours, theirs = _FORK.Pipe()
    process = _FORK.Process(target=_worker, args=(theirs,), name="folio-worker",
                            daemon=True)
    process.start()
    theirs.close()
    return _Worker(process, ours)


IMPORT_RECHECK = 0.02     # s: how often a stop that came during an import looks again


def stop_outside_imports(stop: Callable[[int, FrameType | None], None]
                         ) -> Callable[[int, FrameType | None], None]:
    """A signal handler that calls ``stop`` — but not while an import runs: a
    native extension being initialised (nanobind's, pikepdf's) cannot take the
    exception ``stop`` raises from the Python code it calls, and aborts the
    process with a page of traceback. Such a stop is kept, and acted on once the
    import is over (looked at every ``IMPORT_RECHECK`` s with SIGALRM)."""
    pending: list[int] = []

    def handler(number: int, frame: FrameType | None) -> None:
        if number != signal.SIGALRM:
            pending.append(number)
        elif not pending:
            return                                  # an alarm not ours to act on
        if _importing(frame):
            signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, IMPORT_RECHECK)
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        first = pending[0]
        pending.clear()
        stop(first, frame)
    return handler


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside an import (its stack passes through importlib)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _stop_worker(number: int, frame: FrameType | None) -> None:
    """Ctrl-C, or the zygote's SIGTERM on cancel: stop at once, the PDF being
    written discarded (write_atomically removes its temporary file), and silent:
    the build's own message is the one to read."""
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)                   # what C libraries write
        os.dup2(quiet, 2)
        os.close(quiet)
        sys.stdout = sys.stderr = open(os.devnull, "w")    # and Python's, wherever it went
    except OSError:
        pass
    raise KeyboardInterrupt


def _worker(connection: Connection) -> None:
    """Run jobs one at a time; Ctrl-C ends the worker at once, writing nothing more."""
    _die_with_parent()
    stop = stop_outside_imports(_stop_worker)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        _serve(connection)
    except KeyboardInterrupt:           # while warming up or sending: no traceback
        _exit(1)


def _serve(connection: Connection) -> None:
    _warm_up()
    idle_imports = True
    while True:
        try:
            if idle_imports and not connection.poll(0):
                # pikepdf, for putting an issue together, while no job waits: not in
                # the zygote, whose imports the first job of a build waits for.
                from folio.production import assemble, press  # noqa: F401
                idle_imports = False
            message = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            _exit(0)
        if message == "stop":
            _exit(0)
        number, function, args = message
        try:
            value, failed = function(*args), False
        except KeyboardInterrupt:
            _exit(1)                    # the temporary file is already removed
        except Exception as error:      # noqa: BLE001 - sent back to be raised there
            value, failed = error, True
        try:
            connection.send((number, failed, value))
        except Exception as error:      # noqa: BLE001 - a value that will not pickle
            connection.send((number, True, RuntimeError(f"{value!r}: {error}")))


def _exit(code: int) -> None:
    """End the worker at once (no atexit handlers, no flushing of what the parent
    owns), removing first what it made in /tmp: its kept font configuration's folder.
    Ctrl-C is followed by the pool's SIGTERM: neither may cut the removal short, even
    one that arrived before the signals were blocked (it interrupts once)."""
    for _ in range(3):
        try:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            from folio.pdf.kept_fonts import forget
            forget()
            break
        except KeyboardInterrupt:
            continue
    os._exit(code)


def _warm_up() -> None:
    """The first layout of a process starts Pango and its font map (in this worker,
    after the fork): done before the first job, in parallel with the others."""
    try:
        from weasyprint import HTML
        HTML(string="<p>a</p>").render()
    except Exception:                   # noqa: BLE001 - the first real job will say
        pass
