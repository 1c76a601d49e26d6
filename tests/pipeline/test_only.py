"""``--only`` reads only the documents it names (issue 35): a notice built alone
read and parsed every issue before, a second of work for a long journal."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import pdftotext

from folio.config.options import BuildOptions
from folio.content import loading
from folio.pipeline.run import build


def _loaded_issues(monkeypatch) -> list[str]:
    """The folders of the issues loaded from now on."""
    seen: list[str] = []
    real = loading._load_issue

    def spy(problems, config, reader, folder, language, draft=False):
        seen.append(f"{folder.name}/{language.code}")
        return real(problems, config, reader, folder, language, draft)
    monkeypatch.setattr(loading, "_load_issue", spy)
    return seen


def _second_issue(root: Path) -> None:
    issue = root / "content/journal/2024-no3"
    shutil.copytree(root / "content/journal/2024-no2", issue)
    yaml = issue / "issue.yaml"
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(text.replace("number: 2", "number: 3"), encoding="utf-8")
    assert text != yaml.read_text(encoding="utf-8")


def test_a_notice_built_alone_loads_no_issue(tiny: Path, monkeypatch):
    seen = _loaded_issues(monkeypatch)
    [result] = build(BuildOptions(root=tiny, languages=("en",), only=("notice-open-day",),
                                  jobs=1))
    assert seen == []
    assert "Visitors are welcome." in pdftotext(result.output)


def test_an_issue_built_alone_loads_only_that_issue(tiny: Path, monkeypatch):
    _second_issue(tiny)
    seen = _loaded_issues(monkeypatch)
    [result] = build(BuildOptions(root=tiny, languages=("ko",), only=("ko/journal-2024-no3",),
                                  jobs=1))
    assert seen == ["2024-no3/ko"]
    assert result.output.name == "journal-2024-no3.pdf"
    assert "창의도시는" in pdftotext(result.output)
    seen.clear()
    build(BuildOptions(root=tiny, languages=("ko",), jobs=1))           # every one
    assert sorted(seen) == ["2024-no2/ko", "2024-no3/ko"]
