"""Property (issue 28): no text is lost between the Markdown an author writes and the
HTML that is laid out. Every word CommonMark would show is in folio's HTML, or the
build reports a problem with a line.

The oracle is markdown-it itself as plain CommonMark, with footnotes and
strikethrough but without tables (a table row is a paragraph there, so a cell
the table drops is still seen) and without typographic replacements: the words
of its HTML that a browser would show (not tag names, URLs or comments).
"""

from __future__ import annotations

import html as html_module
import os
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from folio.content.markdown import MarkdownSource, render_markdown
from folio.errors import ProblemCollector

EXAMPLES = int(os.environ.get("FOLIO_FUZZ_EXAMPLES", "200"))

# Markdown syntax an author types, and the raw HTML that used to swallow text.
SYNTAX = ["\n", "\n\n", " ", "  ", "    ", "*", "**", "_", "__", "~~", "`", "```", "~~~",
          "[", "]", "(", ")", "](", "![", "<", ">", "</div>", "<div>", "<!--", "-->",
          "<!-- c -->", "</span>", "|", "| ", " |", "|---|---|", "---", "- ", "1. ", "> ",
          "## ", "### ", "[^1]", "[^1]: ", "[^2]: ", "\\", "&", "&amp;", ":", "'", '"',
          "(c)", "+-", "...", "!!!!", ",,", "--", "\t", "{", "}", "{lang=ko}", "#", "=",
          "~", "-", ".", "!", "?", "'**", "**'", "<script>", "<pre>", "</pre>", "<style>",
          "<?php ", "?>"]
WORD = object()


@st.composite
def documents(draw) -> tuple[str, list[str]]:
    """Markdown from syntax and words; every word unique, so each can be found."""
    pieces = draw(st.lists(st.one_of(st.just(WORD), st.sampled_from(SYNTAX)),
                           min_size=1, max_size=50))
    words: list[str] = []
    out = []
    for piece in pieces:
        if piece is WORD:
            word = ("w", "한")[len(words) % 2] + f"{len(words):03d}"
            words.append(word)
            out.append(word)
        else:
            out.append(piece)
    return "".join(out) + "\n", words


class _Text(HTMLParser):
    """The text a browser shows of an HTML fragment: data, not tags or comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return html_module.unescape("".join(parser.parts))


def _oracle() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["strikethrough"])
    md.use(footnote_plugin)
    return md


ORACLE = _oracle()
ROOT = Path(tempfile.mkdtemp(prefix="folio-no-text-lost-"))
(ROOT / "content/assets").mkdir(parents=True, exist_ok=True)
(ROOT / "content/issue").mkdir(parents=True, exist_ok=True)


def check(text: str, words: list[str], allow_html: bool = False) -> None:
    problems = ProblemCollector()
    ours = render_markdown(MarkdownSource(text=text, path=ROOT / "content/issue/a.en.md",
                                          line_offset=0, root=ROOT,
                                          assets=ROOT / "content/assets",
                                          allow_html=allow_html), problems)
    if problems.problems:
        # Reported, with a line: the author is told, nothing is lost silently.
        assert all(p.line is not None for p in problems.problems), problems.problems
        return
    expected = shown(ORACLE.render(text))
    printed = shown(ours)
    lost = [w for w in words if w in expected and w not in printed]
    assert not lost, (text, lost, ours)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents())
@example(("Intro w000.\n\n</div>\nw001 sentence.\n", ["w000", "w001"]))
@example(("<!-- check --> w000 sentence.\n", ["w000"]))
@example(("w000\n\n<!-- never closed\n\nw001\n", ["w000", "w001"]))
@example(("| w000 | w001 |\n|---|---|\n| w002 | w003 | w004 |\n",
          ["w000", "w001", "w002", "w003", "w004"]))
@example(("w000[^1]\n\n[^1]: w001\n\n        w002\n", ["w000", "w001", "w002"]))
@example(("```\nw000\n\nw001\n", ["w000", "w001"]))
@example(("[^1]: w000[^1]\n", ["w000"]))        # a note that only a note calls
@example((" </div>w000\n", ["w000"]))           # a closing tag, indented
def test_no_word_of_the_markdown_is_lost_silently(document: tuple[str, list[str]]):
    check(*document)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents())
@example(("<!-- check --> w000 sentence.\n", ["w000"]))
@example((" </div>\nw000\n", ["w000"]))
def test_with_html_allowed_no_word_is_lost_silently(document: tuple[str, list[str]]):
    check(*document, allow_html=True)


# Hangul syllables, some Latin and Markdown, and a syllable already decomposed.
_KOREAN = st.lists(st.sampled_from(
    [chr(c) for c in range(0xAC00, 0xD7A4, 97)] + list("abc 한글 *_\n.,'\"") + ["\u1100\u1161"]),
    min_size=1, max_size=40).map("".join)


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(_KOREAN)
def test_decomposed_korean_renders_as_the_composed_text_does(text: str):
    """Korean pasted from macOS (NFD) prints as the same syllables as NFC text."""
    import unicodedata
    composed, decomposed = (unicodedata.normalize(form, text) for form in ("NFC", "NFD"))
    results = []
    for variant in (composed, decomposed):
        problems = ProblemCollector()
        results.append((render_markdown(MarkdownSource(
            text=variant, path=ROOT / "content/issue/a.en.md", line_offset=0, root=ROOT,
            assets=ROOT / "content/assets"), problems), [p.message for p in problems.problems]))
    assert results[0] == results[1]
    assert not any(0x1100 <= ord(c) <= 0x11FF for c in results[1][0])
