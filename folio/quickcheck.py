"""Is everything already built? Answered before the pipeline is even imported.

The manifest (see manifest.py) decides document by document, but it needs the
content loaded first. Most rebuilds of an unchanged publication can be answered
sooner: after a build that succeeded, the manifest also records a fingerprint of
every file any document could be made from (the publication's content,
templates and catalogs, the bundled ones, folio's code, the installed fonts, the
options), by content hash, fonts by path, size and time. If that fingerprint is
the same now and every file the build wrote is still there as written, nothing
can have changed, and the build stops here. Any difference, however small, falls
through to the normal build, which decides per document.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from .defaults import BUNDLED

MANIFEST_FILE = ".folio-manifest.json"
PACKAGE = Path(__file__).resolve().parent
_READ = ("content", "templates", "locales")


def options_key(options: dict) -> str:
    """The options that decide what is built and how (not --jobs or --force)."""
    relevant = {k: v for k, v in options.items() if k not in ("jobs", "force")}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str)
                          .encode()).hexdigest()[:32]


def tree_fingerprint(root: Path) -> str:
    fonts = _list_fonts()            # fc-list runs while the files are hashed
    digest = hashlib.sha256()
    folders = [root / name for name in _READ] + [BUNDLED / name for name in _READ[1:]]
    files = [root / "publication.yaml", *sorted(PACKAGE.glob("*.py"))]
    for folder in dict.fromkeys(f.resolve() for f in folders if f.is_dir()):
        files += sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path).encode())
        digest.update(_hash(path).encode())
    digest.update(_font_stats(fonts).encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return digest.hexdigest()


def _hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _list_fonts() -> subprocess.Popen | None:
    if shutil.which("fc-list") is None:
        return None
    return subprocess.Popen(["fc-list", "-f", "%{file}\n"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def _font_stats(listing: subprocess.Popen | None) -> str:
    """Every installed font file with its size and time: a font update rebuilds."""
    if listing is None:
        return ""
    output, _ = listing.communicate()
    stats = []
    for file in sorted(set(output.splitlines())):
        try:
            stat = os.stat(file)
            stats.append(f"{file}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            stats.append(f"{file}:missing")
    return "\n".join(stats)


def up_to_date(out: Path, key: str, tree: str) -> int | None:
    """The number of PDFs, if the last complete build with these options is still
    exactly what is on disk; None when the normal build must decide."""
    try:
        data = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
        record = data["complete"][key]
        if record["tree"] != tree:
            return None
        for name in record["outputs"]:
            entry = data["outputs"][name]
            if _hash(out / name) != entry["pdf"]:
                return None
        if not all((out / name).is_file() for name in record.get("extras", ())):
            return None
        return len(record["outputs"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
