"""The live preview (folio/preview/): what it shows, what it refuses, and that it
is live — in-process for the state, through HTTP for the server, and in a real
browser (Debian's Chromium, driven by Playwright) for the page that updates
itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import REPO, copy_publication

from folio.config.options import BuildOptions
from folio.preview.lengths import measure
from folio.preview.server import Live, _spreads, make_server, serve_in_thread, wait_until
from folio.preview.state import CHECKING
from folio.preview.watch import Rebuilder, watched

FIRST_EN = "content/journal/2024-no2/first.en.md"


# -- units ------------------------------------------------------------------------------

def test_lengths_in_each_languages_unit():
    english = measure(["Creative cities solve local problems.", "It's well-known."])
    assert english.words == 7 and english.label("en") == "7 words"
    korean = measure(["가" * 150 + "  \n " + "나" * 50])       # a run of spaces is one square
    assert korean.characters == 201 and korean.sheets == 2
    assert korean.label("ko") == "201자 · 원고지 2매"
    assert measure([]).sheets == 0


def test_spreads_are_facing_pages():
    assert _spreads(0) == []
    assert _spreads(1) == [[None, 1]]
    assert _spreads(4) == [[None, 1], [2, 3], [4, None]]


def test_the_watcher_ignores_the_output_and_hidden_folders(tmp_path: Path):
    from watchfiles import Change
    keep = watched(tmp_path, tmp_path / "output")
    assert keep(Change.modified, str(tmp_path / "content/a.md"))
    assert not keep(Change.modified, str(tmp_path / "output/ko/a.pdf"))
    assert not keep(Change.added, str(tmp_path / "output/ko/a.pdf"))
    assert not keep(Change.modified, str(tmp_path / ".git/index"))
    # What the build writes is no reason to build; a PDF someone deleted is.
    assert keep(Change.deleted, str(tmp_path / "output/ko/a.pdf"))
    assert keep(Change.deleted, str(tmp_path / "output"))
    assert not keep(Change.deleted, str(tmp_path / "output/ko/a.pdf.folio-tmp"))
    assert not keep(Change.deleted, str(tmp_path / "output/.folio-parts/ko/x/run-1.pdf"))


def test_open_pages_hear_when_a_rebuild_begins_and_ends():
    """The document view says "rebuilding…" from the save on (Server-Sent Events),
    not only once the new pages arrive."""
    import threading
    live = Live()
    server = make_server(live, "127.0.0.1", 0)
    stop = serve_in_thread(server)
    heard: list[str] = []

    def listen() -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/events",
                                    timeout=10) as events:
            for line in events:
                if line.strip():
                    heard.append(line.decode().strip())
                if len(heard) >= 4:
                    return
    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: heard == ["data: 0"], 5)
        live.building = True
        assert wait_until(lambda: heard[-2:] == ["event: building", "data: 1"], 5)
        live.publish(replace(live.snapshot, generation=1), building=False)
        assert wait_until(lambda: heard[-1:] == ["data: 1"], 5)
        thread.join(5)
        assert heard == ["data: 0", "event: building", "data: 1", "data: 1"]
    finally:
        live.stop()
        stop()


# -- a session, in this process ----------------------------------------------------------

@pytest.fixture
def session(built_tiny: Path):
    """A preview of the tiny publication, built once, and its server on a free port."""
    yield from _session(built_tiny)


@pytest.fixture(scope="module")
def reading(tiny_built: Path, tmp_path_factory):
    """The same, one for the module's tests that only read from it."""
    yield from _session(copy_publication(tiny_built, tmp_path_factory.mktemp("reading")))


def _session(root: Path):
    live = Live()
    lines: list[str] = []
    rebuilder = Rebuilder(BuildOptions(root=root, jobs=1), live, report=lines.append)
    rebuilder.rebuild()
    _preflight_done(live)
    server = make_server(live, "127.0.0.1", 0)
    stop = serve_in_thread(server)
    yield rebuilder, f"http://127.0.0.1:{server.server_address[1]}", lines
    live.stop()
    stop()


def _preflight_done(live: Live) -> None:
    """Preflight runs in a thread of its own after each rebuild: wait for its verdicts."""
    assert wait_until(lambda: all(d.preflight != CHECKING for d in live.snapshot.documents),
                      60)


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _state(base: str) -> dict:
    return json.loads(_get(base + "/state.json")[1])


def test_the_dashboard_lists_every_document_with_its_state(reading):
    _, base, _ = reading
    state = _state(base)
    documents = {(d["lang"], d["name"]): d for d in state["documents"]}
    assert set(documents) == {("ko", "journal-2024-no2"), ("en", "journal-2024-no2"),
                              ("ko", "notice-open-day"), ("en", "notice-open-day"),
                              ("bilingual", "notice-open-day")}
    issue = documents["ko", "journal-2024-no2"]
    assert issue["pages"] == 8 and issue["preflight"] == "ok" and state["problems"] == []
    assert [a["title"] for a in issue["articles"]] == ["첫 논문", "둘째 논문"]
    assert issue["articles"][0]["characters"] > 20 and issue["articles"][0]["sheets"] == 1
    assert documents["en", "journal-2024-no2"]["articles"][0]["words"] >= 5
    status, html = _get(base + "/")
    page = html.decode("utf-8")
    assert status == 200 and "첫 논문" in page and "원고지 1매" in page and "words" in page
    assert page.count('class="document"') == 5
    for lang, name in documents:
        status, png = _get(f"{base}/page/{lang}/{name}/1.png")
        assert status == 200 and png.startswith(b"\x89PNG")
    status, pdf = _get(base + "/pdf/en/journal-2024-no2.pdf")
    assert status == 200 and pdf.startswith(b"%PDF")


@pytest.mark.parametrize("path", [
    "/pdf/../../publication.yaml", "/pdf/%2e%2e/%2e%2e/publication.yaml",
    "/pdf/..%2F..%2Fpublication.yaml", "//etc/passwd", "/page/en/../../../etc/passwd",
    "/pdf/en/journal-2024-no2.pdf/../../../../etc/passwd", "/doc/en/%2Fetc%2Fpasswd",
    "/page/en/journal-2024-no2/0.png", "/page/en/journal-2024-no2/99.png",
    "/pdf/xx/journal-2024-no2.pdf", "/output/en/journal-2024-no2.pdf",
    "/content/journal/2024-no2/first.en.md", "/etc/passwd", "/%2e%2e/publication.yaml",
])
def test_no_url_reaches_outside_the_documents(reading, path: str):
    _, base, _ = reading
    status, body = _get(base + path)
    assert status == 404 and b"root" not in body and b"title:" not in body


def test_the_preview_is_read_only(reading):
    _, base, _ = reading
    for method in ("POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "get"):
        assert _get(base + "/", method)[0] == 405


def _raw_status(port: int, host: str | None, to: str = "127.0.0.1") -> int:
    """The status of ``GET /state.json`` sent to the loopback address ``to`` with
    exactly this ``Host`` header (None: none)."""
    import socket
    with socket.create_connection((to, port), timeout=10) as client:
        header = f"Host: {host}\r\n" if host is not None else ""
        client.sendall(f"GET /state.json HTTP/1.1\r\n{header}\r\n".encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = client.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split()[1])


def test_only_requests_addressed_to_this_computer_are_answered(reading):
    """A web page elsewhere cannot read the preview through a DNS name pointing
    here (DNS rebinding): the Host must name this computer: localhost,
    127.0.0.0/8 or ::1, with or without a port."""
    _, base, _ = reading
    port = int(base.rsplit(":", 1)[1])
    for host, status in ((f"localhost:{port}", 200), (f"127.0.0.1:{port}", 200),
                         ("localhost", 200), ("LocalHost", 200), ("127.0.0.1", 200),
                         (f"127.3.4.5:{port}", 200), ("[::1]", 200), (f"[::1]:{port}", 200),
                         (f"evil.example:{port}", 403), ("evil.example", 403),
                         ("127.0.0.1.evil.example", 403), (f"localhost.evil.example:{port}", 403),
                         ("192.168.1.2", 403), ("[::2]", 403), ("[::1", 403), ("", 403),
                         (None, 403)):
        assert _raw_status(port, host) == status, host


@pytest.mark.parametrize("listen, local", [("localhost", "localhost"),
                                           ("127.0.0.2", "127.0.0.2"), ("::1", "[::1]")])
def test_every_local_address_keeps_the_host_check(tiny: Path, listen: str, local: str):
    """``--host localhost`` (or any loopback address) listens on this computer
    only, so it keeps the DNS-rebinding check as 127.0.0.1 does."""
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--port", "0",
                                "--root", str(tiny), "--jobs", "1", "--host", listen],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        first = process.stdout.readline()
        match = re.search(r"http://(\S+):(\d+)/", first)
        assert match, first + process.stderr.read()
        port = int(match[2])
        to = "127.0.0.1" if listen == "localhost" else listen
        assert match[1] == ("[::1]" if ":" in listen else "127.0.0.1" if listen == "localhost"
                            else listen)
        assert _raw_status(port, "evil.example", to) == 403
        assert _raw_status(port, f"evil.example:{port}", to) == 403
        assert _raw_status(port, f"{local}:{port}", to) == 200
        assert _raw_status(port, local, to) == 200
    finally:
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert "Traceback" not in err


def test_connections_that_send_nothing_hold_no_thread_for_long(monkeypatch):
    """Half-open connections (a request that never comes) are closed after a read
    timeout, and only a bounded number wait at once: the threads stay few, and a
    real request is answered meanwhile."""
    import socket
    import threading

    from folio.preview import server as preview_server
    monkeypatch.setattr(preview_server, "REQUEST_TIMEOUT", 1.0)
    live = Live()
    server = make_server(live, "127.0.0.1", 0)
    stop = serve_in_thread(server)
    port = server.server_address[1]
    before = threading.active_count()
    held: list[socket.socket] = []
    try:
        for number in range(100):
            client = socket.create_connection(("127.0.0.1", port), timeout=10)
            if number % 2:
                client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")   # half a request
            held.append(client)
        time.sleep(0.3)
        assert threading.active_count() <= before + preview_server.WAITING + 2
        started = time.monotonic()
        assert _raw_status(port, "127.0.0.1") == 200
        assert time.monotonic() - started < 1.0
        for client in held:             # each closed by the server within the timeout
            client.settimeout(5)
            try:
                while client.recv(4096):
                    pass
            except ConnectionResetError:
                pass
        assert time.monotonic() - started < 4.0
        assert wait_until(lambda: threading.active_count() <= before, 5)
    finally:
        for client in held:
            client.close()
        live.stop()
        stop()


def test_a_browser_that_leaves_mid_answer_prints_nothing(reading, capfd):
    import socket
    import struct
    _, base, _ = reading
    port = int(base.rsplit(":", 1)[1])
    for path in ["/pdf/ko/journal-2024-no2.pdf", "/page/ko/journal-2024-no2/1.png", "/"] * 10:
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(1)
    assert _get(base + "/")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_an_edit_saved_during_a_build_is_built_next(tmp_path: Path):
    """Watching starts before the first build: a save while it runs is not lost."""
    import threading

    from folio.preview.watch import watch
    (tmp_path / "content").mkdir()
    page = tmp_path / "content/page.md"
    page.write_text("one", encoding="utf-8")

    class Slow:
        options = BuildOptions(root=tmp_path)
        calls = 0

        def rebuild(self) -> None:
            self.calls += 1
            if self.calls == 1:                 # the first build, slow, and a save
                page.write_text("two", encoding="utf-8")
                time.sleep(0.5)

    rebuilder, stop = Slow(), threading.Event()
    thread = threading.Thread(target=watch, args=(rebuilder, stop), daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: rebuilder.calls >= 2, 10)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_a_rebuild_marks_the_changed_pages_and_a_mistake_shows_as_a_banner(session):
    rebuilder, base, lines = session
    root = rebuilder.options.root
    article = root / FIRST_EN
    article.write_text(article.read_text(encoding="utf-8").replace(
        "solve local problems.", "solve local problems, together."), encoding="utf-8")
    rebuilder.rebuild()
    documents = {(d["lang"], d["name"]): d for d in _state(base)["documents"]}
    changed = documents["en", "journal-2024-no2"]["changed"]
    assert changed and 1 not in changed                   # the article, not the cover
    assert documents["ko", "journal-2024-no2"]["changed"] == []
    page = _get(base + "/doc/en/journal-2024-no2")[1].decode("utf-8")
    assert page.count("page changed") == len(changed)
    assert lines[-1].startswith("rebuilt in")

    good = article.read_text(encoding="utf-8")
    article.write_text(good.replace("title: First Article", "title: [First"),
                       encoding="utf-8")
    rebuilder.rebuild()
    state = _state(base)
    assert len(state["problems"]) == 1
    assert re.match(rf"{FIRST_EN}:\d+:\d+: invalid YAML", state["problems"][0])
    assert "The last rebuild found 1 problem" in _get(base + "/")[1].decode("utf-8")
    still = {(d["lang"], d["name"]): d for d in state["documents"]}
    assert still["ko", "journal-2024-no2"]["pages"] == 8   # the last good PDFs stay

    article.write_text(good, encoding="utf-8")
    rebuilder.rebuild()
    assert _state(base)["problems"] == []
    assert "role=\"alert\"" not in _get(base + "/")[1].decode("utf-8")


def test_an_edit_in_the_preview_is_in_the_pdf_it_serves_as_a_full_build_makes_it(
        session, tmp_path: Path):
    """Two edits in one preview session (the second uses what the first kept in
    memory): the served PDF holds the new text, read back, and reads as a cold
    build of the same files."""
    from helpers import pdftotext

    from folio.pipeline.run import build
    rebuilder, base, _ = session
    root = rebuilder.options.root
    article = root / FIRST_EN
    text = article.read_text(encoding="utf-8")
    served = tmp_path / "served.pdf"
    for edit in ("solve local problems with their neighbours.",
                 "solve local problems with their neighbours and friends."):
        article.write_text(text.replace("solve local problems.", edit), encoding="utf-8")
        rebuilder.rebuild()
        status, data = _get(base + "/pdf/en/journal-2024-no2.pdf")
        assert status == 200
        served.write_bytes(data)
        assert edit in " ".join(pdftotext(served).split())
    build(BuildOptions(root=root, out=tmp_path / "cold", languages=("en",),
                       only=("journal-2024-no2",), force=True, jobs=1))
    assert pdftotext(served) == pdftotext(tmp_path / "cold/en/journal-2024-no2.pdf")


def test_a_broken_publication_yaml_keeps_the_pages_but_not_what_was_said_of_them(session):
    rebuilder, base, _ = session
    root = rebuilder.options.root
    article, config = root / FIRST_EN, root / "publication.yaml"
    good_article, good_config = article.read_text(encoding="utf-8"), config.read_text(
        encoding="utf-8")
    try:
        article.write_text(good_article.replace("title: First Article", "title: [First"),
                           encoding="utf-8")
        rebuilder.rebuild()
        documents = {(d["lang"], d["name"]): d for d in _state(base)["documents"]}
        assert documents["en", "journal-2024-no2"]["problems"]
        config.write_text(good_config + "\nprofiles: [\n", encoding="utf-8")
        rebuilder.rebuild()
        state = _state(base)
        assert len(state["problems"]) == 1 and "publication.yaml" in state["problems"][0]
        documents = {(d["lang"], d["name"]): d for d in state["documents"]}
        assert documents["en", "journal-2024-no2"]["pages"] == 8     # the pages stay
        assert all(d["problems"] == [] for d in state["documents"])
    finally:
        article.write_text(good_article, encoding="utf-8")
        config.write_text(good_config, encoding="utf-8")
    rebuilder.rebuild()
    assert _state(base)["problems"] == []


def test_a_rebuild_does_not_wait_for_the_last_ones_preflight(session, monkeypatch):
    """An editor saving again while a long issue is preflighted gets the rebuild at
    once; the verdict comes when it is ready, and one for pages no longer shown is
    not published."""
    import threading

    import folio.preview.watch as watch_module
    rebuilder, base, _ = session
    release, entered = threading.Event(), threading.Event()
    checked = watch_module.with_preflight

    def slow(*args, **kwargs):
        entered.set()
        assert release.wait(30)
        return checked(*args, **kwargs)
    monkeypatch.setattr(watch_module, "with_preflight", slow)
    article = rebuilder.options.root / FIRST_EN
    for words in ("solve local problems, first.", "solve local problems, second."):
        article.write_text(article.read_text(encoding="utf-8").replace(
            "solve local problems", words.rstrip("."), 1), encoding="utf-8")
        started = time.monotonic()
        rebuilder.rebuild()
        assert entered.wait(30)
        assert time.monotonic() - started < 25           # not held by the blocked preflight
        state = _state(base)
        assert any(d["preflight"] == CHECKING for d in state["documents"])
    release.set()
    _preflight_done(rebuilder.live)
    documents = {(d["lang"], d["name"]): d for d in _state(base)["documents"]}
    assert documents["en", "journal-2024-no2"]["preflight"] == "ok"


# -- the command, and a real browser ----------------------------------------------------

EDITORS_KO = "content/journal/2022-vol1-no1/from-the-editors.ko.md"


def _sample(folder: Path) -> Path:
    """A copy of the bundled sample publication (no output), to edit."""
    root = folder / "sample"
    for name in ("publication.yaml", "content", "templates", "locales"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    return root


@pytest.fixture
def served(tmp_path: Path):
    """``build.py serve`` running on a copy of the sample: (root, address, process)."""
    yield from _serving(_sample(tmp_path))


@pytest.fixture
def served_tiny(tiny: Path):
    """``build.py serve`` running on the tiny publication (quicker to build)."""
    yield from _serving(tiny)


def _serving(root: Path):
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--port", "0",
                                "--root", str(root), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert match, first + process.stderr.read()
        base = match[0].rstrip("/")
        assert wait_until(lambda: _state(base)["generation"] >= 1, 120)
        yield root, base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_serve_prints_its_address_and_stops_cleanly_on_ctrl_c(served_tiny):
    _, base, process = served_tiny
    assert _get(base + "/")[0] == 200
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/", timeout=2)


def test_the_open_page_updates_itself_and_keeps_its_place(served, tmp_path: Path):
    """The sample in Chromium: the dashboard, an edit marked on its page, a mistake's
    banner and its clearing. A failure leaves a screenshot in the test's folder."""
    from playwright import sync_api as playwright
    root, base, _ = served
    article = root / EDITORS_KO
    good = article.read_text(encoding="utf-8")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 600})
        try:
            page.goto(base + "/")
            page.wait_for_function("[...document.images].every(i => i.complete && "
                                   "i.naturalWidth > 0)")
            assert page.locator("tr.document").count() == 7       # the sample's PDFs
            assert "원고지" in page.inner_text("main") and "words" in page.inner_text("main")
            page.goto(base + "/doc/ko/journal-2022-vol1-no1")
            pages = page.locator("figure.page").count()
            assert pages >= 12                                      # the sample's issue
            page.wait_for_function(f"[...document.images].length == {pages}")
            page.evaluate("window.scrollTo(0, 1500)")
            assert page.evaluate("window.scrollY") == 1500
            generation = int(page.evaluate("document.body.dataset.generation"))
            before = page.get_attribute("#page-5 img", "src")
            sources = ("Object.fromEntries([...document.querySelectorAll('figure.page')]"
                       ".map(f => [f.dataset.page, f.querySelector('img').getAttribute('src')]))")
            sources_before = page.evaluate(sources)
            article.write_text(good.replace("대화를 시작합니다.", "대화를 함께 시작합니다."),
                               encoding="utf-8")
            # Said from the save on, before the pages arrive.
            page.wait_for_selector("#status .building", timeout=60_000)
            assert int(page.evaluate("document.body.dataset.generation")) == generation
            # The changed pages may show first, "rebuilding…" still said (the issue
            # being put together): then the issue, and the bar says it is built.
            page.wait_for_function(f"Number(document.body.dataset.generation) > {generation}"
                                   " && !document.querySelector('#status .building')",
                                   timeout=60_000)
            assert "rebuilding" not in page.inner_text("#status")
            # Unchanged pages keep their image's address: the browser keeps the image.
            after = page.evaluate(sources)
            kept = [n for n in after if n not in page.evaluate(
                "[...document.querySelectorAll('figure.page.changed')].map(f => f.dataset.page)")]
            assert kept and all(after[n] == sources_before[n] for n in kept)
            changed = page.locator("figure.page.changed")
            assert changed.count() >= 1
            assert page.evaluate("window.scrollY") == 1500          # the reader's place
            number = changed.first.get_attribute("data-page")
            assert page.get_attribute(f"#page-{number} img", "src") != before or number != "5"
            assert page.locator("figure.page:not(.changed)").count() >= 10
            # A mistake: a banner naming file and line, the last good pages still there.
            article.write_text(good.replace("title: 창간호를 펴내며", "title: [창간호"),
                               encoding="utf-8")
            page.wait_for_selector("[role=alert]", timeout=60_000)
            assert re.search(rf"{EDITORS_KO}:\d+", page.inner_text("[role=alert]"))
            # Scrolled down the issue, the reader sees it in the bar at the top.
            assert page.evaluate("window.scrollY") == 1500
            bar = page.locator("#alert a").bounding_box()
            assert bar is not None and 0 <= bar["y"] < 60
            assert "1 problem" in page.inner_text("#alert")
            assert page.locator("figure.page img").count() == pages
            article.write_text(good, encoding="utf-8")
            page.wait_for_selector("[role=alert]", state="detached", timeout=60_000)
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def test_pages_whose_streams_changed_but_not_their_look_are_not_marked(tmp_path: Path):
    import io

    import pikepdf
    from weasyprint import HTML

    from folio.preview.pages import changed_pages, page_keys
    before = HTML(string="<p>one</p><p style='break-before: page'>two</p>").write_pdf()
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(before)) as pdf:
        pdf.save(buffer, compress_streams=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    same_look = buffer.getvalue()
    assert page_keys(before) != page_keys(same_look)
    assert changed_pages(before, same_look)[0] == frozenset()
    after = HTML(string="<p>one</p><p style='break-before: page'>three</p><p "
                        "style='break-before: page'>four</p>").write_pdf()
    changed, keys = changed_pages(before, after)
    assert changed == {2, 3} and keys == page_keys(after)
    # The keys kept from the last rebuild stand for the PDF they were made from.
    assert changed_pages(after, before, keys)[0] == {2}


def test_pages_of_pieces_laid_out_again_are_marked_at_once_then_looked_at(tmp_path: Path):
    """An issue built by parts: the pages whose piece and drawing changed are shown
    marked at once; comparing their pixels, after, unmarks those that look the same."""
    import io

    import pikepdf
    from weasyprint import HTML

    from folio.preview.pages import changed_pages
    from folio.preview.state import DocumentState, Snapshot, Tracker, with_looks

    def uncompressed(pdf: bytes) -> bytes:     # other streams, the same look
        buffer = io.BytesIO()
        with pikepdf.open(io.BytesIO(pdf)) as document:
            document.save(buffer, compress_streams=False,
                          stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
        return buffer.getvalue()
    before = HTML(string="<p>one</p><p style='break-before: page'>two</p>"
                         "<p style='break-before: page'>end</p>").write_pdf()
    after = uncompressed(HTML(string="<p>one</p><p style='break-before: page'>three</p>"
                                     "<p style='break-before: page'>end</p>").write_pdf())
    known, sources = ["a1", "a2", "b"], ["a1'", "a2'", "b"]     # piece a laid out again
    marked, keys = changed_pages(before, after, known, sources, look=False)
    assert marked == {1, 2} and keys == sources                 # page 3: its piece is kept
    assert changed_pages(before, after, known, sources)[0] == {2}

    pdf = tmp_path / "issue.pdf"
    shown = Snapshot(3, (DocumentState("en", "issue", "Issue", pdf, changed=marked,
                                       looked=False, version=7),))
    tracker = Tracker(to_look={pdf: (7, before, after)})
    looked = with_looks(shown, 4, tracker)
    assert looked is not None and looked.generation == 4
    assert looked.documents[0].changed == {2} and looked.documents[0].looked
    assert with_looks(looked, 5, tracker) is None               # nothing left to look at
    # Marks of a PDF written since are not confirmed with the old one's pages.
    tracker.to_look[pdf] = (6, before, after)
    assert with_looks(shown, 4, tracker) is None


def test_page_images_let_a_replaced_pdf_go(tmp_path: Path):
    """The PDFs drawn from are kept open while they stay the same; a rebuild that
    replaced one, or the server stopping, closes them (no deleted file held)."""
    from weasyprint import HTML

    from folio.preview.pages import PageImages

    def held() -> list[str]:
        return [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                if os.path.exists(f"/proc/self/fd/{fd}")]
    pdf = tmp_path / "issue.pdf"
    HTML(string="<p>one</p>").write_pdf(pdf)
    images = PageImages()
    assert images.png(pdf, 1)[:4] == b"\x89PNG"
    replaced = tmp_path / "new.pdf"
    HTML(string="<p>two</p>").write_pdf(replaced)
    replaced.replace(pdf)
    assert any(name.endswith("issue.pdf (deleted)") for name in held())
    images.close([pdf])
    assert not any(name.startswith(str(pdf)) for name in held())
    assert images.png(pdf, 1)[:4] == b"\x89PNG"            # opened again, as it is now
    images.close()
    assert not any(name.startswith(str(pdf)) for name in held())


@pytest.mark.parametrize("arguments, code, said", [
    (["--port", "70000"], 2, "'70000' is not a port"),
    (["--port", "-1"], 2, "is not a port"),
    (["--host", "no.such.host.invalid", "--port", "0"], 1, "give --host an address"),
])
def test_bad_serve_options_are_one_clear_error(tiny: Path, arguments, code, said):
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--root",
                           str(tiny), *arguments], capture_output=True, text=True, timeout=60)
    assert done.returncode == code and said in done.stderr and "Traceback" not in done.stderr


def test_serve_without_a_publication_says_so_before_listening(tmp_path: Path):
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--root",
                           str(tmp_path / "nowhere"), "--port", "0"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and "serving" not in done.stdout
    assert "no publication.yaml" in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_is_one_clear_error(tiny: Path):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--root",
                               str(tiny), "--port", str(port)], capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "choose another --port" in done.stderr


# -- the changed pages first -------------------------------------------------------------

def _rendered(pdf: Path, number: int, dpi: int = 72):
    import pypdfium2
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return document[number - 1].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def _pixels_off(png: bytes, image) -> int:
    """How many pixels inked in one of the two have no ink near them in the other
    (all of them if their sizes differ): the same text drawn with other fonts'
    hinting (the issue's fonts are merged) only inks a little more or less."""
    import io

    from PIL import Image, ImageChops, ImageFilter
    shown = Image.open(io.BytesIO(png))
    if shown.size != image.size:
        return image.size[0] * image.size[1]
    dark = [ImageChops.invert(picture.convert("L")) for picture in (shown, image)]
    inked = [d.point(lambda value: 255 if value > 96 else 0) for d in dark]
    near = [d.point(lambda value: 255 if value > 24 else 0).filter(ImageFilter.MaxFilter(3))
            for d in dark]
    return sum(ImageChops.subtract(inked[a], near[1 - a]).histogram()[255] for a in (0, 1))


def _looks_alike(png: bytes, image) -> bool:
    """The two drawn the same, but for antialiasing and hinting (a page's folio and
    "Cite this article" line missing are some 100 pixels at 72 dpi)."""
    return _pixels_off(png, image) <= 0.00002 * image.size[0] * image.size[1]


def _watch_early(live: Live, name: tuple[str, str], dpi: int = 72) -> list:
    """Each snapshot published while the build runs and before the issue ``name`` is
    written, that shows changed pages of it: (its state, the PDF's version on disk
    then, the changed pages' images as served then)."""
    seen: list = []
    publish = live.publish

    def spy(snapshot, building=None) -> None:
        document = snapshot.document(*name)
        if building is None and live.building and document is not None and document.changed:
            seen.append((document, document.pdf.stat().st_mtime_ns, {
                number: live.images.png(document.pdf, number, dpi,
                                        drawing=document.drawing(number))
                for number in document.changed}))
        publish(snapshot, building)
    live.publish = spy                  # type: ignore[method-assign]
    return seen


def test_an_edit_shows_its_pages_before_the_issue_is_written_as_it_will_be(session):
    """The edited article's pages are published from its piece and stamps while the
    issue is still being put together, and look as the written issue's pages do."""
    rebuilder, _, _ = session
    live = rebuilder.live
    name = ("en", "journal-2024-no2")
    before = live.snapshot.document(*name)
    assert before is not None
    old = {n: _rendered(before.pdf, n) for n in range(1, before.pages + 1)}
    seen = _watch_early(live, name)
    article = rebuilder.options.root / FIRST_EN
    article.write_text(article.read_text(encoding="utf-8").replace(
        "solve local problems.", "solve local problems, together."), encoding="utf-8")
    rebuilder.rebuild()
    assert len(seen) == 1, "no page shown before the issue was written"
    early, version_then, images = seen[0]
    assert version_then == before.version           # the issue was not written yet
    assert 1 not in early.changed                   # the article's pages, not the cover
    after = live.snapshot.document(*name)
    assert after is not None and after.version != before.version
    assert after.pages == before.pages
    for number, png in images.items():
        assert png is not None
        assert after.page_keys[number - 1] == early.page_keys[number - 1]
        assert _looks_alike(png, _rendered(after.pdf, number))
    assert any(_pixels_off(png, old[n]) for n, png in images.items())    # the edit shows
    # What is served after is the written page (the image drawn early is kept).
    for number in range(1, after.pages + 1):
        assert _looks_alike(live.images.png(after.pdf, number, 72,
                                            drawing=after.drawing(number)),
                            _rendered(after.pdf, number))


def test_an_edit_that_moves_the_pages_after_it_ends_with_the_issue_as_written(session):
    """An article grown by pages: its pages may show first, the pages after it move
    once the issue is written, and every page served is then the written one."""
    import pikepdf
    rebuilder, _, _ = session
    live = rebuilder.live
    name = ("en", "journal-2024-no2")
    before = live.snapshot.document(*name)
    assert before is not None
    seen = _watch_early(live, name)
    article = rebuilder.options.root / FIRST_EN
    text = article.read_text(encoding="utf-8")
    article.write_text(text + "\n\n" + "\n\n".join(
        ["Creative cities solve local problems with their people. " * 12] * 12) + "\n",
        encoding="utf-8")
    rebuilder.rebuild()
    after = live.snapshot.document(*name)
    assert after is not None
    with pikepdf.open(after.pdf) as written:
        assert after.pages == len(written.pages) > before.pages
    assert seen                                    # its pages were shown first
    for _, version_then, images in seen:
        assert version_then == before.version
        assert all(number <= before.pages for number in images)
    for number in range(1, after.pages + 1):
        assert _looks_alike(live.images.png(after.pdf, number, 72,
                                            drawing=after.drawing(number)),
                            _rendered(after.pdf, number)), f"page {number}"
