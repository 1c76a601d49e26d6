"""What the tests share that is not a fixture: tiny publications written into
folders, PDF readers, veraPDF, the sample's names. Fixtures are in conftest.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MM = 72 / 25.4                                  # PDF points per millimetre
SAMPLE_ISSUE = "journal-2022-vol1-no1"          # the bundled sample's issue


def _verapdf():
    from folio.production.preflight import verapdf_command
    return verapdf_command()


VERAPDF = _verapdf()
needs_verapdf = pytest.mark.skipif(
    VERAPDF is None, reason="veraPDF is not installed: set FOLIO_VERAPDF to its command "
                            "or put verapdf on PATH (.ci/run does)")


def run_verapdf(flavour: str, files: list[Path]) -> None:
    """veraPDF's verdict on every file, each of which must pass."""
    done = subprocess.run([*VERAPDF, "--flavour", flavour, "--format", "text",
                           *map(str, files)], capture_output=True, text=True, timeout=600)
    verdicts = re.findall(r"^(PASS|FAIL) (\S+)", done.stdout, re.M)
    assert len(verdicts) == len(files), done.stdout + done.stderr
    failed = [name for verdict, name in verdicts if verdict == "FAIL"]
    assert not failed, f"veraPDF {flavour} rejects: {failed}"
    assert done.returncode == 0


def worker() -> bool:
    """Whether this process is a pytest-xdist worker (not the one that started them)."""
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def made_once(tmp_path_factory, name: str, make: Callable[[Path], object]) -> Path:
    """A folder ``make(folder)`` fills once per test run, whichever worker asks first
    (the others wait for it, then share it): a build several modules read is not
    made again on each of the run's workers. Read-only to the tests."""
    import fcntl
    base = tmp_path_factory.getbasetemp()
    if worker():
        base = base.parent                      # the run's folder, above the workers'
    folder, done = base / f"once-{name}", base / f"once-{name}.done"
    with open(base / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


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


def copy_publication(source: Path, folder: Path) -> Path:
    """A copy of a publication folder (its output and manifest too) in ``folder``/pub:
    a test may change it as it likes; the build made once stays as it was."""
    target = folder / "pub"
    shutil.copytree(source, target, symlinks=True)
    return target


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
        ("first", "ko"): article("첫 논문",
                                 "창의도시는 지역의 문제를 스스로 해결하려고 노력한다.\n",
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


def gradient_png(width: int, height: int) -> bytes:
    """An RGB PNG with a colour gradient, made with Pillow."""
    import io

    from PIL import Image
    image = Image.new("RGB", (width, height))
    image.putdata([(40 + x * 200 // width, 90, 60 + y * 180 // height)
                   for y in range(height) for x in range(width)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


RICH_ARTICLE_EN = """\
---
title: Crafts in the City
authors: [{name: Kim Minji, affiliation: Jinju University}, {name: Lee Jun}]
abstract: How crafts shape a creative city.
keywords: [crafts, city]
---
Crafts and folk art are part of daily life in Jinju.[^silk] The city's name for
them is [공예와 민속예술]{lang=ko}.

## Member cities

| City | Field | Year |
| --- | --- | --- |
| Icheon | Crafts and Folk Art | 2010 |
| Gimhae | Crafts and Folk Art | 2021 |

### Two figures

![A drawn map of the river and its bridges.](figures/map.svg)

![A colour gradient standing in for a photograph.](figures/photo.png)

[^silk]: Jinju silk has been made along the Nam River for centuries.
"""

RICH_ARTICLE_KO = """\
---
title: 도시의 공예
authors: [{name: 김민지, affiliation: 진주대학교}, {name: 이준}]
abstract: 공예가 창의도시를 어떻게 만드는가.
keywords: [공예, 도시]
---
공예와 민속예술은 진주 사람들의 일상이다.[^silk] 영어로는 [Crafts and
Folk Art]{lang=en-US}라고 한다.

## 회원 도시

| 도시 | 분야 | 연도 |
| --- | --- | --- |
| 이천 | 공예와 민속예술 | 2010 |
| 김해 | 공예와 민속예술 | 2021 |

### 그림 두 점

![강과 다리를 그린 지도.](figures/map.svg)

![사진 대신 넣은 색 그러데이션.](figures/photo.png)

[^silk]: 진주 비단은 수백 년 동안 남강 가에서 만들어졌다.
"""

RICH_DIALOGUE = {
    "en": """\
---
type: dialogue
title: A Conversation on Crafts
speakers: [{id: kim, name: Kim Minji}, {id: lee, name: Lee Jun}]
---
kim: What makes a city creative?

lee: Its people, and what they make with their hands.
""",
    "ko": """\
---
type: dialogue
title: 공예에 관한 대담
speakers: [{id: kim, name: 김민지}, {id: lee, name: 이준}]
---
kim: 도시를 창의적으로 만드는 것은 무엇인가요?

lee: 사람들, 그리고 그들이 손으로 만드는 것입니다.
""",
}

RICH_NOTICE = {
    "en": "---\ntitle: Craft Fair\ndate: 2024-09-01\nplace: Jinju\nbilingual: side-by-side\n"
          "---\nThe craft fair opens on the river bank.\n\nEveryone is welcome.\n",
    "ko": "---\ntitle: 공예 장터\ndate: 2024-09-01\nplace: 진주\nbilingual: side-by-side\n"
          "---\n공예 장터가 강가에서 열린다.\n\n누구나 환영한다.\n",
}

RICH_ISSUE = """\
volume: 4
number: 1
date: 2024-11-01
printed: 2024-10-20
title: {ko: 공예, en: Crafts}
issn: "0000-0000"
publisher: {ko: 시험 발행처, en: Test Publisher}
editors:
  - role: {ko: 편집장, en: Editor-in-Chief}
    name: {ko: 홍길동, en: Hong Gildong}
sections:
  - title: {ko: 논문, en: Articles}
    articles: [crafts]
  - title: {ko: 대담, en: Dialogue}
    articles: [conversation]
"""

MAP_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" '
           'height="100"><title>Map</title><rect width="200" height="100" fill="#eef0f6"/>'
           '<path d="M0 60 C50 40 150 80 200 50" stroke="#1f2a5a" stroke-width="6" '
           'fill="none"/><circle cx="100" cy="55" r="8" fill="#c8553d" '
           'fill-opacity="0.7"/></svg>')


def make_rich(folder: Path) -> Path:
    """A publication with what the standards must hold for: Korean and English,
    footnotes, a table, an SVG and a PNG figure, a dialogue, a side-by-side notice."""
    root = make_tiny(folder)
    issue = root / "content/journal/2024-crafts"
    (issue / "figures").mkdir(parents=True)
    (issue / "issue.yaml").write_text(RICH_ISSUE, encoding="utf-8")
    (issue / "figures/map.svg").write_text(MAP_SVG, encoding="utf-8")
    (issue / "figures/photo.png").write_bytes(gradient_png(1800, 120))     # 300 dpi across the text
    (issue / "crafts.en.md").write_text(RICH_ARTICLE_EN, encoding="utf-8")
    (issue / "crafts.ko.md").write_text(RICH_ARTICLE_KO, encoding="utf-8")
    for lang, text in RICH_DIALOGUE.items():
        (issue / f"conversation.{lang}.md").write_text(text, encoding="utf-8")
    for lang, text in RICH_NOTICE.items():
        (root / f"content/notices/craft-fair.{lang}.md").write_text(text, encoding="utf-8")
    return root


ICC = "/usr/share/color/icc/ghostscript/default_cmyk.icc"
PROFILES = f"""
profiles:
  print: {{bleed: 3mm, crop_marks: true, variant: pdf/x-4, output_intent: {ICC}}}
  archive: {{variant: pdf/a-3b}}
  accessible: {{variant: pdf/ua-1}}
"""


def with_profiles(root: Path, extra: str = "") -> Path:
    """Add the print, archive and accessible profiles to a publication."""
    config = root / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + extra + PROFILES, encoding="utf-8")
    return root


def published(folder: Path, pattern: str = "*.pdf") -> list[Path]:
    """The files a build published under ``folder``: not its hidden caches
    (``.folio-parts/``), which hold pieces of issues, not documents."""
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and not any(part.startswith(".folio-")
                                             for part in p.relative_to(folder).parts[:-1]))


def pdfs(folder: Path) -> list[Path]:
    return published(folder)


def generated_issue(folder: Path, articles: int) -> Path:
    """A copy of the sample with an issue of ``articles`` long articles, made by the
    benchmark's generator (benchmarks/run.py), in ``folder/pub``."""
    import importlib.util
    path = REPO / "benchmarks/run.py"
    spec = importlib.util.spec_from_file_location("folio_benchmarks", path)
    assert spec and spec.loader, "the generated issue is the benchmark's (benchmarks/run.py)"
    benchmarks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmarks)
    return benchmarks._generated_issue(folder, "pub", articles)


def problems_of(root: Path, **options) -> list[str]:
    """The problems a build of ``root`` stops with (it must stop), as printed."""
    from folio.errors import BuildError
    from folio.pipeline.run import BuildOptions, build
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=root, jobs=1, **options))
    return [p.format(root) for p in caught.value.problems]
