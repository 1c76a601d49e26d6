"""Issue 28, nothing silent (round 3): text that vanished, Korean that fell apart,
numbers that changed. Each test builds the tiny publication and reads the PDF back."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from helpers import pdftotext, problems_of

from folio.pipeline.run import BuildOptions, build

NOTICE_KO = "content/notices/open-day.ko.md"
NOTICE_EN = "content/notices/open-day.en.md"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_decomposed_korean_prints_as_whole_syllables(tiny: Path):
    """Korean pasted from macOS is decomposed (NFD); the build composes it where it
    is read (Markdown, front matter, YAML files, and the names of files it links)."""
    figures = tiny / "content/notices"
    (figures / nfd("지도.svg")).write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        '<rect width="40" height="20"/></svg>', encoding="utf-8")
    (tiny / NOTICE_KO).write_text(nfd(
        "---\ntitle: 공개의 날\ndate: 2024-06-01\nplace: 진주 창의도시 센터\n---\n"
        "방문을 환영합니다. 창의도시는 지역의 문제를 스스로 해결하려고 노력한다.\n\n")
        + "![진주의 지도](지도.svg)\n", encoding="utf-8")       # the name as typed: composed
    issue = tiny / "content/journal/2024-no2/issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("논문", nfd("연구 논문")),
                     encoding="utf-8")
    build(BuildOptions(root=tiny, jobs=1, languages=("ko",)))
    text = pdftotext(tiny / "output/ko/notice-open-day.pdf")
    for words in ("공개의 날", "진주 창의도시 센터", "창의도시는 지역의 문제를", "진주의 지도"):
        assert words in text, text
    assert not any(0x1100 <= ord(c) <= 0x11FF for c in text), "conjoining jamo printed"
    journal = pdftotext(tiny / "output/ko/journal-2024-no2.pdf")
    assert "연구 논문" in journal
    assert not any(0x1100 <= ord(c) <= 0x11FF for c in journal)


def test_yaml_values_print_as_written(tiny: Path):
    """YAML 1.1 read 10:30 as 630 (base 60), 06236 as 3230 (octal), 2.50 as 2.5."""
    (tiny / NOTICE_EN).write_text(
        "---\ntitle: Open Day\nsubtitle: 10:30\ndate: 2024-06-01\nplace: 06236\n"
        "contact: [2.50, 1.10, 0x1F]\n---\nVisitors are welcome.\n", encoding="utf-8")
    build(BuildOptions(root=tiny, jobs=1, languages=("en",)))
    text = pdftotext(tiny / "output/en/notice-open-day.pdf")
    for written in ("10:30", "06236", "2.50", "1.10", "0x1F"):
        assert written in text, (written, text)
    for rewritten in ("630", "3230", "2.5\n", "1.1\n", "31"):
        assert rewritten not in text, (rewritten, text)


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u202a", "\u2066", "\u2069"])
def test_bidi_controls_are_refused_at_their_line(tiny: Path, char: str):
    """U+202E and its kin print the text around them reversed: refused, in the
    Markdown and in the YAML, with the file and line."""
    (tiny / NOTICE_EN).write_text(
        f"---\ntitle: Open Day\ndate: 2024-06-01\nplace: Jinju {char}ytiC\n---\n"
        f"Visitors are welcome.\n\nPay {char}0001{chr(0x202c)} won.\n", encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    code = f"U+{ord(char):04X}"
    assert any(m.startswith(f"{NOTICE_EN}:4: field 'place': invisible bidirectional control "
                            f"{code} in the text") for m in messages), messages
    assert any(m.startswith(f"{NOTICE_EN}:8: invisible bidirectional control {code} in the "
                            "text: it would print the text around it in another order")
               for m in messages), messages
    assert not (tiny / "output/en/notice-open-day.pdf").exists()


@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_unicode_line_separators_are_located_not_notdef(tiny: Path, char: str):
    (tiny / NOTICE_EN).write_text(
        "---\ntitle: Open Day\ndate: 2024-06-01\nplace: Jinju\n---\n"
        f"Visitors are welcome.\n\nFirst line{char}second line.\n", encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    assert messages and all(m.startswith(f"{NOTICE_EN}:8: invisible ") for m in messages), \
        messages
    assert "no font draws it — replace it with a line break" in messages[0]
    assert not any("notdef" in m for m in messages)


@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_unicode_line_separators_in_yaml_are_located(tiny: Path, char: str):
    """YAML 1.1 ends a line at them: the message was about a missing ':' lines later."""
    (tiny / NOTICE_EN).write_text(
        f"---\ntitle: Open Day\ndate: 2024-06-01\nplace: Jinju{char}City\ncontact: x\n---\n"
        "Visitors are welcome.\n", encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    assert len(messages) == 1 and messages[0].startswith(f"{NOTICE_EN}:4: invisible "), messages
    assert "YAML would end the line there" in messages[0]


@pytest.mark.parametrize("name", ["content/notices/visit.en.MD",
                                  "content/journal/2024-no2/third.ko.Md",
                                  "content/notices/visit.en.markdown"])
def test_a_content_file_with_an_upper_case_extension_is_named(tiny: Path, name: str):
    path = tiny / name
    path.write_text("---\ntitle: Visit\n---\nText.\n", encoding="utf-8")
    messages = problems_of(tiny)
    suffix = path.suffix
    assert f"{name}: the file name ends in '{suffix}': only files ending in '.md' (lower " \
           f"case) are read — rename it to {path.name[:-len(suffix)]}.md" in messages, messages


def test_a_code_line_too_long_is_reported_at_its_line_with_a_hint_for_code(tiny: Path):
    long_line = "x = [" + ", ".join(str(n) for n in range(100)) + "]"
    (tiny / NOTICE_EN).write_text(
        "---\ntitle: Open Day\ndate: 2024-06-01\nplace: Jinju\n---\n"
        f"Visitors are welcome.\n\n```python\nshort = 1\n{long_line}\n```\n", encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"{NOTICE_EN}:10: "), messages
    assert "past the right edge" in messages[0]
    assert messages[0].endswith("— code prints as written and never wraps: break the line "
                                "(or shorten it)"), messages


def test_an_issue_folder_named_on_macos_gives_a_composed_file_name(tiny: Path):
    folder = tiny / "content/journal/2024-no2"
    folder.rename(folder.with_name(nfd("2024-봄호")))
    build(BuildOptions(root=tiny, jobs=1, languages=("ko",)))
    made = sorted(p.name for p in (tiny / "output/ko").glob("journal-*.pdf"))
    assert made == ["journal-2024-봄호.pdf"], made
