"""Which translated content files are missing or out of date, and marking them checked.

A translated file records, in its front matter, ``source_hash``: a short hash of
the text of the source file it was translated from (its translatable front matter
and its body). Only what a translator translates counts: whitespace, line
wrapping and non-translatable fields (``date``, ``type``…) do not change the
hash, so reflowing a paragraph or moving a date does not make translations stale.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from folio.config.publication import PublicationConfig
from folio.config.reading import Reader, Record, publication_reader
from folio.content.frontmatter import parse_document
from folio.errors import BuildError
from folio.files import digest, publication_lock, write_atomically

HASH_FIELD = "source_hash"
# Front-matter fields a translator does not translate: they are the same in every
# language, or are bookkeeping.
NOT_TRANSLATED = frozenset({"type", "date", "bilingual", HASH_FIELD})
CONTENT_DIRS = (Path("content/journal"), Path("content/notices"))
_NAME = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9_-]*)\.(?P<lang>[A-Za-z-]+)\.md$")
_HASH_LINE = re.compile(rf"^{HASH_FIELD}\s*:.*$", re.MULTILINE)
DIFF_LINES = 12             # a status report shows a short diff, not the whole article

# States of one document in one language.
SOURCE, TRANSLATED, MISSING, STALE, UNCHECKED = (
    "source", "translated", "missing", "stale", "unchecked")


@dataclass(frozen=True)
class DocumentFiles:
    """One document in every language it exists in: ``{code: path}``."""

    folder: Path              # relative to the root: content/journal/2022-vol1-no1
    slug: str
    files: dict[str, Path]

    @property
    def name(self) -> str:
        return str(self.folder.relative_to("content") / self.slug)

    def source(self, config: PublicationConfig) -> tuple[str, Path]:
        """The file translations are made from: the source language's, else the first."""
        for code in (config.source_language, *config.codes):
            if code in self.files:
                return code, self.files[code]
        raise AssertionError("a document always has at least one file")


@dataclass(frozen=True)
class TranslationState:
    document: str
    language: str
    state: str                      # SOURCE, TRANSLATED, MISSING, STALE or UNCHECKED
    path: Path                      # the translated file (it may not exist)
    source: Path
    line: int = 1                   # of source_hash in the translated file
    recorded: str = ""
    current: str = ""
    diff: tuple[str, ...] = ()      # the source's change since `recorded`, where known
    diff_known: bool = False
    # Blocks that are not a translation: (line, what is wrong, what to do).
    blocks: tuple[tuple[int, str, str], ...] = ()

    @property
    def needs_work(self) -> bool:
        return self.state in (MISSING, STALE, UNCHECKED) or bool(self.blocks)

    def describe(self) -> str:
        source = self.source.name
        if self.state == MISSING:
            return f"no translation of {source}"
        if self.state == UNCHECKED:
            return f"no {HASH_FIELD}: nobody has recorded which version of {source} " \
                   "this translates"
        if self.state == STALE:
            return f"{source} has changed since this was translated"
        return self.state


def documents(config: PublicationConfig) -> list[DocumentFiles]:
    """Every content document, grouped across languages, in a stable order."""
    grouped: dict[tuple[Path, str], dict[str, Path]] = {}
    for base in CONTENT_DIRS:
        directory = config.root / base
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.md")):
            match = _NAME.match(path.name)
            if match and match["lang"] in config.codes:
                folder = path.parent.relative_to(config.root)
                grouped.setdefault((folder, match["slug"]), {})[match["lang"]] = path
    return [DocumentFiles(folder, slug, files)
            for (folder, slug), files in sorted(grouped.items())]


def files_of(config: PublicationConfig, path: Path) -> DocumentFiles | None:
    """The document a content file belongs to."""
    path = path.resolve()
    for document in documents(config):
        if path in {p.resolve() for p in document.files.values()}:
            return document
    return None


def translatable_text(text: str, path: Path) -> str:
    """What a translator translates, normalised: one line per field, one per paragraph."""
    document = parse_document(text, path)
    fields = {key: _normalise(value) for key, value in document.front_matter.items()
              if key not in NOT_TRANSLATED}
    lines = [f"{key}: {json.dumps(fields[key], ensure_ascii=False, sort_keys=True)}"
             for key in sorted(fields, key=str)]
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", document.body)]
    return "\n".join(lines + ["---"] + [p for p in paragraphs if p]) + "\n"


def _normalise(value):
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value if isinstance(value, (int, float, bool)) or value is None else str(value)


@lru_cache(maxsize=1024)
def hash_text(text: str, path: Path) -> str:
    return digest(translatable_text(text, path).encode("utf-8"))[:12]


def source_hash(path: Path, reader: Reader, record: Record | None = None) -> str:
    return hash_text(reader.read_text(path, record), path)


def recorded_hash(path: Path, reader: Reader,
                  record: Record | None = None) -> tuple[str, int]:
    """The ``source_hash`` a translated file carries, and its line (1 if absent)."""
    document = parse_document(reader.read_text(path, record), path)
    value = document.front_matter.get(HASH_FIELD)
    line = getattr(document.front_matter, "line_of", lambda key: 1)(HASH_FIELD) \
        if value is not None else 1
    return ("" if value is None else str(value).strip()), line


def state(config: PublicationConfig, document: DocumentFiles, code: str,
          with_diff: bool = False, reader: Reader | None = None,
          record: Record | None = None) -> TranslationState:
    """The state of ``document`` in ``code``; the files read for it go in ``record``
    (a translation's state depends on its source's text)."""
    reader = reader or publication_reader(config.root)
    source_code, source = document.source(config)
    path = document.files.get(code, config.root / document.folder / f"{document.slug}.{code}.md")
    if code == source_code:
        return TranslationState(document.name, code, SOURCE, path, source)
    if code not in document.files:
        return TranslationState(document.name, code, MISSING, path, source)
    recorded, line = recorded_hash(path, reader, record)
    current = source_hash(source, reader, record)
    blocks = not_translated(reader.read_text(path, record), path, config, source_code, code)
    if not recorded:
        return TranslationState(document.name, code, UNCHECKED, path, source, line, "", current,
                                blocks=blocks)
    if recorded == current:
        return TranslationState(document.name, code, TRANSLATED, path, source, line,
                                recorded, current, blocks=blocks)
    diff, known = (_diff_since(config.root, source, recorded, reader) if with_diff
                   else ((), False))
    return TranslationState(document.name, code, STALE, path, source, line, recorded, current,
                            diff, known, blocks)


def not_translated(text: str, path: Path, config: PublicationConfig, source: str,
                   target: str) -> tuple[tuple[int, str, str], ...]:
    """The blocks of a translated file that are not translations: marks an import left
    for blocks with no translation yet, and text in the source's language."""
    name = config.language(source).name
    shown = lambda text: text if len(text) <= 60 else text[:57] + "…"
    found = [(line, f"segment {ident} is not translated yet (marked '(untranslated: "
                    f"{ident})' by an import)",
              "translate it in the catalog ('i18n export') and import it, or write the "
              "translation in place of the mark")
             for line, ident in untranslated_marks(text)]
    found += [(line, f"this passage is in {name}, the source's language: “{shown(excerpt)}”",
               f"translate it; a passage meant to stay in {name} goes in quotation marks or "
               "a span marked [text]{lang=" + source + "}")
              for line, excerpt in _runs(source_language_blocks(text, path, source, target))]
    return tuple(sorted(found))


def _runs(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Consecutive lines found as one passage: its first line."""
    return [(line, text) for index, (line, text) in enumerate(found)
            if index == 0 or found[index - 1][0] != line - 1]


# -- marking --------------------------------------------------------------------

def mark(config: PublicationConfig, path: Path) -> TranslationState:
    """Record in ``path`` that it translates the current version of its source."""
    path = path.resolve()
    document = files_of(config, path)
    if document is None:
        raise BuildError.at("not a content file of this publication", path,
                            hint="name a translated file under content/, "
                                 "e.g. content/notices/creative-city.ko.md")
    source_code, source = document.source(config)
    code = next(c for c, p in document.files.items() if p.resolve() == path)
    if code == source_code:
        raise BuildError.at(f"this is the source ({source_code}) of its translations; "
                            "there is nothing to mark", path,
                            hint="mark the translated files, e.g. "
                                 + (", ".join(p.name for c, p in document.files.items()
                                              if c != source_code) or "…"))
    with publication_lock(config.root, exclusive=True):
        reader = publication_reader(config.root)
        text = reader.read_text(path)
        write_atomically(path, with_hash(text, source_hash(source, reader), path).encode("utf-8"))
    return state(config, document, code, reader=publication_reader(config.root))


def without_hash(text: str) -> str:
    """The file without its ``source_hash`` line (a translation made from scratch)."""
    lines = text.splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)
    return "".join(line for index, line in enumerate(lines)
                   if not (0 < index < end and _HASH_LINE.match(line.rstrip("\r\n"))))


def with_hash(text: str, value: str, path: Path) -> str:
    parse_document(text, path)                          # a broken file is reported first
    lines = text.splitlines(keepends=True)
    end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    front = "".join(lines[1:end])
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    # Quoted: an all-digit hash would otherwise be read back as a number.
    line = f'{HASH_FIELD}: "{value}"'
    if _HASH_LINE.search(front):
        front = _HASH_LINE.sub(line, front, count=1)
    else:
        if front and not front.endswith("\n"):
            front += newline
        front += line + newline
    return lines[0] + front + "".join(lines[end:])




# -- what changed: the recorded version, found in git history ---------------------

def _diff_since(root: Path, source: Path, recorded: str,
                reader: Reader) -> tuple[tuple[str, ...], bool]:
    old = old_version(root, source, recorded)
    if old is None:
        return (), False
    before = translatable_text(old, source).splitlines()
    after = translatable_text(reader.read_text(source), source).splitlines()
    lines = changed_lines(before, after)
    if len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + [f"… and {len(lines) - DIFF_LINES} more changes"]
    return tuple(lines), True


def changed_lines(before: list[str], after: list[str]) -> list[str]:
    """Paragraphs removed (-), added (+), or edited (~, words as [-old-]{+new+})."""
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and a2 - a1 == b2 - b1:
            out += ["~ " + _word_diff(x, y)
                    for x, y in zip(before[a1:a2], after[b1:b2], strict=True)]
            continue
        out += ["- " + _shorten(x) for x in before[a1:a2]]
        out += ["+ " + _shorten(y) for y in after[b1:b2]]
    return out


def _word_diff(old: str, new: str, context: int = 5) -> str:
    """The edit within one paragraph, with a few words either side of each change."""
    a, b = old.split(" "), new.split(" ")
    parts: list[str] = []
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            words = a[a1:a2]
            first, last = index == 0, index == len(opcodes) - 1
            if len(words) > 2 * context or (first and len(words) > context) \
                    or (last and len(words) > context):
                head = [] if first else words[:context]
                tail = [] if last else words[-context:]
                words = head + ["…"] + tail
            parts.append(" ".join(words))
            continue
        if a2 > a1:
            parts.append("[-" + " ".join(a[a1:a2]) + "-]")
        if b2 > b1:
            parts.append("{+" + " ".join(b[b1:b2]) + "+}")
    return _shorten(" ".join(p for p in parts if p))


def _shorten(line: str, width: int = 200) -> str:
    return line if len(line) <= width else line[:width - 1] + "…"


def old_version(root: Path, source: Path, recorded: str, depth: int = 200) -> str | None:
    """The committed text of ``source`` whose hash is ``recorded``, if git has it."""
    try:
        top = _git(root, "rev-parse", "--show-toplevel").strip()
        relative = source.resolve().relative_to(Path(top).resolve()).as_posix()
        commits = _git(root, "log", f"-n{depth}", "--format=%H", "--", relative).split()
        for commit in commits:
            text = _git(root, "show", f"{commit}:{relative}")
            try:
                if hash_text(text, source) == recorded:
                    return text
            except BuildError:
                continue                    # that version was broken; keep looking
    except (OSError, ValueError, subprocess.CalledProcessError):
        return None
    return None


def last_commit(path: Path) -> tuple[str, dt.datetime] | None:
    """Who last committed ``path`` ("Name <email>") and when; None outside git."""
    folder = next((p for p in (path.parent, *path.parents) if p.is_dir()), Path.cwd())
    try:
        out = _git(folder, "log", "-1", "--format=%an <%ae>%n%aI", "--",
                   str(path.resolve())).split("\n")
        if len(out) >= 2 and out[1] and not out[0].startswith("<"):
            return out[0], dt.datetime.fromisoformat(out[1])
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    return None


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True,
                          text=True, encoding="utf-8", timeout=30).stdout


# -- what a translation must not hold -------------------------------------------------

# What an import writes for a block that has no translation yet: never the source's
# text. A strict build and `status --check` fail on it; a draft prints it.
UNTRANSLATED_MARK = "(untranslated: {id})"
_UNTRANSLATED = re.compile(r"\(untranslated: ([A-Za-z][\w.-]*)\)")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Quoted words are the author's to keep in their language ("Creative City", 「…」).
_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|\"[^\"]*\"|「[^」]*」|『[^』]*』|《[^》]*》|〈[^〉]*〉")
_NOT_PROSE = frozenset({"doi", "orcid", "id", "received", "accepted", "opens", "url", "email",
                        "issn", "isbn"})
LINE_LETTERS = 40        # a line of this many source-script letters and none of the target's
BLOCK_LETTERS = 40       # a block of this many, three times the target script's


def is_untranslated_mark(text: str) -> bool:
    return _UNTRANSLATED.fullmatch(" ".join(text.split())) is not None


def untranslated_marks(text: str) -> list[tuple[int, str]]:
    """Where a translated file holds the mark of a block an import could not translate."""
    return [(text.count("\n", 0, match.start()) + 1, match[1])
            for match in _UNTRANSLATED.finditer(text)]


def _script_counts(text: str) -> tuple[int, int]:
    """(Hangul syllables × 3, Latin letters): a syllable carries about three letters."""
    text = _QUOTED.sub(" ", _UNTRANSLATED.sub(" ", text))
    return len(_HANGUL.findall(text)) * 3, len(_LATIN.findall(text))


def _scripts(source: str, target: str) -> tuple[int, int] | None:
    """Which of (Hangul, Latin) is the source's and which the target's; None when the
    two languages share a script and cannot be told apart by it."""
    korean = {source.split("-")[0] == "ko", target.split("-")[0] == "ko"}
    if korean != {True, False}:
        return None
    return (0, 1) if source.split("-")[0] == "ko" else (1, 0)


def in_source_language(text: str, source: str, target: str, letters: int = BLOCK_LETTERS
                       ) -> bool:
    """Whether ``text`` (of a translation into ``target``) is written in ``source``'s
    script: at least ``letters`` of its letters, three times the target's."""
    which = _scripts(source, target)
    if which is None:
        return False
    counts = _script_counts(text)
    own, other = counts[which[0]], counts[which[1]]
    return own >= letters and own > 3 * other


def source_language_blocks(text: str, path: Path, source: str, target: str
                           ) -> list[tuple[int, str]]:
    """Blocks (and lines) of a translated file written in the source's language, with
    their lines: an English paragraph left in a Korean translation, or English lines
    glued into a Korean paragraph. Code, spans marked ``{lang=…}``, quotations, link
    addresses and citations are exempt."""
    if _scripts(source, target) is None:
        return []
    return list(_source_language_blocks(text, path, source, target))


@lru_cache(maxsize=256)
def _source_language_blocks(text: str, path: Path, source: str, target: str
                            ) -> tuple[tuple[int, str], ...]:
    from folio.content.markdown import block_parser  # markdown-it: only when checked
    parser = block_parser()
    lines = text.splitlines()
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0) \
        if lines and lines[0].strip() == "---" else 0
    found: list[tuple[int, str]] = []
    if end:
        found += _front_matter_fields(parse_document(text, path).front_matter, source, target)
    body = "\n".join(lines[end + 1:]) if end else text
    offset = end + 1 if end else 0
    for token in parser.parse(body, {}):
        if token.type != "inline" or token.map is None:
            continue
        words: list[list[str]] = [[]]
        hidden = 0
        for child in token.children or []:
            if child.type == "span_open" and "lang" in (child.attrs or {}):
                hidden += 1
            elif child.type == "span_close" and hidden:
                hidden -= 1
            elif child.type in ("softbreak", "hardbreak"):
                words.append([])
            elif child.type == "text" and not hidden:
                words[-1].append(child.content)
        first = token.map[0] + offset + 1
        block = " ".join(" ".join(line) for line in words)
        shown = " ".join(block.split())
        if in_source_language(block, source, target):
            found.append((first, shown))
            continue
        for number, line in enumerate(words):
            joined = " ".join(line)
            counts = _script_counts(joined)
            own, other = (counts[0], counts[1]) if source.startswith("ko") else \
                (counts[1], counts[0])
            if own >= LINE_LETTERS and other == 0:
                found.append((first + number, " ".join(joined.split())))
    return tuple(found)


def _front_matter_fields(front, source: str, target: str) -> list[tuple[int, str]]:
    found = []
    for key, value in front.items():
        # Identifiers and addresses are the same in every language; prose has words.
        if key in NOT_TRANSLATED or key in _NOT_PROSE or not isinstance(value, str) or \
                len(value.split()) < 4:
            continue
        if in_source_language(value, source, target, LINE_LETTERS):
            line = getattr(front, "line_of", lambda _: 1)(key)
            found.append((line, " ".join(value.split())))
    return found
