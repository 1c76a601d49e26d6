"""WeasyPrint's font configuration and fonts: kept between documents, their
temporary folders named and cleaned, their faces reported and left uncut
(pinned in pins.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

FONT_FOLDER_PREFIX = "weasyprint-folio-"


def own_font_folder(font_config) -> None:
    """Give a new ``FontConfiguration`` the temporary folder it copies ``@font-face``
    files to (``_folder``, which WeasyPrint makes on first use), named after this
    process: a worker killed outright cannot remove it, and the next build
    removes the folders of processes that are gone (``remove_orphan_font_folders``)."""
    import os
    import tempfile
    from pathlib import Path
    if getattr(font_config, "_folder", None) is None:
        font_config._folder = Path(tempfile.mkdtemp(prefix=f"{FONT_FOLDER_PREFIX}{os.getpid()}-"))


def remove_orphan_font_folders() -> None:
    """Remove the font folders (``own_font_folder``) of processes that have ended."""
    import shutil
    import tempfile
    from pathlib import Path
    for folder in Path(tempfile.gettempdir()).glob(f"{FONT_FOLDER_PREFIX}*-*"):
        pid = folder.name[len(FONT_FOLDER_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        if _ended(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _ended(pid: int) -> bool:
    """Whether process ``pid`` has ended: gone, or a zombie (the workers of a build
    killed outright are orphans, whose new parent may collect them late)."""
    import os
    from pathlib import Path
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False                    # another user's process, alive
    # A zombie: each of its threads has ended (a process whose first thread ended
    # while others run shows Z too, but is alive).
    try:
        states = [(task / "stat").read_text(encoding="ascii", errors="replace")
                  .rsplit(")", 1)[-1].split()[0]
                  for task in Path(f"/proc/{pid}/task").iterdir()]
    except (OSError, IndexError):
        return False                    # no /proc (not Linux): alive, as kill said
    return bool(states) and all(state in "ZX" for state in states)



def recording_font_configuration():
    """A new WeasyPrint ``FontConfiguration`` that can be kept from one document to
    the next (``pdf/kept_fonts.py``). WeasyPrint adds each ``@font-face`` to it once
    (``add_font_face``, keyed by the rule's descriptors); this one also remembers
    the files each face was read from (the fetcher's ``record``) and adds them to
    the record of every later document that declares the face; lists the faces
    each document declared (``asked``, emptied by the caller); keeps the stat of
    each local file a face is read from, taken before reading (``files``); and
    says whether a face could not be loaded (``failed``: WeasyPrint's warning
    comes only the first time, so the configuration must not be kept)."""
    import hashlib
    import logging
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    from weasyprint.text.fonts import FontConfiguration

    from folio.files import version

    class Warned(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.count = 0

        def emit(self, record):
            self.count += 1

    class Recording(FontConfiguration):
        def __init__(self):
            super().__init__()
            self.faces: dict[str, dict[str, str]] = {}   # rule -> files read: hash
            self.asked: list[str] = []
            self.files: dict[Path, tuple[int, int]] = {}
            self.failed = False

        def add_font_face(self, rule_descriptors, url_fetcher):
            key = str(rule_descriptors)
            self.asked.append(key)
            record = getattr(url_fetcher, "record", None)
            if key in self.faces:
                if record is not None:
                    record.update(self.faces[key])
                return None
            for _, url in rule_descriptors.get("src", ()):
                if isinstance(url, str) and urlsplit(url).scheme == "file":
                    path = Path(unquote(urlsplit(url).path))
                    self.files.setdefault(path, version(path))
            read: dict[str, str] = {}
            if record is not None:
                url_fetcher.record = read
            warned = Warned()
            logger = logging.getLogger("weasyprint")
            logger.addHandler(warned)
            try:
                result = super().add_font_face(rule_descriptors, url_fetcher)
            finally:
                logger.removeHandler(warned)
                if record is not None:
                    url_fetcher.record = record
                    record.update(read)
            # Only a face that was added (WeasyPrint's copy of its file is named by
            # the md5 of the rule); a face that was not is tried again next time.
            folder = getattr(self, "_folder", None)
            if warned.count:
                self.failed = True
            elif folder is not None and (folder / hashlib.md5(
                    key.encode(), usedforsecurity=False).hexdigest()).exists():
                self.faces[key] = read
            return result

    return Recording()


def remove_font_folder(font_config) -> None:
    """Remove the temporary folder a ``FontConfiguration`` copied ``@font-face``
    files to (``_folder``), which WeasyPrint removes only in ``__del__``."""
    import shutil
    folder = getattr(font_config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        font_config._folder = None



def disown_font_folder(font_config) -> None:
    """Leave the temporary folder of ``font_config`` alone from now on (``_folder``,
    which WeasyPrint removes when the configuration is collected): a process just
    forked inherited the configuration, and the folder is its parent's."""
    font_config._folder = None


# -- what an issue laid out by parts needs to put them together -------------------------

def used_fonts(document) -> list:
    """The fonts a written ``Document`` drew with (``Document.fonts``, filled while
    writing), each as WeasyPrint's ``Font``: ``hash`` (its resource name in the
    PDF), ``name``, ``hb_face``, ``index``, ``widths`` and ``to_unicode`` (by
    glyph id, for the glyphs drawn), ``missing``, ``bitmap``, ``used_in_forms``
    and ``type`` (otf, ttf)."""
    return list(document.fonts.values())


@contextlib.contextmanager
def fonts_left_uncut():
    """While writing a piece of an issue, embed no font program: the pieces' fonts
    are cut once for the whole issue when they are put together
    (production/fontmerge.py), and cutting each of four CJK faces for every piece
    took a tenth of a second. ``Font.clean`` (WeasyPrint's cut) is replaced by
    one that leaves four bytes, the signature ``Font.type`` reads, for plain
    vector fonts; variable and colour fonts are cleaned as usual (they are not
    shared, and such an issue is laid out whole)."""
    from weasyprint.pdf import fonts as weasy_fonts
    clean = weasy_fonts.Font.clean

    def leave_uncut(font, to_unicode, hinting):
        if not plain_vector_font(font):
            return clean(font, to_unicode, hinting)
        font.file_content = b"OTTO" if font.type == "otf" else b"\x00\x01\x00\x00"

    weasy_fonts.Font.clean = leave_uncut
    try:
        yield
    finally:
        weasy_fonts.Font.clean = clean


def plain_vector_font(font) -> bool:
    """Neither variable (instanced by WeasyPrint) nor colour, nor a bitmap font."""
    return not (font.bitmap or "fvar" in font.tables or font.png or font.svg or font.colr)


def face_data(font) -> bytes:
    """The whole font file a ``Font`` was made from (a collection for a TTC face:
    see ``font.index``), before WeasyPrint cut it down for the PDF."""
    from weasyprint.text.fonts import get_hb_object_data
    return get_hb_object_data(font.hb_face)


@dataclass(frozen=True)
class DrawnFont:
    """What an issue laid out by parts needs of one font a written ``Document`` drew
    with (WeasyPrint's ``Font`` is not public API)."""

    resource: str                       # its resource name in the PDF (``Font.hash``)
    name: str                           # the PDF's /BaseFont, without the slash
    kind: str                           # "otf", "ttf" or "bitmap"
    face: object                        # the HarfBuzz face: one per font file and face
    index: int                          # the face in a collection
    widths: dict                        # glyph id -> width, as written in /W
    to_unicode: dict                    # glyph id -> text, for the glyphs drawn
    mergeable: bool                     # a plain vector font, no glyph missing, no form
    data: Callable[[], bytes]           # the whole font file (``face_data``)


def drawn_fonts(document) -> list[DrawnFont]:
    """The fonts a written ``Document`` drew with (``used_fonts``), as ``DrawnFont``."""
    return [DrawnFont(font.hash,
                      font.name.decode()[1:] if isinstance(font.name, bytes) else font.name,
                      "bitmap" if font.bitmap else font.type, font.hb_face, font.index,
                      font.widths, font.to_unicode,
                      plain_vector_font(font) and not font.missing and not font.used_in_forms,
                      partial(face_data, font))
            for font in used_fonts(document)]
