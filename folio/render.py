"""Jinja: the content model and fixed strings into one HTML document per PDF.

Templates are the designer's room: Python hands them data, they shape the HTML,
and the CSS next to them shapes the pages. A publication's own ``templates/``
overrides the bundled ones file by file.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from contextlib import contextmanager
from pathlib import Path

import jinja2
from babel import Locale
from babel.support import NullTranslations
from markupsafe import Markup

from .configuration import SCREEN, FontStack, Language, Profile, PublicationConfig
from .errors import BuildError
from .fonts import cache_root
from .i18n import Formatter
from .model import Issue, Notice
from .reading import Reader, Record
from .templates import BILINGUAL_TEMPLATES, TemplateSet
from .typography import keep_korean_words


class PublicationLoader(jinja2.BaseLoader):
    """Templates from the publication's templates/, then the bundled ones, read
    through the build's Reader: a template that leads outside either is refused, a
    template that is not UTF-8 is a located error, and every template (and every
    place a template was looked for first) is recorded in ``record``, the record of
    the document being rendered."""

    def __init__(self, templates: TemplateSet, reader: Reader):
        self.dirs = templates.dirs
        self.reader = reader
        self.record: Record | None = None

    def get_source(self, environment, template):
        for directory in self.dirs:
            path = directory / template
            if self.reader.exists(path, self.record):
                text = self.reader.read_text(path, self.record, what="template")
                return text, str(path), lambda: False
        raise jinja2.TemplateNotFound(template)


@contextmanager
def recording(env: jinja2.Environment, record: Record):
    """Record the templates and stylesheets ``env`` reads while in this block."""
    loader = env.loader
    assert isinstance(loader, PublicationLoader)
    loader.record = record
    try:
        yield
    finally:
        loader.record = None


def make_environment(templates: TemplateSet, translations: NullTranslations,
                     language: Language, reader: Reader) -> jinja2.Environment:
    """One environment per language: gettext is installed on the environment."""
    env = jinja2.Environment(
        loader=PublicationLoader(templates, reader),
        # No template cache: each document's render asks the loader for every
        # template it uses, so each document's record is complete. Compiling
        # stays cached (bytecode_cache, keyed by each template's source).
        cache_size=0,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Compiling the templates took half a second of every build; Jinja keys its
        # cache by each template's source, so an edited template is compiled again.
        bytecode_cache=_bytecode_cache(),
    )
    env.install_gettext_translations(translations, newstyle=True)
    formatter = Formatter(language)
    env.filters["date"] = formatter.date
    env.filters["number"] = formatter.number
    env.filters["font_families"] = _font_families
    env.filters["css_string"] = _css_string
    env.filters["language_name"] = lambda other: _language_name(other, language)
    env.globals["stylesheet"] = lambda name: _raw_file(env, name)
    # A content file as the HTML names it (data-source), relative to the publication.
    env.filters["source"] = lambda path: reader.key(path)
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    directory = cache_root() / "jinja"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None                     # no cache: slower, not wrong
    return jinja2.FileSystemBytecodeCache(str(directory))


def _font_families(families) -> Markup:
    return Markup(", ".join('"' + f.replace('"', "") + '"' for f in families))


def _css_string(value: str) -> Markup:
    """Text for inside a double-quoted CSS string (``<style>`` is not HTML-escaped)."""
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return Markup(escaped.replace("<", "\\3c "))


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
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc).date()
    except (OverflowError, OSError, ValueError):
        raise BuildError.at(f"SOURCE_DATE_EPOCH={value} is not a date this machine can "
                            "represent", hint=hint) from None


def _language_name(other: Language, language: Language) -> str:
    """``en`` as a reader of ``language`` calls it: 영어, English."""
    return Locale.parse(language.locale).languages.get(other.code, other.name)


def _raw_file(env: jinja2.Environment, name: str) -> Markup:
    """A stylesheet inlined verbatim: CSS braces must not be read as Jinja syntax."""
    source, _, _ = env.loader.get_source(env, name)
    return Markup(source)


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
        },
        "fonts": fonts,
        "page_size": config.page_size,
        "notice_page_size": config.notice_page_size,
        "logo": config.logo.relative_to(config.root).as_posix(),
    }


def render_issue_html(issue: Issue, config: PublicationConfig, env: jinja2.Environment,
                      profile: Profile = SCREEN, draft: bool = False) -> str:
    """``draft``: the build prints stand-in text besides what ``issue`` says (template
    strings not yet translated): its pages are marked too."""
    language = issue.language
    return _render(env, "journal.html.j2", issue=issue,
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
                                 layout: str = "stacked", profile: Profile = SCREEN) -> str:
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
    return _render(envs[first.code], BILINGUAL_TEMPLATES[layout], halves=halves,
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
    except jinja2.TemplateNotFound as error:
        raise BuildError.at(f"template '{error.name}' not found", Path("templates"),
                            hint="restore it, or add it to the publication's templates/") from None
    except jinja2.TemplateError as error:
        path, line = _template_frame(error)
        raise BuildError.at(f"template error: {error}", path or Path(name), line,
                            hint="a field name may be misspelt in the template") from None
    except BuildError:
        raise
    except Exception as error:      # noqa: BLE001 - {{ title + 1 }}: the template's mistake
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
