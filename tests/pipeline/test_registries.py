"""The kinds of document and the PDF variants, each declared in one place: a kind
added to the registry is planned, rendered, limited, imposed and listed with no
other change; a variant's behaviour follows from its row."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from folio.config.publication import PDF_VARIANTS, Profile
from folio.config.variants import VARIANTS, variant_of
from folio.pipeline import kinds
from folio.pipeline.run import BuildOptions, build, outdated


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_a_kind_added_to_the_registry_is_built_with_no_other_change(tiny: Path, monkeypatch):
    """A 'leaflet' made of the notices' content, with no page limit and imposed
    2-up: one entry in KINDS, and planning, rendering, the jobs, imposition and
    --list all know it."""
    leaflet = replace(kinds.NOTICE, name="leaflet", prefix="leaflet", imposition="2up",
                      max_pages=lambda document: None)
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, leaflet))
    options = BuildOptions(root=tiny, jobs=1, languages=("en",), only=("leaflet-open-day",),
                           impose=("2up", "booklet"))
    written = {r.output.relative_to(tiny / "output").as_posix() for r in build(options)}
    assert written == {"en/leaflet-open-day.pdf"}
    leaflet_pdf = tiny / "output/en/leaflet-open-day.pdf"
    assert "Open Day" in _text(leaflet_pdf) and "Visitors are welcome." in _text(leaflet_pdf)
    # Its imposition is the kind's, not a notice's by its name.
    assert (tiny / "output/en/leaflet-open-day.2up.pdf").is_file()
    assert not (tiny / "output/en/leaflet-open-day.booklet.pdf").exists()
    assert [path for path, _ in outdated(options)] == [leaflet_pdf]


def test_a_kinds_page_limit_is_the_one_the_build_enforces(tiny: Path, monkeypatch):
    """The notice's limit read from its kind: a limit of none fails the build."""
    from folio.errors import BuildError
    strict = replace(kinds.NOTICE, max_pages=lambda document: 0)
    monkeypatch.setattr(kinds, "KINDS", (kinds.ISSUE, strict, kinds.BILINGUAL_SHEET))
    with pytest.raises(BuildError) as raised:
        build(BuildOptions(root=tiny, jobs=1, languages=("en",), only=("notice-open-day",)))
    [problem] = raised.value.problems
    assert "en/notice-open-day.pdf" in problem.message and "page" in problem.message


def test_every_variant_a_profile_may_name_has_its_row():
    assert set(PDF_VARIANTS) == {name for name in VARIANTS if name is not None}
    for name in PDF_VARIANTS:
        row = variant_of(name)
        assert row.family and row.header, name
        # A family's meaning is the same for every row of it.
        assert row.press == name.startswith("pdf/x")
        assert row.archival == name.startswith("pdf/a")
        assert row.tagged == name.startswith("pdf/ua")
        assert row.one_tree == (row.archival or row.tagged)
    assert Profile("p", variant="pdf/ua-1", tagged=False).is_tagged
    assert not Profile("p", variant="pdf/x-4").is_tagged


def test_a_variant_a_file_claims_but_no_profile_names_is_known_by_its_family():
    """Preflight of a file given by name checks what it claims, maybe a variant
    folio does not write."""
    assert variant_of("pdf/x-5g").press and not variant_of("pdf/x-5g").header
    assert variant_of("pdf/a-1b").one_tree and variant_of("pdf/a-1b").verapdf is None
    assert not variant_of(None).press and not variant_of(None).tagged


def test_the_press_step_writes_the_header_version_of_the_table(tmp_path: Path):
    """press.py saves a PDF/X file with at least its row's header version."""
    from folio.production.press import press_ready
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    source = tmp_path / "in.pdf"
    pdf.save(source, min_version="1.3", force_version="1.3")
    data = press_ready(source.read_bytes(), variant="pdf/x-4", intent=None,
                       crop_marks_mm=None)
    assert data.startswith(b"%PDF-" + variant_of("pdf/x-4").header.encode())


def test_preflight_of_the_plan_expects_the_kinds_page_limit(tiny: Path, monkeypatch):
    from folio.cli.preflight_command import planned
    leaflet = replace(kinds.NOTICE, name="leaflet", prefix="leaflet",
                      max_pages=lambda document: 4)
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, leaflet))
    expected = {path.name: e.pages for path, e in planned(BuildOptions(root=tiny))
                if path.parent.name == "en"}
    assert expected == {"journal-2024-no2.pdf": None, "notice-open-day.pdf": 1,
                        "leaflet-open-day.pdf": 4}
