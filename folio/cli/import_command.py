"""``folio import FILE --issue ISSUE --slug SLUG --lang CODE``: a Word or LibreOffice
manuscript becomes an article of the issue (content/manuscripts.py does the work)."""

from __future__ import annotations

import argparse
from pathlib import Path

from folio.cli.common import command_parser, publication_root, run_command
from folio.config.publication import load_config
from folio.content.manuscripts import import_manuscript
from folio.defaults import command
from folio.errors import shown_path


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio import",
        "Import a manuscript (.docx or .odt) as content/journal/ISSUE/SLUG.LANG.md: front "
        "matter, body, footnotes, captioned tables and figures (into figures/), Zotero and "
        "Mendeley citations (their works added to references.json); prints and writes "
        "SLUG.LANG.import-report.txt, the list of what did not carry over.")
    parser.add_argument("file", type=Path, metavar="FILE", help="the .docx or .odt manuscript")
    parser.add_argument("--issue", required=True, metavar="ISSUE",
                        help="the issue's folder under content/journal/ (e.g. 2022-vol1-no1)")
    parser.add_argument("--slug", required=True, metavar="SLUG",
                        help="the article's name in issue.yaml (e.g. crafts-in-the-city)")
    parser.add_argument("--lang", required=True, metavar="CODE",
                        help="the manuscript's language (ko, en)")
    parser.add_argument("--force", action="store_true",
                        help="replace the article (and its figures) if they exist")
    parser.add_argument("--accept-changes", action="store_true",
                        help="import a manuscript with tracked changes as if all were accepted "
                             "(without it such a manuscript is refused)")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _run, default_root)


def _run(args: argparse.Namespace, default_root: Path | None) -> int:
    config = load_config(publication_root(args.root, default_root))
    done = import_manuscript(config, args.file.resolve(), args.issue, args.slug, args.lang,
                             force=args.force, accept_changes=args.accept_changes)
    root = config.root
    print(f"wrote {', '.join(shown_path(path, root) for path in done.written)}")
    if done.report:
        print(f"not carried over or to confirm ({len(done.report)}):")
        for line in done.report:
            print(f"  {line}")
    print(f"report: {shown_path(done.report_file, root)}")
    if done.issue_hint:
        print(done.issue_hint)
    if args.lang != config.source_language:
        article = shown_path(done.article, root)
        print(f"{article} translates {args.slug}.{config.source_language}.md: once it "
              f"matches it, record so with: {command()} i18n mark {article}")
    return 0
