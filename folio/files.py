"""Files the build writes, hashes and caches: one of each.

Every file the build writes (PDFs, HTML copies, catalogs, translated files marked
by ``i18n mark``, the manifest, caches) goes through ``write_atomically``, so an
interrupted build never leaves half a file, and its temporaries are recognisable.
Every hash of file contents is ``digest``; every cache lives under ``cache_root``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from folio.errors import BuildError, shown_path

TEMP_SUFFIX = ".folio-tmp"


LOCK_FILE = ".folio.lock"


@contextmanager
def publication_lock(root: Path, exclusive: bool) -> Iterator[None]:
    """Hold the publication's lock: shared by builds, exclusive for an import (or a
    mark), so that an import never writes while a build reads, nor two imports at once.
    A publication whose folder cannot be written to cannot be imported into either:
    it is then not locked."""
    try:
        handle = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            logging.getLogger("folio").warning(
                "waiting for %s", "another import or a build of this publication"
                if exclusive else "an import into this publication")
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(handle)


def inside_publication(target: Path, root: Path) -> None:
    """Refuse to write ``target`` (a file or folder under the publication's output/,
    where folio writes unless told otherwise) if the way to it leaves the
    publication: an ``output/`` (or a folder in it) that is a symbolic link to
    elsewhere would have the build write there, unasked. An ``--out`` the editor
    names is theirs to choose, and not checked."""
    base = root.resolve()
    for path in (target, *target.parents):
        if path.exists() or path.is_symlink():
            resolved = path.resolve()
            if resolved != base and base not in resolved.parents:
                shown = shown_path(path, root)
                raise BuildError.at(
                    f"a link to {resolved}, outside the publication folder: folio writes "
                    "only inside it unless --out says where", path,
                    hint=f"make {shown} a folder of its own (remove the link), or name "
                         "the folder to write to with --out")
            return


SOURCE_FOLDERS = ("content", "templates", "locales")    # what the editor writes
SOURCE_FILES = ("publication.yaml", "glossary.yaml")


def not_over_sources(target: Path, root: Path, option: str = "--out") -> None:
    """Refuse an output (a file, or a folder written into) named by ``option`` that
    lies in the publication's own sources (content/, templates/, locales/,
    publication.yaml, glossary.yaml): a PDF must never replace a text."""
    base = root.resolve()
    resolved = target.resolve()
    sources = [base / name for name in SOURCE_FOLDERS]
    if resolved in (base / name for name in SOURCE_FILES) or any(
            resolved == folder or folder in resolved.parents for folder in sources):
        raise BuildError.at(
            f"{option} names the publication's own sources: what folio writes must not "
            "replace or mix with content, templates or catalogs", target,
            hint=f"give {option} a place outside content/, templates/ and locales/ (by "
                 "default folio writes to output/)")


def temporary_pattern(target: Path) -> str:
    """The glob matching temporary files of ``target``."""
    return f".{target.name}.*{TEMP_SUFFIX}"


def write_atomically(target: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file.

    ``mkstemp`` makes its file readable by its owner only; the file that takes
    the target's place gets the mode the target had, or, for a new file, the mode
    the user's umask gives any new file (as ``open()`` would).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX,
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            os.fchmod(stream.fileno(), mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@lru_cache(maxsize=1)
def _umask() -> int:
    """The process's umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)           # elsewhere: set and restore, once
    os.umask(current)
    return current


def version(path: Path) -> tuple[int, int]:
    """A file's modification time (ns) and size, to see it change without reading
    it; (0, -1) if it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


def digest(data: bytes) -> str:
    """The hash folio gives contents: SHA-256, in hex."""
    return hashlib.sha256(data).hexdigest()


def cache_root() -> Path:
    """Where folio keeps what it can make again (``$XDG_CACHE_HOME/folio``): fonts'
    character maps, prepared faces, compiled templates, cffi's tables. Each entry
    is keyed by what it was made from, so deleting the folder only costs time."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "folio"


# CJK compatibility ideographs: NFC would replace each by its unified ideograph,
# losing the reading a Korean text chose (樂 as 락, 악 or 요); they are kept.
_COMPATIBILITY_IDEOGRAPHS = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")


def nfc(text: str) -> str:
    """Text in composed form (Unicode NFC), as it enters the build.

    macOS writes Korean decomposed (NFD): each syllable as two or three conjoining
    jamo, which print as scattered letters once anything is put between them (the
    word joiners that keep Korean words whole). Every text file the build reads
    goes through this (``Reader.read_text``); so must any text that reaches it
    otherwise (imported PO and XLIFF, file names)."""
    if unicodedata.is_normalized("NFC", text):
        return text
    pieces = _COMPATIBILITY_IDEOGRAPHS.split(text)
    return "".join(piece if index % 2 else unicodedata.normalize("NFC", piece)
                   for index, piece in enumerate(pieces))


def on_disk(path: Path) -> Path:
    """``path``, or the file whose name differs from it only in normal form: a file
    made on macOS has its Korean name decomposed, the text naming it is composed."""
    if path.exists():
        return path
    found = Path(path.anchor) if path.is_absolute() else Path()
    for part in path.parts[len(found.parts):]:
        candidate = found / part
        if not candidate.exists() and part not in ("", ".", ".."):
            wanted = nfc(part)
            try:
                candidate = next((found / entry for entry in sorted(os.listdir(found))
                                  if nfc(entry) == wanted), candidate)
            except OSError:
                return path
        found = candidate
    return found


def relative_name(path: Path, root: Path, resolved: bool = False) -> str | None:
    """``path`` named from ``root`` ('/' between its parts), both with symlinks
    resolved: the one name a file has in records, the HTML and the preview, however
    it was reached. None when it is not below ``root`` (each caller says what then).
    ``resolved``: both are resolved already (a caller that keeps them so, as the
    build's Reader, spares the dozen system calls of each ``resolve``). A message
    names a file as the editor gave it: ``errors.shown_path``."""
    if not resolved:
        path, root = path.resolve(), root.resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None
