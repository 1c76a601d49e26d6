"""The declared fonts: their character maps, read once per font version."""

from __future__ import annotations

from pathlib import Path

import pytest

from folio.pdf import fonts


def test_character_maps_are_cached_on_disk_per_font_version(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fonts._cmap.cache_clear()
    face = fonts.find_faces("Noto Sans CJK KR")[0]
    mtime = face.file.stat().st_mtime_ns
    first = fonts._cmap(face.file, face.index, mtime)
    assert ord("창") in first and ord("A") in first
    assert len(list((tmp_path / "folio").glob("cmap-*.json"))) == 1

    def no_font_reading(*args, **kwargs):
        raise AssertionError("the font was opened again")
    monkeypatch.setattr("fontTools.ttLib.TTFont", no_font_reading)
    fonts._cmap.cache_clear()
    assert fonts._cmap(face.file, face.index, mtime) == first          # from the disk cache
    fonts._cmap.cache_clear()
    with pytest.raises(AssertionError, match="opened again"):          # a new font version
        fonts._cmap(face.file, face.index, mtime + 1)
    fonts._cmap.cache_clear()


def test_korean_pdfs_use_prepared_faces_and_fall_back_to_the_full_ones(tiny: Path):
    from helpers import pdffonts, pdftotext

    from folio.pipeline.run import BuildOptions, build
    notice = tiny / "content/notices/open-day.ko.md"
    build(BuildOptions(root=tiny, languages=("ko",), only=("notice-open-day",), jobs=1,
                       keep_html=True))
    pdf = tiny / "output/ko/notice-open-day.pdf"
    names = {row["name"].split("+", 1)[1] for row in pdffonts(pdf)}
    assert names and all("-folio" in name for name in names if "CJK" in name), names
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    assert 'src: url("folio-font:' in html and ".cache" not in html     # no machine paths

    # A Hanja is not in the prepared repertoire: the full face behind it draws it.
    notice.write_text(notice.read_text(encoding="utf-8").replace("방문을", "訪問을"),
                      encoding="utf-8")
    build(BuildOptions(root=tiny, languages=("ko",), only=("notice-open-day",), jobs=1))
    names = {row["name"].split("+", 1)[1] for row in pdffonts(pdf)}
    assert "Noto-Serif-CJK-KR" in names and "Noto-Serif-CJK-KR-folio" in names, names
    assert "訪問을" in " ".join(pdftotext(pdf).split())


def test_a_face_is_hashed_once_per_process_and_named_by_its_bytes(tmp_path, monkeypatch):
    """Every piece of an issue reports the faces it drew with; a 2-4 MB Korean face
    is hashed the first time only (pdf/faces.keep_face_of), and named as keep_face
    names its bytes."""
    from folio.pdf import faces
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(faces, "_NAMED", {})
    calls = []

    class Face:
        pass

    def data(payload: bytes):
        def read() -> bytes:
            calls.append(payload)
            return payload
        return read
    one, two = Face(), Face()
    first = faces.keep_face_of(one, data(b"face one"))
    assert faces.keep_face_of(one, data(b"face one")) == first
    assert calls == [b"face one"]
    assert first == faces.keep_face(b"face one") and faces.face_path(first).is_file()
    assert faces.keep_face_of(two, data(b"face two")) != first
    faces.face_path(first).unlink()            # the cache cleared: written again
    assert faces.keep_face_of(one, data(b"face one")) == first
    assert faces.face_path(first).is_file() and len(calls) == 3
