"""Reading content/: issue.yaml files, Markdown articles and notices, into the model.

All problems found while reading are collected and raised together, sorted by
file, so an editor sees every mistake of a batch of files in one run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import schema as s
from .configuration import Language, PublicationConfig
from .errors import BuildError, ProblemCollector
from .markdown import MarkdownSource, render_markdown
from .model import ARTICLE_KINDS, Article, Issue, Notice, Person, Publication, Section
from .yamlio import parse_yaml, read_text, read_yaml_file

JOURNAL_DIR = Path("content/journal")
NOTICES_DIR = Path("content/notices")
ASSETS_DIR = Path("content/assets")
ISSUE_FILE = "issue.yaml"
_FILE_NAME = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9_-]*)\.(?P<lang>[A-Za-z-]+)\.md$")
_ISSN = re.compile(r"^\d{4}-\d{3}[\dX]$")


@dataclass(frozen=True)
class Document:
    """A Markdown file split into its front matter and body, with their first lines."""

    path: Path
    front_matter: dict
    body: str
    body_line_offset: int
    text: str


def read_document(path: Path) -> Document:
    """Split ``---``-delimited YAML front matter from the Markdown body."""
    text = read_text(path)
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


# -- schemas --------------------------------------------------------------------

def _person(value, where, problems):
    if isinstance(value, str):
        return {"name": value.strip(), "affiliation": "", "role": "", "id": ""}
    return s.record({
        "name": s.Field(s.text, required=True),
        "affiliation": s.Field(s.text, default=""),
        "role": s.Field(s.text, default=""),
        "id": s.Field(s.text, default=""),
    })(value, where, problems)


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
}

NOTICE_SCHEMA = {
    "title": s.Field(s.text, required=True, doc="add 'title: …' to the front matter"),
    "subtitle": s.Field(s.text, default=""),
    "date": s.Field(s.date),
    "place": s.Field(s.text, default=""),
    "contact": s.Field(_contact, default=()),
    "bilingual": s.Field(s.one_of("stacked"), doc="'bilingual: stacked' also prints the "
                         "notice with its translations on one sheet"),
}


def _issue_schema(codes: tuple[str, ...]) -> dict[str, s.Field]:
    loc = s.localized(codes)
    person = s.record({
        "role": s.Field(loc), "name": s.Field(loc, required=True),
        "affiliation": s.Field(loc)})
    section = s.record({
        "title": s.Field(loc, required=True),
        "articles": s.Field(s.list_of(s.text), required=True,
                            doc="the article file names without .<lang>.md, in order")})
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
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1)))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        raise s.Invalid(f"'{value}' has a wrong check digit; check the number on the ISSN "
                        "registration")
    return value


# -- loading --------------------------------------------------------------------

def load_publication(config: PublicationConfig, codes: tuple[str, ...]) -> Publication:
    """Load every issue and notice in the languages ``codes``."""
    problems = ProblemCollector()
    issues: list[Issue] = []
    notices: list[Notice] = []
    journal = config.root / JOURNAL_DIR
    if journal.is_dir():
        for folder in sorted(p for p in journal.iterdir() if p.is_dir()):
            for code in codes:
                issue = _collect(problems, _load_issue, config, folder, config.language(code))
                if issue is not None:
                    issues.append(issue)
    notices_dir = config.root / NOTICES_DIR
    if notices_dir.is_dir():
        for path in sorted(notices_dir.glob("*.md")):
            match = _file_name(path, config, problems)
            if match and match["lang"] in codes:
                notice = _collect(problems, _load_notice, config, path,
                                  config.language(match["lang"]), match["slug"])
                if notice is not None:
                    notices.append(notice)
    problems.raise_if_any()
    return Publication(config=config, issues=tuple(issues), notices=tuple(notices))


def _collect(problems: ProblemCollector, load, *args):
    """Run one loader; its problems join the others instead of stopping the build."""
    before = len(problems.problems)
    try:
        result = load(problems, *args)
    except BuildError as error:
        problems.extend(error)
        return None
    return result if len(problems.problems) == before else None


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


def _load_issue(problems: ProblemCollector, config: PublicationConfig, folder: Path,
                language: Language) -> Issue | None:
    path = folder / ISSUE_FILE
    if not path.is_file():
        if any(folder.glob("*.md")):
            problems.add(f"this issue folder has no {ISSUE_FILE}", folder,
                         hint="add issue.yaml with volume, number, date, title and sections")
        return None
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise BuildError.at(f"{ISSUE_FILE} should be fields (volume: …, number: …, …)", path, 1,
                            hint="see README.md, 'issue.yaml'")
    values = s.validate(data, _issue_schema(config.codes), path, 1, problems)
    code = language.code

    listed: dict[str, int] = {}
    sections = []
    for section_values in values["sections"] or ():
        articles = []
        raw_sections = data.get("sections") or []
        for slug in section_values["articles"] or ():
            line = _line_of_item(raw_sections, slug, path)
            if slug in listed:
                problems.add(f"article '{slug}' is listed twice", path, line)
                continue
            listed[slug] = line
            article_path = folder / f"{slug}.{code}.md"
            if not article_path.is_file():
                problems.add(f"article '{slug}' has no {language.name} file {article_path.name}",
                             path, line,
                             hint=f"write {article_path.name} or remove '{slug}' from the list")
                continue
            article = _collect(problems, _load_article, config, article_path, slug)
            if article is not None:
                articles.append(article)
        sections.append(Section(title=s.pick(section_values["title"], code, problems),
                                articles=tuple(articles)))

    for md in sorted(folder.glob("*.md")):
        match = _file_name(md, config, problems)
        if match and match["slug"] not in listed:
            problems.add("no section of issue.yaml lists this article", md,
                         hint=f"add '{match['slug']}' to a section's articles in {path.name}, "
                         "or move the file out of the issue folder")

    editors = tuple(
        Person(name=s.pick(e["name"], code, problems),
               affiliation=s.pick(e["affiliation"], code, problems),
               role=s.pick(e["role"], code, problems))
        for e in values["editors"] or ())
    sources = (path,) + tuple(a.source for sec in sections for a in sec.articles)
    return Issue(
        slug=folder.name, language=language,
        volume=values["volume"], number=values["number"], date=values["date"],
        printed=values["printed"], title=s.pick(values["title"], code, problems),
        issn=values["issn"], publisher=s.pick(values["publisher"], code, problems),
        copyright=s.pick(values["copyright"], code, problems),
        editors=editors, sections=tuple(sections), source=path, sources=sources)


def _line_of_item(sections, slug: str, path: Path) -> int:
    for section in sections if isinstance(sections, list) else []:
        articles = section.get("articles") if isinstance(section, dict) else None
        if isinstance(articles, list) and slug in articles:
            return articles.line_of(articles.index(slug))
    return 1


def _markdown(problems, config, document: Document, speakers=None) -> str:
    return render_markdown(MarkdownSource(
        text=document.body, path=document.path, line_offset=document.body_line_offset,
        root=config.root, assets=config.root / ASSETS_DIR, speakers=speakers or {}),
        problems)


def _load_article(problems: ProblemCollector, config: PublicationConfig, path: Path,
                  slug: str) -> Article:
    document = read_document(path)
    values = s.validate(document.front_matter, ARTICLE_SCHEMA, path, 2, problems)
    speakers = tuple(_as_person(p) for p in values["speakers"])
    if values["type"] == "dialogue" and not speakers:
        problems.add("a dialogue needs 'speakers'", path, 2,
                     hint="list them: speakers: [{id: kim, name: …, affiliation: …}]")
    signature = values["signature"]
    return Article(
        slug=slug, kind=values["type"], title=values["title"], subtitle=values["subtitle"],
        authors=tuple(_as_person(p) for p in values["authors"]),
        abstract=values["abstract"], keywords=values["keywords"], date=values["date"],
        place=values["place"], signature=_as_person(signature) if signature else None,
        speakers=speakers,
        body_html=_markdown(problems, config, document,
                            {p.id: p.name for p in speakers if p.id}),
        source=path)


def _load_notice(problems: ProblemCollector, config: PublicationConfig, path: Path,
                 language: Language, slug: str) -> Notice:
    document = read_document(path)
    values = s.validate(document.front_matter, NOTICE_SCHEMA, path, 2, problems)
    return Notice(
        slug=slug, language=language, title=values["title"], subtitle=values["subtitle"],
        date=values["date"], place=values["place"], contact=values["contact"],
        bilingual=values["bilingual"], body_html=_markdown(problems, config, document),
        source=path)


def _as_person(values: dict) -> Person:
    return Person(name=values["name"], affiliation=values.get("affiliation") or "",
                  role=values.get("role") or "", id=values.get("id") or "")
