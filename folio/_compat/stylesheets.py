"""WeasyPrint's ``find_stylesheets``, re-implemented to parse each ``<style>`` once
per process (pinned against the original in pins.py)."""

from __future__ import annotations

import re

_STYLESHEETS: dict[tuple, tuple] = {}      # see install_stylesheet_cache
# Layers are ordered across a document's stylesheets, so a document whose sheets
# may name one is left to WeasyPrint: "layer" in any case, or an at-keyword
# written with an escape (``@\6c ayer``), which CSS reads as the letter.
_MAY_HAVE_LAYERS = re.compile(r"layer|@[-\w]*\\", re.IGNORECASE)


# Why not WeasyPrint's public ``render(stylesheets=[CSS(...)])`` with the parsed
# ``CSS`` kept: those are *user* stylesheets (get_all_computed_styles gives them
# origin 'user'), and the cascade orders origins before order and specificity.
# The templates' ``!important`` declarations (journal.css) would then beat any
# author ``!important``; a kept sheet, now user, would lose to every author
# ``<style>`` left in the document (the one sheets.py adds, a sheet that cannot be
# kept) whatever their order; and the ``<style>`` elements would have to be cut
# from the HTML, moving the line numbers WeasyPrint's CSS warnings give, which
# pdf/writer.py locates. The cascade would change, so the walk is re-implemented
# and pinned against the original (pins.py: find_stylesheets,
# get_all_computed_styles).
def install_stylesheet_cache() -> None:
    """Parse each ``<style>`` once per process, not once per document.

    WeasyPrint parses a document's stylesheets for every document: 0.04 s for the
    journal's three, for each piece of an issue and each notice (a third of a
    small publication's build). A parsed ``CSS`` can be applied to any document
    (WeasyPrint's user stylesheets are); what a parse does to the document
    besides is done again for it: each ``@font-face`` added to its font
    configuration. ``find_stylesheets`` is replaced by the same walk, giving each
    stylesheet its own list of ``@page`` rules (WeasyPrint gives every author
    stylesheet the document's one list, and applies that list once per
    stylesheet: the last application, the whole list in order, is what counts;
    each stylesheet's own rules in turn is the same list in the same order).
    A document with a ``<link rel=stylesheet>`` or with layers is left to the
    original. A stylesheet is kept only if its parse did nothing else: it read no
    file (``@import``, ``@color-profile``: read again, they are recorded as the
    document's inputs, and an edit is seen), added nothing to the document's
    counter styles or colour profiles, and said nothing (a warning is a problem
    located by the build, and is said again for each document)."""
    import weasyprint.css as weasy_css
    if getattr(weasy_css.find_stylesheets, "folio", False):
        return
    original = weasy_css.find_stylesheets
    from weasyprint import CSS
    from weasyprint.css import get_child_text, media_queries

    def find_stylesheets(wrapper_element, device_media_type, url_fetcher, base_url,
                         font_config, counter_style, color_profiles, page_rules, layers):
        found = list(wrapper_element.query_all("style", "link"))
        texts = [get_child_text(w.etree_element) if w.etree_element.tag == "style" else None
                 for w in found]
        if any(text is None or _MAY_HAVE_LAYERS.search(text) for text in texts):
            yield from original(wrapper_element, device_media_type, url_fetcher, base_url,
                                font_config, counter_style, color_profiles, page_rules,
                                layers)
            return
        for wrapper, text in zip(found, texts, strict=True):
            element = wrapper.etree_element
            if element.get("type", "text/css").split(";", 1)[0].strip() != "text/css":
                continue
            media = [m.strip() for m in (element.get("media", "").strip() or "all").split(",")]
            if not media_queries.evaluate_media_query(media, device_media_type):
                continue
            yield _parsed_style(CSS, text, base_url, url_fetcher, device_media_type,
                                font_config, counter_style, color_profiles)

    find_stylesheets.folio = True           # type: ignore[attr-defined]
    find_stylesheets.original = original    # type: ignore[attr-defined]
    weasy_css.find_stylesheets = find_stylesheets


def _parsed_style(css_class, text, base_url, url_fetcher, media_type, font_config,
                  counter_style, color_profiles):
    """The ``CSS`` of one ``<style>``: kept from an earlier document if it may be,
    its ``@font-face`` rules added to this document's font configuration."""
    import logging
    key = (text, base_url, media_type)
    kept = _STYLESHEETS.get(key)
    if kept is not None:
        for descriptors in kept[1]:
            font_config.add_font_face(descriptors, url_fetcher)
        return kept[0]
    faces: list = []
    add_font_face = font_config.add_font_face

    def adding(descriptors, fetcher):
        faces.append(descriptors)
        return add_font_face(descriptors, url_fetcher)   # a face's file is not the sheet's

    class Said(logging.Handler):
        count = 0

        def emit(self, record):
            self.count += 1
    said = Said(logging.WARNING)            # a problem, as the build counts them
    logger = logging.getLogger("weasyprint")
    heard = logger.isEnabledFor(logging.WARNING)   # else a warning would go unseen
    reading = _CountingFetcher(url_fetcher)
    tables = len(counter_style), len(color_profiles)
    logger.addHandler(said)
    font_config.add_font_face = adding
    try:
        css = css_class(string=text, base_url=base_url, url_fetcher=reading,
                        media_type=media_type, font_config=font_config,
                        counter_style=counter_style, color_profiles=color_profiles,
                        page_rules=[])
    finally:
        del font_config.add_font_face
        logger.removeHandler(said)
    if (heard and not said.count and not reading.count
            and (len(counter_style), len(color_profiles)) == tables):
        if len(_STYLESHEETS) > 64:
            _STYLESHEETS.clear()
        _STYLESHEETS[key] = (css, tuple(faces))
    return css


class _CountingFetcher:
    """A document's URL fetcher that counts what a stylesheet's parse read."""

    def __init__(self, fetcher) -> None:
        self.fetcher = fetcher
        self.count = 0

    def __call__(self, url):
        self.count += 1
        return self.fetcher(url)

    def __getattr__(self, name):
        return getattr(self.fetcher, name)
