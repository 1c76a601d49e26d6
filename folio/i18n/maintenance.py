"""The translators' gettext catalogs: extract, update, compile and count, all with Babel.

The msgids are the English strings written in the templates, so an English
catalog needs no translation to be complete; every other language does. As GNU
gettext's ``msgen`` would, ``update`` fills the English catalog's empty msgstrs with
their msgids, so Poedit and ``msgfmt --statistics`` count it complete too, and an
editor may still change the English wording there.
Every catalog written passes ``msgfmt -c`` without a warning: its Language,
Language-Team and Last-Translator headers are filled in (see ``_fill_header``).
Files are rewritten only when their messages change, so running a command twice
leaves git clean (Babel would otherwise stamp a new creation date each time).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from folio._compat import header_comment, parse_mapping_cfg
from folio.config.publication import PublicationConfig
from folio.content.translations import last_commit
from folio.defaults import BUNDLED
from folio.files import write_atomically
from folio.i18n.catalog import (
    DOMAIN,
    catalog_path,
    catalog_paths,
    load_translations,
    read_catalog,
)

MSGID_LANGUAGE = "en"
TEMPLATE_FILE = "messages.pot"
COPYRIGHT_HOLDER = "the publication's editors"
# The Last-Translator of a catalog nobody is known to have edited.
NO_TRANSLATOR = "the publication's editors"
_VOLATILE = (b'"POT-Creation-Date:', b'"PO-Revision-Date:', b'"Generated-By:')


def _extraction_map():
    """Babel's extraction map, read from babel.cfg (the file pybabel reads too).
    Its patterns name templates/…, relative to the publication; here they are taken
    relative to one template folder."""
    with (BUNDLED / "babel.cfg").open(encoding="utf-8") as stream:
        methods, options = parse_mapping_cfg(stream)
    def strip(pattern: str) -> str:
        return pattern.removeprefix("templates/")
    return [(strip(p), m) for p, m in methods], {strip(p): o for p, o in options.items()}


@dataclass(frozen=True)
class CatalogStats:
    language: str
    path: Path | None
    total: int
    translated: int
    untranslated: tuple[str, ...] = ()
    fuzzy: tuple[str, ...] = ()
    obsolete: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.untranslated and not self.fuzzy


@dataclass
class UpdateResult:
    language: str
    path: Path
    created: bool = False
    written: bool = False
    new: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)     # msgstr copied from the msgid (en)


def extract(template_dirs: tuple[Path, ...], config: PublicationConfig) -> Catalog:
    """Every translatable string of the templates an override chain uses."""
    catalog = Catalog(project=_title(config), copyright_holder=COPYRIGHT_HOLDER, fuzzy=False)
    for directory in template_dirs:
        for filename, _line, message, comments, context in extract_from_dir(
                directory, *_extraction_map()):
            # A template overridden by the publication hides the bundled one of that name.
            if directory != template_dirs[0] and (template_dirs[0] / filename).is_file():
                continue
            catalog.add(message, None, [(f"templates/{filename}", None)],  # type: ignore[list-item]
                        auto_comments=comments, context=context)
    return catalog


def template_strings(template_dirs: tuple[Path, ...]) -> list[tuple[str, str | None]]:
    """Every string the templates print through gettext: (msgid, plural or None).

    Babel's extraction parses every template (0.15 s); the result is kept in the
    cache folder, keyed by the templates' contents."""
    import json

    from folio.files import cache_root, digest
    contents = b"".join(f"{path.relative_to(directory)}\0".encode() + path.read_bytes()
                        for directory in template_dirs if directory.is_dir()
                        for path in sorted(directory.rglob("*.j2")))
    cache = cache_root() / "strings" / f"{digest(contents)[:24]}.json"
    try:
        return [tuple(pair) for pair in json.loads(cache.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    strings = _extract_strings(template_dirs)
    try:
        write_atomically(cache, json.dumps(strings).encode())
    except OSError:
        pass                            # no cache: slower, not wrong
    return strings


def _extract_strings(template_dirs: tuple[Path, ...]) -> list[tuple[str, str | None]]:
    strings: list[tuple[str, str | None]] = []
    for directory in template_dirs:
        for filename, _, message, _, _ in extract_from_dir(directory, *_extraction_map()):
            if directory != template_dirs[0] and (template_dirs[0] / filename).is_file():
                continue
            if isinstance(message, (list, tuple)):
                strings.append((message[0], message[1] if len(message) > 1 else None))
            elif message:
                strings.append((message, None))
    return list(dict.fromkeys(strings))


def write_template(catalog: Catalog, locales_dir: Path) -> tuple[Path, bool]:
    path = locales_dir / TEMPLATE_FILE
    return path, _write_if_changed(path, _po_bytes(catalog))


def update(template: Catalog, config: PublicationConfig, locales_dir: Path,
           fallback_dirs: tuple[Path, ...]) -> list[UpdateResult]:
    """Merge the template into every language's catalog, creating missing ones.

    A msgid that changed is matched to its old translation, which Babel marks fuzzy
    for review; a msgid that is gone is kept as obsolete (``#~``) in case it returns.
    A new language starts from the bundled catalog when there is one.

    The English catalog is the msgids' own language: like ``msgen``, every empty
    msgstr gets its msgid (msgstr[0] the msgid, the others the msgid_plural), and a
    msgstr an editor changed is kept. A msgstr that merely copies its msgid is not
    carried over to a changed msgid as a fuzzy guess: the new msgid is copied instead.
    """
    results = []
    title = _title(config)
    for language in config.languages:
        path = locales_dir / language.code / "LC_MESSAGES" / f"{DOMAIN}.po"
        result = UpdateResult(language.code, path)
        existing = catalog_path((locales_dir, *fallback_dirs), language.code)
        if existing is None:
            catalog = Catalog(locale=language.locale.split("_")[0], project=template.project,
                              copyright_holder=template.copyright_holder, fuzzy=False)
            result.created = True
        else:
            catalog = read_catalog(existing, language.locale)
            result.created = existing != path
        before = {_key(m): m for m in catalog if m.id}
        english = language.code == MSGID_LANGUAGE
        written = {key: m.string for key, m in before.items()}
        if english:
            for message in catalog:             # copies are no translation to keep
                if message.id:
                    message.string = _without_copies(message, catalog.num_plurals)
        # Babel adds the template's own Message objects: a copy keeps the English
        # msgstrs filled in below out of the languages that follow.
        catalog.update(copy.deepcopy(template), update_creation_date=False)
        for message in catalog:
            if message.id:
                _merged(message, catalog, template, before.get(_key(message)),
                        written, english, result)
        if english:
            for message in catalog.obsolete.values():
                message.string = _from_msgid(message, catalog.num_plurals)
        result.obsolete = [_text(m.id) for m in catalog.obsolete.values()
                           if _key(m) in before]
        _fill_header(catalog, language, title, path, copied=existing not in (None, path))
        result.written = _write_if_changed(path, _po_bytes(catalog))
        results.append(result)
    return results


def _merged(message, catalog: Catalog, template: Catalog, old, written: dict,
            english: bool, result: UpdateResult) -> None:
    """One message after Babel's merge, ``old`` the one it had before (or None):
    counted as new, fuzzy or filled; the English catalog's msgstr is its msgid."""
    if english and message.fuzzy and not _has_text(message):
        # Matched to an old entry that only copied its msgid: nothing to review,
        # and the flags are the template's (not the old entry's python-format).
        wanted = template.get(message.id, message.context)
        message.flags = {f for f in (wanted.flags if wanted else message.flags)
                         if f != "fuzzy"}
        message.previous_id = []
    if old is None and not message.fuzzy:
        result.new.append(_text(message.id))
    elif message.fuzzy and (old is None or not old.fuzzy):
        result.fuzzy.append(_text(message.id))
    if english:
        message.string = _from_msgid(message, catalog.num_plurals)
        if old is not None and message.string != written[_key(message)]:
            result.filled.append(_text(message.id))


def compile_catalogs(config: PublicationConfig, locales_dirs: tuple[Path, ...],
                     out_dir: Path) -> list[Path]:
    """Check every catalog and write ``.mo`` files for tools that want them.

    The build itself compiles in memory; nothing here needs committing.
    """
    written = []
    for language in config.languages:
        path = catalog_path(locales_dirs, language.code)
        if path is None:
            continue
        load_translations(locales_dirs, language)        # reports broken catalogs
        catalog = read_catalog(path, language.locale)
        mo = out_dir / language.code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        _write_if_changed(mo, buffer.getvalue(), volatile=())
        written.append(mo)
    return written


def stats(template: Catalog, config: PublicationConfig,
          locales_dirs: tuple[Path, ...]) -> list[CatalogStats]:
    """Untranslated, fuzzy and obsolete entries per language, against the live templates.

    English, the msgids' language, has no untranslated entries: where its msgstr is
    empty or the entry is missing (a string added since the last ``i18n update``),
    the build prints the msgid, which is the English text, so a translator has
    nothing to do there (``i18n update`` then copies the msgid in, as ``msgen``
    does, and Poedit agrees). Its fuzzy entries do count: an editor changed the
    wording of a msgid that has changed since, and the build ignores that wording
    until someone reviews it.
    """
    wanted = {_key(m): m for m in template if m.id}
    results = []
    for language in config.languages:
        path = catalog_path(locales_dirs, language.code)
        catalog = read_catalog(path, language.locale) if path else Catalog(locale="en")
        have = {_key(m): m for m in catalog if m.id}
        # A catalog in front of another (a publication's over the bundled one) may
        # hold only some strings: the others are the next one's (load_translations).
        behind: dict = {}
        for later in reversed(catalog_paths(locales_dirs, language.code)[1:]):
            behind.update({_key(m): m for m in read_catalog(later, language.locale)
                           if m.id and not m.fuzzy and _translated(m)})
        untranslated, fuzzy = [], []
        for key, message in wanted.items():
            entry = have.get(key)
            if entry is not None and entry.fuzzy:
                fuzzy.append(_text(message.id))
            elif language.code != MSGID_LANGUAGE and (entry is None or not _translated(entry)) \
                    and key not in behind:
                untranslated.append(_text(message.id))
        obsolete = [_text(m.id) for m in catalog.obsolete.values()]
        obsolete += [_text(m.id) for key, m in have.items() if key not in wanted]
        results.append(CatalogStats(language.code, path, len(wanted),
                                    len(wanted) - len(untranslated) - len(fuzzy),
                                    tuple(untranslated), tuple(fuzzy), tuple(obsolete)))
    return results


def _title(config: PublicationConfig) -> str:
    return config.title.get(MSGID_LANGUAGE) or next(iter(config.title.values()))


def _fill_header(catalog: Catalog, language, title: str, path: Path,
                 copied: bool = False) -> None:
    """Header values a translator and ``msgfmt -c`` accept, in place of Babel's
    placeholders; a value someone wrote (in Poedit, say) is kept.

    Language is the language's code; Language-Team names the language and the
    publication; Last-Translator is, failing a real one, the author of the last
    commit of the catalog, else the git user running the command, else
    ``NO_TRANSLATOR``. Babel's "FIRST AUTHOR" header comment is rewritten. A catalog
    ``copied`` from another publication's (the bundled one) takes this publication's
    title and team, and keeps its Last-Translator: who translated those strings."""
    if catalog.locale is None or catalog.locale.language != language.locale.split("_")[0]:
        catalog.locale = language.locale.split("_")[0]
    if copied or catalog.version == "VERSION" or catalog.project == "PROJECT":
        # Babel writes "<project> <version>"; a publication has a title, no version.
        project, _, version = title.rpartition(" ")
        catalog.project, catalog.version = (project, version) if project else (title, "")
    if catalog.msgid_bugs_address == "EMAIL@ADDRESS":
        catalog.msgid_bugs_address = ""                 # as xgettext leaves it
    if not isinstance(catalog.revision_date, (dt.datetime, dt.time, int, float)):
        catalog.revision_date = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    team = catalog.language_team.strip()
    if copied or not team or team.startswith("LANGUAGE") or "LL@li.org" in team:
        catalog.language_team = f"{language.name} ({title})"
    translator = catalog.last_translator.strip()
    if not translator or translator.startswith("FULL NAME"):
        catalog.last_translator = _git_author(path) or NO_TRANSLATOR
    comment = header_comment(catalog)
    if copied or not comment or "FIRST AUTHOR" in comment or "ORGANIZATION" in comment:
        year = (catalog.revision_date.strftime("%Y") if isinstance(catalog.revision_date,
                                                                     dt.datetime)
                else str(dt.date.today().year))
        copyright = next((line for line in comment.splitlines()
                          if line.startswith("# Copyright") and "YEAR" not in line
                          and "ORGANIZATION" not in line),
                         f"# Copyright (C) {year} {COPYRIGHT_HOLDER}")
        catalog.header_comment = (
            f"# {language.name} translations for {title}.\n{copyright}\n"
            f"# This file is distributed under the same license as the publication.\n#")


def _git_author(path: Path) -> str | None:
    """Who last committed ``path``, or else who git says is running this."""
    last = last_commit(path)
    if last is not None:
        return last[0]
    where = next((p for p in (path.parent, *path.parents) if p.is_dir()), Path.cwd())
    def config(key: str) -> str:
        try:
            done = subprocess.run(["git", "config", key], cwd=where, capture_output=True,
                                  text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""
    name, email = config("user.name"), config("user.email")
    return (f"{name} <{email}>" if email else name) if name else None


def _fill_values(message, nplurals: int) -> list[str]:
    """What ``msgen`` writes for a message: msgstr[0] the msgid, the others its plural."""
    if isinstance(message.id, str):
        return [message.id]
    ids = list(message.id)
    return [ids[0]] + [ids[-1]] * (max(nplurals, 1) - 1)


def _strings(message) -> list[str]:
    string = message.string
    return [s or "" for s in string] if isinstance(string, (list, tuple)) else [string or ""]


def _from_msgid(message, nplurals: int):
    """The message's msgstr with every empty form filled from the msgid."""
    wanted, strings = _fill_values(message, nplurals), _strings(message)
    strings += [""] * (len(wanted) - len(strings))
    filled = [s or w for s, w in zip(strings[:len(wanted)], wanted, strict=True)]
    filled += strings[len(wanted):]
    return filled[0] if isinstance(message.id, str) else tuple(filled)


def _without_copies(message, nplurals: int):
    """The message's msgstr with every form that copies the msgid emptied."""
    wanted, strings = _fill_values(message, nplurals), _strings(message)
    kept = [("" if i < len(wanted) and s == wanted[i] else s) for i, s in enumerate(strings)]
    return kept[0] if isinstance(message.id, str) else tuple(kept)


def _has_text(message) -> bool:
    return any(_strings(message))


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings) and bool(strings)


def _key(message) -> tuple:
    return (message.id if isinstance(message.id, str) else tuple(message.id), message.context)


def _text(msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76, include_lineno=False, sort_output=True)
    return buffer.getvalue()


def _write_if_changed(path: Path, data: bytes, volatile: tuple[bytes, ...] = _VOLATILE) -> bool:
    if path.is_file() and _stable(path.read_bytes(), volatile) == _stable(data, volatile):
        return False
    write_atomically(path, data)
    return True


def _stable(data: bytes, volatile: tuple[bytes, ...]) -> list[bytes]:
    return [line for line in data.splitlines() if not line.startswith(volatile)]
