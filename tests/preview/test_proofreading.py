"""The preview as a proofreader uses it: ``serve --draft`` (a translation out of
date shown with its draft band, and still updating), problems always in view, and
pages large enough to read, with zoom."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from helpers import copy_publication, pdftotext

from folio.cli import main
from folio.config.options import BuildOptions
from folio.preview.server import Live, make_server, serve_in_thread
from folio.preview.watch import Rebuilder

FIRST_EN = "content/journal/2024-no2/first.en.md"
FIRST_KO = "content/journal/2024-no2/first.ko.md"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8", "replace")


def _session(root: Path, draft: bool):
    live = Live()
    rebuilder = Rebuilder(BuildOptions(root=root, jobs=1, draft=draft), live,
                          report=lambda line: None)
    rebuilder.rebuild()
    server = make_server(live, "127.0.0.1", 0)
    stop = serve_in_thread(server)
    return rebuilder, live, f"http://127.0.0.1:{server.server_address[1]}", stop


@pytest.fixture
def stale(tiny_built: Path, tmp_path: Path, capsys) -> Path:
    """The tiny publication, its Korean article marked as translating the English
    one; then the English one corrected: Korean is out of date."""
    root = copy_publication(tiny_built, tmp_path)
    assert main(["i18n", "mark", "--root", str(root), str(root / FIRST_KO)]) == 0
    capsys.readouterr()
    return root


def _fix_a_typo(root: Path, name: str, old: str, new: str) -> None:
    article = root / name
    assert old in article.read_text("utf-8")
    article.write_text(article.read_text("utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("draft", [False, True])
def test_serve_draft_keeps_an_out_of_date_translation_updating(stale: Path, draft: bool):
    rebuilder, live, base, stop = _session(stale, draft)
    try:
        _fix_a_typo(stale, FIRST_EN, "solve local problems.", "solve their local problems.")
        rebuilder.rebuild()
        state = json.loads(_get(base + "/state.json"))
        # The Korean article is now out of date; its proofreader fixes a typo in it.
        _fix_a_typo(stale, FIRST_KO, "노력한다.", "늘 애쓴다.")
        rebuilder.rebuild()
        again = json.loads(_get(base + "/state.json"))
        pdfs = [d.pdf for d in live.snapshot.documents
                if d.lang == "ko" and d.name.startswith("journal-2024-no2")]
        if not draft:                  # as before: the Korean issue stops, with a banner
            assert any("has changed since this was translated" in p
                       for p in state["problems"] + again["problems"])
            assert "늘 애쓴다" not in pdftotext(stale / "output/ko/journal-2024-no2.pdf")
            return
        assert state["problems"] == [] and again["problems"] == []
        [pdf] = pdfs
        assert pdf.name == "journal-2024-no2.draft.pdf"
        text = pdftotext(pdf)
        assert "번역 중" in text                                # its draft band
        assert "늘 애쓴다" in text                               # and it updates
        [name] = [d.name for d in live.snapshot.documents
                  if d.lang == "ko" and d.name.startswith("journal-2024-no2")]
        assert "/page/ko/" in _get(f"{base}/doc/ko/{name}")
    finally:
        live.stop()
        stop()


def test_serve_takes_draft(tiny: Path, capsys):
    """``serve --draft`` is an option (it was refused as unrecognised)."""
    from folio.cli.serve_command import _parser
    assert _parser().parse_args(["--draft"]).draft is True


def test_problems_stay_in_view_in_a_sticky_bar(built_tiny: Path):
    rebuilder, live, base, stop = _session(built_tiny, False)
    try:
        page = _get(base + "/doc/en/journal-2024-no2")
        assert re.search(r"header\s*\{[^}]*position:\s*sticky", page)
        assert 'id="alert"' in page and "problem" not in _alert(page)
        article = built_tiny / FIRST_EN
        good = article.read_text("utf-8")
        article.write_text(good.replace("title: First Article", "title: [First"), "utf-8")
        rebuilder.rebuild()
        page = _get(base + "/doc/en/journal-2024-no2")
        assert "1 problem" in _alert(page) and "last good" in _alert(page)
        assert 'href="#problems"' in _alert(page)
        assert 'id="problems"' in page
    finally:
        live.stop()
        stop()


def _alert(page: str) -> str:
    match = re.search(r'<span id="alert"[^>]*>(.*?)</span><!--alert-->', page, re.S)
    assert match, page[:2000]
    return match[1]


def test_pages_are_large_and_zoom(built_tiny: Path):
    rebuilder, live, base, stop = _session(built_tiny, False)
    try:
        page = _get(base + "/doc/en/journal-2024-no2")
        widths = {int(w) for w in re.findall(r'<img src="/page/[^"]+" alt="page \d+" '
                                             r'width="(\d+)"', page)}
        assert widths == {600}                          # was 420 px: too small to read
        zoomed = _get(base + "/doc/en/journal-2024-no2?zoom=2")
        assert {int(w) for w in re.findall(r'alt="page \d+" width="(\d+)"', zoomed)} == {1200}
        [image] = re.findall(r'<img src="(/page/en/journal-2024-no2/1\.png[^"]*)"', zoomed)
        assert "dpi=192" in image.replace("&amp;", "&")
        import io

        from PIL import Image
        with urllib.request.urlopen(base + image.replace("&amp;", "&"), timeout=30) as r:
            png = Image.open(io.BytesIO(r.read()))
        assert png.width >= 1500                        # A4 at 192 dpi: 1587 px
        assert 'href="?zoom=' in zoomed                  # the zoom controls
        assert _get(base + "/doc/en/journal-2024-no2?zoom=9").count('width="') > 0
    finally:
        live.stop()
        stop()


def test_each_page_names_the_file_its_text_is_written_in(built_tiny: Path):
    """Cover, board and contents: issue.yaml; then each article from its first page
    (pdftotext says which page shows which title)."""
    live = Live()
    Rebuilder(BuildOptions(root=built_tiny, jobs=1), live, report=lambda line: None).rebuild()
    server = make_server(live, "127.0.0.1", 0, editor="vscode://file/{path}:{line}",
                         root=built_tiny)
    stop = serve_in_thread(server)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        page = _get(base + "/doc/en/journal-2024-no2")
        found = dict(re.findall(r'id="page-(\d+)".*?data-file="([^"]+)"', page, re.S))
        pdf = built_tiny / "output/en/journal-2024-no2.pdf"
        texts = pdftotext(pdf).split("\f")
        first = next(n for n, t in enumerate(texts, 1) if "Creative cities solve" in t)
        second = next(n for n, t in enumerate(texts, 1) if "Cities share their" in t)
        assert found["1"] == "content/journal/2024-no2/issue.yaml"
        assert found[str(first)] == "content/journal/2024-no2/first.en.md"
        assert found[str(second)] == "content/journal/2024-no2/second.en.md"
        link = f'href="vscode://file/{built_tiny.resolve()}/content/journal/2024-no2/first.en.md:1"'
        assert link in page
    finally:
        live.stop()
        stop()
