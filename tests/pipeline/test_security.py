"""The build reads only the publication's own files: no network, nothing outside its root."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from helpers import REPO

from folio.errors import BuildError
from folio.pipeline.run import BuildOptions, build

NOTICE = "content/notices/open-day.en.md"
BUNDLED_TEMPLATES = REPO / "templates"


def build_notice(root: Path, **options) -> list[str]:
    """Build the English notice; the problems, or [] when it was written."""
    try:
        build(BuildOptions(root=root, languages=("en",), only=("notice-open-day",), jobs=1,
                           **options))
    except BuildError as error:
        return [p.format(root) for p in error.problems]
    return []


def template_with(root: Path, markup: str) -> None:
    """A publication template that asks WeasyPrint for ``markup``'s resource."""
    (root / "templates").mkdir(exist_ok=True)
    text = (BUNDLED_TEMPLATES / "notice.html.j2").read_text(encoding="utf-8")
    (root / "templates/notice.html.j2").write_text(
        text.replace('{% include "notice_half.html.j2" %}',
                     markup + '\n{% include "notice_half.html.j2" %}'), encoding="utf-8")


def body(root: Path, text: str) -> None:
    (root / NOTICE).write_text(f"---\ntitle: Open Day\n---\n{text}\n", encoding="utf-8")


@pytest.fixture
def server():
    """A local HTTP server that records every request it receives."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()


@pytest.mark.parametrize("markup", [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    '<img src="../../../../../../etc/passwd">',
])
def test_templates_cannot_read_outside_the_root(tiny: Path, markup):
    template_with(tiny, markup)
    problems = build_notice(tiny)
    assert len(problems) == 1
    assert problems[0].startswith(f"{NOTICE}: en/notice-open-day.pdf: refused to read "
                                  "'/etc/passwd' is outside the publication folder")
    assert not (tiny / "output/en/notice-open-day.pdf").exists()


def test_templates_cannot_reach_the_network(tiny: Path, server):
    url, requests = server
    template_with(tiny, f'<img src="{url}/logo.png">')
    problems = build_notice(tiny)
    assert problems == [f"{NOTICE}: en/notice-open-day.pdf: refused to read '{url}/logo.png' "
                        "is not a file of the publication — use files inside the "
                        "publication folder"]
    assert requests == []


def test_markdown_images_cannot_reach_the_network(tiny: Path, server):
    url, requests = server
    body(tiny, f"Look: ![logo]({url}/logo.png)")
    problems = build_notice(tiny)
    assert problems[0].startswith(f"{NOTICE}:4: image '{url}/logo.png' is not a file of the "
                                  "publication — the build reads nothing from the network")
    assert requests == []


def test_markdown_images_cannot_climb_out(tiny: Path, tmp_path: Path):
    (tmp_path / "outside.png").write_bytes(b"\x89PNG")
    body(tiny, "![A photograph](../../../outside.png)")
    assert build_notice(tiny) == [f"{NOTICE}:4: image '../../../outside.png' points outside "
                                  "the publication — copy the file into content/assets/"]


def test_a_symlink_to_outside_is_refused(tiny: Path, tmp_path: Path):
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (tiny / "content/assets/innocent.svg").symlink_to(secret)
    body(tiny, "![A drawing](innocent.svg)")
    assert build_notice(tiny) == [f"{NOTICE}:4: image 'innocent.svg' points outside the "
                                  "publication — copy the file into content/assets/"]
    # And from a template, where no Markdown check runs first: the fetcher refuses it.
    body(tiny, "Welcome.")
    template_with(tiny, '<img src="content/assets/innocent.svg">')
    [problem] = build_notice(tiny)
    assert f"refused to read '{secret}' is outside the publication folder" in problem


def test_script_never_reaches_the_html(tiny: Path):
    body(tiny, "Hi <script>alert(1)</script> <img src=x onerror=alert(2)>")
    problems = build_notice(tiny, keep_html=True)
    assert problems and all("raw HTML is not allowed here" in p for p in problems)
    assert not (tiny / "output/en/notice-open-day.html").exists()

    config = tiny / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "allow_html: true\n",
                      encoding="utf-8")
    body(tiny, "Hi <script>alert(1)</script> <b onmouseover=alert(2)>there</b>")
    assert build_notice(tiny, keep_html=True) == []
    html = (tiny / "output/en/notice-open-day.html").read_text(encoding="utf-8")
    assert "<b>there</b>" in html
    assert "<script" not in html and "alert" not in html and "onmouseover" not in html
