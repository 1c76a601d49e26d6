"""The tool as a user installs it: a wheel, a fresh virtual environment, a
publication folder that has no templates or catalogs of its own."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from helpers import REPO, made_once, make_tiny, pdftotext, published
from packaging.utils import canonicalize_name


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


LOCK = REPO / "requirements.lock"
_LOCKED = re.compile(r"^([A-Za-z0-9._-]+)(\[[^\]]*\])?==(\S+)((?:[ \t]*\\\n[ \t]*--hash=\S+)+)",
                     re.M)


def _locked() -> dict[str, str]:
    """requirements.lock's entries by package name: ``name[extras]==version --hash=…``."""
    return {canonicalize_name(match[1]): " ".join(match[0].replace("\\\n", " ").split())
            for match in _LOCKED.finditer(LOCK.read_text(encoding="utf-8"))}


@pytest.mark.install
def test_the_wheel_installs_with_its_dependencies_resolved_and_hash_checked(
        wheel: Path, tmp_path: Path):
    """The wheel in an empty environment, its dependencies resolved by pip from the
    wheel's own metadata (not ``--no-deps``, nothing of the test environment's), each
    at the version of requirements.lock and matching one of its hashes; then the
    installed command builds a notice. A dependency missing from pyproject.toml, or
    one the lock lacks, fails here. 30 to 60 s: the files come from pip's cache once
    fetched from the index (CI's machine keeps it)."""
    locked = _locked()
    assert len(locked) > 40, "requirements.lock was not read"
    env_dir = tmp_path / "env"
    venv.create(env_dir)
    python = env_dir / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    # What the wheel needs, resolved (at the lock's versions), nothing installed yet.
    pins = tmp_path / "pins.txt"
    pins.write_text("".join(re.sub(r"\[.*\]", "", entry.split()[0]) + "\n"   # no extras
                            for entry in locked.values()))
    report = tmp_path / "report.json"
    subprocess.run([*pip, "install", "-q", "--dry-run", "--report", str(report),
                    "-c", str(pins), str(wheel)], check=True, capture_output=True, env=clean)
    needed = {canonicalize_name(item["metadata"]["name"])
              for item in json.loads(report.read_text())["install"]} - {"folio"}
    assert {"weasyprint", "pikepdf", "markdown-it-py", "jinja2"} <= needed
    assert not needed - locked.keys(), \
        f"requirements.lock lacks {sorted(needed - locked.keys())}: run ./dev lock"

    # The same, installed in pip's hash-checking mode: the wheel by its own hash, each
    # dependency by the lock's; pip resolves them again from the wheel's metadata.
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{wheel} --hash=sha256:{digest}\n"
                            + "".join(locked[name] + "\n" for name in sorted(needed)))
    installed = subprocess.run([*pip, "install", "-q", "--require-hashes", "-r",
                                str(requirements)], capture_output=True, text=True, env=clean)
    assert installed.returncode == 0, installed.stderr
    checked = subprocess.run([*pip, "check"], capture_output=True, text=True, env=clean)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Only what the wheel declares is there: no test tool leaked in.
    alone = subprocess.run([str(python), "-c", "import pytest"], capture_output=True,
                           env=clean, cwd=tmp_path)
    assert alone.returncode != 0
    folio = env_dir / "bin" / "folio"
    helped = subprocess.run([str(folio), "--help"], capture_output=True, text=True,
                            env=clean, cwd=tmp_path)
    assert helped.returncode == 0 and "build" in helped.stdout, helped.stderr
    root = make_tiny(tmp_path / "publication")
    built = subprocess.run([str(folio), "build", "--root", str(root), "--jobs", "1",
                            "--lang", "en", "--only", "notice-open-day"],
                           capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert [p.relative_to(root / "output") for p in published(root / "output")] == \
        [Path("en/notice-open-day.pdf")]
    assert "Visitors are welcome." in pdftotext(root / "output/en/notice-open-day.pdf")
