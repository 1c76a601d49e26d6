"""Line breaking: Korean between words (eojeol), and long words where they must.

WeasyPrint 70 ignores ``word-break: keep-all`` and breaks Korean between any two
syllables. In running text, the characters of each space-separated word
containing Hangul are joined with U+2060 WORD JOINER, invisible and absent from
extracted text; in headings, whose text becomes bookmarks and running heads, each
such word is wrapped in ``<span class="kw">`` (``white-space: nowrap``) instead.
Where a word runs across an inline tag (``창조<strong>도시</strong>``), a word
joiner glues the two sides.

A word longer than a line can hold (a web address, a long run of Korean without
spaces) would then run off the page. Such words, longer than ``LONG_WORD``
characters, are wrapped in ``<span class="long">`` (``overflow-wrap: anywhere``),
so they break where they must. Only those: ``overflow-wrap`` on all text made a
build 15 % slower.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD_JOINER = "\u2060"
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_TAG = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"[^\s]+")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9]+)")
# Tags that start a new line of text anyway: no word can run across them.
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "br", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "section", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "img",
}
_SKIP_TAGS = {"head", "style", "script", "title"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_CHARACTER = re.compile(r"&#?[A-Za-z0-9]+;|.", re.DOTALL)
LONG_WORD = 24          # characters: a word longer than this may be wider than a line


def keep_korean_words(html: str) -> str:
    """Return ``html`` with every Hangul word made unbreakable (tags untouched)."""
    out: list[str] = []
    skipping: str | None = None
    heading = 0                # inside h1…h6: spans, not joiners
    previous_glues = False     # the text before the last inline tag ended inside a word
    last_char = " "
    for part in _TAG.split(html):
        if not part:
            continue
        if part.startswith("<"):
            name_match = _TAG_NAME.match(part)
            name = name_match[1].lower() if name_match else ""
            closing = part.startswith("</")
            if skipping:
                if closing and name == skipping:
                    skipping = None
            elif not closing and name in _SKIP_TAGS and not part.endswith("/>"):
                skipping = name
            if name in _HEADINGS:
                heading += -1 if closing else 1
            if name in _BLOCK_TAGS:
                previous_glues = False
            elif previous_glues and 'class="footnote"' in part:
                # Keep the footnote call on the line of the word it follows.
                out.append(WORD_JOINER)
                previous_glues = False
            out.append(part)
            continue
        if skipping:
            out.append(part)
            continue
        text = _wrap_words(part) if heading > 0 else _join_words(part)
        if previous_glues and not part[0].isspace() and (
                HANGUL.match(part[0]) or HANGUL.match(last_char)):
            text = WORD_JOINER + text
        out.append(text)
        previous_glues = not part[-1].isspace()
        last_char = part[-1]
    return "".join(out)


@lru_cache(maxsize=65536)
def _join_words(text: str) -> str:
    """Join the characters of each Hangul word; an entity (``&amp;``) counts as one."""
    def word(match) -> str:
        characters = _CHARACTER.findall(match[0])
        joined = WORD_JOINER.join(characters) if HANGUL.search(match[0]) else match[0]
        return f'<span class="long">{joined}</span>' if len(characters) > LONG_WORD \
            else joined
    return _WORD.sub(word, text)


@lru_cache(maxsize=4096)
def _wrap_words(text: str) -> str:
    def word(match) -> str:
        long = len(_CHARACTER.findall(match[0])) > LONG_WORD
        if HANGUL.search(match[0]):
            return f'<span class="kw{" long" if long else ""}">{match[0]}</span>'
        return f'<span class="long">{match[0]}</span>' if long else match[0]
    return _WORD.sub(word, text)
