"""Translation units: each source segment with its translation, aligned block by block.

A unit is *translated*, *fuzzy* (the source changed since the translation was
marked, or nobody marked it), or *untranslated*. Where git has the source as it
was when the translation was marked (its ``source_hash``), the old and new source
are aligned by their text, so inserting a paragraph leaves every other
translation in place and shows the translator the previous source of what
changed, as ``msgmerge`` does. A segment with no translation is offered the
closest translation of the same text elsewhere in the publication (translation
memory).
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from folio.config.publication import PublicationConfig
from folio.config.reading import Reader, publication_reader
from folio.content import translations as tr
from folio.content.loading import ISSUE_FILE
from folio.errors import BuildError, shown_path
from folio.i18n import inline
from folio.i18n.segments import Cut, Segment, cut_issue_file, cut_markdown_file, issue_translations

TRANSLATED, FUZZY, UNTRANSLATED = "translated", "fuzzy", "untranslated"
MEMORY_THRESHOLD = 0.75     # below this, a suggestion costs more to fix than to translate


@dataclass(frozen=True)
class Suggestion:
    """A translation memory match: ``source`` translated as ``target`` in ``origin``."""

    source: str
    target: str
    origin: str
    quality: int                      # percent


@dataclass
class Unit:
    id: str                           # document#segment: stable msgctxt / trans-unit id
    segment: Segment                  # in the source
    target: Segment | None = None     # in the translation, as aligned
    target_text: str = ""             # placeholders renumbered to the source's
    fuzzy: bool = False
    previous: str = ""                # the source it was translated from, if it changed
    suggestion: Suggestion | None = None
    target_codes: tuple[inline.Code, ...] = ()  # the translation's, numbered as the source's

    @property
    def codes(self) -> tuple[inline.Code, ...]:
        """What the translation's placeholders stand for: the source's codes, as the
        translation writes them where it has them (its span may say lang=en-US where
        the source's says lang=ko), and the translation's own."""
        own = {c.id: c for c in self.target_codes}
        merged = [own.pop(c.id, c) for c in self.segment.codes]
        return tuple(merged) + tuple(own.values())

    @property
    def state(self) -> str:
        if not self.target_text:
            return UNTRANSLATED
        return FUZZY if self.fuzzy else TRANSLATED

    @property
    def source_text(self) -> str:
        return self.segment.text


@dataclass
class DocumentUnits:
    """One document in one language, ready to export, check, review or import into."""

    name: str                         # journal/2022-vol1-no1/why-cities-become-creative
    language: str
    source_language: str
    source: Cut
    target: Cut | None                # the translation as it is (None: no file yet)
    target_path: Path
    units: list[Unit]
    kind: str = "markdown"            # or "issue" (issue.yaml: both languages in one file)
    in_place: bool = True             # the translation is cut like the source
    history: bool = False             # aligned through the source's earlier version (git)

    def by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.units}

    @property
    def counts(self) -> dict[str, int]:
        counts = {TRANSLATED: 0, FUZZY: 0, UNTRANSLATED: 0}
        for unit in self.units:
            counts[unit.state] += 1
        return counts


def all_documents(config: PublicationConfig, code: str, reader: Reader | None = None,
                  memory: bool = True) -> list[DocumentUnits]:
    """Every content document and issue.yaml to translate into ``code``; with
    ``memory``, untranslated segments get translation-memory suggestions (what an
    export and a review sheet show; a status report needs none)."""
    reader = reader or publication_reader(config.root)
    found = [document_units(config, files, code, reader) for files in tr.documents(config)]
    if code != config.source_language:
        found += [issue_units(config, path, code, reader) for path in issue_files(config)]
    found = [d for d in found if d.language != d.source_language]
    if memory:
        remembered = Memory.of(found, config.root)
        for document in found:
            remembered.suggest(document)
    return found


def issue_files(config: PublicationConfig) -> list[Path]:
    folder = config.root / "content" / "journal"
    return sorted(folder.glob(f"*/{ISSUE_FILE}")) if folder.is_dir() else []


def find(config: PublicationConfig, documents: list[DocumentUnits], wanted: str) -> DocumentUnits:
    """A document named as ``status`` names it, by its slug, or by one of its files."""
    given = {(Path.cwd() / wanted).resolve(), (config.root / wanted).resolve()}
    exact = [d for d in documents if wanted == d.name or given &
             {d.source.path.resolve(), d.target_path.resolve()}]
    matches = exact or [d for d in documents if wanted == d.name.rsplit("/", 1)[-1]]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise BuildError.at(f"'{wanted}' names {len(matches)} documents", config.root,
                            hint="name one in full: " + ", ".join(d.name for d in matches))
    names = ", ".join(d.name for d in documents)
    raise BuildError.at(f"no document '{wanted}' in this publication", config.root,
                        hint=f"name one of: {names}")


def document_units(config: PublicationConfig, files: tr.DocumentFiles, code: str,
                   reader: Reader) -> DocumentUnits:
    source_code, source_path = files.source(config)
    source = cut_markdown_file(reader.read_text(source_path), source_path)
    target_path = files.files.get(code, config.root / files.folder / f"{files.slug}.{code}.md")
    target = cut_markdown_file(reader.read_text(target_path), target_path) \
        if code in files.files and code != source_code else None
    units = [Unit(f"{files.name}#{s.id}", s) for s in source.segments]
    document = DocumentUnits(files.name, code, source_code, source, target, target_path, units)
    if target is None:
        document.in_place = False
        return document
    state = tr.state(config, files, code, reader=reader)
    old = None
    if state.state == tr.STALE:
        text = tr.old_version(config.root, source_path, state.recorded)
        old = cut_markdown_file(text, source_path) if text is not None else None
    _align(document, target, state.state == tr.TRANSLATED, old)
    return document


def issue_units(config: PublicationConfig, path: Path, code: str,
                reader: Reader) -> DocumentUnits:
    text = reader.read_text(path)
    source_code = config.source_language
    source = cut_issue_file(text, path, source_code, code)
    target = issue_translations(text, path, source_code, code)
    name = str(path.parent.relative_to(config.root / "content") / path.stem)
    units = [Unit(f"{name}#{s.id}", s) for s in source.segments]
    document = DocumentUnits(name, code, source_code, source, target, path, units, kind="issue")
    # No record says which version of the English a Korean value translates: a value
    # that is there counts as translated.
    _align(document, target, True, None)
    return document


def _align(document: DocumentUnits, target: Cut, current: bool, old: Cut | None) -> None:
    """Pair each unit with its translated segment (and say whether it is fuzzy)."""
    translated = target.by_id()
    source_ids = [s.id for s in document.source.segments]
    document.in_place = [s.id for s in target.segments] == source_ids
    pairs: dict[str, tuple[Segment, bool, str]] = {}     # source id: (target, fuzzy, previous)
    if current and document.in_place:
        pairs = {i: (translated[i], False, "") for i in source_ids if i in translated}
    elif old is not None and [s.id for s in old.segments] == [s.id for s in target.segments]:
        # The translation was cut like the old source: follow each old segment to
        # where it is now.
        before = [(s.kind, s.text) for s in old.segments]
        after = [(s.kind, s.text) for s in document.source.segments]
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                for a, b in zip(range(a1, a2), range(b1, b2), strict=True):
                    pairs[source_ids[b]] = (translated[old.segments[a].id], False, "")
            elif op == "replace":
                for a, b in zip(range(a1, a2), range(b1, b2), strict=False):
                    if old.segments[a].kind == document.source.segments[b].kind:
                        pairs[source_ids[b]] = (translated[old.segments[a].id], True,
                                                old.segments[a].text)
        document.in_place = document.in_place and all(
            pairs.get(i, (None,))[0] is not None and pairs[i][0].id == i for i in source_ids)
        document.history = True
    else:
        # Stale with no old version to compare, never marked, or marked but cut
        # differently from the source (a paragraph split in two): every translation
        # needs a look, and the blocks may not even pair up.
        pairs = {i: (translated[i], True, "") for i in source_ids if i in translated}
    for unit in document.units:
        pair = pairs.get(unit.segment.id)
        if pair is None or not pair[0].text or tr.is_untranslated_mark(pair[0].text):
            continue
        segment, fuzzy, previous = pair
        mapping = inline.renumber(list(segment.codes), list(unit.segment.codes))
        unit.target = segment
        unit.target_text = inline.apply_ids(segment.text, mapping)
        unit.target_codes = tuple(dataclasses.replace(c, id=mapping[c.id])
                                  for c in segment.codes)
        unit.fuzzy = fuzzy
        unit.previous = previous if previous != unit.segment.text else ""


@dataclass
class Memory:
    """Source text → translations of it elsewhere in the publication."""

    # source text: [(its translation, where it is)]
    entries: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _plain: dict[str, tuple[tuple[str, ...], set[str]]] | None = None

    @classmethod
    def of(cls, documents: list[DocumentUnits], root: Path) -> Memory:
        memory = cls()
        for document in documents:
            where = shown_path(document.target_path, root)
            for unit in document.units:
                if unit.state == TRANSLATED:
                    memory.entries.setdefault(unit.source_text, []).append(
                        (unit.target_text, f"{where} ({unit.segment.id})"))
                if unit.previous and unit.target_text:
                    memory.entries.setdefault(unit.previous, []).append(
                        (unit.target_text, f"an earlier version of {where} ({unit.segment.id})"))
        return memory

    def plain_texts(self) -> dict[str, tuple[tuple[str, ...], set[str]]]:
        """Each remembered text as its words, and the set of them."""
        if self._plain is None:
            self._plain = {}
            for text in self.entries:
                words = _words(text)
                self._plain[text] = (words, set(words))
        return self._plain

    def suggest(self, document: DocumentUnits) -> None:
        for unit in document.units:
            if unit.state != UNTRANSLATED:
                continue
            best = self.lookup(unit.source_text, unit.segment.codes)
            if best is not None:
                unit.suggestion = best

    def lookup(self, text: str, codes) -> Suggestion | None:
        exact = self.entries.get(text)
        if exact:
            return Suggestion(text, exact[0][0], exact[0][1], 100)
        words = _words(text)
        best: tuple[float, str] | None = None
        # Compared word by word (a character-level comparison of two paragraphs took
        # a second each); SequenceMatcher studies its second sequence once, so that
        # is the segment's, and each remembered text is set against it.
        matcher = difflib.SequenceMatcher(b=words, autojunk=False)
        vocabulary = set(words)
        for candidate, (other, other_vocabulary) in self.plain_texts().items():
            if not 0.6 < len(other) / max(len(words), 1) < 1.67 or \
                    len(vocabulary & other_vocabulary) < MEMORY_THRESHOLD * \
                    max(len(vocabulary), len(other_vocabulary)) * 0.5:
                continue
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() < MEMORY_THRESHOLD or \
                    matcher.quick_ratio() < MEMORY_THRESHOLD:
                continue
            ratio = matcher.ratio()
            if ratio >= MEMORY_THRESHOLD and (best is None or ratio > best[0]):
                best = (ratio, candidate)
        if best is None:
            return None
        target, origin = self.entries[best[1]][0]
        # A suggestion is offered with the codes of the segment it is for: only
        # when they line up can it be used as it is.
        try:
            inline.parse(target, list(codes), inline.required(codes))
        except inline.PlaceholderError:
            target = inline.plain(target)
        return Suggestion(best[1], target, origin, int(best[0] * 100))


def text_hash(text: str) -> str:
    """A short hash of a segment's text, whitespace folded and codes unnumbered: what
    an export records of each translation, so that an import can tell whether the
    file changed since (codes are numbered after the source, which may have changed
    in between: moving a code is a change, renumbering it is not)."""
    shape = re.sub(r"<(/?)g\d+>", r"<\1g>", re.sub(r"<x\d+/>", "<x/>", text))
    return hashlib.sha256(" ".join(shape.split()).encode("utf-8")).hexdigest()[:12]


def _words(text: str) -> tuple[str, ...]:
    """The words of a segment, as translation memory compares them."""
    return tuple(re.findall(r"\w+", inline.plain(text).lower()))
