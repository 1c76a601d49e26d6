"""Incremental builds: a PDF is rebuilt only when something it is made from changed.

Each PDF's inputs are fingerprinted by content, never by timestamps alone: its
content files (and, for a translation, its source's), the templates and
stylesheets it uses (followed through extends/include/import and
``stylesheet()``), its language's catalog, the assets, the font files of its
languages, the options that shape it, and this package's own code. The manifest
(``<output>/.folio-manifest.json``) maps each PDF to that fingerprint and to the
hash of the PDF written; a PDF is skipped only when both still match.
The manifest is rewritten atomically after every PDF, so it never claims a file
that was not written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import __version__
from .atomic import write_atomically
from .configuration import Profile, PublicationConfig
from .i18n import catalog_path

MANIFEST_FILE = ".folio-manifest.json"
FORMAT = 1
_STYLESHEET = re.compile(r"""stylesheet\(\s*["']([^"']+)["']\s*\)""")
# {% extends "x" %}, {% include "x" %}, {% import "x" as y %}, {% from "x" import y %}:
# the bundled templates name their templates literally, which this reads without
# parsing (a parse of every template would cost more than the rest of the check).
_REFERENCE = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")
PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=4096)
def _file_hash(path: Path, size: int, mtime_ns: int) -> str:
    """Contents hashed once per (file, size, mtime) in a process."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    return _file_hash(path, stat.st_size, stat.st_mtime_ns)


def _stat(path: Path) -> str:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def code_fingerprint() -> str:
    """This package's version and code: a new folio rebuilds everything."""
    files = sorted(PACKAGE.glob("*.py"))
    return _combine(__version__, *(f"{f.name}:{file_hash(f)}" for f in files))


def _combine(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class TemplateDependencies:
    """Which template and stylesheet files a template uses, transitively."""

    dirs: tuple[Path, ...]
    _cache: dict[str, tuple[Path, ...]] = field(default_factory=dict)

    def locate(self, name: str) -> Path | None:
        for directory in self.dirs:
            if (directory / name).is_file():
                return directory / name
        return None

    def closure(self, name: str) -> tuple[Path, ...]:
        if name not in self._cache:
            seen: dict[str, Path] = {}
            self._walk(name, seen)
            self._cache[name] = tuple(seen[n] for n in sorted(seen))
        return self._cache[name]

    def _walk(self, name: str, seen: dict[str, Path]) -> None:
        if name in seen:
            return
        path = self.locate(name)
        if path is None:
            return              # the render reports a missing template with its name
        seen[name] = path
        if not name.endswith(".j2"):
            return
        source = path.read_text(encoding="utf-8")
        for other in _REFERENCE.findall(source) + _STYLESHEET.findall(source):
            self._walk(other, seen)


@dataclass(frozen=True)
class Entry:
    inputs: str
    pdf: str
    pages: int


class Manifest:
    def __init__(self, out: Path):
        self.path = out / MANIFEST_FILE
        self.entries: dict[str, Entry] = {}
        self.complete: dict[str, dict] = {}     # see quickcheck.py
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") == FORMAT:
                self.entries = {k: Entry(**v) for k, v in data["outputs"].items()}
                self.complete = dict(data.get("complete", {}))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.entries = {}   # no manifest, or an unreadable one: build everything
            self.complete = {}

    def key(self, output: Path) -> str:
        return output.relative_to(self.path.parent).as_posix()

    def fresh(self, output: Path, inputs: str) -> Entry | None:
        """The entry, if ``output`` was made from these inputs and is still as written."""
        entry = self.entries.get(self.key(output))
        if entry is None or entry.inputs != inputs or not output.is_file():
            return None
        return entry if file_hash(output) == entry.pdf else None

    def record(self, output: Path, inputs: str, pages: int) -> None:
        self.entries[self.key(output)] = Entry(inputs, file_hash(output), pages)
        # Something was rebuilt: no earlier "all up to date" holds any more.
        self.complete.clear()
        self.save()

    def record_complete(self, options: str, tree: str, outputs: list[Path],
                        products: list[Path]) -> None:
        """A build with these options finished without a problem, from this tree."""
        self.complete[options] = {"tree": tree,
                                  "outputs": [self.key(o) for o in outputs],
                                  "extras": [self.key(p) for p in products]}
        self.save()

    def forget(self, output: Path) -> None:
        if self.entries.pop(self.key(output), None) is not None:
            self.save()

    def save(self) -> None:
        data = {"format": FORMAT, "outputs": {k: vars(v) for k, v in
                                               sorted(self.entries.items())},
                "complete": self.complete}
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True).encode())


@dataclass
class Fingerprinter:
    """The inputs of one build, hashed once and combined per document."""

    config: PublicationConfig
    profile: Profile
    templates: TemplateDependencies
    locales_dirs: tuple[Path, ...]
    font_files: dict[str, tuple[Path, ...]]        # language code -> files
    options: dict
    _shared: str = ""

    def __post_init__(self):
        assets = sorted(p for p in (self.config.root / "content/assets").rglob("*")
                        if p.is_file()) if (self.config.root / "content/assets").is_dir() else []
        profile = dict(vars(self.profile), output_intent=file_hash(self.profile.output_intent)
                       if self.profile.output_intent else None)
        self._shared = _combine(
            code_fingerprint(), file_hash(self.config.path),
            json.dumps(self.options, sort_keys=True, default=str),
            json.dumps(profile, sort_keys=True, default=str),
            os.environ.get("SOURCE_DATE_EPOCH", ""),
            *(f"{self._rel(p)}:{file_hash(p)}" for p in assets))

    def _rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.config.root).as_posix()
        except ValueError:
            return str(path)

    def document(self, files: tuple[Path, ...], templates: tuple[str, ...],
                 languages: tuple[str, ...]) -> str:
        parts = [self._shared]
        parts += [f"{self._rel(p)}:{file_hash(p)}" for p in sorted(set(files))]
        for name in templates:
            parts += [f"template {p.name}:{file_hash(p)}" for p in self.templates.closure(name)]
        for code in languages:
            po = catalog_path(self.locales_dirs, code)
            parts.append(f"catalog {code}:{file_hash(po) if po else 'none'}")
            # Fonts are large (a CJK collection is 20 MB or more): their identity is
            # their path, size and modification time, not their bytes.
            parts += [f"font {f}:{_stat(f)}" for f in self.font_files.get(code, ())]
        return _combine(*parts)
