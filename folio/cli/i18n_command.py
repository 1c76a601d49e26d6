"""``folio i18n …``: the translators' commands for catalogs and content files."""

from __future__ import annotations

import argparse
from pathlib import Path

from folio.cli.common import command_parser, publication_root, run_command, shown
from folio.config.layout import TemplateSet, locales_dirs_for
from folio.config.publication import CONFIG_FILE, load_config
from folio.content import translations as tr
from folio.defaults import BUNDLED
from folio.errors import BuildError
from folio.i18n import maintenance as catalogs

ACTIONS = {
    "extract": "scan the templates for translatable strings into locales/messages.pot",
    "update": "extract, then merge into every language's messages.po (changed strings "
              "become fuzzy; new languages get a catalog)",
    "compile": "check every catalog and write .mo files beside them (the build does not "
               "need them: it compiles in memory)",
    "mark": "record that translated content files match their source as it is now",
}


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio i18n", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Translation catalogs and translated content.",
        epilog="\n".join(f"  {name:<8} {text}" for name, text in ACTIONS.items()))
    parser.add_argument("action", choices=list(ACTIONS), metavar="ACTION",
                        help=", ".join(ACTIONS))
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="with mark: the translated files you have checked")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _run, default_root)


def _run(args: argparse.Namespace, default_root: Path | None) -> int:
    if args.action == "mark":
        return _mark(args)
    if args.files:
        raise BuildError.at(f"'i18n {args.action}' takes no file names", Path.cwd(),
                            hint="only 'i18n mark' does")
    config = load_config(publication_root(args.root, default_root))
    locales = config.root / "locales"
    if args.action == "compile":
        for path in catalogs.compile_catalogs(config, locales_dirs_for(config.root), locales):
            print(f"compiled {shown(path)}")
        return 0
    template = catalogs.extract(TemplateSet.for_root(config.root, BUNDLED).dirs, config)
    path, written = catalogs.write_template(template, locales)
    print(f"{'wrote' if written else 'unchanged'} {shown(path)} "
          f"({len([m for m in template if m.id])} strings)")
    if args.action == "update":
        fallbacks = tuple(d for d in locales_dirs_for(config.root) if d != locales.resolve())
        for result in catalogs.update(template, config, locales, fallbacks):
            print(_describe(result))
    return 0


def _describe(result: catalogs.UpdateResult) -> str:
    verb = "created" if result.created else "updated" if result.written else "unchanged"
    counts = [f"{len(result.new)} new", f"{len(result.fuzzy)} changed (fuzzy)",
              f"{len(result.obsolete)} obsolete"]
    line = f"{verb} {shown(result.path)}: " + ", ".join(counts)
    if result.new or result.fuzzy:
        line += " — translate them (Poedit, or any text editor), then clear the fuzzy flags"
    return line


def _mark(args: argparse.Namespace) -> int:
    if not args.files:
        raise BuildError.at("name the translated files to mark", Path.cwd(),
                            hint="e.g. folio i18n mark content/notices/creative-city.ko.md")
    for file in args.files:
        file = file.resolve()
        if not file.is_file():
            raise BuildError.at("no such file", file, hint="check the path")
        root = args.root.resolve() if args.root is not None else _root_of(file)
        state = tr.mark(load_config(root), file)
        print(f"marked {shown(state.path)}: translates {state.source.name} "
              f"(source_hash {state.current})")
    return 0


def _root_of(file: Path) -> Path:
    """The publication a file belongs to: the nearest folder with publication.yaml."""
    for folder in file.parents:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise BuildError.at(f"no {CONFIG_FILE} above this file", file,
                        hint="mark files of a publication, or pass --root DIR")
