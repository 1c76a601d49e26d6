"""The tool as a user installs it: a wheel, a fresh virtual environment, a
publication folder that has no templates or catalogs of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from helpers import REPO, made_once, make_tiny, pdftotext, published


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from this checkout, offline, with the hatchling of the test
    environment."""
    folder = made_once(tmp_path_factory, "wheel", lambda folder: subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(folder), str(REPO)], check=True, capture_output=True))
    (found,) = folder.glob("folio-*.whl")
    return found


def test_the_wheel_carries_templates_catalogs_and_the_extraction_map(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for bundled in ("folio/_bundled/templates/notice.html.j2",
                    "folio/_bundled/templates/handout.html.j2",
                    "folio/_bundled/templates/journal.css",
                    "folio/_bundled/locales/ko/LC_MESSAGES/messages.po",
                    "folio/_bundled/babel.cfg"):
        assert bundled in names
    assert "folio/cli/__init__.py" in names and "folio/pipeline/run.py" in names
    assert not [name for name in names if name.startswith(("content/", "tests/", "output/"))]
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "folio = folio.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_installed_folio_builds_a_publication_found_from_the_current_folder(
        wheel: Path, tmp_path: Path):
    """The wheel alone, in its own environment: its dependencies come from the test
    environment's site-packages (a .pth line, read after the venv's own), so the
    test needs no network; folio itself must come from the wheel."""
    env_dir = tmp_path / "env"
    venv.create(env_dir)
    python = env_dir / "bin" / "python"
    clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)

    where = subprocess.run([str(python), "-c", "import folio, folio.defaults as d; "
                            "print(folio.__file__); print(d.BUNDLED)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path, env=clean)
    module, bundled = where.stdout.split()
    assert Path(module).is_relative_to(env_dir), "folio came from elsewhere, not the wheel"
    assert Path(bundled) == Path(module).parent / "_bundled"

    root = make_tiny(tmp_path / "publication")
    assert not (root / "templates").exists() and not (root / "locales").exists()
    chapter = root / "content" / "journal"
    folio = env_dir / "bin" / "folio"
    built = subprocess.run([str(folio), "build", "--jobs", "1", "--lang", "ko"],
                           capture_output=True, text=True, cwd=chapter, env=clean)
    assert built.returncode == 0, built.stderr
    pdfs = sorted(path.relative_to(root / "output") for path in published(root / "output"))
    assert pdfs == [Path("ko/journal-2024-no2.pdf"), Path("ko/notice-open-day.pdf")]
    issue = root / "output/ko/journal-2024-no2.pdf"
    assert "첫 논문" in pdftotext(issue)

    status = subprocess.run([str(python), "-m", "folio", "status", "--root", str(root)],
                            capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert status.returncode == 0, status.stderr
    assert "ko" in status.stdout and "en" in status.stdout

    # `folio new`, then `folio build` in the new folder: the first build succeeds.
    made = subprocess.run([str(folio), "new", "journal", "--title", "Harbour Notes"],
                          capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert made.returncode == 0, made.stderr
    assert "cd journal && folio build" in made.stdout
    first = subprocess.run([str(folio), "build", "--jobs", "1"], capture_output=True,
                           text=True, cwd=tmp_path / "journal", env=clean)
    assert first.returncode == 0, first.stderr
    assert "Harbour Notes" in pdftotext(tmp_path / "journal/output/en/notice-welcome.pdf")
