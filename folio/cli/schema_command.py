"""``folio schema``: the JSON Schemas of publication.yaml, issue.yaml and the front
matter, written to schemas/, for completion and validation in the editor."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from folio.cli.common import command_parser, publication_root, run_command, shown
from folio.config.publication import load_config
from folio.errors import BuildError
from folio.files import inside_publication, write_atomically


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio schema",
        "Write the JSON Schemas of publication.yaml, issue.yaml and the articles' and "
        "notices' front matter to schemas/ (for the publication's languages), and print "
        "the VS Code setting that applies them.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail if a schema in schemas/ is missing or "
                             "out of date")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _run, default_root)


def _run(args: argparse.Namespace, default_root: Path | None) -> int:
    from folio.content.shapes import SCHEMA_DIR, SHAPES, file_name, json_schemas
    config = load_config(publication_root(args.root, default_root))
    folder = config.root / SCHEMA_DIR
    wanted = json_schemas(config.codes)
    if args.check:
        stale = [name for name, text in wanted.items()
                 if not (folder / name).is_file()
                 or (folder / name).read_text(encoding="utf-8") != text]
        if stale:
            raise BuildError.at(f"{', '.join(stale)} out of date", folder,
                                hint="run 'folio schema' to write them again")
        print(f"{shown(folder)}: up to date")
        return 0
    for name, text in wanted.items():
        target = folder / name
        inside_publication(target, config.root)
        write_atomically(target, text.encode("utf-8"))
        print(f"wrote {shown(target)}")
    settings = {"yaml.schemas": {f"./{SCHEMA_DIR}/{file_name(shape)}": shape.files
                                 for shape in SHAPES if shape.files.endswith(".yaml")}}
    print("for VS Code (YAML extension), in .vscode/settings.json:")
    print(json.dumps(settings, indent=2))
    return 0
