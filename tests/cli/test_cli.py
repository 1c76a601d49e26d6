"""The command line: what an editor types and what they read back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import REPO

from folio.cli import main


def test_list_names_every_pdf_and_builds_nothing(tiny: Path, capsys):
    assert main(["--root", str(tiny), "--list"]) == 0
    out = capsys.readouterr().out.split()
    assert [str(Path(p).relative_to(tiny / "output")) for p in out] == [
        "ko/journal-2024-no2.pdf", "en/journal-2024-no2.pdf",
        "ko/notice-open-day.pdf", "en/notice-open-day.pdf"]
    assert not (tiny / "output").exists()


def test_lang_only_out_and_html(tiny: Path, tmp_path: Path, capsys):
    out = tmp_path / "elsewhere"
    code = main(["--root", str(tiny), "--lang", "ko", "--only", "notice-open-day",
                 "--out", str(out), "--html", "--jobs", "1"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wrote ")
    assert lines[0].endswith("ko/notice-open-day.pdf (1 page)")
    assert sorted(p.name for p in out.rglob("*.*")) == [".folio-manifest.json",
                                                        "notice-open-day.html",
                                                        "notice-open-day.pdf"]
    html = (out / "ko/notice-open-day.html").read_text(encoding="utf-8")
    assert '<html lang="ko-KR">' in html and "/tmp" not in html


def test_unknown_document_lists_the_known_ones(tiny: Path, capsys):
    assert main(["--root", str(tiny), "--only", "notice-closed"]) == 1
    err = capsys.readouterr().err
    assert "no document called notice-closed" in err
    assert "notice-open-day" in err and "journal-2024-no2" in err


def test_errors_are_one_line_each_without_traceback(tiny: Path):
    article = tiny / "content/journal/2024-no2/first.en.md"
    article.write_text("---\ntitel: First\n---\nBody\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(tiny)],
                            capture_output=True, text=True, cwd=tiny)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        "error: content/journal/2024-no2/first.en.md:2: missing required field 'title' — "
        "add 'title: …' to the front matter",
        "error: content/journal/2024-no2/first.en.md:2: unknown field 'titel' — "
        "did you mean 'title'?"]
    assert lines[-1] == "build failed: 2 problems; 1 of 4 documents not written"
    # The English issue is not written; the other documents are.
    assert not (tiny / "output/en/journal-2024-no2.pdf").exists()
    assert (tiny / "output/ko/journal-2024-no2.pdf").exists()
    assert (tiny / "output/en/notice-open-day.pdf").exists()


def test_ctrl_c_is_reported_as_such_even_when_the_workers_deaths_arrive_first(capsys):
    """Ctrl-C reaches the workers as well as the main process; if the main process's
    KeyboardInterrupt is lost (it struck a finaliser, where Python only prints it),
    the build still ends as interrupted, not as failed."""
    import signal
    import time

    from folio.cli.common import run_reporting
    from folio.errors import BuildError

    def build():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except KeyboardInterrupt:
            pass                    # what a finaliser does with it
        raise BuildError.at("journal-2022: the process running it stopped", Path("x.md"))

    assert run_reporting(build, debug=False) == 130
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_hints_name_the_command_the_editor_ran(monkeypatch):
    from folio.defaults import command
    monkeypatch.setattr(sys, "argv", ["/home/editor/journal/build.py", "--lang", "ko"])
    assert command() == "python build.py"
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/folio", "status"])
    assert command() == "folio"
