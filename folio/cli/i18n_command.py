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
from folio.files import not_over_sources
from folio.i18n import maintenance as catalogs

ACTIONS = {
    "extract": "scan the templates for translatable strings into locales/messages.pot",
    "update": "extract, then merge into every language's messages.po (changed strings "
              "become fuzzy; new languages get a catalog)",
    "compile": "check every catalog and write .mo files beside them (the build does not "
               "need them: it compiles in memory)",
    "mark": "record that translated content files match their source as it is now",
    "export": "write a catalog per document (--lang CODE, --format po|xliff, --only DOC) "
              "under translations/<lang>/, templates under translations/templates/, and "
              "the glossary (TBX) and translation memory (TMX), for Poedit, Weblate or any "
              "CAT tool",
    "import": "write the translations of catalogs (FILE…) back into the content files",
    "check": "report glossary misses and untranslated or fuzzy segments (--lang CODE); "
             "exit 1 when there are any",
}


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio i18n", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Translation catalogs and translated content.",
        epilog="\n".join(f"  {name:<8} {text}" for name, text in ACTIONS.items()))
    parser.add_argument("action", choices=list(ACTIONS), metavar="ACTION",
                        help=", ".join(ACTIONS))
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="with mark: the translated files you have checked; with import: "
                             "the translated catalogs")
    parser.add_argument("--lang", action="append", default=[], metavar="CODE",
                        help="with export and check: the language (repeatable; default: "
                             "every language but the source)")
    parser.add_argument("--format", choices=sorted(transfer_formats()), default="po",
                        help="with export: po (Poedit, Weblate) or xliff (OmegaT, memoQ, "
                             "Trados); default po")
    parser.add_argument("--only", metavar="DOC",
                        help="with export: one document, named as status names it, by its "
                             "slug or by one of its files")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="with export: write the catalogs here instead of "
                             "translations/<lang>/ (and no templates)")
    parser.add_argument("--force", action="store_true",
                        help="with export: replace catalogs that hold translations not "
                             "imported yet (they are lost)")
    return parser


def transfer_formats() -> tuple[str, ...]:
    from folio.i18n.exchange import FORMATS
    return tuple(FORMATS)


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _run, default_root)


def _run(args: argparse.Namespace, default_root: Path | None) -> int:
    if args.action == "mark":
        return _mark(args)
    if args.action == "import":
        return _import(args, default_root)
    if args.action in ("export", "check"):
        return _export(args, default_root) if args.action == "export" else \
            _check(args, default_root)
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
    if result.filled:
        counts.append(f"{len(result.filled)} filled with their msgid")
    line = f"{verb} {shown(result.path)}: " + ", ".join(counts)
    if result.fuzzy or (result.new and result.language != catalogs.MSGID_LANGUAGE):
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


def _languages(args: argparse.Namespace, config) -> list[str]:
    for code in args.lang:
        config.language(code)
    return args.lang or [c for c in config.codes if c != config.source_language]


def _export(args: argparse.Namespace, default_root: Path | None) -> int:
    from folio.i18n import transfer
    if args.files:
        raise BuildError.at("'i18n export' takes no file names", Path.cwd(),
                            hint="name one document with --only DOC")
    config = load_config(publication_root(args.root, default_root))
    if args.out is not None:
        _folder_for_export(args.out)
        not_over_sources(args.out, config.root)
    for code in _languages(args, config):
        out = args.out / code if args.out is not None and len(_languages(args, config)) > 1 \
            else args.out
        for path, document in transfer.export(config, code, args.format, args.only, out,
                                              force=args.force):
            if path.suffix in (".tbx", ".tmx", ".pot"):
                print(f"wrote {shown(path)} (" + {".tbx": "the glossary",
                                                  ".tmx": "the translation memory",
                                                  ".pot": "the template"}[path.suffix] + ")")
                continue
            counts = document.counts
            print(f"wrote {shown(path)}: {counts['translated']} translated, "
                  f"{counts['fuzzy']} fuzzy, {counts['untranslated']} untranslated")
    return 0


def _folder_for_export(out: Path) -> None:
    """--out is a folder the catalogs go into (made if need be): a file there, or
    in place of one of the folders above it, is said before anything is written."""
    for folder in (out, *out.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                what = "--out names a file, not a folder" if folder == out else \
                    f"--out: {shown(folder)} is a file, not a folder"
                raise BuildError.at(what, folder, hint="name a folder for the catalogs (it "
                                    "is made if need be): export writes one file per "
                                    "document, in folders")
            return


def _import(args: argparse.Namespace, default_root: Path | None) -> int:
    from folio.i18n import transfer
    if not args.files:
        raise BuildError.at("name the catalogs to import", Path.cwd(),
                            hint="e.g. folio i18n import translations/ko/notices/"
                                 "creative-city.po")
    config = load_config(publication_root(args.root, default_root))
    results = transfer.import_files(config, [f.resolve() for f in args.files])
    for result in results:
        what = "rebuilt on the source's structure" if result.rebuilt else \
            f"{result.changed} segment{'s' if result.changed != 1 else ''} changed"
        line = f"{'wrote' if result.written else 'unchanged'} {shown(result.path)}: {what}"
        if result.marked:
            line += "; every segment translated: source_hash recorded"
        elif result.fuzzy or result.untranslated:
            line += (f"; {result.fuzzy} fuzzy and {result.untranslated} untranslated left "
                     "(not marked as up to date)")
        print(line)
        for note in result.notes:
            print(f"  {note}")
    conflicts = [problem for result in results for problem in result.conflicts]
    if conflicts:
        # The other segments are in; these wait for the translator to merge them.
        raise BuildError(*conflicts)
    return 0


def _check(args: argparse.Namespace, default_root: Path | None) -> int:
    from folio.errors import shown_path
    from folio.i18n import glossary, units
    config = load_config(publication_root(args.root, default_root))
    terms = glossary.load(config)
    found = 0
    for code in _languages(args, config):
        documents = units.all_documents(config, code, memory=False)
        for miss in glossary.misses(terms, documents):
            print(f"{shown_path(miss.path, config.root)}:{miss.line}: glossary: "
                  f"{miss.describe()}")
            found += 1
        for document in documents:
            for unit in document.units:
                if unit.state == units.TRANSLATED:
                    continue
                where = document.target_path if unit.target is not None else document.source.path
                line = unit.target.line if unit.target is not None else unit.segment.line
                print(f"{shown_path(where, config.root)}:{line}: {code}: segment "
                      f"{unit.segment.id} is {unit.state}")
                found += 1
    print(f"i18n check: {found} problem{'s' if found != 1 else ''}" if found
          else "i18n check: every segment translated, every glossary term kept")
    return 1 if found else 0
