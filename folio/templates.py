"""Where templates are found, and which one makes each kind of document.

Kept apart from render.py so that deciding what to rebuild does not import Jinja.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BILINGUAL_TEMPLATES = {"stacked": "notice_bilingual.html.j2",
                      "side-by-side": "notice_side_by_side.html.j2",
                      "duplex": "notice_duplex.html.j2"}


@dataclass(frozen=True)
class TemplateSet:
    """Template folders in lookup order: the publication's first, then the bundled."""

    dirs: tuple[Path, ...]

    @classmethod
    def for_root(cls, root: Path, bundled: Path) -> "TemplateSet":
        """The publication's folder is kept even before it exists: a template put
        there later is looked for, and so noticed by the incremental build."""
        dirs = [root / "templates", bundled / "templates"]
        return cls(tuple(dict.fromkeys(d.resolve() for d in dirs)))
