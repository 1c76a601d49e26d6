"""``folio preflight``: check the built PDFs, print a table, fail on any problem."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from folio.cli.common import (
    command_parser,
    console,
    languages,
    publication_root,
    run_reporting,
    shown,
)
from folio.config.options import BuildOptions
from folio.config.publication import Profile, load_config
from folio.defaults import BILINGUAL, DEFAULT_PROFILE
from folio.pipeline.run import imposed_paths, load, output_path, plan_documents
from folio.production.preflight import (
    Expectation,
    check,
    claimed,
    expectation_for,
    validate,
)


def planned(options: BuildOptions) -> list[tuple[Path, Expectation]]:
    """Every PDF the build plan writes for these options, with what it must be."""
    config, publication = load(options)
    profile = config.profile(options.profile)
    found = []
    for d in plan_documents(publication, options):
        expectation = expectation_for(d.name, d.lang, d.layout, profile, tuple(d.inputs),
                                      options.root)
        # The page limit is the document's kind's (pipeline/kinds.py), as the build's.
        found.append((output_path(options, profile, d),
                      dataclasses.replace(expectation, pages=d.kind.max_pages(d))))
        # Imposed sheets go to the printer too: the same variant, no bleed of their own.
        for layout, path in imposed_paths(options, profile, d):
            found.append((path, Expectation(f"{d.name} ({layout})", d.lang,
                                            variant=profile.variant)))
    return found


def named(paths: list[Path], profile: Profile | None) -> list[tuple[Path, Expectation]]:
    """PDFs given by name: a notice-… file must be one page, unless bilingual. With
    no profile, each file is checked as the variant it claims (PDF/X: its boxes,
    colours and 300 dpi)."""
    result = []
    for path in paths:
        document = path.name.removesuffix(".pdf").removesuffix(".draft")
        language = path.parent.name
        if profile is None:
            variant = claimed(path)
            own = Profile(f"claimed {variant}" if variant else DEFAULT_PROFILE,
                          variant=variant)
            expectation = expectation_for(document, language, "", own)
        else:
            expectation = expectation_for(document, language, "", profile)
        if language == BILINGUAL:       # one page, or two for a duplex sheet
            expectation = dataclasses.replace(expectation, pages=None)
        result.append((path.resolve(), expectation))
    return result


def report(items: list[tuple[Path, Expectation]], console: Console) -> int:
    """Print the table and every failure; the number of failing PDFs."""
    reports = [check(path, expectation) for path, expectation in items]
    validate(reports)                   # veraPDF, when installed, for PDF/A and PDF/UA
    table = Table(header_style="bold", show_edge=False, pad_edge=False, box=None)
    for column in ("document", "lang", "pages", "size (mm)", "fonts", "unembedded",
                   "missing glyphs", "lowest dpi", "bleed", "variant", "validator",
                   "verdict"):
        table.add_column(column, no_wrap=True)
    for item in reports:
        table.add_row(
            item.expectation.document, item.expectation.language, str(item.pages),
            item.size_mm, str(item.fonts), str(len(item.unembedded)),
            str(item.missing_glyphs),
            "—" if item.lowest_dpi is None else f"{item.lowest_dpi:.0f}", item.bleed,
            item.variant, item.validator,
            Text("ok", "green") if item.ok else Text("FAIL", "bold red"))
    console.print(table)
    failing = [r for r in reports if not r.ok]
    for item in reports:
        for warning in item.warnings:
            print(f"preflight: {shown(item.path)}: warning: {warning}", file=sys.stderr)
    for item in failing:
        for failure in item.failures:
            print(f"preflight: {shown(item.path)}: {failure}", file=sys.stderr)
    print(f"preflight: {len(reports) - len(failing)} of {len(reports)} PDFs ready"
          + (f", {len(failing)} with problems" if failing else ""))
    return len(failing)


def preflight_build(options: BuildOptions) -> int:
    """Called after a build with a print profile."""
    return 1 if report(planned(options), console()) else 0


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio preflight",
        "Check built PDFs as a print shop and an archive would: pages and "
                    "size, fonts embedded, glyphs a reader will not find, image "
                    "resolution, bleed, text near the trim edge, the PDF variant and what "
                    "it requires (PDF/X: CMYK only, no annotations, TrimBox without ArtBox), "
                    "one-page notices; PDF/A and PDF/UA files also by veraPDF when it is "
                    "installed (FOLIO_VERAPDF or verapdf on PATH). Exit 1 if any PDF fails.")
    parser.add_argument("pdfs", nargs="*", type=Path, metavar="PDF",
                        help="PDFs to check (default: every PDF the build writes)")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="the profile the PDFs were made with (its bleed and variant "
                             "are checked); default: for PDFs named, the variant each "
                             "claims (PDF/X, PDF/A, PDF/UA); else screen")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where the PDFs are (default: <root>/output)")
    parser.add_argument("--lang", action="append", default=[], metavar="CODE")
    parser.add_argument("--only", action="append", default=[], metavar="DOCUMENT")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    args = _parser().parse_args(argv)

    def check_files() -> int:
        root = publication_root(args.root, default_root)
        if args.pdfs:
            items = named(args.pdfs, load_config(root).profile(args.profile)
                          if args.profile else None)
        else:
            items = planned(BuildOptions(root=root, profile=args.profile or DEFAULT_PROFILE,
                                         out=args.out.resolve() if args.out else None,
                                         languages=languages(args.lang),
                                         only=tuple(args.only)))
        return 1 if report(items, console()) else 0
    return run_reporting(check_files, debug=args.debug)
