"""``folio handouts PROGRAMME``: one bilingual handout per event of a programme,
for the print shop and for the office printer (see pipeline/handouts.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from folio.cli.common import command_parser, publication_root, run_command, shown

SIZES = ("A3", "A4", "A5", "A6", "B5", "letter")


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "folio handouts",
        "Make one bilingual handout per event of PROGRAMME (a YAML list of events, or a "
        "CSV with columns title_ko, title_en, …): one PDF of all of them, one for the "
        "print shop (the print profile), N per sheet for office printers, and a "
        "contact sheet, under output/handouts/<programme>/.")
    parser.add_argument("programme", type=Path, metavar="PROGRAMME",
                        help="the events: a .yaml or .csv file")
    parser.add_argument("--size", choices=SIZES, default="A5",
                        help="one handout as cut (default A5)")
    parser.add_argument("--sheet", choices=SIZES, default="A4",
                        help="the office printer's paper (default A4)")
    parser.add_argument("--up", type=int, action="append", choices=(1, 2, 4, 8),
                        metavar="N", help="handouts per office sheet: 1, 2, 4 or 8 "
                                          "(repeatable; default 2)")
    parser.add_argument("--profile", metavar="NAME",
                        help="the profile of the print shop's PDF (default print; "
                             "'none' for no such PDF)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where the handouts folder goes (default: <root>/output)")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    return run_command(_parser(), argv, _handouts, default_root)


def _handouts(args: argparse.Namespace, default_root: Path | None) -> int:
    from folio.pipeline.handouts import HandoutOptions, make_handouts
    root = publication_root(args.root, default_root)
    result = make_handouts(HandoutOptions(
        root=root, programme=args.programme.absolute(), size=args.size, sheet=args.sheet,
        ups=tuple(dict.fromkeys(args.up or [2])),
        profile=None if args.profile == "none" else args.profile or "print",
        require_profile=args.profile is not None,
        out=args.out.absolute() if args.out else None))
    if args.profile is None and not any(p.name.endswith(".print.pdf") for p in result.files):
        print("note: publication.yaml has no 'print' profile: no PDF for the print shop "
              "(see its profiles: section)")
    for handout in result.handouts:
        event = handout.event
        shrunk = f", shrunk: type {handout.type_pt:.1f} pt" if handout.shrunk else ""
        print(f"event {event.number}: {next(iter(event.title.values()))} "
              f"({handout.pages} page{'s' if handout.pages > 1 else ''}{shrunk})")
    for path in result.files:
        print(f"wrote {shown(path)}")
    return 0
