"""``folio review DOC --lang CODE``: the translation review sheet, as a PDF (and HTML)."""

from __future__ import annotations

import argparse
from pathlib import Path

from folio.cli.common import command_parser, publication_root, run_command, shown
from folio.config.publication import load_config
from folio.defaults import DEFAULT_PROFILE
from folio.errors import BuildError
from folio.files import inside_publication, not_over_sources, write_atomically

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


def _check_out(out: Path, root: Path) -> None:
    """--out names the sheet's PDF: a .pdf file, not a folder, not one of the
    publication's sources (a translation was once replaced by a PDF)."""
    if out.suffix.lower() != ".pdf":
        raise BuildError.at(f"--out must name a .pdf file, not '{out.name}'", out,
                            hint="e.g. --out review-ko.pdf (the sheet is a PDF; with "
                                 "--html the HTML goes beside it)")
    if out.is_dir():
        raise BuildError.at("--out names a folder, not a file", out,
                            hint="name the PDF to write, e.g. --out review-ko.pdf")
    not_over_sources(out, root)
    if out.is_file() and out.read_bytes()[:5] != b"%PDF-":
        raise BuildError.at("--out names a file that is not a PDF: it would be replaced",
                            out, hint="name a new file, or a PDF folio wrote before")


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
    if args.out is not None:
        _check_out(args.out, config.root)
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
    if args.out is None:
        inside_publication(output, config.root)
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
