"""Rendered Markdown kept on disk, so that an unchanged article is not parsed again.

Loading a 300-page issue spends most of its time in markdown-it; an editor's
rebuild after correcting one article needs the others parsed exactly as before.
An entry is keyed by the body, where it sits, the publication's settings and this
package's Markdown code; it keeps the HTML blocks, the printed texts, the
problems found, and every file the renderer looked at (an image, a linked file,
a place a file was looked for and not found). It is used only if each of those
files reads as it did then, each read again through the publication's Reader, so
that the build records them as it would have.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from folio import files as folio_files
from folio.config.reading import Reader, Record
from folio.content import citations, crossrefs, markdown
from folio.content.markdown import MarkdownSource, Rendered
from folio.content.model import SourceText
from folio.errors import BuildError, Problem, ProblemCollector
from folio.files import cache_root, digest, write_atomically

VERSION = "2"
FAILED = "failed"               # a read that raised: the problem it gave is kept


def render_markdown_blocks(source: MarkdownSource, problems: ProblemCollector) -> Rendered:
    """``source`` rendered one HTML string per top-level block, problems added to
    ``problems``: kept in the cache, since parsing is most of the time it takes to
    load a long issue, which every rebuild does. This module wraps the renderer
    (markdown.py), which knows nothing of it."""
    # Looked up on each call, so that a test can count the parses.
    return cached_render(source, problems, lambda text, found:
                         markdown._render_blocks(text, found))


def cached_render(source, problems: ProblemCollector, render: Callable):
    """``render(source, problems)``, or what it gave before for the same input."""
    key = _key(source)
    entry = _load(key)
    if entry is not None and _same_files(entry["files"], source):
        problems.problems.extend(Problem(p["message"], Path(p["path"]) if p["path"] else None,
                                         p["line"], p["column"], p["hint"])
                                 for p in entry["problems"])
        paths: dict[str, Path] = {}         # one Path per file: thousands of texts
        return Rendered(entry["blocks"], [
            SourceText(t, paths.get(path) or paths.setdefault(path, Path(path)), line)
            for t, path, line in entry["texts"]],
            [(ident, html) for ident, html in entry["references"]])
    files: list[tuple[str, str, str | bool]] = []
    watched = dataclasses.replace(source, reader=_Watching(source.reader, files)) \
        if source.reader is not None else source
    found = ProblemCollector()
    rendered = render(watched, found)
    problems.problems.extend(found.problems)
    if source.reader is not None:
        _store(key, {"blocks": rendered.blocks,
                     "texts": [(t.text, str(t.path), t.line) for t in rendered.texts],
                     "references": rendered.references,
                     "problems": [{"message": p.message, "path": str(p.path) if p.path else None,
                                   "line": p.line, "column": p.column, "hint": p.hint}
                                  for p in found.problems],
                     "files": files})
    return rendered


@lru_cache(maxsize=1)
def _code() -> str:
    from folio._compat import markdown as markdown_rules
    # _compat/markdown.py holds markdown-it rules of ours; files the normalisation
    # of the text.
    return digest(b"".join(Path(str(module.__file__)).read_bytes()
                           for module in (markdown, citations, crossrefs, markdown_rules,
                                          folio_files))
                  + Path(__file__).read_bytes())


def _key(source) -> str:
    return digest(json.dumps([VERSION, _code(), source.text, str(source.path), source.line_offset,
                              str(source.root), str(source.assets),
                              sorted(source.speakers.items()), source.allow_html,
                              source.language_tag, str(source.citation_style),
                              source.korean_first]).encode())


def _folder() -> Path:
    return cache_root() / "markdown"


_MEMORY: dict[str, dict] = {}        # entries this process read or wrote (the preview's)
_MEMORY_SIZE = 1024


def _load(key: str) -> dict | None:
    if key in _MEMORY:
        return _MEMORY[key]
    try:
        entry = json.loads((_folder() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _remember(key, entry)
    return entry


def _remember(key: str, entry: dict) -> None:
    if len(_MEMORY) >= _MEMORY_SIZE:
        _MEMORY.clear()
    _MEMORY[key] = entry


def _store(key: str, entry: dict) -> None:
    _remember(key, entry)
    try:
        write_atomically(_folder() / f"{key}.json",
                         json.dumps(entry, ensure_ascii=False).encode("utf-8"))
    except OSError:
        pass                    # a cache that cannot be written only costs time


def _same_files(files: list, source) -> bool:
    """Each file the renderer looked at, looked at again: the same answer?"""
    reader: Reader | None = source.reader
    if reader is None:
        return not files
    for kind, path, answer in files:
        if kind == "exists":
            if reader.exists(Path(path), source.record) != answer:
                return False
            continue
        try:
            now = digest(reader.read_bytes(Path(path), source.record))
        except BuildError:
            now = FAILED
        if now != answer:
            return False
    return True


class _Watching:
    """The Reader, noting what the renderer asks of it."""

    def __init__(self, reader: Reader, files: list):
        self._reader = reader
        self._files = files

    def exists(self, path: Path, record: Record | None = None) -> bool:
        answer = self._reader.exists(path, record)
        self._files.append(("exists", str(path), answer))
        return answer

    def read_bytes(self, path: Path, record: Record | None = None, *args, **kwargs) -> bytes:
        try:
            data = self._reader.read_bytes(path, record, *args, **kwargs)
        except BuildError:
            self._files.append(("read", str(path), FAILED))
            raise
        self._files.append(("read", str(path), digest(data)))
        return data

    def __getattr__(self, name):
        return getattr(self._reader, name)
