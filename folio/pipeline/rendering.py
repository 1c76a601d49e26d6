"""Rendering: a planned document made into HTML, checked, and into the jobs that
make its PDF (run by scheduling.py in workers or in this process).

What differs between kinds of document (which template, which jobs) is asked of
the document's kind (kinds.py); what is the same for all is here.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from folio.config.reading import Record
from folio.content.model import Issue
from folio.errors import BuildError
from folio.pdf import fonts
from folio.pdf.writer import PdfJob
from folio.pipeline.checks import check_content, check_glyphs, check_printed_characters
from folio.pipeline.context import BuildContext, Outcome
from folio.pipeline.jobs import PdfResult
from folio.pipeline.manifest import combine
from folio.pipeline.planning import Languages, PlannedDocument
from folio.pipeline.scheduling import Task, scheduler
from folio.render.html import IssuePart


@dataclass(frozen=True)
class Prepared:
    """A document ready for its PDF: its HTML (empty when laid out by parts, whose
    pieces are rendered as they are laid out), what it was made from (a record that
    grows as the pieces are rendered), and its stylesheets."""

    document: PlannedDocument
    html: str
    record: Record
    stylesheets: tuple[Path, ...] = ()
    by_parts: bool = False


def prepare(context: BuildContext, document: PlannedDocument) -> Prepared:
    """Everything before the PDF: glyphs checked, HTML rendered and checked."""
    config = context.config
    problems = check_glyphs(config, document, context.coverage)
    if problems:
        raise BuildError(*problems)
    html, record = render_document(context, document)
    stylesheets = stylesheets_of(record, config.root)
    problems = check_printed_characters(config, document, html, context.coverage,
                                        stylesheets)
    if problems:
        raise BuildError(*problems)
    return Prepared(document, html, record, stylesheets)


def prepare_by_parts(context: BuildContext, document: PlannedDocument) -> Prepared:
    """``prepare`` for an issue laid out by articles: no HTML yet, and no check but
    the fonts'. Each piece is rendered, recorded and, when it is laid out, checked
    by itself (``part_renderer``), and the content's glyphs are checked while
    the first pieces are laid out (parts.steps): an edit pays for neither the whole
    issue's HTML nor a wait for the checks."""
    config = context.config
    for code, _ in document.texts:
        if code not in context.coverage:    # what the pieces' check needs (part_renderer)
            context.coverage[code] = fonts.coverage(config.fonts[code].families,
                                                    config.path, config.fonts[code].line_of)
    context.prepared_config()
    return Prepared(document, "", catalogs_read(document, context.languages), (),
                    by_parts=True)


def render_document(context: BuildContext, document: PlannedDocument) -> tuple[str, Record]:
    """The document's HTML, as its kind renders it, and the templates and catalogs
    it was made from."""
    from folio.render.environment import recording
    if document.content is None:
        raise BuildError(*document.problems)
    languages = context.languages
    record = catalogs_read(document, languages)
    with ExitStack() as stack:
        # Every environment involved records what it reads (a bilingual sheet uses
        # several).
        for code in dict.fromkeys(p.language.code for p in document.parts):
            stack.enter_context(recording(languages.envs[code], record))
        html = document.kind.render(document, context.prepared_config(), languages.envs,
                                    context.profile)
    return html, record


def catalogs_read(document: PlannedDocument, languages: Languages) -> Record:
    """The record of the catalogs of the document's languages (where a language
    has a problem, it is raised)."""
    record: Record = {}
    for code in dict.fromkeys(p.language.code for p in document.parts):
        if code in languages.problems:
            raise BuildError(*languages.problems[code])
        record.update(languages.records[code])
    return record


def stylesheets_of(record: Record, root: Path) -> tuple[Path, ...]:
    """The template and stylesheet files of a render record, as paths."""
    return tuple(Path(name) if name.startswith("/") else root / name
                 for name, value in record.items()
                 if value != "absent" and name.endswith((".j2", ".css")))


@dataclass(frozen=True)
class PartRenderer:
    """An issue's three renderers (see parts.IssueBuild): a piece's HTML before the
    typography pass, the whole's, and a piece's made ready to lay out."""

    render: Callable[[IssuePart], str]
    render_whole: Callable[[dict[str, str]], str]
    ready: Callable[[str], str]


def part_renderer(context: BuildContext, document: PlannedDocument,
                  record: Record) -> PartRenderer:
    """The renderers of an issue laid out by parts. Every template they read is
    recorded in ``record``."""
    from folio.render.environment import recording
    from folio.render.html import render_issue_html
    from folio.render.typography import keep_korean_words
    config, profile = context.prepared_config(), context.profile
    # With a template cache, each template is loaded (and recorded) once, not for
    # each piece (the loader says a template is never up to date, so that each
    # document records it: not asked here).
    env = context.languages.envs[document.lang].overlay(cache_size=50, auto_reload=False)
    draft = bool(document.untranslated)
    issue = document.content
    assert isinstance(issue, Issue)

    def check(html: str) -> str:
        problems = check_printed_characters(config, document, html, context.coverage,
                                            stylesheets_of(record, config.root))
        if problems:
            # A character the content holds is reported at its file and line.
            check_content(config, document, context.coverage)
            raise BuildError(*problems)
        return html

    def render(part: IssuePart) -> str:
        with recording(env, record):
            return render_issue_html(issue, config, env, profile, draft=draft, part=part,
                                     typeset=False)

    def render_whole(ranges: dict[str, str]) -> str:
        with recording(env, record):
            return check(render_issue_html(issue, config, env, profile, draft=draft,
                                           page_ranges=ranges))

    return PartRenderer(render, render_whole, lambda raw: check(keep_korean_words(raw)))


def make_job(context: BuildContext, prepared: Prepared, output: Path) -> PdfJob:
    """The job that makes the document's PDF, as the profile wants it."""
    options, profile, config = context.options, context.profile, context.config
    document = prepared.document
    return PdfJob(
        name=str(profile.output_subdir / document.relative_path), html=prepared.html,
        root=config.root, output=output, source=document.source,
        max_pages=document.kind.max_pages(document),
        html_copy=output.with_suffix(".html") if options.keep_html else None,
        variant=profile.variant,
        crop_marks_mm=profile.bleed_mm if profile.crop_marks else None,
        also_readable=(profile.output_intent,) if profile.output_intent else (),
        output_intent=profile.output_intent, stylesheets=prepared.stylesheets,
        output_intent_at=(config.path, profile.output_intent_line)
        if profile.output_intent else None,
        tagged=profile.is_tagged,
        xmp=document.kind.metadata(document, config))


@dataclass
class _Rendering:
    """The documents of one build being rendered: what each output is made from
    (read once it is written), and what came of it."""

    context: BuildContext
    outcome: Outcome = field(default_factory=Outcome)
    inputs: dict[str, ChainMap[str, str]] = field(default_factory=dict)

    def done(self, document: PlannedDocument, result: PdfResult) -> None:
        context = self.context
        assert context.manifest is not None
        context.manifest.record(result.output, context.key,
                                {**self.inputs[str(result.output)], **result.inputs},
                                result.pages)
        self.outcome.written.add(result.output)
        self.outcome.results.append(result)
        context.on_written(result)

    def fail(self, document: PlannedDocument, error: BuildError) -> None:
        self.outcome.problems.extend((document, p) for p in error.problems)

    def task(self, document: PlannedDocument) -> Task | None:
        """The document prepared, and its jobs; None if it cannot be made."""
        context = self.context
        try:
            prepared = document.kind.prepare(context, document)
        except BuildError as error:
            self.fail(document, error)
            return None
        document = prepared.document
        output = context.output_path(document)
        # By parts, the record grows as the pieces are rendered: read when done.
        self.inputs[str(output)] = ChainMap(prepared.record, document.inputs, context.shared)
        job = make_job(context, prepared, output)
        return Task(document, job, document.kind.steps(context, prepared, job))


def render_all(context: BuildContext, todo: list[PlannedDocument]) -> Outcome:
    """Check, render and write every document of ``todo`` (in the context's pool, or
    in this process): each problem is kept with its document, and the others go on."""
    rendering = _Rendering(context)
    # Issues first: the longest documents start first and the last to finish is short.
    ordered = sorted(todo, key=lambda d: (d.kind.order, -len(d.inputs)))
    tasks = [task for task in map(rendering.task, ordered) if task is not None]
    scheduler(context.pool).run(tasks, rendering.done, rendering.fail)
    return rendering.outcome


def pieces_key(context: BuildContext) -> str:
    """What besides its HTML shapes a piece of an issue: the build's key and the
    files every document is made from."""
    return combine(context.key, *(f"{name}={value}"
                                  for name, value in sorted(context.shared.items())))
