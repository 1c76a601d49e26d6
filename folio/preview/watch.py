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
from dataclasses import replace
from pathlib import Path

from folio.config.options import BuildOptions
from folio.errors import BuildError
from folio.preview.server import Live
from folio.preview.state import Tracker, snapshot, with_looks, with_preflight

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
        self._lock = threading.Lock()           # one publisher at a time
        self._to_check = threading.Event()      # a snapshot awaits its preflight
        self._checker: threading.Thread | None = None
        self._drawing: threading.Thread | None = None  # drawing the changed pages ahead
        self._drawing_early: list[threading.Thread] = []    # … before they are written

    def _publish(self, shown) -> None:
        with self._lock:
            self.generation += 1
            self.live.publish(replace(shown, generation=self.generation), building=False)

    def rebuild(self) -> None:
        from folio.pipeline.parts import listening
        from folio.pipeline.run import build
        started = time.perf_counter()
        written: dict[Path, float] = {}
        sources: dict[Path, tuple[str, ...]] = {}
        problems: list[str] = []
        loaded: list = []

        def done(result) -> None:
            written[result.output] = time.perf_counter() - started
            if result.page_sources:
                sources[result.output] = result.page_sources
        since = time.time_ns()
        expected: list[Path] = []

        def assembling(assembly) -> None:
            expected.append(assembly.job.output)
            try:
                self._show_early(assembly, since)
            except Exception as error:      # noqa: BLE001 - said; the issue follows
                self.report(f"showing the changed pages first stopped: {error}")
        self.live.building = True               # open pages say "rebuilding…"
        try:
            try:
                with listening(assembling):
                    build(self.options, pool=self.pool, on_written=done,
                          on_loaded=lambda *both: loaded.extend(both))
            except BuildError as error:
                problems = [problem.format(self.options.root) for problem in error.problems]
            seconds = time.perf_counter() - started
            self.live.images.close(written)     # their old versions are not shown again
            for thread in self._drawing_early:  # none drawn from the pieces after this
                thread.join(10)
            self._drawing_early.clear()
            self.live.images.written(expected)
            self._publish(snapshot(self.options, 0, written, problems, seconds, self.tracker,
                                   self.live.snapshot, tuple(loaded) if loaded else None,
                                   sources))
        finally:
            self.live.building = False
        # An open document view asks for the changed pages next: drawn meanwhile.
        self._drawing = self.live.images.draw_ahead([
            (document.pdf, page, document.drawing(page))
            for document in self.live.snapshot.documents for page in sorted(document.changed)])
        self._preflight_later()
        self.report(f"rebuilt in {seconds:.1f} s: {len(written)} PDF"
                    f"{'s' if len(written) != 1 else ''} written"
                    + (f", {len(problems)} problem{'s' if len(problems) != 1 else ''}"
                       if problems else ""))
        for problem in problems:
            self.report(f"  {problem}")

    def _show_early(self, assembly, since: int) -> bool:
        """Show the pages of an issue's pieces laid out by this rebuild, drawn from
        the pieces, before the issue is put together (early.py); whether any was."""
        from folio.preview.early import early_document
        pdf = assembly.job.output
        shown = self.live.snapshot
        document = next((d for d in shown.documents if d.pdf == pdf), None)
        if document is None:
            return False
        found = early_document(document, assembly, since)
        if found is None:
            return False
        early, pages = found
        self.live.images.expect(pdf, pages)
        with self._lock:
            self.generation += 1
            self.live.publish(replace(shown, generation=self.generation, documents=tuple(
                early if d is document else d for d in shown.documents)))
        # Drawn now, while the issue is put together: they are asked for next.
        drawing = self.live.images.draw_ahead([
            (pdf, number, early.drawing(number)) for number in sorted(early.changed)])
        if drawing is not None:
            self._drawing_early.append(drawing)
        return True

    def _preflight_later(self) -> None:
        """The pages are shown first; preflight (seconds for a long issue) runs in a
        thread of its own, so that a save made meanwhile is rebuilt at once, after
        the changed pages' marks are confirmed (``with_looks``, once the pages are
        drawn). What it finds is published only if no rebuild published since."""
        self._to_check.set()
        if self._checker is None:
            self._checker = threading.Thread(target=self._check_forever,
                                             name="folio-preflight", daemon=True)
            self._checker.start()

    def _check_forever(self) -> None:
        while not self.live.stopping:
            if not self._to_check.wait(0.5):
                continue
            self._to_check.clear()
            if self._drawing is not None:
                self._drawing.join(10)          # the changed pages are drawn first
            self._complete("comparing pages", lambda shown: with_looks(
                shown, shown.generation, self.tracker))
            self._complete("preflight", lambda shown: with_preflight(
                shown, shown.generation, self.options, self.tracker))

    def _complete(self, name: str, step: Callable) -> None:
        """Publish what ``step`` adds to the snapshot shown, unless a rebuild
        published another meanwhile."""
        shown = self.live.snapshot
        try:
            found = step(shown)
        except Exception as error:      # noqa: BLE001 - said, and the preview goes on
            self.report(f"{name} stopped: {error}")
            return
        with self._lock:
            if found is not None and self.live.snapshot is shown:
                self.generation += 1
                self.live.publish(replace(found, generation=self.generation))


def watched(root: Path, output: Path) -> Callable[[object, str], bool]:
    """watchfiles' filter: the publication's files, not the output or tools' folders;
    but a PDF (or the output folder) deleted is made again."""
    root, output = root.resolve(), output.resolve()

    def keep(change: object, path: str) -> bool:
        where = Path(path).resolve()
        if where == output or output in where.parents:
            inside = where.relative_to(output).parts if where != output else ()
            return _deleted(change) and (where == output or (
                where.suffix == ".pdf" and not any(p.startswith(".") for p in inside)))
        parts = where.relative_to(root).parts if root in where.parents else ()
        return not any(part in IGNORED_DIRS or part.startswith(".") for part in parts)
    return keep


def _deleted(change: object) -> bool:
    from watchfiles import Change
    return change == Change.deleted


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
            options.root, options.output_dir), stop_event=stop, debounce=300, step=30,
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
