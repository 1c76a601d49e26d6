"""Parsed Markdown kept on disk (content/markdown_cache.py): an unchanged article
is not parsed again, and nothing it would have found or read is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_rich

from folio.config.reading import publication_reader
from folio.content import markdown
from folio.pipeline.run import BuildOptions, load


@pytest.fixture
def rich(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return make_rich(tmp_path)


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The files markdown-it parses, in order."""
    seen: list[str] = []
    real = markdown._render_blocks

    def counting(source, problems):
        seen.append(Path(source.path).name)
        return real(source, problems)
    monkeypatch.setattr(markdown, "_render_blocks", counting)
    return seen


def _load(root: Path):
    _, publication = load(BuildOptions(root=root), publication_reader(root))
    return publication


def _crafts(publication):
    issue = next(i for i in publication.issues
                 if i.slug == "2024-crafts" and i.language.code == "ko")
    return issue.articles[0]


def test_an_unchanged_article_is_not_parsed_again(rich: Path, parsed: list[str]):
    first = _crafts(_load(rich))
    assert "crafts.ko.md" in parsed
    parsed.clear()
    again = _crafts(_load(rich))
    assert parsed == []
    assert again.body_html == first.body_html and again.texts == first.texts
    # What the parse read (the figures) is recorded for the manifest all the same.
    assert dict(again.inputs) == dict(first.inputs)
    assert any(name.endswith("figures/photo.png") for name, _ in again.inputs)
    (rich / "content/journal/2024-crafts/crafts.ko.md").write_text(
        (rich / "content/journal/2024-crafts/crafts.ko.md").read_text(encoding="utf-8")
        .replace("일상이다.", "일상이다. 더한 문장."), encoding="utf-8")
    parsed.clear()
    _load(rich)
    assert parsed == ["crafts.ko.md"]


def test_a_file_the_parse_looked_at_changes_the_answer(rich: Path, parsed: list[str]):
    _load(rich)
    (rich / "content/journal/2024-crafts/figures/map.svg").unlink()
    parsed.clear()
    publication = _load(rich)
    assert sorted(parsed) == ["crafts.en.md", "crafts.ko.md"]
    found = [p.format(rich) for _, p in publication.problems]
    assert any("map.svg" in message and "crafts.ko.md" in message for message in found)


def test_a_problem_is_reported_again_from_the_cache(rich: Path, parsed: list[str]):
    article = rich / "content/journal/2024-crafts/crafts.ko.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n![없는 그림](figures/gone.png)\n",
                       encoding="utf-8")
    first = sorted(p.format(rich) for _, p in _load(rich).problems)
    assert any("gone.png" in message for message in first)
    parsed.clear()
    again = sorted(p.format(rich) for _, p in _load(rich).problems)
    assert parsed == [] and again == first
