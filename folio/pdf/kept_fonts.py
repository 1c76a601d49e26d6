"""One WeasyPrint font configuration per process, kept from one document to the next.

A new ``FontConfiguration`` per document loads fontconfig's configuration again
and copies each ``@font-face`` file (the prepared Korean faces: 12 MB) into a
temporary folder: about 60 ms of each piece of an issue laid out by parts, and
of each notice. Kept, the next document finds its faces added. It is used only
where it is what a new one would be: the same publication, the same faces added
in the order the document declares them, from files unchanged since. A document
that declared others is laid out again with a new configuration, which is kept.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from folio.files import version


@dataclass
class _Kept:
    root: Path
    config: Any                         # _compat.recording_font_configuration()


_kept: _Kept | None = None


def font_configuration(root: Path):
    """A configuration for a document of the publication at ``root``: the kept one
    if its files are as they were, else a new one (then kept)."""
    if _kept is not None and (_kept.root != root or _kept.config.failed
                              or _changed(_kept.config)):
        forget()
    if _kept is None:
        return renew(root)
    _kept.config.asked.clear()
    return _kept.config


def renew(root: Path):
    """A new configuration, kept from now on instead of the last."""
    global _kept
    from folio._compat import own_font_folder, recording_font_configuration
    forget()
    config = recording_font_configuration()
    _kept = _Kept(root, config)
    own_font_folder(config)             # kept first: forget() removes what this makes
    return config


def fits(config) -> bool:
    """Whether the document just laid out with ``config`` declared exactly its
    faces, in the order they were added: then it was laid out as with a new one."""
    faces: dict[str, dict[str, str]] = config.faces
    declared = [key for key in dict.fromkeys(config.asked) if key in faces]
    return declared == list(faces)


def forget() -> None:
    """Remove the kept configuration's temporary folder (a worker ending with
    ``os._exit`` calls this first: atexit handlers do not run then)."""
    global _kept
    from folio._compat import remove_font_folder
    if _kept is not None:
        remove_font_folder(_kept.config)
    _kept = None


_inherited: list = []        # configurations a forked process got from its parent


def _forked() -> None:
    """In a process just forked: the configuration it inherited is its parent's, and
    so is the folder WeasyPrint removes when the configuration is collected. It
    is kept, never released here: releasing its Pango font map takes fontconfig's
    lock, which a thread of the parent may have held at the fork (a zygote hung
    so, seen with gdb)."""
    global _kept
    from folio._compat import disown_font_folder
    if _kept is not None:
        disown_font_folder(_kept.config)
        _inherited.append(_kept)
    _kept = None


os.register_at_fork(after_in_child=_forked)
atexit.register(forget)


def _changed(config) -> bool:
    """Whether a file a face of ``config`` was read from has changed since."""
    return any(version(path) != stat for path, stat in config.files.items())
