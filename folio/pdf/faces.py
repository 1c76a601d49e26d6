"""The font files a laid-out piece of an issue drew with, kept by their hash.

An issue laid out by parts (pipeline/parts.py) is put together from PDFs that each
carry their own cut of the same fonts; the whole issue then gets one cut of each
font, made again from the whole file (production/fontmerge.py). The worker that
lays out a part knows that file only as bytes in memory (WeasyPrint reads it from
Pango), so it keeps a copy here, once per machine, named by its hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from folio.files import cache_root, write_atomically


def faces_dir() -> Path:
    return cache_root() / "faces"


def keep_face(data: bytes) -> str:
    """Store a font file if it is not there yet; its name (a hash) is returned."""
    name = hashlib.blake2b(data, digest_size=16).hexdigest()
    target = faces_dir() / name
    if not target.is_file():
        write_atomically(target, data)
    return name


# A process keeps one font configuration from piece to piece (kept_fonts.py): the
# same face object comes back in every piece's report. Its name, once hashed, is
# kept beside the object itself, which keeps its id from being reused.
_NAMED: dict[int, tuple[object, str]] = {}


def keep_face_of(face: object, data: Callable[[], bytes]) -> str:
    """``keep_face`` for a face object (a HarfBuzz face), hashed once per process: a
    Korean face is 2-4 MB, and every piece of an issue reports it."""
    known = _NAMED.get(id(face))
    if known is not None and known[0] is face and face_path(known[1]).is_file():
        return known[1]
    name = keep_face(data())
    _NAMED[id(face)] = (face, name)
    return name


def face_path(name: str) -> Path:
    return faces_dir() / name
