"""The declared fonts: their character maps, read once per font version."""

from __future__ import annotations

from pathlib import Path

import pytest

from folio import fonts


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
