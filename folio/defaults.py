"""Names every stage may need, and where the bundled templates and catalogs are."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# Installed from a wheel, the bundled templates, catalogs and babel.cfg are in the
# package (pyproject.toml maps them there); in the repository, which is also the
# bundled sample publication, they are its top-level folders.
BUNDLED = _PACKAGE / "_bundled" if (_PACKAGE / "_bundled").is_dir() else _PACKAGE.parent
CONFIG_FILE = "publication.yaml"                      # marks a publication's root
DEFAULT_PROFILE = "screen"
BILINGUAL = "bilingual"                               # the "language" of bilingual sheets
BILINGUAL_LAYOUTS = ("stacked", "side-by-side", "duplex")
DEFAULT_TIMEOUT = 300.0         # seconds a document may take: 20 times the longest measured


def command() -> str:
    """How the editor started folio, for hints that name a command to run next."""
    return "python build.py" if Path(sys.argv[0]).name == "build.py" else "folio"
