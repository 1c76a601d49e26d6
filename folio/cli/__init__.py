"""The command line: thin, parsing options and calling one function per command.

``folio [build] [options]`` (``python build.py``, ``python -m folio``) builds;
``folio COMMAND …`` runs another command. Every command reports problems the same
way (cli/common.py): one line each, file and line first, then a count, and a
non-zero exit. A command's module is imported only when it runs.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

# name -> (module under folio.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build_command", "build the PDFs (the default command)"),
    "new": ("new_command", "create a new publication in a folder, ready to build"),
    "status": ("status_command", "what each language is missing or has out of date "
                                 "(--json, --check)"),
    "i18n": ("i18n_command", "translation catalogs: extract, update, compile; mark "
                             "translated files; export, import and check content segments"),
    "review": ("review_command", "a translation review sheet: source and translation side "
                                 "by side, as an A4 PDF"),
    "serve": ("serve_command", "a live preview in the browser: rebuild on every save, "
                               "see the pages change"),
    "handouts": ("handouts_command", "one bilingual handout per event of a programme "
                                     "(YAML or CSV): print shop PDF, N-up sheets, contact "
                                     "sheet"),
    "preflight": ("preflight_command", "check built PDFs for print and archive (fonts, "
                                       "glyphs, dpi, bleed, variant, veraPDF)"),
    "import": ("import_command", "a Word (.docx) or LibreOffice (.odt) manuscript as an "
                                 "article of an issue, with a report of what did not carry over"),
    "schema": ("schema_command", "JSON Schemas of publication.yaml, issue.yaml and the front "
                                 "matter, for completion and checking in the editor"),
}


def main(argv: list[str] | None = None, default_root: Path | None = None) -> int:
    """Run ``folio`` with ``argv``; ``default_root``: the publication when neither
    --root nor the current folder names one (build.py passes its own folder)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    name = argv[0] if argv and argv[0] in COMMANDS else "build"
    arguments = argv[1:] if argv and argv[0] == name else argv
    module = importlib.import_module(f"folio.cli.{COMMANDS[name][0]}")
    return module.run(arguments, default_root)
