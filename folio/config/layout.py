"""Where a publication's files are: its templates and catalogs, in front of the
bundled ones, and which template makes each kind of document.

Kept apart from the render stage so that deciding what to rebuild imports no Jinja.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from folio.defaults import BUNDLED

BILINGUAL_TEMPLATES = {"stacked": "notice_bilingual.html.j2",
                       "side-by-side": "notice_side_by_side.html.j2",
                       "duplex": "notice_duplex.html.j2"}


@dataclass(frozen=True)
class TemplateSet:
    """Template folders in lookup order: the publication's first, then the bundled."""

    dirs: tuple[Path, ...]

    @classmethod
    def for_root(cls, root: Path, bundled: Path = BUNDLED) -> TemplateSet:
        """The publication's folder is kept even before it exists: a template put
        there later is looked for, and so noticed by the incremental build."""
        return cls(_override_chain(root, bundled, "templates"))


def citation_style_file(root: Path, name: str, bundled: Path = BUNDLED) -> Path:
    """The CSL file of style ``name``: the publication's templates/csl/<name>.csl,
    else the bundled one; the publication's path when there is neither (reading it
    then says what is missing)."""
    chain = _override_chain(root, bundled, "templates")
    for folder in chain:
        if (folder / "csl" / f"{name}.csl").is_file():
            return folder / "csl" / f"{name}.csl"
    return chain[0] / "csl" / f"{name}.csl"


def locales_dirs_for(root: Path, bundled: Path = BUNDLED) -> tuple[Path, ...]:
    """The publication's catalogs, then the bundled ones (kept even before the
    publication's folder exists, as templates are)."""
    return _override_chain(root, bundled, "locales")


def _override_chain(root: Path, bundled: Path, name: str) -> tuple[Path, ...]:
    return tuple(dict.fromkeys(d.resolve() for d in (root / name, bundled / name)))
