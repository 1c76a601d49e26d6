#!/usr/bin/env python3
"""Build the publication's PDFs: `python build.py --help` (the same as `folio`).

Run from anywhere, it builds the publication of the current folder, or else this
folder's, the bundled sample.
"""

import sys
from pathlib import Path

try:
    from folio.cli import main
except ModuleNotFoundError as missing:
    sys.exit(f"build.py: the Python package '{missing.name}' is not installed for "
             f"{sys.executable}.\nRun ./dev build once: it sets up .venv/ and builds. "
             "Afterwards .venv/bin/python build.py works too.")

if __name__ == "__main__":
    sys.exit(main(default_root=Path(__file__).resolve().parent))
