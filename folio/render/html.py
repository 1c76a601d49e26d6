"""Jinja: the content model and fixed strings into one HTML document per PDF.

Templates are the designer's room: Python hands them data, they shape the HTML,
and the CSS next to them shapes the pages. A publication's own ``templates/``
overrides the bundled ones file by file.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from folio.config.layout import BILINGUAL_TEMPLATES
from folio.config.publication import SCREEN, FontStack, Language, Profile, PublicationConfig
from folio.content.model import Issue, IssueItem, Notice
from folio.errors import BuildError
from folio.render.environment import TemplateOutside
from folio.render.typography import keep_korean_words


def source_date() -> dt.date | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) dates documents whose content has none."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    hint = ("set it to a number of seconds since 1970-01-01 (e.g. $(git log -1 "
            "--format=%ct)), or unset it")
    if not value.isdigit():
        raise BuildError.at(f"SOURCE_DATE_EPOCH='{value}' is not a number of seconds",
                            hint=hint)
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        raise BuildError.at(f"SOURCE_DATE_EPOCH={value} is not a date this machine can "
                            "represent", hint=hint) from None


def _context(config: PublicationConfig, language: Language, fonts: FontStack,
             draft: bool = False, profile: Profile = SCREEN) -> dict:
    code = language.code
    return {
        "lang": language,
        "profile": profile,
        "draft": draft,
        "source_date": source_date(),
        "publication": {
            "title": config.title[code],
            "short_title": config.short_title[code],
            "other_titles": [{"lang": other, "title": config.title[other.code]}
                             for other in config.languages if other.code != code],
            "prepared_fonts": config.prepared_fonts,
            "cover": config.cover.for_language(code) if config.cover else None,
        },
        "fonts": fonts,
        "page_size": config.page_size,
        "notice_page_size": config.notice_page_size,
        "logo": config.logo.relative_to(config.root).as_posix(),
    }


@dataclass(frozen=True)
class StampPage:
    """One page of an issue's stamps: its named page, and the running head it shows."""

    page_name: str = ""                 # "front", "folio-blank", "opener", or "" (the default)
    running_head: str = ""
    cite_article: str = ""              # the anchor of the citable article it opens
    cite_pages: str = ""                # that article's pages, "5–7"


@dataclass(frozen=True)
class IssuePart:
    """One piece of an issue laid out on its own (see journal.html.j2, pipeline/parts.py)."""

    kind: str                                       # "front", "run", "back" or "stamps"
    items: tuple[IssueItem, ...] = ()               # run: its articles
    toc_pages: dict[str, int] = field(default_factory=dict)   # front: anchor -> page
    lead: bool = False                              # back, stamps: begin on a left-hand page
    pages: tuple[StampPage, ...] = ()               # stamps
    first_number: int = 1                           # stamps: the first page's number


def page_range(first: int, last: int) -> str:
    return str(first) if last <= first else f"{first}–{last}"


def render_issue_html(issue: Issue, config: PublicationConfig, env: jinja2.Environment,
                      profile: Profile = SCREEN, draft: bool = False,
                      part: IssuePart | None = None,
                      page_ranges: dict[str, str] | None = None, typeset: bool = True) -> str:
    """``draft``: the build prints stand-in text besides what ``issue`` says (template
    strings not yet translated): its pages are marked too. ``part``: one piece of
    the issue, or the whole of it. ``page_ranges``: the whole issue's articles'
    pages ("5–7"), by anchor, as far as they are known, for "Cite this article".
    ``typeset=False``: without the typography pass (``keep_korean_words``), for a
    piece whose cached layout may make the pass needless."""
    language = issue.language
    return _render(env, "journal.html.j2", keep_words=typeset, issue=issue, part=part,
                   page_ranges=page_ranges or {},
                   **_context(config, language, config.fonts[language.code],
                              issue.pending or draft, profile))


def render_notice_html(notice: Notice, config: PublicationConfig, env: jinja2.Environment,
                       profile: Profile = SCREEN, draft: bool = False) -> str:
    language = notice.language
    return _render(env, "notice.html.j2", notice=notice,
                   **_context(config, language, config.fonts[language.code],
                              bool(notice.pending) or draft, profile))


def render_bilingual_notice_html(notices: tuple[Notice, ...], config: PublicationConfig,
                                 envs: dict[str, jinja2.Environment],
                                 layout: str = "stacked", profile: Profile = SCREEN,
                                 template: str | None = None) -> str:
    """Each language is rendered with its own catalog, then the sheet puts them together.

    ``side-by-side`` pairs the notices' body blocks row by row, so they must have
    as many; ``duplex`` prints one language per side of the sheet.
    """
    if layout == "side-by-side":
        _check_blocks_pair(notices)
    halves = []
    for notice in notices:
        code = notice.language.code
        context = _context(config, notice.language, config.fonts[code], profile=profile)
        html = _render(envs[code], "notice_half.html.j2", notice=notice, keep_words=False,
                       **context)
        masthead = _render(envs[code], "notice_masthead.html.j2", keep_words=False, **context)
        info = _render(envs[code], "notice_info.html.j2", notice=notice, keep_words=False,
                       **context)
        halves.append({"lang": notice.language, "html": Markup(html),
                       "masthead": Markup(masthead), "fonts": config.fonts[code],
                       "title": notice.title, "notice": notice, "info": Markup(info)})
    first = notices[0].language
    return _render(envs[first.code], template or BILINGUAL_TEMPLATES[layout], halves=halves,
                   notices=notices, **_context(config, first, config.fonts[first.code],
                                               any(n.pending for n in notices), profile))


def _check_blocks_pair(notices: tuple[Notice, ...]) -> None:
    counts = [len(n.body_blocks) for n in notices]
    if len(set(counts)) > 1:
        listing = ", ".join(f"{n.source.name} has {len(n.body_blocks)}" for n in notices)
        raise BuildError.at(
            f"side-by-side notice '{notices[0].slug}': the languages have different numbers "
            f"of paragraphs ({listing})", notices[0].source,
            hint="split or join paragraphs so they match one for one, or use "
                 "'bilingual: stacked'")


def _render(env: jinja2.Environment, name: str, keep_words: bool = True, **context) -> str:
    try:
        html = env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        raise BuildError.at(f"template syntax error: {error.message}",
                            Path(error.filename or name), error.lineno,
                            hint="fix the template tag on this line") from None
    except TemplateOutside as error:
        path, line = _template_frame(error)
        raise BuildError.at(f"template '{error.name}' leads out of templates/: a template "
                            "may use only templates of the publication's templates/ or the "
                            "bundled ones", path or Path("templates"), line,
                            hint="name it relative to templates/, without '..' or a "
                                 "leading '/' (copy the file into templates/)") from None
    except jinja2.TemplateNotFound as error:
        path, line = _template_frame(error)
        raise BuildError.at(f"template '{error.name}' not found", path or Path("templates"),
                            line, hint="check the name, or add the template to the "
                                       "publication's templates/") from None
    except jinja2.TemplateError as error:
        path, line = _template_frame(error)
        raise BuildError.at(f"template error: {error}", path or Path(name), line,
                            hint="a field name may be misspelt in the template") from None
    except BuildError:
        raise
    except Exception as error:      # {{ title + 1 }}: the template's mistake (or re-raised)
        path, line = _template_frame(error)
        if path is None:
            raise
        raise BuildError.at(f"template error: {type(error).__name__}: {error}", path, line,
                            hint="check the expression on this line of the template"
                            ) from None
    return keep_korean_words(html) if keep_words else html


def _template_frame(error: Exception) -> tuple[Path | None, int | None]:
    """Jinja rewrites tracebacks so template frames carry the template file and line."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(".j2"):
            return Path(frame.filename), frame.lineno
    return None, None
