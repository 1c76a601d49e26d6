"""Issues laid out by articles: an edit lays out again only the article it touched.

WeasyPrint lays out a whole HTML document at a time, so one corrected sentence
in a 300-page issue cost the whole issue, on one core. But an article depends on
those before it only through a few numbers: the page it starts on (its parity
decides the right-hand opening, and the folios follow from it), the running heads
and the contents' page numbers. So an issue is cut where a page opens
(``Issue.runs``: an article that opens a right-hand page, and the news items that
run on after it), and each piece is laid out on its own, cached by what it was
made from:

- each run, and the colophon (twice: beginning on a right- and on a left-hand
  page; it is one page), laid out without running heads or folios, so that where
  they end up does not change them;
- the front (cover, board, contents), with the contents' page numbers, which are
  known once the runs' lengths are: its length is first taken from the last
  build, and it is laid out again if the numbers differ (or from scratch, twice);
- the stamps: one empty page per page of the issue after the front, with the
  running heads, folios and draft band (and nothing on blank pages), in stretches
  of some fifty pages. They are cheap, and the only pieces that change after a
  run when an article grows by a page.

``production/assemble.py`` puts the pieces together. A piece's cache entry
(``<output>/.folio-parts/…``) is its PDF and a JSON report beside it, named by a
hash of its HTML and of everything else that shapes it; files WeasyPrint read
for it (images) are recorded and checked as the manifest checks them. Entries a
build did not use are removed after it.

PDF/A and PDF/UA need one structure tree for the document, which the pieces
cannot give: those profiles, and ``--whole``, lay the issue out in one piece.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from folio.config.publication import Profile, PublicationConfig
from folio.config.variants import variant_of
from folio.content.model import Issue, IssueItem
from folio.files import digest
from folio.pdf.writer import PartReport, PdfJob
from folio.pipeline.jobs import (
    AssemblyJob,
    PartResult,
    PdfResult,
    assemble_pdf,
    finish_pdf,
    make_part,
    make_pdf,
    part_from_json,
    unseal,
    write_output,
)
from folio.pipeline.manifest import unchanged
from folio.production.pieces import PagePlan, Piece
from folio.render.html import IssuePart, StampPage, page_range

CACHE_DIR = ".folio-parts"
ROUNDS = 3                      # front laid out again at most this often before giving up
TITLE = "-title"                # an article title's id is its article's anchor and this
END = "-end"                    # the id of the element that closes an article

Step = list[tuple[Callable, tuple]]      # jobs to run at once, each a function and its args


@dataclass(frozen=True)
class Ahead:
    """Jobs to start now, while the steps go on (a piece laid out while the others
    are rendered and the content checked); a later step names them again and gets
    their results. Only a pool can start them early; in one process they run with
    that step. Each job is a PdfJob, known by its output."""

    jobs: Step


Steps = Generator[Step | Ahead, Any, PdfResult]   # sent: a step's results, in order

# Told of each issue's pieces once they are all laid out and planned, before they
# are put together (0.3-0.7 s for a 300-page issue): the preview shows the changed
# pages from the pieces meanwhile. A context variable, set around ``build`` by the
# one caller that listens (``listening``), so that no build signature carries it.
ASSEMBLING: ContextVar[Callable[[AssemblyJob], None] | None] = \
    ContextVar("folio_assembling", default=None)


@contextmanager
def listening(told: Callable[[AssemblyJob], None]) -> Iterator[None]:
    """Within it, ``told`` is given each issue's AssemblyJob before it is sent to
    be put together; it must not raise."""
    token = ASSEMBLING.set(told)
    try:
        yield
    finally:
        ASSEMBLING.reset(token)


def whole_only(profile: Profile) -> bool:
    """Profiles whose PDF needs one structure tree (tagged PDF/A and PDF/UA)."""
    return variant_of(profile.variant).one_tree


@dataclass
class IssueBuild:
    """Everything an issue's pieces need from the build."""

    issue: Issue
    config: PublicationConfig
    render: Callable[[IssuePart], str]      # a piece's HTML, before the typography pass
    render_whole: Callable[[dict[str, str]], str]   # the whole, with its articles' pages,
                                                    # typeset and checked
    ready: Callable[[str], str]             # a piece's HTML typeset and checked (raises
                                            # BuildError): only for pieces laid out
    check_content: Callable[[], None]       # the content's glyphs (raises BuildError)
    stylesheets: Callable[[], tuple[Path, ...]]    # the templates and CSS read so far
    job: PdfJob                             # the whole issue's job (its output…; its HTML
                                            # only if laid out whole before)
    key: str                                # what besides its HTML shapes a piece
    root: Path
    inputs: dict[str, str]                  # what the whole issue is made from
    fresh: bool = False                     # --force: every piece laid out again


@dataclass
class _Piece:
    """A piece is named by its HTML before the typography pass, a pure function of
    it and of the code (in ``IssueBuild.key``): a cached piece is neither typeset
    nor checked again, which is most of what an edit costs before the layout."""

    part: IssuePart
    raw: str
    job: PdfJob
    result: PartResult | None = None
    ready: Callable[[str], str] | None = None
    _html: str | None = None

    @property
    def html(self) -> str:
        if self._html is None:
            assert self.ready is not None
            self._html = self.ready(self.raw)
        return self._html


def steps(build: IssueBuild) -> Steps:
    """The jobs of one issue, step by step (see the module docstring); the issue's
    PdfResult at the end."""
    cache = _Cache(_cache_folder(build), build.fresh)
    issue = build.issue
    found: dict[int, _Piece] = {}
    for index in _newest_first(issue.runs):
        # A run that must be laid out starts at once: after an edit, the one article
        # (most likely the file saved last) is on its way while the rest is
        # rendered and checked.
        found[index] = piece = _run_piece(build, cache, issue.runs[index])
        if piece.result is None:
            yield Ahead([(make_part, (piece.job,))])
    runs = [found[index] for index in range(len(issue.runs))]
    backs = [_piece(build, cache, IssuePart("back", lead=lead)) for lead in (False, True)]
    build.check_content()
    guess = cache.last_contents([item.article.anchor for item in issue.items])
    front = _piece(build, cache, IssuePart("front", toc_pages=guess))
    spent: list[float] = []             # WeasyPrint's seconds for the pieces laid out
    yield from _lay_out([*runs, *backs, front], spent)

    # The front's length decides where the runs begin, which decides the contents'
    # numbers, which may change the front's length: laid out again until it holds.
    for _ in range(ROUNDS):
        plan = _plan(issue, _pages(front), runs, backs)
        # A run that opens on any page and falls on a left-hand one is laid out
        # after a throwaway page, so that its pages get left- and right-hand margins
        # as in the whole issue. Its length does not change, so neither does the plan.
        moved = [i for i, run in enumerate(runs) if run.part.lead != (i in plan.left_runs)]
        for index in moved:
            runs[index] = _piece(build, cache, replace(runs[index].part,
                                                       lead=index in plan.left_runs))
        if moved:
            yield from _lay_out([runs[i] for i in moved], spent)
            plan = _plan(issue, _pages(front), runs, backs)
        if plan.contents != front.part.toc_pages:
            front = _piece(build, cache, IssuePart("front", toc_pages=plan.contents))
        stamps = [_piece(build, cache, part) for part in plan.stamps]
        yield from _lay_out([front, *stamps], spent)
        if _pages(front) == plan.front_pages:
            break
    else:
        return (yield from _whole(build))
    return (yield from _assemble(build, cache, _Laid(runs, backs, front, stamps, spent), plan))


@dataclass
class _Laid:
    """An issue's pieces, laid out."""

    runs: list[_Piece]
    backs: list[_Piece]                     # the colophon, on a right- and a left-hand page
    front: _Piece
    stamps: list[_Piece]
    spent: list[float]                      # WeasyPrint's seconds for the pieces laid out


def _assemble(build: IssueBuild, cache: _Cache, laid: _Laid, plan: _Plan) -> Steps:
    """The pieces put together (or, if their fonts cannot be shared, the issue laid
    out whole); the cache keeps only what this build used."""
    runs, front, stamps = laid.runs, laid.front, laid.stamps
    back = laid.backs[plan.back_lead]
    pieces = [*(Piece(p.job.output, _report(p), skip=int(p.part.lead)) for p in runs),
              Piece(back.job.output, _report(back), skip=int(plan.back_lead))]
    chunks = [Piece(p.job.output, _report(p), skip=int(p.part.lead)) for p in stamps]
    inputs = dict(build.inputs)
    for piece in [*runs, back, front, *stamps]:
        inputs.update(piece.result.inputs if piece.result else {})
    job = _with_html(build) if build.job.html_copy is not None else build.job
    assembly = AssemblyJob(job, Piece(front.job.output, _report(front)), tuple(pieces),
                           tuple(chunks), tuple(plan.layout), inputs,
                           remember=cache.contents_file(plan.contents))
    told = ASSEMBLING.get()
    if told is not None:
        told(assembly)
    [result] = yield [(assemble_pdf, (assembly,))]
    if result is None:                  # fonts the pieces cannot share
        return (yield from _whole(build))
    # Inside WeasyPrint: the pieces this build laid out (putting them together is
    # folio's own work), as a document laid out whole reports its layout.
    result = replace(result, weasyprint_seconds=sum(laid.spent))
    used = [*runs, *laid.backs, front, *stamps]
    cache.keep_only([p.job.output for p in used])
    _keep_html_of(build, used)
    return result


def _run_piece(build: IssueBuild, cache: _Cache, items: tuple[IssueItem, ...]) -> _Piece:
    """A run as the last build laid it out: on a right-hand page, or after a
    throwaway page when its section opens on any page and it fell on a left one
    (the plan moves it if it must). Without this, such a run was laid out on a
    right-hand page at every build, then again."""
    piece = _piece(build, cache, IssuePart("run", items=items))
    if piece.result is None and items[0].opens != "right":
        left = _piece(build, cache, IssuePart("run", items=items, lead=True))
        if left.result is not None:
            return left
    return piece


def _newest_first(runs: tuple[tuple[IssueItem, ...], ...]) -> list[int]:
    """The runs' indexes, the one whose article file was saved last first."""
    def saved(index: int) -> int:
        try:
            return max(item.article.source.stat().st_mtime_ns for item in runs[index])
        except (OSError, ValueError):
            return 0
    return sorted(range(len(runs)), key=lambda index: -saved(index))


def _keep_html_of(build: IssueBuild, used: list[_Piece]) -> None:
    """With --html, ``<issue>.parts/`` holds the HTML of the pieces this build used,
    and nothing else (an article removed from the issue takes its HTML along)."""
    if build.job.html_copy is None:
        return
    copies = {p.job.html_copy: p for p in used if p.job.html_copy is not None}
    for path, piece in copies.items():
        if not path.is_file():                   # laid out before, its copy removed
            write_output(path, piece.html.encode("utf-8"))
    folder = build.job.output.with_suffix(".parts")
    for path in folder.iterdir() if folder.is_dir() else ():
        if path not in copies and path.suffix == ".html":
            path.unlink(missing_ok=True)


def _whole(build: IssueBuild) -> Steps:
    """The issue laid out in one piece, as if it had never been cut: where the
    contents' length does not settle, or the pieces' fonts cannot be shared."""
    return (yield from whole_steps(build))


def whole_steps(build: IssueBuild) -> Steps:
    """The issue laid out in one piece (profiles that need one structure tree,
    ``--whole``, an issue of one run).

    An article that can be cited prints its pages ("Cite this article"), which only
    a layout tells: the issue is laid out with the pages the last layout found, and
    again while they differ (a first build lays it out twice). An issue with none
    is laid out once."""
    if not any(item.article.citable for item in build.issue.items):
        [result] = yield [(make_pdf, (_with_html(build),))]
        return result
    cache = _Cache(_cache_folder(build), build.fresh)
    ranges = cache.last_ranges()
    used: list[Path] = []
    for _ in range(ROUNDS):
        html = build.render_whole(ranges)
        name = digest("\0".join((build.key, html)).encode("utf-8"))
        job = replace(build.job, name=build.job.name, html=html, html_copy=None,
                      output=cache.folder / f"whole-{name[:24]}.pdf", report=True,
                      stylesheets=build.job.stylesheets or build.stylesheets())
        piece = _Piece(IssuePart("whole"), html, job, cache.lookup(job.output, build.root),
                       _html=html)
        yield from _lay_out([piece])
        used.append(job.output)
        found = _ranges(build.issue, _report(piece))
        if found == ranges:
            break
        ranges = found
    assert piece.result is not None
    [result] = yield [(finish_pdf, (replace(build.job, html=html), piece.result,
                                    cache.ranges_file(ranges)))]
    cache.keep_only(used[-1:])
    return result


def _with_html(build: IssueBuild) -> PdfJob:
    """The whole issue's job with its HTML: an issue meant to be laid out by
    articles has none until it is needed (laid out whole after all, or --html)."""
    if build.job.html:
        return build.job
    html = build.render_whole({})
    return replace(build.job, html=html, stylesheets=build.stylesheets())


def _ranges(issue: Issue, report: PartReport) -> dict[str, str]:
    """Each citable article's pages in a whole issue's layout: "5–7"."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    ends = {f"{item.article.anchor}{END}": item.article.anchor for item in issue.items}
    for number, page in enumerate(report.pages, 1):
        for name, _ in page.anchors:
            first.setdefault(name, number)
            if name in ends:
                last[ends[name]] = number
    return {item.article.anchor: page_range(first[item.article.anchor],
                                            last.get(item.article.anchor, 0))
            for item in issue.items
            if item.article.citable and item.article.anchor in first}


def _pages(piece: _Piece) -> int:
    assert piece.result is not None
    return piece.result.pages


def _report(piece: _Piece) -> PartReport:
    assert piece.result is not None
    return piece.result.report


@dataclass
class _Plan:
    front_pages: int                          # what the plan assumed
    contents: dict[str, int]                  # each article's first page
    layout: list                              # production.assemble.PagePlan per page
    stamps: list[IssuePart]                   # the stamps, a stretch of pages each
    back_lead: bool                           # the colophon begins on a left-hand page
    left_runs: set[int]                       # runs that open on any page, on a left one


def _plan(issue: Issue, front_pages: int, runs: list[_Piece], backs: list[_Piece]) -> _Plan:
    """Where every page of the issue after the front comes from, as WeasyPrint would
    break the whole: a run opens on a right-hand page (a blank page before it if
    need be), or on the next page if its section opens on any page; the colophon
    follows on the next page. The stamps are cut into
    stretches of about STAMP_PAGES pages, each beginning where a run does (on a
    right-hand page), so that they are laid out side by side and one that did not
    move is not laid out again."""
    titles = {f"{item.article.anchor}{TITLE}": item.article.title for item in issue.items}
    ends = {f"{item.article.anchor}{END}": item.article.anchor for item in issue.items}
    contents: dict[str, int] = {}
    last: dict[str, int] = {}
    pages: list[tuple[int | None, int, StampPage]] = []     # (piece, page, stamp)
    starts: list[int] = []                                  # where stretches may begin
    number = front_pages + 1
    running = ""
    left_runs: set[int] = set()
    for index, run in enumerate(runs):
        assert run.result is not None
        if number % 2 == 0 and run.part.items[0].opens == "right":
            pages.append((None, 0, StampPage("folio-blank")))
            number += 1
        elif number % 2 == 0:
            left_runs.add(index)
        starts.append(len(pages))
        articles = {item.article.anchor for item in run.part.items}
        lead = int(run.part.lead)
        for page, report in enumerate(run.result.report.pages[lead:]):
            anchors = [name for name, _ in report.anchors]
            for name in anchors:
                if name in articles and name not in contents:
                    contents[name] = number
                if name in ends:
                    last[ends[name]] = number
            heads = [titles[name] for name in anchors if name in titles]
            shown = heads[0] if heads else running
            running = heads[-1] if heads else running
            # A run's first page opens an article: no running head (journal-running.css).
            pages.append((index, page, StampPage("opener" if page == 0 else "", shown)))
            number += 1
    lead = number % 2 == 0
    back = backs[int(lead)]
    assert back.result is not None
    for page in range(back.result.pages - int(lead)):
        pages.append((len(runs), page, StampPage("front", running)))
    _cite_on_first_pages(issue, pages, contents, last, front_pages)
    stamps, layout = _cut_stamps(pages, starts, front_pages)
    return _Plan(front_pages, contents, layout, stamps, lead, left_runs)


def _cite_on_first_pages(issue: Issue, pages: list[tuple[int | None, int, StampPage]],
                         contents: dict[str, int], last: dict[str, int],
                         front_pages: int) -> None:
    """"Cite this article" at the foot of each citable article's first page: the
    stamps print it, so the articles need not know their pages."""
    front_number = front_pages + 1
    for item in issue.items:
        anchor = item.article.anchor
        if item.article.citable and anchor in contents:
            index = contents[anchor] - front_number
            piece, page, stamp = pages[index]
            pages[index] = (piece, page, replace(stamp, cite_article=anchor, cite_pages=page_range(
                contents[anchor], last.get(anchor, contents[anchor]))))


def _cut_stamps(pages: list[tuple[int | None, int, StampPage]], starts: list[int],
                front_pages: int) -> tuple[list[IssuePart], list[PagePlan]]:
    """The stamps, a stretch of pages each, and where each page comes from."""
    stamps, layout = [], []
    for chunk, (begin, end) in enumerate(_stretches(starts, len(pages))):
        first = front_pages + 1 + begin
        stamps.append(IssuePart("stamps", pages=tuple(stamp for _, _, stamp in pages[begin:end]),
                                first_number=first, lead=first % 2 == 0))
        layout += [PagePlan(piece, page, chunk, offset)
                   for offset, (piece, page, _) in enumerate(pages[begin:end])]
    return stamps, layout


STAMP_PAGES = 48


def _stretches(starts: list[int], total: int) -> list[tuple[int, int]]:
    """[begin, end) of each stretch of stamps: the first from page 0, the others
    beginning at a run's first page, each at least STAMP_PAGES long where it can."""
    cuts = [0]
    for start in starts:
        if start - cuts[-1] >= STAMP_PAGES and total - start >= STAMP_PAGES // 2:
            cuts.append(start)
    return list(zip(cuts, [*cuts[1:], total], strict=True))


def _piece(build: IssueBuild, cache: _Cache, part: IssuePart) -> _Piece:
    raw = build.render(part)
    name = digest("\0".join((build.key, raw)).encode("utf-8"))
    kind = part.kind if part.kind != "back" else ("back-left" if part.lead else "back")
    job = replace(build.job, name=f"{build.job.name} ({_label(part)})", html="",
                  output=cache.folder / f"{kind}-{name[:24]}.pdf",
                  source=part.items[0].article.source if part.items else build.job.source,
                  html_copy=_html_copy(build, part), variant=build.job.variant,
                  crop_marks_mm=None, report=True, uncut=True,
                  stylesheets=build.job.stylesheets or build.stylesheets())
    piece = _Piece(part, raw, job, cache.lookup(job.output, build.root), build.ready)
    if piece.result is None:
        piece.job = replace(job, html=piece.html)
    return piece


def _label(part: IssuePart) -> str:
    if part.kind == "run":
        return "articles " + ", ".join(item.article.slug for item in part.items)
    if part.kind == "stamps":
        return f"running heads and folios from page {part.first_number}"
    return {"front": "cover and contents", "back": "colophon"}[part.kind]


def _html_copy(build: IssueBuild, part: IssuePart) -> Path | None:
    if build.job.html_copy is None:
        return None
    folder = build.job.output.with_suffix(".parts")
    if part.kind == "run":
        return folder / f"run-{part.items[0].article.slug}.html"
    if part.kind == "back":
        return folder / ("back-left.html" if part.lead else "back.html")
    if part.kind == "stamps":
        return folder / f"stamps-{part.first_number:03}.html"
    return folder / f"{part.kind}.html"


def _lay_out(pieces: list[_Piece], spent: list[float] | None = None
             ) -> Generator[Step, list, None]:
    todo = sorted({id(p): p for p in pieces if p.result is None}.values(),
                  key=lambda p: -len(p.html))
    if not todo:
        return
    results = yield [(make_part, (p.job,)) for p in todo]
    for piece, result in zip(todo, results, strict=True):
        piece.result = result
        if spent is not None:
            spent.append(result.seconds)


def _cache_folder(build: IssueBuild) -> Path:
    output = build.job.output
    return output.parent.parent / CACHE_DIR / output.parent.name / output.stem


class _Cache:
    """The pieces of one issue (one language, one profile) in the output folder."""

    CONTENTS = "contents.json"
    RANGES = "ranges.json"

    def __init__(self, folder: Path, fresh: bool = False):
        self.folder = folder
        self.fresh = fresh                              # believe no piece (--force)
        self.seen: dict[tuple[str, bool], str] = {}     # files read, for every lookup

    def lookup(self, pdf: Path, root: Path) -> PartResult | None:
        """The cached piece, if its PDF and report are the ones written together
        (sealed: not damaged, edited or swapped) and what it read is unchanged."""
        if self.fresh:
            return None
        result = _unsealed(pdf)
        if result is None:
            return None
        return result if unchanged(result.inputs, root, self.seen) else None

    def last_contents(self, anchors: list[str]) -> dict[str, int]:
        """The contents' numbers of the last build, for ``anchors`` (0 for an
        article it did not have): a first guess of the front's length."""
        try:
            last = json.loads((self.folder / self.CONTENTS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = None
        if not isinstance(last, dict):
            last = {}
        return {anchor: number if isinstance(number := last.get(anchor), int)
                and not isinstance(number, bool) else 0 for anchor in anchors}

    def last_ranges(self) -> dict[str, str]:
        """The articles' pages the last whole layout found ("5–7", by anchor)."""
        try:
            last = json.loads((self.folder / self.RANGES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in last.items() if isinstance(k, str) and isinstance(v, str)} \
            if isinstance(last, dict) else {}

    def ranges_file(self, ranges: dict[str, str]) -> tuple[Path, bytes]:
        return self.folder / self.RANGES, json.dumps(ranges).encode("utf-8")

    def contents_file(self, contents: dict[str, int]) -> tuple[Path, bytes]:
        """The file ``last_contents`` reads, and what to write in it."""
        return self.folder / self.CONTENTS, json.dumps(contents).encode("utf-8")

    def keep_only(self, used: list[Path]) -> None:
        keep = {p.name for p in used} | {p.with_suffix(".json").name for p in used} | \
            {self.CONTENTS, self.RANGES}
        for path in self.folder.iterdir() if self.folder.is_dir() else ():
            if path.name not in keep:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        for path in [p for p in _UNSEALED if p.parent == self.folder and p.name not in keep]:
            del _UNSEALED[path]             # a long session's edits leave none behind


# A long-running process (the preview) looks up the same fifty pieces at every
# save: each read back and its seal checked by hashing its PDF, 0.1-0.2 s for a
# 300-page issue. Kept here by the two files' stat (a piece is written atomically:
# a new file, a new inode), so a piece replaced, damaged or touched is read again.
_UNSEALED: dict[Path, tuple[tuple, PartResult]] = {}
_UNSEALED_MAX = 1000


def _stat_key(path: Path) -> tuple:
    stat = path.stat()
    return (stat.st_ino, stat.st_dev, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _unsealed(pdf: Path) -> PartResult | None:
    """The piece's result, if its PDF and report are the ones written together
    (sealed) and agree on its pages; read once per version of the two files."""
    report = pdf.with_suffix(".json")
    try:
        key = (_stat_key(pdf), _stat_key(report))
    except OSError:
        return None
    known = _UNSEALED.get(pdf)
    if known is not None and known[0] == key:
        return known[1]
    try:
        data = unseal(json.loads(report.read_text(encoding="utf-8")), pdf.read_bytes())
        if data is None:
            return None
        result = part_from_json(pdf, data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if len(result.report.pages) != result.pages:
        return None
    if len(_UNSEALED) >= _UNSEALED_MAX:
        _UNSEALED.clear()
    _UNSEALED[pdf] = (key, result)
    return result

