"""``folio [build]``: build the publication's PDFs (``python build.py`` is the same)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from folio.cli.common import (
    add_build_options,
    command_parser,
    languages,
    publication_root,
    run_command,
    shown,
)
from folio.config.options import BuildOptions
from folio.config.variants import variant_of
from folio.defaults import BILINGUAL_LAYOUTS, DEFAULT_PROFILE, DEFAULT_TIMEOUT
from folio.errors import BuildError


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _build, default_root)


def _parser() -> argparse.ArgumentParser:
    from folio.cli import COMMANDS
    others = "".join(f"\n  folio {name:<10} {summary}"
                     for name, (_, summary) in sorted(COMMANDS.items()) if name != "build")
    parser = command_parser(
        "folio [build]",
        "Build the publication's PDFs (journal issues and notice sheets) in every "
        "language into output/. (python build.py and python -m folio are the same "
        "command.)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"other commands (each has --help):{others}")
    add_build_options(parser)
    parser.add_argument("--only", action="append", default=[], metavar="DOCUMENT",
                        help="build only this document, e.g. notice-creative-city "
                             "(repeatable; see --list)")
    parser.add_argument("--html", action="store_true",
                        help="also keep the rendered HTML next to each PDF, for debugging")
    parser.add_argument("--bilingual", choices=BILINGUAL_LAYOUTS, metavar="LAYOUT",
                        help="layout of the bilingual notice sheets, whatever their front "
                             "matter says: " + ", ".join(BILINGUAL_LAYOUTS))
    parser.add_argument("--draft", action="store_true",
                        help="build even where translations are missing or out of date: "
                             "the source text stands in, every such page is marked "
                             "'Translation pending', and the file is named ….draft.pdf")
    parser.add_argument("--impose", action="append", default=[], choices=("2up", "booklet"),
                        help="also write imposed PDFs for printing: 2up (two A5 notices on "
                             "an A4 sheet, with cut marks), booklet (the journal in "
                             "saddle-stitch order, A5 pages on A4 sheets); repeatable")
    parser.add_argument("--previews", action="store_true",
                        help="also write PNG previews: a thumbnail per page and a contact "
                             "sheet per PDF, under output/previews/")
    parser.add_argument("--force", action="store_true",
                        help="rebuild every PDF, even those whose inputs have not changed, "
                             "and lay out every piece of an issue again")
    parser.add_argument("--list", action="store_true",
                        help="list the PDFs the build writes, those up to date marked so, "
                             "and build nothing")
    parser.add_argument("--offprints", action="store_true",
                        help="also write an offprint of every article that can be cited: "
                             "its pages cut from the issue, as "
                             "output/<lang>/offprints/<issue>-<article>.pdf")
    parser.add_argument("--whole", action="store_true",
                        help="lay each issue out in one piece, not article by article "
                             "(as the archive and accessible profiles always do)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="stop a document that has no result after this long (default "
                             f"{DEFAULT_TIMEOUT:.0f} s, far beyond any real document)")
    return parser



def _seconds(text: str) -> float:
    """--timeout: a number of seconds, at least 1 (0 or less would stop every document)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds >= 1 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds: give 1 or "
                                         f"more (the default is {DEFAULT_TIMEOUT:.0f})")
    return seconds

def _offprints_possible(options: BuildOptions) -> None:
    """Offprints are cut from the issue's pages; a tagged PDF's structure tree cannot
    be cut with them."""
    from folio.config.publication import load_config
    config = load_config(options.root)
    profile = config.profile(options.profile)
    if variant_of(profile.variant).tagged:
        raise BuildError.at(f"--offprints cannot be made with the '{profile.name}' profile "
                            f"({profile.variant}): an offprint cut from a tagged issue would "
                            "lose its structure tree", config.path,
                            hint="make offprints with another profile (screen, print, "
                                 "archive)")


def _build(args: argparse.Namespace, default_root: Path | None) -> int:
    options = BuildOptions(root=publication_root(args.root, default_root),
                           out=args.out.resolve() if args.out else None,
                           languages=languages(args.lang), only=tuple(args.only),
                           keep_html=args.html, draft=args.draft, profile=args.profile,
                           bilingual=args.bilingual, force=args.force,
                           impose=tuple(dict.fromkeys(args.impose)), previews=args.previews,
                           jobs=max(1, args.jobs), timeout=args.timeout,
                           whole=args.whole, offprints=args.offprints)
    if args.offprints:
        _offprints_possible(options)
    if args.list:
        from folio.pipeline.run import outdated
        for output, again in outdated(options):
            print(output if again else f"{output} (up to date)")
        return 0
    if options.output_dir.exists() and not options.output_dir.is_dir():
        raise BuildError.at("--out names a file, not a folder", options.output_dir,
                            hint="name a folder for the PDFs (it is made if need be)")
    tree = None
    if not options.force:
        # Nothing changed since the last complete build? Then say so at once,
        # without importing the pipeline (see manifest.py).
        from folio.pipeline.manifest import options_key, tree_fingerprint, up_to_date
        tree = tree_fingerprint(options.root.resolve())
        count = up_to_date(options.output_dir, options_key(options.key()), tree)
        if count is not None:
            print(f"unchanged: all {count} PDF{'s' if count != 1 else ''} up to date "
                  "(--force rebuilds them)")
            return _preflight(options)
    skipped: list[Path] = []
    from contextlib import nullcontext

    from folio.pipeline.workers import WorkerPool, parallel_available
    # The workers' zygote starts importing WeasyPrint now, while the content is
    # read (see workers.py); leaving this block, for any reason, ends every worker.
    # With --jobs 1 too: one worker, so that --timeout applies to every build (in
    # this process nothing could stop a document that never ends).
    workers = WorkerPool(options.jobs, options.timeout) \
        if parallel_available() else nullcontext()
    with workers as pool:
        from folio.pipeline.run import build
        with Progress(enabled=not args.list and sys.stdout.isatty()) as progress:
            results = build(options, on_written=progress.written, on_skipped=skipped.append,
                            on_start=progress.start,
                            on_extra=lambda path: print(f"wrote {shown(path)}", flush=True),
                            pool=pool, tree=tree)
    if skipped:
        print(f"unchanged: {len(skipped)} PDF{'s' if len(skipped) > 1 else ''} already up to "
              "date (--force rebuilds them)")
    if not results and not skipped:
        print("nothing to build", file=sys.stderr)
    return _preflight(options)


def _preflight(options: BuildOptions) -> int:
    """A print profile's files are going to a print shop: check them every time."""
    if options.profile == DEFAULT_PROFILE:
        return 0
    from folio.cli.preflight_command import preflight_build
    return preflight_build(options)


class Progress:
    """A progress bar on a terminal; one line per PDF otherwise (CI logs, pipes)."""

    def __init__(self, enabled: bool):
        self.bar: Any = None
        self.task: Any = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
            from rich.progress import Progress as Bar
            self.bar = Bar(TextColumn("rendering"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.description}"), transient=True)

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()

    def start(self, count: int) -> None:
        if self.bar is not None:
            self.task = self.bar.add_task("", total=count)

    def written(self, result) -> None:
        line = f"wrote {shown(result.output)} ({result.pages} " \
               f"{'page' if result.pages == 1 else 'pages'})"
        if self.bar is not None and self.task is not None:
            self.bar.console.print(line)
            self.bar.update(self.task, advance=1, description=shown(result.output))
        else:
            print(line, flush=True)


