"""``folio new DIR``: a new publication that builds on the first try.

Everything is written into a hidden folder beside DIR and moved into place at the
end, so a refused or interrupted ``new`` leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

from folio.cli.common import languages as split_languages
from folio.cli.common import run_reporting, shown
from folio.defaults import CONFIG_FILE, command
from folio.errors import BuildError

# The ICC profile ./dev installs (Ghostscript's); the print profile needs one.
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")

# Font stacks that the set-up step installs (Debian: fonts-noto-cjk, fonts-noto-core).
FONTS = {
    "ko": ("[Noto Serif CJK KR, Noto Serif]", "[Noto Sans CJK KR, Noto Sans]"),
    "en": ("[Noto Serif, Noto Serif CJK KR]", "[Noto Sans, Noto Sans CJK KR]"),
}

# The starter texts, per language: an editor replaces them.
TEXTS = {
    "ko": {
        "title": "새 저널", "kicker": "국제저널", "cover_line": "창간호",
        "issue_title": "창간호", "section": "여는 글", "role": "편집장",
        "editor": "편집장 이름", "publisher": "발행처 이름",
        "article_title": "창간호를 펴내며", "author": "편집위원회",
        "article_body": "이 글은 새 저널의 첫 글입니다. 이 파일을 열어 내용을 바꾸고 "
                        "다시 빌드하세요.\n\n문단은 빈 줄로 나눕니다. *기울임*과 "
                        "**굵은 글씨**는 마크다운으로 씁니다.\n",
        "notice_title": "공개 강연 안내", "place": "시청 대강당",
        "notice_body": "누구나 참석할 수 있습니다. 이 안내문은 "
                       "content/notices/welcome.ko.md 파일에서 고칩니다.\n",
        "contact": "편집실",
    },
    "en": {
        "title": "New Journal", "kicker": "International Journal",
        "cover_line": "First issue",
        "issue_title": "First Issue", "section": "Opening", "role": "Editor-in-Chief",
        "editor": "Editor's Name", "publisher": "Publisher's Name",
        "article_title": "A Word from the Editors", "author": "The Editorial Board",
        "article_body": "This is the first article of the new journal. Open this file, "
                        "change its text and build again.\n\nParagraphs are separated "
                        "by a blank line; *italics* and **bold** are written in "
                        "Markdown.\n",
        "notice_title": "Public Lecture", "place": "City Hall, main auditorium",
        "notice_body": "Everyone is welcome. This notice is edited in "
                       "content/notices/welcome.en.md.\n",
        "contact": "Editorial office",
    },
}

LOGO = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <!-- A placeholder mark: replace this file with the publication's logo (SVG or PNG),
       or name another file in publication.yaml (logo: …). -->
  <circle cx="50" cy="50" r="44" fill="none" stroke="#1f2a5a" stroke-width="6"/>
  <circle cx="50" cy="50" r="18" fill="#1f2a5a"/>
</svg>
"""

GITIGNORE = """\
# What folio makes: rebuilt from the sources by every build.
/output/
.folio-parts/
.folio.lock
*.folio-tmp
*.mo
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="folio new",
        description="Create a new publication in DIR: publication.yaml (commented), one "
                    "journal issue with one article, one notice, a placeholder logo, a "
                    ".gitignore and a README for the editor. It builds as it is; then "
                    "replace the texts.")
    parser.add_argument("directory", type=Path, metavar="DIR",
                        help="the folder to create (it must not exist, or be empty)")
    parser.add_argument("--title", action="append", default=[], metavar="TEXT",
                        help="the publication's title; 'ko=…' for one language only "
                             "(repeatable: --title 'ko=새 저널' --title 'en=New Journal')")
    parser.add_argument("--languages", action="append", default=[], metavar="CODES",
                        help="its languages, e.g. ko,en (default: ko,en)")
    parser.add_argument("--source-language", metavar="CODE",
                        help="the language texts are written in first (default: the "
                             "first of --languages)")
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks for unexpected errors")
    return parser


def run(argv: list[str], default_root: Path | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_reporting(lambda: _new(args), debug=args.debug)


def _new(args: argparse.Namespace) -> int:
    target = args.directory.absolute()
    codes = split_languages(args.languages) or ("ko", "en")
    source = args.source_language or codes[0]
    _check(target, codes, source)
    titles = _titles(args.title, codes)
    missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _write(staging, codes, source, titles)
        if target.exists():
            target.rmdir()                      # checked empty above
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in missing:                  # the folders made for it, innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    made = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    print(f"created {shown(target)}: " + ", ".join(made))
    if command() == "folio":
        print(f"next: cd {shown(target)} && folio build   (the PDFs go to output/)")
    else:
        print(f"next: {command()} --root {shown(target)}   (the PDFs go to "
              f"{shown(target / 'output')}/)")
    return 0


def _check(target: Path, codes: tuple[str, ...], source: str) -> None:
    """Refuse before writing anything."""
    if target.exists() and not target.is_dir():
        raise BuildError.at("is a file, not a folder: nothing was written", target,
                            hint="name a new folder for the publication")
    if target.is_dir() and any(target.iterdir()):
        raise BuildError.at("this folder is not empty: nothing was written", target,
                            hint="name a new folder (or an empty one) for the publication")
    unknown = [code for code in codes if code not in TEXTS]
    if unknown:
        raise BuildError.at(
            f"--languages: folio has no template strings in {', '.join(unknown)} yet "
            f"(it has {', '.join(TEXTS)}): nothing was written", target,
            hint="start with --languages ko,en and add the language afterwards (README: "
                 "'Adding a language')")
    if len(set(codes)) != len(codes):
        raise BuildError.at("--languages names a language twice", target,
                            hint="e.g. --languages ko,en")
    if source not in codes:
        raise BuildError.at(f"--source-language {source} is not one of --languages "
                            f"({', '.join(codes)}): nothing was written", target,
                            hint=f"pick one of {', '.join(codes)}")


def _titles(given: list[str], codes: tuple[str, ...]) -> dict[str, str]:
    titles = {code: TEXTS[code]["title"] for code in codes}
    everywhere = [t for t in given if not any(t.startswith(f"{c}=") for c in codes)]
    for text in everywhere:
        titles = dict.fromkeys(codes, text.strip())
    for text in given:
        for code in codes:
            if text.startswith(f"{code}="):
                titles[code] = text[len(code) + 1:].strip()
    for code, title in titles.items():
        if not title:
            raise BuildError.at(f"--title: the {code} title is empty", None,
                                hint="e.g. --title 'New Journal'")
    return titles


def _q(text: str) -> str:
    """A YAML scalar, quoted as JSON (which YAML reads)."""
    return json.dumps(text, ensure_ascii=False)


def _localized(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"{code}: {_q(text)}" for code, text in values.items()) + "}"


def _each(codes: tuple[str, ...], key: str) -> str:
    return _localized({code: TEXTS[code][key] for code in codes})


def _write(root: Path, codes: tuple[str, ...], source: str, titles: dict[str, str]) -> None:
    from folio.content.translations import hash_text, with_hash
    today = dt.date.today()
    slug = f"{today.year}-vol1-no1"
    issue = root / "content" / "journal" / slug
    notices = root / "content" / "notices"
    for folder in (issue, notices, root / "content" / "assets"):
        folder.mkdir(parents=True)
    files: dict[Path, str] = {
        root / CONFIG_FILE: _publication_yaml(codes, source, titles),
        root / ".gitignore": GITIGNORE,
        root / "README.md": _readme(codes, source, slug),
        root / "content" / "assets" / "logo.svg": LOGO,
        issue / "issue.yaml": _issue_yaml(codes, today),
    }
    for folder, name, make in ((issue, "welcome", _article), (notices, "welcome", _notice)):
        source_path = folder / f"{name}.{source}.md"
        source_text = make(source, today, codes)
        files[source_path] = source_text
        for code in codes:
            if code != source:
                path = folder / f"{name}.{code}.md"
                # Marked as translating the source as it is: the build prints it final.
                files[path] = with_hash(make(code, today, codes),
                                        hash_text(source_text, source_path), path)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")


def _publication_yaml(codes: tuple[str, ...], source: str, titles: dict[str, str]) -> str:
    fonts = "\n".join(f"  {code}:\n    serif: {FONTS[code][0]}\n    sans: {FONTS[code][1]}"
                      for code in codes)
    if CMYK_PROFILE.is_file():
        profile = f"""\
profiles:
  print:
    description: print shop — 3 mm bleed, crop marks, PDF/X-4
    bleed: 3mm
    crop_marks: true
    variant: pdf/x-4
    # The printing condition: ask the print shop for their ICC profile and name it here.
    output_intent: {CMYK_PROFILE}"""
    else:
        profile = """\
# profiles:
#   print:                  # needs a CMYK ICC profile: ask the print shop for theirs
#     bleed: 3mm
#     crop_marks: true
#     variant: pdf/x-4
#     output_intent: /path/to/their.icc"""
    return f"""\
# The publication: its title, languages and fonts. Every build reads this first.
# Texts in several languages are written {{ko: …, en: …}}.
title: {_localized(titles)}
# short_title: {{…}}        # for running heads, when the title is long
languages: [{", ".join(codes)}]
source_language: {source}           # the language texts are written in first
page_size: A4              # journal issues: A4, A5, B5 or letter
notice_page_size: A4       # notice sheets: A3, A4, A5, A6, B5 or letter
# The cover's mark: replace the placeholder with your logo (SVG, PNG or JPEG).
logo: content/assets/logo.svg

# The cover's fixed strings (optional): the small line above the title, and a line
# under it. Leave a language out to print nothing there in that language.
cover:
  kicker: {_each(codes, "kicker")}
  # series: {{…}}            # the series name, printed above the issue number
  # lines: [{{…}}]           # more lines under the title

# Font families in fallback order, per language (./dev installs these). Every
# character of the content must be drawable by one of a language's families.
fonts:
{fonts}

# How PDFs are made: `{command()} build --profile NAME`. `screen` (links, no bleed) is
# always there and is the default; it writes to output/<lang>/, others to
# output/<profile>/<lang>/.
{profile}
"""


def _issue_yaml(codes: tuple[str, ...], today: dt.date) -> str:
    return f"""\
# One issue of the journal. Texts in each language are {{ko: …, en: …}}.
volume: 1
number: 1
date: {today.isoformat()}
title: {_each(codes, "issue_title")}
# issn: "0000-0000"        # the number the ISSN centre assigns
publisher: {_each(codes, "publisher")}
# copyright: {{…}}

# The editorial board page: one entry per person.
editors:
  - role: {_each(codes, "role")}
    name: {_each(codes, "editor")}

# The contents, in order: each section lists its articles by file name
# (welcome means welcome.<lang>.md in this folder).
sections:
  - title: {_each(codes, "section")}
    articles: [welcome]
"""


def _article(code: str, today: dt.date, codes: tuple[str, ...]) -> str:
    t = TEXTS[code]
    return f"""\
---
type: message
title: {_q(t["article_title"])}
authors:
  - name: {_q(t["author"])}
---
{t["article_body"]}"""


def _notice(code: str, today: dt.date, codes: tuple[str, ...]) -> str:
    t = TEXTS[code]
    bilingual = "bilingual: stacked\n" if len(codes) > 1 else ""
    return f"""\
---
title: {_q(t["notice_title"])}
date: {today.isoformat()}
place: {_q(t["place"])}
contact: [{_q(t["contact"])}, editor@example.org]
{bilingual}---
{t["notice_body"]}"""


def _readme(codes: tuple[str, ...], source: str, slug: str) -> str:
    cmd = command()
    others = [c for c in codes if c != source]
    translate = "" if not others else f"""
Translations: `welcome.{others[0]}.md` translates `welcome.{source}.md`. After changing
the {source} text, update the translation and run `folio i18n mark FILE`;
`folio status` lists what is out of date.
"""
    return f"""\
# This publication

Made with `{cmd} new`. Build it, in this folder, with folio's command (`folio`
when folio is installed; else `python /path/to/folio/build.py`, which finds this
folder by its `publication.yaml`):

```sh
folio build              # every PDF into output/<language>/
folio build --draft      # while translations are unfinished
folio serve              # a live preview in the browser while you edit
```

| file | what it is |
| --- | --- |
| `publication.yaml` | title, languages, cover lines, fonts, print profiles (commented) |
| `content/journal/{slug}/issue.yaml` | the issue: number, date, theme, editors, contents |
| `content/journal/{slug}/welcome.<lang>.md` | an article, one file per language |
| `content/notices/welcome.<lang>.md` | a one-page notice sheet |
| `content/assets/logo.svg` | a placeholder logo: replace it |
| `locales/<lang>/LC_MESSAGES/messages.po` | (optional) your own wording of folio's fixed strings |
{translate}
`output/` is made by every build and is not kept in version control (`.gitignore`).
Bundled sample and full manual: folio's README.
"""
