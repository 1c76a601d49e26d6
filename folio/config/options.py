"""What the editor asked the build for: the command line's options, as one value."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from folio.defaults import DEFAULT_PROFILE, DEFAULT_TIMEOUT


@dataclass(frozen=True)
class BuildOptions:
    root: Path                         # the publication folder
    out: Path | None = None            # default: <root>/output
    languages: tuple[str, ...] = ()    # empty: every language, and bilingual documents
    only: tuple[str, ...] = ()         # document names; empty: all
    keep_html: bool = False
    draft: bool = False                # print stand-ins for missing translations, marked
    profile: str = DEFAULT_PROFILE     # publication.yaml profiles: screen, print, …
    bilingual: str | None = None       # layout of every bilingual sheet, over front matter
    force: bool = False                # rebuild even what the manifest says is up to date
    impose: tuple[str, ...] = ()       # "2up" (notices), "booklet" (journal issues)
    previews: bool = False             # PNG thumbnails and a contact sheet per PDF
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float = DEFAULT_TIMEOUT   # seconds a document may take before it is stopped
    whole: bool = False                # lay issues out in one piece, not by articles
    offprints: bool = False            # also one PDF per citable article, cut from its issue

    @property
    def output_dir(self) -> Path:
        return self.out if self.out is not None else self.root / "output"

    def key(self) -> dict:
        """The options that decide what is built and how, for the manifest: not where
        the publication or the output folder are (a moved folder is the same)."""
        return {k: v for k, v in asdict(self).items()
                if k not in ("root", "out", "jobs", "force", "timeout")}
