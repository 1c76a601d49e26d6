"""Prepared CJK faces: the big font collections cut down once per machine, not per PDF.

A Noto CJK face is a 20 MB collection of 65,000 glyphs. For every PDF, WeasyPrint
copies it into memory and HarfBuzz subsets it, which made a Korean notice cost
2.5 times an English one. So each large declared face is cut once (uharfbuzz,
about 0.2 s) to the Korean and Latin repertoire a publication of this kind uses,
kept in the font cache (``~/.cache/folio/fonts``), and put first in the font
stack under its own name; the full face stays right behind it, so any other
character (Hanja, rare symbols) is still drawn by it.

The prepared face also has half-width corner brackets and parentheses (see
``HALF_WIDTH``): Korean text, with its word spaces, sets them as a typesetter
sets Latin brackets, and a face in which they *are* 500 units wide keeps the
PDF's widths, the glyphs' positions and the text a reader extracts in agreement
(OpenType ``palt`` moves the glyph but leaves its width in the PDF at 1000).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from folio.config.publication import FontStack, PublicationConfig
from folio.files import cache_root, digest, write_atomically
from folio.pdf.fonts import find_faces

LARGE = 8 * 1024 * 1024          # faces bigger than this are prepared
SCHEME = "folio-font"            # URLs the publication's fetcher serves from the cache
WEIGHTS = {"regular": 400, "bold": 700}
VERSION = "4"
REPERTOIRE = (
    (0x0020, 0x007E), (0x00A0, 0x024F),          # Latin
    (0x2000, 0x206F), (0x2190, 0x21FF),          # punctuation, arrows
    (0x3000, 0x303F),                            # CJK symbols and punctuation
    (0x1100, 0x11FF), (0x3130, 0x318F),          # Hangul jamo
    (0xAC00, 0xD7A3),                            # Hangul syllables
    (0xFF00, 0xFFEF),                            # half- and full-width forms
)


@dataclass(frozen=True)
class PreparedFace:
    family: str          # the declared family it stands in front of
    alias: str           # its own family name in the CSS
    weight: int
    file: Path

    @property
    def url(self) -> str:
        return f"{SCHEME}:{self.file.name}"


def prepare(config: PublicationConfig) -> tuple[PreparedFace, ...]:
    """Prepared faces for every large declared face (made now if not cached)."""
    prepared = []
    families = dict.fromkeys(f for stack in config.fonts.values() for f in stack.families)
    for family in families:
        for face in find_faces(family):
            weight = WEIGHTS.get(face.style.lower())
            if weight is None or face.file.stat().st_size < LARGE:
                continue
            prepared.append(PreparedFace(family, f"{family} folio", weight,
                                         prepared_file(face.file, face.index)))
    return tuple(prepared)


def prepared_file(file: Path, index: int) -> Path:
    """The prepared cut of face ``index`` of ``file`` (made now if not cached)."""
    target = cache_dir() / f"{_key(file, index)}.otf"
    if not target.is_file():
        _subset(file, index, target)
    return target


def with_prepared(config: PublicationConfig,
                  prepared: tuple[PreparedFace, ...]) -> PublicationConfig:
    """The configuration as the templates should see it: prepared faces first."""
    aliases = {p.family: p.alias for p in prepared}

    def stack(families: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(name for f in families for name in
                     ((aliases[f], f) if f in aliases else (f,)))
    fonts = {code: FontStack(serif=stack(s.serif), sans=stack(s.sans), lines=s.lines)
             for code, s in config.fonts.items()}
    return dataclasses.replace(config, fonts=fonts, prepared_fonts=prepared)


def cache_dir() -> Path:
    return cache_root() / "fonts"


def _key(file: Path, index: int) -> str:
    stat = file.stat()
    return digest(f"{VERSION}|{file}|{index}|{stat.st_size}|{stat.st_mtime_ns}|"
                          f"{REPERTOIRE}".encode())[:24]


def _subset(file: Path, index: int, target: Path) -> None:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(file)), index)
    request = hb.SubsetInput()
    # WeasyPrint writes glyph ids as CIDs (Identity). The source collections have
    # CID = GID; a subset keeps the old CIDs in its charset unless told otherwise,
    # and a conforming reader then finds no glyph for most CIDs (veraPDF 6.2.11.4.1).
    request.flags |= hb.SubsetFlags.CFF_IDENTITY_CHARSET
    for start, end in REPERTOIRE:
        for codepoint in range(start, end + 1):
            request.unicode_set.add(codepoint)
    write_atomically(target, _half_width_brackets(hb.subset(face, request).blob.data))


# Full-width brackets made half-width (KLREQ: a Korean text's brackets carry no
# blank of their own; the word space is the blank). An opening bracket's ink is on
# the right half of its em, so its outline moves left by the half it loses; a
# closing bracket's ink is on the left half, so only its advance shrinks.
HALF_WIDTH = {"「": -500, "『": -500, "（": -500, "」": 0, "』": 0, "）": 0}
EM = 1000


def _half_width_brackets(data: bytes) -> bytes:
    """The face ``data`` with the ``HALF_WIDTH`` brackets 500 units wide, ink kept."""
    from io import BytesIO

    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(data), recalcBBoxes=False)   # bounds of 12,000 glyphs: 25 s
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    charstrings = font["CFF "].cff.topDictIndex[0].CharStrings
    for char, shift in HALF_WIDTH.items():
        name = cmap.get(ord(char))
        if name is None or font["hmtx"][name][0] != EM:
            continue
        old = charstrings[name]
        # A Type 2 charstring holds its width less its Private's nominalWidthX, and
        # none if it is the defaultWidthX (a width read as 607, not 500, failed
        # PDF/A's rule 6.2.11.5: /W and the font program must agree).
        private = old.private
        width = None if EM // 2 == private.defaultWidthX else \
            EM // 2 - private.nominalWidthX
        pen = T2CharStringPen(width, glyphs)
        glyphs[name].draw(TransformPen(pen, (1, 0, 0, 1, shift, 0)))
        old.setProgram(pen.getCharString(private=old.private,
                                         globalSubrs=old.globalSubrs).program)
        font["hmtx"][name] = (EM // 2, font["hmtx"][name][1] + shift)
    out = BytesIO()
    font.save(out)
    return out.getvalue()
