"""Worker processes for the PDFs (not threads: WeasyPrint and Pango are not thread-safe).

Importing WeasyPrint costs about 0.35 s of CPU even with its C declarations
cached (ffi_cache.py), 0.55 s without. Forked straight from the main process,
every worker paid that, which on two cores was a sixth of a build. So
``WorkerPool`` forks one *zygote* the moment the command line starts: it pays
the start-up once, while the main process is still reading the content, then
forks the workers from itself, so they begin warm and share its memory.

The main process never sees the workers: it hands jobs to the zygote, which runs
them on an ordinary ProcessPoolExecutor and sends back each result or exception.
``submit`` returns concurrent.futures Futures, so build.py uses this pool as it
would an executor.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import signal
import threading
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait

_FORK = multiprocessing.get_context("fork")


class WorkerPool:
    """``workers`` processes rendering jobs; ``submit`` and ``shutdown`` as an executor."""

    def __init__(self, workers: int):
        self._jobs = _FORK.Queue()           # a feeder thread: submit() never blocks
        self._results, results_end = _FORK.Pipe(duplex=False)
        self._zygote = _FORK.Process(target=_zygote, args=(self._jobs, results_end, workers),
                                     name="folio-zygote")
        self._zygote.start()
        results_end.close()
        self._futures: dict[int, Future] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._forked = threading.Event()     # the zygote has children now
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="folio-results", daemon=True)
        self._reader.start()

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            number = next(self._numbers)
            self._futures[number] = future
        self._jobs.put((number, function, args))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop the zygote and its workers, after the jobs submitted unless
        ``cancel_futures``. A cancelled job a worker had already started still
        finishes (its PDF is a complete file) but is not reported."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if cancel_futures:
                for future in self._futures.values():
                    future.cancel()
            idle = cancel_futures or not self._futures
        if idle and not self._forked.is_set():
            # Still starting, so no job has begun and there is no child to orphan:
            # an error message need not wait for WeasyPrint to finish importing.
            self._zygote.terminate()
        self._jobs.put("cancel" if cancel_futures else "stop")
        if wait:
            self._zygote.join()
            self._reader.join()
        self._jobs.close()
        self._jobs.cancel_join_thread()      # the zygote has read all it will read

    def _read(self) -> None:
        """Resolve each Future as its result comes back; those the zygote never
        answers fail, as with a broken executor."""
        while self._results in wait([self._results, self._zygote.sentinel]):
            try:
                message = self._results.recv()
            except (EOFError, OSError):
                break
            if message == "forked":
                self._forked.set()
                continue
            number, failed, value = message
            with self._lock:
                future = self._futures.pop(number)
            if future.set_running_or_notify_cancel():
                if failed:
                    future.set_exception(value)
                else:
                    future.set_result(value)
        with self._lock:
            unanswered = list(self._futures.values())
            self._futures.clear()
        for future in unanswered:
            if future.set_running_or_notify_cancel():
                future.set_exception(BrokenProcessPool(
                    "a worker process stopped unexpectedly (out of memory, or killed?)"))


def _zygote(jobs, results, workers: int) -> None:
    """Warm up, fork the workers, and relay jobs to them until told to stop."""
    from concurrent.futures import ProcessPoolExecutor

    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C: the main process decides
    parent = os.getppid()
    _warm_up()
    # From here on there are children, which a plain SIGTERM would orphan.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    executor = ProcessPoolExecutor(workers, mp_context=_FORK, initializer=_worker_signals)
    executor.submit(int)                 # with fork, the first task starts every worker
    sending = threading.Lock()

    def send(number: int, failed: bool, value) -> None:
        with sending:                    # called from the executor's thread too
            try:
                results.send((number, failed, value))
            except Exception as error:   # noqa: BLE001 - a value that will not pickle
                results.send((number, True, RuntimeError(f"{value!r}: {error}")))

    def report(number: int, future) -> None:
        if future.cancelled():
            send(number, True, CancelledError())
        elif future.exception() is not None:
            send(number, True, future.exception())
        else:
            send(number, False, future.result())

    with sending:
        results.send("forked")
    while True:
        try:
            message = jobs.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:   # the main process was killed: nobody to answer
                message = "cancel"
                break
            continue
        if message in ("stop", "cancel"):
            break
        number, function, args = message
        try:
            future = executor.submit(function, *args)
        except BrokenProcessPool as error:      # a worker died earlier
            send(number, True, error)
        else:
            future.add_done_callback(lambda future, number=number: report(number, future))
    executor.shutdown(wait=True, cancel_futures=message == "cancel")
    results.close()


def _warm_up() -> None:
    """What every worker would otherwise do first: import WeasyPrint and start
    fontconfig and Pango."""
    from .ffi_cache import import_weasyprint
    import_weasyprint()
    from weasyprint import HTML

    from . import pdf  # noqa: F401 - the module the jobs run in

    HTML(string="<p>a</p>").render()


def _worker_signals() -> None:
    """Workers stop on Ctrl-C at once, as the main process does (the zygote does not)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
