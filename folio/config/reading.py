"""The only way the build reads the publication's files.

Every read goes through a ``Reader``, which does two things where the file is read:

- refuses a file that is not the publication's: after symlinks are resolved, it
  must lie inside the publication folder or among folio's bundled templates and
  catalogs, or the build stops with the file and line that led there;
- records it, with the hash of the bytes read, in the ``record`` of the document
  being made (as Sphinx's ``env.note_dependency``), so that an incremental build
  knows exactly what each PDF was made from, never guessing from folder listings.
  A path looked for and not found is recorded too (as absent): a template or image
  that appears later, in front of the one used, rebuilds what it would change.
"""

from __future__ import annotations

from pathlib import Path

from folio.defaults import BUNDLED
from folio.errors import BuildError
from folio.files import digest, nfc, relative_name

ABSENT = "absent"
# Content files are text an editor wrote: a few hundred kilobytes at most. Anything
# far larger is a mistake (a PDF or image saved as .md) and would only exhaust memory.
MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_FILE_BYTES = 200 * 1024 * 1024      # images and the like

Record = dict[str, str]                 # path (relative to the root, if in it) -> hash


class Reader:
    """Reads files of one publication (and the bundled defaults) for one build."""

    def __init__(self, root: Path, also: tuple[Path, ...] = ()):
        self.root = root.resolve()
        self.allowed = (self.root, *dict.fromkeys(p.resolve() for p in also))
        self._cache: dict[Path, tuple[bytes, str]] = {}
        # One build asks for the same few paths hundreds of times (each piece of an
        # issue inlines the same stylesheets and names its article's file): each
        # resolved (symlinks followed, a dozen system calls) and decoded once.
        self._resolved: dict[Path, Path] = {}
        self._texts: dict[int, str] = {}

    # -- where files may come from ------------------------------------------------
    def key(self, path: Path) -> str:
        """How a file is named in records and messages: relative to the root if in it."""
        resolved = self._resolve(path)
        return relative_name(resolved, self.root, resolved=True) or resolved.as_posix()

    def _resolve(self, path: Path) -> Path:
        resolved = self._resolved.get(path)
        if resolved is None:
            resolved = self._resolved[path] = path.resolve()
        return resolved


    def inside(self, path: Path, led_from: tuple[Path, int | None] | None = None,
               what: str = "file") -> Path:
        """``path`` with symlinks resolved, if it is the publication's; else an error
        at the file and line that named it (or at the file itself)."""
        resolved = self._resolve(path)
        if any(resolved == base or base in resolved.parents for base in self.allowed):
            return resolved
        where = led_from or (path, None)
        leads = f" (it leads to {resolved})" if resolved != path.absolute() else ""
        raise BuildError.at(f"{what} '{path.name}' is outside the publication folder{leads}",
                            *where, hint="the build reads only files inside the publication "
                                         "folder: copy the file into it")

    # -- reading --------------------------------------------------------------------
    def exists(self, path: Path, record: Record | None = None) -> bool:
        """Whether ``path`` is a file; a probe, recorded when the file is absent."""
        if path.is_file():
            return True
        if record is not None:
            record[self.key(path)] = ABSENT
        return False

    def read_bytes(self, path: Path, record: Record | None = None,
                   led_from: tuple[Path, int | None] | None = None, what: str = "file",
                   limit: int = MAX_FILE_BYTES) -> bytes:
        resolved = self.inside(path, led_from, what)
        cached = self._cache.get(resolved)
        if cached is None:
            try:
                size = resolved.stat().st_size
                if size > limit:
                    raise BuildError.at(
                        f"the file is {size / 1024 / 1024:.1f} MB; a {what} may be at most "
                        f"{limit // 1024 // 1024} MB", path,
                        hint="check it is the right file (not an image or PDF renamed), "
                             "or split it")
                data = resolved.read_bytes()
            except FileNotFoundError:
                raise BuildError.at(f"{what} not found", *(led_from or (path, None)),
                                    hint="check the file name") from None
            except IsADirectoryError:
                raise BuildError.at(f"'{path.name}' is a folder, not a {what}",
                                    *(led_from or (path, None))) from None
            except PermissionError:
                raise BuildError.at(f"{what} cannot be read (permission denied)", path,
                                    hint="check the file's permissions") from None
            cached = (data, digest(data))
            self._cache[resolved] = cached
        if record is not None:
            record[self.key(resolved)] = cached[1]
        return cached[0]

    def read_text(self, path: Path, record: Record | None = None,
                  led_from: tuple[Path, int | None] | None = None,
                  what: str = "file") -> str:
        """UTF-8 text, composed (NFC: Korean pasted from macOS is decomposed); a
        byte-order mark at the start is dropped, as editors write one."""
        data = self.read_bytes(path, record, led_from, what, limit=MAX_TEXT_BYTES)
        known = self._texts.get(id(data))       # the bytes stay in _cache: ids are unique
        if known is not None:
            return known
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[:error.start].count(b"\n") + 1
            raise BuildError.at(f"not UTF-8 text (byte {error.start})", path, line,
                                hint="save the file as UTF-8 (in most editors: Save As, "
                                     "encoding UTF-8)") from None
        text = self._texts[id(data)] = nfc(text.removeprefix("\ufeff"))
        return text


def publication_reader(root: Path) -> Reader:
    """A reader of the publication at ``root`` and of the bundled templates and catalogs."""
    return Reader(root, also=(BUNDLED / "templates", BUNDLED / "locales"))
