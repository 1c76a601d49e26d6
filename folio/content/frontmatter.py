"""Markdown files with YAML front matter: split once, remembering where the body starts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from folio.config.yamlio import parse_yaml
from folio.errors import BuildError


@dataclass(frozen=True)
class Document:
    """A Markdown file split into its front matter and body, with their first lines."""

    path: Path
    front_matter: dict
    body: str
    body_line_offset: int
    text: str


@lru_cache(maxsize=1024)
def parse_document(text: str, path: Path) -> Document:
    """Split ``---``-delimited YAML front matter from the Markdown body; ``path`` is
    for messages. A byte-order mark before the first ``---`` is not content.

    Kept for the same text and path (a build reads a translation's source twice,
    the preview every file at each rebuild): the Document is shared, not to be
    changed."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise BuildError.at("the file does not start with front matter", path, 1,
                            hint="begin with a line '---', the fields (title: …), then '---'")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            front_text = "".join(lines[1:index])
            data = parse_yaml(front_text, path, line_offset=1) if front_text.strip() else {}
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise BuildError.at("front matter should be fields (key: value)", path, 2)
            return Document(path, data, "".join(lines[index + 1:]), index + 1, text)
    raise BuildError.at("front matter is not closed", path, 1,
                        hint="add a line '---' after the last field")
