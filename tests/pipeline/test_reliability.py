"""Every mistake gets a located message; nothing is half-written; output is reproducible."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from helpers import REPO, published

from folio import files as atomic_module
from folio.cli import main
from folio.errors import BuildError
from folio.pipeline.run import BuildOptions, build

OPEN_DAY = "content/notices/open-day.en.md"
REAL_FDOPEN = os.fdopen


def problems_of(root: Path, **options) -> list[str]:
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=root, jobs=1, **options))
    return [p.format(root) for p in caught.value.problems]


def override(root: Path, name: str, old: str, new: str) -> None:
    """Copy a bundled template into the publication's templates/ with one change."""
    bundled = (REPO / "templates" / name).read_text(encoding="utf-8")
    assert old in bundled
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(bundled.replace(old, new), encoding="utf-8")


# -- errors -------------------------------------------------------------------------

def test_template_syntax_error_names_template_and_line(tiny: Path):
    override(tiny, "notice_half.html.j2", "{% endif %}", "{% endiff %}")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith("templates/notice_half.html.j2:6: template syntax error: "
                              "Encountered unknown tag 'endiff'")


def test_undefined_template_variable_names_template_and_line(tiny: Path):
    override(tiny, "notice_half.html.j2", "{{ notice.title }}", "{{ notice.titel }}")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith("templates/notice_half.html.j2:6: template error: ")
    assert "'titel'" in message and "a field name may be misspelt" in message


def test_unsupported_css_in_a_template_is_an_error(tiny: Path):
    override(tiny, "notice.css", "@page {", ".notice-title { text-wobble: 3px; }\n@page {")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith("templates/notice.css:4: CSS: Ignored `text-wobble: 3px`")
    assert "unknown property" in message


def test_font_that_is_not_installed(tiny: Path):
    config = tiny / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "serif: [Noto Serif, Noto Serif CJK KR]", "serif: [Noto Serif Nowhere, Noto Serif]"),
        encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    line = _line_with(config, "Noto Serif Nowhere")
    assert any(m.startswith(f"publication.yaml:{line}: ") and "'Noto Serif Nowhere'" in m
               and "fc-list" in m for m in messages), messages


def _line_with(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(
        path.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


def test_a_font_not_installed_is_named_at_its_own_line(tiny: Path):
    """In a block list, the line of the family itself, not of 'fonts'."""
    config = tiny / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  en: {serif: [Noto Serif, Noto Serif CJK KR], sans: [Noto Sans, Noto Sans CJK KR]}",
        "  en:\n    serif: [Noto Serif]\n    sans:\n      - Noto Sans\n"
        "      - Missing Sans Face\n"), encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    line = _line_with(config, "Missing Sans Face")
    assert any(m.startswith(f"publication.yaml:{line}: font 'Missing Sans Face' is not "
                            "installed") for m in messages), messages


def test_several_problems_in_several_files_are_sorted_by_file(tiny: Path):
    (tiny / OPEN_DAY).write_text("---\ntitle: x\ndate: 2024-02-30\n---\n", encoding="utf-8")
    (tiny / "content/journal/2024-no2/first.en.md").write_text(
        "---\ntitel: x\n---\nSee[^1].\n", encoding="utf-8")
    messages = problems_of(tiny)
    files = [m.split(":")[0] for m in messages]
    assert files == sorted(files) and len(set(files)) == 2
    assert any("first.en.md:4: footnote [^1] has no definition" in m for m in messages)
    assert any("open-day.en.md:3" in m and "not a real date" in m for m in messages)


def test_a_50_mb_content_file_fails_fast(tiny: Path):
    with (tiny / OPEN_DAY).open("w", encoding="utf-8") as out:
        out.write("---\ntitle: x\n---\n")
        out.write(("word " * 1024 + "\n") * 10240)
    messages = problems_of(tiny, languages=("en",))
    assert messages == [f"{OPEN_DAY}: the file is 50.0 MB; a content file may be at most 5 MB "
                        "— check it is the right file (not an image or PDF renamed), or "
                        "split it"]


def test_a_yaml_bomb_fails_fast(tiny: Path):
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for index in range(1, 10):
        name, previous = chr(ord("a") + index), chr(ord("a") + index - 1)
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    (tiny / OPEN_DAY).write_text("---\ntitle: x\n" + "\n".join(levels) + "\n---\nBody\n",
                                 encoding="utf-8")
    messages = problems_of(tiny, languages=("en",))
    assert messages[0].startswith(f"{OPEN_DAY}:2: the YAML expands to more than 100,000 values")


def test_no_traceback_without_debug(tiny: Path, capsys):
    (tiny / "publication.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    assert main(["--root", str(tiny)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "publication.yaml:2" in err


# -- nothing half-written -------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in published(folder, "*")}


@pytest.fixture
def built_once(built_tiny: Path) -> Path:
    return built_tiny


class _BreaksMidway(io.RawIOBase):
    """A file that takes a few bytes and then fails, as a full disk or Ctrl-C would."""

    def __init__(self, handle: int, error: BaseException):
        self.real = REAL_FDOPEN(handle, "wb")
        self.error = error

    def write(self, data) -> int:
        self.real.write(bytes(data)[:100])
        self.real.flush()
        raise self.error

    def close(self):
        self.real.close()
        super().close()


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left")])
def test_an_interrupted_write_keeps_the_previous_pdf(built_once: Path, monkeypatch, jobs,
                                                     error):
    before = _snapshot(built_once / "output")
    (built_once / OPEN_DAY).write_text((built_once / OPEN_DAY).read_text(encoding="utf-8")
                                       .replace("welcome", "very welcome"), encoding="utf-8")
    monkeypatch.setattr(atomic_module.os, "fdopen",
                        lambda handle, mode="r", *a, **k: _BreaksMidway(handle, error)
                        if "w" in mode else REAL_FDOPEN(handle, mode, *a, **k))
    # Ctrl-C stops the build; a full disk is the editor's to fix, said as such.
    with pytest.raises((KeyboardInterrupt, BuildError)) as raised:
        build(BuildOptions(root=built_once, languages=("en",), only=("notice-open-day",),
                           jobs=jobs))
    if isinstance(error, OSError):
        assert "cannot write notice-open-day.pdf: the disk is full" in str(raised.value)
    assert _snapshot(built_once / "output") == before      # same files, same bytes, no temps


def test_a_failing_document_leaves_the_others_and_its_previous_pdf(built_once: Path):
    before = _snapshot(built_once / "output")
    (built_once / OPEN_DAY).write_text("---\ntitle: Open Day\n---\n" + "Long text. " * 3000,
                                       encoding="utf-8")
    (built_once / "content/journal/2024-no2/first.en.md").write_text(
        "---\ntitle: First Article\n---\nChanged.\n", encoding="utf-8")
    with pytest.raises(BuildError, match="does not fit on one page"):
        build(BuildOptions(root=built_once, languages=("en",), jobs=2))
    after = _snapshot(built_once / "output")
    assert after["en/notice-open-day.pdf"] == before["en/notice-open-day.pdf"]
    assert after["en/journal-2024-no2.pdf"] != before["en/journal-2024-no2.pdf"]
    assert set(after) == set(before)


def test_a_worker_that_dies_leaves_no_temporary_file(built_once: Path, monkeypatch):
    before = _snapshot(built_once / "output")

    main = os.getpid()      # which writes caches of its own (parsed Markdown)

    def dying(handle, mode="r", *args, **kwargs):
        if "w" in mode and os.getpid() != main:
            os.write(handle, b"%PDF-1.7 half")
            os._exit(1)                      # a crash: no Python clean-up runs
        return REAL_FDOPEN(handle, mode, *args, **kwargs)

    monkeypatch.setattr(atomic_module.os, "fdopen", dying)
    with pytest.raises(BuildError, match="stopped unexpectedly"):
        build(BuildOptions(root=built_once, languages=("en",), jobs=2, force=True))
    assert _snapshot(built_once / "output") == before


# -- reproducible -----------------------------------------------------------------

def test_same_input_same_bytes_anywhere(tiny_built: Path, tmp_path: Path):
    """A copy of the publication elsewhere, built to its own output folder, gives the
    bytes of the shared build (two processes both times; one process against two
    is test_pdf's)."""
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(tiny_built, copy, ignore=shutil.ignore_patterns("output"))
    build(BuildOptions(root=copy, jobs=2))
    def pdfs(snapshot: dict) -> dict:      # the manifest records paths; PDFs may not
        return {name: digest for name, digest in snapshot.items() if name.endswith(".pdf")}
    first = pdfs(_snapshot(tiny_built / "output"))
    assert pdfs(_snapshot(copy / "output")) == first
    assert len(first) == 5


def test_dates_come_from_content_or_source_date_epoch(tiny: Path, monkeypatch):
    from pypdf import PdfReader
    text = (tiny / OPEN_DAY).read_text(encoding="utf-8").replace("date: 2024-06-01\n", "")
    (tiny / OPEN_DAY).write_text(text, encoding="utf-8")
    options = BuildOptions(root=tiny, languages=("en",), jobs=1)
    build(options)
    assert "/CreationDate" not in PdfReader(tiny / "output/en/notice-open-day.pdf").metadata
    journal = PdfReader(tiny / "output/en/journal-2024-no2.pdf").metadata
    assert journal["/CreationDate"].startswith("D:20240510")      # printed
    assert journal["/ModDate"].startswith("D:20240517")           # the issue date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")       # 2023-11-14
    build(options)
    notice = PdfReader(tiny / "output/en/notice-open-day.pdf").metadata
    assert notice["/CreationDate"].startswith("D:20231114")
