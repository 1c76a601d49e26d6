"""Press-ready files: what a print shop needs that WeasyPrint does not write.

WeasyPrint writes every CSS colour, image and SVG in DeviceRGB, puts link
annotations on the page, and marks crops inside the bleed. A PDF/X file for a
CMYK press may have none of that. So a finished print PDF is rewritten here, with
pikepdf (qpdf), which keeps everything else as it is (fonts, structure, the
file's version):

- every colour is converted to the CMYK of the output intent (littleCMS, through
  Pillow's ImageCms); greys, black text included, become black ink only (K), as a
  prepress department would do, so text does not print in four inks;
- raster images become CMYK images, gradients CMYK gradients, transparency groups
  CMYK groups;
- annotations are removed (links mean nothing on paper; PDF/X forbids them on the
  printed area);
- crop marks are drawn in a slug outside the bleed, in registration colour, with
  TrimBox and BleedBox kept and no ArtBox.
"""

from __future__ import annotations

import io
import os
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator

from folio.config.variants import variant_of

MM = 72 / 25.4
MARK_LENGTH_MM = 6.0          # each crop mark's length
GAP_MM = 1.0                  # between the bleed edge and a mark
LINE_WIDTH_PT = 0.25


class UnconvertibleColour(Exception):
    """Content whose colour this module cannot turn into CMYK (named in the message)."""


class NotPressReady(Exception):
    """The file cannot be made into the variant asked for (the message says why;
    ``hint``, when given, what to do)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def __reduce__(self):
        return (type(self), (str(self), self.hint))


class UnusableProfile(NotPressReady):
    """The output intent's ICC profile cannot be read or used (named in the message):
    the editor's to fix in publication.yaml, not in the design."""


_PROFILE_HINT = ("name a CMYK ICC profile that works in output_intent (the print shop's, "
                 "or /usr/share/color/icc/ghostscript/default_cmyk.icc)")


@dataclass
class CmykConverter:
    """sRGB to the output intent's CMYK; neutral greys to black ink only."""

    profile: Path
    _transform: Any = field(default=None, repr=False)

    def __post_init__(self):
        from PIL import ImageCms
        try:
            self._transform = ImageCms.buildTransform(
                ImageCms.createProfile("sRGB"), _open_profile(self.profile),
                "RGB", "CMYK", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
        except ImageCms.PyCMSError as error:
            raise UnusableProfile(f"the output intent {self.profile} cannot convert colours "
                                  f"to CMYK (LittleCMS: {error}); the file may be damaged "
                                  "or not a CMYK output profile", _PROFILE_HINT) from None

    def colour(self, r: float, g: float, b: float) -> tuple[float, float, float, float]:
        return _cached_colour(self, round(r, 4), round(g, 4), round(b, 4))

    def image(self, image):
        """A PIL image in RGB (or anything convertible) as CMYK."""
        from PIL import ImageCms
        return ImageCms.applyTransform(image.convert("RGB"), self._transform)

    def __hash__(self):
        return hash(self.profile)


def _open_profile(path: Path):
    """The ICC profile at ``path`` for LittleCMS; a file that cannot be read or
    parsed is an ``UnusableProfile`` naming it."""
    from PIL import ImageCms
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnusableProfile(f"the output intent {path} cannot be read: "
                              f"{error.strerror or error}", _PROFILE_HINT) from None
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(data))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as error:
        raise UnusableProfile(f"the output intent {path} is not an ICC profile LittleCMS "
                              f"can read ({error})", _PROFILE_HINT) from None


NEUTRAL = 0.02      # a grey whose channels differ less than this prints as black ink


@lru_cache(maxsize=4096)
def _cached_colour(converter: CmykConverter, r: float, g: float, b: float):
    if max(r, g, b) - min(r, g, b) < NEUTRAL:
        return (0.0, 0.0, 0.0, round(1 - (0.299 * r + 0.587 * g + 0.114 * b), 4))
    from PIL import Image
    pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in (r, g, b)))
    cmyk = converter.image(pixel).getpixel((0, 0))
    return tuple(round(v / 255, 4) for v in cmyk)


def press_ready(data: bytes, *, variant: str | None, intent: Path | None,
                crop_marks_mm: float | None) -> bytes:
    """The PDF as a print shop should receive it (see the module docstring)."""
    pdf = pikepdf.open(io.BytesIO(data))
    if intent is not None and variant_of(variant).press:
        convert_to_cmyk(pdf, CmykConverter(intent))
    for page in pdf.pages:
        if "/Annots" in page.obj:
            del page.obj["/Annots"]
        if "/ArtBox" in page.obj:
            del page.obj["/ArtBox"]
    if crop_marks_mm is not None:
        add_crop_marks(pdf, crop_marks_mm)
    share_profiles(pdf)
    if variant == "pdf/x-1a":
        return _pdfx_1a(pdf, intent)
    out = io.BytesIO()
    pdf.save(out, min_version=variant_of(variant).header, deterministic_id=True)
    return out.getvalue()


# -- PDF/X-1a: Ghostscript --------------------------------------------------------------

# Ghostscript's PDFX_def.ps, made for one file: the claim, and the output intent
# with the printing condition's profile (its sample also overwrites the title).
_PDFX_DEF = """%!
[ /GTS_PDFXVersion (PDF/X-1:2001) /GTS_PDFXConformance (PDF/X-1a:2001) /Trapped /False
  /DOCINFO pdfmark
/ICCProfile ({profile}) def
[/_objdef {{icc_PDFX}} /type /stream /OBJ pdfmark
[{{icc_PDFX}} << /N 4 >> /PUT pdfmark
[{{icc_PDFX}} ICCProfile (r) file /PUT pdfmark
[/_objdef {{OutputIntent_PDFX}} /type /dict /OBJ pdfmark
[{{OutputIntent_PDFX}} << /Type /OutputIntent /S /GTS_PDFX
  /OutputCondition ({name}) /OutputConditionIdentifier (Custom) /Info ({name})
  /RegistryName (http://www.color.org) /DestOutputProfile {{icc_PDFX}} >> /PUT pdfmark
[{{Catalog}} <</OutputIntents [ {{OutputIntent_PDFX}} ]>> /PUT pdfmark
"""


def _pdfx_1a(pdf: pikepdf.Pdf, intent: Path | None) -> bytes:
    """PDF/X-1a:2001 (PDF 1.3, CMYK, no transparency), written by Ghostscript as
    Vivliostyle's press-ready mode does.

    Ghostscript turns a page it believes transparent into one image, text and all,
    and says nothing. It judges by the resources a page could use, and WeasyPrint
    shares one resource dictionary among all pages and wraps opaque drawings in
    transparency groups; so each stream first gets only the resources it uses and
    groups around opaque content go. A page that still has transparency is an
    error naming it, rather than a page of pixels.
    """
    import shutil
    import subprocess
    import tempfile

    if shutil.which("gs") is None:
        raise NotPressReady("Ghostscript (gs) is not installed; the set-up step "
                            "installs it (Debian package ghostscript)")
    if intent is None:
        raise NotPressReady("pdf/x-1a needs an output_intent (the printing condition's "
                            "CMYK profile)")
    prune_resources(pdf)
    remove_opaque_groups(pdf)
    pages = {number: why for number, page in enumerate(pdf.pages, 1)
             if (why := transparency(page.obj))}
    if pages:
        listed = "; ".join(f"page {n}: {why}" for n, why in sorted(pages.items()))
        raise NotPressReady(f"PDF/X-1a allows no transparency, and Ghostscript would "
                            f"print these pages as images: {listed}")
    identifier = pdf.trailer.get("/ID")
    dests = _named_destinations(pdf)
    info = {key: pdf.docinfo[key] for key in ("/Title", "/Author", "/Subject", "/Keywords",
                                               "/CreationDate", "/ModDate")
            if key in pdf.docinfo}
    from PIL import ImageCms
    try:
        name = ImageCms.getProfileDescription(_open_profile(intent)).strip()
    except ImageCms.PyCMSError:
        name = ""
    with tempfile.TemporaryDirectory(prefix="folio-x1a-") as folder:
        source, target = Path(folder, "in.pdf"), Path(folder, "out.pdf")
        definition = Path(folder, "PDFX_def.ps")
        pdf.save(source)
        definition.write_text(_PDFX_DEF.format(profile=_ps_string(os.fsencode(intent)),
                                               name=_ps_text(name or intent.name)),
                              encoding="ascii")
        done = subprocess.run(
            ["gs", "-dPDFX", "-dBATCH", "-dNOPAUSE", "-dNOOUTERSAVE", "-dQUIET", "-dSAFER",
             f"--permit-file-read={intent}", "-sDEVICE=pdfwrite",
             "-dCompatibilityLevel=1.3", "-sColorConversionStrategy=CMYK",
             "-dProcessColorModel=/DeviceCMYK", f"-sOutputICCProfile={intent}",
             # Annotations left over are dropped rather than the claim (gs's
             # default is to write a plain PDF that still claims PDF/X).
             "-dPDFACompatibilityPolicy=1",
             # The newer interpreter of Ghostscript 10.0 garbles the text of
             # ligatures ("fi" extracted as CJK characters); the legacy one does not.
             "-dNEWPDF=false",
             f"-sOutputFile={target}", str(definition), str(source)],
            capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0 or not target.is_file():
            raise _ghostscript_failed(done, intent)
        written = pikepdf.open(io.BytesIO(target.read_bytes()))
    # Ghostscript stamps the time of the conversion and drops what it does not
    # know: the document's own dates and descriptions go back in, for files that
    # are the same from the same input.
    for key, value in info.items():
        written.docinfo[key] = value
    if identifier is not None:          # gs draws a random one; qpdf keeps the first
        written.trailer.ID = Array([identifier[0], identifier[0]])
    _restore_destinations(written, dests)
    out = io.BytesIO()
    written.save(out, deterministic_id=True)
    return out.getvalue()


def _ps_string(data: bytes) -> str:
    """``data`` inside a PostScript string ``(…)``, in ASCII: a file name's bytes as
    they are (a Korean name was written as "???" and not found)."""
    return "".join("\\" + chr(byte) if chr(byte) in "\\()" else chr(byte)
                   if 32 <= byte < 127 else f"\\{byte:03o}" for byte in data)


def _ps_text(text: str) -> str:
    """A PDF text string for pdfmark: ASCII as it is, anything else in UTF-16."""
    if text.isascii():
        return _ps_string(text.encode("ascii"))
    return _ps_string(b"\xfe\xff" + text.encode("utf-16-be"))


def _ghostscript_failed(done, intent: Path) -> NotPressReady:
    """What Ghostscript's failure means, from its report (it writes it to stdout):
    a file it could not open is the output intent, the only file the job names."""
    report = f"{done.stdout}\n{done.stderr}"
    error = re.search(r"Error: /(\w+)", report)
    system = re.search(r"Last OS error: (.+)", report)
    if error and error[1] in ("undefinedfilename", "invalidfileaccess", "ioerror") \
            or "icc" in report.lower() and error:
        why = system[1].strip() if system else error[1]
        return UnusableProfile(f"Ghostscript cannot read the output intent {intent} "
                               f"({error[1]}: {why})", _PROFILE_HINT)
    lines = [line.strip() for line in report.splitlines() if line.strip()]
    said = error[0] if error else (lines[-1] if lines else f"exit {done.returncode}")
    return NotPressReady(f"Ghostscript could not write PDF/X-1a ({said})",
                         "fix what Ghostscript names, or use a pdf/x-4 profile (written "
                         "without Ghostscript)")


def _named_destinations(pdf: pikepdf.Pdf) -> list[tuple[str, int, list]]:
    """(name, page index, the rest of the destination) for each named destination
    (the offprint cutter finds the articles by them: offprints.py)."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    found = []
    for name, dest in pikepdf.NameTree(names.Dests).items():
        if isinstance(dest, Dictionary) and "/D" in dest:
            dest = dest.D
        if isinstance(dest, Array) and len(dest) and isinstance(dest[0], Dictionary) \
                and dest[0].objgen in pages:
            found.append((str(name), pages[dest[0].objgen], list(dest)[1:]))
    return found


def _restore_destinations(pdf: pikepdf.Pdf, dests: list[tuple[str, int, list]]) -> None:
    """Ghostscript's PDF/X-1a drops the named destinations: put them back, on the
    same pages (it keeps the pages, their order and their coordinates)."""
    if not dests:
        return
    tree = pikepdf.NameTree.new(pdf)
    for name, index, rest in dests:
        if index < len(pdf.pages):
            tree[name] = Array([pdf.pages[index].obj, *rest])
    if "/Names" not in pdf.Root:
        pdf.Root.Names = Dictionary()
    pdf.Root.Names.Dests = tree.obj



_RESOURCE_OPERATORS = {"gs": "/ExtGState", "Do": "/XObject", "sh": "/Shading", "Tf": "/Font",
                       "cs": "/ColorSpace", "CS": "/ColorSpace"}


def prune_resources(pdf: pikepdf.Pdf) -> None:
    """Give every page, form and tiling pattern only the resources it uses."""
    done: set = set()

    def prune(holder) -> None:
        if holder.is_indirect:
            if holder.objgen in done:
                return
            done.add(holder.objgen)
        resources = holder.get("/Resources")
        if resources is None:
            return
        pruned = _pruned(resources, _used_resources(holder))
        holder.Resources = pruned
        for category in ("/XObject", "/Pattern"):
            for child in pruned.get(category, {}).values():
                if isinstance(child, pikepdf.Stream) and (
                        child.get("/Subtype") == "/Form" or child.get("/PatternType") == 1):
                    prune(child)

    for page in pdf.pages:
        prune(page.obj)


def _used_resources(holder) -> dict[str, set[str]]:
    """The names of resources a content stream uses, by category."""
    used: dict[str, set[str]] = {}
    for instruction in pikepdf.parse_content_stream(holder):
        operands, operator = instruction.operands, instruction.operator
        category = _RESOURCE_OPERATORS.get(str(operator))
        if category and operands and isinstance(operands[0], Name):
            used.setdefault(category, set()).add(str(operands[0]))
        elif str(operator) in ("scn", "SCN") and operands and isinstance(operands[-1], Name):
            used.setdefault("/Pattern", set()).add(str(operands[-1]))
    return used


def _pruned(resources: Dictionary, used: dict[str, set[str]]) -> Dictionary:
    pruned = Dictionary()
    for category in resources.keys():
        entries = resources[category]
        if category == "/ColorSpace" or not isinstance(entries, Dictionary):
            pruned[category] = entries      # images and gradients name spaces too
            continue
        kept = {name: entries[name] for name in entries.keys()
                if name in used.get(category, ())}
        if kept:
            pruned[category] = Dictionary(kept)
    return pruned


def transparency(holder, seen: set | None = None) -> str:
    """What makes this page (or form) transparent, described; empty if nothing does."""
    seen = set() if seen is None else seen
    resources = holder.get("/Resources")
    if resources is None:
        return ""
    for state in resources.get("/ExtGState", {}).values():
        if why := _transparent_state(state):
            return why
    for category in ("/XObject", "/Pattern"):
        for child in resources.get(category, {}).values():
            if not isinstance(child, pikepdf.Stream):
                continue
            if child.get("/Subtype") == "/Image" and "/SMask" in child:
                return "an image with an alpha channel"
            if child.objgen in seen:
                continue
            seen.add(child.objgen)
            if "/Group" in child:
                return "a transparency group"
            if why := transparency(child, seen):
                return why
    return ""


def _transparent_state(state) -> str:
    """What makes a graphics state (ExtGState) transparent; empty if nothing does."""
    if float(state.get("/CA", 1)) < 1 or float(state.get("/ca", 1)) < 1:
        return "an element drawn with opacity (opacity, or an rgba colour)"
    mask = state.get("/SMask")
    if mask is not None and mask != Name("/None"):
        return "a soft mask"
    blend = state.get("/BM")
    if blend is not None and str(blend[0] if isinstance(blend, Array) else blend) \
            not in ("/Normal", "/Compatible"):
        return f"the blend mode {blend}"
    return ""


def remove_opaque_groups(pdf: pikepdf.Pdf) -> None:
    """Drop transparency groups around content with nothing transparent in it: an
    isolated, non-knockout group of opaque content looks the same without."""
    def visit(resources) -> None:
        if resources is None:
            return
        for category in ("/XObject", "/Pattern"):
            for child in resources.get(category, {}).values():
                if isinstance(child, pikepdf.Stream) and (
                        child.get("/Subtype") == "/Form" or child.get("/PatternType") == 1):
                    visit(child.get("/Resources"))
                    if "/Group" in child and not transparency(child):
                        del child["/Group"]

    for page in pdf.pages:
        visit(page.obj.get("/Resources"))
        if "/Group" in page.obj and not transparency(page.obj):
            del page.obj["/Group"]


# -- colour --------------------------------------------------------------------------

_RGB_SPACES = ("/DeviceRGB", "/CalRGB")


def convert_to_cmyk(pdf: pikepdf.Pdf, converter: CmykConverter) -> None:
    """Every colour of the document in CMYK: content streams, images, gradients,
    transparency groups. Raises UnconvertibleColour for what it cannot convert."""
    seen: set[tuple[int, int]] = set()
    streams: list = []                  # (content stream, its resources)
    for page in pdf.pages:
        _convert_group(page.obj)
        page.contents_coalesce()
        streams.append((page.obj.Contents, page.obj.get("/Resources")))
        _collect(page.obj.get("/Resources"), converter, seen, streams)
    # Streams first: a colour space named in a resource dictionary is converted
    # only after every stream using it has been read with the original.
    for stream, resources in streams:
        _convert_stream(stream, resources, converter)
    for _, resources in streams:
        _convert_spaces(resources, converter, seen)


def _once(obj, seen: set) -> bool:
    if not obj.is_indirect:
        return True
    key = obj.objgen
    if key in seen:
        return False
    seen.add(key)
    return True


def _convert_group(obj) -> None:
    group = obj.get("/Group")
    if group is not None and _is_rgb(group.get("/CS")):
        group.CS = Name.DeviceCMYK


def _is_rgb(space) -> bool:
    if space is None:
        return False
    if isinstance(space, Name):
        return str(space) in _RGB_SPACES
    if isinstance(space, Array) and len(space) >= 2:
        family = str(space[0])
        if family in _RGB_SPACES:
            return True
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
    return False


def _collect(resources, converter, seen, streams) -> None:
    """Convert the images, gradients and groups below ``resources``; gather the
    content streams (forms, tiling patterns, soft masks) for _convert_stream."""
    if resources is None or not _once(resources, seen):
        return
    for name, xobject in dict(resources.get("/XObject", {})).items():
        if not _once(xobject, seen):
            continue
        if xobject.get("/Subtype") == "/Image":
            _convert_image(xobject, converter, name)
        elif xobject.get("/Subtype") == "/Form":
            _convert_group(xobject)
            streams.append((xobject, xobject.get("/Resources")))
            _collect(xobject.get("/Resources"), converter, seen, streams)
    for name, pattern in dict(resources.get("/Pattern", {})).items():
        if not _once(pattern, seen):
            continue
        if int(pattern.get("/PatternType", 0)) == 1:          # tiling: content
            streams.append((pattern, pattern.get("/Resources")))
            _collect(pattern.get("/Resources"), converter, seen, streams)
        else:
            _convert_shading(pattern.Shading, converter, name)
    for name, shading in dict(resources.get("/Shading", {})).items():
        if _once(shading, seen):
            _convert_shading(shading, converter, name)
    _collect_masks(resources, converter, seen, streams)


def _collect_masks(resources, converter, seen, streams) -> None:
    """The soft masks of the graphics states below ``resources``, as _collect."""
    for state in dict(resources.get("/ExtGState", {})).values():
        mask = state.get("/SMask")
        if isinstance(mask, Dictionary) and "/G" in mask and _once(mask.G, seen):
            _convert_group(mask.G)
            streams.append((mask.G, mask.G.get("/Resources")))
            _collect(mask.G.get("/Resources"), converter, seen, streams)
            if "/BC" in mask and len(mask.BC) == 3:
                mask.BC = Array(converter.colour(*map(float, mask.BC)))


def _convert_spaces(resources, converter, seen) -> None:
    spaces = resources.get("/ColorSpace") if resources is not None else None
    if spaces is None or not _once(spaces, seen):
        return
    for name, space in dict(spaces).items():
        if _is_rgb(space):
            spaces[name] = Name.DeviceCMYK
        elif isinstance(space, Array) and len(space) == 4 and str(space[0]) == "/Indexed" \
                and _is_rgb(space[1]):
            spaces[name] = _indexed_cmyk(space, converter)


def _indexed_cmyk(space, converter) -> Array:
    lookup = space[3]
    table = lookup.read_bytes() if isinstance(lookup, pikepdf.Stream) else bytes(lookup)
    out = bytearray()
    for index in range(0, len(table) - 2, 3):
        out += bytes(round(v * 255) for v in converter.colour(
            *(table[index + i] / 255 for i in range(3))))
    return Array([Name.Indexed, Name.DeviceCMYK, space[2], pikepdf.String(bytes(out))])


def _convert_image(image, converter, name) -> None:
    space = image.get("/ColorSpace")
    indexed = isinstance(space, Array) and len(space) == 4 and str(space[0]) == "/Indexed"
    if not (_is_rgb(space) or (indexed and _is_rgb(space[1]))):
        return
    if indexed:
        image.ColorSpace = _indexed_cmyk(space, converter)
        return
    try:
        pil = pikepdf.PdfImage(image).as_pil_image()
    except Exception as error:      # noqa: BLE001 - pikepdf raises several kinds
        raise UnconvertibleColour(f"image {name} cannot be read for colour "
                                  f"conversion ({error})") from None
    cmyk = converter.image(pil)
    image.write(zlib.compress(cmyk.tobytes()), filter=Name.FlateDecode)
    image.ColorSpace = Name.DeviceCMYK
    image.BitsPerComponent = 8
    for key in ("/DecodeParms", "/Decode"):
        if key in image:
            del image[key]


def _convert_shading(shading, converter, name) -> None:
    if not _is_rgb(shading.get("/ColorSpace")):
        return
    shading.ColorSpace = Name.DeviceCMYK
    if "/Background" in shading:
        shading.Background = Array(converter.colour(*map(float, shading.Background)))
    functions = shading.get("/Function")
    for function in (functions if isinstance(functions, Array) else [functions]):
        _convert_function(function, converter, name)


def _convert_function(function, converter, name) -> None:
    kind = int(function.get("/FunctionType", -1))
    if kind == 2:
        for key in ("/C0", "/C1"):
            values = [float(v) for v in function.get(key, [0, 0, 0] if key == "/C0"
                                                      else [1, 1, 1])]
            function[key] = Array(converter.colour(*values))
        if "/Range" in function:
            function.Range = Array([0, 1] * 4)
    elif kind == 3:
        for child in function.Functions:
            _convert_function(child, converter, name)
    else:
        raise UnconvertibleColour(f"gradient {name} uses a colour function of type {kind}")


# What a content stream draws with its current colour, and how that colour is
# chosen (_ink): text by its size, lines and areas by their kind.
_TEXT_SHOW = {"Tj", "TJ", "'", '"'}
_FILL_PAINT = {"f", "F", "f*"}
_STROKE_PAINT = {"S", "s"}
_BOTH_PAINT = {"B", "B*", "b", "b*"}
_PATH_BUILD = {"m", "l", "c", "v", "y", "h", "re"}
_PATH_END = _FILL_PAINT | _STROKE_PAINT | _BOTH_PAINT | {"n"}
SMALL_TEXT_PT = 12.0        # below this, text is "small": running heads, captions, notes
RULE_PT = 4.0               # a fill this thin (or clipped this thin) is a line: a rule
GREYISH = 0.1               # text and rules whose channels differ less: black ink only
NEAR_BLACK = 0.8            # a black-ink tint at least this dark prints as solid black


def ink(converter: CmykConverter, rgb: tuple[float, float, float], use: str) -> tuple:
    """The CMYK for an sRGB colour drawn as ``use``: "text", "small text", "line"
    or "area".

    Text and lines in a grey, even a slightly tinted one (#5a5f70), print in black
    ink alone: in four inks small type blurs with any misregistration. A near-black
    (the CSS ink #1d1d1f) prints as solid black, not as a screened 88 % tint. Areas
    keep the profile's colour unless they are strictly grey.
    """
    r, g, b = rgb
    spread = max(rgb) - min(rgb)
    if use != "area" and spread < GREYISH:
        black = round(1 - (0.299 * r + 0.587 * g + 0.114 * b), 4)
        return (0.0, 0.0, 0.0, 1.0 if black >= NEAR_BLACK else black)
    return converter.colour(r, g, b)


@dataclass
class _Paint:
    """One of the fill or stroke colours of the graphics state: the sRGB colour set
    (None when the stream set a colour of another space), and the CMYK written for it."""

    rgb: tuple[float, float, float] | None = None
    written: tuple | None = None


def _matrix(a, b) -> tuple:
    """The product of two PDF matrices [a b c d e f]."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def _thinness(path: list, ctm: tuple) -> float:
    """The smaller side, in points on the page, of the box around a path."""
    points = []
    for operands, operator in path:
        values = [float(v) for v in operands]
        if operator == "re" and len(values) == 4:
            x, y, w, h = values
            points += [(x, y), (x + w, y + h), (x + w, y), (x, y + h)]
        else:
            points += list(zip(values[::2], values[1::2], strict=False))
    if not points:
        return float("inf")
    placed = [(x * ctm[0] + y * ctm[2] + ctm[4], x * ctm[1] + y * ctm[3] + ctm[5])
              for x, y in points]
    xs, ys = [p[0] for p in placed], [p[1] for p in placed]
    return min(max(xs) - min(xs), max(ys) - min(ys))


def _scale(m) -> float:
    return abs(m[0] * m[3] - m[1] * m[2]) ** 0.5


# C901 (complexity) allowed: a content-stream interpreter: every operator reads and writes one
# graphics state.
def _convert_stream(stream, resources, converter) -> None:  # noqa: C901
    """Rewrite the colour operators of one content stream.

    An RGB colour is written in CMYK only where something is drawn with it, as then
    it is known whether it is small text, text, a line or an area (_ink). Colour
    operators may not stand inside a path, so a path is held back until it is
    painted and its colour written before it.
    """
    spaces = resources.get("/ColorSpace", {}) if resources is not None else {}
    out: list = []
    fill, stroke = _Paint(), _Paint()
    ctm: tuple = (1, 0, 0, 1, 0, 0)
    text_matrix: tuple = (1, 0, 0, 1, 0, 0)
    font_size = 0.0
    outlined = False        # text rendering modes that stroke the glyphs
    stack: list = []
    path: list = []         # path construction held back until it is painted
    thin_clip = False       # the clipping path is a rule's (WeasyPrint clips borders)
    changed = False

    def emit(operands, operator) -> None:
        out.append(pikepdf.ContentStreamInstruction(operands, Operator(operator)))

    def paint(which: _Paint, operator: str, use: str) -> None:
        if which.rgb is None:
            return
        cmyk = ink(converter, which.rgb, use)
        if cmyk != which.written:
            emit(list(cmyk), operator)
            which.written = cmyk

    for instruction in pikepdf.parse_content_stream(stream):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            raise UnconvertibleColour("an inline image cannot be converted to CMYK")
        operands, operator = list(instruction.operands), str(instruction.operator)
        if operator in _PATH_BUILD or (path and operator in ("W", "W*")):
            path.append((operands, operator))
            continue
        if operator == "q":
            stack.append((_Paint(fill.rgb, fill.written), _Paint(stroke.rgb, stroke.written),
                          ctm, thin_clip))
        elif operator == "Q" and stack:
            fill, stroke, ctm, thin_clip = stack.pop()
        elif operator == "cm" and len(operands) == 6:
            ctm = _matrix(tuple(map(float, operands)), ctm)
        elif operator == "BT":
            text_matrix = (1, 0, 0, 1, 0, 0)
        elif operator == "Tm" and len(operands) == 6:
            text_matrix = tuple(map(float, operands))
        elif operator == "Tr" and operands:
            outlined = int(operands[0]) in (1, 2, 5, 6)
        elif operator == "Tf" and len(operands) == 2:
            font_size = abs(float(operands[1]))
        elif operator in ("rg", "RG") and len(operands) == 3:
            which = fill if operator == "rg" else stroke
            which.rgb = tuple(float(v) for v in operands)      # type: ignore[assignment]
            changed = True
            continue                    # written where it is used
        elif operator in ("cs", "CS"):
            which = fill if operator == "cs" else stroke
            name = str(operands[0])
            if name == "/DeviceRGB" or _is_rgb(spaces.get(name)):
                which.rgb, which.written = (0.0, 0.0, 0.0), None    # the initial colour
                changed = True
                continue
            which.rgb, which.written = None, None
        elif operator in ("sc", "scn", "SC", "SCN"):
            which = fill if operator in ("sc", "scn") else stroke
            if which.rgb is not None and len(operands) == 3:
                which.rgb = tuple(float(v) for v in operands)  # type: ignore[assignment]
                continue
        elif operator in ("g", "G", "k", "K"):
            which = fill if operator in ("g", "k") else stroke
            which.rgb = which.written = None
        elif operator in _TEXT_SHOW:
            size = font_size * _scale(_matrix(text_matrix, ctm))
            use = "small text" if size < SMALL_TEXT_PT else "text"
            paint(fill, "k", use)
            if outlined:
                paint(stroke, "K", use)
        elif operator in _PATH_END:
            shape = [(o, op) for o, op in path if op in _PATH_BUILD]
            thin = thin_clip or _thinness(shape, ctm) < RULE_PT
            if any(op in ("W", "W*") for _, op in path) and _thinness(shape, ctm) < RULE_PT:
                thin_clip = True
            if operator in _FILL_PAINT | _BOTH_PAINT:
                paint(fill, "k", "line" if thin else "area")
            if operator in _STROKE_PAINT | _BOTH_PAINT:
                paint(stroke, "K", "line")
            for held in path:
                emit(*held)
            path = []
        elif operator == "Do":
            # A form draws with the colours it inherits, an image mask with the fill.
            paint(fill, "k", "area")
            paint(stroke, "K", "line")
        emit(operands, operator)
    for held in path:
        emit(*held)
    if changed:
        stream.write(pikepdf.unparse_content_stream(out))


def share_profiles(pdf: pikepdf.Pdf) -> int:
    """Make every copy of an ICC profile one object; the number of copies dropped.

    An issue put together from pieces (assemble.py) has each piece's colour spaces,
    each with its own copy of the output intent's profile: 139 KB again for every
    piece. Identical profiles (same bytes) become the first one met, the output
    intent's; the copies are then referenced nowhere and not written.
    """
    kept: dict[str, Any] = {}
    intents = pdf.Root.get("/OutputIntents")
    for intent in intents if intents is not None else []:
        profile = intent.get("/DestOutputProfile")
        if isinstance(profile, pikepdf.Stream):
            kept.setdefault(_profile_key(profile), profile)
    return sum(_share_profiles_in(obj, kept) for obj in pdf.objects
               if isinstance(obj, (Array, Dictionary, pikepdf.Stream)))


def _profile_key(stream) -> str:
    import hashlib
    return hashlib.sha256(stream.read_raw_bytes()
                          + repr(stream.get("/Filter")).encode()).hexdigest()


def _share_profiles_in(obj, kept: dict[str, Any]) -> int:
    """share_profiles in one object and the direct objects in it: the copies dropped."""
    if isinstance(obj, Array):
        if len(obj) == 2 and obj[0] == Name.ICCBased and isinstance(obj[1], pikepdf.Stream):
            first = kept.setdefault(_profile_key(obj[1]), obj[1])
            if first.objgen != obj[1].objgen:
                obj[1] = first
                return 1
            return 0
        items = iter(obj)
    elif isinstance(obj, (Dictionary, pikepdf.Stream)):
        items = (obj[name] for name in obj.keys())
    else:
        return 0
    return sum(_share_profiles_in(item, kept) for item in items
               if isinstance(item, (Array, Dictionary)) and not item.is_indirect)


# -- crop marks ----------------------------------------------------------------------

def add_crop_marks(pdf: pikepdf.Pdf, bleed_mm: float) -> None:
    """A slug around every page with crop marks in it, outside the bleed.

    WeasyPrint's ``marks: crop`` draws them inside the bleed, where a cover's
    background hides them and the guillotine cuts through them. The page grows by
    the slug; TrimBox (the cut page) and BleedBox stay as WeasyPrint set them.
    """
    slug = (bleed_mm + GAP_MM + MARK_LENGTH_MM + GAP_MM) * MM
    registration = pdf.make_indirect(registration_colour())
    for page in pdf.pages:
        if "/Resources" not in page.obj:
            page.obj.Resources = Dictionary()
        if "/ColorSpace" not in page.obj.Resources:
            page.obj.Resources.ColorSpace = Dictionary()
        page.obj.Resources.ColorSpace[REGISTRATION] = registration
        left, bottom, right, top = (float(v) for v in page.obj.TrimBox)
        media = Array([left - slug, bottom - slug, right + slug, top + slug])
        page.obj.MediaBox = media
        page.obj.CropBox = media
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(b"\nQ\n" + _marks(left, bottom, right, top,
                                                             bleed_mm)))


REGISTRATION = "/FolioRegistration"


def registration_colour() -> Array:
    """The registration colour: the Separation /All, which a RIP puts on every plate
    (separations included), where ``1 1 1 1 K`` is four process inks only and is
    counted as a 400 % ink area."""
    return Array([Name.Separation, Name.All, Name.DeviceCMYK, Dictionary(
        FunctionType=2, Domain=Array([0, 1]), C0=Array([0, 0, 0, 0]),
        C1=Array([1, 1, 1, 1]), N=1)])


def _marks(left: float, bottom: float, right: float, top: float, bleed_mm: float) -> bytes:
    """Two short lines per corner, on the lines of the trim, starting past the bleed,
    in registration colour, as printers' marks are."""
    start = (bleed_mm + GAP_MM) * MM
    end = start + MARK_LENGTH_MM * MM
    ops = [f"{LINE_WIDTH_PT} w {REGISTRATION} CS 1 SCN [] 0 d"]
    for x, sx in ((left, -1), (right, 1)):
        for y, sy in ((bottom, -1), (top, 1)):
            ops.append(f"{x + sx * start:.3f} {y:.3f} m {x + sx * end:.3f} {y:.3f} l S")
            ops.append(f"{x:.3f} {y + sy * start:.3f} m {x:.3f} {y + sy * end:.3f} l S")
    return ("\n".join(ops) + "\n").encode("ascii")
