"""The command line: parse options, call one function, print results or problems."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .build import BUNDLED, BuildOptions, build, load, plan_documents
from .errors import BuildError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the publication's PDFs (journal issues and notice sheets) "
                    "in every language into output/.")
    parser.add_argument("--root", type=Path, default=BUNDLED, metavar="DIR",
                        help="the publication folder (default: this project's sample); "
                             "its templates/ and locales/ override the bundled ones")
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
    parser.add_argument("--list", action="store_true",
                        help="list the PDFs that would be built, and build nothing")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="documents rendered at once, in separate processes "
                             "(default: the number of cores)")
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks for unexpected errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    languages = tuple(code.strip() for value in args.lang for code in value.split(",")
                      if code.strip())
    root = args.root.resolve()
    options = BuildOptions(root=root, out=args.out.resolve() if args.out else None,
                           languages=languages, only=tuple(args.only),
                           keep_html=args.html, jobs=max(1, args.jobs))
    try:
        if args.list:
            _, publication = load(options)
            for document in plan_documents(publication, options):
                print(options.output_dir / document.relative_path)
            return 0
        results = build(options, on_written=lambda r: print(
            f"wrote {_shown(r.output)} ({r.pages} {'page' if r.pages == 1 else 'pages'})",
            flush=True))
    except BuildError as error:
        for problem in error.problems:
            print(f"error: {problem.format(Path.cwd())}", file=sys.stderr)
        count = len(error.problems)
        print(f"build failed: {count} problem{'s' if count > 1 else ''}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`build.py --list | head`): not an error of the build.
        # A build cut short this way may not have written everything: say so by the code.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0 if args.list else 1
    except KeyboardInterrupt:
        print("build interrupted: PDFs written so far are complete; nothing half-written "
              "was left", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours, not the editor's: say so briefly
        if args.debug:
            raise
        print(f"internal error: {type(error).__name__}: {error} "
              "(run again with --debug and report the output)", file=sys.stderr)
        return 2
    if not results:
        print("nothing to build", file=sys.stderr)
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
