"""Issue 28, point 7: messages that named no place or gave a wrong hint. Each
names the file and line and says what to do; each test failed before its fix."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO, problems_of

from folio.pipeline.run import BuildOptions, build

ARTICLE = "content/journal/2024-no2/first.en.md"
NOTICE = "content/notices/open-day.en.md"


def cli(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(root), *args],
                          capture_output=True, text=True, cwd=root,
                          env={**os.environ, **(env or {})}, timeout=300)


def allow_html(root: Path) -> None:
    config = root / "publication.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "allow_html: true\n",
                      encoding="utf-8")


# -- an image raw HTML or CSS names that cannot be loaded ----------------------------------

@pytest.mark.parametrize("make, said", [
    (None, "there is no file {src} in the publication"),
    ("folder", "{src} is a folder, not an image"),
    ("text", "{src} is not an image WeasyPrint can read (cannot identify image file)"),
])
def test_a_raw_html_image_that_cannot_be_loaded_is_named_at_its_line(tiny: Path, make, said):
    allow_html(tiny)
    src = "figures/missing.png"
    if make == "folder":
        (tiny / src).mkdir(parents=True)
    elif make == "text":
        (tiny / src).parent.mkdir(parents=True)
        (tiny / src).write_text("not a picture", encoding="utf-8")
    (tiny / NOTICE).write_text(f'---\ntitle: Open Day\n---\nIntro.\n\n<p>Look:\n<img src="{src}" '
                               'alt="a figure"></p>\n', encoding="utf-8")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"{NOTICE}:7: image cannot be printed: {said.format(src=src)}"
                              " — "), message
    assert "URLError" not in message and "0x" not in message


def test_a_missing_image_in_a_stylesheet_is_named_at_its_line(tiny: Path):
    (tiny / "templates").mkdir()
    css = (REPO / "templates/notice.css").read_text(encoding="utf-8")
    (tiny / "templates/notice.css").write_text(
        css + "\nbody {\n  background: url(paper.png);\n}\n", encoding="utf-8")
    line = len(css.splitlines()) + 3
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"templates/notice.css:{line}: image cannot be printed: there "
                              "is no file paper.png in the publication — save the image "
                              "there or correct the path"), message


# -- a template asking for a template outside templates/ -----------------------------------

@pytest.mark.parametrize("tag, said", [
    ('{% include "../../../../etc/passwd" %}', "template '../../../../etc/passwd' leads out "
                                               "of templates/"),
    ('{% include "/etc/passwd" %}', "template '/etc/passwd' leads out of templates/"),
    ('{% include "../publication.yaml" %}', "template '../publication.yaml' leads out of "
                                            "templates/"),
    ('{% import "../../macros.j2" as m %}', "template '../../macros.j2' leads out of "
                                            "templates/"),
    ('{{ stylesheet("../../secret.css") }}', "template '../../secret.css' leads out of "
                                             "templates/"),
    ('{% include "no-such-part.html.j2" %}', "template 'no-such-part.html.j2' not found"),
])
def test_a_refused_include_names_the_template_and_line(tiny: Path, tag: str, said: str):
    (tiny / "templates").mkdir()
    masthead = (REPO / "templates/notice_masthead.html.j2").read_text(encoding="utf-8")
    lines = masthead.splitlines(keepends=True)
    lines.insert(2, f"<div>{tag}</div>\n")
    (tiny / "templates/notice_masthead.html.j2").write_text("".join(lines), encoding="utf-8")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"templates/notice_masthead.html.j2:3: {said}"), message
    assert " — " in message


# -- what the machine refused, said as it is -----------------------------------------------

@pytest.mark.parametrize("out, said", [
    ("a-file", "a-file: --out names a file, not a folder — name a folder"),
    ("a-file/ko", "a-file: --out: a-file is a file, not a folder — name a folder"),
])
def test_i18n_export_out_that_is_a_file_says_so(tiny: Path, out: str, said: str):
    (tiny / "a-file").write_text("x", encoding="utf-8")
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "i18n", "export", "--root",
                           str(tiny), "--lang", "ko", "--out", out], capture_output=True,
                          text=True, cwd=tiny, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith(f"error: {said}"), done.stderr
    assert "disk" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("code, said", [
    (30, "the file system is read-only — choose another folder with --out"),     # EROFS
    (13, "permission denied — check its permissions"),                           # EACCES
    (28, "the disk is full — free some space"),                                  # ENOSPC
    (5, "the disk reported an input/output error"),                              # EIO
])
def test_a_refused_write_says_the_real_cause_and_the_file(tiny: Path, monkeypatch, capsys,
                                                          code: int, said: str):
    from folio.cli import main
    from folio.i18n import transfer

    def refuse(path, data):
        raise OSError(code, os.strerror(code), str(path))
    monkeypatch.setattr(transfer, "write_atomically", refuse)
    monkeypatch.chdir(tiny)
    assert main(["i18n", "export", "--root", str(tiny), "--lang", "ko", "--out", "x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: x/") and f".po: {said}" in err, err
    if code != 28:
        assert "disk has room" not in err and "full" not in err


# -- an output intent (ICC profile) that cannot be used -----------------------------------

CMYK_ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def with_profile(root: Path, variant: str, icc: str) -> int:
    """A profile ``press`` of ``variant`` whose output intent is ``icc``; the line of
    publication.yaml that names it."""
    config = root / "publication.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f"profiles:\n  press:\n    variant: {variant}\n    bleed: 3mm\n"
                      f"    output_intent: \"{icc}\"\n", encoding="utf-8")
    return len(text.splitlines()) + 5


@pytest.mark.parametrize("variant", ["pdf/x-1a", "pdf/x-4"])
def test_a_damaged_icc_profile_is_named_at_its_line(tiny: Path, variant: str):
    (tiny / "press.icc").write_bytes(CMYK_ICC.read_bytes()[:128] + b"\0" * 64)  # header only
    line = with_profile(tiny, variant, "press.icc")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",),
                            profile="press")
    assert message.startswith(f"publication.yaml:{line}: press/en/notice-open-day.pdf: the "
                              f"output intent {(tiny / 'press.icc').resolve()} "), message
    assert "— name a CMYK ICC profile that works in output_intent" in message


def test_an_icc_profile_with_a_korean_name_reaches_ghostscript(tiny: Path):
    """Ghostscript was given the profile's name as '???.icc', could not read it, and
    the message blamed transparency."""
    import pikepdf
    (tiny / "인쇄 프로필.icc").write_bytes(CMYK_ICC.read_bytes())
    with_profile(tiny, "pdf/x-1a", "인쇄 프로필.icc")
    build(BuildOptions(root=tiny, jobs=1, languages=("en",), only=("notice-open-day",),
                       profile="press"))
    with pikepdf.open(tiny / "output/press/en/notice-open-day.pdf") as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.DestOutputProfile.read_bytes() == CMYK_ICC.read_bytes()


def test_ghostscript_refusing_the_icc_profile_names_it(tiny: Path, tmp_path: Path,
                                                       monkeypatch):
    """What Ghostscript reports when it cannot open a file (on stdout: the only file
    its job opens is the output intent) is said of the profile, at its line."""
    fake = tmp_path / "bin/gs"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Error: /invalidfileaccess in --file--'\n"
                    "echo 'Last OS error: Permission denied'\n"
                    "echo 'GPL Ghostscript 10.00.0: Unrecoverable error, exit code 1' >&2\n"
                    "exit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    (tiny / "press.icc").write_bytes(CMYK_ICC.read_bytes())
    line = with_profile(tiny, "pdf/x-1a", "press.icc")
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",),
                            profile="press")
    assert message.startswith(f"publication.yaml:{line}: press/en/notice-open-day.pdf: "
                              "Ghostscript cannot read the output intent "
                              f"{(tiny / 'press.icc').resolve()} (invalidfileaccess: "
                              "Permission denied) — name a CMYK ICC profile"), message


# -- outputs stay where they belong -----------------------------------------------------------

@pytest.mark.parametrize("link", ["output", "output/en"])
def test_an_output_folder_linked_outside_the_publication_is_not_written_through(
        tiny: Path, tmp_path: Path, link: str):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tiny / link).parent.mkdir(parents=True, exist_ok=True)
    (tiny / link).symlink_to(elsewhere)
    [message] = problems_of(tiny, languages=("en",), only=("notice-open-day",))
    assert message.startswith(f"{link}: a link to {elsewhere.resolve()}, outside the "
                              "publication folder"), message
    assert "--out" in message
    assert list(elsewhere.iterdir()) == []


def test_i18n_export_does_not_write_through_a_linked_output(tiny: Path, tmp_path: Path):
    """The catalogs' folder (translations/) linked elsewhere is not written through."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tiny / "translations").symlink_to(elsewhere)
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "i18n", "export", "--root",
                           str(tiny), "--lang", "ko"], capture_output=True, text=True,
                          cwd=tiny, timeout=120)
    assert done.returncode == 1 and "outside the publication folder" in done.stderr
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("out, said", [
    ("content/journal/2024-no2/first.ko.md", "--out must name a .pdf file, not 'first.ko.md'"),
    ("content/journal/2024-no2/first.pdf", "--out names the publication's own sources"),
    ("templates/review.pdf", "--out names the publication's own sources"),
    ("publication.yaml", "--out must name a .pdf file"),
    ("notes.PDF", "--out names a file that is not a PDF"),
])
def test_review_never_writes_over_a_source_or_a_file_that_is_not_a_pdf(tiny: Path, out: str,
                                                                       said: str):
    (tiny / "notes.PDF").write_text("my notes", encoding="utf-8")
    before = {p: p.read_bytes() for p in tiny.rglob("*") if p.is_file()}
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "review", "first", "--lang",
                           "ko", "--root", str(tiny), "--out", out], capture_output=True,
                          text=True, cwd=tiny, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith(f"error: {out}: {said}"), \
        done.stderr
    assert {p: p.read_bytes() for p in tiny.rglob("*") if p.is_file()} == before


def test_build_out_into_the_content_is_refused(tiny: Path):
    message = problems_of(tiny, languages=("en",), out=tiny / "content")
    assert message == ["content: --out names the publication's own sources: what folio "
                       "writes must not replace or mix with content, templates or catalogs "
                       "— give --out a place outside content/, templates/ and locales/ (by "
                       "default folio writes to output/)"]
    assert not list((tiny / "content").rglob("*.pdf"))


# -- --jobs 1 --timeout N --------------------------------------------------------------------

def test_the_timeout_applies_with_one_job(tiny: Path):
    """A document that never ends is stopped with --jobs 1 too (it used to hang)."""
    script = f"""
import sys, time
from folio.cli import main
from folio.pipeline import kinds
real = kinds.make_pdf
def hanging(job):
    if job.name == "en/notice-open-day.pdf":
        time.sleep(120)
    return real(job)
kinds.make_pdf = hanging
sys.exit(main(["--root", {str(tiny)!r}, "--lang", "en", "--jobs", "1", "--timeout", "2"]))
"""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO, timeout=90)
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stderr
    assert "en/notice-open-day.pdf: no result after 2 s" in done.stderr, done.stderr
    assert (tiny / "output/en/journal-2024-no2.pdf").is_file()


@pytest.mark.parametrize("value", ["0", "-5", "nan", "soon"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_refused(tiny: Path, value: str):
    done = cli(tiny, "--timeout", value)
    assert done.returncode == 2 and "is not a number of seconds" in done.stderr
