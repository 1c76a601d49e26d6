"""The translators' gettext catalogs: extract, update, compile and count, all with Babel.

The msgids are the English strings written in the templates, so an English
catalog needs no translation to be complete; every other language does.
Files are rewritten only when their messages change, so running a command twice
leaves git clean (Babel would otherwise stamp a new creation date each time).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from folio.config.publication import PublicationConfig
from folio.defaults import BUNDLED
from folio.files import write_atomically
from folio.i18n.catalog import DOMAIN, catalog_path, load_translations, read_catalog

MSGID_LANGUAGE = "en"
TEMPLATE_FILE = "messages.pot"
_VOLATILE = (b'"POT-Creation-Date:', b'"PO-Revision-Date:', b'"Generated-By:')


def _extraction_map():
    """Babel's extraction map, read from babel.cfg (the file pybabel reads too).
    Its patterns name templates/…, relative to the publication; here they are taken
    relative to one template folder."""
    from babel.messages.frontend import parse_mapping_cfg
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


def extract(template_dirs: tuple[Path, ...], config: PublicationConfig) -> Catalog:
    """Every translatable string of the templates an override chain uses."""
    catalog = Catalog(project=config.title.get(MSGID_LANGUAGE) or next(iter(config.title.values())),
                      copyright_holder="the publication's editors", fuzzy=False)
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
    """
    results = []
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
        catalog.update(template, update_creation_date=False)
        for message in catalog:
            if not message.id:
                continue
            old = before.get(_key(message))
            if old is None and not message.fuzzy:
                result.new.append(_text(message.id))
            elif message.fuzzy and (old is None or not old.fuzzy):
                result.fuzzy.append(_text(message.id))
        result.obsolete = [_text(m.id) for m in catalog.obsolete.values()
                           if _key(m) in before]
        result.written = _write_if_changed(path, _po_bytes(catalog))
        results.append(result)
    return results


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
    """Untranslated, fuzzy and obsolete entries per language, against the live templates."""
    wanted = {_key(m): m for m in template if m.id}
    results = []
    for language in config.languages:
        path = catalog_path(locales_dirs, language.code)
        catalog = read_catalog(path, language.locale) if path else Catalog(locale="en")
        have = {_key(m): m for m in catalog if m.id}
        untranslated, fuzzy = [], []
        for key, message in wanted.items():
            entry = have.get(key)
            if entry is not None and entry.fuzzy:
                fuzzy.append(_text(message.id))
            elif language.code != MSGID_LANGUAGE and (entry is None or not _translated(entry)):
                untranslated.append(_text(message.id))
        obsolete = [_text(m.id) for m in catalog.obsolete.values()]
        obsolete += [_text(m.id) for key, m in have.items() if key not in wanted]
        results.append(CatalogStats(language.code, path, len(wanted),
                                    len(wanted) - len(untranslated) - len(fuzzy),
                                    tuple(untranslated), tuple(fuzzy), tuple(obsolete)))
    return results


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
