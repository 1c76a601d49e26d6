"""The build: plan the documents, check them, render HTML, then PDFs in worker processes.

Data flows one way: configuration -> content model -> HTML (Jinja) -> PDF
(WeasyPrint). Everything that can be checked before the slow part (content,
glyphs, templates) is checked first, so a mistake costs seconds, not a full build.

One rule for problems: every problem is reported, every document without one is
written, and the build fails (``BuildFailed``) saying how many documents were not.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from folio.config.layout import TemplateSet
from folio.config.options import BuildOptions
from folio.config.publication import Profile, PublicationConfig
from folio.config.reading import Reader, Record, publication_reader
from folio.content.model import Issue, Notice, Publication
from folio.defaults import BUNDLED
from folio.errors import BuildError, Problem
from folio.files import inside_publication, not_over_sources, publication_lock, temporary_pattern
from folio.pdf import fonts
from folio.pdf.fontprep import prepare as prepare_fonts
from folio.pdf.fontprep import with_prepared
from folio.pdf.writer import PdfJob
from folio.pipeline.checks import check_content, check_glyphs, check_printed_characters
from folio.pipeline.jobs import PdfResult, make_pdf, write_output
from folio.pipeline.manifest import (
    Manifest,
    code_fingerprint,
    combine,
    file_stat,
    options_key,
    tree_fingerprint,
)
from folio.pipeline.planning import (
    Languages,
    PlannedDocument,
    load,
    output_path,
    plan,
    plan_documents,
)
from folio.pipeline.scheduling import Task, scheduler
from folio.render.html import IssuePart, source_date

if TYPE_CHECKING:
    from folio.pipeline.parts import Steps

# What the command line, the preview and the tests use (the rest is the modules').
__all__ = ["BUNDLED", "BuildFailed", "BuildOptions", "build", "imposed_paths", "load",
           "outdated", "output_path", "plan_documents", "render_html"]


class BuildFailed(BuildError):
    """Some documents could not be made; the others were written."""

    def __init__(self, problems: list[Problem], failed: int, total: int):
        super().__init__(*problems)
        self.failed, self.total = failed, total

    def __reduce__(self):
        return (_rebuild_failed, (self.problems, self.failed, self.total))


def _rebuild_failed(problems, failed, total):
    return BuildFailed(list(problems), failed, total)



# -- rendering ---------------------------------------------------------------------------


def render_document(config: PublicationConfig, document: PlannedDocument, languages,
                    profile: Profile) -> tuple[str, Record]:
    """The document's HTML, and the templates and catalogs it was made from."""
    from folio.render.environment import recording
    from folio.render.html import (
        render_bilingual_notice_html,
        render_issue_html,
        render_notice_html,
    )
    record = _catalogs_read(document, languages)
    codes = [p.language.code for p in document.parts]
    envs = languages.envs
    draft = bool(document.untranslated)
    content = document.content
    with _recording_all(envs, codes, record, recording):
        if isinstance(content, tuple):
            html = render_bilingual_notice_html(content, config, envs, document.layout,
                                                profile)
        elif isinstance(content, Issue):
            html = render_issue_html(content, config, envs[document.lang], profile,
                                     draft=draft)
        elif isinstance(content, Notice):
            html = render_notice_html(content, config, envs[document.lang], profile,
                                      draft=draft)
        else:
            raise BuildError(*document.problems)
    return html, record


class _recording_all:
    """Record what every environment involved reads (a bilingual sheet uses several)."""

    def __init__(self, envs, codes, record, recording):
        self.managers = [recording(envs[c], record) for c in dict.fromkeys(codes)]

    def __enter__(self):
        for manager in self.managers:
            manager.__enter__()

    def __exit__(self, *exc):
        for manager in reversed(self.managers):
            manager.__exit__(*exc)


# -- the build --------------------------------------------------------------------------

def build(options: BuildOptions,
          on_written: Callable[[PdfResult], None] = lambda result: None,
          on_skipped: Callable[[Path], None] = lambda output: None,
          on_start: Callable[[int], None] = lambda count: None,
          on_extra: Callable[[Path], None] = lambda path: None,
          pool=None, tree: str | None = None,
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
    with publication_lock(options.root, exclusive=False):
        return _build(options, on_written, on_skipped, on_start, on_extra, pool, tree,
                      on_loaded)


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


def _build(options, on_written, on_skipped, on_start, on_extra, pool,
           tree: str | None, on_loaded) -> list[PdfResult]:
    source_date()                       # a malformed SOURCE_DATE_EPOCH stops us here
    # Taken before anything is read: a file edited during the build makes the next
    # quick check fail, never pass.
    tree = tree or tree_fingerprint(options.root.resolve())
    reader = publication_reader(options.root)
    config, publication = load(options, reader)
    on_loaded(config, publication)
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
    manifest = Manifest(options.output_dir, config.root)
    shared = _shared_inputs(config, reader)
    key = _document_key(options, profile)
    todo, failed = [], []
    for document in documents:
        if document.problems:
            failed.append(document)
            continue
        output = output_path(options, profile, document)
        if not options.force and manifest.fresh(output, key):
            on_skipped(output)
        else:
            todo.append(document)
    outputs = [output_path(options, profile, d) for d in documents if not d.problems]

    results: list[PdfResult] = []
    written: set[Path] = set()
    rendered_problems: list[tuple[PlannedDocument, Problem]] = []
    if todo:
        on_start(len(todo))
        results = _render_all(options, config, profile, languages, todo, shared, key,
                              manifest, pool, on_written, written, rendered_problems)
    for document in documents:
        if not document.problems and not document.pending:
            _drop_draft(options, profile, document, manifest)
    products = finish(options, profile, documents, written, on_extra, config)
    failed_names = {(d.name, d.lang) for d in failed} | \
        {(d.name, d.lang) for d, _ in rendered_problems}
    problems = [p for d in failed for p in d.problems] + \
        [p for _, p in rendered_problems] + unattributed
    if problems:
        raise BuildFailed(problems, len(failed_names), len(documents))
    manifest.record_complete(options_key(options.key()), tree, outputs, products)
    order = {str(output_path(options, profile, d)): i for i, d in enumerate(todo)}
    return sorted(results, key=lambda r: order.get(str(r.output), 0))


def _render_all(options, config, profile, languages, todo, shared, key, manifest,
                pool, on_written, written, rendered_problems) -> list[PdfResult]:
    """Check, render and write every document of ``todo``: each problem is kept
    with its document, and the others go on."""
    from folio._compat import remove_orphan_font_folders
    from folio.pipeline.workers import WorkerPool, parallel_available
    remove_orphan_font_folders()            # of processes killed outright before
    try:
        if pool is None and options.jobs > 1 and len(todo) > 1 and parallel_available():
            with WorkerPool(options.jobs, options.timeout) as own:
                return _render_in(own, options, config, profile, languages, todo, shared,
                                  key, manifest, on_written, written, rendered_problems)
        return _render_in(pool, options, config, profile, languages, todo, shared,
                          key, manifest, on_written, written, rendered_problems)
    finally:
        # A worker killed while writing cannot remove its temporary file; we can.
        remove_temporaries([output_path(options, profile, d) for d in todo],
                           options.keep_html)


def remove_temporaries(outputs: list[Path], html: bool) -> None:
    for output in outputs:
        for target in (output, output.with_suffix(".html")) if html else (output,):
            if target.parent.is_dir():
                for stray in target.parent.glob(temporary_pattern(target)):
                    stray.unlink(missing_ok=True)


def prepare(config: PublicationConfig, document: PlannedDocument, languages: Languages,
            profile: Profile, coverage: dict[str, frozenset[int]], prepared: list):
    """Everything before the PDF: glyphs checked, HTML rendered and checked.
    Returns the document (with what its language leaves untranslated), its HTML,
    the record of what the HTML was made from, and its stylesheets."""
    problems = check_glyphs(config, document, coverage)
    if problems:
        raise BuildError(*problems)
    html, record = render_document(_with_prepared_fonts(config, prepared), document,
                                   languages, profile)
    stylesheets = tuple(_paths(record, config.root))
    problems = check_printed_characters(config, document, html, coverage, stylesheets)
    if problems:
        raise BuildError(*problems)
    return document, html, record, stylesheets


def render_html(options: BuildOptions) -> dict[str, str]:
    """The HTML of every requested document, every check made, and no PDF: raises
    BuildFailed with every problem (for tests and the fuzzer)."""
    reader = publication_reader(options.root)
    config, publication = load(options, reader)
    profile = config.profile(options.profile)
    templates = TemplateSet.for_root(config.root, BUNDLED)
    documents, languages = plan(options, config, publication, templates, reader)
    coverage: dict[str, frozenset[int]] = {}
    prepared: list = []
    problems = [p for d in documents for p in d.problems]
    problems += [p for key, p in publication.problems if key is None]
    failed = {(d.name, d.lang) for d in documents if d.problems}
    result = {}
    for document in documents:
        if document.problems:
            continue
        try:
            document, html, _, _ = prepare(config, document, languages, profile, coverage,
                                           prepared)
        except BuildError as error:
            problems += error.problems
            failed.add((document.name, document.lang))
            continue
        result[str(document.relative_path)] = html
    if problems:
        raise BuildFailed(problems, len(failed), len(documents))
    return result


def _render_in(pool, options, config, profile, languages, todo, shared, key,
               manifest, on_written, written, rendered_problems) -> list[PdfResult]:
    from folio.pipeline import parts
    coverage: dict[str, frozenset[int]] = {}
    prepared: list = []
    results: list[PdfResult] = []
    inputs: dict[str, ChainMap[str, str]] = {}
    tasks: list[Task] = []

    def done(document: PlannedDocument, result: PdfResult) -> None:
        manifest.record(result.output, key, {**inputs[str(result.output)], **result.inputs},
                        result.pages)
        written.add(result.output)
        results.append(result)
        on_written(result)

    def fail(document: PlannedDocument, error: BuildError) -> None:
        rendered_problems.extend((document, p) for p in error.problems)

    # Issues first: the longest documents start first and the last to finish is short.
    ordered = sorted(todo, key=lambda d: (d.kind != "journal", -len(d.inputs)))
    pieces_key = combine(key, *(f"{name}={value}" for name, value in sorted(shared.items())))
    for document in ordered:
        by_parts = isinstance(document.content, Issue) and \
            _by_parts(options, profile, document.content)
        try:
            document, html, record, stylesheets = (_prepare_by_parts if by_parts else prepare)(
                config, document, languages, profile, coverage, prepared)
        except BuildError as error:
            fail(document, error)
            continue
        output = output_path(options, profile, document)
        # By parts, the record grows as the pieces are rendered: read when done.
        inputs[str(output)] = ChainMap(record, document.inputs, shared)
        job = _job(options, profile, config, document, html, output, stylesheets)
        if isinstance(document.content, Issue):
            render, render_whole, ready = _part_renderer(prepared[0], document, languages,
                                                         profile, record, coverage)
            issue_build = parts.IssueBuild(
                document.content, config, render, render_whole, ready,
                partial(check_content, config, document, coverage),
                partial(_stylesheets, record, config.root), job, pieces_key,
                config.root, {}, fresh=options.force)
            tasks.append(Task(document, job, parts.steps(issue_build) if by_parts
                               else parts.whole_steps(issue_build)))
        else:
            tasks.append(Task(document, job, _single(job)))
    scheduler(pool).run(tasks, done, fail)
    return results


def _stylesheets(record: Record, root: Path) -> tuple[Path, ...]:
    return tuple(_paths(record, root))


def _prepare_by_parts(config: PublicationConfig, document: PlannedDocument,
                      languages: Languages, profile: Profile,
                      coverage: dict[str, frozenset[int]], prepared: list):
    """``prepare`` for an issue laid out by articles: no HTML yet, and no check but
    the fonts'. Each piece is rendered, recorded and, when it is laid out, checked
    by itself (``_part_renderer``), and the content's glyphs are checked while
    the first pieces are laid out (parts.steps): an edit pays for neither the whole
    issue's HTML nor a wait for the checks."""
    for code, _ in document.texts:
        if code not in coverage:        # what the pieces' check needs (_part_renderer)
            coverage[code] = fonts.coverage(config.fonts[code].families, config.path,
                                            config.fonts[code].line_of)
    _with_prepared_fonts(config, prepared)
    return document, "", _catalogs_read(document, languages), ()


def _with_prepared_fonts(config: PublicationConfig, prepared: list) -> PublicationConfig:
    """The configuration with the prepared faces, made once per build: the glyph
    check reads the declared faces, PDFs use the prepared ones first."""
    if not prepared:
        prepared.append(with_prepared(config, prepare_fonts(config)))
    return prepared[0]


def _catalogs_read(document: PlannedDocument, languages: Languages) -> Record:
    """The record of the catalogs of the document's languages (where a language
    has a problem, it is raised)."""
    record: Record = {}
    for code in dict.fromkeys(p.language.code for p in document.parts):
        if code in languages.problems:
            raise BuildError(*languages.problems[code])
        record.update(languages.records[code])
    return record


def _by_parts(options: BuildOptions, profile: Profile, issue: Issue) -> bool:
    """Issues are laid out by articles (pipeline/parts.py) unless asked not to, or
    the profile needs one structure tree, or there is nothing to cut."""
    from folio.pipeline.parts import whole_only
    return not options.whole and not whole_only(profile) and len(issue.runs) > 1


def _part_renderer(config: PublicationConfig, document: PlannedDocument, languages,
                   profile: Profile, record: Record, coverage: dict[str, frozenset[int]]):
    """An issue's three renderers (see parts.IssueBuild): a piece's HTML before the
    typography pass, the whole's, and a piece's made ready to lay out. Every
    template they read is recorded in ``record``."""
    from folio.render.environment import recording
    from folio.render.html import render_issue_html
    from folio.render.typography import keep_korean_words
    # With a template cache, each template is loaded (and recorded) once, not for
    # each piece (the loader says a template is never up to date, so that each
    # document records it: not asked here).
    env = languages.envs[document.lang].overlay(cache_size=50, auto_reload=False)
    draft = bool(document.untranslated)
    issue = document.content
    assert isinstance(issue, Issue)

    def check(html: str) -> str:
        problems = check_printed_characters(config, document, html, coverage,
                                            tuple(_paths(record, config.root)))
        if problems:
            # A character the content holds is reported at its file and line.
            check_content(config, document, coverage)
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

    return render, render_whole, lambda raw: check(keep_korean_words(raw))


def _single(job: PdfJob) -> Steps:
    [result] = yield [(make_pdf, (job,))]
    return result


def _paths(record: Record, root: Path) -> list[Path]:
    """The template and stylesheet files of a render record, as paths."""
    return [Path(name) if name.startswith("/") else root / name
            for name, value in record.items()
            if value != "absent" and name.endswith((".j2", ".css"))]


def _drop_draft(options, profile, document: PlannedDocument, manifest: Manifest) -> None:
    """A document now built for real: its earlier draft must not be mistaken for it."""
    draft = options.output_dir / profile.output_subdir / \
        document.final_path.with_suffix(".draft.pdf")
    if draft.is_file() and (options.output_dir / profile.output_subdir /
                            document.final_path).is_file():
        draft.unlink()
        manifest.forget(draft)


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
    import os
    settings = {"profile": vars(profile), "bilingual": options.bilingual,
                "keep_html": options.keep_html,
                "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", "")}
    return options_key({"code": code_fingerprint(), **settings})


def finish(options: BuildOptions, profile: Profile, documents: list[PlannedDocument],
           written: set[Path], on_extra: Callable[[Path], None],
           config: PublicationConfig | None = None) -> list[Path]:
    """Post-processing of finished PDFs: imposition, previews and offprints (see
    impose.py, previews.py, offprints.py). Redone for a PDF just written, or when
    its product is missing. Returns every such product there now is."""
    products = []
    for document in documents:
        if document.problems:
            continue
        pdf = output_path(options, profile, document)
        if not pdf.is_file():
            continue
        fresh = pdf in written
        for layout, target in imposed_paths(options, profile, document):
            if fresh or not target.is_file():
                import sys

                from folio.production.impose import impose
                for note in impose(pdf, target, layout, profile.paper_mm).notes:
                    print(f"warning: {note}", file=sys.stderr)
                on_extra(target)
            products.append(target)
        if options.offprints and isinstance(document.content, Issue) and config is not None \
                and not document.pending:
            products += write_offprints(pdf, document.content, config, profile, fresh, on_extra)
        if options.previews:
            folder = options.output_dir / "previews" / profile.output_subdir / \
                document.relative_path.with_suffix("")
            if fresh or not folder.with_suffix(".png").is_file():
                from folio.production.previews import previews_for
                _, contact = previews_for(pdf, folder)
                on_extra(contact)
            products.append(folder.with_suffix(".png"))
    return products


OFFPRINTS_DIR = "offprints"


def imposed_paths(options: BuildOptions, profile: Profile, document: PlannedDocument
                  ) -> list[tuple[str, Path]]:
    """(layout, path) of each imposed PDF the build writes for ``document``."""
    pdf = output_path(options, profile, document)
    return [(layout, pdf.with_name(pdf.stem + f".{layout}.pdf")) for layout in options.impose
            if (layout == "2up") == (document.kind == "notice")]


def offprint_path(issue_pdf: Path, issue: Issue, slug: str) -> Path:
    """``output/[<profile>/]<lang>/offprints/<issue>-<article>.pdf``."""
    return issue_pdf.parent / OFFPRINTS_DIR / f"{issue.slug}-{slug}.pdf"


def write_offprints(pdf: Path, issue: Issue, config: PublicationConfig, profile: Profile,
                    fresh: bool, on_extra: Callable[[Path], None]) -> list[Path]:
    """One PDF per citable article of the issue, cut from its finished PDF."""
    from folio.production.offprints import NotInIssue, Offprint, cut, offprint_metadata
    made = []
    data = None
    for article in issue.articles:
        if not article.citable:
            continue
        target = offprint_path(pdf, issue, article.slug)
        made.append(target)
        if not fresh and target.is_file():
            continue
        data = data if data is not None else pdf.read_bytes()
        offprint = Offprint(article.anchor, f"{article.anchor}-end", target, article.title,
                            tuple(p.name for p in article.authors or article.speakers),
                            offprint_metadata(config.title[issue.language.code], issue.volume,
                                              issue.number, issue.date.isoformat(),
                                              issue.issn, article.doi))
        try:
            cut_pdf, _ = cut(data, offprint, (profile.variant or "").startswith("pdf/a"))
        except NotInIssue:
            raise BuildError.at(f"{pdf.name}: cannot find article '{article.slug}' in the "
                                "issue PDF to cut its offprint", article.source,
                                hint="build the issue again (--force)") from None
        write_output(target, cut_pdf)
        on_extra(target)
    for stale in (pdf.parent / OFFPRINTS_DIR).glob(f"{issue.slug}-*.pdf"):
        if stale not in made:
            stale.unlink(missing_ok=True)       # an article no longer in the issue
    return made


def _job(options, profile, config, document, html, output, stylesheets) -> PdfJob:
    return PdfJob(
        name=str(profile.output_subdir / document.relative_path), html=html,
        root=config.root, output=output, source=document.source,
        max_pages=(2 if document.layout == "duplex" else 1)
        if document.kind == "notice" else None,
        html_copy=output.with_suffix(".html") if options.keep_html else None,
        variant=profile.variant,
        crop_marks_mm=profile.bleed_mm if profile.crop_marks else None,
        also_readable=(profile.output_intent,) if profile.output_intent else (),
        output_intent=profile.output_intent, stylesheets=stylesheets,
        output_intent_at=(config.path, profile.output_intent_line)
        if profile.output_intent else None,
        tagged=profile.is_tagged,
        xmp=issue_metadata(document.content, config.title[document.content.language.code])
        if isinstance(document.content, Issue) else ())


def issue_metadata(issue: Issue, journal: str) -> tuple[tuple[str, str], ...]:
    """What the issue's XMP says besides its title: the journal, volume, number and
    the DOIs of its articles."""
    found = [("prism:publicationName", journal), ("prism:volume", str(issue.volume)),
             ("prism:number", str(issue.number)),
             ("prism:coverDate", issue.date.isoformat())]
    if issue.issn:
        found.append(("prism:issn", issue.issn))
    found += [("dc:relation", f"https://doi.org/{a.doi}") for a in issue.articles if a.doi]
    return tuple(found)


