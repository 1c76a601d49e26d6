"""What the dashboard shows: every document of the build, after each rebuild.

A ``Snapshot`` is made once per rebuild and then only read (by the server's
threads), so it is a frozen value: the next rebuild makes a new one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from folio.config.options import BuildOptions
from folio.content.model import Issue, Notice
from folio.errors import BuildError
from folio.files import digest, relative_name, version
from folio.preview.lengths import Length, measure
from folio.preview.pages import (
    changed_pages,
    looks_changed,
    page_count,
    page_keys,
    page_size,
    page_sources,
)


@dataclass(frozen=True)
class ArticleRow:
    title: str
    length: Length
    source: str                             # the content file, relative to the root


@dataclass(frozen=True)
class DocumentState:
    lang: str
    name: str
    title: str
    pdf: Path
    layout: str = ""                        # of a bilingual sheet: what preflight expects
    pages: int = 0                          # 0: not built
    built: float | None = None              # when the PDF was written (epoch seconds)
    seconds: float | None = None            # ready this long after its rebuild began
    translation: tuple[tuple[str, int], ...] = ()   # (state, how many files)
    preflight: str = "—"
    preflight_notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    articles: tuple[ArticleRow, ...] = ()
    changed: frozenset[int] = frozenset()   # pages the last rebuild changed
    # False: ``changed`` are the pages whose drawing changed, not yet compared by
    # their pixels (``with_looks`` does, after they are shown).
    looked: bool = True
    version: int = 0                        # the PDF's mtime
    size: tuple[float, float] = (595.0, 842.0)  # of its pages, in points
    page_keys: tuple[str, ...] = ()         # what draws each page (pages.page_keys)
    # Where each page's text is written: (file relative to the root, line or 0).
    page_files: tuple[tuple[str, int], ...] = ()

    def page_file(self, number: int) -> tuple[str, int] | None:
        if 1 <= number <= len(self.page_files) and self.page_files[number - 1][0]:
            return self.page_files[number - 1]
        return None

    def drawing(self, number: int) -> tuple[int, str] | None:
        """The PDF's version and page ``number``'s key, as ``PageImages.png`` keeps
        its image by; None if the page's key is not known."""
        if 1 <= number <= len(self.page_keys):
            return (self.version, self.page_keys[number - 1])
        return None

    def page_version(self, number: int) -> str:
        """What a page image's address says of it: the page's drawing, so that the
        browser keeps the image of a page a rebuild did not change."""
        drawing = self.drawing(number)
        return drawing[1][:16] if drawing else str(self.version)

    def height(self, width: int) -> int:
        """A page's height in pixels when shown ``width`` pixels wide."""
        return round(width * self.size[1] / self.size[0])

    @property
    def key(self) -> str:
        return f"{self.lang}/{self.name}"


@dataclass(frozen=True)
class Snapshot:
    generation: int = 0
    documents: tuple[DocumentState, ...] = ()
    problems: tuple[str, ...] = ()          # of the last rebuild, file and line first
    finished: float = 0.0
    seconds: float = 0.0
    profile: str = ""

    def document(self, lang: str, name: str) -> DocumentState | None:
        return next((d for d in self.documents if d.lang == lang and d.name == name), None)


@dataclass
class Tracker:
    """What a snapshot needs from the rebuilds before it: how each page looked, and
    each PDF's preflight verdict while the PDF stays the same."""

    pdfs: dict[Path, bytes] = field(default_factory=dict)   # as last shown
    # Their pages' keys: pages.page_sources when the build said what each page was
    # made of (an issue by parts), else pages.page_keys; and which kind they are.
    keys: dict[Path, list[str]] = field(default_factory=dict)
    sourced: set[Path] = field(default_factory=set)
    preflight: dict[tuple[Path, int], tuple[str, tuple[str, ...]]] = \
        field(default_factory=dict)
    seconds: dict[Path, float] = field(default_factory=dict)
    files: dict[Path, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    # A document's translation state, by its files' versions (mtime and size).
    translations: dict[tuple, str] = field(default_factory=dict)
    lengths: dict[str, Length] = field(default_factory=dict)     # by the texts measured
    # PDFs whose changed pages are still to be looked at: (version, before, after);
    # the rebuild sets them, the background thread takes them (``looking``).
    to_look: dict[Path, tuple[int, bytes, bytes]] = field(default_factory=dict)
    looking: threading.Lock = field(default_factory=threading.Lock)

    def measure(self, texts: list[str]) -> Length:
        """``lengths.measure``, once per text: a 300-page issue is a million characters."""
        key = digest("\0".join(texts).encode("utf-8"))
        if key not in self.lengths:
            if len(self.lengths) > 2000:
                self.lengths.clear()
            self.lengths[key] = measure(texts)
        return self.lengths[key]


CHECKING = "checking…"


def snapshot(options: BuildOptions, generation: int, written: dict[Path, float],
             problems: list[str], seconds: float, tracker: Tracker,
             previous: Snapshot | None, loaded: tuple | None = None,
             sources: dict[Path, tuple[str, ...]] | None = None) -> Snapshot:
    """The state after a rebuild that wrote ``written`` (PDF -> seconds after its
    start) and found ``problems``; ``loaded``: the configuration and content the
    rebuild read, if it got that far; ``sources``: what each page of a PDF written
    was made of, where the build said. Preflight verdicts not known yet are
    ``CHECKING``: preflight takes seconds for a long issue, and the pages are
    shown first (``with_preflight`` adds them)."""
    from folio.pipeline.run import load, output_path, plan_documents
    try:
        config, publication = loaded or load(options)
    except BuildError:                      # publication.yaml itself is broken:
        # the last pages stay, without what was said of them: nothing can be now.
        documents = previous.documents if previous else ()
        return Snapshot(generation, tuple(replace(d, changed=frozenset(), problems=())
                                          for d in documents),
                        tuple(problems), time.time(), seconds, options.profile)
    profile = config.profile(options.profile)
    translation = _translation_counts(config, tracker)
    tracker.seconds.update(written)
    states = []
    for planned in plan_documents(publication, options):
        pdf = output_path(options, profile, planned)
        states.append(_document(planned, pdf, config.root, translation, tracker,
                                rebuilt=pdf in written, sources=(sources or {}).get(pdf)))
    with tracker.looking:               # marks no longer shown need no look
        waiting = {s.pdf for s in states if not s.looked}
        for pdf in [pdf for pdf in tracker.to_look if pdf not in waiting]:
            del tracker.to_look[pdf]
    return Snapshot(generation, tuple(states), tuple(problems), time.time(), seconds,
                    options.profile)


def with_preflight(current: Snapshot, generation: int, options: BuildOptions,
                   tracker: Tracker) -> Snapshot | None:
    """``current`` with the preflight verdicts it was waiting for, or None if it
    waited for none."""

    from folio.config.publication import load_config
    pending = [d for d in current.documents if d.preflight == CHECKING]
    if not pending:
        return None
    profile = load_config(options.root).profile(options.profile)
    documents = []
    for document in current.documents:
        if document.preflight == CHECKING:
            verdict, notes = _preflight(document, document.pdf, document.version, profile,
                                        tracker)
            document = replace(document, preflight=verdict, preflight_notes=notes)
        documents.append(document)
    return replace(current, generation=generation, documents=tuple(documents))


def with_looks(current: Snapshot, generation: int, tracker: Tracker) -> Snapshot | None:
    """``current`` with its marks of changed pages confirmed by the pages' pixels,
    or None if none was waiting for that."""
    documents, looked = [], False
    for document in current.documents:
        with tracker.looking:
            waiting = tracker.to_look.get(document.pdf)
            if waiting is None or document.looked or waiting[0] != document.version:
                waiting = None
            else:
                del tracker.to_look[document.pdf]
        if waiting is not None:
            document = replace(document, looked=True,
                               changed=looks_changed(waiting[1], waiting[2], document.changed))
            looked = True
        documents.append(document)
    return replace(current, generation=generation, documents=tuple(documents)) \
        if looked else None


def _document(planned, pdf: Path, root: Path, translation, tracker: Tracker,
              rebuilt: bool, sources: tuple[str, ...] | None = None) -> DocumentState:
    content = planned.content
    title = getattr(content, "title", "") or planned.name
    articles: list[ArticleRow] = []
    if isinstance(content, Issue):
        for item in content.items:
            articles.append(ArticleRow(item.article.title, tracker.measure(
                [t.text for t in item.article.texts]), _relative(item.article.source, root)))
    elif isinstance(content, Notice):
        articles.append(ArticleRow(content.title, tracker.measure(
            [t.text for t in content.texts]), _relative(content.source, root)))
    state = DocumentState(
        planned.lang, planned.name, title, pdf, planned.layout,
        translation=_translation_of(planned, translation),
        problems=tuple(p.format(root) for p in planned.problems),
        articles=tuple(articles))
    try:
        stat = pdf.stat()
    except OSError:
        return state
    changed: frozenset[int] = frozenset()
    looked = True
    before = tracker.pdfs.get(pdf)
    if rebuilt or before is None:
        after = pdf.read_bytes()
        new = page_sources(sources) if sources else None
        with tracker.looking:
            tracker.to_look.pop(pdf, None)
        if before is not None and before != after:
            # Keys of two kinds say nothing of each other: then the drawings'.
            same_kind = (pdf in tracker.sourced) == bool(new)
            # Pages of pieces laid out again whose drawing changed are shown marked
            # at once, and compared pixel by pixel after (30 ms a page, 0.3 s for
            # an article): such a page rarely looks the same, and the reader waits.
            looked = not (same_kind and new)
            changed, keys = changed_pages(before, after,
                                          tracker.keys.get(pdf) if same_kind else None,
                                          new if same_kind else None, look=looked)
            if not looked:
                with tracker.looking:
                    tracker.to_look[pdf] = (stat.st_mtime_ns, before, after)
            tracker.keys[pdf] = new or keys
        elif before is None or new:
            tracker.keys[pdf] = new or page_keys(after)
        if new:
            tracker.sourced.add(pdf)
        else:
            tracker.sourced.discard(pdf)
        tracker.pdfs[pdf] = after
    verdict, notes = tracker.preflight.get((pdf, stat.st_mtime_ns), (CHECKING, ()))
    known = tracker.keys.get(pdf)
    pages = len(known) if known is not None else page_count(tracker.pdfs[pdf])
    if rebuilt or before is None or pdf not in tracker.files:
        tracker.files[pdf] = _page_files(content, tracker.pdfs[pdf], pages, root)
    return replace(state, pages=pages, page_files=tracker.files[pdf],
                   built=stat.st_mtime,
                   seconds=tracker.seconds.get(pdf), preflight=verdict,
                   preflight_notes=notes, changed=changed, looked=looked,
                   version=stat.st_mtime_ns,
                   size=page_size(pdf), page_keys=tuple(tracker.keys.get(pdf, ())))


def _page_files(content, pdf: bytes, pages: int,
                root: Path) -> tuple[tuple[str, int], ...]:
    """Which file (and line, where known) each page's text comes from: a notice's
    file; in an issue, the article whose bookmark is on the page or before it (at
    the line of its last heading there), else issue.yaml (cover, board, contents,
    section titles, colophon)."""
    if isinstance(content, Notice):
        return ((_relative(content.source, root), 1),) * pages
    if not isinstance(content, Issue):
        return ()
    from folio.preview.pages import outline
    articles = {a.title: a for a in content.articles}
    here = (_relative(content.source, root), 1)
    article = None
    starts: list[tuple[int, tuple[str, int]]] = []
    for level, title, page in outline(pdf):
        if title in articles:
            article = articles[title]
            here = (_relative(article.source, root), 1)
        elif article is not None and level > 1:
            here = (here[0], _heading_line(article.source, title) or here[1])
        else:                               # a section title, the colophon
            article = None
            here = (_relative(content.source, root), 1)
        starts.append((page, here))
    files = []
    current = (_relative(content.source, root), 1)
    for number in range(1, pages + 1):
        on_page = [where for page, where in starts if page == number]
        # A page shows the text that runs onto it: what was current at its top,
        # unless an article or heading begins on it.
        if on_page:
            current = next((w for w in on_page if w[0] != _relative(content.source, root)),
                           on_page[-1])
            files.append(current)
            current = on_page[-1]
        else:
            files.append(current)
    return tuple(files)


def _heading_line(path: Path, title: str) -> int:
    """The line of the Markdown heading ``title`` in ``path`` (0: not found)."""
    return _headings(path).get(title.strip(), 0)


_HEADINGS: dict[Path, tuple[tuple[int, int, int], dict[str, int]]] = {}


def _headings(path: Path) -> dict[str, int]:
    """Each Markdown heading of ``path`` and its first line; read once per version
    of the file (a 300-page issue has hundreds of headings, each looked up at
    every rebuild)."""
    try:
        stat = path.stat()
        version_of = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = _HEADINGS.get(path)
        if known is not None and known[0] == version_of:
            return known[1]
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("#"):
            found.setdefault(line.lstrip("# ").strip(), number)
    if len(_HEADINGS) > 5000:
        _HEADINGS.clear()
    _HEADINGS[path] = (version_of, found)
    return found


def _preflight(planned: DocumentState, pdf: Path, version: int, profile, tracker: Tracker):
    """The checks of ``folio preflight`` (without veraPDF, which takes seconds)."""
    key = (pdf, version)
    if key not in tracker.preflight:
        from folio.production.preflight import check, expectation_for
        report = check(pdf, expectation_for(planned.name, planned.lang, planned.layout,
                                            profile))
        tracker.preflight[key] = ("ok" if report.ok else "fails", tuple(report.failures))
    return tracker.preflight[key]


def _translation_counts(config, tracker: Tracker) -> dict[tuple[str, str], dict[str, int]]:
    """(content file without language, language) -> its translation state; looked
    at again only for a document one of whose files changed."""
    from folio.content import translations as tr
    states: dict[tuple[str, str], dict[str, int]] = {}
    for document in tr.documents(config):
        versions = tuple(sorted((code, version(path)) for code, path in document.files.items()))
        for code in config.codes:
            key = (document.name, code, versions)
            if key not in tracker.translations:
                try:
                    tracker.translations[key] = tr.state(config, document, code).state
                except BuildError:      # the banner says what is wrong with the file
                    continue
            states[document.name, code] = {tracker.translations[key]: 1}
    return states


def _translation_of(planned, counts) -> tuple[tuple[str, int], ...]:
    """How many of the document's content files are in each translation state."""
    if planned.kind.prefix == "journal":
        prefix = f"journal/{planned.slug}/"
        keys = [key for key in counts if key[0].startswith(prefix) and key[1] == planned.lang]
    else:
        keys = [key for key in counts if key[0] == f"notices/{planned.slug}"
                and (key[1] == planned.lang or planned.lang == "bilingual")]
    total: dict[str, int] = {}
    for key in keys:
        for state, count in counts[key].items():
            total[state] = total.get(state, 0) + count
    return tuple(sorted(total.items()))


def _relative(path: Path | None, root: Path) -> str:
    """``path`` as the dashboard names it. Asked for every article of every
    document at each rebuild (two ``resolve`` each, 0.1-0.25 s for a 300-page
    issue): kept while the session lasts (a link's target is named as it was
    when first shown)."""
    if path is None:
        return ""
    key = (path, root)
    if key not in _RELATIVE:
        if len(_RELATIVE) > 20000:
            _RELATIVE.clear()
        _RELATIVE[key] = relative_name(path, root) or str(path)
    return _RELATIVE[key]


_RELATIVE: dict[tuple[Path, Path], str] = {}
