"""Planning: which documents the build writes, and what their languages do to them.

A document is planned even when its content has problems (it carries them), so
that every problem is reported and every other document is still written.
Which kinds of document there are, and how each is planned, is kinds.py's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from gettext import NullTranslations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from folio.config.layout import TemplateSet, locales_dirs_for
from folio.config.options import BuildOptions
from folio.config.publication import Profile, PublicationConfig, load_config
from folio.config.reading import Reader, Record, publication_reader
from folio.content.loading import load_publication, only_these
from folio.content.model import Issue, Notice, Publication, SourceText
from folio.defaults import BILINGUAL, command
from folio.errors import BuildError, Problem
from folio.i18n.catalog import catalog_path, catalog_paths, load_translations

if TYPE_CHECKING:
    from folio.pipeline.kinds import DocumentKind

Content = Issue | Notice | tuple[Notice, ...] | None

@dataclass(frozen=True)
class PlannedDocument:
    """One PDF the build will write: ``<lang>/<kind's prefix>-<slug>.pdf``."""

    kind: DocumentKind                          # kinds.py: issue, notice, bilingual sheet
    slug: str
    lang: str                                   # a language code or "bilingual"
    content: Content                            # None: it could not be read
    layout: str = ""                            # bilingual: stacked, side-by-side, duplex
    problems: tuple[Problem, ...] = ()          # why it cannot be made
    untranslated: tuple[str, ...] = ()          # template strings printed untranslated

    @property
    def name(self) -> str:
        return f"{self.kind.prefix}-{self.slug}"

    @property
    def pending(self) -> bool:
        """Made by a draft build with stand-in or out-of-date text."""
        if self.untranslated:
            return True
        if isinstance(self.content, tuple):
            return any(n.pending for n in self.content)
        return bool(self.content.pending) if self.content is not None else False

    @property
    def relative_path(self) -> Path:
        """A draft with pending text is ``….draft.pdf``: it never replaces the final file."""
        suffix = ".draft.pdf" if self.pending else ".pdf"
        return Path(self.lang) / f"{self.name}{suffix}"

    @property
    def final_path(self) -> Path:
        return Path(self.lang) / f"{self.name}.pdf"

    @property
    def parts(self) -> tuple[Issue | Notice, ...]:
        if isinstance(self.content, tuple):
            return self.content
        return (self.content,) if self.content is not None else ()

    @property
    def source(self) -> Path:
        """The file a problem without a better place is reported at."""
        first = self.parts[0] if self.parts else None
        return first.source if first is not None else Path(self.name)

    @property
    def texts(self) -> tuple[tuple[str, SourceText], ...]:
        """(language whose fonts print it, text) for the glyph check."""
        return tuple((part.language.code, text) for part in self.parts
                     for text in part.texts)

    @property
    def inputs(self) -> dict[str, str]:
        return {name: value for part in self.parts for name, value in part.inputs}


@dataclass(frozen=True)
class PlanRequest:
    """What each kind plans from: the content, the options, and the problems of
    the content that could not be read, by (kind's prefix, slug, language)."""

    publication: Publication
    options: BuildOptions
    failed: dict[tuple[str, str, str], list[Problem]]

    @property
    def wanted(self) -> set[str]:
        """The languages asked for, and ``bilingual`` (everything, unless asked)."""
        config = self.publication.config
        return set(self.options.languages) or set(config.codes) | {BILINGUAL}

    @property
    def codes(self) -> list[str]:
        return [c for c in self.publication.config.codes if c in self.wanted]


def plan_per_language(kind: DocumentKind, request: PlanRequest,
                      contents: Iterable[Issue | Notice]) -> list[PlannedDocument]:
    """One document per content and language asked for (and one per content that
    could not be read, with its problems)."""
    loaded = {(c.slug, c.language.code): c for c in contents}
    failed = request.failed
    planned = []
    slugs = sorted({s for s, _ in loaded} | {k[1] for k in failed if k[0] == kind.prefix})
    for slug in slugs:
        for code in request.codes:
            content = loaded.get((slug, code))
            problems = tuple(failed.get((kind.prefix, slug, code), ()))
            if content is not None or problems:
                planned.append(PlannedDocument(kind, slug, code, content, problems=problems))
    return planned


def plan_bilingual(kind: DocumentKind, request: PlanRequest) -> list[PlannedDocument]:
    """One sheet per notice that is bilingual (or every notice, with --bilingual
    LAYOUT), with every language's version."""
    if BILINGUAL not in request.wanted:
        return []
    publication, layout = request.publication, request.options.bilingual
    by_slug: dict[str, dict[str, Notice]] = {}
    for notice in publication.notices:
        by_slug.setdefault(notice.slug, {})[notice.language.code] = notice
    for (prefix, slug, _code) in request.failed:
        if prefix == kind.prefix:
            by_slug.setdefault(slug, {})
    planned = []
    for slug, versions in sorted(by_slug.items()):
        if not layout and not any(n.bilingual for n in versions.values()):
            continue                    # --bilingual LAYOUT pairs every notice
        document = _bilingual_sheet(kind, request, slug, versions)
        if document is not None:
            planned.append(document)
    return planned


def _bilingual_sheet(kind: DocumentKind, request: PlanRequest, slug: str,
                     versions: dict[str, Notice]) -> PlannedDocument | None:
    codes = request.publication.config.codes
    layout = request.options.bilingual
    problems = [p for code in codes for p in request.failed.get((kind.prefix, slug, code), ())]
    missing = [c for c in codes if c not in versions]
    if missing and layout and not any(n.bilingual for n in versions.values()):
        return None                     # not every notice exists in every language
    if missing and not problems:
        first = next(iter(versions.values()))
        problems.append(Problem(
            f"notice '{slug}' is bilingual but has no {', '.join(missing)} version",
            first.source, hint=f"write {slug}.{missing[0]}.md or drop 'bilingual'"))
    if problems:
        return PlannedDocument(kind, slug, BILINGUAL, None, layout or "stacked",
                               tuple(problems))
    notices = tuple(versions[c] for c in codes)
    chosen = layout or next((n.bilingual for n in notices
                             if n.language.code == request.publication.config.source_language
                             and n.bilingual), None) \
        or next(n.bilingual for n in notices if n.bilingual)
    return PlannedDocument(kind, slug, BILINGUAL, notices, chosen)


def select(planned: list[PlannedDocument], only: tuple[str, ...],
            config: PublicationConfig) -> list[PlannedDocument]:
    def matches(doc: PlannedDocument, wanted: str) -> bool:
        wanted = wanted.removesuffix(".pdf").removesuffix(".draft")
        return wanted in (doc.name, doc.slug, f"{doc.lang}/{doc.name}")
    selected = [d for d in planned if any(matches(d, w) for w in only)]
    unknown = [w for w in only if not any(matches(d, w) for d in planned)]
    if unknown:
        names = sorted({d.name for d in planned})
        raise BuildError.at(f"--only: no document called {', '.join(unknown)}", config.path,
                            hint="documents: " + ", ".join(names) + " (see --list)")
    return selected


def load(options: BuildOptions,
         reader: Reader | None = None) -> tuple[PublicationConfig, Publication]:
    """The configuration (whose problems stop everything) and the content (whose
    problems are kept with their documents)."""
    reader = reader or publication_reader(options.root)
    config = load_config(options.root, reader)
    config.profile(options.profile)     # an unknown profile is an error naming the config
    requested = [c for c in options.languages if c != BILINGUAL]
    for code in requested:
        config.language(code)          # an unknown code is an error naming the config
    codes = config.codes if (not options.languages or BILINGUAL in options.languages) \
        else tuple(requested)
    return config, load_publication(config, codes, reader, draft=options.draft,
                                    wanted=only_these(config.root, options.only))


@dataclass
class Languages:
    """Per language: its Jinja environment, or why it has none; the catalog read."""

    envs: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    untranslated: dict[str, tuple[str, ...]] = field(default_factory=dict)


def planned_languages(config: PublicationConfig, templates: TemplateSet, reader: Reader,
               codes: set[str], draft: bool) -> Languages:
    from folio.render.environment import make_environment
    locales = locales_dirs_for(config.root)
    result = Languages()
    needed = [lang for lang in config.languages if lang.code in codes]
    template_strings = None
    known = None
    for language in needed:
        record: Record = {}
        result.records[language.code] = record
        if known is None and len(catalog_paths(locales, language.code)) > 1:
            # A publication's catalog in front of the bundled one: its msgids are
            # checked against what the templates print.
            from folio.i18n.maintenance import template_strings as extract_strings
            template_strings = template_strings or extract_strings(templates.dirs)
            known = {singular for singular, _ in template_strings}
        try:
            translations = load_translations(locales, language, reader, record, known)
        except BuildError as error:
            result.problems[language.code] = list(error.problems)
            continue
        result.envs[language.code] = make_environment(templates, translations, language,
                                                      reader, tuple(config.languages))
        if language.code == MSGID_LANGUAGE:
            continue
        # A final build never prints a template string untranslated.
        if template_strings is None:
            from folio.i18n.maintenance import template_strings as extract_strings
            template_strings = extract_strings(templates.dirs)
        untranslated = tuple(singular for singular, plural in template_strings
                             if not _translated(translations, singular, plural))
        if untranslated and not draft:
            po = catalog_path(locales, language.code) or \
                config.root / "locales" / language.code / "LC_MESSAGES/messages.po"
            result.problems[language.code] = [Problem(
                f"{len(untranslated)} template string{'s' if len(untranslated) > 1 else ''}"
                f" not translated into {language.name}: "
                + ", ".join(repr(m) for m in untranslated[:6])
                + (" …" if len(untranslated) > 6 else ""), po,
                hint=f"translate them ({command()} i18n update adds them to the catalog), or "
                     "build with --draft to print them marked 'translation pending'")]
        elif untranslated:
            result.untranslated[language.code] = untranslated
    return result


MSGID_LANGUAGE = "en"


def _translated(translations: NullTranslations, singular: str, plural: str | None) -> bool:
    if plural is None:
        return translations.gettext(singular) != singular
    return translations.ngettext(singular, plural, 1) != singular or \
        translations.ngettext(singular, plural, 2) != plural


def output_path(options: BuildOptions, profile: Profile, document: PlannedDocument) -> Path:
    """``output/<lang>/…`` for the screen profile, ``output/<profile>/<lang>/…`` otherwise."""
    return options.output_dir / profile.output_subdir / document.relative_path
