"""Template strings from gettext catalogs, checked as strictly as gettext.

Catalogs are the translators' ``locales/<lang>/LC_MESSAGES/messages.po``, read and
compiled in memory with Babel, so no ``.mo`` file is ever committed or stale.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations

from folio.config.publication import Language
from folio.config.reading import Reader, Record
from folio.defaults import command
from folio.errors import BuildError, Problem
from folio.files import cache_root, digest, write_atomically

DOMAIN = "messages"


def catalog_path(locales_dirs: tuple[Path, ...], code: str, reader: Reader | None = None,
                 record: Record | None = None) -> Path | None:
    """The first ``messages.po`` for ``code`` along the override chain (each place
    looked in is recorded, so a catalog added in front later is noticed)."""
    for directory in locales_dirs:
        candidate = directory / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if reader.exists(candidate, record) if reader is not None else candidate.is_file():
            return candidate
    return None


def load_translations(locales_dirs: tuple[Path, ...], language: Language,
                      reader: Reader | None = None, record: Record | None = None,
                      known: set[str] | None = None) -> NullTranslations:
    """Compile the language's catalogs in memory; no catalog means the msgids show.

    Catalogs along the override chain stack: a publication's catalog may translate
    only the strings it words its own way, the bundled one giving the rest. With
    ``known`` (the templates' msgids), a msgid of a catalog in front of another that
    is not among them (a misspelling, which would silently change nothing) is an
    error at its line.

    Each catalog is checked at least as strictly as GNU gettext's ``msgfmt -c`` (which
    is run when installed), and every problem is located."""
    reader = reader or Reader(locales_dirs[0].parent if locales_dirs else Path.cwd(),
                              also=locales_dirs)
    paths = catalog_paths(locales_dirs, language.code, reader, record)
    if not paths:
        return NullTranslations()
    result: NullTranslations | None = None
    for index, path in enumerate(paths):
        text = reader.read_text(path, record, what="catalog")
        catalog = parse_catalog(text, path, language.locale)
        problems = check_catalog(catalog, text, path, language)
        if known is not None and index < len(paths) - 1:
            problems += unknown_msgids(catalog, path, known)
        if problems:
            raise BuildError(*problems)
        # Fuzzy entries are guesses awaiting review: gettext leaves them out, so do we;
        # untranslated ones are left out too, so the next catalog's stand.
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations = Translations(fp=buffer, domain=DOMAIN)
        if result is None:
            result = translations
        else:
            result.add_fallback(translations)
    assert result is not None
    return result


def catalog_paths(locales_dirs: tuple[Path, ...], code: str, reader: Reader | None = None,
                  record: Record | None = None) -> list[Path]:
    """Every ``messages.po`` for ``code`` along the override chain, front first."""
    found = []
    for directory in locales_dirs:
        candidate = directory / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if reader.exists(candidate, record) if reader is not None else candidate.is_file():
            found.append(candidate)
    return found


def unknown_msgids(catalog: Catalog, path: Path, known: set[str]) -> list[Problem]:
    """Entries of a catalog that overrides another whose msgid no template prints."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid in known:
            continue
        close = difflib.get_close_matches(msgid, sorted(known), n=1)
        problems.append(Problem(
            f"no template prints the msgid '{msgid}': this entry would change nothing",
            path, message.lineno,
            hint=(f"did you mean '{close[0]}'? " if close else "")
            + "copy the msgid exactly from the bundled locales/messages.pot, or delete "
              "the entry"))
    return problems


def read_catalog(path: Path, locale: str, reader: Reader | None = None) -> Catalog:
    """Read a ``.po`` file of the publication; a syntax error is reported at its line."""
    text = (reader or Reader(path.parent)).read_text(path, what="catalog")
    return parse_catalog(text, path, locale)


_PLURAL_FORMS = re.compile(r'^"Plural-Forms:(?P<value>.*?)(\\n)?"$', re.M)
_PLURAL_VALUE = re.compile(r"^\s*nplurals\s*=\s*\d+\s*;\s*plural\s*=\s*[^;]+;?\s*$")


def parse_catalog(text: str, path: Path, locale: str) -> Catalog:
    header = _PLURAL_FORMS.search(text)
    if header and not _PLURAL_VALUE.match(header["value"]):
        raise BuildError.at(f"the Plural-Forms header is malformed:{header['value']}", path,
                            text.count("\n", 0, header.start()) + 1,
                            hint="write it as gettext expects, e.g. 'nplurals=1; plural=0;' "
                                 "for Korean, 'nplurals=2; plural=(n != 1);' for English")
    try:
        return read_po(io.BytesIO(text.encode("utf-8")), locale=locale, abort_invalid=True,
                       charset="utf-8")
    except PoFileError as error:
        line = error.lineno + 1 if isinstance(error.lineno, int) else None  # Babel counts from 0
        message = re.sub(r" on \d+$", "", str(error.args[0]))
        raise BuildError.at(f"the catalog cannot be read: {message}", path, line,
                            hint="open it in Poedit or fix the keyword and quoting on "
                            "that line") from None
    except (UnicodeDecodeError, ValueError, LookupError) as error:
        raise BuildError.at(f"the catalog cannot be read: {error}", path,
                            hint="save it as UTF-8 with a valid header") from None


# A printf-style directive as Python's % operator reads it.
_DIRECTIVE = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                        r"(?P<type>[diouxXeEfFgGcrsa%])?")


def _placeholders(text: str) -> tuple[set[str], str | None]:
    """The named placeholders of ``text``, and what is wrong with its % signs."""
    names: set[str] = set()
    for match in _DIRECTIVE.finditer(text):
        if match["type"] is None:
            return names, "a % that starts no placeholder (write %% for a percent sign)"
        if match["type"] != "%":
            if match["name"] is None:
                return names, f"'{match[0]}' has no name (write %(name)s)"
            names.add(match["name"])
    return names, None


def check_catalog(catalog: Catalog, text: str, path: Path,
                  language: Language) -> list[Problem]:
    """What GNU gettext's ``msgfmt -c`` finds, and what it lets through that would
    still print wrongly: a % that is not a placeholder (Jinja formats every
    translation), placeholders that differ from the msgid's, and a plural count that
    is not the language's."""
    problems: list[Problem] = []
    hint = "use the same %(name)s placeholders as the msgid"
    for message in catalog:
        if not message.id:
            continue
        wanted, wrong = _placeholders(message.id if isinstance(message.id, str)
                                      else message.id[0])
        strings = message.string if isinstance(message.string, (list, tuple)) \
            else [message.string]
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        for string in strings:
            if not string or message.fuzzy:
                continue
            names, wrong = _placeholders(string)
            shown = ids[0]
            if wrong:
                problems.append(Problem(f"translation of '{shown}': {wrong}", path,
                                        message.lineno, hint=hint))
                continue
            every = set().union(*(_placeholders(i)[0] for i in ids))
            if names - every:
                problems.append(Problem(
                    f"translation of '{shown}' has placeholders the msgid has not: "
                    + ", ".join(f"%({n})s" for n in sorted(names - every)), path,
                    message.lineno, hint=hint))
            elif len(strings) == 1 and wanted - names:
                problems.append(Problem(
                    f"translation of '{shown}' drops "
                    + ", ".join(f"%({n})s" for n in sorted(wanted - names)), path,
                    message.lineno, hint=hint))
    # GNU gettext's verdict, but for what the entries above already say (its line is
    # the msgstr's, ours the msgid's).
    ours = {p.line for p in problems}
    problems += [p for p in _msgfmt(path)
                 if not ({(p.line or 0) - 1, p.line, (p.line or 0) - 2} & ours)]
    # CLDR's plural categories: "other" is always one, implicit in Babel's tags.
    expected = len(Locale.parse(language.locale).plural_form.tags | {"other"})
    header = catalog.plural_forms or ""
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    if match and int(match[1]) != expected and any(
            isinstance(m.id, (list, tuple)) for m in catalog if m.id):
        line = next((n for n, text_line in enumerate(text.splitlines(), 1)
                     if "Plural-Forms" in text_line), 1)
        problems.append(Problem(
            f"Plural-Forms says nplurals={match[1]}, but {language.name} has {expected} "
            f"plural form{'s' if expected != 1 else ''}", path, line,
            hint=f"write the header of {language.name} (Poedit: Catalog > Properties)"))
    return problems


def _msgfmt_verdict(path: Path) -> tuple[int, str] | None:
    """``msgfmt -c``'s exit status and messages, or None without msgfmt. Kept in the
    cache by the catalog's bytes, its path and the msgfmt program: a build forks
    no process for a catalog it has seen."""
    program = shutil.which("msgfmt")
    if program is None:
        return None
    try:
        stat = Path(program).stat()
        key = digest(b"\0".join((path.read_bytes(), str(path).encode(), program.encode(),
                                  f"{stat.st_size}:{stat.st_mtime_ns}".encode())))
    except OSError:
        return None
    cached = cache_root() / "msgfmt" / f"{key[:32]}.json"
    try:
        returncode, stderr = json.loads(cached.read_text(encoding="utf-8"))
        if isinstance(returncode, int) and isinstance(stderr, str):
            return returncode, stderr
    except (OSError, ValueError, TypeError):
        pass
    try:
        done = subprocess.run([program, "-c", "-o", os.devnull, str(path)],
                              capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        write_atomically(cached, json.dumps([done.returncode, done.stderr]).encode("utf-8"))
    except OSError:
        pass                            # a cache that cannot be written only costs time
    return done.returncode, done.stderr


def _msgfmt(path: Path) -> list[Problem]:
    """GNU gettext's own check, when it is installed: ``msgfmt -c``."""
    verdict = _msgfmt_verdict(path)
    if verdict is None:
        return []
    returncode, stderr = verdict
    if returncode == 0:
        return []
    problems = []
    for line in stderr.splitlines():
        match = re.match(rf"^{re.escape(str(path))}:(\d+): (?!warning:)(.*)$", line)
        if match and not match[2].startswith("..."):
            problems.append(Problem(f"msgfmt: {match[2].rstrip('.')}", path, int(match[1]),
                                    hint="fix the entry on this line (GNU gettext rejects "
                                         "it)"))
        elif match and problems:                  # "...the location of the first one"
            last = problems[-1]
            problems[-1] = Problem(f"{last.message} ({match[2].strip('. ')} on line "
                                   f"{match[1]})", last.path, last.line, hint=last.hint)
    if not problems:
        # No line to point at: its complaint is about the file (mostly the header).
        reasons = [re.sub(rf"^(msgfmt: )?{re.escape(str(path))}: (warning: )?", "",
                          line.strip()) for line in stderr.splitlines()
                   if str(path) in line]
        problems.append(Problem("msgfmt -c rejects the catalog: "
                                + ("; ".join(reasons) or stderr.strip()), path, 1,
                                hint="the catalog needs a header with Content-Type: "
                                     "text/plain; charset=UTF-8 and Plural-Forms "
                                     f"({command()} i18n update writes one)"))
    return problems
