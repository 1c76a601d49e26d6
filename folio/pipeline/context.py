"""One build's context: what every stage after planning reads, as one value.

The stages used to pass a dozen parameters down to each other and hand their
results back through lists given to them; ``BuildContext`` is what they read,
``Outcome`` what they produce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from folio.config.options import BuildOptions
from folio.config.publication import Profile, PublicationConfig
from folio.errors import Problem
from folio.pipeline.jobs import PdfResult
from folio.pipeline.manifest import Manifest
from folio.pipeline.planning import Languages, PlannedDocument, output_path
from folio.pipeline.scheduling import Pool


def _ignore(_: object) -> None:
    return None


@dataclass
class BuildContext:
    """The options, configuration and profile of a build, what its languages give
    (planning.Languages), and what is learnt on the way (fonts' coverage, the
    prepared faces)."""

    options: BuildOptions
    config: PublicationConfig
    profile: Profile
    languages: Languages
    manifest: Manifest | None = None        # None: nothing is recorded (render_html)
    shared: dict[str, str] = field(default_factory=dict)   # what every PDF is made from
    key: str = ""                           # what shapes every PDF besides its files
    pool: Pool | None = None                # the workers; None: in this process
    on_written: Callable[[PdfResult], None] = _ignore
    on_extra: Callable[[Path], None] = _ignore     # an imposed PDF, preview or offprint
    coverage: dict[str, frozenset[int]] = field(default_factory=dict)  # per language
    _prepared: PublicationConfig | None = None

    def output_path(self, document: PlannedDocument) -> Path:
        return output_path(self.options, self.profile, document)

    def prepared_config(self) -> PublicationConfig:
        """The configuration with the prepared faces, made once per build: the glyph
        check reads the declared faces, PDFs use the prepared ones first."""
        if self._prepared is None:
            from folio.pdf.fontprep import prepare, with_prepared
            self._prepared = with_prepared(self.config, prepare(self.config))
        return self._prepared


@dataclass
class Outcome:
    """What rendering produced: the PDFs written (in the order they were), and each
    problem with the document it kept from being made."""

    results: list[PdfResult] = field(default_factory=list)
    written: set[Path] = field(default_factory=set)
    problems: list[tuple[PlannedDocument, Problem]] = field(default_factory=list)
