"""Watch the publication and rebuild what a change affects, until stopped.

The first build, then one rebuild per burst of saves (watchfiles groups the
events of an editor's save); each rebuild is the ordinary incremental build with
one worker pool kept for the whole session, so a one-article edit lays out one
article again. After each, a new snapshot is published to the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from folio.config.options import BuildOptions
from folio.errors import BuildError
from folio.preview.server import Live
from folio.preview.state import Tracker, snapshot, with_preflight

IGNORED_DIRS = {".git", "__pycache__", ".venv", "node_modules"}


class Rebuilder:
    """Builds and publishes snapshots; one rebuild at a time."""

    def __init__(self, options: BuildOptions, live: Live, pool=None,
                 report: Callable[[str], None] = print):
        self.options = options
        self.live = live
        self.pool = pool
        self.report = report
        self.tracker = Tracker()
        self.generation = 0

    def rebuild(self) -> None:
        from folio.pipeline.run import build
        started = time.perf_counter()
        written: dict[Path, float] = {}
        problems: list[str] = []
        self.live.building = True
        try:
            build(self.options, pool=self.pool, on_written=lambda result: written.__setitem__(
                result.output, time.perf_counter() - started))
        except BuildError as error:
            problems = [problem.format(self.options.root) for problem in error.problems]
        finally:
            self.live.building = False
        seconds = time.perf_counter() - started
        self.generation += 1
        self.live.publish(snapshot(self.options, self.generation, written, problems, seconds,
                                   self.tracker, self.live.snapshot))
        # The pages first; then preflight, which takes seconds for a long issue.
        checked = with_preflight(self.live.snapshot, self.generation + 1, self.options,
                                 self.tracker)
        if checked is not None:
            self.generation += 1
            self.live.publish(checked)
        self.report(f"rebuilt in {seconds:.1f} s: {len(written)} PDF"
                    f"{'s' if len(written) != 1 else ''} written"
                    + (f", {len(problems)} problem{'s' if len(problems) != 1 else ''}"
                       if problems else ""))
        for problem in problems:
            self.report(f"  {problem}")


def watched(root: Path, output: Path) -> Callable[[object, str], bool]:
    """watchfiles' filter: the publication's files, not the output or tools' folders."""
    root, output = root.resolve(), output.resolve()

    def keep(change: object, path: str) -> bool:
        where = Path(path).resolve()
        if where == output or output in where.parents:
            return False
        parts = where.relative_to(root).parts if root in where.parents else ()
        return not any(part in IGNORED_DIRS or part.startswith(".") for part in parts)
    return keep


def watch(rebuilder: Rebuilder, stop: threading.Event) -> None:
    """Build, then rebuild after each burst of changes, until ``stop`` is set. The
    watching starts before the first build, so a file saved while a build runs
    is built next, never lost."""
    from watchfiles import watch as watch_changes
    options = rebuilder.options
    dirty = threading.Event()
    ready = threading.Event()

    def watcher() -> None:
        changes = watch_changes(options.root, watch_filter=watched(
            options.root, options.output_dir), stop_event=stop, debounce=300, step=50,
            yield_on_timeout=True, rust_timeout=100, raise_interrupt=False)
        for found in changes:
            ready.set()
            if found:
                dirty.set()

    thread = threading.Thread(target=watcher, name="folio-watch", daemon=True)
    thread.start()
    ready.wait(5)                           # watching, before anything is built
    rebuilder.rebuild()
    while not stop.is_set():
        if dirty.wait(0.1):
            dirty.clear()
            rebuilder.rebuild()
