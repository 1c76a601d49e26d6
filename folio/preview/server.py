"""The preview's web server: read-only, and only what the snapshot names.

A URL never becomes a file path. ``/doc/<lang>/<name>``, ``/pdf/<lang>/<name>.pdf``
and ``/page/<lang>/<name>/<n>.png`` are looked up among the documents of the
current snapshot, and the file served is the one the build wrote for that
document; anything else is 404, and any method but GET and HEAD is 405. So no
``..``, encoded or not, and no absolute path can reach outside the output.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import jinja2

from folio.preview.pages import SCREEN_DPI, PageImages
from folio.preview.state import DocumentState, Snapshot

TEMPLATES = Path(__file__).parent / "templates"
KEEPALIVE = 15.0                # seconds between SSE comments on a quiet connection
# A connection that sends nothing (or half a request) may not hold a thread: its
# request must arrive within REQUEST_TIMEOUT seconds (each read and write of the
# answer gets as long), and at most WAITING connections wait for theirs: a further
# one closes the one waiting longest. Browsers send at once; a preconnected socket
# closed so is opened again.
REQUEST_TIMEOUT = 5.0
WAITING = 32
_NAME = r"[a-z0-9][a-z0-9._-]*"
PAGE_WIDTH = 600                     # px: a page as the document view shows it at 100 %
ZOOMS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
DPIS = (SCREEN_DPI, 144, 192, 288)   # what a page image may be drawn at


def _choice(text: str, allowed: tuple, default):
    """``text`` as one of ``allowed`` numbers, else ``default``: the address names
    nothing else (a page is drawn at a few resolutions only)."""
    try:
        value = float(text)
    except ValueError:
        return default
    return next((a for a in allowed if abs(a - value) < 1e-9), default)
ROUTES = [
    ("dashboard", re.compile(r"/")),
    ("document", re.compile(rf"/doc/({_NAME})/({_NAME})")),
    ("pdf", re.compile(rf"/pdf/({_NAME})/({_NAME})\.pdf")),
    ("page", re.compile(rf"/page/({_NAME})/({_NAME})/([0-9]{{1,5}})\.png")),
    ("events", re.compile(r"/events")),
    ("state", re.compile(r"/state\.json")),
]


class Live:
    """The current snapshot, and a way to wait for the next one."""

    def __init__(self) -> None:
        self._snapshot = Snapshot()
        self._changed = threading.Condition()
        self._building = False
        self.stopping = False
        self.images = PageImages()          # the pages' images, shared with the rebuilder

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def building(self) -> bool:
        return self._building

    @building.setter
    def building(self, value: bool) -> None:
        """A rebuild began (or ended): open pages say so at once."""
        with self._changed:
            self._building = value
            self._changed.notify_all()

    def publish(self, snapshot: Snapshot, building: bool | None = None) -> None:
        """Show ``snapshot``; ``building``: and say a rebuild is (not) under way, in the
        same step, so that a page fetched for the new snapshot says the right one."""
        with self._changed:
            self._snapshot = snapshot
            if building is not None:
                self._building = building
            self._changed.notify_all()

    def wait(self, generation: int, timeout: float, building: bool | None = None
             ) -> tuple[int, bool]:
        """The generation after ``generation`` or a change of ``building`` (when
        given), or the same after ``timeout``: (generation, building)."""
        with self._changed:
            self._changed.wait_for(lambda: self._snapshot.generation != generation
                                   or (building is not None and self._building != building)
                                   or self.stopping, timeout)
            return self._snapshot.generation, self._building

    def stop(self) -> None:
        with self._changed:
            self.stopping = True
            self._changed.notify_all()
        self.images.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    local_only = True
    # A document's page images are asked for at once, and the accepting thread
    # shares the interpreter with those drawing pages: with the default queue of
    # 5, a connection that finds it full waits a second for its retry.
    request_queue_size = 64

    def __init__(self, address, handler) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6       # --host ::1
        self._waiting: dict[socket.socket, None] = {}   # in order of arrival
        self._waiting_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        """Count the connection as waiting for its request; with too many waiting,
        close the oldest (its thread then ends) so that threads stay bounded."""
        with self._waiting_lock:
            while len(self._waiting) >= WAITING:
                oldest = next(iter(self._waiting))
                del self._waiting[oldest]
                try:
                    oldest.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._waiting[request] = None
        super().process_request(request, client_address)

    def request_arrived(self, request) -> None:
        with self._waiting_lock:
            self._waiting.pop(request, None)

    def shutdown_request(self, request) -> None:
        self.request_arrived(request)       # a request that never came, too
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """A browser that leaves a page mid-answer is no error; the terminal is for
        the build's lines."""
        import sys
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def is_local(name: str) -> bool:
    """Whether a host name or address means this computer only: ``localhost``,
    127.0.0.0/8, ``::1`` (bracketed or not)."""
    name = name.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port: ``[::1]:8000`` → ``[::1]``,
    ``[::1]`` → ``[::1]``, ``localhost:8000`` → ``localhost``."""
    header = header.strip()
    if header.startswith("["):
        end = header.find("]")
        return header[:end + 1] if end > 0 else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def make_server(live: Live, host: str, port: int, local_only: bool | None = None,
                editor: str = "", root: Path | None = None) -> ThreadingHTTPServer:
    """``local_only``: answer only requests addressed to this computer by name
    (``Host: localhost``, 127.x.x.x or ``[::1]``), so that a web page elsewhere
    cannot read the preview through a DNS name that points here (DNS rebinding).
    By default, whenever the address it listens on is this computer's only
    (``--host localhost``, 127.0.0.0/8, ``::1``, or a name that means one).
    ``editor``: a URL with ``{path}`` and ``{line}`` (``vscode://file/{path}:{line}``)
    that opens a file of the publication (``root``) in the editor's program."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["when"] = lambda epoch: datetime.fromtimestamp(epoch).strftime(
        "%H:%M:%S") if epoch else "—"
    environment.filters["spreads"] = _spreads

    def editor_link(where: tuple[str, int]) -> str:
        if not editor or root is None:
            return ""
        path = (root / where[0]).resolve()
        return editor.replace("{path}", quote(str(path))).replace("{line}", str(where[1] or 1))
    environment.globals["editor_link"] = editor_link

    class Handler(_Handler):
        timeout = REQUEST_TIMEOUT

    Handler.live, Handler.environment, Handler.images = live, environment, live.images
    server = _Server((host.strip("[]"), port), Handler)
    server.local_only = is_local(str(server.server_address[0])) if local_only is None \
        else local_only
    return server


def _spreads(pages: int) -> list[list[int | None]]:
    """Facing pages as a reader sees them: page 1 alone on the right, then 2–3, 4–5…"""
    if pages == 0:
        return []
    spreads: list[list[int | None]] = [[None, 1]]
    for left in range(2, pages + 1, 2):
        spreads.append([left, left + 1 if left + 1 <= pages else None])
    return spreads


class _Handler(BaseHTTPRequestHandler):
    live: Live
    environment: jinja2.Environment
    images: PageImages
    server_version = "folio-preview"

    def log_message(self, format: str, *args) -> None:    # the stdlib's names
        pass                                # the terminal is for the build's lines

    def do_HEAD(self) -> None:              # the stdlib's name
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _refuse(self) -> None:
        body = b"the preview is read-only\n"
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name: str):
        # Every other method (POST, TRACE, PROPFIND, "get"…): 405, not 501.
        if name.startswith("do_"):
            return self._refuse
        raise AttributeError(name)

    def parse_request(self) -> bool:
        """Reads the headers; then the connection no longer waits for its request."""
        parsed = super().parse_request()
        self.server.request_arrived(self.request)   # type: ignore[attr-defined]
        return parsed

    def _respond(self, head: bool) -> None:
        if self.server.local_only:                  # type: ignore[attr-defined]
            if not is_local(host_name(self.headers.get("Host") or "")):
                self.send_error(HTTPStatus.FORBIDDEN,
                                "ask for 127.0.0.1, localhost or [::1]")
                return
        path = unquote(urlsplit(self.path).path)
        for name, pattern in ROUTES:
            match = pattern.fullmatch(path)
            if match:
                getattr(self, f"_{name}")(head, *match.groups())
                return
        self.send_error(HTTPStatus.NOT_FOUND)

    def _send(self, body: bytes, kind: str, head: bool, cache: bool = False) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _page_html(self, template: str, head: bool, **context) -> None:
        snapshot = self.live.snapshot
        html = self.environment.get_template(template).render(
            snapshot=snapshot, building=self.live.building, **context)
        self._send(html.encode("utf-8"), "text/html; charset=utf-8", head)

    def _known(self, lang: str, name: str) -> DocumentState | None:
        document = self.live.snapshot.document(lang, name)
        if document is None:
            self.send_error(HTTPStatus.NOT_FOUND, "no such document in this build")
        return document

    def _dashboard(self, head: bool) -> None:
        self._page_html("dashboard.html.j2", head)

    def _query(self, name: str) -> str:
        return (parse_qs(urlsplit(self.path).query).get(name) or [""])[0]

    def _document(self, head: bool, lang: str, name: str) -> None:
        document = self._known(lang, name)
        if document is not None:
            zoom = _choice(self._query("zoom"), ZOOMS, 1.0)
            # Drawn at the resolution the width needs (a page 600 px wide is read
            # at 96 dpi; twice as wide, at 192).
            dpi = next(d for d in DPIS if d >= SCREEN_DPI * zoom or d == DPIS[-1])
            self._page_html("document.html.j2", head, document=document, zoom=zoom,
                            zooms=ZOOMS, width=round(PAGE_WIDTH * zoom), dpi=dpi)

    def _pdf(self, head: bool, lang: str, name: str) -> None:
        document = self._known(lang, name)
        if document is None:
            return
        try:
            data = document.pdf.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "not built yet")
            return
        self._send(data, "application/pdf", head)

    def _page(self, head: bool, lang: str, name: str, number: str) -> None:
        document = self._known(lang, name)
        if document is None:
            return
        page = int(number)
        dpi = int(_choice(self._query("dpi"), DPIS, SCREEN_DPI))
        data = self.images.png(document.pdf, page, dpi, drawing=document.drawing(page))
        if data is None:
            self.send_error(HTTPStatus.NOT_FOUND, "no such page")
            return
        self._send(data, "image/png", head, cache=True)   # the URL names the version

    def _state(self, head: bool) -> None:
        snapshot = self.live.snapshot
        data = {"generation": snapshot.generation, "problems": list(snapshot.problems),
                "documents": [{"lang": d.lang, "name": d.name, "pages": d.pages,
                               "preflight": d.preflight, "changed": sorted(d.changed),
                               "translation": dict(d.translation),
                               "problems": list(d.problems),
                               "articles": [{"title": a.title, "source": a.source,
                                             "words": a.length.words,
                                             "characters": a.length.characters,
                                             "sheets": a.length.sheets}
                                            for a in d.articles]}
                              for d in snapshot.documents]}
        self._send(json.dumps(data, ensure_ascii=False).encode("utf-8"),
                   "application/json", head)

    def _events(self, head: bool) -> None:
        """Server-Sent Events: the generation now, then each new one."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        generation, building = self.live.snapshot.generation, self.live.building
        try:
            self.wfile.write(f"data: {generation}\n\n".encode())
            if building:
                self.wfile.write(b"event: building\ndata: 1\n\n")
            self.wfile.flush()
            while not self.live.stopping:
                now, busy = self.live.wait(generation, KEEPALIVE, building)
                if now != generation:
                    generation = now
                    self.wfile.write(f"data: {generation}\n\n".encode())
                elif busy != building:
                    self.wfile.write(f"event: building\ndata: {int(busy)}\n\n".encode())
                else:
                    self.wfile.write(b": still here\n\n")
                building = busy
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def serve_in_thread(server: ThreadingHTTPServer) -> Callable[[], None]:
    """Start ``server``; the function returned stops it."""
    # shutdown() waits for the loop's next look at its flag: every 0.1 s, not
    # the default 0.5 s, so that Ctrl-C (and each test's server) stops at once.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="folio-preview", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return stop


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """For tests and the watcher: poll ``predicate`` until true or ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
