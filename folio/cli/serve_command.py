"""``folio serve``: a live preview of the publication in the browser."""

from __future__ import annotations

import argparse
import errno
import signal
import threading
from pathlib import Path

from folio.cli.common import (
    add_build_options,
    command_parser,
    languages,
    publication_root,
    run_command,
)
from folio.config.options import BuildOptions
from folio.errors import BuildError


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _serve, default_root)


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio serve",
        "Build the publication, then rebuild what each saved change affects and show "
        "every document in the browser: a dashboard, each document's pages as spreads "
        "with the pages the last rebuild changed marked, and problems as a banner. "
        "Open pages update themselves. Stop with Ctrl-C.")
    parser.add_argument("--port", type=_port, default=8000,
                        help="the port to listen on (default 8000; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1: this computer "
                             "only, as are localhost, 127.x.x.x and ::1; 0.0.0.0 shows the "
                             "preview to the network, read-only)")
    add_build_options(parser)
    parser.add_argument("--editor", default="", metavar="URL",
                        help="make each page's source file a link that opens it in your "
                             "editor: a URL with {path} and {line}, e.g. "
                             "'vscode://file/{path}:{line}'")
    parser.add_argument("--draft", action="store_true",
                        help="build as build --draft does: a translation out of date or "
                             "missing is shown with its draft band, and keeps updating")
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give 0 to 65535")
    return port


def _serve(args: argparse.Namespace, default_root: Path | None) -> int:
    from contextlib import nullcontext

    from folio.pipeline.workers import WorkerPool, parallel_available, stop_outside_imports
    from folio.preview.server import Live, make_server, serve_in_thread
    from folio.preview.watch import Rebuilder, watch

    options = BuildOptions(root=publication_root(args.root, default_root),
                           out=args.out.resolve() if args.out else None,
                           languages=languages(args.lang), profile=args.profile,
                           jobs=max(1, args.jobs), draft=args.draft)
    from folio.defaults import CONFIG_FILE
    if not (options.root / CONFIG_FILE).is_file():
        raise BuildError.at(f"no {CONFIG_FILE} in {options.root}", options.root,
                            hint="pass --root the folder of a publication")
    live = Live()
    try:
        # Listening on this computer only (whichever local name or address --host
        # gave): answer only requests addressed to it by name (DNS rebinding).
        server = make_server(live, args.host, args.port, editor=args.editor,
                             root=options.root)
    except OSError as error:
        hint = ("choose another --port, or stop the program using it"
                if error.errno == errno.EADDRINUSE else
                "give --host an address of this computer: 127.0.0.1 (this computer only) "
                "or 0.0.0.0 (every network it is on)")
        raise BuildError.at(f"cannot listen on {args.host}:{args.port}: "
                            f"{error.strerror or error}", None, hint=hint) from None
    host, port = str(server.server_address[0]), int(server.server_address[1])
    shown_host = f"[{host}]" if ":" in host else host
    # The pool first: its zygote is forked while this process has one thread,
    # before the server's starts (see pipeline/workers.py).
    workers = WorkerPool(options.jobs, options.timeout) \
        if options.jobs > 1 and parallel_available() else nullcontext()
    stop_server = serve_in_thread(server)
    stop = threading.Event()
    # A service manager's SIGTERM stops it as Ctrl-C does: workers ended, nothing
    # half-written, WeasyPrint's temporary folders removed.
    signal.signal(signal.SIGTERM, stop_outside_imports(_interrupt))   # see workers.py
    try:
        with workers as pool:
            rebuilder = Rebuilder(options, live, pool, report=lambda line: print(line,
                                                                                  flush=True))
            where = f"http://{shown_host}:{port}/"
            if host in ("0.0.0.0", "::"):
                where += f" (on this computer: http://127.0.0.1:{port}/)"
            print(f"serving the preview at {where} — Ctrl-C stops", flush=True)
            watch(rebuilder, stop)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        stop.set()
        live.stop()
        stop_server()
    return 0


def _interrupt(number, frame) -> None:
    raise KeyboardInterrupt
