"""``folio review DOC --lang CODE``: the translation review sheet, as a PDF (and HTML)."""

from __future__ import annotations

import argparse
from pathlib import Path

from folio.cli.common import command_parser, publication_root, run_command, shown
from folio.config.publication import load_config
from folio.defaults import DEFAULT_PROFILE
from folio.errors import BuildError
from folio.files import write_atomically

REVIEW_DIR = Path("output") / "review"


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio review",
        "An A4 review sheet of one translated document: source and translation side by "
        "side, segment by segment, stale and untranslated segments marked. Written to "
        "output/review/<lang>/<document>.pdf.")
    parser.add_argument("document", metavar="DOC",
                        help="the document, named as status names it "
                             "(journal/2022-vol1-no1/why-cities-become-creative), by its "
                             "slug, or by one of its files")
    parser.add_argument("--lang", required=True, metavar="CODE",
                        help="the translation to review")
    parser.add_argument("--html", action="store_true",
                        help="also write the sheet as HTML beside the PDF")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="write the PDF here instead")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _run, default_root)


def review_tagged(config) -> bool:
    """The review sheet is tagged as the screen profile is (``tagged: false`` there
    turns both off)."""
    return config.profile(DEFAULT_PROFILE).is_tagged


def _run(args: argparse.Namespace, default_root: Path | None) -> int:
    from folio.i18n import glossary, units
    from folio.pdf.writer import PdfJob, render_pdf
    from folio.render.review import review_html
    config = load_config(publication_root(args.root, default_root))
    config.language(args.lang)
    if args.lang == config.source_language:
        raise BuildError.at(f"{args.lang} is the source language: there is no translation "
                            "to review", config.root / "publication.yaml",
                            hint="name a language the texts are translated into")
    documents = units.all_documents(config, args.lang)
    document = units.find(config, documents, args.document)
    html = review_html(config, document, glossary.load(config))
    output = args.out.resolve() if args.out is not None else \
        config.root / REVIEW_DIR / args.lang / f"{document.name}.pdf"
    rendered = render_pdf(PdfJob(name=shown(output), html=html, root=config.root,
                                 output=output, source=document.target_path,
                                 tagged=review_tagged(config)))
    write_atomically(output, rendered.data)
    if args.html:
        write_atomically(output.with_suffix(".html"), html.encode("utf-8"))
    counts = document.counts
    print(f"wrote {shown(output)} ({rendered.pages} page{'s' if rendered.pages != 1 else ''}): "
          f"{counts['translated']} translated, {counts['fuzzy']} to check, "
          f"{counts['untranslated']} untranslated")
    return 0
