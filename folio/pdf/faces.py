"""The font files a laid-out piece of an issue drew with, kept by their hash.

An issue laid out by parts (pipeline/parts.py) is put together from PDFs that each
carry their own cut of the same fonts; the whole issue then gets one cut of each
font, made again from the whole file (production/fontmerge.py). The worker that
lays out a part knows that file only as bytes in memory (WeasyPrint reads it from
Pango), so it keeps a copy here, once per machine, named by its hash.
"""

from __future__ import annotations

import hashlib
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


def face_path(name: str) -> Path:
    return faces_dir() / name
