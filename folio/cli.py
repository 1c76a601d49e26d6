"""The command line: what an editor types and what they read back.

``build.py [options]`` builds; ``build.py COMMAND …`` runs one of the other
commands (see ``COMMANDS``). Every command reports problems the same way:
one line each, file and line first, then a count, and a non-zero exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Callable

from .defaults import BILINGUAL_LAYOUTS, BUNDLED, DEFAULT_PROFILE
from .errors import BuildError
from .options import BuildOptions

# name -> (one-line help, function taking the remaining arguments, returning an exit code)
COMMANDS: dict[str, tuple[str, Callable[[list[str]], int]]] = {}


def command(name: str, summary: str):
    """Register ``build.py <name> …``; the function parses its own arguments."""
    def register(function: Callable[[list[str]], int]):
        COMMANDS[name] = (summary, function)
        return function
    return register


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--root and --debug mean the same in every command."""
    parser.add_argument("--root", type=Path, default=BUNDLED, metavar="DIR",
                        help="the publication folder (default: this project's sample); "
                             "its templates/ and locales/ override the bundled ones")
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks for unexpected errors")


def _build_parser() -> argparse.ArgumentParser:
    others = "".join(f"\n  build.py {name:<10} {summary}"
                     for name, (summary, _) in sorted(COMMANDS.items()))
    parser = argparse.ArgumentParser(
        prog="build.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build the publication's PDFs (journal issues and notice sheets) "
                    "in every language into output/.",
        epilog=f"other commands (each has --help):{others}" if others else None)
    add_common_options(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where PDFs go (default: <root>/output)")
    parser.add_argument("--lang", action="append", default=[], metavar="CODE",
                        help="build only this language (repeatable; 'bilingual' for the "
                             "bilingual sheets); default: all")
    parser.add_argument("--only", action="append", default=[], metavar="DOCUMENT",
                        help="build only this document, e.g. notice-creative-city "
                             "(repeatable; see --list)")
    parser.add_argument("--html", action="store_true",
                        help="also keep the rendered HTML next to each PDF, for debugging")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, metavar="NAME",
                        help="how the PDFs are made, from publication.yaml's profiles "
                             "(default: screen; e.g. print: bleed, crop marks, PDF/X-4) — "
                             "other profiles write to output/<profile>/")
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
                        help="rebuild every PDF, even those whose inputs have not changed")
    parser.add_argument("--list", action="store_true",
                        help="list the PDFs that would be built, and build nothing")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="documents rendered at once, in separate processes "
                             "(default: the number of cores)")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                        help="stop a document that has no result after this long (default "
                             "300 s, far beyond any real document; with --jobs 2 or more)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in COMMAND_MODULES:
        _load_commands(argv[0])
        return COMMANDS[argv[0]][1](argv[1:])
    if "-h" in argv or "--help" in argv:
        _load_commands(*COMMAND_MODULES)        # their summaries go in the help
    args = _build_parser().parse_args(argv)
    return run_reporting(lambda: _build(args), debug=args.debug, list_only=args.list)


def _build(args: argparse.Namespace) -> int:
    languages = tuple(code.strip() for value in args.lang for code in value.split(",")
                      if code.strip())
    options = BuildOptions(root=args.root.resolve(),
                           out=args.out.resolve() if args.out else None,
                           languages=languages, only=tuple(args.only),
                           keep_html=args.html, draft=args.draft, profile=args.profile,
                           bilingual=args.bilingual, force=args.force,
                           impose=tuple(dict.fromkeys(args.impose)), previews=args.previews,
                           jobs=max(1, args.jobs), timeout=max(1.0, args.timeout))
    if args.list:
        from .build import load, output_path, plan_documents
        config, publication = load(options)
        for document in plan_documents(publication, options):
            print(output_path(options, config.profile(options.profile), document))
        return 0
    if options.output_dir.exists() and not options.output_dir.is_dir():
        raise BuildError.at("--out names a file, not a folder", options.output_dir,
                            hint="name a folder for the PDFs (it is made if need be)")
    if not options.force:
        # Nothing changed since the last complete build? Then say so at once,
        # without importing the pipeline (see manifest.py).
        from .manifest import options_key, tree_fingerprint, up_to_date
        count = up_to_date(options.output_dir, options_key(options.key()),
                           tree_fingerprint(options.root))
        if count is not None:
            print(f"unchanged: all {count} PDF{'s' if count != 1 else ''} up to date "
                  "(--force rebuilds them)")
            return _preflight(options)
    skipped: list[Path] = []
    from contextlib import nullcontext

    from .workers import WorkerPool, parallel_available
    # The workers' zygote starts importing WeasyPrint now, while the content is
    # read (see workers.py); leaving this block, for any reason, ends every worker.
    workers = WorkerPool(options.jobs, options.timeout) \
        if options.jobs > 1 and parallel_available() else nullcontext()
    with workers as pool:
        from .build import build
        with Progress(enabled=not args.list and sys.stdout.isatty()) as progress:
            results = build(options, on_written=progress.written, on_skipped=skipped.append,
                            on_start=progress.start,
                            on_extra=lambda path: print(f"wrote {shown(path)}", flush=True),
                            pool=pool)
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
    from .preflight_cli import preflight_build
    return preflight_build(options)


class Progress:
    """A progress bar on a terminal; one line per PDF otherwise (CI logs, pipes)."""

    def __init__(self, enabled: bool):
        self.bar = None
        self.task = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn
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


def run_reporting(action: Callable[[], int], *, debug: bool, list_only: bool = False) -> int:
    """Run a command; turn our errors into located one-line messages and exit codes."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return action()
    except BuildError as error:
        print_problems(error)
        count = len(error.problems)
        line = f"build failed: {count} problem{'s' if count > 1 else ''}"
        failed, total = getattr(error, "failed", None), getattr(error, "total", None)
        if failed:
            line += f"; {failed} of {total} document{'s' if total != 1 else ''} not written"
        elif failed is not None:
            line += f"; all {total} document{'s' if total != 1 else ''} written"
        print(line, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`build.py --list | head`): not an error of the build.
        # A build cut short this way may not have written everything: say so by the code.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0 if list_only else 1
    except KeyboardInterrupt:
        print("interrupted: PDFs written so far are complete; nothing half-written "
              "was left", file=sys.stderr)
        return 130
    except OSError as error:
        # The machine's, not the content's: a full disk, a folder without permission.
        if debug:
            raise
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error} — check that the disk has room and "
              "the folder is writable (or choose another with --out)", file=sys.stderr)
        return 1
    except Exception as error:  # a bug of ours, not the editor's: say so briefly
        if debug:
            raise
        print(f"internal error: {type(error).__name__}: {error} "
              "(run again with --debug and report the output)", file=sys.stderr)
        return 2


def print_problems(error: BuildError) -> None:
    for problem in error.problems:
        print(f"error: {problem.format(Path.cwd())}", file=sys.stderr)


def console():
    """A rich console for tables: colours on a terminal; in CI logs and pipes, wide
    enough that long paths stay on one line (rich assumes 80 columns there)."""
    from rich.console import Console
    return Console(highlight=False, soft_wrap=True,
                   width=None if sys.stdout.isatty() else 200)


def shown(path: Path) -> str:
    """A path as the editor typed it: relative to where they are, when it is below."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _load_commands(*names: str) -> None:
    """Import the modules of these commands; each registers itself with @command.

    Only on demand: a build does not pay for the status report's imports.
    """
    for name in names:
        __import__(f"folio.{COMMAND_MODULES[name]}")


# command name -> the module that defines it
COMMAND_MODULES: dict[str, str] = {"i18n": "i18n_cli", "status": "status",
                                   "preflight": "preflight_cli"}
