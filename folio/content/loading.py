"""Reading content/: issue.yaml files, Markdown articles and notices, into the model.

All problems found while reading are collected and raised together, sorted by
file, so an editor sees every mistake of a batch of files in one run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from folio.config import schema as s
from folio.config.layout import citation_style_file
from folio.config.publication import Language, PublicationConfig
from folio.config.reading import Reader, Record
from folio.config.yamlio import YamlList, parse_yaml
from folio.content import translations as tr
from folio.content.frontmatter import Document, parse_document
from folio.content.markdown import MarkdownSource
from folio.content.markdown_cache import render_markdown_blocks
from folio.content.model import (
    ARTICLE_KINDS,
    SECTION_OPENINGS,
    Article,
    Issue,
    Notice,
    Person,
    Publication,
    Section,
    SourceText,
    default_opening,
)
from folio.defaults import BILINGUAL_LAYOUTS, command
from folio.errors import BuildError, Problem, ProblemCollector
from folio.files import nfc

JOURNAL_DIR = Path("content/journal")
NOTICES_DIR = Path("content/notices")
ASSETS_DIR = Path("content/assets")
ISSUE_FILE = "issue.yaml"
_FILE_NAME = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9_-]*)\.(?P<lang>[A-Za-z-]+)\.md$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_ISSN = re.compile(r"^\d{4}-\d{3}[\dX]$")


# -- schemas --------------------------------------------------------------------

def _person(value, where, problems) -> Person:
    if isinstance(value, str):
        return Person(name=s.text(value, where, problems))
    return s.record({
        "name": s.Field(s.text, required=True),
        "affiliation": s.Field(s.text, default=""),
        "role": s.Field(s.text, default=""),
        "id": s.Field(s.text, default=""),
        "orcid": s.Field(_orcid, default=""),
    }, into=Person)(value, where, problems)


_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.I)


def _orcid(value, where, problems) -> str:
    """An ORCID iD, its check digit verified (ISO 7064 MOD 11-2, as ORCID computes it)."""
    text = s.text(value, where, problems).strip()
    match = _ORCID.match(text)
    if match is None:
        raise s.Invalid(f"'{text}' is not an ORCID iD (0000-0002-1825-0097, 16 digits in "
                        "groups of four)")
    digits = match[1].replace("-", "")
    total = 0
    for digit in digits[:15]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if digits[15] != ("X" if check == 10 else str(check)):
        raise s.Invalid(f"'{match[1]}' has a wrong check digit: check the iD on the "
                        "author's ORCID record")
    return match[1]


def _doi(value, where, problems) -> str:
    text = s.text(value, where, problems).strip()
    match = _DOI.match(text)
    if match is None:
        raise s.Invalid(f"'{text}' is not a DOI (10.NNNN/…)")
    return match[1]


@dataclass(frozen=True)
class ArticleFront:
    """An article's front matter, checked (ARTICLE_SCHEMA)."""

    type: str
    title: str
    subtitle: str
    authors: tuple[Person, ...]
    abstract: str
    keywords: tuple[str, ...]
    date: dt.date | None
    place: str
    signature: Person | None
    speakers: tuple[Person, ...]
    source_hash: str
    doi: str
    received: dt.date | None
    accepted: dt.date | None


@dataclass(frozen=True)
class NoticeFront:
    """A notice's front matter, checked (NOTICE_SCHEMA)."""

    title: str
    subtitle: str
    date: dt.date | None
    place: str
    contact: tuple[str, ...]
    bilingual: str | None
    source_hash: str


@dataclass(frozen=True)
class EditorFields:
    role: s.LocalizedText | None
    name: s.LocalizedText
    affiliation: s.LocalizedText | None


@dataclass(frozen=True)
class SectionFields:
    title: s.LocalizedText
    articles: tuple[str, ...]
    opens: str | None


@dataclass(frozen=True)
class IssueFile:
    """issue.yaml, checked; texts in every language (``LocalizedText``)."""

    volume: int
    number: int
    date: dt.date
    printed: dt.date | None
    title: s.LocalizedText
    issn: str
    publisher: s.LocalizedText | None
    copyright: s.LocalizedText | None
    editors: tuple[EditorFields, ...]
    sections: tuple[SectionFields, ...]


def _contact(value, where, problems):
    return s.list_of(s.text)(value, where, problems)


ARTICLE_SCHEMA = {
    "type": s.Field(s.one_of(*ARTICLE_KINDS), default="article",
                    doc="one of " + ", ".join(ARTICLE_KINDS)),
    "title": s.Field(s.text, required=True, doc="add 'title: …' to the front matter"),
    "subtitle": s.Field(s.text, default=""),
    "authors": s.Field(s.list_of(_person), default=(),
                       doc="a list of '- name: …' with 'affiliation: …'"),
    "abstract": s.Field(s.text, default=""),
    "keywords": s.Field(s.list_of(s.text), default=()),
    "date": s.Field(s.date),
    "place": s.Field(s.text, default=""),
    "signature": s.Field(_person),
    "speakers": s.Field(s.list_of(_person), default=(),
                        doc="a list of '- id: kim' with 'name: …' and 'affiliation: …'"),
    "source_hash": s.Field(s.text, default="",
                           doc="written by 'folio i18n mark'; do not edit by hand"),
    "doi": s.Field(_doi, default="", doc="the article's DOI, 10.NNNN/…"),
    "received": s.Field(s.date, doc="when the manuscript was received, YYYY-MM-DD"),
    "accepted": s.Field(s.date, doc="when it was accepted, YYYY-MM-DD"),
}

NOTICE_SCHEMA = {
    "title": s.Field(s.text, required=True, doc="add 'title: …' to the front matter"),
    "subtitle": s.Field(s.text, default=""),
    "date": s.Field(s.date),
    "place": s.Field(s.text, default=""),
    "contact": s.Field(_contact, default=()),
    "bilingual": s.Field(s.one_of(*BILINGUAL_LAYOUTS),
                         doc="also print the notice with its translations on one sheet: "
                             + ", ".join(BILINGUAL_LAYOUTS)),
    "source_hash": s.Field(s.text, default="",
                           doc="written by 'folio i18n mark'; do not edit by hand"),
}


def _issue_schema(codes: tuple[str, ...]) -> dict[str, s.Field]:
    loc = s.localized(codes)
    person = s.record({
        "role": s.Field(loc), "name": s.Field(loc, required=True),
        "affiliation": s.Field(loc)}, into=EditorFields)
    section = s.record({
        "title": s.Field(loc, required=True),
        "articles": s.Field(s.list_of(s.text), required=True, default=(),
                            doc="the article file names without .<lang>.md, in order"),
        "opens": s.Field(s.one_of(*SECTION_OPENINGS),
                         doc="right: each article opens a right-hand page; any: the "
                             "section opens on the next page and its items run on")},
        into=SectionFields)
    return {
        "volume": s.Field(s.integer, required=True),
        "number": s.Field(s.integer, required=True),
        "date": s.Field(s.date, required=True, doc="the issue date, YYYY-MM-DD"),
        "printed": s.Field(s.date, doc="the printing date, YYYY-MM-DD"),
        "title": s.Field(loc, required=True, doc="the issue's theme, {ko: …, en: …}"),
        "issn": s.Field(_issn, default=""),
        "publisher": s.Field(loc),
        "copyright": s.Field(loc),
        "editors": s.Field(s.list_of(person), default=()),
        "sections": s.Field(s.list_of(section), required=True),
    }


def _issn(value, where, problems):
    value = s.text(value, where, problems)
    if not _ISSN.match(value):
        raise s.Invalid(f"'{value}' is not an ISSN (NNNN-NNNC)")
    digits = value.replace("-", "")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=False))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        raise s.Invalid(f"'{value}' has a wrong check digit; check the number on the ISSN "
                        "registration")
    return value


# -- loading --------------------------------------------------------------------

def load_publication(config: PublicationConfig, codes: tuple[str, ...], reader: Reader,
                     draft: bool = False) -> Publication:
    """Load every issue and notice in the languages ``codes``.

    A missing or out-of-date translation is a problem, unless ``draft``: then the
    source text stands in for a missing one, and both are flagged ``pending`` so
    their pages carry a visible mark. Problems do not stop the loading: each is
    kept with the document it concerns, and the others are loaded as usual.
    """
    problems: list[tuple[tuple[str, str, str] | None, Problem]] = []
    issues: list[Issue] = []
    notices: list[Notice] = []
    journal = config.root / JOURNAL_DIR
    if journal.is_dir():
        folders = sorted(p for p in journal.iterdir() if p.is_dir())
        for folder in folders:
            for code in codes:
                key = ("journal", nfc(folder.name), code)   # a name made on macOS
                issue = _collect(problems, key, _load_issue, config, reader, folder,
                                 config.language(code), draft)
                if issue is not None:
                    issues.append(issue)
        problems += [(None, p) for p in _same_numbers(issues)]
    problems += [(None, p) for p in _upper_case_extensions(config)]
    notices_dir = config.root / NOTICES_DIR
    if notices_dir.is_dir():
        names = ProblemCollector()
        for path in sorted(notices_dir.glob("*.md")):
            _file_name(path, config, names)          # a misnamed file is reported
        problems += [(None, p) for p in names.problems]
        for document in tr.documents(config):
            if document.folder != NOTICES_DIR:
                continue
            for code in codes:
                key = ("notice", document.slug, code)
                notice = _collect(problems, key, _load_notice_in, config, reader, document,
                                  config.language(code), draft)
                if notice is not None:
                    notices.append(notice)
    return Publication(config=config, issues=tuple(issues), notices=tuple(notices),
                       problems=tuple(problems))


_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mkdn"}


def _upper_case_extensions(config: PublicationConfig) -> list[Problem]:
    """A content file named ``….MD`` (as some systems write it) or ``….markdown``
    is not read: said, rather than the document silently missing."""
    found = []
    for base in tr.CONTENT_DIRS:
        folder = config.root / base
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in _MARKDOWN_SUFFIXES and path.suffix != ".md" \
                    and path.is_file():
                right = path.name[:-len(path.suffix)] + ".md"
                found.append(Problem(f"the file name ends in '{path.suffix}': only files "
                                     "ending in '.md' (lower case) are read", path,
                                     hint=f"rename it to {right}"))
    return found


def _collect(problems: list, key: tuple[str, str, str], load, *args):
    """Run one document's loader; its problems are kept with the document."""
    found = ProblemCollector()
    try:
        result = load(found, *args)
    except BuildError as error:
        found.extend(error)
        result = None
    problems += [(key, p) for p in found.problems]
    return result if not found.problems else None


def _same_numbers(issues: list[Issue]) -> list[Problem]:
    """Two issue folders claiming the same volume and number: one is a mistake."""
    seen: dict[tuple[int, int], Issue] = {}
    found = []
    for issue in issues:
        number = (issue.volume, issue.number)
        first = seen.setdefault(number, issue)
        if first.slug != issue.slug and issue.language == first.language:
            found.append(Problem(
                f"this issue has the same volume and number ({issue.volume}, "
                f"{issue.number}) as {first.source.parent.name}/{ISSUE_FILE}",
                issue.source, 1, hint="give each issue its own number"))
    return found


def _file_name(path: Path, config: PublicationConfig, problems: ProblemCollector):
    match = _FILE_NAME.match(path.name)
    if not match:
        problems.add("the file name should be <name>.<language>.md", path,
                     hint="for example creative-city.ko.md (lower-case letters, digits, -)")
        return None
    if match["lang"] not in config.codes:
        problems.add(f"unknown language code '{match['lang']}' in the file name", path,
                     hint="languages declared in publication.yaml: " + ", ".join(config.codes))
        return None
    return match


def _translation(problems: ProblemCollector, config: PublicationConfig, reader: Reader,
                 record: Record, document: tr.DocumentFiles, language: Language,
                 draft: bool, listed_at: tuple[Path, int] | None = None
                 ) -> tuple[Path | None, str]:
    """Which file to read for ``language``, and whether it is pending (draft only).

    Returns (None, "") after reporting the problem when a strict build cannot go on.
    """
    state = tr.state(config, document, language.code, reader=reader, record=record)
    source_language = config.language(document.source(config)[0])
    if state.state == tr.MISSING:
        if draft:
            return state.source, tr.MISSING
        where = listed_at or (state.source, 1)
        what = "article" if document.folder.parts[:2] == JOURNAL_DIR.parts else "notice"
        problems.add(f"{what} '{document.slug}' has no {language.name} translation "
                     f"{state.path.name}",
                     *where, hint=f"translate {state.source.name} into {state.path.name}, "
                     f"or build with --draft to print the {source_language.name} text "
                     "marked 'translation pending'")
        return None, ""
    if state.state == tr.STALE and not draft:
        problems.add(f"out-of-date translation: {state.source.name} has changed since "
                     "this was translated", state.path, state.line,
                     hint=f"bring it up to date, then run '{command()} i18n mark "
                     f"{state.path.relative_to(config.root).as_posix()}' "
                     f"('{command()} status' shows what changed; --draft builds anyway)")
    if state.blocks and not draft:
        for line, message, hint in state.blocks:
            problems.add(message, state.path, line, hint=hint + " (--draft builds anyway)")
    if state.state == tr.STALE or state.blocks:
        return (state.path, tr.STALE) if draft else (None, "")
    return state.path, ""


# C901 (complexity) allowed: split when issue.yaml's shape is declared once (issue 32.4), which
# rewrites this.
def _load_issue(problems: ProblemCollector, config: PublicationConfig, reader: Reader,  # noqa: C901
                folder: Path, language: Language, draft: bool = False) -> Issue | None:
    path = folder / ISSUE_FILE
    record: Record = {}
    if not reader.exists(path, record):
        if any(folder.glob("*.md")):
            problems.add(f"this issue folder has no {ISSUE_FILE}", folder,
                         hint="add issue.yaml with volume, number, date, title and sections")
        return None
    data = parse_yaml(reader.read_text(path, record), path)
    if not isinstance(data, dict):
        raise BuildError.at(f"{ISSUE_FILE} should be fields (volume: …, number: …, …)", path, 1,
                            hint="see README.md, 'issue.yaml'")
    values = s.read(data, IssueFile, _issue_schema(config.codes), path, 1, problems)
    code = language.code
    fallbacks: list[str] = []

    def pick(value: s.LocalizedText | None) -> str:
        if draft and value and code not in value:
            fallbacks.append(value.where.key)
            return value.get(config.source_language) or next(iter(value.values()))
        return s.pick(value, code, problems)

    texts = list(yaml_texts(data, path, code))
    listed: dict[str, int] = {}
    sections = []
    for section_values in values.sections or ():
        articles = []
        raw_sections = data.get("sections") or []
        for slug in section_values.articles or ():
            line = _line_of_item(raw_sections, slug, path)
            if not _SLUG.match(slug):
                problems.add(f"'{slug}' is not an article name", path, line,
                             hint="name an article by its file name without .<language>.md: "
                                  "lower-case letters, digits and -, in this folder")
                continue
            if slug in listed:
                problems.add(f"article '{slug}' is listed twice", path, line)
                continue
            listed[slug] = line
            files = {c: folder / f"{slug}.{c}.md" for c in config.codes
                     if reader.exists(folder / f"{slug}.{c}.md", record)}
            if not files:
                first = folder / f"{slug}.{config.source_language}.md"
                problems.add(f"article '{slug}' has no file", path, line,
                             hint=f"write {first.name} or remove '{slug}' from the list")
                continue
            document = tr.DocumentFiles(folder.relative_to(config.root), slug, files)
            article_path, pending = _translation(problems, config, reader, record, document,
                                                 language, draft, listed_at=(path, line))
            if article_path is None:
                continue
            try:
                article = _load_article(problems, config, reader, article_path, slug,
                                        (path, line))
            except BuildError as error:
                problems.extend(error)
                continue
            texts += article.texts
            record.update(article.inputs)
            articles.append(_pending(article, pending, config, article_path))
        sections.append(Section(title=pick(section_values.title),
                                articles=tuple(articles),
                                opens=section_values.opens or default_opening(articles)))

    for md in sorted(folder.glob("*.md")):
        match = _file_name(md, config, problems)
        if match and match["slug"] not in listed:
            problems.add("no section of issue.yaml lists this article", md,
                         hint=f"add '{match['slug']}' to a section's articles in {path.name}, "
                         "or move the file out of the issue folder")

    editors = tuple(
        Person(name=pick(e.name), affiliation=pick(e.affiliation), role=pick(e.role))
        for e in values.editors or ())
    return Issue(
        slug=nfc(folder.name), language=language,
        volume=values.volume, number=values.number, date=values.date,
        printed=values.printed, title=pick(values.title),
        issn=values.issn, publisher=pick(values.publisher),
        copyright=pick(values.copyright),
        editors=editors, sections=tuple(sections), source=path,
        pending_fields=tuple(dict.fromkeys(fallbacks)), texts=tuple(texts),
        inputs=tuple(sorted(record.items())))


def yaml_texts(data, path: Path, code: str | None = None, line: int = 1):
    """Every text of parsed YAML (escapes decoded) with its line; of a mapping of
    languages ``{ko: …, en: …}``, only the text in ``code``."""
    if isinstance(data, str):
        yield SourceText(data, path, line)
    elif isinstance(data, dict):
        lines = getattr(data, "lines", {})
        keys = list(data)
        languages = code is not None and keys and all(
            isinstance(k, str) and _LANGUAGE_KEY.match(k) for k in keys) and code in keys
        for key in ([code] if languages else keys):
            yield from yaml_texts(data[key], path, code, lines.get(key, line))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from yaml_texts(item, path, code, data.line_of(index)
                                  if hasattr(data, "line_of") else line)


def _pending(item, pending: str, config: PublicationConfig, path: Path):
    """Flag an article or notice whose text is a stand-in, with the language it is in."""
    if not pending:
        return item
    if pending != tr.MISSING:
        return dataclasses.replace(item, pending=pending)
    code = path.name.split(".")[-2]
    return dataclasses.replace(item, pending=pending, text_language=config.language(code))


def _line_of_item(sections, slug: str, path: Path) -> int:
    for section in sections if isinstance(sections, list) else []:
        articles = section.get("articles") if isinstance(section, dict) else None
        if isinstance(articles, YamlList) and slug in articles:
            return articles.line_of(articles.index(slug))
    return 1


def _read(reader: Reader, path: Path, record: Record,
          led_from: tuple[Path, int] | None = None) -> Document:
    return parse_document(reader.read_text(path, record, led_from, "content file"), path)


def _markdown_blocks(problems, config, reader: Reader, record: Record, document: Document,
                     speakers=None) -> tuple[list[str], list[SourceText],
                                         list[tuple[str, str]]]:
    code = document.path.name.split(".")[-2]
    tag = config.language(code).tag if code in config.codes else ""
    rendered = render_markdown_blocks(MarkdownSource(
        text=document.body, path=document.path, line_offset=document.body_line_offset,
        root=config.root, assets=config.root / ASSETS_DIR, speakers=speakers or {},
        allow_html=config.allow_html, reader=reader, record=record, language_tag=tag,
        citation_style=citation_style_file(config.root, config.citation_style),
        korean_first=config.references_korean_first), problems)
    return rendered.blocks, rendered.texts, rendered.references


def _load_article(problems: ProblemCollector, config: PublicationConfig, reader: Reader,
                  path: Path, slug: str, led_from: tuple[Path, int] | None = None) -> Article:
    record: Record = {}
    document = _read(reader, path, record, led_from)
    front = s.read(document.front_matter, ArticleFront, ARTICLE_SCHEMA, path, 2, problems)
    speakers = front.speakers
    if front.type == "dialogue" and not speakers:
        problems.add("a dialogue needs 'speakers'", path, 2,
                     hint="list them: speakers: [{id: kim, name: …, affiliation: …}]")
    blocks, body_texts, references = _markdown_blocks(
        problems, config, reader, record, document, {p.id: p.name for p in speakers if p.id})
    texts = list(yaml_texts(document.front_matter, path, line=2))
    return Article(
        slug=slug, kind=front.type, title=front.title, subtitle=front.subtitle,
        authors=front.authors, abstract=front.abstract, keywords=front.keywords,
        date=front.date, place=front.place, signature=front.signature,
        speakers=speakers, body_html="".join(blocks), source=path,
        references=tuple(references), doi=front.doi, received=front.received,
        accepted=front.accepted,
        texts=tuple(texts + body_texts), inputs=tuple(sorted(record.items())))


def _load_notice_in(problems: ProblemCollector, config: PublicationConfig, reader: Reader,
                    document: tr.DocumentFiles, language: Language,
                    draft: bool) -> Notice | None:
    record: Record = {}
    path, pending = _translation(problems, config, reader, record, document, language, draft)
    if path is None:
        return None
    notice = _load_notice(problems, config, reader, record, path, language, document.slug)
    return _pending(notice, pending, config, path)


def _load_notice(problems: ProblemCollector, config: PublicationConfig, reader: Reader,
                 record: Record, path: Path, language: Language, slug: str) -> Notice:
    document = _read(reader, path, record)
    front = s.read(document.front_matter, NoticeFront, NOTICE_SCHEMA, path, 2, problems)
    blocks, body_texts, _ = _markdown_blocks(problems, config, reader, record, document)
    texts = list(yaml_texts(document.front_matter, path, line=2)) + body_texts
    return Notice(
        slug=slug, language=language, title=front.title, subtitle=front.subtitle,
        date=front.date, place=front.place, contact=front.contact,
        bilingual=front.bilingual, body_html="".join(blocks), body_blocks=tuple(blocks),
        source=path, texts=tuple(texts), inputs=tuple(sorted(record.items())))


def missing_languages(config: PublicationConfig,
                      reader: Reader) -> list[tuple[Path, int, str, str]]:
    """Every ``{ko: …, en: …}`` field of every issue.yaml lacking a language.

    Returns (file, line, key path, language code), for the translators' status report.
    """
    problems = ProblemCollector()
    gaps: list[tuple[Path, int, str, str]] = []
    journal = config.root / JOURNAL_DIR
    folders = sorted(p for p in journal.iterdir() if p.is_dir()) if journal.is_dir() else []
    for folder in folders:
        path = folder / ISSUE_FILE
        if not path.is_file():
            continue
        data = parse_yaml(reader.read_text(path), path)
        if not isinstance(data, dict):
            continue                    # the build reports it; status shows only gaps
        values = s.read(data, IssueFile, _issue_schema(config.codes), path, 1, problems)
        for text in _localized_values(values):
            gaps += [(path, text.where.line, text.where.key, code)
                     for code in config.codes if code not in text]
    return gaps


def _localized_values(value):
    if isinstance(value, s.LocalizedText):
        yield value
    elif dataclasses.is_dataclass(value):
        for item in vars(value).values():
            yield from _localized_values(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _localized_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _localized_values(item)
