"""Print profiles (bleed, crop marks, PDF variants) and bilingual handout layouts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from helpers import made_once, make_tiny, pdftotext, published, with_profiles
from pypdf import PdfReader

from folio.errors import BuildError
from folio.pipeline.run import BuildOptions, build

MM = 72 / 25.4
A4 = (595.28, 841.89)
A5 = (419.53, 595.28)


def box(page, name: str) -> tuple[float, float, float, float]:
    return tuple(round(float(v), 2) for v in getattr(page, name))


def xmp(path: Path) -> str:
    metadata = PdfReader(path).trailer["/Root"]["/Metadata"].get_object()
    return metadata.get_data().decode("utf-8")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    """The tiny publication, A5 notices, built with the print profile. Read-only."""
    def make(folder: Path) -> None:
        build(BuildOptions(root=with_profiles(make_tiny(folder), "notice_page_size: A5\n"),
                           profile="print", jobs=2))
    return made_once(tmp_path_factory, "tiny-print-a5", make) / "pub/output/print"


def test_print_profile_writes_beside_the_screen_files(printed: Path):
    assert sorted(str(p.relative_to(printed)) for p in published(printed)) == [
        "en/journal-2024-no2.pdf", "en/notice-open-day.pdf",
        "ko/journal-2024-no2.pdf", "ko/notice-open-day.pdf"]


@pytest.mark.parametrize("name, trim", [("ko/journal-2024-no2.pdf", A4),
                                        ("en/notice-open-day.pdf", A5)])
def test_bleed_trim_and_crop_mark_boxes(printed: Path, name, trim):
    for page in PdfReader(printed / name).pages:
        left, bottom, right, top = box(page, "trimbox")
        assert (left, bottom) == (0, 0)
        assert (right, top) == pytest.approx(trim, abs=0.05)
        b_left, b_bottom, b_right, b_top = box(page, "bleedbox")
        # 3 mm on every side: 6 mm more in each dimension.
        assert (b_right - b_left) - (right - left) == pytest.approx(6 * MM, abs=0.05)
        assert (b_top - b_bottom) - (top - bottom) == pytest.approx(6 * MM, abs=0.05)
        assert b_left == pytest.approx(-3 * MM, abs=0.05)
        m_left, m_bottom, m_right, m_top = box(page, "mediabox")
        assert m_left < b_left and m_right > b_right      # room for the marks
        assert box(page, "cropbox") == box(page, "mediabox")


def test_crop_marks_are_drawn_outside_the_bleed(printed: Path):
    content = PdfReader(printed / "en/notice-open-day.pdf").pages[0].get_contents().get_data()
    lines = re.findall(rb"(-?[\d.]+) (-?[\d.]+) m (-?[\d.]+) (-?[\d.]+) l S", content)
    assert len(lines) >= 8
    bleed = 3 * MM
    # The marks at the bottom-left corner: on the trim lines, beyond the bleed.
    horizontal = [tuple(map(float, line)) for line in lines
                  if float(line[1]) == 0 == float(line[3]) and float(line[0]) < 0]
    assert horizontal and all(max(x1, x2) <= -bleed for x1, _, x2, _ in horizontal)


def test_print_variant_is_claimed_with_an_output_intent(printed: Path):
    path = printed / "ko/journal-2024-no2.pdf"
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp(path)
    intent = PdfReader(path).trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 4     # CMYK


def test_the_cover_runs_into_the_bleed(printed: Path, tmp_path: Path):
    """Sample the rendered cover 1.5 mm outside the trim: the cover's colours, not white."""
    pdf = printed / "en/journal-2024-no2.pdf"
    out = tmp_path / "cover"
    subprocess.run(["pdftoppm", "-r", "72", "-f", "1", "-l", "1", str(pdf), str(out)],
                   check=True)
    data = next(tmp_path.glob("cover*.ppm")).read_bytes()
    _, width, height, _, pixels = data.split(maxsplit=4)
    width, height = int(width), int(height)
    slug = round((3 + 8) * MM)          # bleed + gap + mark + gap: where the trim starts
    inside_bleed = slug - round(1.5 * MM)

    def rgb(x, y):
        i = (y * width + x) * 3
        return tuple(pixels[i:i + 3])
    assert rgb(width // 2, inside_bleed) != (255, 255, 255)               # top: page colour
    bottom = rgb(width // 2, height - 1 - inside_bleed)                  # bottom: the band
    assert bottom[2] > bottom[0] + 30                                    # indigo
    assert rgb(2, 2) == (255, 255, 255)                                  # the slug is blank


def test_print_output_is_reproducible(printed: Path, tmp_path: Path):
    root = printed.parent.parent
    build(BuildOptions(root=root, profile="print", jobs=1, out=tmp_path / "again",
                       only=("journal-2024-no2",), languages=("ko",)))
    assert (tmp_path / "again/print/ko/journal-2024-no2.pdf").read_bytes() == \
        (printed / "ko/journal-2024-no2.pdf").read_bytes()


@pytest.mark.parametrize("profile, claim", [
    ("archive", "<pdfaid:part>3</pdfaid:part>"),
    ("accessible", "<pdfuaid:part>1</pdfuaid:part>"),
])
def test_archive_and_accessible_variants(tiny: Path, profile, claim):
    with_profiles(tiny)
    build(BuildOptions(root=tiny, profile=profile, jobs=1, languages=("ko",),
                       only=("notice-open-day",)))
    path = tiny / f"output/{profile}/ko/notice-open-day.pdf"
    text = xmp(path).replace('pdfaid:part="3"', "<pdfaid:part>3</pdfaid:part>") \
        .replace('pdfuaid:part="1"', "<pdfuaid:part>1</pdfuaid:part>")
    assert claim in text
    catalog = PdfReader(path).trailer["/Root"]
    if profile == "accessible":
        assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    else:
        assert catalog["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"


def test_screen_keeps_links_print_keeps_bookmarks_only(tiny: Path):
    """Links mean nothing on paper, and PDF/X allows no annotation on the printed
    page: the print profile keeps the bookmarks and drops the links."""
    with_profiles(tiny)
    for profile in ("screen", "print"):
        build(BuildOptions(root=tiny, profile=profile, jobs=1, languages=("en",),
                           only=("journal-2024-no2",)))
    for path, linked in ((tiny / "output/en/journal-2024-no2.pdf", True),
                         (tiny / "output/print/en/journal-2024-no2.pdf", False)):
        reader = PdfReader(path)
        assert [o.title for o in reader.outline if not isinstance(o, list)][:2] == [
            "Editorial Board", "Contents"]
        links = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])
                 if a.get_object()["/Subtype"] == "/Link"]
        assert any("/Dest" in link or "/A" in link for link in links) == linked


def test_unknown_profile_and_pdfx_without_output_intent(tiny: Path):
    with pytest.raises(BuildError, match="unknown profile 'press'"):
        build(BuildOptions(root=tiny, profile="press"))
    config = tiny / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "profiles:\n  print: {variant: pdf/x-1a}\n", encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=tiny, profile="print"))
    [problem] = caught.value.problems
    assert problem.line == 9 and "pdf/x-1a needs an output_intent" in problem.message


def test_profile_paper_thickness_and_tagging_settings(tiny: Path):
    from folio.config.publication import load_config
    config = tiny / "publication.yaml"
    base = config.read_text(encoding="utf-8")
    config.write_text(base + "profiles:\n  print: {paper_thickness: 0.15mm}\n",
                      encoding="utf-8")
    assert load_config(tiny).profile("print").paper_mm == 0.15
    for wrong, message in (("{paper_thickness: thick}", "'thick' is not a paper thickness"),
                           ("{variant: pdf/ua-1, tagged: false}",
                            "pdf/ua-1 is tagged PDF; it cannot be 'tagged: false'")):
        config.write_text(base + f"profiles:\n  print: {wrong}\n", encoding="utf-8")
        with pytest.raises(BuildError) as caught:
            build(BuildOptions(root=tiny, profile="print"))
        [problem] = caught.value.problems
        assert problem.line == 9 and message in problem.message, problem.message


# -- bilingual handouts ----------------------------------------------------------

def two_paragraph_notices(root: Path, layout: str | None, ko_paragraphs: int = 2) -> None:
    ko = ["방문을 환영합니다. 진주성 앞마당에서 공예 장인들이 작업을 보여 줍니다. " * 3,
          "문의는 비엔날레 사무국으로 해 주십시오."][:ko_paragraphs]
    en = ["Visitors are welcome. Craft masters show their work in front of Jinju Castle.",
          "Please send questions to the biennale office. " * 4]
    front = f"bilingual: {layout}\n" if layout else ""
    for code, title, paragraphs in (("ko", "공개의 날", ko), ("en", "Open Day", en)):
        (root / f"content/notices/open-day.{code}.md").write_text(
            f"---\ntitle: {title}\ndate: 2024-06-01\nplace: Jinju\n{front}---\n"
            + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def word_tops(pdf: Path, page: int = 1) -> dict[str, float]:
    """The top of the first occurrence of each word on a page (pdftotext -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout
    tops: dict[str, float] = {}
    for y, word in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>([^<]+)</word>', html):
        tops.setdefault(word, float(y))
    return tops


def test_side_by_side_starts_each_paragraph_pair_at_the_same_height(tiny: Path):
    two_paragraph_notices(tiny, "side-by-side")
    [result] = build(BuildOptions(root=tiny, languages=("bilingual",), jobs=1))
    assert result.pages == 1
    tops = word_tops(result.output)
    # Glyph tops differ a little between the Korean and Latin fonts' metrics; a line
    # of text is about 13 pt, so 4 pt apart is "the same height".
    assert tops["공개의"] == pytest.approx(tops["Open"], abs=4)
    assert tops["방문을"] == pytest.approx(tops["Visitors"], abs=4)
    # The Korean first paragraph is three times longer: the second pair starts below
    # it in both columns, not right after the short English one.
    assert tops["문의는"] == pytest.approx(tops["Please"], abs=4)
    assert tops["Please"] > tops["Visitors"] + 3 * 13


def test_side_by_side_needs_matching_paragraphs(tiny: Path):
    two_paragraph_notices(tiny, "side-by-side", ko_paragraphs=1)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=tiny, languages=("bilingual",), jobs=1))
    [problem] = caught.value.problems
    assert problem.path.name == "open-day.ko.md"
    assert "(open-day.ko.md has 1, open-day.en.md has 2)" in problem.message
    assert "'bilingual: stacked'" in problem.hint


def test_duplex_puts_one_language_on_each_side(tiny: Path):
    two_paragraph_notices(tiny, "duplex")
    [result] = build(BuildOptions(root=tiny, languages=("bilingual",), jobs=1))
    assert result.pages == 2
    front, back = (pdftotext(result.output, "-f", str(n), "-l", str(n)) for n in (1, 2))
    assert "방문을 환영합니다" in front and "Visitors" not in front
    assert "Visitors are welcome" in back and "방문을" not in back


def test_the_command_line_overrides_the_layout(tiny: Path):
    two_paragraph_notices(tiny, None)             # no bilingual sheet asked for
    assert build(BuildOptions(root=tiny, languages=("bilingual",), jobs=1)) == []
    [result] = build(BuildOptions(root=tiny, languages=("bilingual",), jobs=1,
                                  bilingual="duplex"))
    assert result.pages == 2 and result.output.name == "notice-open-day.pdf"
