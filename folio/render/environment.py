"""The Jinja environment of a language: templates read through the build's Reader,
gettext installed, filters for dates, numbers, fonts and CSS strings.

Templates are the designer's room: Python hands them data, they shape the HTML.
A publication's own ``templates/`` overrides the bundled ones file by file.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import jinja2
from babel import Locale
from babel.lists import format_list
from babel.support import NullTranslations
from markupsafe import Markup

from folio.config.layout import TemplateSet
from folio.config.publication import Language
from folio.config.reading import Reader, Record
from folio.files import cache_root
from folio.i18n.formatting import Formatter
from folio.render.typography import curly_quotes, join_korean_words


class TemplateOutside(jinja2.TemplateNotFound):
    """A template name that would lead out of templates/: ``..`` or an absolute path."""


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
        segments = template.replace("\\", "/").split("/")
        if template.startswith(("/", "\\")) or ".." in segments or ":" in segments[0]:
            # Refused by name, before any file is looked at: the message names the
            # template and line that asked for it (html._render).
            raise TemplateOutside(template)
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
                     language: Language, reader: Reader,
                     languages: tuple[Language, ...] = ()) -> jinja2.Environment:
    """One environment per language: gettext is installed on the environment.
    ``languages`` are the publication's, for ``passage_lang``."""
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
        # Every text field printed gets typographic quotes, as the Markdown does.
        finalize=_typographic,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    formatter = Formatter(language)
    env.filters["date"] = formatter.date
    env.filters["number"] = formatter.number
    env.filters["font_families"] = _font_families
    env.filters["css_string"] = _css_string
    # For a text put into a translated sentence with markup (the cite line), which
    # the finalize step no longer sees as plain text.
    env.filters["typographic"] = _typographic
    env.filters["keep_words"] = join_korean_words
    env.filters["language_name"] = lambda other: _language_name(other, language)
    # "A, B and C" / "A, B 및 C", as the language joins a list of names.
    env.filters["join_list"] = lambda items: format_list(list(items),
                                                         locale=language.locale)
    env.filters["passage_lang"] = lambda text: passage_language(str(text), language,
                                                                languages)
    env.globals["stylesheet"] = lambda name: _raw_file(env, name)
    # A content file as the HTML names it (data-source), relative to the publication.
    env.filters["source"] = lambda path: reader.key(path)
    return env


_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SCRIPTS = {"ko": "Hang", "ja": "Jpan", "zh": "Hani"}


def _script(text: str) -> str | None:
    """The script most of a passage's letters are in (a Korean style's 편 in an
    English reference does not make it Korean)."""
    text = re.sub(r"<[^>]*>|&\w+;", "", text)     # the passage's text, not its markup
    counts = {script: len(pattern.findall(text)) for script, pattern in
              (("Hang", _HANGUL), ("Jpan", _KANA), ("Hani", _HAN), ("Latn", _LATIN))}
    if counts["Jpan"]:
        counts["Jpan"] += counts.pop("Hani")        # Japanese is written with kanji too
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count else None


def passage_language(text: str, language: Language, languages: tuple[Language, ...]) -> str:
    """The BCP 47 tag of a passage written in another of the publication's languages
    than ``language`` (an English reference in a Korean article), judged by its
    script; "" when it is in ``language``, or its language cannot be told. A screen
    reader reads a passage with the voice of its /Lang (tagging: _compat.py)."""
    script = _script(text)
    if script is None or script == _SCRIPTS.get(language.code, "Latn"):
        return ""
    for other in languages:
        if other.code != language.code and _SCRIPTS.get(other.code, "Latn") == script:
            return other.tag
    return ""


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    # Compiled code depends on the environment too (its finalize, which Jinja
    # compiles in, not only on the source): a folder per form of it.
    directory = cache_root() / "jinja-quotes"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None                     # no cache: slower, not wrong
    return jinja2.FileSystemBytecodeCache(str(directory))


def _font_families(families) -> Markup:
    return Markup(", ".join('"' + f.replace('"', "") + '"' for f in families))


def _typographic(value):
    """A printed value: a plain string (not markup, which is the Markdown's HTML or a
    filter's) with typographic quotes and apostrophes; not a path or an address (it
    has a "/"), whose apostrophe is part of a name to find."""
    if isinstance(value, str) and not isinstance(value, Markup) and "/" not in value:
        return curly_quotes(str(value))
    return value


def _css_string(value: str) -> Markup:
    """Text for inside a double-quoted CSS string (``<style>`` is not HTML-escaped)."""
    text = curly_quotes(str(value))
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return Markup(escaped.replace("<", "\\3c "))


def _language_name(other: Language, language: Language) -> str:
    """``en`` as a reader of ``language`` calls it: 영어, English."""
    return Locale.parse(language.locale).languages.get(other.code, other.name)


def _raw_file(env: jinja2.Environment, name: str) -> Markup:
    """A stylesheet inlined verbatim: CSS braces must not be read as Jinja syntax."""
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return Markup(source)
