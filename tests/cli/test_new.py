"""``folio new DIR``: a publication that builds on the first try, or one clear refusal
that writes nothing."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from helpers import pdftotext

from folio.cli import main

JOURNAL = f"journal-{dt.date.today().year}-vol1-no1.pdf"     # the issue `new` starts


def _new(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["new", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_new_publication_builds_on_the_first_try(tmp_path: Path, capsys) -> None:
    root = tmp_path / "journal"
    code, out, err = _new(capsys, str(root), "--title", "ko=진주 공예 저널",
                          "--title", "en=Jinju Craft Journal", "--languages", "ko,en",
                          "--source-language", "ko")
    assert code == 0, err
    assert "created" in out and err == ""
    yaml = (root / "publication.yaml").read_text(encoding="utf-8")
    assert yaml.startswith("#") and "source_language: ko" in yaml
    assert (root / "README.md").read_text(encoding="utf-8").startswith("# ")
    # The translation is marked as translating the source: a final build, no --draft.
    assert 'source_hash: "' in (root / "content/notices/welcome.en.md").read_text("utf-8")

    assert main(["build", "--root", str(root), "--jobs", "1"]) == 0, capsys.readouterr().err
    ko = pdftotext(root / f"output/ko/{JOURNAL}")
    en = pdftotext(root / f"output/en/{JOURNAL}")
    assert "진주 공예 저널" in ko and "Jinju Craft Journal" in en
    assert "국제저널" in ko and "INTERNATIONAL JOURNAL" in en.upper()
    assert "Jinju Craft Journal" in pdftotext(root / "output/en/notice-welcome.pdf")
    bilingual = pdftotext(root / "output/bilingual/notice-welcome.pdf")
    assert "진주 공예 저널" in bilingual and "Jinju Craft Journal" in bilingual
    assert not list(root.rglob("*.draft.pdf"))

    # What the build made stays out of version control.
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True,
                            check=True).stdout
    tracked = {line[3:] for line in status.splitlines()}
    assert "publication.yaml" in tracked and ".gitignore" in tracked
    assert not [name for name in tracked if name.startswith("output/") or ".folio" in name]
    assert (root / "output").is_dir() and (root / ".folio.lock").exists()


def test_one_language_and_a_plain_title(tmp_path: Path, capsys) -> None:
    root = tmp_path / "pub"
    code, _, err = _new(capsys, str(root), "--title", "Harbour Notes", "--languages", "en")
    assert code == 0, err
    assert "bilingual" not in (root / "content/notices/welcome.en.md").read_text("utf-8")
    assert main(["build", "--root", str(root), "--jobs", "1"]) == 0, capsys.readouterr().err
    assert sorted(p.relative_to(root / "output").as_posix()
                  for p in (root / "output").rglob("*.pdf")) == \
        [f"en/{JOURNAL}", "en/notice-welcome.pdf"]
    assert "Harbour Notes" in pdftotext(root / f"output/en/{JOURNAL}")


def _nothing_written(parent: Path, before: set[Path]) -> None:
    assert set(parent.rglob("*")) == before


@pytest.mark.parametrize("argv, says", [
    ((), "not empty"),
    (("--languages", "ja,en"), "no template strings in ja"),
    (("--languages", "ko,en", "--source-language", "fr"), "--source-language fr"),
])
def test_bad_input_is_one_message_and_nothing_written(tmp_path: Path, capsys, argv,
                                                      says) -> None:
    root = tmp_path / "pub"
    root.mkdir()
    if not argv:
        (root / "notes.txt").write_text("mine", encoding="utf-8")
    before = set(tmp_path.rglob("*"))
    code, out, err = _new(capsys, str(root), *argv)
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and says in errors[0] and "Traceback" not in err
    assert "nothing was written" in errors[0]
    _nothing_written(tmp_path, before)


def test_a_file_where_the_folder_should_be(tmp_path: Path, capsys) -> None:
    target = tmp_path / "pub"
    target.write_text("x", encoding="utf-8")
    code, _, err = _new(capsys, str(target))
    assert code == 1 and "is a file" in err and "nothing was written" in err
    assert set(tmp_path.iterdir()) == {target}
