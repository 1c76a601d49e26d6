"""Handouts by the hundred: one bilingual notice per event of a programme, fitted to
its paper, gathered into one PDF for the print shop, N-up sheets for the office
printer, and a contact sheet to check them at a glance.

Each handout is the stacked bilingual notice sheet (templates/notice_bilingual.html.j2)
laid out on its own. One that does not fit is either shrunk (``fit: shrink``: laid
out on a larger page and written scaled down, no smaller than ``MIN_TYPE_PT``), given
two pages (``pages: 2``), or reported in words an editor acts on: which event,
which language, about how many words (or, in Korean, characters) too long.
Everything is made in memory first: a programme with a problem writes nothing.
"""

from __future__ import annotations

import dataclasses
import io
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from folio.config.layout import TemplateSet, locales_dirs_for
from folio.config.publication import (
    SCREEN,
    Language,
    Profile,
    PublicationConfig,
    load_config,
)
from folio.config.reading import publication_reader
from folio.content.model import Notice
from folio.content.programme import Event, read_programme
from folio.errors import BuildError, Problem
from folio.i18n.catalog import load_translations
from folio.pdf.fitting import measure
from folio.pdf.writer import PdfJob, render_pdf
from folio.pipeline.jobs import make_pdf, write_output

PAPER_MM = {"A3": (297.0, 420.0), "A4": (210.0, 297.0), "A5": (148.0, 210.0),
            "A6": (105.0, 148.0), "B5": (176.0, 250.0), "letter": (215.9, 279.4)}
HANDOUT_TEMPLATE = "handout.html.j2"
BODY_TYPE_PT = 9.0        # the stacked sheet's body type (notice.css: .stacked), on A5
MIN_TYPE_PT = 7.0         # fit: shrink goes no smaller (a stated minimum)
SHRINK_STEP = 0.05
# Languages whose editors count characters, not words.
COUNTS_CHARACTERS = ("ko", "ja", "zh")


@dataclass(frozen=True)
class HandoutOptions:
    root: Path
    programme: Path
    size: str = "A5"                  # one handout, as cut
    sheet: str = "A4"                 # the office printer's paper
    ups: tuple[int, ...] = (2,)
    profile: str | None = "print"     # the print shop's PDF; None: none
    out: Path | None = None
    # False: a publication without that profile gets no print-shop PDF, and a note.
    require_profile: bool = True


@dataclass(frozen=True)
class Handout:
    event: Event
    screen: bytes
    pages: int
    zoom: float
    shrunk: bool = False

    @property
    def type_pt(self) -> float:
        return BODY_TYPE_PT * self.zoom


@dataclass(frozen=True)
class HandoutResult:
    handouts: tuple[Handout, ...]
    files: tuple[Path, ...]


def make_handouts(options: HandoutOptions) -> HandoutResult:
    from folio.pdf.fontprep import prepare, with_prepared
    from folio.production.impose import nup
    from folio.production.previews import previews_for
    config = load_config(options.root)
    profile = None
    if options.profile is not None and (options.require_profile
                                        or options.profile in config.profiles):
        profile = config.profile(options.profile)
    events = read_programme(options.programme, config)
    _check_glyphs(events, config)
    config = with_prepared(config, prepare(config))
    envs = _environments(config)
    handouts: list[Handout] = []
    printed: list[bytes] = []
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="folio-handouts-") as scratch:
        for event in events:
            try:
                handout = _fitted(event, config, envs, options.size)
                handouts.append(handout)
                if profile is not None:
                    printed.append(_print_version(event, config, envs, options.size,
                                                  handout.zoom, profile, Path(scratch)))
            except BuildError as error:
                problems.extend(error.problems)
    if problems:
        raise BuildError(*problems)

    stem = options.programme.stem
    folder = (options.out or config.root / "output") / "handouts" / stem
    files = []
    screen = folder / f"{stem}.pdf"
    write_output(screen, _joined([h.screen for h in handouts], f"{stem}: handouts"))
    files.append(screen)
    if profile is not None:
        target = folder / f"{stem}.{profile.name}.pdf"
        write_output(target, _joined(printed, f"{stem}: handouts"))
        files.append(target)
    for up in options.ups:
        target = folder / f"{stem}.{up}up-{options.sheet}.pdf"
        nup(screen, target, up, PAPER_MM[options.sheet])
        files.append(target)
    labels = [f"event {h.event.number}" + (f" ({side}/{h.pages})" if h.pages > 1 else "")
              for h in handouts for side in range(1, h.pages + 1)]
    _, contact = previews_for(screen, folder / "contact", labels)
    final = folder / f"{stem}.contact.png"
    contact.replace(final)
    files.append(final)
    return HandoutResult(tuple(handouts), tuple(files))


def _check_glyphs(events: list[Event], config: PublicationConfig) -> None:
    """Every character of a handout must be drawable by its language's fonts, as
    in a build: else a box, or a font nobody chose."""
    from folio.errors import ProblemCollector
    from folio.pdf import fonts
    problems: list[Problem] = []
    for language in config.languages:
        code = language.code
        covered = fonts.coverage(config.fonts[code].families, config.path)
        for event in events:
            found = ProblemCollector()
            text = " ".join([event.title.get(code, ""), event.place.get(code, ""),
                             event.description.get(code, ""), event.time, *event.contact])
            fonts.check_glyphs(" ".join(text.split()), event.path, covered,
                               config.fonts[code].families, found, event.line)
            problems += [Problem(f"{event.name(code)}, {language.name}: {p.message}",
                                 event.path, event.line, hint=p.hint)
                         for p in found.problems]
    if problems:
        raise BuildError(*problems)


def _environments(config: PublicationConfig) -> dict:
    from folio.render.environment import make_environment
    reader = publication_reader(config.root)
    templates = TemplateSet.for_root(config.root)
    locales = locales_dirs_for(config.root)
    return {language.code: make_environment(
        templates, load_translations(locales, language, reader), language, reader)
        for language in config.languages}


def _notices(event: Event, config: PublicationConfig) -> tuple[Notice, ...]:
    import html
    notices = []
    for language in config.languages:
        code = language.code
        paragraphs = [" ".join(p.split()) for p in event.description[code].split("\n\n")]
        blocks = tuple(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
        notices.append(Notice(
            slug=f"event-{event.number}", language=language, title=event.title[code],
            subtitle="", date=event.date, place=event.place.get(code, ""),
            contact=event.contact, bilingual="stacked", body_html="\n".join(blocks),
            source=event.path, body_blocks=blocks, time=event.time))
    return tuple(notices)


def _html(event: Event, config: PublicationConfig, envs: dict, size: str, zoom: float,
          profile: Profile | None = None) -> str:
    from folio.render.html import render_bilingual_notice_html
    width, height = PAPER_MM[size]
    # Laid out on a page larger by 1/zoom, written scaled by zoom: the same page,
    # everything on it smaller.
    sized = dataclasses.replace(config, notice_page_size=f"{width / zoom:.2f}mm "
                                                         f"{height / zoom:.2f}mm")
    if profile is not None:
        profile = dataclasses.replace(profile, bleed_mm=profile.bleed_mm / zoom)
    return render_bilingual_notice_html(_notices(event, config), sized, envs, "stacked",
                                        profile or SCREEN, template=HANDOUT_TEMPLATE)


def design_zoom(size: str) -> float:
    """The handout is designed for A5: larger paper enlarges it all (an A3 poster's
    type is twice as large), smaller paper reduces it, but never below the minimum."""
    return max(PAPER_MM[size][0] / PAPER_MM["A5"][0], MIN_TYPE_PT / BODY_TYPE_PT + 0.02)


def _zooms(event: Event, size: str) -> list[float]:
    first = design_zoom(size)
    if event.fit != "shrink":
        return [first]
    smallest = MIN_TYPE_PT / BODY_TYPE_PT
    zooms = [first]
    while zooms[-1] * (1 - SHRINK_STEP) > smallest + 1e-6:
        zooms.append(zooms[-1] * (1 - SHRINK_STEP))
    return [*zooms, smallest] if first > smallest else zooms


def _job(event: Event, config: PublicationConfig, html: str, zoom: float,
         output: Path) -> PdfJob:
    return PdfJob(name=f"{event.path.name}, event {event.number}", html=html,
                  root=config.root, output=output, source=event.path, zoom=zoom)


def _fitted(event: Event, config: PublicationConfig, envs: dict, size: str) -> Handout:
    """The handout at the largest type it fits at, or an error saying by how much
    which language is too long."""
    job = None
    for zoom in _zooms(event, size):
        job = _job(event, config, _html(event, config, envs, size, zoom), zoom,
                   config.root / "output" / "handouts")
        rendered = render_pdf(job)
        if rendered.pages <= event.pages:
            return Handout(event, rendered.data, rendered.pages, zoom,
                           zoom < design_zoom(size))
    assert job is not None
    raise BuildError(*_too_long(event, config, job, size))


def _print_version(event: Event, config: PublicationConfig, envs: dict, size: str,
                   zoom: float, profile: Profile, scratch: Path) -> bytes:
    """The handout made with the print profile (bleed, crop marks, PDF/X), as the
    build makes a notice with it."""
    output = scratch / f"event-{event.number}.pdf"
    job = dataclasses.replace(
        _job(event, config, _html(event, config, envs, size, zoom, profile), zoom, output),
        variant=profile.variant,
        crop_marks_mm=profile.bleed_mm if profile.crop_marks else None,
        also_readable=(profile.output_intent,) if profile.output_intent else (),
        output_intent=profile.output_intent)
    make_pdf(job)
    return output.read_bytes()


def _too_long(event: Event, config: PublicationConfig, job: PdfJob,
              size: str) -> list[Problem]:
    """Which language takes more than its share of the page, and about how many
    words (characters) of its description that is."""
    layout = measure(job, ("notice-half", "notice-body", "notice-head"))
    head = sum(h for (name, _), h in layout.heights.items() if name == "notice-head")
    available = event.pages * layout.page_height - head
    share = available / len(config.languages)
    where = "one page" if event.pages == 1 else "two pages"
    smallest = f" even with type shrunk to {MIN_TYPE_PT:g} pt" if event.fit == "shrink" else ""
    overs: list[tuple[Language, float]] = []
    for language in config.languages:
        half = layout.heights.get(("notice-half", language.tag), 0.0)
        if half > share:
            overs.append((language, half - share))
    # A language may use the room another leaves: what is over, in all, is the
    # excess of the page, shared among the languages over their share.
    excess = sum(h for (name, _), h in layout.heights.items() if name == "notice-half") \
        - available
    if not overs or excess <= 0:        # the halves fit; the page breaks did not
        language = max(config.languages,
                       key=lambda lang: layout.heights.get(("notice-half", lang.tag), 0.0))
        overs = [(language, layout.page_height * 0.03)]
    elif sum(over for _, over in overs) > excess:
        total = sum(over for _, over in overs)
        overs = [(language, over * excess / total) for language, over in overs]
    problems = []
    for language, over in overs:
        code = language.code
        body = layout.heights.get(("notice-body", language.tag), 0.0)
        text = " ".join(event.description[code].split())
        if code in COUNTS_CHARACTERS:
            total, unit = len(text), "characters"
        else:
            total, unit = len(text.split()), "words"
        amount = math.ceil(total * over / body) if body else total
        amount = max(1, amount if amount < 20 else 5 * math.ceil(amount / 5))
        whole = " (more than the whole description: shorten the title or place too)" \
            if amount >= total else ""
        options = [] if event.fit == "shrink" else [f"'fit: shrink' (type down to "
                                                   f"{MIN_TYPE_PT:g} pt)"]
        if event.pages == 1:
            options.append("'pages: 2' (both sides of the sheet)")
        problems.append(Problem(
            f"{event.name(code)} does not fit on {where} of {size}{smallest}: the "
            f"{language.name} text is about {amount} {unit} too long{whole}",
            event.path, event.line,
            hint=f"shorten the {language.name} description by about {amount} {unit}"
                 + (", or add " + " or ".join(options) + " to the event" if options else "")))
    return problems


def _joined(documents: list[bytes], title: str) -> bytes:
    """One PDF of the pages of ``documents``, in order; the first one's catalog (its
    output intent, for PDF/X) stands for all."""
    import pikepdf
    with pikepdf.open(io.BytesIO(documents[0])) as joined:
        others = [pikepdf.open(io.BytesIO(data)) for data in documents[1:]]
        try:
            for other in others:
                joined.pages.extend(other.pages)
            with joined.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["dc:title"] = title
            out = io.BytesIO()
            joined.save(out, deterministic_id=True)
        finally:
            for other in others:
                other.close()
    return out.getvalue()
