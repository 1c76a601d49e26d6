#!/usr/bin/env python3
"""Build the publication's PDFs: `python build.py --help`."""

import sys

try:
    from folio.cli import main
except ModuleNotFoundError as missing:
    sys.exit(f"build.py: the Python package '{missing.name}' is not installed for "
             f"{sys.executable}.\nRun ./dev build once: it sets up .venv/ and builds. "
             "Afterwards .venv/bin/python build.py works too.")

if __name__ == "__main__":
    sys.exit(main())
