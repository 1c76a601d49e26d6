"""markdown-it-py (folio/content/markdown.py): its block and inline rules are
public; what is used here of their state is not (pinned in pins.py)."""

from __future__ import annotations


class UsedReferences(dict):
    """``env["references"]`` for a parse, remembering which link reference
    definitions a link or image looked up (markdown-it records no use)."""

    def __init__(self) -> None:
        super().__init__()
        self.used: set[str] = set()

    def get(self, key, default=None):
        if key in self:
            self.used.add(key)
        return super().get(key, default)


def count_table_cells(md) -> None:
    """Wrap markdown-it's table rule: a body row with more cells than the header
    loses the extra ones without a word. Each such row is noted in
    ``env["table_rows_too_long"]`` as (0-based line, cells, header cells)."""
    from markdown_it.rules_block.table import escapedSplit, getLine
    from markdown_it.rules_block.table import table as table_rule

    def cells(state, line: int) -> int:
        columns = escapedSplit(getLine(state, line).strip())
        if columns and columns[0] == "":
            columns.pop(0)
        if columns and columns[-1] == "":
            columns.pop()
        return len(columns)

    def table(state, start: int, end: int, silent: bool) -> bool:
        if not table_rule(state, start, end, silent):
            return False
        if not silent:
            header = cells(state, start)
            for line in range(start + 2, state.line):
                found = cells(state, line)
                if found > header:
                    state.env.setdefault("table_rows_too_long", []).append(
                        (line, found, header))
        return True

    md.block.ruler.at("table", table, {"alt": ["paragraph", "reference"]})


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x1100 <= code <= 0x11FF or 0x2E80 <= code <= 0x9FFF or 0xA960 <= code <= 0xA97F
            or 0xAC00 <= code <= 0xD7FF or 0xF900 <= code <= 0xFAFF
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x3FFFF)


def cjk_friendly_emphasis(md) -> None:
    """``**'창의도시'**는`` is bold in Korean: CommonMark's flanking rules do not let
    ``**`` close after punctuation when a letter follows, which in Korean is every
    particle after a quoted or bracketed word, so the ``**`` printed as typed.

    As the CJK-friendly amendment to CommonMark (markdown-cjk-friendly) does, a
    Chinese, Japanese or Korean character next to the run counts, for that rule,
    as whitespace or punctuation would. markdown-it's emphasis and strikethrough
    rules ask ``state.scanDelims``; their state gets this one instead."""
    import types

    from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
    from markdown_it.rules_inline.state_inline import Scanned

    def scan(self, start: int, can_split_word: bool):
        pos, maximum = start, self.posMax
        marker = self.src[start]
        last = self.src[start - 1] if start > 0 else " "
        while pos < maximum and self.src[pos] == marker:
            pos += 1
        after = self.src[pos] if pos < maximum else " "
        last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
        next_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
        last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
        last_cjk, next_cjk = _is_cjk(last), _is_cjk(after)
        left = not (next_space or (next_punct and not (last_space or last_punct or last_cjk)))
        right = not (last_space or (last_punct and not (next_space or next_punct or next_cjk)))
        can_open = left and (can_split_word or not right or last_punct)
        can_close = right and (can_split_word or not left or next_punct)
        return Scanned(can_open, can_close, pos - start)

    for name in ("emphasis", "strikethrough"):
        original = md.inline.ruler.__rules__[md.inline.ruler.__find__(name)].fn

        def rule(state, silent, original=original):
            state.scanDelims = types.MethodType(scan, state)
            return original(state, silent)

        md.inline.ruler.at(name, rule)


def dashes_only(md) -> None:
    """markdown-it's typographer replaces more than quotes and dashes: (c) → ©,
    +- → ±, ... → …, ,, → , and !!!! → !!!. Only the dashes are kept (-- → –,
    --- → —), with markdown-it's own patterns; the rest prints as typed."""
    from markdown_it.rules_core import replacements

    patterns = ((replacements.EM_DASH_RE, "\\1\u2014"), (replacements.EN_DASH_RE, "\\1\u2013"),
                (replacements.EN_DASH_INDENT_RE, "\\1\u2013"))

    def replace(state) -> None:
        if not state.md.options.typographer:
            return
        for token in state.tokens:
            if token.type != "inline" or not token.children or "--" not in token.content:
                continue
            inside_autolink = 0
            for child in token.children:
                if child.type == "text" and not inside_autolink:
                    for pattern, replacement in patterns:
                        child.content = pattern.sub(replacement, child.content)
                if child.type == "link_open" and child.info == "auto":
                    inside_autolink -= 1
                if child.type == "link_close" and child.info == "auto":
                    inside_autolink += 1

    md.core.ruler.at("replacements", replace)


def cjk_friendly_quotes(md) -> None:
    """Typographic quotes for Korean: markdown-it pairs a quote only where
    punctuation or a space is next to it, so ``'창의도시'는`` (a particle after
    the closing quote) printed a straight opening quote and an apostrophe. While
    its smartquotes rule runs, a CJK character counts as punctuation does, as in
    ``cjk_friendly_emphasis``; Latin text is set as before."""
    import importlib
    from typing import Any

    # The module, not the function markdown_it.rules_core exports under its name.
    smartquotes: Any = importlib.import_module("markdown_it.rules_core.smartquotes")
    index = md.core.ruler.__find__("smartquotes")
    original = md.core.ruler.__rules__[index].fn

    def rule(state) -> None:
        plain = smartquotes.isPunctChar
        smartquotes.isPunctChar = lambda char: plain(char) or _is_cjk(char)
        try:
            original(state)
        finally:
            smartquotes.isPunctChar = plain

    md.core.ruler.at("smartquotes", rule)


def note_unpaired_marks(md) -> None:
    """Record each ``*``, ``_`` or ``~`` run that pairs with none and touches
    Chinese, Japanese or Korean text: it prints as typed, where the author meant
    emphasis. Noted in ``env["unpaired_marks"][inline source]`` as (run, the
    character before, the character after), between markdown-it's pairing of
    delimiters (which leaves an unpaired one as a text token of its own) and its
    joining of text tokens (after which it cannot be told from text)."""
    def rule(state) -> None:
        tokens = state.tokens
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type != "text" or token.content not in ("*", "_", "~~", "~"):
                index += 1
                continue
            end = index
            while end + 1 < len(tokens) and tokens[end + 1].type == "text" \
                    and tokens[end + 1].content in ("*", "_", "~~", "~"):
                end += 1
            run = "".join(t.content for t in tokens[index:end + 1])
            before = next((t.content[-1] for t in reversed(tokens[:index])
                           if t.content), " ")
            after = next((t.content[0] for t in tokens[end + 1:] if t.content), " ")
            if _is_cjk(before) or _is_cjk(after):
                state.env.setdefault("unpaired_marks", {}).setdefault(
                    state.src, []).append((run, before, after))
            index = end + 1

    md.inline.ruler2.before("fragments_join", "unpaired_marks", rule)
