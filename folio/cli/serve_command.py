"""``folio serve``: a live preview of the publication in the browser."""

from __future__ import annotations

import argparse
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
    parser.add_argument("--port", type=int, default=8000,
                        help="the port to listen on (default 8000; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1: this computer "
                             "only; 0.0.0.0 shows the preview to the network, read-only)")
    add_build_options(parser)
    return parser


def _serve(args: argparse.Namespace, default_root: Path | None) -> int:
    from contextlib import nullcontext

    from folio.pipeline.workers import WorkerPool, parallel_available
    from folio.preview.server import Live, make_server, serve_in_thread
    from folio.preview.watch import Rebuilder, watch

    options = BuildOptions(root=publication_root(args.root, default_root),
                           out=args.out.resolve() if args.out else None,
                           languages=languages(args.lang), profile=args.profile,
                           jobs=max(1, args.jobs))
    live = Live()
    try:
        server = make_server(live, args.host, args.port)
    except OSError as error:
        raise BuildError.at(f"cannot listen on {args.host}:{args.port}: {error.strerror}",
                            None, hint="choose another --port, or stop the program using "
                                       "it") from None
    host, port = str(server.server_address[0]), int(server.server_address[1])
    stop_server = serve_in_thread(server)
    stop = threading.Event()
    workers = WorkerPool(options.jobs, options.timeout) \
        if options.jobs > 1 and parallel_available() else nullcontext()
    try:
        with workers as pool:
            rebuilder = Rebuilder(options, live, pool, report=lambda line: print(line,
                                                                                  flush=True))
            print(f"serving the preview at http://{host}:{port}/ — Ctrl-C stops",
                  flush=True)
            rebuilder.rebuild()
            watch(rebuilder, stop)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        live.stop()
        stop_server()
    return 0
