"""What the translation tests share: publications to export from and import into (as
fixtures, a plugin of tests/conftest.py), git, an export into a folder, the content's
bytes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, make_rich

from folio.cli import main


@pytest.fixture
def rich(tmp_path: Path, capsys) -> Path:
    """The rich publication, every translation marked, in a git repository."""
    root = make_rich(tmp_path)
    translated = list((root / "content").rglob("*.ko.md"))
    assert main(["i18n", "mark", "--root", str(root), *map(str, translated)]) == 0
    git(root, "init", "-q")
    commit(root, "translated")
    capsys.readouterr()
    return root


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the bundled sample's content and configuration (templates bundled)."""
    return sample_publication(tmp_path / "sample")


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory) -> Path:
    """The same, made once per module: tests that change it take a copy."""
    return sample_publication(tmp_path_factory.mktemp("sample") / "pub")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=Translator Kim",
                           "-c", "user.email=kim@example.org", *args], check=True,
                          capture_output=True, text=True).stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def export(root: Path, *args: str, fmt: str = "po") -> Path:
    """Korean catalogs exported into ``root/exported``; that folder."""
    out = root / "exported"
    assert main(["i18n", "export", "--root", str(root), "--lang", "ko", "--format", fmt,
                 "--out", str(out), *args]) == 0
    return out


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted((root / "content").rglob("*")) if p.is_file()}


def sample_publication(root: Path) -> Path:
    root.mkdir(parents=True)
    for name in ("content", "publication.yaml", "glossary.yaml"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    return root


def translate(po: Path, changes: dict[str, str], confirm: bool = True) -> None:
    """Translate segments of a PO file (by their id after '#') as a translator would,
    with ``confirm`` clearing their fuzzy flags and previous source."""
    import polib
    catalog = polib.pofile(str(po))
    for entry in catalog:
        segment = entry.msgctxt.split("#", 1)[1]
        if segment in changes:
            entry.msgstr = changes[segment]
            if confirm:
                entry.flags = [f for f in entry.flags if f != "fuzzy"]
                entry.previous_msgid = entry.previous_msgctxt = None
    catalog.save()
