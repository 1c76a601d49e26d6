"""Korean line breaking between words (eojeol), as CSS ``word-break: keep-all``.

WeasyPrint 70 ignores ``keep-all`` and breaks Korean between any two syllables.
We keep each space-separated word containing Hangul on one line by wrapping it in
``<span class="kw">`` (``white-space: nowrap`` in the CSS). Where a word runs
across an inline tag (``창조<strong>도시</strong>``), the two spans could still be
split at the tag, so a U+2060 WORD JOINER glues them; it is invisible and does not
survive text extraction.
"""

from __future__ import annotations

import re

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


def _join_words(text: str) -> str:
    """Join the characters of each Hangul word; an entity (``&amp;``) counts as one."""
    return _WORD.sub(
        lambda m: WORD_JOINER.join(_CHARACTER.findall(m[0])) if HANGUL.search(m[0])
        else m[0], text)


def _wrap_words(text: str) -> str:
    return _WORD.sub(
        lambda m: f'<span class="kw">{m[0]}</span>' if HANGUL.search(m[0]) else m[0], text)
