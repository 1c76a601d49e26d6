"""The build: plan the documents, check them, render HTML, then PDFs in worker processes.

Data flows one way: configuration -> content model -> HTML (Jinja) -> PDF
(WeasyPrint). Everything that can be checked before the slow part (content,
glyphs, templates) is checked first, so a mistake costs seconds, not a full build.

One rule for problems: every problem is reported, every document without one is
written, and the build fails (``BuildFailed``) saying how many documents were not.

This module is the build's order of events; each stage is its own module:
planning.py (which documents), checks.py (before rendering), rendering.py (HTML
and jobs), scheduling.py (who runs the jobs), finishing.py (what is made from
the PDFs), with what differs between kinds of document in kinds.py and what a
build reads in context.py (``BuildContext``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from folio.config.layout import TemplateSet
from folio.config.options import BuildOptions
from folio.config.publication import Profile, PublicationConfig
from folio.config.reading import Reader, Record, publication_reader
from folio.content.model import Publication
from folio.defaults import BUNDLED
from folio.errors import BuildError, Problem
from folio.files import inside_publication, not_over_sources, publication_lock
from folio.pdf import fonts
from folio.pipeline.context import BuildContext, Outcome
from folio.pipeline.finishing import drop_drafts, finish, imposed_paths, remove_temporaries
from folio.pipeline.jobs import PdfResult
from folio.pipeline.kinds import plan, plan_documents
from folio.pipeline.manifest import (
    Manifest,
    code_fingerprint,
    file_stat,
    options_key,
    tree_fingerprint,
)
from folio.pipeline.planning import PlannedDocument, load, output_path
from folio.pipeline.rendering import prepare, render_all
from folio.pipeline.scheduling import Pool
from folio.render.html import source_date

# What the command line, the preview and the tests use (the rest is the modules').
__all__ = ["BUNDLED", "BuildFailed", "BuildOptions", "build", "imposed_paths", "load",
           "outdated", "output_path", "plan_documents", "render_html"]


class BuildFailed(BuildError):
    """Some documents could not be made; the others were written."""

    def __init__(self, problems: list[Problem], failed: int, total: int):
        super().__init__(*problems)
        self.failed, self.total = failed, total

    def __reduce__(self) -> tuple[Callable[..., BuildFailed], tuple[object, ...]]:
        return (_rebuild_failed, (self.problems, self.failed, self.total))


def _rebuild_failed(problems: list[Problem], failed: int, total: int) -> BuildFailed:
    return BuildFailed(list(problems), failed, total)


@dataclass(frozen=True)
class Hooks:
    """What the caller is told as the build goes (see ``build``)."""

    on_written: Callable[[PdfResult], None] = lambda result: None
    on_skipped: Callable[[Path], None] = lambda output: None
    on_start: Callable[[int], None] = lambda count: None
    on_extra: Callable[[Path], None] = lambda path: None
    on_loaded: Callable[[PublicationConfig, Publication], None] = lambda c, p: None


def build(options: BuildOptions,
          on_written: Callable[[PdfResult], None] = lambda result: None,
          on_skipped: Callable[[Path], None] = lambda output: None,
          on_start: Callable[[int], None] = lambda count: None,
          on_extra: Callable[[Path], None] = lambda path: None,
          pool: Pool | None = None, tree: str | None = None,
          on_loaded: Callable[[PublicationConfig, Publication], None] = lambda c, p: None
          ) -> list[PdfResult]:
    """Build what changed of the requested documents. Every document without a
    problem is written; if any has one, ``BuildFailed`` lists every problem.
    ``on_start`` is told how many PDFs will be rendered, ``on_extra`` of every
    imposed PDF or preview written. ``pool``: worker processes already started
    (workers.WorkerPool), which its owner shuts down; without one, a build with
    ``jobs`` above 1 starts its own. ``tree``: the publication's
    ``tree_fingerprint``, if the caller took it before anything was read.
    ``on_loaded`` is given the configuration and content once they are read (the
    preview's dashboard shows them). An import into the publication waits for it
    (files.publication_lock), and it for an import."""
    hooks = Hooks(on_written, on_skipped, on_start, on_extra, on_loaded)
    with publication_lock(options.root, exclusive=False):
        return _build(options, hooks, pool, tree)


def outdated(options: BuildOptions) -> list[tuple[Path, bool]]:
    """Every PDF the build writes, and whether it would be made again now (what
    ``--list`` shows; the build decides the same way)."""
    reader = publication_reader(options.root)
    config, publication = load(options, reader)
    templates = TemplateSet.for_root(config.root, BUNDLED)
    documents, _ = plan(options, config, publication, templates, reader)
    profile = config.profile(options.profile)
    manifest = Manifest(options.output_dir, config.root)
    key = _document_key(options, profile)
    result = []
    for document in documents:
        output = output_path(options, profile, document)
        result.append((output, bool(document.problems) or options.force
                       or not manifest.fresh(output, key)))
    return result


def render_html(options: BuildOptions) -> dict[str, str]:
    """The HTML of every requested document, every check made, and no PDF: raises
    BuildFailed with every problem (for tests and the fuzzer)."""
    reader = publication_reader(options.root)
    config, publication = load(options, reader)
    profile = config.profile(options.profile)
    templates = TemplateSet.for_root(config.root, BUNDLED)
    documents, languages = plan(options, config, publication, templates, reader)
    context = BuildContext(options, config, profile, languages)
    problems = [p for d in documents for p in d.problems]
    problems += [p for key, p in publication.problems if key is None]
    failed = {(d.name, d.lang) for d in documents if d.problems}
    result = {}
    for document in documents:
        if document.problems:
            continue
        try:
            html = prepare(context, document).html
        except BuildError as error:
            problems += error.problems
            failed.add((document.name, document.lang))
            continue
        result[str(document.relative_path)] = html
    if problems:
        raise BuildFailed(problems, len(failed), len(documents))
    return result


def _build(options: BuildOptions, hooks: Hooks, pool: Pool | None,
           tree: str | None) -> list[PdfResult]:
    source_date()                       # a malformed SOURCE_DATE_EPOCH stops us here
    # Taken before anything is read: a file edited during the build makes the next
    # quick check fail, never pass.
    tree = tree or tree_fingerprint(options.root.resolve())
    context, documents, unattributed = _begin(options, hooks, pool)
    manifest = context.manifest
    assert manifest is not None
    todo = _todo(context, documents, hooks.on_skipped)
    outcome = Outcome()
    if todo:
        hooks.on_start(len(todo))
        outcome = _render(context, todo)
    drop_drafts(context, documents, manifest)
    products = finish(context, documents, outcome.written)
    _fail_if_problems(documents, outcome, unattributed)
    outputs = [context.output_path(d) for d in documents if not d.problems]
    manifest.record_complete(options_key(options.key()), tree, outputs, products)
    order = {str(context.output_path(d)): i for i, d in enumerate(todo)}
    return sorted(outcome.results, key=lambda r: order.get(str(r.output), 0))


def _begin(options: BuildOptions, hooks: Hooks, pool: Pool | None
           ) -> tuple[BuildContext, list[PlannedDocument], list[Problem]]:
    """The content read and planned, the output folders checked: the build's
    context, its documents, and the problems no document holds."""
    reader = publication_reader(options.root)
    config, publication = load(options, reader)
    hooks.on_loaded(config, publication)
    templates = TemplateSet.for_root(config.root, BUNDLED)
    documents, languages = plan(options, config, publication, templates, reader)
    profile = config.profile(options.profile)
    unattributed = [p for key, p in publication.problems if key is None]
    if options.out is None:             # output/ (or a folder in it) linked elsewhere
        for path in (options.output_dir, *(output_path(options, profile, d)
                                           for d in documents)):
            inside_publication(path, config.root)
    else:
        not_over_sources(options.out, config.root)
    context = BuildContext(options, config, profile, languages,
                           manifest=Manifest(options.output_dir, config.root),
                           shared=_shared_inputs(config, reader),
                           key=_document_key(options, profile), pool=pool,
                           on_written=hooks.on_written, on_extra=hooks.on_extra)
    return context, documents, unattributed


def _todo(context: BuildContext, documents: list[PlannedDocument],
          on_skipped: Callable[[Path], None]) -> list[PlannedDocument]:
    """The documents to make: without problems, and not up to date (those are
    told to ``on_skipped``)."""
    manifest = context.manifest
    assert manifest is not None
    todo = []
    for document in documents:
        if document.problems:
            continue
        output = context.output_path(document)
        if not context.options.force and manifest.fresh(output, context.key):
            on_skipped(output)
        else:
            todo.append(document)
    return todo


def _render(context: BuildContext, todo: list[PlannedDocument]) -> Outcome:
    """``rendering.render_all`` in the caller's pool, or in one of its own."""
    from folio._compat import remove_orphan_font_folders
    remove_orphan_font_folders()            # of processes killed outright before
    try:
        with _workers(context, len(todo)) as pool:
            return render_all(replace(context, pool=pool), todo)
    finally:
        # A worker killed while writing cannot remove its temporary file; we can.
        remove_temporaries([context.output_path(d) for d in todo],
                           context.options.keep_html)


@contextmanager
def _workers(context: BuildContext, count: int) -> Iterator[Pool | None]:
    """The caller's pool; without one, a pool of this build's own if ``jobs`` and
    the documents ask for one; else none (this process)."""
    from folio.pipeline.workers import WorkerPool, parallel_available
    options = context.options
    if context.pool is None and options.jobs > 1 and count > 1 and parallel_available():
        with WorkerPool(options.jobs, options.timeout) as own:
            yield own
    else:
        yield context.pool


def _fail_if_problems(documents: list[PlannedDocument], outcome: Outcome,
                      unattributed: list[Problem]) -> None:
    failed = [d for d in documents if d.problems]
    failed_names = {(d.name, d.lang) for d in failed} | \
        {(d.name, d.lang) for d, _ in outcome.problems}
    problems = [p for d in failed for p in d.problems] + \
        [p for _, p in outcome.problems] + unattributed
    if problems:
        raise BuildFailed(problems, len(failed_names), len(documents))


def _shared_inputs(config: PublicationConfig, reader: Reader) -> dict[str, str]:
    """What every document is made from: publication.yaml, and the declared fonts."""
    record: Record = {}
    reader.read_bytes(config.path, record)
    for code in config.codes:
        for file in fonts.font_files(config.fonts[code].families):
            record[file.as_posix()] = file_stat(file)
    return record


def _document_key(options: BuildOptions, profile: Profile) -> str:
    """What shapes every PDF besides its files: folio's code and the options."""
    settings = {"profile": vars(profile), "bilingual": options.bilingual,
                "keep_html": options.keep_html,
                "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", "")}
    return options_key({"code": code_fingerprint(), **settings})
