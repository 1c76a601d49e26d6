"""Every file an editor writes by hand, with the dataclass that declares its fields:
what ``folio schema`` exports as JSON Schemas, for completion and validation in
the editor (README, "Completion and checking in your editor")."""

from __future__ import annotations

import json
from dataclasses import dataclass

from folio.config import schema as s
from folio.config.publication import PublicationConfig
from folio.content.loading import IssueFile
from folio.content.model import ArticleFront, NoticeFront

SCHEMA_DIR = "schemas"


@dataclass(frozen=True)
class Shape:
    name: str           # schemas/<name>.schema.json
    declared_by: type
    files: str          # the files it describes, as a glob from the publication's root
    title: str
    description: str


SHAPES = (
    Shape("publication", PublicationConfig, "publication.yaml", "folio publication.yaml",
          "The publication's settings: its title, languages, fonts, page sizes and "
          "profiles (how PDFs are made)."),
    Shape("issue", IssueFile, "content/journal/*/issue.yaml", "folio issue.yaml",
          "An issue of the journal: its number, date, title, editors and sections."),
    Shape("article", ArticleFront, "content/journal/*/*.md", "folio article front matter",
          "An article's front matter, between the two '---' lines at the top of "
          "content/journal/<issue>/<name>.<language>.md."),
    Shape("notice", NoticeFront, "content/notices/*.md", "folio notice front matter",
          "A notice's front matter, between the two '---' lines at the top of "
          "content/notices/<name>.<language>.md."),
)


def file_name(shape: Shape) -> str:
    return f"{shape.name}.schema.json"


def json_schemas(languages: tuple[str, ...]) -> dict[str, str]:
    """Each shape's JSON Schema, as the text of its file: fields in the order they
    are declared, so that a diff of the files shows what changed."""
    return {file_name(shape): json.dumps(
        s.json_schema(shape.declared_by, languages, shape.title, shape.description),
        ensure_ascii=False, indent=2) + "\n" for shape in SHAPES}
