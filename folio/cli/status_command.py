"""``folio status``: what each language is missing or has let go out of date, as
tables, located lines of what to do, or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from folio.cli.common import command_parser, console, publication_root, run_command
from folio.config.publication import PublicationConfig, load_config
from folio.content import translations as tr
from folio.defaults import command
from folio.errors import shown_path
from folio.i18n.status import LanguageStatus, as_json, collect, uncited_references

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
                          shown_path(document.path, config.root))
        console.print(table)
        catalog = status.catalog
        where = shown_path(catalog.path, config.root) if catalog.path else "no catalog"
        console.print(f"catalog {where}: {catalog.translated}/{catalog.total} translated, "
                      f"{len(catalog.untranslated)} untranslated, {len(catalog.fuzzy)} fuzzy, "
                      f"{len(catalog.obsolete)} obsolete", markup=False)
        if status.glossary:
            console.print(f"glossary: {len(status.glossary)} segment"
                          f"{'s' if len(status.glossary) != 1 else ''} missing a term",
                          markup=False)
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
        where = shown_path(document.path, config.root)
        located = f"{where}:{document.line}" if document.state == tr.STALE else where
        if document.state != tr.TRANSLATED or not document.blocks:
            lines.append(Text(f"  {located}: {document.state} — {document.describe()}",
                              style=_STYLE[document.state]))
        for line, message, hint in document.blocks:
            lines.append(Text(f"  {where}:{line}: {message}", style="bold red"))
            lines.append(Text(f"      {hint}", style="dim"))
        if document.state == tr.STALE:
            if document.diff_known:
                lines += [Text(f"      {line}", style="red" if line.startswith("-")
                               else "green" if line.startswith("+") else "")
                          for line in document.diff]
            else:
                lines.append(Text("      (the version it was translated from is not in "
                                  "git history)", style="dim"))
        if document.state in (tr.STALE, tr.UNCHECKED):
            lines.append(Text(f"      once it matches the source: {command()} i18n mark {where}",
                              style="dim"))
        elif document.state == tr.MISSING:
            lines.append(Text(f"      translate {document.source.name} into "
                              f"{document.path.name}", style="dim"))
    catalog = status.catalog
    where = shown_path(catalog.path, config.root) if catalog.path else "locales/"
    lines += [Text(f"  {where}: {label} {msgid!r}") for label, entries in
              (("untranslated", catalog.untranslated), ("fuzzy", catalog.fuzzy))
              for msgid in entries]
    lines += [Text(f"  {shown_path(gap.path, config.root)}:{gap.line}: field '{gap.key}' "
                   f"has no {status.language.code} text") for gap in status.fields]
    lines += [Text(f"  {shown_path(miss.path, config.root)}:{miss.line}: glossary: "
                   f"{miss.describe()}", style="yellow") for miss in status.glossary]
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio status",
        "Per language: each content document translated, missing, stale or "
                    "unchecked; catalog strings untranslated, fuzzy or obsolete; "
                    "issue.yaml fields missing the language; segments missing a "
                    "glossary term.")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when anything is missing or out of date (for CI)")
    parser.add_argument("--lang", action="append", default=[], metavar="CODE",
                        help="report only this language (repeatable)")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _run, default_root)


def _run(args: argparse.Namespace, default_root: Path | None) -> int:
    config = load_config(publication_root(args.root, default_root))
    for code in args.lang:
        config.language(code)
    report = [s for s in collect(config) if not args.lang or s.language.code in args.lang]
    uncited = uncited_references(config)
    if args.json:
        json.dump(as_json(config, report, uncited), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_report(config, report, console())
        for entry in uncited:
            print(f"{shown_path(entry.path, config.root)}:{entry.line}: references: "
                  f"'{entry.key}' is never cited (cite it as [@{entry.key}], or remove it)")
    problems = sum(s.problems for s in report)
    if args.check and problems:
        print(f"status --check: {problems} translation problem{'s' if problems > 1 else ''}",
              file=sys.stderr)
        return 1
    return 0
