"""The build: plan the documents, check them, render HTML, then PDFs in worker processes.

Data flows one way: configuration -> content model -> HTML (Jinja) -> PDF
(WeasyPrint). Everything that can be checked before the slow part (content,
glyphs, templates) is checked first, so a mistake costs seconds, not a full build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

from . import fonts
from .configuration import (SCREEN, Profile, PublicationConfig,
                            load_config)
from .content import load_publication
from .defaults import BILINGUAL, BUNDLED
from .options import BuildOptions
from .errors import BuildError, ProblemCollector
from .fontprep import prepare as prepare_fonts, with_prepared
from .workers import WorkerPool
from .i18n import catalog_path, load_translations
from .model import Issue, Notice, Publication
from .atomic import temporary_pattern
from .pdf import PdfJob, PdfResult, render_pdf
from .quickcheck import options_key, tree_fingerprint
from .manifest import Fingerprinter, Manifest, TemplateDependencies
from .templates import BILINGUAL_TEMPLATES, TemplateSet



@dataclass(frozen=True)
class PlannedDocument:
    """One PDF the build will write: ``<lang>/<kind>-<slug>.pdf``."""

    kind: str                                   # "journal" or "notice"
    slug: str
    lang: str                                   # a language code or "bilingual"
    content: Union[Issue, Notice, tuple[Notice, ...]]
    layout: str = ""                            # bilingual: stacked, side-by-side, duplex

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.slug}"

    @property
    def pending(self) -> bool:
        """Made by a draft build with stand-in or out-of-date text."""
        if isinstance(self.content, tuple):
            return any(n.pending for n in self.content)
        return bool(self.content.pending)

    @property
    def relative_path(self) -> Path:
        """A draft with pending text is ``….draft.pdf``: it never replaces the final file."""
        suffix = ".draft.pdf" if self.pending else ".pdf"
        return Path(self.lang) / f"{self.name}{suffix}"

    @property
    def sources(self) -> tuple[Path, ...]:
        if isinstance(self.content, tuple):
            return tuple(p for n in self.content for p in n.sources)
        return self.content.sources


def plan_documents(publication: Publication, options: BuildOptions) -> list[PlannedDocument]:
    """What the build will write, in a stable order (issues, notices, bilingual)."""
    config = publication.config
    wanted = set(options.languages) or set(config.codes) | {BILINGUAL}
    planned = [PlannedDocument("journal", i.slug, i.language.code, i)
               for i in publication.issues if i.language.code in wanted]
    planned += [PlannedDocument("notice", n.slug, n.language.code, n)
                for n in publication.notices if n.language.code in wanted]
    if BILINGUAL in wanted:
        planned += _bilingual_notices(publication, options.bilingual)
    if options.only:
        planned = _select(planned, options.only, config)
    return planned


def _bilingual_notices(publication: Publication,
                       layout: str | None = None) -> list[PlannedDocument]:
    by_slug: dict[str, dict[str, Notice]] = {}
    for notice in publication.notices:
        by_slug.setdefault(notice.slug, {})[notice.language.code] = notice
    planned = []
    codes = publication.config.codes
    for slug, versions in sorted(by_slug.items()):
        if not layout and not any(n.bilingual for n in versions.values()):
            continue                    # --bilingual LAYOUT pairs every notice
        missing = [c for c in codes if c not in versions]
        if missing and layout and not any(n.bilingual for n in versions.values()):
            continue                    # not every notice exists in every language
        if missing:
            first = next(iter(versions.values()))
            raise BuildError.at(
                f"notice '{slug}' is bilingual but has no {', '.join(missing)} version",
                first.source, hint=f"write {slug}.{missing[0]}.md or drop 'bilingual'")
        notices = tuple(versions[c] for c in codes)
        chosen = layout or next((n.bilingual for n in notices
                                 if n.language.code == publication.config.source_language
                                 and n.bilingual), None) \
            or next(n.bilingual for n in notices if n.bilingual)
        planned.append(PlannedDocument("notice", slug, BILINGUAL, notices, chosen))
    return planned


def _select(planned, only, config) -> list[PlannedDocument]:
    def matches(doc: PlannedDocument, wanted: str) -> bool:
        wanted = wanted.removesuffix(".pdf").removesuffix(".draft")
        return wanted in (doc.name, doc.slug, f"{doc.lang}/{doc.name}")
    selected = [d for d in planned if any(matches(d, w) for w in only)]
    unknown = [w for w in only if not any(matches(d, w) for d in planned)]
    if unknown:
        names = sorted({d.name for d in planned})
        raise BuildError.at(f"--only: no document called {', '.join(unknown)}", config.path,
                            hint="documents: " + ", ".join(names) + " (see --list)")
    return selected


def load(options: BuildOptions) -> tuple[PublicationConfig, Publication]:
    config = load_config(options.root)
    config.profile(options.profile)     # an unknown profile is an error naming the config
    requested = [c for c in options.languages if c != BILINGUAL]
    for code in requested:
        config.language(code)          # an unknown code is an error naming the config
    codes = config.codes if (not options.languages or BILINGUAL in options.languages) \
        else tuple(requested)
    return config, load_publication(config, codes, draft=options.draft)


def check_glyphs(config: PublicationConfig, documents: list[PlannedDocument],
                 locales_dirs: tuple[Path, ...]) -> None:
    """Every character of every source must be drawable by the fonts that will print it.

    A source is checked against its document's language (a draft prints English
    stand-ins with the Korean fonts); a file of a bilingual sheet against its own.
    """
    problems = ProblemCollector()
    coverage: dict[str, frozenset[int]] = {}

    def check(text: str, path: Path, code: str) -> None:
        if code not in coverage:
            coverage[code] = fonts.coverage(config.fonts[code].families, config.path)
        fonts.check_glyphs(text, path, coverage[code], config.fonts[code].families, problems)

    checked: set[tuple[Path, str]] = set()
    for document in documents:
        for source in document.sources:
            code = document.lang if document.lang != BILINGUAL \
                else _language_of(source, config) or config.source_language
            if (source, code) not in checked:
                checked.add((source, code))
                check(source.read_text(encoding="utf-8"), source, code)
    for code in sorted({code for _, code in checked}):
        po = catalog_path(locales_dirs, code)
        if po is not None:
            check(po.read_text(encoding="utf-8"), po, code)
    problems.raise_if_any()


def _language_of(path: Path, config: PublicationConfig) -> str | None:
    parts = path.name.split(".")
    return parts[-2] if len(parts) >= 3 and parts[-2] in config.codes else None


def render_html(config: PublicationConfig, documents: list[PlannedDocument],
                templates: TemplateSet, locales_dirs: tuple[Path, ...],
                profile: Profile = SCREEN) -> dict[str, str]:
    """HTML for every planned document, keyed by its relative output path."""
    return {str(d.relative_path): html
            for d, html in iter_html(config, documents, templates, locales_dirs, profile)}


def iter_html(config: PublicationConfig, documents: list[PlannedDocument],
              templates: TemplateSet, locales_dirs: tuple[Path, ...],
              profile: Profile = SCREEN):
    """(document, HTML) as each is rendered, so its PDF can start at once; every
    template problem is raised together at the end."""
    from .render import (make_environment, render_bilingual_notice_html, render_issue_html,
                         render_notice_html)
    envs = {lang.code: make_environment(templates, load_translations(locales_dirs, lang), lang)
            for lang in config.languages}
    problems = ProblemCollector()
    for document in documents:
        try:
            if document.lang == BILINGUAL:
                html = render_bilingual_notice_html(document.content, config, envs,
                                                    document.layout, profile)
            elif document.kind == "journal":
                html = render_issue_html(document.content, config, envs[document.lang],
                                         profile)
            else:
                html = render_notice_html(document.content, config, envs[document.lang],
                                          profile)
        except BuildError as error:
            problems.extend(error)
            continue
        yield document, html
    problems.raise_if_any()


def locales_dirs_for(root: Path) -> tuple[Path, ...]:
    dirs = [root / "locales", BUNDLED / "locales"]
    return tuple(dict.fromkeys(d.resolve() for d in dirs if d.is_dir()))


def build(options: BuildOptions,
          on_written: Callable[[PdfResult], None] = lambda result: None,
          on_skipped: Callable[[Path], None] = lambda output: None,
          on_start: Callable[[int], None] = lambda count: None,
          on_extra: Callable[[Path], None] = lambda path: None,
          pool=None) -> list[PdfResult]:
    """Build what changed of the requested documents; raise one BuildError listing
    every problem. ``on_start`` is told how many PDFs will be rendered, ``on_extra``
    of every imposed PDF or preview written. ``pool``: worker processes already
    started (workers.WorkerPool); the build shuts it down."""
    config, publication = load(options)
    documents = plan_documents(publication, options)
    locales = locales_dirs_for(config.root)
    templates = TemplateSet.for_root(config.root, BUNDLED)
    profile = config.profile(options.profile)

    # Taken before anything is read: a file edited during the build makes the next
    # quick check fail, never pass.
    tree = tree_fingerprint(config.root)
    manifest = Manifest(options.output_dir)
    inputs = _fingerprints(config, profile, templates, locales, options, documents)
    todo = []
    for document in documents:
        output = output_path(options, profile, document)
        if not options.force and manifest.fresh(output, inputs[str(document.relative_path)]):
            on_skipped(output)
        else:
            todo.append(document)
    outputs = [output_path(options, profile, d) for d in documents]
    if not todo and pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
    if not todo:
        products = finish(options, profile, documents, set(), on_extra)
        manifest.record_complete(options_key(options.key()), tree, outputs, products)
        return []
    on_start(len(todo))
    # The workers' zygote loads WeasyPrint while this process checks glyphs and
    # renders the HTML (see workers.py). The command line starts it even earlier,
    # before the content is read.
    if pool is None and options.jobs > 1 and len(todo) > 1:
        pool = WorkerPool(options.jobs)
    elif pool is not None and len(todo) == 1:
        pool.shutdown(wait=True, cancel_futures=True)
        pool = None
    try:
        check_glyphs(config, todo, locales)
        # The glyph check reads the declared faces; the PDFs use prepared ones first.
        config = with_prepared(config, prepare_fonts(config))
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    jobs, fingerprint, futures = [], {}, {}
    done: set[Path] = set()
    results: list[PdfResult] = []

    def written(result: PdfResult) -> None:
        manifest.record(result.output, fingerprint[str(result.output)], result.pages)
        done.add(result.output)
        results.append(result)
        on_written(result)

    problems = ProblemCollector()
    # Issues first: the longest documents start first and the last to finish is short.
    ordered = sorted(todo, key=lambda d: (d.kind != "journal", -len(d.sources)))
    try:
        try:
            for d, html in iter_html(config, ordered, templates, locales, profile):
                output = output_path(options, profile, d)
                fingerprint[str(output)] = inputs[str(d.relative_path)]
                job = _job(options, profile, config, d, html, output)
                jobs.append(job)
                if pool is not None:            # the workers start on it right away
                    futures[pool.submit(render_pdf, job)] = job
        except BuildError as error:
            problems.extend(error)
        _run_jobs(jobs, pool, futures, written, problems)
    finally:
        if pool is not None:        # also when rendering the HTML was interrupted
            pool.shutdown(wait=True, cancel_futures=True)
        # Whatever was written gets its imposition and previews, even if another
        # document failed.
        products = finish(options, profile, documents, done, on_extra)
    problems.raise_if_any()
    manifest.record_complete(options_key(options.key()), tree, outputs, products)
    order = {str(output_path(options, profile, d)): i for i, d in enumerate(todo)}
    return sorted(results, key=lambda r: order[str(r.output)])


def finish(options: BuildOptions, profile: Profile, documents: list[PlannedDocument],
           written: set[Path], on_extra: Callable[[Path], None]) -> list[Path]:
    """Post-processing of finished PDFs: imposition and previews (see impose.py,
    previews.py). Redone for a PDF just written, or when its product is missing.
    Returns every such product there now is."""
    products = []
    for document in documents:
        pdf = output_path(options, profile, document)
        if not pdf.is_file():
            continue
        fresh = pdf in written
        for layout in options.impose:
            if (layout == "2up") == (document.kind == "notice"):
                target = pdf.with_name(pdf.stem + f".{layout}.pdf")
                if fresh or not target.is_file():
                    from .impose import impose
                    impose(pdf, target, layout)
                    on_extra(target)
                products.append(target)
        if options.previews:
            folder = options.output_dir / "previews" / profile.output_subdir / \
                document.relative_path.with_suffix("")
            if fresh or not folder.with_suffix(".png").is_file():
                from .previews import previews_for
                _, contact = previews_for(pdf, folder)
                on_extra(contact)
            products.append(folder.with_suffix(".png"))
    return products


def _job(options, profile, config, document, html, output) -> PdfJob:
    return PdfJob(
        name=str(profile.output_subdir / document.relative_path), html=html,
        root=config.root, output=output,
        source=document.sources[0] if document.kind == "notice" else document.content.source,
        max_pages=(2 if document.layout == "duplex" else 1)
        if document.kind == "notice" else None,
        html_copy=output.with_suffix(".html") if options.keep_html else None,
        variant=profile.variant,
        crop_marks_mm=profile.bleed_mm if profile.crop_marks else None,
        also_readable=(profile.output_intent,) if profile.output_intent else (),
        output_intent=profile.output_intent)


def _fingerprints(config, profile, templates, locales, options, documents):
    """Each document's inputs, hashed (see manifest.py for what counts)."""
    fingerprinter = Fingerprinter(
        config, profile, TemplateDependencies(templates.dirs), locales,
        {code: fonts.font_files(config.fonts[code].families) for code in config.codes},
        {"draft": options.draft, "bilingual": options.bilingual,
         "keep_html": options.keep_html})
    result = {}
    for document in documents:
        files = set(document.sources) | {config.root / "publication.yaml"}
        files |= {_source_counterpart(path, config) for path in document.sources}
        if document.kind == "journal":
            folder = document.content.source.parent
            files |= {p for p in folder.iterdir() if p.is_file() and p.suffix != ".md"}
        if document.lang == BILINGUAL:
            names = (BILINGUAL_TEMPLATES[document.layout], "notice_half.html.j2",
                     "notice_masthead.html.j2", "notice_info.html.j2")
            languages = config.codes
        else:
            names = (f"{document.kind}.html.j2",)
            languages = (document.lang,)
        result[str(document.relative_path)] = fingerprinter.document(
            tuple(p for p in files if p is not None), names, languages)
    return result


def _source_counterpart(path: Path, config: PublicationConfig) -> Path | None:
    """``x.en.md`` for ``x.ko.md``: a translation's state depends on its source."""
    parts = path.name.split(".")
    if len(parts) < 3 or parts[-1] != "md":
        return None
    candidate = path.with_name(".".join(parts[:-2] + [config.source_language, "md"]))
    return candidate if candidate.is_file() else None


def output_path(options: BuildOptions, profile: Profile, document: PlannedDocument) -> Path:
    """``output/<lang>/…`` for the screen profile, ``output/<profile>/<lang>/…`` otherwise."""
    return options.output_dir / profile.output_subdir / document.relative_path


def _run_jobs(jobs: list[PdfJob], pool, futures: dict, on_written,
              problems: ProblemCollector) -> None:
    """Render in this process, or collect what the pool was given; every problem is
    added to ``problems``."""
    try:
        if pool is None:
            for job in jobs:
                try:
                    on_written(render_pdf(job))
                except BuildError as error:
                    problems.extend(error)
        else:
            from concurrent.futures import as_completed
            for future in as_completed(futures):
                try:
                    on_written(future.result())
                except BuildError as error:
                    problems.extend(error)
    finally:
        if pool is not None:
            # Ctrl-C or a crashed worker: documents not yet started are not started.
            pool.shutdown(wait=True, cancel_futures=True)
        # A worker killed while writing cannot remove its temporary file; we can.
        remove_temporaries(jobs)


def remove_temporaries(jobs: list[PdfJob]) -> None:
    for job in jobs:
        for target in (job.output, job.html_copy):
            if target is not None and target.parent.is_dir():
                for stray in target.parent.glob(temporary_pattern(target)):
                    stray.unlink(missing_ok=True)
