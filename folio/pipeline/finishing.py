"""Finishing: what is made from finished PDFs (imposed sheets, previews, offprints),
and the tidying after a build (drafts replaced, temporary files of killed workers).

A product is made again for a PDF just written, or when it is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from folio.config.options import BuildOptions
from folio.config.publication import Profile, PublicationConfig
from folio.config.variants import variant_of
from folio.content.model import Issue
from folio.errors import BuildError
from folio.files import temporary_pattern
from folio.pipeline.context import BuildContext
from folio.pipeline.jobs import write_output
from folio.pipeline.manifest import Manifest
from folio.pipeline.planning import PlannedDocument, output_path

OFFPRINTS_DIR = "offprints"


def finish(context: BuildContext, documents: list[PlannedDocument],
           written: set[Path]) -> list[Path]:
    """Post-processing of finished PDFs: imposition, previews and offprints (see
    impose.py, previews.py; offprints.py and what else the document's kind makes).
    Returns every such product there now is."""
    options = context.options
    products = []
    for document in documents:
        pdf = context.output_path(document)
        if document.problems or not pdf.is_file():
            continue
        fresh = pdf in written
        products += _imposed(context, document, pdf, fresh)
        products += document.kind.products(context, document, pdf, fresh)
        if options.previews:
            products.append(_previews(context, document, pdf, fresh))
    return products


def _imposed(context: BuildContext, document: PlannedDocument, pdf: Path,
             fresh: bool) -> list[Path]:
    made = []
    for layout, target in imposed_paths(context.options, context.profile, document):
        if fresh or not target.is_file():
            from folio.production.impose import impose
            for note in impose(pdf, target, layout, context.profile.paper_mm).notes:
                print(f"warning: {note}", file=sys.stderr)
            context.on_extra(target)
        made.append(target)
    return made


def _previews(context: BuildContext, document: PlannedDocument, pdf: Path,
              fresh: bool) -> Path:
    """The document's page images and contact sheet; the contact sheet's path."""
    folder = context.options.output_dir / "previews" / context.profile.output_subdir / \
        document.relative_path.with_suffix("")
    if fresh or not folder.with_suffix(".png").is_file():
        from folio.production.previews import previews_for
        _, contact = previews_for(pdf, folder)
        context.on_extra(contact)
    return folder.with_suffix(".png")


def imposed_paths(options: BuildOptions, profile: Profile, document: PlannedDocument
                  ) -> list[tuple[str, Path]]:
    """(layout, path) of each imposed PDF the build writes for ``document``."""
    pdf = output_path(options, profile, document)
    return [(layout, pdf.with_name(pdf.stem + f".{layout}.pdf")) for layout in options.impose
            if layout == document.kind.imposition]


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
            cut_pdf, _ = cut(data, offprint, variant_of(profile.variant).archival)
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


def drop_drafts(context: BuildContext, documents: list[PlannedDocument],
                manifest: Manifest) -> None:
    """A document now built for real: its earlier draft must not be mistaken for it."""
    for document in documents:
        if document.problems or document.pending:
            continue
        folder = context.options.output_dir / context.profile.output_subdir
        final = folder / document.final_path
        draft = folder / document.final_path.with_suffix(".draft.pdf")
        if draft.is_file() and final.is_file():
            draft.unlink()
            manifest.forget(draft)


def remove_temporaries(outputs: list[Path], html: bool) -> None:
    """What a worker killed while writing left: it cannot remove it, we can."""
    for output in outputs:
        for target in (output, output.with_suffix(".html")) if html else (output,):
            if target.parent.is_dir():
                for stray in target.parent.glob(temporary_pattern(target)):
                    stray.unlink(missing_ok=True)
