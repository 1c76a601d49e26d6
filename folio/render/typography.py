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

The last line of a paragraph (``p``, ``li``, ``figcaption``, a footnote) holds at
least two words: a word joiner after the space before its last word forbids a
break there (``KEPT_SPACE``; U+00A0 NO-BREAK SPACE would do the same, but PDF
readers copy and search it as a character of its own, not a space), unless the two
words together are wider than ``LAST_PAIR_EM`` ems, which a narrow column might not
hold, or the last word is Korean of two syllables or more: KLREQ accepts it alone,
and keeping it with the word before made the line above the loosest of a page.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markdown_it import MarkdownIt

WORD_JOINER = "\u2060"
KEPT_SPACE = " " + WORD_JOINER     # a space no line may break at
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_TAG = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"[^\s\u2060]+")
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
LAST_PAIR_EM = 15       # the last two words of a paragraph are kept together up to this
# Blocks whose last line keeps two words (a footnote too: see _glue_last_words).
_PARAGRAPHS = {"p", "li", "figcaption"}
_SPACE = re.compile(r"[ \t\n\r\f]+")     # white space that collapses


def keep_korean_words(html: str) -> str:
    """Return ``html`` with every Hangul word made unbreakable (tags untouched), and
    the last two words of every paragraph kept on one line."""
    parts = _TAG.split(html)
    _glue_last_words(parts)
    out: list[str] = []
    skipping: str | None = None
    heading = 0                # inside h1…h6: spans, not joiners
    previous_glues = False     # the text before the last inline tag ended inside a word
    last_char = " "
    for part in parts:
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
        text = keep_dates(text)
        if previous_glues and not part[0].isspace() and (
                HANGUL.match(part[0]) or HANGUL.match(last_char)):
            text = WORD_JOINER + text
        out.append(text)
        previous_glues = not part[-1].isspace() and part[-1] != WORD_JOINER
        last_char = part[-1]
    return "".join(out)


def join_korean_words(text: str) -> str:
    """Plain text (not HTML) with each Hangul word's syllables joined: for text the
    stylesheet prints (a running line, a "그림" label), which no tag can hold."""
    return re.sub(r"\S+", lambda m: WORD_JOINER.join(m[0]) if HANGUL.search(m[0]) else m[0],
                  text)


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


def _glue_last_words(parts: list[str]) -> None:
    """Make the space before the last word of each paragraph in ``parts`` (the
    HTML split at its tags) a ``KEPT_SPACE``. Words are found across inline tags.
    A footnote's text is not its paragraph's (it is laid out at the foot of the
    page) but a paragraph of its own; a block inside a list item (a nested list)
    ends the item's text before it."""
    paragraphs: list[list[int]] = []    # the open paragraphs: their text parts so far
    spans: list[bool] = []              # the open spans: is it a footnote?
    skipping: str | None = None
    for index, part in enumerate(parts):
        if not part:
            continue
        if not part.startswith("<"):
            if paragraphs and not skipping:
                paragraphs[-1].append(index)
            continue
        name_match = _TAG_NAME.match(part)
        name = name_match[1].lower() if name_match else ""
        closing = part.startswith("</")
        empty = part.endswith("/>")     # <br/>: neither opens nor closes
        if skipping:
            if closing and name == skipping:
                skipping = None
        elif not closing and not empty and name in _SKIP_TAGS:
            skipping = name
        else:
            _paragraph_tag(parts, part, name, closing, empty, paragraphs, spans)


def _paragraph_tag(parts: list[str], part: str, name: str, closing: bool, empty: bool,
                   paragraphs: list[list[int]], spans: list[bool]) -> None:
    """A tag that may open or close a paragraph (a footnote's span is one), or end
    the text of the open one (a nested list, an image, a line break)."""
    if name == "span" and not empty:
        if not closing:
            spans.append('class="footnote"' in part)
            if spans[-1]:
                paragraphs.append([])
        elif spans and spans.pop() and paragraphs:
            _glue(parts, paragraphs.pop())
    elif name in _PARAGRAPHS and not empty:
        if not closing:
            paragraphs.append([])
        elif paragraphs:
            _glue(parts, paragraphs.pop())
    elif name in _BLOCK_TAGS and paragraphs:
        _glue(parts, paragraphs[-1])
        paragraphs[-1].clear()


def _glue(parts: list[str], paragraph: list[int]) -> None:
    """Make the last space between words of the paragraph's text a ``KEPT_SPACE``,
    if the two words around it fit on a narrow line; the rest of that white space
    (it may run across a tag) goes, as layout would collapse it."""
    text = "".join(parts[i] for i in paragraph)
    end = len(text.rstrip(" \t\n\r\f"))
    # Only the end matters: two words longer than this are wider than LAST_PAIR_EM.
    window = max(0, end - _PAIR_CHARACTERS)
    spaces = list(_SPACE.finditer(text, window, end))
    if not spaces or spaces[-1].start() == 0:
        return                          # one word
    if len(spaces) == 1 and window > 0:
        return                          # the last two words are too long to glue
    last = spaces[-1]
    if _syllables(text[last.end():end]) >= 2:
        return          # a Korean word of two syllables or more may stand alone (KLREQ)
    start = spaces[-2].end() if len(spaces) > 1 else 0
    pair = text[start:last.start()] + " " + text[last.end():end]
    if len(pair) > LAST_PAIR_EM and _ems(pair) > LAST_PAIR_EM:   # no character is wider
        return                                                    # than an em
    offset = 0
    for i in paragraph:
        piece = parts[i]
        low, high = max(last.start() - offset, 0), min(last.end() - offset, len(piece))
        if low < high:
            space = KEPT_SPACE if offset + low == last.start() else ""
            parts[i] = piece[:low] + space + piece[high:]
        offset += len(piece)


def _syllables(word: str) -> int:
    """How many Hangul syllables ``word`` (HTML: its tags do not count) holds."""
    return len(_HANGUL_SYLLABLE.findall(_TAG.sub("", word)))


_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
_PAIR_CHARACTERS = 400        # far more characters than LAST_PAIR_EM ems can hold


def _ems(text: str) -> float:
    """The width of ``text`` in ems, roughly: a Hangul or CJK character one, any
    other character (an entity counts as one) a little more than half."""
    return sum(1.0 if len(c) == 1 and unicodedata.east_asian_width(c) in "WF" else 0.55
               for c in _CHARACTER.findall(text))


_QUOTES = MarkdownIt("zero", {"typographer": True}).enable(["smartquotes"])


@lru_cache(maxsize=4096)
def curly_quotes(text: str) -> str:
    """``text`` with typographic quotes and apostrophes, as the Markdown body gets
    them (markdown-it's smartquotes): for the text fields a template prints, a
    title or subtitle from the front matter, a name from issue.yaml."""
    if "'" not in text and '"' not in text:
        return text
    tokens = _QUOTES.parseInline(text)
    return "".join(child.content for child in tokens[0].children or ())


# A month and its day stay on one line ("October 30"): the space between them
# takes a word joiner, as the last words of a paragraph do.
_MONTH_DAY = re.compile(
    r"\b((?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)) (\d{1,2})\b")


def keep_dates(text: str) -> str:
    """``text`` with no line break between a month and its day."""
    return _MONTH_DAY.sub(lambda m: f"{m[1]}{KEPT_SPACE}{m[2]}", text) if " " in text else text
