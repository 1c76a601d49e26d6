"""Names the command line needs before any stage of the pipeline is imported."""

from __future__ import annotations

from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent     # the bundled sample, templates, locales
DEFAULT_PROFILE = "screen"
BILINGUAL = "bilingual"                               # the "language" of bilingual sheets
BILINGUAL_LAYOUTS = ("stacked", "side-by-side", "duplex")
