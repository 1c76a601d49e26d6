"""Korean justification as KLREQ describes it: WeasyPrint's ``justify_line`` and
``Layout.set_text`` wrapped (pinned in pins.py). Moved verbatim from _compat.py."""

from __future__ import annotations

# A Korean line is justified as KLREQ describes: its word spaces widen first, up to
# KOREAN_SPACE_MAX_EM; only then, as a last resort, its Hangul syllables move apart,
# at most KOREAN_SYLLABLE_MAX_EM between two of them; whatever is left goes to the
# spaces again. Digits and Latin words are never spread.
KOREAN_SPACE_MAX_EM = 0.4
KOREAN_SYLLABLE_MAX_EM = 0.04
SYLLABLE_SPACING = "folio_syllable_spacing"   # a text box's style key: pt per syllable
HELD_SPACE = "folio_held_space"   # a text box's style key: its first space not stretched
_justifying = False


def install_korean_justification() -> None:
    """Justify a Korean line as Korean typesetting does (KLREQ): word spaces
    stretch first, up to ``KOREAN_SPACE_MAX_EM`` more than a space; if that leaves
    the line short, the gaps between neighbouring Hangul syllables of a word open,
    by at most ``KOREAN_SYLLABLE_MAX_EM``; the rest goes to the spaces.

    WeasyPrint 70 justifies by widening spaces only (``layout.inline.justify_line``),
    and sets letter-spacing on a whole text box, digits and Latin letters included.
    This wraps ``justify_line`` and ``Layout.set_text``: the syllable spacing is a
    key of the text box's style, which drawing reads again (``Layout.reactivate``),
    and it is set as Pango letter-spacing on the runs of Hangul syllables only. A
    line that is not Korean, or not loose, is justified by WeasyPrint as before,
    but in any line the space after a footnote call keeps its width (style key
    ``HELD_SPACE``): measured in the call's ems it read as a hole (0.76 em)."""
    global _justifying
    if _justifying:
        return
    import re

    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.line_break import create_layout, line_size

    # Two or more Hangul syllables in a row, word joiners (render/typography.py) between.
    runs = re.compile("[\uac00-\ud7a3](?:\u2060?[\uac00-\ud7a3])+")
    original = inline.justify_line
    count_spaces = inline.count_expandable_spaces
    set_text = line_break.Layout.set_text

    def text_boxes(box):
        if isinstance(box, boxes.TextBox):
            yield box
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            for child in box.children:
                if child.is_in_normal_flow():
                    yield from text_boxes(child)

    def units(text: str) -> int:
        """The characters letter-spacing widens: Pango adds it once per character
        of a run (half before its first, half after its last)."""
        return sum(len(match[0]) for match in runs.finditer(text))

    def after_calls(box, previous=None):
        """The text boxes that start with the space after a footnote call."""
        for child in getattr(box, "children", ()):
            if not child.is_in_normal_flow():
                continue
            if (child.element_tag or "").endswith("::footnote-call"):
                previous = child
            elif isinstance(child, boxes.TextBox):
                if previous is not None and child.text.startswith(" "):
                    yield child
                previous = None
            elif isinstance(child, boxes.InlineBox):
                yield from after_calls(child, previous)
                previous = None
            else:
                previous = None

    def justify_line(context, line, extra_width):
        # The space after a footnote call does not stretch: the call, small and
        # raised, already opens the gap (a stretched one read as a hole).
        held = list(after_calls(line))
        for box in held:
            box.style = box.style.copy()
            box.style[HELD_SPACE] = True
        spaces = count_spaces(line) - len(held)
        lang = line.style["lang"] or ""
        if spaces <= 0:
            return original(context, line, extra_width)
        size = line.style["font_size"]
        space_max = KOREAN_SPACE_MAX_EM * size
        if not lang.startswith("ko") or extra_width / spaces <= space_max:
            if held:
                return spread(context, line, extra_width / spaces, 0, 0)
            return original(context, line, extra_width)
        count = sum(units(b.text) for b in text_boxes(line))
        # Two units (a syllable and a word joiner) lie between two syllables.
        letter = min((extra_width - space_max * spaces) / count,
                     KOREAN_SYLLABLE_MAX_EM * size / 2) if count else 0
        spread(context, line, (extra_width - letter * count) / spaces, letter, 0)

    def spread(context, box, spacing, letter, x_advance):
        if isinstance(box, boxes.TextBox):
            box.position_x += x_advance
            box.justification_spacing = spacing
            if letter and units(box.text):
                box.style = box.style.copy()
                box.style[SYLLABLE_SPACING] = letter
            layout = create_layout(box.text, box.style, context, None, spacing)
            layout.set_text(box.text, justify=True)
            first, _ = layout.get_first_line()
            width, _ = line_size(first, box.style)
            layout.deactivate()
            x_advance += width - box.width
            box.width = width
            box.pango_layout = layout
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            box.position_x += x_advance
            before = x_advance
            for child in box.children:
                if child.is_in_normal_flow():
                    x_advance = spread(context, child, spacing, letter, x_advance)
            box.width += x_advance - before
        else:
            box.translate(x_advance, 0)
        return x_advance

    def spaced_set_text(self, text, justify=False):
        set_text(self, text, justify)
        letter = self.style.get(SYLLABLE_SPACING) if justify else None
        held = justify and self.style.get(HELD_SPACE) and self.text.startswith(" ")
        if not letter and not held:
            return
        base = self.style["letter_spacing"]
        base = 0 if base == "normal" else base
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        if held:        # as set_text spaces it, without the justification
            spacing = (self.style["word_spacing"] + base) * line_break.TO_UNITS
            attribute = pango.pango_attr_letter_spacing_new(int(2 * spacing))
            attribute.start_index, attribute.end_index = 0, 1
            pango.pango_attr_list_change(attributes, attribute)
        if not letter:
            pango.pango_layout_set_attributes(self.layout, attributes)
            return
        for match in runs.finditer(self.text):
            attribute = pango.pango_attr_letter_spacing_new(
                int((base + letter) * line_break.TO_UNITS))
            attribute.start_index = len(self.text[:match.start()].encode())
            attribute.end_index = len(self.text[:match.end()].encode())
            pango.pango_attr_list_change(attributes, attribute)
        pango.pango_layout_set_attributes(self.layout, attributes)

    inline.justify_line = justify_line
    line_break.Layout.set_text = spaced_set_text
    _justifying = True
