"""The content model: plain frozen dataclasses, one language each, handed to templates.

A document's front matter is declared once, here (``ArticleFront``, ``NoticeFront``:
each field with its check and its doc, see config/schema.py); the model extends it
with what the build makes of the body, so the loader, the model, the JSON Schema
and the README's field list cannot disagree.

Every text field is already in the document's language; templates never choose a
language, open a file or read configuration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from folio.config import schema as s
from folio.config.publication import Language, PublicationConfig
from folio.defaults import BILINGUAL_LAYOUTS
from folio.errors import Problem, ProblemCollector

ARTICLE_KINDS = ("message", "article", "dialogue", "news", "feature")
CITABLE = ("article", "dialogue", "feature")
Inputs = tuple[tuple[str, str], ...]     # every file read to make it: (path, hash)


@dataclass(frozen=True)
class SourceText:
    """A piece of text as it will be printed (Markdown entities and YAML escapes
    decoded), and where it was written: what the glyph check looks at."""

    text: str
    path: Path
    line: int


@dataclass(frozen=True)
class Person:
    """An author, a speaker or a signature: a name alone, or these fields."""

    name: str = s.field(s.text, required=True, default="")
    affiliation: str = s.field(s.text, default="")
    role: str = s.field(s.text, default="")
    id: str = s.field(s.text, default="",
                      doc="a dialogue speaker's key in the body (kim: …)")
    orcid: str = s.field(s.orcid, default="",
                         doc="the ORCID iD, 0000-0002-1825-0097 (its check digit is verified)")


_PERSON = s.record(Person)


def _person(value: Any, where: s.Where, problems: ProblemCollector) -> Person:
    if isinstance(value, str):
        return Person(name=s.text(value, where, problems))
    return _PERSON(value, where, problems)


PERSON = s.Check(_person, lambda languages: {
    "anyOf": [s.text.json_schema(languages), _PERSON.json_schema(languages)],
    "description": "a name, or name: with affiliation:, role:, id:, orcid:"}, name="person")


@dataclass(frozen=True, kw_only=True)
class ArticleFront:
    """An article's front matter: the fields between the two '---' lines of
    content/journal/<issue>/<name>.<language>.md."""

    kind: str = s.field(s.one_of(*ARTICLE_KINDS), key="type", default="article",
                        doc="one of " + ", ".join(ARTICLE_KINDS))
    title: str = s.field(s.text, required=True, default="", doc="the title",
                         hint="add 'title: …' to the front matter")
    subtitle: str = s.field(s.text, default="")
    authors: tuple[Person, ...] = s.field(s.list_of(PERSON), default=(),
                                          doc="a list of '- name: …' with 'affiliation: …'")
    abstract: str = s.field(s.text, default="")
    keywords: tuple[str, ...] = s.field(s.list_of(s.text), default=())
    date: dt.date | None = s.field(s.date)
    place: str = s.field(s.text, default="")
    signature: Person | None = s.field(PERSON)
    speakers: tuple[Person, ...] = s.field(
        s.list_of(PERSON), default=(),
        doc="a list of '- id: kim' with 'name: …' and 'affiliation: …'")
    source_hash: str = s.field(s.text, default="",
                               doc="written by 'folio i18n mark'; do not edit by hand")
    doi: str = s.field(s.doi, default="",
                       doc="the article's DOI, 10.NNNN/…")   # without https://doi.org/
    received: dt.date | None = s.field(s.date,
                                       doc="when the manuscript was received, YYYY-MM-DD")
    accepted: dt.date | None = s.field(s.date, doc="when it was accepted, YYYY-MM-DD")


@dataclass(frozen=True, kw_only=True)
class Article(ArticleFront):
    """An article: its front matter, and what the build made of its body."""

    slug: str
    body_html: str
    source: Path
    pending: str = ""                       # "missing" or "stale" in a draft build
    text_language: Language | None = None   # set when the text is not the document's language
    texts: tuple[SourceText, ...] = ()
    inputs: Inputs = ()
    references: tuple[tuple[str, str], ...] = ()    # the works it cites: (HTML id, entry)

    @property
    def citable(self) -> bool:
        """Research (an article, a feature, a dialogue) carries a "Cite this article"
        line; a message or a news item does not."""
        return self.kind in CITABLE

    @property
    def anchor(self) -> str:
        return f"article-{self.slug}"


SECTION_OPENINGS = ("right", "any")
RUNS_ON = ("news", "message")       # kinds that need no page of their own


def default_opening(articles) -> str:
    """A section of news and messages opens on any page and runs on; one with an
    article, a dialogue or a feature opens each on a right-hand page."""
    return "any" if articles and all(a.kind in RUNS_ON for a in articles) else "right"


@dataclass(frozen=True)
class Section:
    title: str
    articles: tuple[Article, ...]
    opens: str = "right"            # one of SECTION_OPENINGS (issue.yaml's 'opens')


@dataclass(frozen=True)
class IssueItem:
    """An article where it stands in its issue: its section, and whether it opens it."""

    article: Article
    section: Section
    first_in_section: bool

    @property
    def opens(self) -> str:
        """"right": starts on a right-hand page; "page": on the next page, either
        side; "": runs on below the item before. In a section that opens right,
        every item does, but news after the first runs on, as on a news page; in a
        section that opens on any page, the first item starts a page and the others
        run on."""
        if self.section.opens == "any":
            return "page" if self.first_in_section else ""
        if self.article.kind == "news" and not self.first_in_section:
            return ""
        return "right"

    @property
    def opens_page(self) -> bool:
        return bool(self.opens)


@dataclass(frozen=True)
class Issue:
    slug: str
    language: Language
    volume: int
    number: int
    date: dt.date
    printed: dt.date | None
    title: str
    issn: str
    publisher: str
    copyright: str
    editors: tuple[Person, ...]
    sections: tuple[Section, ...]
    source: Path
    pending_fields: tuple[str, ...] = ()    # issue.yaml fields shown in another language
    texts: tuple[SourceText, ...] = ()      # issue.yaml's texts, and every article's
    inputs: Inputs = ()                     # issue.yaml, the articles, their images…

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(a for section in self.sections for a in section.articles)

    @property
    def items(self) -> tuple[IssueItem, ...]:
        return tuple(IssueItem(a, section, i == 0) for section in self.sections
                     for i, a in enumerate(section.articles))

    @property
    def runs(self) -> tuple[tuple[IssueItem, ...], ...]:
        """The items in runs that each open a page, and so can be laid out alone:
        an item that opens a page, and those that run on after it."""
        runs: list[list[IssueItem]] = []
        for item in self.items:
            if item.opens_page or not runs:
                runs.append([item])
            else:
                runs[-1].append(item)
        return tuple(tuple(run) for run in runs)

    @property
    def pending(self) -> bool:
        """A draft build put fallback or stale text in it: its pages must say so."""
        return bool(self.pending_fields) or any(a.pending for a in self.articles)


@dataclass(frozen=True, kw_only=True)
class NoticeFront:
    """A notice's front matter: the fields between the two '---' lines of
    content/notices/<name>.<language>.md."""

    title: str = s.field(s.text, required=True, default="", doc="the title",
                         hint="add 'title: …' to the front matter")
    subtitle: str = s.field(s.text, default="")
    date: dt.date | None = s.field(s.date)
    place: str = s.field(s.text, default="")
    contact: tuple[str, ...] = s.field(s.list_of(s.text), default=())
    bilingual: str | None = s.field(    # printed with its translations: stacked, side-by-side…
        s.one_of(*BILINGUAL_LAYOUTS),
        doc="also print the notice with its translations on one sheet: "
            + ", ".join(BILINGUAL_LAYOUTS))
    source_hash: str = s.field(s.text, default="",
                               doc="written by 'folio i18n mark'; do not edit by hand")


@dataclass(frozen=True, kw_only=True)
class Notice(NoticeFront):
    """A notice in one language: its front matter, and what the build made of its body."""

    slug: str
    language: Language
    body_html: str
    source: Path
    body_blocks: tuple[str, ...] = ()       # body_html, one top-level block each
    pending: str = ""                       # "missing" or "stale" in a draft build
    text_language: Language | None = None   # set when the text is not the document's language
    texts: tuple[SourceText, ...] = ()
    inputs: Inputs = ()
    time: str = ""                          # printed after the date (handouts)


@dataclass(frozen=True)
class Publication:
    """Everything one build needs: the configuration and the documents' content.

    ``problems`` are what was found wrong while reading, each with the document it
    keeps from being made (``(kind, slug, language)``), or None when it keeps none
    from being made but still fails the build.
    """

    config: PublicationConfig
    issues: tuple[Issue, ...]
    notices: tuple[Notice, ...]
    problems: tuple[tuple[tuple[str, str, str] | None, Problem], ...] = ()
