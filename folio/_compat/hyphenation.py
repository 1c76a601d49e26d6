"""Hyphenation limits WeasyPrint 70 lacks: its ``split_first_line`` and Pyphen's
``iterate`` wrapped (pinned in pins.py)."""

from __future__ import annotations

import re

HYPHENATED_IN_A_ROW = 2      # lines; CSS's hyphenate-limit-lines, which WeasyPrint 70 lacks
_BREAK = re.compile(r"[ \t\n]")   # where a line may break (a kept space has a joiner after it)
_hyphenating = False


def install_hyphenation_limits() -> None:
    """Hyphenate as a typesetter does, where CSS cannot tell WeasyPrint 70 to: at
    most ``HYPHENATED_IN_A_ROW`` hyphenated lines in a row (``hyphenate-limit-lines``
    is not supported), no hyphenation in ragged text (a line not justified has no
    spaces to save), none in a capitalised word: a name ("Jin-ju") or a
    sentence's first word, which cannot be told apart, and none in the last word
    of a text, which would end its paragraph in half a word ("opment.").

    Wraps ``split_first_line`` as the inline layout calls it: a line is laid out
    with ``hyphens: manual`` (soft hyphens still break) when its text is what
    followed two hyphenated lines, or when it is not justified. The text after a
    hyphenated line is remembered by its hash, so each new layout of the paragraph
    (WeasyPrint lays some out twice) finds the same count. Pyphen's ``iterate``
    gives no break inside a capitalised word."""
    global _hyphenating
    if _hyphenating:
        return
    import pyphen
    from weasyprint.layout import inline

    original = inline.split_first_line
    iterate = pyphen.Pyphen.iterate
    in_a_row: dict[tuple[int, int], int] = {}    # text after a hyphenated line -> lines
    plain: dict[int, tuple] = {}                # id(style) -> (style, its unhyphenated copy)

    def unhyphenated(style):
        kept = plain.get(id(style))
        if kept is None or kept[0] is not style:
            if len(plain) > 4096:
                plain.clear()
            copy = style.copy()
            copy["hyphens"] = "manual"
            kept = plain[id(style)] = (style, copy)
        return kept[1]

    def split_first_line(text, style, context, max_width, justification_spacing,
                         is_line_start=True, minimum=False):
        if style["hyphens"] != "auto":
            return original(text, style, context, max_width, justification_spacing,
                            is_line_start, minimum)
        before = in_a_row.get((hash(text), len(text)), 0)
        if before >= HYPHENATED_IN_A_ROW or style["text_align_all"] != "justify":
            return original(text, unhyphenated(style), context, max_width,
                            justification_spacing, is_line_start, minimum)
        result = original(text, style, context, max_width, justification_spacing,
                          is_line_start, minimum)
        layout, length, resume, *_ = result
        if resume is not None:
            hyphen = style["hyphenate_character"]
            hyphenated = (layout.text.endswith(hyphen)
                          and len(layout.text.encode()) == length + len(hyphen.encode()))
            rest = text.encode()[resume:].decode(errors="replace")
            if hyphenated and not _BREAK.search(rest.strip()):
                # The text's last word: a paragraph does not end in half a word.
                return original(text, unhyphenated(style), context, max_width,
                                justification_spacing, is_line_start, minimum)
            if len(in_a_row) > 100_000:
                in_a_row.clear()
            in_a_row[(hash(rest), len(rest))] = before + 1 if hyphenated else 0
        return result

    def lower_case_iterate(self, word):
        if word[:1].isupper():
            return iter(())
        return iterate(self, word)

    inline.split_first_line = split_first_line
    pyphen.Pyphen.iterate = lower_case_iterate
    _hyphenating = True
