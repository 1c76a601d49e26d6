"""The declared fonts: are they installed, and can they draw every character?

WeasyPrint silently falls back to whatever font the machine has, or draws an empty
box, when a declared font lacks a glyph. A printed journal cannot have either, so
before rendering we look the families up with fontconfig (the same lookup Pango
does) and check each source file's characters against their character maps.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from folio.errors import BuildError, ProblemCollector
from folio.files import cache_root, digest, write_atomically


@dataclass(frozen=True)
class FontFace:
    family: str
    style: str
    file: Path
    index: int


_LISTING = ["fc-list", "-f", "%{family}|%{index}|%{style}|%{file}\n"]
_installed_faces: tuple[tuple[frozenset[str], str, Path, int], ...] | None = None


def start_listing() -> subprocess.Popen | None:
    """fc-list started, to run while the caller does something else (the quick
    check hashes files meanwhile); ``read_listing`` takes its answer."""
    if shutil.which("fc-list") is None:
        return None
    return subprocess.Popen(_LISTING, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)


def read_listing(listing: subprocess.Popen) -> tuple[tuple[frozenset[str], str, Path, int], ...]:
    """Every installed face, as (family names, style, file, index), from ``listing``;
    what this process asks fontconfig next (``find_faces``, ``font_files``)."""
    global _installed_faces
    output, _ = listing.communicate()
    faces = []
    for line in output.splitlines():
        names, index, style, file = (line.split("|", 3) + ["", "", "", ""])[:4]
        if file:
            faces.append((frozenset(_folded(n) for n in names.split(",")),
                          style.split(",")[0], Path(file), int(index or 0)))
    _installed_faces = tuple(faces)
    return _installed_faces


def _installed() -> tuple[tuple[frozenset[str], str, Path, int], ...]:
    """Every installed face: one fc-list run per process (each costs a fork of this
    process, and a build asks for several families), unless the quick check's
    listing answered already."""
    if _installed_faces is not None:
        return _installed_faces
    listing = start_listing()
    if listing is None:
        raise BuildError.at("fontconfig's fc-list is not installed",
                            hint="install the fontconfig package (the set-up step does)")
    return read_listing(listing)


def _folded(family: str) -> str:
    """A family name as fontconfig compares them: without case or spaces."""
    return family.replace(" ", "").casefold()


def find_faces(family: str) -> tuple[FontFace, ...]:
    """All installed faces of ``family``, as fontconfig sees them."""
    wanted = _folded(family)
    return tuple(sorted((FontFace(family, style, file, index)
                         for names, style, file, index in _installed() if wanted in names),
                        key=lambda face: (str(face.file), face.index, face.style)))


def font_files(families: tuple[str, ...]) -> tuple[Path, ...]:
    """The files of every installed face of ``families``."""
    if shutil.which("fc-list") is None:
        return ()
    wanted = {_folded(family) for family in families}
    return tuple(sorted({file for names, _, file, _ in _installed() if wanted & names}))


@lru_cache(maxsize=64)
def _cmap(file: Path, index: int, mtime_ns: int) -> frozenset[int]:
    """The code points a face maps, read once per font version.

    Reading the character map of a CJK collection costs a quarter of a second, at
    every build; so it is kept in a disk cache keyed by file, face, size and
    modification time (an updated font is read again).
    """
    cache = cache_root() / f"cmap-{_key(file, index, mtime_ns)}.json"
    try:
        ranges = json.loads(cache.read_text(encoding="utf-8"))
        return frozenset(c for start, end in ranges for c in range(start, end + 1))
    except (OSError, ValueError, TypeError):
        pass
    from fontTools.ttLib import TTFont  # only when the cache has not got it
    font = TTFont(file, fontNumber=index, lazy=True)
    try:
        points = frozenset(font.getBestCmap() or {})
    finally:
        font.close()
    _store(cache, _ranges(points))
    return points


def _key(file: Path, index: int, mtime_ns: int) -> str:
    size = file.stat().st_size
    return digest(f"{file}|{index}|{mtime_ns}|{size}".encode())[:24]


def _ranges(points: frozenset[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for point in sorted(points):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return ranges


def _store(path: Path, data) -> None:
    """Best effort: a cache that cannot be written only costs time."""
    try:
        write_atomically(path, json.dumps(data).encode())
    except OSError:
        pass


def coverage(families: tuple[str, ...], config_path: Path,
             line_of: Callable[[str], int | None] = lambda family: None) -> frozenset[int]:
    """Code points drawable by at least one of ``families``; each must be installed
    (one missing is reported at ``line_of(family)`` of ``config_path``)."""
    problems = ProblemCollector()
    covered: set[int] = set()
    for family in families:
        faces = find_faces(family)
        if not faces:
            problems.add(f"font '{family}' is not installed", config_path, line_of(family),
                         hint="install it (`fc-list : family` lists the families this "
                         "computer has; the set-up step installs the declared fonts), or "
                         "name an installed family there")
            continue
        regular = next((f for f in faces if f.style.lower() in ("regular", "book")), faces[0])
        covered |= _cmap(regular.file, regular.index, regular.file.stat().st_mtime_ns)
    problems.raise_if_any()
    return frozenset(covered)


def needs_glyph(char: str) -> bool:
    # Line ends, tabs and invisible format characters (word joiners, ZWJ) draw nothing.
    return unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp")


def check_glyphs(text: str, path: Path, covered: frozenset[int], families: tuple[str, ...],
                 problems: ProblemCollector, first_line: int = 1) -> None:
    """Report each character of ``text`` that none of ``families`` can draw."""
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=first_line):
        for column, char in enumerate(line, start=1):
            if char in seen or ord(char) in covered or not needs_glyph(char):
                continue
            seen.add(char)
            name = unicodedata.name(char, "unnamed character")
            problems.add(f"no declared font can draw '{char}' (U+{ord(char):04X} {name})",
                         path, number, column,
                         hint="replace the character, or add a font that has it to 'fonts' "
                         "in publication.yaml (" + ", ".join(families) + " lack it)")
