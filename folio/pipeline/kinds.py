"""The kinds of document the build writes, each declared once (as Pelican's
generators are): how it is planned, rendered, made into jobs, limited in pages,
imposed, described in its metadata, and what is made from its finished PDF.

Adding a kind of document is adding a ``DocumentKind`` to ``KINDS`` (and its
template): planning, rendering, scheduling and finishing ask the document's kind
and never tell kinds apart themselves. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from folio.config.layout import TemplateSet
from folio.config.options import BuildOptions
from folio.config.publication import Profile, PublicationConfig
from folio.config.reading import Reader
from folio.content.model import Issue, Notice, Publication
from folio.errors import Problem
from folio.pdf.writer import PdfJob
from folio.pipeline.jobs import make_pdf
from folio.pipeline.planning import (
    Languages,
    PlannedDocument,
    PlanRequest,
    plan_bilingual,
    plan_per_language,
    planned_languages,
    select,
)
from folio.pipeline.rendering import Prepared, prepare

if TYPE_CHECKING:
    from folio.pipeline.context import BuildContext
    from folio.pipeline.parts import Steps

Metadata = tuple[tuple[str, str], ...]


@dataclass(frozen=True, repr=False)
class DocumentKind:
    """One kind of document and everything the build does differently for it."""

    name: str                   # what the documentation calls it
    prefix: str                 # its files: <lang>/<prefix>-<slug>.pdf
    order: int                  # laid out in this order: the longest documents first
    imposition: str             # the --impose layout its sheets take
    plan: Callable[[DocumentKind, PlanRequest], list[PlannedDocument]]
    render: Callable[[PlannedDocument, PublicationConfig, dict[str, Any], Profile], str]
    max_pages: Callable[[PlannedDocument], int | None]
    prepare: Callable[[BuildContext, PlannedDocument], Prepared] = prepare
    steps: Callable[[BuildContext, Prepared, PdfJob], Steps] = \
        lambda context, prepared, job: _single(job)
    metadata: Callable[[PlannedDocument, PublicationConfig], Metadata] = \
        lambda document, config: ()
    # What is made from its finished PDF besides imposition and previews.
    products: Callable[[BuildContext, PlannedDocument, Path, bool], list[Path]] = \
        lambda context, document, pdf, fresh: []

    def __repr__(self) -> str:
        return f"<document kind {self.name}>"


def _single(job: PdfJob) -> Steps:
    """One job: the PDF made whole."""
    [result] = yield [(make_pdf, (job,))]
    return result


# -- issues ---------------------------------------------------------------------------

def _plan_issues(kind: DocumentKind, request: PlanRequest) -> list[PlannedDocument]:
    return plan_per_language(kind, request, request.publication.issues)


def _render_issue(document: PlannedDocument, config: PublicationConfig,
                  envs: dict[str, Any], profile: Profile) -> str:
    from folio.render.html import render_issue_html
    assert isinstance(document.content, Issue)
    return render_issue_html(document.content, config, envs[document.lang], profile,
                             draft=bool(document.untranslated))


def _by_parts(context: BuildContext, document: PlannedDocument) -> bool:
    """Issues are laid out by articles (pipeline/parts.py) unless asked not to, or
    the profile needs one structure tree, or there is nothing to cut."""
    from folio.pipeline.parts import whole_only
    assert isinstance(document.content, Issue)
    return not context.options.whole and not whole_only(context.profile) \
        and len(document.content.runs) > 1


def _prepare_issue(context: BuildContext, document: PlannedDocument) -> Prepared:
    from folio.pipeline.rendering import prepare_by_parts
    return (prepare_by_parts if _by_parts(context, document) else prepare)(context, document)


def _issue_steps(context: BuildContext, prepared: Prepared, job: PdfJob) -> Steps:
    """By parts (parts.steps) or whole (parts.whole_steps): either can fall back
    on the other, so both are given the issue's renderers."""
    from folio.pipeline import parts
    from folio.pipeline.checks import check_content
    from folio.pipeline.rendering import part_renderer, pieces_key, stylesheets_of
    document, config = prepared.document, context.config
    assert isinstance(document.content, Issue)
    renderer = part_renderer(context, document, prepared.record)
    build = parts.IssueBuild(
        document.content, config, renderer.render, renderer.render_whole, renderer.ready,
        partial(check_content, config, document, context.coverage),
        partial(stylesheets_of, prepared.record, config.root), job, pieces_key(context),
        config.root, {}, fresh=context.options.force)
    return parts.steps(build) if prepared.by_parts else parts.whole_steps(build)


def _issue_metadata(document: PlannedDocument, config: PublicationConfig) -> Metadata:
    assert isinstance(document.content, Issue)
    return issue_metadata(document.content, config.title[document.content.language.code])


def issue_metadata(issue: Issue, journal: str) -> Metadata:
    """What the issue's XMP says besides its title: the journal, volume, number and
    the DOIs of its articles."""
    found = [("prism:publicationName", journal), ("prism:volume", str(issue.volume)),
             ("prism:number", str(issue.number)),
             ("prism:coverDate", issue.date.isoformat())]
    if issue.issn:
        found.append(("prism:issn", issue.issn))
    found += [("dc:relation", f"https://doi.org/{a.doi}") for a in issue.articles if a.doi]
    return tuple(found)


def _offprints(context: BuildContext, document: PlannedDocument, pdf: Path,
               fresh: bool) -> list[Path]:
    """With --offprints, one PDF per citable article (not of a draft)."""
    from folio.pipeline.finishing import write_offprints
    if not context.options.offprints or document.pending:
        return []
    assert isinstance(document.content, Issue)
    return write_offprints(pdf, document.content, context.config, context.profile, fresh,
                           context.on_extra)


ISSUE = DocumentKind(
    "journal issue", "journal", order=0, imposition="booklet", plan=_plan_issues,
    render=_render_issue, max_pages=lambda document: None, prepare=_prepare_issue,
    steps=_issue_steps, metadata=_issue_metadata, products=_offprints)


# -- notices --------------------------------------------------------------------------

def _plan_notices(kind: DocumentKind, request: PlanRequest) -> list[PlannedDocument]:
    return plan_per_language(kind, request, request.publication.notices)


def _render_notice(document: PlannedDocument, config: PublicationConfig,
                   envs: dict[str, Any], profile: Profile) -> str:
    from folio.render.html import render_notice_html
    assert isinstance(document.content, Notice)
    return render_notice_html(document.content, config, envs[document.lang], profile,
                              draft=bool(document.untranslated))


def _sheet_pages(document: PlannedDocument) -> int:
    """A notice is one sheet: one page, two for a duplex bilingual one."""
    return 2 if document.layout == "duplex" else 1


NOTICE = DocumentKind(
    "notice", "notice", order=1, imposition="2up", plan=_plan_notices,
    render=_render_notice, max_pages=_sheet_pages)


# -- bilingual notice sheets ------------------------------------------------------------

def _render_bilingual(document: PlannedDocument, config: PublicationConfig,
                      envs: dict[str, Any], profile: Profile) -> str:
    from folio.render.html import render_bilingual_notice_html
    assert isinstance(document.content, tuple)
    return render_bilingual_notice_html(document.content, config, envs, document.layout,
                                        profile)


BILINGUAL_SHEET = DocumentKind(
    "bilingual notice sheet", "notice", order=1, imposition="2up", plan=plan_bilingual,
    render=_render_bilingual, max_pages=_sheet_pages)


KINDS: tuple[DocumentKind, ...] = (ISSUE, NOTICE, BILINGUAL_SHEET)


# -- the build's documents, of every kind -------------------------------------------------
# Here rather than in planning.py, which each kind's planning uses: planning.py
# imports no kind.

def plan_documents(publication: Publication, options: BuildOptions) -> list[PlannedDocument]:
    """What the build will write, in a stable order (the order of ``KINDS``:
    issues, notices, bilingual); a document whose content has problems is planned
    too, with its problems."""
    failed: dict[tuple[str, str, str], list[Problem]] = {}
    for key, problem in publication.problems:
        if key is not None:
            failed.setdefault(key, []).append(problem)
    request = PlanRequest(publication, options, failed)
    planned = [document for kind in KINDS for document in kind.plan(kind, request)]
    if options.only:
        planned = select(planned, options.only, publication.config)
    return planned


def plan(options: BuildOptions, config: PublicationConfig, publication: Publication,
          templates: TemplateSet, reader: Reader) -> tuple[list[PlannedDocument], Languages]:
    """The documents, with what their languages' catalogs do to them: a broken
    catalog keeps them from being made; an incomplete one, in a draft build, makes
    them drafts."""
    documents = plan_documents(publication, options)
    languages = planned_languages(config, templates, reader,
                           {p.language.code for d in documents for p in d.parts},
                           options.draft)
    planned = []
    for document in documents:
        codes = {p.language.code for p in document.parts}
        problems = [p for c in sorted(codes) for p in languages.problems.get(c, ())]
        untranslated = tuple(m for c in sorted(codes) for m in languages.untranslated.get(c, ()))
        if problems:
            document = replace(document, problems=document.problems + tuple(problems))
        elif untranslated:
            document = replace(document, untranslated=untranslated)
        planned.append(document)
    return planned, languages
