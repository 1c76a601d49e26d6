"""``folio handouts PROGRAMME``: a handout per event, fitted or refused in words an
editor acts on; the print shop's PDF, N-up sheets and a contact sheet read back."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pikepdf
import pytest
from helpers import make_tiny, pdftotext, with_profiles

from folio.cli import main

MM = 72 / 25.4
WORDS = ("the craft hall opens its doors to visitors who wish to learn traditional "
         "silk dyeing and pottery from local masters").split()


def _words(count: int) -> str:
    return " ".join(WORDS[i * 7 % len(WORDS)] for i in range(count))


PROGRAMME = """\
- title: {ko: 도자기 공방, en: Pottery Workshop}
  place: {ko: 진주 공예관, en: Jinju Craft Hall}
  description:
    ko: 흙을 만지며 그릇을 빚어 봅니다.
    en: Shape a bowl from clay.
  date: 2026-05-17
  time: 14:00
  contact: [craft@example.org]
- title: {ko: 비단 염색, en: Silk Dyeing}
  description: {ko: 진주 비단을 물들입니다., en: Dye Jinju silk.}
  date: 2026-05-18
- title: {ko: 탈춤, en: Mask Dance}
  description: {ko: 진주 오광대 공연., en: A performance of Jinju Ogwangdae.}
"""


@pytest.fixture(scope="module")
def pub(tmp_path_factory) -> Path:
    return with_profiles(make_tiny(tmp_path_factory.mktemp("handouts")))


def _run(capsys, root: Path, programme: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["handouts", str(programme), "--root", str(root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _box(page, name: str) -> tuple[float, float]:
    box = [float(v) for v in page.obj[name]] if name in page.obj else \
        [float(v) for v in page.mediabox]
    return round((box[2] - box[0]) / MM), round((box[3] - box[1]) / MM)


def test_a_programme_gives_every_handout_in_every_form(pub: Path, tmp_path: Path,
                                                      capsys) -> None:
    programme = _write(tmp_path, "spring.yaml", PROGRAMME)
    out = tmp_path / "out"
    code, stdout, err = _run(capsys, pub, programme, "--up", "2", "--up", "4", "--up", "8",
                             "--out", str(out))
    assert code == 0, err
    folder = out / "handouts/spring"
    screen = folder / "spring.pdf"
    with pikepdf.open(screen) as pdf:
        assert len(pdf.pages) == 3
        assert {_box(page, "/MediaBox") for page in pdf.pages} == {(148, 210)}   # A5
    pages = pdftotext(screen).split("\f")
    assert "도자기 공방" in pages[0] and "Pottery Workshop" in pages[0]
    assert "Jinju Craft Hall" in pages[0] and "14:00" in pages[0]
    assert "Mask Dance" in pages[2] and "탈춤" in pages[2]

    # The print shop's: PDF/X-4, A5 trim, 3 mm bleed, crop marks beyond it.
    printed = folder / "spring.print.pdf"
    with pikepdf.open(printed) as pdf:
        assert len(pdf.pages) == 3 and pdf.pdf_version == "1.6"
        assert "/OutputIntents" in pdf.Root
        for page in pdf.pages:
            assert _box(page, "/TrimBox") == (148, 210)
            assert _box(page, "/BleedBox") == (154, 216)
    assert "Silk Dyeing" in pdftotext(printed)
    assert main(["preflight", "--root", str(pub), "--profile", "print", str(printed)]) == 0
    assert "1 of 1 PDFs ready" in capsys.readouterr().out

    # N-up: 2 on A4 landscape, 4 and 8 on A4, every handout once, with cut marks.
    for up, sheets in ((2, 2), (4, 1), (8, 1)):
        with pikepdf.open(folder / f"spring.{up}up-A4.pdf") as pdf:
            assert len(pdf.pages) == sheets
            assert {tuple(sorted(_box(p, "/MediaBox"))) for p in pdf.pages} == {(210, 297)}
            marks = pdf.pages[0].Contents if not isinstance(pdf.pages[0].Contents,
                                                            pikepdf.Array) else \
                pdf.pages[0].Contents[-1]
            strokes = marks.read_bytes().count(b" l S")
            assert strokes == 8 * min(up, 3)          # two ticks at each of four corners
        text = pdftotext(folder / f"spring.{up}up-A4.pdf")
        assert all(title in text for title in ("Pottery Workshop", "Silk Dyeing",
                                                "Mask Dance"))
    contact = folder / "spring.contact.png"
    assert contact.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    with Image.open(contact) as image:
        assert image.width > 3 * 100                   # three thumbnails side by side
    assert "event 3: 탈춤" in stdout


@pytest.mark.parametrize("size, mm", [("A3", (297, 420)), ("A6", (105, 148)),
                                      ("B5", (176, 250)), ("letter", (216, 279))])
def test_paper_sizes(pub: Path, tmp_path: Path, capsys, size, mm) -> None:
    programme = _write(tmp_path, "one.yaml", PROGRAMME.split("- title: {ko: 비단")[0])
    code, _, err = _run(capsys, pub, programme, "--size", size, "--profile", "none",
                        "--out", str(tmp_path))
    assert code == 0, err
    with pikepdf.open(tmp_path / "handouts/one/one.pdf") as pdf:
        assert _box(pdf.pages[0], "/MediaBox") == mm
    assert not (tmp_path / "handouts/one/one.print.pdf").exists()


def _long(folder: Path, words: int, extra: str = "") -> Path:
    return _write(folder, "long.yaml", textwrap.dedent(f"""\
        - title: {{ko: 짧은 안내, en: Short}}
          description: {{ko: 짧습니다., en: Short.}}
        - title: {{ko: 긴 안내, en: Long Lecture}}
          description:
            ko: 진주 공예관에서 강연이 열립니다.
            en: {_words(words)}
        """) + extra)


def test_too_long_says_which_event_language_and_how_many_words(pub: Path, tmp_path: Path,
                                                               capsys) -> None:
    programme = _long(tmp_path, 400)
    code, _, err = _run(capsys, pub, programme, "--out", str(tmp_path / "out"))
    assert code == 1 and "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert "long.yaml:3:" in line and "event 2 “Long Lecture”" in line
    assert "the English text is about" in line and "Korean" not in line
    assert "'fit: shrink'" in line and "'pages: 2'" in line
    words = int(re.search(r"about (\d+) words too long", line)[1])
    assert 100 < words < 400
    assert not (tmp_path / "out").exists()             # nothing written

    # Shortened by what it said (and a little), it fits.
    shorter = _long(tmp_path, 400 - int(words * 1.15))
    code, _, err = _run(capsys, pub, shorter, "--profile", "none",
                        "--out", str(tmp_path / "out"))
    assert code == 0, err


def test_korean_is_counted_in_characters(pub: Path, tmp_path: Path, capsys) -> None:
    korean = "진주 공예관에서 전통 비단 염색과 도자기를 배웁니다. " * 60
    programme = _write(tmp_path, "ko.yaml", textwrap.dedent(f"""\
        - title: {{ko: 긴 안내, en: Long}}
          description:
            ko: {korean}
            en: Short.
        """))
    code, _, err = _run(capsys, pub, programme, "--profile", "none")
    assert code == 1
    assert re.search(r"event 1 “긴 안내”.*the Korean text is about \d+ characters too long",
                     err)


def test_fit_shrink_and_two_pages(pub: Path, tmp_path: Path, capsys) -> None:
    base = _long(tmp_path, 300)
    assert _run(capsys, pub, base, "--profile", "none")[0] == 1     # too long as it is
    shrink = _write(tmp_path, "shrink.yaml", base.read_text("utf-8") + "  fit: shrink\n")
    code, out, err = _run(capsys, pub, shrink, "--profile", "none",
                          "--out", str(tmp_path / "s"))
    assert code == 0, err
    size = float(re.search(r"event 2: .*shrunk: type (\d+\.\d) pt", out)[1])
    assert 7 <= size < 9
    with pikepdf.open(tmp_path / "s/handouts/shrink/shrink.pdf") as pdf:
        assert len(pdf.pages) == 2
        assert {_box(page, "/MediaBox") for page in pdf.pages} == {(148, 210)}
    two = _write(tmp_path, "two.yaml", base.read_text("utf-8") + "  pages: 2\n")
    code, out, err = _run(capsys, pub, two, "--profile", "none", "--out", str(tmp_path / "t"))
    assert code == 0, err
    assert "event 2: 긴 안내 (2 pages)" in out
    with pikepdf.open(tmp_path / "t/handouts/two/two.pdf") as pdf:
        assert len(pdf.pages) == 3

    # Far too long, even shrunk: said so, with the minimum type size.
    hopeless = _write(tmp_path, "hopeless.yaml",
                      _long(tmp_path, 900).read_text("utf-8") + "  fit: shrink\n")
    code, _, err = _run(capsys, pub, hopeless, "--profile", "none")
    assert code == 1 and "even with type shrunk to 7 pt" in err and "'pages: 2'" in err


def test_a_csv_programme(pub: Path, tmp_path: Path, capsys) -> None:
    programme = _write(tmp_path, "fair.csv",
                       "title_ko,title_en,description_ko,description_en,date,time,contact\n"
                       "공예 장터,Craft Fair,장인들의 장터.,A market of makers.,2026-06-01,"
                       "10:00,fair@example.org\n"
                       '"부채, 만들기",Fan Making,부채를 만듭니다.,"Make a fan, paint it.",,,\n')
    code, _, err = _run(capsys, pub, programme, "--profile", "none",
                        "--out", str(tmp_path))
    assert code == 0, err
    pages = pdftotext(tmp_path / "handouts/fair/fair.pdf").split("\f")
    assert "Craft Fair" in pages[0] and "fair@example.org" in pages[0]
    assert "부채, 만들기" in pages[1] and "Make a fan, paint it." in pages[1]


@pytest.mark.parametrize("name, text, says", [
    ("p.yaml", PROGRAMME.replace("en: Dye Jinju silk.", "en: ''"),
     r"p\.yaml:10: event 2: no English description — add 'en: …' under description"),
    ("p.yaml", PROGRAMME.replace("date: 2026-05-18", "date: next Tuesday"),
     r"p\.yaml:11: event 2: 'next Tuesday' is not a date — write it as YYYY-MM-DD"),
    ("p.yaml", PROGRAMME.replace("  date: 2026-05-18", "  dat: 2026-05-18"),
     r"p\.yaml:11: event 2: unknown field 'dat'"),
    ("p.yaml", PROGRAMME + "  fit: squeeze\n",
     r"p\.yaml:14: event 3: fit 'squeeze' is not one of: shrink"),
    ("p.csv", "title_ko,title_en,description_ko,description_en\nㄱ,A,ㄱ.,A.\nㄴ,B,,B.\n",
     r"p\.csv:3: event 2: no Korean description — fill in the column description_ko"),
    ("p.csv", "title_ko,title_fr\nㄱ,A\n", r"p\.csv:1: unknown column 'title_fr'"),
    ("p.txt", "hello", r"p\.txt: a programme is a \.yaml or \.csv file"),
    ("p.yaml", PROGRAMME.replace("Dye Jinju silk.", "Dye Jinju silk \U0001F9F5."),
     r"p\.yaml:9: event 2 “Silk Dyeing”, English: no declared font can draw"),
])
def test_programme_mistakes_are_located(pub: Path, tmp_path: Path, capsys, name, text,
                                        says) -> None:
    programme = _write(tmp_path, name, text)
    code, _, err = _run(capsys, pub, programme, "--out", str(tmp_path / "out"))
    assert code == 1 and "Traceback" not in err
    assert re.search(says, err), err
    assert not (tmp_path / "out").exists()


def test_without_a_print_profile_there_is_no_print_shop_pdf(tmp_path: Path, capsys) -> None:
    root = make_tiny(tmp_path)                       # declares no profiles
    programme = _write(tmp_path, "one.yaml", PROGRAMME.split("- title: {ko: 비단")[0])
    code, out, err = _run(capsys, root, programme)
    assert code == 0, err
    assert "no 'print' profile" in out
    assert not list((root / "output/handouts/one").glob("*.print.pdf"))
    assert (root / "output/handouts/one/one.pdf").is_file()
    code, _, err = _run(capsys, root, programme, "--profile", "print")
    assert code == 1 and "unknown profile 'print'" in err


@pytest.mark.parametrize("size, mm", [("A6", (105, 148)), ("A3", (297, 420))])
def test_notice_sheets_from_a3_posters_to_a6_cards(tmp_path: Path, capsys, size, mm) -> None:
    root = make_tiny(tmp_path)
    config = root / "publication.yaml"
    config.write_text(config.read_text("utf-8").replace(
        "page_size: A4", f"page_size: A4\nnotice_page_size: {size}"), encoding="utf-8")
    assert main(["build", "--root", str(root), "--jobs", "1", "--only", "notice-open-day",
                 "--lang", "en"]) == 0, capsys.readouterr().err
    with pikepdf.open(root / "output/en/notice-open-day.pdf") as pdf:
        assert _box(pdf.pages[0], "/MediaBox") == mm
    # A journal is not set on them: its page size is refused, with the sizes it has.
    config.write_text(config.read_text("utf-8").replace("page_size: A4\n",
                                                        f"page_size: {size}\n", 1),
                      encoding="utf-8")
    assert main(["build", "--root", str(root), "--jobs", "1"]) == 1
    assert f"'{size}' is not one of A4, A5, B5, letter" in capsys.readouterr().err
