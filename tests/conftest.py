"""Fixtures: tiny publications written into temporary folders, and PDF readers."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


_SAVED_CACHE_HOME = os.environ.get("XDG_CACHE_HOME")


def pytest_configure(config):
    """folio's caches (fonts, prepared faces, WeasyPrint's C declarations) go to a
    folder of the test run, not ~/.cache. WeasyPrint is imported now, before the
    test modules, the way a build imports it (see folio/ffi_cache.py)."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="folio-test-cache-")
    from folio.ffi_cache import import_weasyprint
    import_weasyprint()


def pytest_unconfigure(config):
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    if _SAVED_CACHE_HOME is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = _SAVED_CACHE_HOME

PUBLICATION_YAML = """\
title: {ko: 시험 저널, en: Test Journal}
languages: [ko, en]
source_language: en
page_size: A4
fonts:
  ko: {serif: [Noto Serif CJK KR, Noto Serif], sans: [Noto Sans CJK KR, Noto Sans]}
  en: {serif: [Noto Serif, Noto Serif CJK KR], sans: [Noto Sans, Noto Sans CJK KR]}
"""

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20">'
        '<circle cx="10" cy="10" r="8" fill="#1f2a5a"/></svg>')

ISSUE_YAML = """\
volume: 3
number: 2
date: 2024-05-17
printed: 2024-05-10
title: {ko: 공예와 도시, en: Crafts and the City}
issn: "0000-0000"
publisher: {ko: 시험 발행처, en: Test Publisher}
copyright: {ko: "© 2024 시험", en: "© 2024 Test"}
editors:
  - role: {ko: 편집장, en: Editor-in-Chief}
    name: {ko: 홍길동, en: Hong Gildong}
sections:
  - title: {ko: 논문, en: Articles}
    articles: [first, second]
"""


def article(title: str, body: str, **fields) -> str:
    front = {"title": title, **fields}
    lines = ["---"]
    for key, value in front.items():
        lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n" + textwrap.dedent(body).lstrip("\n")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A two-language publication: one issue of two articles, one notice."""
    return make_tiny(tmp_path)


def make_tiny(folder: Path) -> Path:
    """The ``tiny`` publication in ``folder``/pub, for module-scoped fixtures too."""
    root = folder / "pub"
    issue = root / "content/journal/2024-no2"
    (root / "content/notices").mkdir(parents=True)
    (root / "content/assets").mkdir(parents=True)
    issue.mkdir(parents=True)
    (root / "content/assets/logo.svg").write_text(LOGO, encoding="utf-8")
    (root / "publication.yaml").write_text(PUBLICATION_YAML, encoding="utf-8")
    (issue / "issue.yaml").write_text(ISSUE_YAML, encoding="utf-8")
    texts = {
        ("first", "en"): article("First Article", "Creative cities solve local problems.\n",
                                 authors='[{name: Kim, affiliation: Jinju University}]'),
        ("first", "ko"): article("첫 논문", "창의도시는 지역의 문제를 스스로 해결하려고 노력한다.\n",
                                 authors='[{name: 김, affiliation: 진주대학교}]'),
        ("second", "en"): article("Second Article", "Cities share their cultural assets.\n"),
        ("second", "ko"): article("둘째 논문", "도시는 문화 자산을 나눈다.\n"),
    }
    for (slug, lang), text in texts.items():
        (issue / f"{slug}.{lang}.md").write_text(text, encoding="utf-8")
    for lang, title, body in (("en", "Open Day", "Visitors are welcome.\n"),
                              ("ko", "공개의 날", "방문을 환영합니다.\n")):
        (root / f"content/notices/open-day.{lang}.md").write_text(
            article(title, body, date="2024-06-01", place="Jinju"), encoding="utf-8")
    return root


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdffonts(path: Path) -> list[dict]:
    """pdffonts' table as dicts: name, type, emb, sub."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    rows = []
    for line in out:
        parts = line.split()
        # name type... encoding emb sub uni object-id gen
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows
