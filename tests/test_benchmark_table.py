"""The benchmark's table (benchmarks/run.py) is what BENCHMARKS.md pastes: every
row with the machine's load beside it (issue 35). The targets themselves are the
benchmark's to judge, never a timed test's."""

from __future__ import annotations

import importlib.util

from helpers import REPO


def _benchmarks():
    spec = importlib.util.spec_from_file_location("folio_benchmarks", REPO / "benchmarks/run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_is_markdown_with_the_load_of_each_row():
    rows = [{"scenario": "one-sentence edit", "measured": "1.00 s vs 20.00 s", "ratio": 0.05,
             "target": "≤ 0.08", "ok": True, "load": "0.4–0.9", "pages": 294, "cold": 20.0,
             "edit": 1.0},
            {"scenario": "Typst", "measured": "0.5 s vs 1.0 s", "ratio": 0.5,
             "target": "reference", "ok": True, "load": "1.0–1.2", "pages": 287, "cold": 1.0,
             "edit": 0.5}]
    lines = _benchmarks().table(rows, 3, "2026-12-08 01:00–01:30").splitlines()
    assert lines[0].startswith("2026-12-08 01:00–01:30, ") and "median of 3 runs" in lines[0]
    header = lines.index("| scenario | measured | ratio | target | met | load |")
    assert lines[header + 1] == "| --- | --- | --- | --- | --- | --- |"
    assert lines[header + 2] == ("| one-sentence edit | 1.00 s vs 20.00 s | 0.050 | ≤ 0.08 | "
                                 "yes | 0.4–0.9 |")
    assert lines[header + 3].endswith("| reference | yes | 1.0–1.2 |")
    # Per page, both timed as whole processes: (20/294) / (1/287).
    assert any(line.startswith("folio vs Typst per page") and "cold 19.5×" in line
               for line in lines)
