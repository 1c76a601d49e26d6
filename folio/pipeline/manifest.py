"""Incremental builds: a PDF is rebuilt only when something it was made from changed.

What a PDF was made from is recorded where it is read (reading.py, the template
loader, WeasyPrint's fetcher), as Sphinx's ``note_dependency`` does: every file
with the hash of its bytes, every place a file was looked for and not found, the
font files (by size and time: they are large), and a key of the options and of
folio's own code. The manifest (``<output>/.folio-manifest.json``) maps each PDF
to that record and to the hash of the PDF written; a PDF is skipped only when the
PDF is still as written and every file it was made from reads the same. It is
rewritten after every PDF, so it never claims a file that was not written.

Most rebuilds of an unchanged publication are answered sooner, before the
pipeline is imported: after a build that succeeded, the manifest also records a
fingerprint of every file any document could be made from (the publication's
content, templates and catalogs, the bundled ones, folio's code, the installed
fonts) and of the options (``up_to_date``). Any difference, however small, falls
through to the normal build, which decides per PDF.

This module imports nothing of the pipeline: the quick check runs on it alone.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from folio import __version__
from folio.defaults import BUNDLED
from folio.files import digest, write_atomically
from folio.pdf import fonts

MANIFEST_FILE = ".folio-manifest.json"
FORMAT = 2
PACKAGE = Path(__file__).resolve().parent.parent      # all of folio, not this stage
ABSENT = "absent"               # as reading.ABSENT: looked for, not there
STAT = "stat:"                  # a large file (a font), known by size and time
_TREE = ("content", "templates", "locales")


# -- hashing ----------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def _file_hash(path: Path, size: int, mtime_ns: int) -> str:
    """Contents hashed once per (file, size, mtime) in a process."""
    return digest(path.read_bytes())


def file_hash(path: Path) -> str:
    try:
        stat = path.stat()
        if not path.is_file():
            return ABSENT
        return _file_hash(path, stat.st_size, stat.st_mtime_ns)
    except OSError:
        return ABSENT


def file_stat(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return ABSENT
    return f"{STAT}{stat.st_size}:{stat.st_mtime_ns}"


def combine(*parts: str) -> str:
    return digest("\0".join(parts).encode("utf-8"))


def code_fingerprint() -> str:
    """This package's version and code: a new folio rebuilds everything."""
    files = sorted(PACKAGE.rglob("*.py"))
    return combine(__version__, *(f"{f.relative_to(PACKAGE)}:{file_hash(f)}" for f in files))


def options_key(options: dict) -> str:
    """The options that decide what is built and how (not --jobs or --force)."""
    relevant = {k: v for k, v in options.items() if k not in ("jobs", "force", "timeout")}
    return digest(json.dumps(relevant, sort_keys=True, default=str).encode())[:32]


def unchanged(inputs: dict[str, str], root: Path,
              seen: dict[tuple[str, bool], str] | None = None) -> bool:
    """Whether every recorded input still reads as recorded; ``seen`` keeps what
    was read for the next call (an issue's pieces share their templates and fonts)."""
    seen = {} if seen is None else seen
    for name, recorded in inputs.items():
        by_stat = recorded.startswith(STAT)
        current = seen.get((name, by_stat))
        if current is None:
            path = Path(name) if name.startswith("/") else root / name
            current = seen[name, by_stat] = file_stat(path) if by_stat else file_hash(path)
        if current != recorded:
            return False
    return True


# -- the manifest -------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    key: str                        # options and code
    inputs: dict[str, str]          # every file read -> its hash
    pdf: str
    pages: int


class Manifest:
    def __init__(self, out: Path, root: Path):
        self.path = out / MANIFEST_FILE
        self.root = root
        self.entries: dict[str, Entry] = {}
        self.complete: dict[str, dict] = {}
        data = read(out)
        if data is not None:
            try:
                self.entries = {k: Entry(**v) for k, v in data["outputs"].items()}
                self.complete = dict(data.get("complete", {}))
            except (TypeError, KeyError, AttributeError):
                self.entries, self.complete = {}, {}

    def key(self, output: Path) -> str:
        return output.relative_to(self.path.parent).as_posix()

    def fresh(self, output: Path, key: str) -> Entry | None:
        """The entry, if ``output`` is still as written and made from what is there now."""
        entry = self.entries.get(self.key(output))
        if entry is None or entry.key != key or file_hash(output) != entry.pdf:
            return None
        return entry if unchanged(entry.inputs, self.root) else None

    def record(self, output: Path, key: str, inputs: dict[str, str], pages: int) -> None:
        self.entries[self.key(output)] = Entry(key, dict(sorted(inputs.items())),
                                               file_hash(output), pages)
        # Something was rebuilt: no earlier "all up to date" holds any more.
        self.complete.clear()
        self.save()

    def forget(self, output: Path) -> None:
        """A PDF that is gone (a draft replaced by the final file)."""
        if self.entries.pop(self.key(output), None) is not None:
            self.complete.clear()
            self.save()

    def record_complete(self, options: str, tree: str, outputs: list[Path],
                        products: list[Path]) -> None:
        """A build with these options finished without a problem, from this tree."""
        self.complete[options] = {"tree": tree,
                                  "outputs": [self.key(o) for o in outputs],
                                  "extras": [self.key(p) for p in products]}
        self.save()

    def save(self) -> None:
        data = {"format": FORMAT,
                "outputs": {k: vars(v) for k, v in sorted(self.entries.items())},
                "complete": self.complete}
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True).encode())


def read(out: Path) -> dict | None:
    try:
        data = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None                     # no manifest, or an unreadable one: build all
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


# -- the quick check ------------------------------------------------------------------------

def tree_fingerprint(root: Path) -> str:
    """Every file any document could be made from, by content; fonts by size and time.
    Files are named relative to the publication (or to the bundled folder), so the
    fingerprint holds when the publication folder is moved or copied."""
    listing = fonts.start_listing()      # fc-list runs while the files are hashed
    parts = [file_hash(root / "publication.yaml"), code_fingerprint()]
    for base, names in ((root, _TREE), (BUNDLED, _TREE[1:])):
        for name in names:
            folder = base / name
            if base != root and folder.resolve() in {(root / n).resolve() for n in _TREE}:
                continue                # the repository is its own bundled publication
            if folder.is_dir():
                label = "publication" if base == root else "bundled"
                for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                    parts += [f"{label}:{path.relative_to(base).as_posix()}",
                              file_hash(path)]
    parts.append(_font_stats(listing))
    parts.append(os.environ.get("SOURCE_DATE_EPOCH", ""))
    return combine(*parts)


def _font_stats(listing: subprocess.Popen | None) -> str:
    """Every installed font file with its size and time: a font update rebuilds."""
    if listing is None:
        return ""
    files = {face[2] for face in fonts.read_listing(listing)}
    return "\n".join(f"{file}:{file_stat(file)}" for file in sorted(files))


def up_to_date(out: Path, key: str, tree: str) -> int | None:
    """The number of PDFs, if the last complete build with these options is still
    exactly what is on disk; None when the normal build must decide."""
    data = read(out)
    if data is None:
        return None
    try:
        record = data["complete"][key]
        if record["tree"] != tree:
            return None
        for name in record["outputs"]:
            entry = data["outputs"][name]
            if file_hash(out / name) != entry["pdf"]:
                return None
            # Files outside the publication's folders (an ICC profile, say) are
            # not in the tree: they must read as recorded too.
            outside = {k: v for k, v in entry["inputs"].items() if k.startswith("/")}
            if not unchanged(outside, Path("/")):
                return None
        if not all((out / name).is_file() for name in record.get("extras", ())):
            return None
        return len(record["outputs"])
    except (KeyError, TypeError, AttributeError):
        return None
