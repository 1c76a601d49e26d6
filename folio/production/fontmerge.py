"""One embedded cut of each font for an issue put together from parts.

Each part of an issue laid out on its own (pipeline/parts.py) draws with glyph
ids as they are in the font file (WeasyPrint cuts fonts with HarfBuzz's
``RETAIN_GIDS``), and embeds no font program (_compat.fonts_left_uncut: cutting
four CJK faces for every part cost more than laying out a short article). Here
each font is cut once from the whole file, the way WeasyPrint cuts it, to the
union of the glyphs the parts drew, with the union of their widths and text
mappings, and every part's resource of that name points to that one font. Glyph
ids stay the same, so the pages' text is left untouched.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from math import ceil

import pikepdf

from folio.files import cache_root, write_atomically
from folio.pdf.faces import face_path
from folio.pdf.writer import FontUse

# The tables WeasyPrint drops from every cut (weasyprint/pdf/fonts.py).
_DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH",
                   "PCLT", "SVG ")


class NotMergeable(Exception):
    """A font the parts cannot share (a bitmap font, one with missing glyphs, or
    one resource name for two files): the issue is laid out whole instead."""


@dataclass
class _Merged:
    uses: list[FontUse]
    objects: list[pikepdf.Object]       # the font dictionaries of the parts

    @property
    def glyphs(self) -> set[int]:
        return {gid for use in self.uses for gid in use.to_unicode}


def merge_fonts(pdf: pikepdf.Pdf, sources: list[tuple[pikepdf.Dictionary, dict[str, FontUse]]],
                hinting: bool = False) -> None:
    """Give ``pdf`` one font per resource name for all ``sources``: each source is a
    /Font resource dictionary of one part, already in ``pdf``, with that part's
    report of its fonts. The dictionaries are changed in place."""
    merged: dict[str, _Merged] = {}
    for resources, uses in sources:
        for key in list(resources.keys()):
            name = key[1:]
            use = uses.get(name)
            if use is None:
                raise NotMergeable(f"font {name} is not in the part's report")
            if not use.mergeable:
                raise NotMergeable(f"font {use.base_font} cannot be shared")
            entry = merged.setdefault(name, _Merged([], []))
            if entry.uses and (entry.uses[0].face, entry.uses[0].index) != (use.face,
                                                                           use.index):
                raise NotMergeable(f"font resource {name} names two font files")
            entry.uses.append(use)
            entry.objects.append(resources[key])
    shared = {name: _one_font(pdf, entry, hinting) for name, entry in merged.items()}
    for resources, _ in sources:
        for key in list(resources.keys()):
            resources[key] = shared[key[1:]]


def _one_font(pdf: pikepdf.Pdf, entry: _Merged, hinting: bool) -> pikepdf.Object:
    first = entry.objects[0]
    widths = {gid: w for use in entry.uses for gid, w in use.widths.items()}
    to_unicode = {gid: text for use in entry.uses for gid, text in use.to_unicode.items()}
    use = entry.uses[0]
    program, length = cut_compressed(use.face, use.index, entry.glyphs, hinting)

    descendant = first.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    file_key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
    old_file = descriptor[file_key]
    stream = pikepdf.Stream(pdf, b"")
    stream.write(program, filter=pikepdf.Name.FlateDecode)
    if "/Subtype" in old_file:
        stream.Subtype = old_file.Subtype
    if "/Length1" in old_file:
        stream.Length1 = length
    new_descriptor = pdf.make_indirect(pikepdf.Dictionary(
        {key: descriptor[key] for key in descriptor.keys() if key != file_key}))
    new_descriptor[file_key] = pdf.make_indirect(stream)
    if "/CIDSet" in descriptor:
        new_descriptor.CIDSet = pdf.make_indirect(pikepdf.Stream(pdf, _cid_set(widths)))
    new_descendant = pdf.make_indirect(pikepdf.Dictionary(
        {key: descendant[key] for key in descendant.keys()}))
    new_descendant.FontDescriptor = new_descriptor
    new_descendant.W = _widths_array(widths)
    font = pdf.make_indirect(pikepdf.Dictionary({key: first[key] for key in first.keys()}))
    font.DescendantFonts = pikepdf.Array([new_descendant])
    font.ToUnicode = pdf.make_indirect(pikepdf.Stream(pdf, _to_unicode_cmap(to_unicode)))
    return font


def _cut_key(face: str, index: int, glyphs: set[int], hinting: bool) -> str:
    return hashlib.blake2b(f"{face}:{index}:{hinting}:{sorted(glyphs)}".encode(),
                           digest_size=16).hexdigest()


def cut_compressed(face: str, index: int, glyphs: set[int],
                   hinting: bool = False) -> tuple[bytes, int]:
    """``cut``'s font file compressed with Flate, as the PDF stores it, and its length
    before: cached too, for compressing a Korean issue's fonts (megabytes, once
    desubroutinized) was most of the time it took to write the issue."""
    cached = cache_root() / "font-cuts" / f"{_cut_key(face, index, glyphs, hinting)}.flate"
    try:
        data = cached.read_bytes()
        length = int.from_bytes(data[:4], "big")
        return data[4:], length
    except OSError:
        pass
    program = cut(face, index, glyphs, hinting)
    packed = zlib.compress(program)
    write_atomically(cached, len(program).to_bytes(4, "big") + packed)
    return packed, len(program)


def cut(face: str, index: int, glyphs: set[int], hinting: bool = False) -> bytes:
    """The font file cut to ``glyphs`` as WeasyPrint cuts it: glyph ids kept, empty
    glyphs after the last one used dropped. Kept in the cache by what it was cut
    from, so an edit that adds no new character costs nothing here."""
    cached = cache_root() / "font-cuts" / _cut_key(face, index, glyphs, hinting)
    if cached.is_file():
        return cached.read_bytes()
    import uharfbuzz as hb
    source = hb.Face(hb.Blob.from_file_path(str(face_path(face))), index)
    first = hb.SubsetInput()
    first.glyph_set.update(sorted(glyphs))
    first.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                   | hb.SubsetFlags.DESUBROUTINIZE)
    drop = first.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    drop.update(int.from_bytes(tag.encode("ascii"), "big") for tag in _DROPPED_TABLES)
    kept = hb.subset(source, first)
    second = hb.SubsetInput()
    second.glyph_set.update(range(max(glyphs) + 1))
    second.flags = hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    if not hinting:
        second.flags |= hb.SubsetFlags.NO_HINTING
    data = hb.subset(kept, second).blob.data
    write_atomically(cached, data)
    return data


def _widths_array(widths: dict[int, float]) -> pikepdf.Array:
    """/W as WeasyPrint writes it: runs of consecutive glyph ids."""
    array = pikepdf.Array()
    run: pikepdf.Array | None = None
    for gid in sorted(widths):
        if gid - 1 not in widths or run is None:
            array.append(gid)
            run = pikepdf.Array()
            array.append(run)
        run.append(widths[gid])
    return array


def _to_unicode_cmap(to_unicode: dict[int, str]) -> bytes:
    """The /ToUnicode CMap WeasyPrint writes, for the union of the parts' glyphs."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)",
             b"/Supplement 0", b">> def", b"/CMapName /Adobe-Identity-UCS def",
             b"/CMapType 2 def", b"1 begincodespacerange", b"<0000> <ffff>",
             b"endcodespacerange"]
    items = sorted(to_unicode.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for gid, text in batch:
            code = "".join(letter.encode("utf-16-be").hex() for letter in text)
            lines.append(f"<{gid:04x}> <{code}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(widths: dict[int, float]) -> bytes:
    last = max(widths)
    bits = bytearray(ceil((last + 1) / 8))
    for cid in widths:
        bits[cid // 8] |= 0x80 >> (cid % 8)
    return bytes(bits)
