"""What every command shares: the options --root and --debug, how problems are
reported, how paths and tables are shown."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from folio.defaults import CONFIG_FILE
from folio.errors import BuildError, os_problem, shown_path


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--root and --debug mean the same in every command."""
    parser.add_argument("--root", type=Path, metavar="DIR",
                        help="the publication folder (default: the folder, or the nearest "
                             "folder above it, with a publication.yaml); its templates/ "
                             "and locales/ override the bundled ones")
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks for unexpected errors")


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """What ``build`` and ``serve`` both take: where PDFs go, which languages, how
    they are made, how many at once."""
    import os

    from folio.defaults import DEFAULT_PROFILE
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where PDFs go (default: <root>/output)")
    parser.add_argument("--lang", action="append", default=[], metavar="CODE",
                        help="build only this language (repeatable; 'bilingual' for the "
                             "bilingual sheets); default: all")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, metavar="NAME",
                        help="how the PDFs are made, from publication.yaml's profiles "
                             "(default: screen; e.g. print: bleed, crop marks, PDF/X-4) — "
                             "other profiles write to output/<profile>/")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="documents, and pieces of an issue, laid out at once, in "
                             "separate processes (default: the number of cores)")


def command_parser(prog: str, description: str, **settings) -> argparse.ArgumentParser:
    """A command's parser, with the options every command has."""
    parser = argparse.ArgumentParser(prog=prog, description=description, **settings)
    add_common_options(parser)
    return parser


def run_command(parser: argparse.ArgumentParser, argv: list[str], action,
                default_root: Path | None) -> int:
    """Parse ``argv`` and run ``action(args, default_root)`` reporting as every command.

    Options and file names may come in any order (``i18n import --root DIR a.po
    b.po``), which plain ``parse_args`` refuses after the first positional."""
    args = parser.parse_intermixed_args(argv)
    return run_reporting(lambda: action(args, default_root), debug=args.debug,
                         list_only=bool(getattr(args, "list", False)))


def publication_root(given: Path | None, default: Path | None) -> Path:
    """--root, else the nearest folder from here upwards with a publication.yaml,
    else ``default`` (build.py's own folder, the bundled sample)."""
    if given is not None:
        return given.resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    if default is not None:
        return default.resolve()
    raise BuildError.at(f"no {CONFIG_FILE} in this folder or above it", here,
                        hint="run folio in a publication folder, or pass --root DIR")


def languages(values: list[str]) -> tuple[str, ...]:
    """--lang ko --lang en, or --lang ko,en."""
    return tuple(code.strip() for value in values for code in value.split(",")
                 if code.strip())


def run_reporting(action: Callable[[], int], *, debug: bool, list_only: bool = False) -> int:
    """Run a command; turn our errors into located one-line messages and exit codes."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    interrupted: list[bool] = []
    previous = _note_interrupts(interrupted)
    try:
        return _run(action, debug, list_only, interrupted)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _run(action: Callable[[], int], debug: bool, list_only: bool,
         interrupted: list[bool]) -> int:
    try:
        return action()
    except BuildError as error:
        if interrupted:
            # Ctrl-C reaches the workers too; their deaths may be reported before
            # the main process's KeyboardInterrupt (swallowed if it struck a
            # finaliser): the editor pressed Ctrl-C, and that is what to say.
            return _interrupted()
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
        return _interrupted()
    except OSError as error:
        # The machine's, not the content's: a full disk, a folder without permission.
        if debug:
            raise
        print(f"error: {os_problem(error).format(Path.cwd())}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug of ours, not the editor's: say so briefly
        if debug:
            raise
        print(f"internal error: {type(error).__name__}: {error} "
              "(run again with --debug and report the output)", file=sys.stderr)
        return 2


def _note_interrupts(seen: list[bool]):
    """Ctrl-C raises KeyboardInterrupt as always, and is remembered in ``seen``;
    returns the handler to restore (None: left as it was, e.g. ignored by a caller)."""
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler \
            or threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(number, frame):
        seen.append(True)
        signal.default_int_handler(number, frame)
    # Never inside an import: pikepdf's native module, interrupted while it is set
    # up, aborts the process with a page of "Critical nanobind error".
    from folio.pipeline.workers import stop_outside_imports
    signal.signal(signal.SIGINT, stop_outside_imports(interrupt))
    return previous


def _interrupted() -> int:
    print("interrupted: PDFs written so far are complete; nothing half-written "
          "was left", file=sys.stderr)
    return 130


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
    """A path as the editor knows it: relative to where they are, when it is below."""
    return shown_path(path, Path.cwd())


