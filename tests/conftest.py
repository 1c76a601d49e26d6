"""Fixtures: tiny publications written into temporary folders, built once; the
test run's caches. What the tests share besides fixtures is in helpers.py."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from helpers import REPO, copy_publication, made_once, make_rich, make_tiny, with_profiles, worker

# The translation tests' fixtures (rich, sample, sample_copy), in a module of their own.
pytest_plugins = ["i18n_helpers"]

# veraPDF's runs here are a few seconds on small files: Java's optimising compiler
# and parallel collector spend more processor time than they save on them (16 small
# files: 10 s of processor time, 4 s with these; on a 300-page issue they would
# double the wait, which is why folio's own preflight does not set them).
QUICK_JAVA = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

_SAVED = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", "JAVA_TOOL_OPTIONS")}


def pytest_configure(config):
    """folio's caches (fonts, prepared faces, WeasyPrint's C declarations) go to a
    folder of the test run, not ~/.cache: one for all the run's workers, which
    inherit it, as a build's workers share the machine's. WeasyPrint is imported
    now, before the test modules, the way a build imports it (see ffi_cache.py).
    Java, for veraPDF, starts with QUICK_JAVA unless told otherwise."""
    if not worker():
        os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="folio-test-cache-")
        os.environ.setdefault("JAVA_TOOL_OPTIONS", QUICK_JAVA)
    from folio.pdf.ffi_cache import import_weasyprint
    import_weasyprint()


def pytest_unconfigure(config):
    if worker():
        return
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    for name, value in _SAVED.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A two-language publication: one issue of two articles, one notice."""
    return make_tiny(tmp_path)


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory) -> Path:
    """The tiny publication, its notice also bilingual (stacked), built once with
    two workers. Tests take a copy (``built_tiny``): never change this one."""
    def make(folder: Path) -> None:
        root = make_tiny(folder)
        notice = root / "content/notices/open-day.en.md"
        notice.write_text(notice.read_text(encoding="utf-8").replace(
            "place: Jinju", "place: Jinju\nbilingual: stacked"), encoding="utf-8")
        from folio.config.options import BuildOptions
        from folio.pipeline.run import build
        build(BuildOptions(root=root, jobs=2))
    return made_once(tmp_path_factory, "tiny-built", make) / "pub"


@pytest.fixture
def built_tiny(tiny_built: Path, tmp_path: Path) -> Path:
    """A copy of ``tiny_built``, output and all, to change as a test likes."""
    return copy_publication(tiny_built, tmp_path)


@pytest.fixture(scope="session")
def sample_screen(tmp_path_factory) -> Path:
    """The bundled sample built once with the screen profile (HTML kept): the output
    folder. Read-only."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    return made_once(tmp_path_factory, "sample-screen", lambda out: build(
        BuildOptions(root=REPO, out=out, keep_html=True, jobs=2)))


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    """``outputs(publication, profile)``: the output folder of the rich publication
    (``"rich"``) or the bundled sample (``"sample"``) built with a profile, each
    built once in a test run, when a test first asks for it. Read-only."""
    from folio.config.options import BuildOptions
    from folio.pipeline.run import build
    rich = made_once(tmp_path_factory, "rich", lambda folder: with_profiles(make_rich(folder)))

    def output(publication: str, profile: str) -> Path:
        root = rich / "pub" if publication == "rich" else REPO
        return made_once(tmp_path_factory, f"{publication}-{profile}", lambda out: build(
            BuildOptions(root=root, out=out, profile=profile, jobs=2))) / profile
    return output
