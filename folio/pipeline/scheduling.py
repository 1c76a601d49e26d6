"""Scheduling: every document's jobs run, one after another or at once in workers.

A document is a ``Task``: a generator of steps (parts.Steps), each step a list of
jobs that can run at once, the next step known when the last one's results are.
``SerialTasks`` and ``ParallelTasks`` run a list of them behind one interface (as
Sphinx's SerialTasks and ParallelTasks do), so that the build does not care which
it has: in parallel, a task's next step starts when its last one is complete,
so one issue's pieces and other documents share the workers.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from folio.defaults import command
from folio.errors import BuildError
from folio.pdf.writer import PdfJob
from folio.pipeline.jobs import PdfResult
from folio.pipeline.parts import Ahead, Step, Steps
from folio.pipeline.planning import PlannedDocument

Done = Callable[[PlannedDocument, PdfResult], None]
Failed = Callable[[PlannedDocument, BuildError], None]


@dataclass
class Task:
    """A document's jobs, a step at a time (a generator: see parts.steps)."""

    document: PlannedDocument
    job: PdfJob
    steps: Steps


class Pool(Protocol):
    """What a scheduler needs of workers.WorkerPool (or any executor)."""

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]: ...


class Tasks(Protocol):
    """Runs every task to its end: ``done`` with each result, ``fail`` with each
    document's error (the others go on)."""

    def run(self, tasks: list[Task], done: Done, fail: Failed) -> None: ...


def scheduler(pool: Pool | None) -> Tasks:
    """``ParallelTasks`` on the pool's workers, or ``SerialTasks`` without one."""
    return SerialTasks() if pool is None else ParallelTasks(pool)


class SerialTasks:
    """Every task in this process, one after another (a job started ahead runs with
    the step that names it)."""

    def run(self, tasks: list[Task], done: Done, fail: Failed) -> None:
        for task in tasks:
            try:
                done(task.document, _run_steps(task.steps))
            except BuildError as error:
                fail(task.document, error)


def _run_steps(steps: Steps) -> PdfResult:
    """Drive a task's steps, each job run here; a job's error is given to the task
    (which may fall back on another way, as an issue laid out whole)."""
    try:
        step = next(steps)
        while True:
            if isinstance(step, Ahead):         # run with the step that names them
                step = next(steps)
                continue
            try:
                results = [function(*args) for function, args in step]
            except BuildError as error:
                step = steps.throw(error)
                continue
            step = steps.send(results)
    except StopIteration as stop:
        return stop.value


@dataclass
class _StepState:
    """The step a task waits on: its results so far, in order, how many of its jobs
    are not finished, and the first error one of them raised."""

    results: list[Any]
    left: int
    error: BuildError | None = None


class ParallelTasks:
    """Every task's steps at once in the pool's workers."""

    def __init__(self, pool: Pool):
        self.pool = pool

    def run(self, tasks: list[Task], done: Done, fail: Failed) -> None:
        _ParallelRun(self.pool, tasks, done, fail).run()


@dataclass
class _ParallelRun:
    pool: Pool
    tasks: list[Task]
    done: Done
    fail: Failed
    pending: dict[Future[Any], tuple[int, int, Any]] = field(default_factory=dict)
    steps: dict[int, _StepState] = field(default_factory=dict)    # by task
    # (task, output) -> a job started ahead (parts.Ahead), claimed by a later step
    early: dict[tuple[int, Path | None], Future[Any]] = field(default_factory=dict)

    def run(self) -> None:
        for number in range(len(self.tasks)):
            self.advance(number)
        while self.pending:
            finished, _ = wait(list(self.pending), return_when=FIRST_COMPLETED)
            for future in finished:
                self.collect(future)

    def advance(self, number: int, value: list[Any] | None = None,
                error: BuildError | None = None) -> None:
        """Give the task the results of its last step (or its error), and submit
        the jobs of its next one; at its end, ``done`` or ``fail``."""
        task = self.tasks[number]
        try:
            step = self.next_step(number, value, error)
        except StopIteration as stop:
            self.done(task.document, stop.value)
            return
        except BuildError as failure:
            self.fail(task.document, failure)
            return
        self.steps[number] = _StepState([None] * len(step), len(step))
        for slot, (function, args) in enumerate(step):
            key = (number, getattr(args[0], "output", None))
            future = self.early.pop(key) if key in self.early else \
                self.pool.submit(function, *args)
            self.pending[future] = (number, slot, args[0])

    def next_step(self, number: int, value: list[Any] | None,
                  error: BuildError | None) -> Step:
        steps = self.tasks[number].steps
        if error is not None:
            step = steps.throw(error)
        elif value is None:
            step = next(steps)
        else:
            step = steps.send(value)
        while isinstance(step, Ahead):
            for function, args in step.jobs:
                self.early[number, args[0].output] = self.pool.submit(function, *args)
            step = next(steps)
        return step

    def collect(self, future: Future[Any]) -> None:
        """A job's result (or error) into its step; the task goes on once the step
        is complete."""
        number, slot, job = self.pending.pop(future)
        state = self.steps[number]
        try:
            state.results[slot] = future.result()
        except BuildError as error:
            state.error = state.error or error
        except Exception as error:          # noqa: BLE001 - the pool's: said per document
            state.error = state.error or pool_failure(self.tasks[number], job, error)
        state.left -= 1
        if state.left == 0:
            self.advance(number, None if state.error else state.results, state.error)


def pool_failure(task: Task, job: Any, error: Exception) -> BuildError:
    """A worker's failure (it ran out of time, or died) as the document's problem;
    any other error is raised again."""
    from folio.pipeline.workers import WorkerDied, WorkerTimeout
    name = getattr(job, "name", None) or getattr(getattr(job, "job", None), "name", task.job.name)
    if isinstance(error, WorkerTimeout):
        return BuildError.at(
            f"{name}: no result after {error.seconds:.0f} s; the document was "
            "stopped (its PDF, if any, is as it was)", task.document.source,
            hint=f"a document this long may need more: {command()} --timeout SECONDS; "
                 "otherwise report it, with the document")
    if isinstance(error, WorkerDied):
        return BuildError.at(f"{name}: {error}", task.document.source,
                             hint="try again, with --jobs 1 if memory is short")
    raise error
