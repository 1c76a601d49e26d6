"""publication.yaml: loaded and validated once, in one place, into a frozen config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import babel
from babel.core import get_global

from folio.config import schema as s
from folio.config.reading import Reader, publication_reader
from folio.config.variants import NAMES, variant_of
from folio.config.yamlio import YamlList, YamlMap, parse_yaml
from folio.defaults import CONFIG_FILE, DEFAULT_PROFILE
from folio.errors import BuildError, ProblemCollector

PAGE_SIZES = ("A4", "A5", "B5", "letter")
NOTICE_PAGE_SIZES = ("A3", "A4", "A5", "A6", "B5", "letter")   # posters to cards
DEFAULT_CITATION_STYLE = "chicago-author-date"
PDF_VARIANTS = NAMES                # config/variants.py: what each one needs


@s.text_matching(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*$",
                 "a language code Babel knows: ko, en, ja, zh, fr…")
def _language_code(value: Any, where: s.Where, problems: ProblemCollector) -> str:
    code = s.text(value, where, problems)
    try:
        babel.Locale.parse(code)
    except (ValueError, babel.UnknownLocaleError):
        raise s.Invalid(f"'{code}' is not a language code Babel knows "
                        "(use ISO 639-1 codes such as ko, en, ja, zh, fr)") from None
    return code


@s.accepts({"anyOf": [{"type": "number", "minimum": 0, "maximum": 20}, {
    "type": "string",
    "pattern": r"^\s*0*(?:1?[0-9](?:\.[0-9]*)?|20(?:\.0*)?|\.[0-9]+)\s*(?:mm)?\s*$"}],
    "description": "a length in millimetres, 0 to 20: 3mm"})
def _length_mm(value: Any, where: s.Where, problems: ProblemCollector) -> float:
    """``3mm`` or ``0``: lengths in publication.yaml are millimetres, said so."""
    text = str(value).strip()
    number = text.removesuffix("mm").strip()
    try:
        mm = float(number)
    except ValueError:
        raise s.Invalid(f"'{text}' is not a length; write it in millimetres, e.g. 3mm"
                        ) from None
    if mm < 0 or mm > 20:
        raise s.Invalid(f"{mm:g} mm is out of range; print shops ask for 2 to 5 mm")
    return mm


@s.text_matching(r"^\s*(?:0*\.[0-9]*[1-9][0-9]*|0*1(?:\.0*)?)\s*mm\s*$",
                 "a paper thickness in millimetres, above 0 and at most 1: 0.1mm")
def _paper_mm(value: Any, where: s.Where, problems: ProblemCollector) -> float:
    """The paper's thickness: ``0.1mm`` (80 g/m² office paper) to about 0.3 mm."""
    text = str(value).strip()
    try:
        mm = float(text.removesuffix("mm")) if text.endswith("mm") else float("nan")
    except ValueError:
        mm = float("nan")
    if not 0 < mm <= 1:
        raise s.Invalid(f"'{text}' is not a paper thickness; write it in millimetres, "
                        "e.g. 0.1mm")
    return mm


@dataclass(frozen=True)
class FontStack:
    """Font families in fallback order; the first that has a glyph draws it."""

    serif: tuple[str, ...] = s.field(s.list_of(s.text), required=True, default=(),
                                     doc="body text families, in order")
    sans: tuple[str, ...] = s.field(s.list_of(s.text), required=True, default=(),
                                    doc="heading families, in order")
    # The line of publication.yaml naming each family, for messages about it.
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.serif + self.sans))

    def line_of(self, family: str) -> int | None:
        return dict(self.lines).get(family)


@dataclass(frozen=True)
class Language:
    code: str          # as used in file names: "ko"
    tag: str           # BCP 47 for HTML lang and PDF /Lang: "ko-KR", "en-US"
    locale: str        # Babel locale for dates and numbers: "ko_KR"
    name: str          # in English, for messages: "Korean"


@dataclass(frozen=True)
class Profile:
    """How PDFs are made for one use: the screen, an office printer, a print shop, an archive."""

    name: str
    bleed_mm: float = s.field(           # added on every side; backgrounds run into it
        _length_mm, key="bleed",
        default=0.0, doc="e.g. bleed: 3mm")
    crop_marks: bool = s.field(         # printer's marks outside the bleed
        s.boolean, default=False, doc="crop_marks: true")
    variant: str | None = s.field(      # WeasyPrint pdf_variant, e.g. "pdf/x-4"
        s.one_of(*PDF_VARIANTS), doc="e.g. variant: pdf/x-4")
    description: str = s.field(s.text, default="")
    output_intent: Path | None = s.field(   # ICC profile of the printing condition (PDF/X)
        s.text, doc="the printing condition's ICC profile, e.g. "
                    "/usr/share/color/icc/ghostscript/default_cmyk.icc")
    output_intent_line: int | None = field(default=None, compare=False)  # for messages
    tagged: bool | None = s.field(      # a structure tree for screen readers; None: the default
        s.boolean, doc="tagged: false (no structure tree for screen readers; the screen "
                       "profile has one unless this says so)")
    paper_mm: float = s.field(          # the paper's thickness: a booklet's creep
        _paper_mm, key="paper_thickness",
        default=0.1, doc="paper_thickness: 0.1mm (the booklet's creep compensation)")

    @property
    def is_tagged(self) -> bool:
        """Tagged unless turned off: files for reading (the screen, PDF/UA) are, by
        default; print files (PDF/X) and the archive's (PDF/A-3b) are not, unless
        the profile says ``tagged: true``."""
        if self.tagged is not None:
            return self.tagged or variant_of(self.variant).tagged
        return self.variant is None or variant_of(self.variant).tagged

    @property
    def output_subdir(self) -> Path:
        """``screen`` writes to output/<lang>/; any other profile to output/<profile>/<lang>/."""
        return Path() if self.name == DEFAULT_PROFILE else Path(self.name)


SCREEN = Profile(DEFAULT_PROFILE, description="links and bookmarks, no bleed")


@dataclass(frozen=True)
class Cover:
    """The journal cover's fixed strings, per language, from ``cover:`` in
    publication.yaml; a language left out prints nothing in that place."""

    kicker: dict[str, str] = s.field(s.localized, factory=dict,   # the line above the title
                                     doc="the small line above the title, {ko: …, en: …}")
    series: dict[str, str] = s.field(s.localized, factory=dict,   # above the issue number
                                     doc="the series name, {ko: …, en: …}")
    lines: tuple[dict[str, str], ...] = s.field(                  # under the title
        s.list_of(s.localized), default=(), doc="lines under the title: [{ko: …, en: …}]")

    def plain(self) -> Cover:
        """The same strings in plain dicts (the checks give ``LocalizedText``)."""
        return Cover(kicker=dict(self.kicker), series=dict(self.series),
                     lines=tuple(dict(line) for line in self.lines))

    def for_language(self, code: str) -> dict:
        return {"kicker": self.kicker.get(code, ""), "series": self.series.get(code, ""),
                "lines": [line[code] for line in self.lines if line.get(code)]}


@dataclass(frozen=True, kw_only=True)
class PublicationConfig:
    """The publication: publication.yaml, at the root of the publication folder.

    The fields with a check are the file's (the loader completes some: ``languages``
    become ``Language``, ``logo`` a path, ``fonts`` and ``profiles`` are checked one
    entry at a time); the others are set by the build."""

    root: Path
    path: Path
    title: dict[str, str] = s.field(s.localized, required=True, factory=dict,
                                    doc="the publication's title, {ko: …, en: …}")
    short_title: dict[str, str] = s.field(s.localized, factory=dict,
                                          doc="used in running headers")
    languages: tuple[Language, ...] = s.field(
        s.list_of(_language_code), required=True, default=(),
        doc="e.g. languages: [ko, en]")
    source_language: str = s.field(_language_code, default="",
                                   doc="the language texts are written in first")
    page_size: str = s.field(s.one_of(*PAGE_SIZES), default="A4")
    notice_page_size: str = s.field(s.one_of(*NOTICE_PAGE_SIZES), default="A4")
    fonts: dict[str, FontStack] = s.field(
        s.per_language(s.record(FontStack)), required=True, factory=dict,
        doc="font families per language: fonts: {ko: {serif: […], sans: […]}}")
    logo: Path = s.field(s.text, default="content/assets/logo.svg")
    profiles: dict[str, Profile] = s.field(
        s.mapping_of(s.record(Profile, build=False)),
        factory=lambda: {DEFAULT_PROFILE: SCREEN},
        doc="profiles: {print: {bleed: 3mm, crop_marks: true, variant: pdf/x-4}}")
    allow_html: bool = s.field(         # raw HTML in Markdown, sanitised; off by default
        s.boolean, default=False,
        doc="allow_html: true lets Markdown contain raw HTML (scripts, frames and event "
            "handlers are removed)")
    citation_style: str = s.field(      # a CSL style: templates/csl/<name>.csl
        s.text, default=DEFAULT_CITATION_STYLE,
        doc="the CSL style citations are set in: a file templates/csl/<name>.csl "
            "(bundled: chicago-author-date)")
    references_korean_first: bool = s.field(    # Korean works before Western ones
        s.boolean, default=False,
        doc="references_korean_first: true lists the works written in Korean before the "
            "others, as most Korean journals do")
    cover: Cover | None = s.field(      # None: the bundled catalog's kicker
        s.record(Cover),
        doc="the cover's strings: cover: {kicker: {ko: …, en: …}, series: {…}, "
            "lines: [{…}]}")
    prepared_fonts: tuple = ()        # set by the build: fontprep.PreparedFace, first in stacks

    def profile(self, name: str) -> Profile:
        if name not in self.profiles:
            raise BuildError.at(f"unknown profile '{name}'", self.path,
                                hint="profiles declared here: " + ", ".join(self.profiles))
        return self.profiles[name]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> Language:
        for lang in self.languages:
            if lang.code == code:
                return lang
        raise BuildError.at(f"unknown language '{code}'", self.path,
                            hint="languages declared here: " + ", ".join(self.codes))


def language_for(code: str) -> Language:
    """Complete a bare code with Babel's likely region (en -> en-US, ko -> ko-KR).

    WeasyPrint hyphenates ``lang="en"`` as British English, so the region matters.
    """
    likely = get_global("likely_subtags").get(code, code)
    locale = babel.Locale.parse(likely)
    tag = f"{locale.language}-{locale.territory}" if locale.territory else locale.language
    babel_locale = f"{locale.language}_{locale.territory}" if locale.territory else code
    return Language(code=code, tag=tag, locale=babel_locale,
                    name=babel.Locale.parse(code).get_display_name("en") or code)


def load_config(root: Path, reader: Reader | None = None) -> PublicationConfig:
    """Read ``root/publication.yaml``; every problem in it is reported at once."""
    root = root.resolve()
    reader = reader or publication_reader(root)
    path = root / CONFIG_FILE
    if not path.is_file():
        raise BuildError.at(f"no {CONFIG_FILE} here", root,
                            hint="run from a publication folder or pass --root DIR")
    data = parse_yaml(reader.read_text(path), path)
    problems = ProblemCollector()
    if not isinstance(data, YamlMap):
        raise BuildError.at(f"{CONFIG_FILE} should be a mapping of settings", path, 1)

    # The languages come first: the other fields are checked against them.
    languages = {"languages": s.fields_of(PublicationConfig)["languages"]}
    codes = tuple(s.validate(data, languages, path, 1, problems,
                             checked_elsewhere=frozenset(data) - {"languages"}
                             )["languages"] or ())
    values = s.validate(data, PublicationConfig, path, 1, problems,
                        checked_elsewhere=frozenset({"languages"}), languages=codes)
    if not codes and "languages" in data:
        problems.add("'languages' lists no language", path, data.line_of("languages"))

    source = values["source_language"] or (codes[0] if codes else "")
    if codes and source not in codes:
        problems.add(f"source_language '{source}' is not one of the languages", path,
                     data.line_of("source_language"),
                     hint="add it to 'languages' or pick one of " + ", ".join(codes))

    fonts = _load_fonts(data.get("fonts"), codes, path, data.line_of("fonts"), problems)
    profiles = _load_profiles(data.get("profiles"), path, data.line_of("profiles"), problems)
    for key in ("title", "short_title"):
        for code in codes:
            if isinstance(values[key], s.LocalizedText) and code not in values[key]:
                problems.add(f"'{key}' has no {code} text", path, data.line_of(key),
                             hint=f"add '{code}: …' under '{key}'")
    logo = _logo(values["logo"], reader, root, path, data.line_of("logo"), problems)
    problems.raise_if_any()

    title = values["title"]
    return PublicationConfig(
        root=root,
        path=path,
        title=title,
        short_title=values["short_title"] or title,
        languages=tuple(language_for(code) for code in codes),
        source_language=source,
        page_size=values["page_size"],
        notice_page_size=values["notice_page_size"],
        fonts=fonts,
        logo=logo,
        profiles=profiles,
        allow_html=bool(values["allow_html"]),
        citation_style=values["citation_style"],
        references_korean_first=bool(values["references_korean_first"]),
        cover=values["cover"].plain() if values["cover"] is not None else None,
    )


LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg")


def _logo(value: str, reader: Reader, root: Path, path: Path, line: int,
          problems: ProblemCollector) -> Path:
    """The logo mark: an image file of the publication."""
    logo = root / value
    try:
        reader.inside(logo, (path, line), "logo")
    except BuildError as error:
        problems.extend(error)
        return logo
    if not logo.is_file():
        problems.add(f"logo: no file {value}", path, line,
                     hint="name an SVG or PNG file of the publication, e.g. "
                          "logo: content/assets/logo.svg")
    elif logo.suffix.lower() not in LOGO_TYPES:
        problems.add(f"logo: {value} is not an image ({', '.join(LOGO_TYPES)})", path, line,
                     hint="name an SVG, PNG or JPEG file")
    return logo


def _icc_profile(file: Path, cmyk: bool) -> str | None:
    """Why ``file`` is not an ICC profile (of a CMYK device, if ``cmyk``), or None.

    The output intent is embedded in every PDF of the profile: only a real colour
    profile may be, never whatever file the setting names."""
    try:
        with file.open("rb") as handle:
            header = handle.read(128)
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if len(header) < 128 or header[36:40] != b"acsp":
        return "is not an ICC colour profile"
    if cmyk and header[16:20] != b"CMYK":
        return f"is a profile of {header[16:20].decode('ascii', 'replace').strip()} " \
               "colour, and a PDF/X file for a CMYK press needs a CMYK one"
    return None


_FONT_STACK = s.record(FontStack)
_PROFILE = s.record(Profile, build=False)


def _load_fonts(data: Any, codes: tuple[str, ...], path: Path, line: int,
                problems: ProblemCollector) -> dict[str, FontStack]:
    fonts: dict[str, FontStack] = {}
    if not isinstance(data, YamlMap):
        if data is not None:
            problems.add("'fonts' should map each language to its serif and sans families",
                         path, line)
        return fonts
    for code in data:
        if code not in codes:
            problems.add(f"fonts: '{code}' is not one of the languages", path,
                         data.line_of(code))
    for code in codes:
        if code not in data:
            problems.add(f"fonts: no fonts for '{code}'", path, line,
                         hint=f"add '{code}: {{serif: […], sans: […]}}' under 'fonts'")
            continue
        try:
            stack = _FONT_STACK(data[code], s.Where(path, data.line_of(code), f"fonts.{code}"),
                                problems)
        except s.Invalid as error:
            problems.add(f"fonts.{code}: {error}", path, data.line_of(code))
            continue
        fonts[code] = FontStack(serif=stack.serif, sans=stack.sans,
                                lines=_family_lines(data[code]))
    return fonts


def _family_lines(stack: YamlMap) -> tuple[tuple[str, int], ...]:
    """Each family of a language's stack with the line that names it (its first)."""
    lines: dict[str, int] = {}
    for kind in ("serif", "sans"):
        families = stack.get(kind)
        if isinstance(families, YamlList):
            for index, family in enumerate(families):
                lines.setdefault(str(family), families.line_of(index))
        elif families is not None:
            lines.setdefault(str(families), stack.line_of(kind))
    return tuple(lines.items())


def _load_profiles(data: Any, path: Path, line: int,
                   problems: ProblemCollector) -> dict[str, Profile]:
    profiles = {DEFAULT_PROFILE: SCREEN}
    if data is None:
        return profiles
    if not isinstance(data, YamlMap):
        problems.add("'profiles' should map each profile name to its settings", path, line,
                     hint="profiles: {print: {bleed: 3mm, crop_marks: true, variant: pdf/x-4}}")
        return profiles
    for name in data:
        where = s.Where(path, data.line_of(name), f"profiles.{name}")
        try:
            values = _PROFILE(data[name], where, problems)
        except s.Invalid as error:
            problems.add(f"profiles.{name}: {error}", path, data.line_of(name))
            continue
        intent = None
        if values["output_intent"]:
            intent = (path.parent / values["output_intent"]).resolve()
            if not intent.is_file():
                problems.add(f"profiles.{name}.output_intent: no file {intent}", path,
                             data[name].line_of("output_intent"),
                             hint="install it (./dev does) or name an ICC profile that exists")
                continue
            wrong = _icc_profile(intent, variant_of(values["variant"]).press)
            if wrong:
                problems.add(f"profiles.{name}.output_intent: {intent} {wrong}", path,
                             data[name].line_of("output_intent"),
                             hint="name the print shop's ICC profile (a .icc file), e.g. "
                                  "/usr/share/color/icc/ghostscript/default_cmyk.icc")
                continue
        elif variant_of(values["variant"]).press:
            problems.add(f"profiles.{name}: {values['variant']} needs an output_intent",
                         path, data.line_of(name),
                         hint="the ICC profile of the printing condition, e.g. "
                              "output_intent: /usr/share/color/icc/ghostscript/default_cmyk.icc")
            continue
        if values["tagged"] is False and variant_of(values["variant"]).tagged:
            problems.add(f"profiles.{name}: {values['variant']} is tagged PDF; it cannot "
                         "be 'tagged: false'", path, data[name].line_of("tagged"),
                         hint="remove 'tagged: false', or use another variant")
            continue
        profiles[str(name)] = Profile(str(name), bleed_mm=values["bleed_mm"] or 0.0,
                                      crop_marks=bool(values["crop_marks"]),
                                      variant=values["variant"],
                                      description=values["description"] or "",
                                      output_intent=intent,
                                      output_intent_line=data[name].line_of("output_intent")
                                      if intent is not None else None,
                                      tagged=values["tagged"],
                                      paper_mm=values["paper_mm"] or 0.1)
    return profiles
