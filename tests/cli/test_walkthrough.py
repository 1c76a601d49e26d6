"""The README's "Your first publication in ten minutes", step by step: its commands,
read from the README in their order, run as written, with the edits it describes
between them; each step's result read back."""

from __future__ import annotations

import glob
import re
import shlex
import subprocess
from pathlib import Path

from helpers import REPO, pdftotext

from folio.cli import main

SECTION = "## Your first publication in ten minutes"
PROGRAMME = """\
- title: {ko: 도자기 공방, en: Pottery Workshop}
  place: {ko: 진주 공예관, en: Jinju Craft Hall}
  description: {ko: 흙으로 그릇을 빚습니다., en: Shape a bowl from clay.}
  date: 2026-05-17
  time: "14:00"
- title: {ko: 비단 염색, en: Silk Dyeing}
  description: {ko: 비단을 물들입니다., en: Dye silk.}
"""


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def _folio(line: str, capsys) -> tuple[int, str, str]:
    words = shlex.split(line)
    assert words[:2] == ["python", "build.py"], line
    arguments = [match for word in words[2:]
                 for match in (sorted(glob.glob(word)) if "*" in word else [word])]
    code = main(arguments)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_readme_walkthrough(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in (("GIT_AUTHOR_NAME", "Editor"), ("GIT_COMMITTER_NAME", "Editor"),
                        ("GIT_AUTHOR_EMAIL", "e@example.org"),
                        ("GIT_COMMITTER_EMAIL", "e@example.org")):
        monkeypatch.setenv(name, value)
    steps = iter(_commands())
    root = tmp_path / "my-journal"

    # 1. Create it, and it builds on the first try.
    code, out, err = _folio(next(steps), capsys)
    assert code == 0 and "created my-journal" in out, err
    code, out, err = _folio(next(steps), capsys)
    assert code == 0, err
    [issue] = (root / "content/journal").iterdir()
    journal = f"journal-{issue.name}.pdf"
    assert "진주 공예 저널" in pdftotext(root / "output/ko" / journal)
    assert "Jinju Craft Journal" in pdftotext(root / "output/en" / journal)
    assert (root / "output/bilingual/notice-welcome.pdf").is_file()

    # 2. Write: the Korean article and the cover's kicker.
    article = issue / "welcome.ko.md"
    article.write_text(article.read_text("utf-8").replace(
        "이 글은 새 저널의 첫 글입니다.", "진주의 공예를 세계에 알리는 저널을 엽니다."),
        encoding="utf-8")
    config = root / "publication.yaml"
    text = config.read_text("utf-8")
    assert 'kicker: {ko: "국제저널", en: "International Journal"}' in text
    config.write_text(text.replace('kicker: {ko: "국제저널", en: "International Journal"}',
                                   'kicker: {ko: "공예 연구", en: "Craft Studies"}'),
                      encoding="utf-8")
    code, out, err = _folio(next(steps), capsys)                       # status
    assert code == 0 and "stale" in out, out + err
    code, out, err = _folio(next(steps), capsys)                       # --draft
    assert code == 0, err
    assert (root / "output/en" / journal.replace(".pdf", ".draft.pdf")).is_file()
    assert "공예 연구" in pdftotext(root / "output/ko" / journal)

    translation = issue / "welcome.en.md"
    translation.write_text(translation.read_text("utf-8").replace(
        "This is the first article of the new journal.",
        "We open a journal that makes Jinju's crafts known to the world."), encoding="utf-8")
    code, out, err = _folio(next(steps), capsys)                       # i18n mark
    assert code == 0 and "marked" in out, err
    code, out, err = _folio(next(steps), capsys)                       # final build
    assert code == 0, err
    english = pdftotext(root / "output/en" / journal)
    assert "crafts known to the world" in english and "CRAFT STUDIES" in english
    assert "진주의 공예를 세계에 알리는" in pdftotext(root / "output/ko" / journal)
    assert not list((root / "output").rglob("*.draft.pdf"))

    # 3. Handouts, four to a sheet.
    (root / "programme.yaml").write_text(PROGRAMME, encoding="utf-8")
    code, out, err = _folio(next(steps), capsys)
    assert code == 0, err
    handouts = root / "output/handouts/programme"
    sheet = pdftotext(handouts / "programme.4up-A4.pdf")
    assert "Pottery Workshop" in sheet and "비단 염색" in sheet
    assert (handouts / "programme.contact.png").is_file()

    # 4. Keep it: the sources are committed, nothing the build made.
    subprocess.run(next(steps), shell=True, check=True, capture_output=True)
    committed = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True,
                               text=True, check=True).stdout.split()
    assert "publication.yaml" in committed and "programme.yaml" in committed
    assert not [f for f in committed if f.startswith("output/") or ".folio" in f]
    assert next(steps, None) is None                  # every step of the README was run
