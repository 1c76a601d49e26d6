"""Files appear whole or not at all: written beside their target, then renamed.

Every file the build writes (PDFs, HTML copies, catalogs, translated files marked
by ``i18n mark``, the manifest, caches) goes through here, so an interrupted
build never leaves half a file, and its temporaries are recognisable.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".folio-tmp"


def temporary_pattern(target: Path) -> str:
    """The glob matching temporary files of ``target``."""
    return f".{target.name}.*{TEMP_SUFFIX}"


def write_atomically(target: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX,
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
