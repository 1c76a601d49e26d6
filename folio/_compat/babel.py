"""What Babel keeps private of a catalog, and its extraction map's reader (pinned in
pins.py)."""

from __future__ import annotations


def header_comment(catalog) -> str:
    """The catalog's header comment as read or set, placeholders unfilled.

    ``Catalog.header_comment`` (public) fills ``PROJECT``, ``VERSION``, ``YEAR`` and
    ``ORGANIZATION`` in as it reads them, so Babel's template text ("FIRST
    AUTHOR", "ORGANIZATION") could not be told from a translator's own: the text
    as written is ``Catalog._header_comment``."""
    return catalog._header_comment or ""


def parse_mapping_cfg(stream):
    """Babel's reader of an extraction map (babel.cfg), as ``pybabel extract -F``
    reads it: ``(methods, options)``. It is in ``babel.messages.frontend``, the
    command line's module, not in Babel's documented API."""
    from babel.messages.frontend import parse_mapping_cfg as parse
    return parse(stream)
