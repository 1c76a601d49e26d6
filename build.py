#!/usr/bin/env python3
"""Build the publication's PDFs: `python build.py --help`."""

import sys

from folio.cli import main

if __name__ == "__main__":
    sys.exit(main())
