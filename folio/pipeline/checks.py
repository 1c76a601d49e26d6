"""Checks before the slow part: every character a document prints must be drawable.

Run before a PDF is laid out, so that a missing glyph costs seconds, not a build;
each problem is reported at the file and line that holds the character.
"""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path

from folio.config.publication import PublicationConfig
from folio.errors import BuildError, Problem, ProblemCollector
from folio.pdf import fonts
from folio.pipeline.planning import PlannedDocument


def check_glyphs(config: PublicationConfig, document: PlannedDocument,
                 coverage: dict[str, frozenset[int]]) -> list[Problem]:
    """Every character the document prints, as it will be laid out (Markdown
    entities and YAML escapes decoded), must be drawable by the fonts of the
    language that prints it: a box or an undeclared fallback font otherwise."""
    problems = ProblemCollector()
    seen: dict[str, set[str]] = {}          # per language: characters checked
    for code, text in document.texts:
        if code not in coverage:
            coverage[code] = fonts.coverage(config.fonts[code].families, config.path,
                                            config.fonts[code].line_of)
        checked = seen.setdefault(code, set())
        new = set(text.text) - checked      # sets: a long issue has a million characters
        if not new:
            continue
        fresh = "".join(c for c in text.text if c in new)
        before = len(problems.problems)
        fonts.check_glyphs(fresh, text.path, coverage[code], config.fonts[code].families,
                           problems, first_line=text.line)
        for problem in problems.problems[before:]:
            checked.add(problem.message.split("'")[1])
        checked.update(new)
    return problems.problems


_TEXT = re.compile(r"<(style|title)\b[^>]*>.*?</\1>|<[^>]*>", re.S)


def check_printed_characters(config: PublicationConfig, document: PlannedDocument,
                             html: str, coverage: dict[str, frozenset[int]],
                             stylesheets: tuple[Path, ...]) -> list[Problem]:
    """The same for the whole HTML: what templates and catalogs print too. A
    character no declared font has is reported at the template or catalog that
    holds it."""
    codes = {code for code, _ in document.texts} or {document.lang}
    covered = frozenset().union(*(coverage.get(c, frozenset()) for c in codes))
    text = html_module.unescape(_TEXT.sub(" ", html))
    missing = sorted(c for c in set(text) if ord(c) not in covered and fonts.needs_glyph(c))
    problems = []
    for char in missing:
        path, line = _find_character(char, stylesheets) or (document.source, None)
        problems.append(Problem(
            f"no declared font can draw '{char}' (U+{ord(char):04X}), which "
            f"{document.name} ({document.lang}) would print", path, line,
            hint="replace the character, or add a font that has it to 'fonts' in "
                 "publication.yaml"))
    return problems


def _find_character(char: str, files: tuple[Path, ...]) -> tuple[Path, int] | None:
    for path in files:
        try:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if char in line:
                    return path, number
        except (OSError, UnicodeDecodeError):
            continue
    return None


def check_content(config: PublicationConfig, document: PlannedDocument,
                  coverage: dict[str, frozenset[int]]) -> None:
    """The content's glyphs, raising every problem at once."""
    problems = check_glyphs(config, document, coverage)
    if problems:
        raise BuildError(*problems)

