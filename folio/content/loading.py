"""Reading content/: issue.yaml files, Markdown articles and notices, into the model.

All problems found while reading are collected and raised together, sorted by
file, so an editor sees every mistake of a batch of files in one run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
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
    SECTION_OPENINGS,
    Article,
    ArticleFront,
    Issue,
    Notice,
    NoticeFront,
    Person,
    Publication,
    Section,
    SourceText,
    default_opening,
)
from folio.defaults import command
from folio.errors import BuildError, Problem, ProblemCollector
from folio.files import nfc

JOURNAL_DIR = Path("content/journal")
NOTICES_DIR = Path("content/notices")
ASSETS_DIR = Path("content/assets")
ISSUE_FILE = "issue.yaml"
_FILE_NAME = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9_-]*)\.(?P<lang>[A-Za-z-]+)\.md$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")


# -- issue.yaml ------------------------------------------------------------------
# (articles' and notices' front matter: ArticleFront and NoticeFront, in model.py)

@dataclass(frozen=True)
class EditorFields:
    """A member of the editorial board, in every language."""

    role: s.LocalizedText | None = s.field(s.localized, doc="{ko: 편집위원, en: Editorial Board}")
    name: s.LocalizedText = s.field(s.localized, required=True)
    affiliation: s.LocalizedText | None = s.field(s.localized)


@dataclass(frozen=True)
class SectionFields:
    """A section of the issue: its title and its articles, in order."""

    title: s.LocalizedText = s.field(s.localized, required=True)
    articles: tuple[str, ...] = s.field(
        s.list_of(s.text), required=True, default=(),
        doc="the article file names without .<lang>.md, in order")
    opens: str | None = s.field(
        s.one_of(*SECTION_OPENINGS),
        doc="right: each article opens a right-hand page; any: the section opens on "
            "the next page and its items run on")


@dataclass(frozen=True)
class IssueFile:
    """An issue of the journal: content/journal/<issue>/issue.yaml, its texts in
    every language (``LocalizedText``)."""

    volume: int = s.field(s.integer, required=True, default=0)
    number: int = s.field(s.integer, required=True, default=0)
    date: dt.date = s.field(s.date, required=True, doc="the issue date, YYYY-MM-DD")
    printed: dt.date | None = s.field(s.date, doc="the printing date, YYYY-MM-DD")
    title: s.LocalizedText = s.field(s.localized, required=True,
                                     doc="the issue's theme, {ko: …, en: …}")
    issn: str = s.field(s.issn, default="")
    publisher: s.LocalizedText | None = s.field(s.localized)
    copyright: s.LocalizedText | None = s.field(s.localized)
    editors: tuple[EditorFields, ...] = s.field(s.list_of(s.record(EditorFields)),
                                                default=())
    sections: tuple[SectionFields, ...] = s.field(s.list_of(s.record(SectionFields)),
                                                  required=True)


# -- loading --------------------------------------------------------------------

def load_publication(config: PublicationConfig, codes: tuple[str, ...], reader: Reader,
                     draft: bool = False,
                     wanted: Callable[[str, str], bool] | None = None) -> Publication:
    """Load every issue and notice in the languages ``codes`` (``wanted``: only
    those it accepts, by kind, "journal" or "notice", and name: ``--only``).

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
            if wanted is not None and not wanted("journal", nfc(folder.name)):
                continue
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
            if document.folder != NOTICES_DIR or (
                    wanted is not None and not wanted("notice", document.slug)):
                continue
            for code in codes:
                key = ("notice", document.slug, code)
                notice = _collect(problems, key, _load_notice_in, config, reader, document,
                                  config.language(code), draft)
                if notice is not None:
                    notices.append(notice)
    return Publication(config=config, issues=tuple(issues), notices=tuple(notices),
                       problems=tuple(problems))


def only_these(root: Path, only: tuple[str, ...]) -> Callable[[str, str], bool] | None:
    """For ``--only``: whether a document ("journal" or "notice", and its name) is
    one of ``only`` (named as the build names them: ``journal-<folder>``, the bare
    name, ``<lang>/journal-<folder>``, with or without ``.pdf``), so that the
    others are not loaded (a notice built alone read every issue before). None
    (load everything) when nothing is asked for, or when a name matches no folder
    or notice file: the build then says which documents there are."""
    if not only:
        return None
    names = set()
    for name in only:
        name = name.removesuffix(".pdf").removesuffix(".draft")
        names.add(name.split("/", 1)[1] if "/" in name else name)

    def wanted(kind: str, slug: str) -> bool:
        return slug in names or f"{kind}-{slug}" in names

    journal, notices = root / JOURNAL_DIR, root / NOTICES_DIR
    found = [("journal", nfc(p.name)) for p in journal.iterdir() if p.is_dir()] \
        if journal.is_dir() else []
    found += [("notice", nfc(p.name.split(".", 1)[0])) for p in notices.glob("*.md")] \
        if notices.is_dir() else []
    matched = {name for kind, slug in found for name in (slug, f"{kind}-{slug}")}
    return wanted if names <= matched else None


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
    values = s.read(data, IssueFile, path, 1, problems, languages=config.codes)
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
    front = s.read(document.front_matter, ArticleFront, path, 2, problems)
    speakers = front.speakers
    if front.kind == "dialogue" and not speakers:
        problems.add("a dialogue needs 'speakers'", path, 2,
                     hint="list them: speakers: [{id: kim, name: …, affiliation: …}]")
    blocks, body_texts, references = _markdown_blocks(
        problems, config, reader, record, document, {p.id: p.name for p in speakers if p.id})
    texts = list(yaml_texts(document.front_matter, path, line=2))
    return Article(
        **vars(front), slug=slug, body_html="".join(blocks), source=path,
        references=tuple(references),
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
    front = s.read(document.front_matter, NoticeFront, path, 2, problems)
    blocks, body_texts, _ = _markdown_blocks(problems, config, reader, record, document)
    texts = list(yaml_texts(document.front_matter, path, line=2)) + body_texts
    return Notice(
        **vars(front), slug=slug, language=language,
        body_html="".join(blocks), body_blocks=tuple(blocks),
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
        values = s.read(data, IssueFile, path, 1, problems, languages=config.codes)
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
