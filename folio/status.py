"""``build.py status``: what each language is missing, or has let go out of date.

Three kinds of translated text are reported together, because a translator
works on all three: content files (missing, stale, unchecked), catalog strings
(untranslated, fuzzy, obsolete) and ``{ko: …, en: …}`` fields of issue.yaml.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import catalogs
from . import translations as tr
from .build import BUNDLED, locales_dirs_for
from .cli import add_common_options, command, console, run_reporting
from .configuration import Language, PublicationConfig, load_config
from .content import missing_languages
from .reading import publication_reader
from .templates import TemplateSet


@dataclass(frozen=True)
class FieldGap:
    path: Path
    line: int
    key: str


@dataclass(frozen=True)
class LanguageStatus:
    language: Language
    documents: tuple[tr.TranslationState, ...]
    catalog: catalogs.CatalogStats
    fields: tuple[FieldGap, ...]

    def count(self, state: str) -> int:
        return sum(1 for d in self.documents if d.state == state)

    @property
    def problems(self) -> int:
        """What fails ``status --check``: everything but obsolete catalog entries."""
        return (sum(d.needs_work for d in self.documents) + len(self.catalog.untranslated)
                + len(self.catalog.fuzzy) + len(self.fields))


def collect(config: PublicationConfig) -> list[LanguageStatus]:
    documents = tr.documents(config)
    template = catalogs.extract(TemplateSet.for_root(config.root, BUNDLED).dirs, config)
    stats = {s.language: s for s in catalogs.stats(template, config,
                                                    locales_dirs_for(config.root))}
    gaps = missing_languages(config, publication_reader(config.root))
    return [LanguageStatus(
        language,
        tuple(tr.state(config, d, language.code, with_diff=True) for d in documents),
        stats[language.code],
        tuple(FieldGap(path, line, key) for path, line, key, code in gaps
              if code == language.code))
        for language in config.languages]


def as_json(config: PublicationConfig, report: list[LanguageStatus]) -> dict:
    def rel(path: Path | None) -> str | None:
        return None if path is None else _relative(path, config.root)
    return {
        "source_language": config.source_language,
        "ok": not any(s.problems for s in report),
        "languages": {s.language.code: {
            "name": s.language.name,
            "problems": s.problems,
            "counts": {
                **{state: s.count(state) for state in
                   (tr.SOURCE, tr.TRANSLATED, tr.MISSING, tr.STALE, tr.UNCHECKED)},
                "untranslated_strings": len(s.catalog.untranslated),
                "fuzzy_strings": len(s.catalog.fuzzy),
                "obsolete_strings": len(s.catalog.obsolete),
                "missing_fields": len(s.fields),
            },
            "documents": [{
                "document": d.document, "state": d.state, "file": rel(d.path),
                "source": rel(d.source), "line": d.line if d.state in (tr.STALE,) else None,
                "recorded_hash": d.recorded or None, "current_hash": d.current or None,
                "diff": list(d.diff) if d.diff_known else None,
            } for d in s.documents],
            "catalog": {
                "file": rel(s.catalog.path), "total": s.catalog.total,
                "translated": s.catalog.translated,
                "untranslated": list(s.catalog.untranslated),
                "fuzzy": list(s.catalog.fuzzy), "obsolete": list(s.catalog.obsolete),
            },
            "fields": [{"file": rel(f.path), "line": f.line, "key": f.key} for f in s.fields],
        } for s in report},
    }


_STYLE = {tr.SOURCE: "dim", tr.TRANSLATED: "green", tr.MISSING: "bold red",
          tr.STALE: "bold yellow", tr.UNCHECKED: "yellow"}


def print_report(config: PublicationConfig, report: list[LanguageStatus],
                 console: Console) -> None:
    """A table per language, then what to do, one located line per item."""
    for status in report:
        language = status.language
        console.print(Text(f"{language.name} ({language.code})", style="bold underline"))
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        for column in ("document", "state", "file"):
            table.add_column(column, no_wrap=True)
        for document in status.documents:
            table.add_row(document.document, Text(document.state, _STYLE[document.state]),
                          _relative(document.path, config.root))
        console.print(table)
        catalog = status.catalog
        where = _relative(catalog.path, config.root) if catalog.path else "no catalog"
        console.print(f"catalog {where}: {catalog.translated}/{catalog.total} translated, "
                      f"{len(catalog.untranslated)} untranslated, {len(catalog.fuzzy)} fuzzy, "
                      f"{len(catalog.obsolete)} obsolete", markup=False)
        todo = _todo(status, config)
        if todo:
            console.print(Text("to do:", style="bold"))
            for line in todo:
                console.print(line)
        console.print()
    summary = "; ".join(f"{s.language.code}: " + (f"{s.problems} to do" if s.problems
                                                     else "complete") for s in report)
    console.print(f"status: {summary}", markup=False)


def _todo(status: LanguageStatus, config: PublicationConfig) -> list[Text]:
    lines = []
    for document in status.documents:
        if not document.needs_work:
            continue
        where = _relative(document.path, config.root)
        located = f"{where}:{document.line}" if document.state == tr.STALE else where
        lines.append(Text(f"  {located}: {document.state} — {document.describe()}",
                          style=_STYLE[document.state]))
        if document.state == tr.STALE:
            if document.diff_known:
                lines += [Text(f"      {line}", style="red" if line.startswith("-")
                               else "green" if line.startswith("+") else "")
                          for line in document.diff]
            else:
                lines.append(Text("      (the version it was translated from is not in "
                                  "git history)", style="dim"))
        if document.state in (tr.STALE, tr.UNCHECKED):
            lines.append(Text(f"      once it matches the source: build.py i18n mark {where}",
                              style="dim"))
        elif document.state == tr.MISSING:
            lines.append(Text(f"      translate {document.source.name} into "
                              f"{document.path.name}", style="dim"))
    catalog = status.catalog
    where = _relative(catalog.path, config.root) if catalog.path else "locales/"
    lines += [Text(f"  {where}: {label} {msgid!r}") for label, entries in
              (("untranslated", catalog.untranslated), ("fuzzy", catalog.fuzzy))
              for msgid in entries]
    lines += [Text(f"  {_relative(gap.path, config.root)}:{gap.line}: field '{gap.key}' "
                   f"has no {status.language.code} text") for gap in status.fields]
    return lines


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py status",
        description="Per language: each content document translated, missing, stale or "
                    "unchecked; catalog strings untranslated, fuzzy or obsolete; "
                    "issue.yaml fields missing the language.")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when anything is missing or out of date (for CI)")
    parser.add_argument("--lang", action="append", default=[], metavar="CODE",
                        help="report only this language (repeatable)")
    add_common_options(parser)
    return parser


@command("status", "what each language is missing or has out of date (--json, --check)")
def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return run_reporting(lambda: _run(args), debug=args.debug)


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.root.resolve())
    for code in args.lang:
        config.language(code)
    report = [s for s in collect(config) if not args.lang or s.language.code in args.lang]
    if args.json:
        json.dump(as_json(config, report), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_report(config, report, console())
    problems = sum(s.problems for s in report)
    if args.check and problems:
        print(f"status --check: {problems} translation problem{'s' if problems > 1 else ''}",
              file=sys.stderr)
        return 1
    return 0
