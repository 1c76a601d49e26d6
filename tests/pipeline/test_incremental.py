"""Incremental builds: only what changed is rebuilt, decided by the inputs' contents."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, published

from folio.errors import BuildError
from folio.pipeline.manifest import MANIFEST_FILE
from folio.pipeline.run import BuildOptions, build, outdated

ALL = {"ko/journal-2024-no2.pdf", "en/journal-2024-no2.pdf", "ko/notice-open-day.pdf",
       "en/notice-open-day.pdf", "bilingual/notice-open-day.pdf"}
KO = {"ko/journal-2024-no2.pdf", "ko/notice-open-day.pdf", "bilingual/notice-open-day.pdf"}
NOTICES = {"ko/notice-open-day.pdf", "en/notice-open-day.pdf", "bilingual/notice-open-day.pdf"}


def rebuilt(root: Path, **options) -> set[str]:
    """Build; the PDFs actually written, relative to output/."""
    results = build(BuildOptions(root=root, jobs=2, **options))
    return {r.output.relative_to(root / "output").as_posix() for r in results}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def built(built_tiny: Path) -> Path:
    """The tiny publication (its notice bilingual too), built: a copy to change."""
    return built_tiny


def test_a_first_build_writes_everything(tiny: Path):
    edit(tiny / "content/notices/open-day.en.md", "place: Jinju",
         "place: Jinju\nbilingual: stacked")
    assert rebuilt(tiny) == ALL


def test_nothing_changed_nothing_rewritten(built: Path):
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in published(built / "output")}
    skipped: list[Path] = []
    assert build(BuildOptions(root=built, jobs=1), on_skipped=skipped.append) == []
    assert {p.relative_to(built / "output").as_posix() for p in skipped} == ALL
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in published(built / "output")}
    assert after == before


def test_editing_one_korean_article_rebuilds_only_the_korean_journal(built: Path):
    edit(built / "content/journal/2024-no2/first.ko.md", "노력한다", "노력합니다")
    assert rebuilt(built) == {"ko/journal-2024-no2.pdf"}
    assert rebuilt(built) == set()


def test_editing_a_source_article_rebuilds_its_translations_too(built: Path):
    # Whether second.ko.md is stale depends on second.en.md; and the manifest hashes
    # bytes, so even a trailing space counts.
    edit(built / "content/journal/2024-no2/second.en.md", "assets.\n", "assets. \n")
    assert rebuilt(built) == {"en/journal-2024-no2.pdf", "ko/journal-2024-no2.pdf"}


def test_editing_a_template_rebuilds_the_documents_that_use_it(built: Path):
    templates = built / "templates"
    templates.mkdir()
    info = (REPO / "templates/notice_info.html.j2").read_text(encoding="utf-8")
    (templates / "notice_info.html.j2").write_text(info.replace('class="info"',
                                                                'class="info boxed"'),
                                                   encoding="utf-8")
    assert rebuilt(built) == NOTICES
    css = (REPO / "templates/base.css").read_text(encoding="utf-8")
    (templates / "base.css").write_text(css + "\n/* a change */\n", encoding="utf-8")
    assert rebuilt(built) == ALL


def test_editing_a_catalog_rebuilds_only_that_language(built: Path):
    po = built / "locales/ko/LC_MESSAGES"
    po.mkdir(parents=True)
    bundled = (REPO / "locales/ko/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    (po / "messages.po").write_text(bundled.replace('msgstr "목차"', 'msgstr "차례"'),
                                    encoding="utf-8")
    assert rebuilt(built) == KO


def test_assets_options_and_force(built: Path):
    logo = built / "content/assets/logo.svg"
    logo.write_text(logo.read_text(encoding="utf-8").replace("#1f2a5a", "#203060"),
                    encoding="utf-8")
    assert rebuilt(built) == ALL
    assert rebuilt(built, keep_html=True, languages=("en",)) == {
        "en/journal-2024-no2.pdf", "en/notice-open-day.pdf"}
    assert rebuilt(built, keep_html=True, languages=("en",)) == set()
    assert rebuilt(built, force=True, languages=("en",)) == {
        "en/journal-2024-no2.pdf", "en/notice-open-day.pdf"}


def test_a_missing_or_altered_pdf_is_rebuilt(built: Path):
    (built / "output/en/notice-open-day.pdf").unlink()
    with (built / "output/ko/journal-2024-no2.pdf").open("ab") as pdf:
        pdf.write(b"%")
    assert rebuilt(built) == {"en/notice-open-day.pdf", "ko/journal-2024-no2.pdf"}


def test_the_manifest_claims_only_what_was_written(built: Path):
    manifest_path = built / "output" / MANIFEST_FILE
    notice = built / "content/notices/open-day.ko.md"
    original = notice.read_text(encoding="utf-8")
    notice.write_text(original + "긴 글입니다. " * 2500, encoding="utf-8")   # overflows
    edit(built / "content/journal/2024-no2/first.ko.md", "노력한다", "노력합니다")
    before = json.loads(manifest_path.read_text(encoding="utf-8"))["outputs"]
    with pytest.raises(BuildError, match="does not fit on one page"):
        build(BuildOptions(root=built, jobs=2))
    after = json.loads(manifest_path.read_text(encoding="utf-8"))["outputs"]
    assert after["ko/journal-2024-no2.pdf"] != before["ko/journal-2024-no2.pdf"]
    assert after["ko/notice-open-day.pdf"] == before["ko/notice-open-day.pdf"]
    for name, entry in after.items():     # every claim matches the file on disk
        data = (built / "output" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["pdf"], name
    # With the notice as it was, its old PDF is still the right one: nothing to do.
    notice.write_text(original, encoding="utf-8")
    assert rebuilt(built) == set()


def test_an_unreadable_manifest_means_a_full_build(built: Path):
    (built / "output" / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    assert rebuilt(built) == ALL
    assert not [p for p in (built / "output").iterdir() if p.name.endswith("tmp")]
    assert os.path.getsize(built / "output" / MANIFEST_FILE) > 100


def test_an_unchanged_publication_is_recognised_before_loading_anything(built: Path):
    """The command line answers "all up to date" without importing the pipeline."""
    script = ("import sys; from folio.cli import main; "
              f"code = main(['--root', {str(built)!r}, '--jobs', '1']); "
              "print(code, 'folio.content' in sys.modules, 'weasyprint' in sys.modules, "
              "'yaml' in sys.modules or 'babel' in sys.modules)")

    def run() -> list[str]:
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True).stdout.splitlines()
    assert run() == ["unchanged: all 5 PDFs up to date (--force rebuilds them)",
                     "0 False False False"]
    # One changed byte anywhere the build reads: the normal build decides, per document
    # (rendering in its worker process, --jobs 1 too: WeasyPrint is the worker's).
    edit(built / "content/journal/2024-no2/second.en.md", "assets.", "assets!")
    lines = run()
    assert lines[-1] == "0 True False True"
    written = sorted(line.split("/output/")[1] for line in lines if line.startswith("wrote "))
    assert [w.split(" (")[0] for w in written] == ["en/journal-2024-no2.pdf",
                                                   "ko/journal-2024-no2.pdf"]
    assert run()[-1] == "0 False False False"


EDITS = {".md": "\n", ".yaml": "\n# edited\n", ".svg": "\n<!-- edited -->\n",
         ".j2": "{# edited #}", ".css": "\n/* edited */\n", ".po": "\n# edited\n"}


def test_every_file_read_rebuilds_exactly_the_pdfs_that_read_it(built: Path):
    """The manifest records what each PDF read (as Sphinx's note_dependency): a
    change to any of those files, one at a time, makes the PDFs that read it out of
    date and only those, wherever the file lives (a figure in a subfolder
    included). Every file is checked with the build's own decision (``outdated``,
    what --list shows); two of them with real rebuilds."""
    import shutil
    issue = built / "content/journal/2024-no2"
    (issue / "figures").mkdir()
    (issue / "figures/map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3"><rect width="4" '
        'height="3" fill="#1f2a5a"/></svg>', encoding="utf-8")
    edit(issue / "second.en.md", "assets.\n", "assets.\n\n![A map](figures/map.svg)\n")
    # Every template and catalog inside the publication, so that all can be edited.
    shutil.copytree(REPO / "templates", built / "templates")
    shutil.copytree(REPO / "locales", built / "locales")
    rebuilt(built)
    entries = json.loads((built / "output" / MANIFEST_FILE).read_text())["outputs"]
    readers: dict[str, set[str]] = {}
    for pdf, entry in entries.items():
        for name, value in entry["inputs"].items():
            if not name.startswith("/") and value != "absent":
                readers.setdefault(name, set()).add(pdf)
    assert readers["content/journal/2024-no2/figures/map.svg"] == {
        "en/journal-2024-no2.pdf"}
    assert len(readers) >= 15
    options = BuildOptions(root=built, jobs=1)
    for name, pdfs in sorted(readers.items()):
        path = built / name
        original = path.read_bytes()
        path.write_bytes(original + EDITS[path.suffix].encode())
        stale = {str(output.relative_to(built / "output")) for output, again
                 in outdated(options) if again}
        assert stale == pdfs, name
        path.write_bytes(original)
    assert not any(again for _, again in outdated(options))
    # And the builds agree: a figure in a subfolder, and a template.
    for name in ("content/journal/2024-no2/figures/map.svg", "templates/notice_info.html.j2"):
        with (built / name).open("a", encoding="utf-8") as stream:
            stream.write(EDITS[Path(name).suffix])
        assert rebuilt(built) == readers[name], name


def test_a_change_anywhere_in_folios_code_rebuilds(monkeypatch):
    """The code fingerprint covers the whole package, not the pipeline's folder only
    (a change to the layout in _compat/ left stale PDFs "up to date")."""
    from folio.pipeline import manifest
    before = manifest.code_fingerprint()
    real = manifest.file_hash
    monkeypatch.setattr(manifest, "file_hash",
                        lambda path: "changed" if path.name == "justification.py" else real(path))
    assert manifest.code_fingerprint() != before
    monkeypatch.setattr(manifest, "file_hash",
                        lambda path: "changed" if path.name == "inline.py" else real(path))
    assert manifest.code_fingerprint() != before
