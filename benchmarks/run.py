"""The performance benchmark: every scenario of BENCHMARKS.md, in temporary copies.

    .venv/bin/python benchmarks/run.py [--runs N] [--only SCENARIO]

Each scenario is timed several times; the table shows medians, the ratio the
scenario is judged by, and its target. Builds run as separate processes (what an
editor runs) unless a scenario needs numbers from inside one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CORES = os.cpu_count() or 1


def sample_copy(base: Path, name: str) -> Path:
    """The bundled publication, without its output, in a temporary folder."""
    target = base / name
    shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(
        "output", ".venv", ".git", "tests", "benchmarks", "__pycache__", "*.egg-info",
        ".hypothesis", "folio"))
    return target


def cli(root: Path, *args: str) -> float:
    """Seconds for one `build.py` run, as an editor would start it."""
    started = time.perf_counter()
    subprocess.run([PYTHON, str(REPO / "build.py"), "--root", str(root), *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def in_process(script: str) -> dict:
    """Run ``script`` in a fresh interpreter; it prints one JSON object."""
    done = subprocess.run([PYTHON, "-c", textwrap.dedent(script)], capture_output=True,
                          text=True, cwd=REPO)
    if done.returncode:
        raise SystemExit(f"benchmark script failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- scenarios ---------------------------------------------------------------------

def korean_vs_latin(base: Path, runs: int) -> dict:
    """One notice page in Korean, and the same page in English, in one process."""
    root = sample_copy(base, "notices")
    data = in_process(f"""
        import json, statistics, time
        from pathlib import Path
        from folio.pdf.ffi_cache import import_weasyprint
        import_weasyprint()                 # as a build imports it
        from folio.pipeline.run import BuildOptions, build
        times = {{"ko": [], "en": []}}
        for run in range({runs} + 1):
            for lang in ("ko", "en"):
                start = time.perf_counter()
                build(BuildOptions(root=Path({str(root)!r}), only=("notice-creative-city",),
                                   languages=(lang,), jobs=1, force=True))
                if run:                      # the first run warms fonts and caches
                    times[lang].append(time.perf_counter() - start)
        print(json.dumps({{k: statistics.median(v) for k, v in times.items()}}))
    """)
    return {"scenario": "Korean notice page vs the same page in English",
            "measured": f"ko {data['ko']:.2f} s, en {data['en']:.2f} s",
            "ratio": data["ko"] / data["en"], "target": "≤ 1.5",
            "ok": data["ko"] / data["en"] <= 1.5}


def korean_vs_latin_command(base: Path, runs: int) -> dict:
    """The same pages, each as an editor builds it: one `build.py` run per notice.

    Start-up and the glyph check count on both sides, so this ratio is gentler
    than the one above; it is shown for what an editor waits, not judged.
    """
    root = sample_copy(base, "notices-cli")
    times = {"ko": [], "en": []}
    for _ in range(runs):
        for lang in ("ko", "en"):
            times[lang].append(cli(root, "--force", "--jobs", "1", "--lang", lang,
                                   "--only", "notice-creative-city"))
    ko, en = (statistics.median(times[k]) for k in ("ko", "en"))
    return {"scenario": "the same, one `build.py` run per notice (for information)",
            "measured": f"ko {ko:.2f} s, en {en:.2f} s", "ratio": ko / en,
            "target": "(≤ 1.5)", "ok": ko / en <= 1.5}


def pipeline_overhead(base: Path, runs: int) -> dict:
    """The whole build against the time spent inside WeasyPrint for the same PDFs."""
    root = sample_copy(base, "overhead")
    data = in_process(f"""
        import json, statistics, time
        from pathlib import Path
        from folio.pdf.ffi_cache import import_weasyprint
        import_weasyprint()                 # as a build imports it
        from folio.pipeline.run import BuildOptions, build
        totals, inside = [], []
        for run in range({runs} + 1):
            start = time.perf_counter()
            results = build(BuildOptions(root=Path({str(root)!r}), jobs=1, force=True))
            if run:
                totals.append(time.perf_counter() - start)
                inside.append(sum(r.weasyprint_seconds for r in results))
        print(json.dumps({{"total": statistics.median(totals),
                           "weasyprint": statistics.median(inside)}}))
    """)
    ratio = data["total"] / data["weasyprint"]
    return {"scenario": "full build vs WeasyPrint's own layout and writing (--jobs 1)",
            "measured": f"build {data['total']:.2f} s, WeasyPrint {data['weasyprint']:.2f} s",
            "ratio": ratio, "target": "≤ 1.15", "ok": ratio <= 1.15}


def parallel(base: Path, runs: int) -> dict:
    root = sample_copy(base, "parallel")
    cli(root, "--force", "--jobs", "1")          # font and template caches filled
    # Alternated, so that a slower spell of a shared machine falls on both.
    times: dict[int, list[float]] = {1: [], CORES: []}
    for _ in range(runs):
        for jobs in times:
            times[jobs].append(cli(root, "--force", "--jobs", str(jobs)))
    one, many = statistics.median(times[1]), statistics.median(times[CORES])
    return {"scenario": f"full sample build, --jobs 1 vs --jobs {CORES}",
            "measured": f"{one:.2f} s vs {many:.2f} s", "ratio": one / many,
            "target": "≥ 1.7", "ok": one / many >= 1.7}


def incremental(base: Path, runs: int) -> dict:
    root = sample_copy(base, "incremental")
    cold = statistics.median(cli(root, "--force") for _ in range(runs))
    warm = statistics.median(cli(root) for _ in range(max(runs, 5)))
    return {"scenario": "rebuild with nothing changed vs cold build",
            "measured": f"{warm:.2f} s vs {cold:.2f} s", "ratio": warm / cold,
            "target": "< 0.05", "ok": warm / cold < 0.05}


def _generated_issue(base: Path, name: str, articles: int) -> Path:
    """A copy of the sample with one more issue of ``articles`` long Korean articles."""
    root = sample_copy(base, name)
    source = root / "content/journal/2022-vol1-no1"
    paragraphs = []
    for path in sorted(source.glob("*.ko.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        paragraphs += [re.sub(r"\[\^[^\]]+\]", "", p) for p in body.split("\n\n")
                       if p.strip() and not p.startswith(("![", "|", "[^", "#", "kim:", "lee:",
                                                          "park:", "choi:"))]
    issue = root / "content/journal/generated"
    issue.mkdir()
    slugs = [f"part-{n:03}" for n in range(1, articles + 1)]
    (issue / "issue.yaml").write_text(
        "volume: 9\nnumber: 1\ndate: 2030-01-01\ntitle: {ko: 긴 호, en: A Long Issue}\n"
        "sections:\n  - title: {ko: 논문, en: Articles}\n    articles: [" + ", ".join(slugs)
        + "]\n", encoding="utf-8")
    for number, slug in enumerate(slugs, 1):
        body = "\n\n".join(f"## {i + 1}\n\n" + "\n\n".join(paragraphs) for i in range(3))
        for lang, title in (("ko", f"창의도시 연구 {number}"), ("en", f"Study {number}")):
            (issue / f"{slug}.{lang}.md").write_text(
                f"---\ntitle: {title}\nauthors: [{{name: 김, affiliation: 진주}}]\n---\n{body}\n",
                encoding="utf-8")
    return root


def scale(base: Path, runs: int, articles_small: int = 5, articles_large: int = 48) -> dict:
    measured = {}
    for label, articles in (("small", articles_small), ("large", articles_large)):
        root = _generated_issue(base, f"scale-{label}", articles)
        samples = []
        for _ in range(runs if label == "small" else max(1, runs // 2)):
            samples.append(in_process(f"""
                import json, resource, time
                from pathlib import Path
                from folio.pdf.ffi_cache import import_weasyprint
                import_weasyprint()                 # as a build imports it
                from folio.pipeline.run import BuildOptions, build
                start = time.perf_counter()
                [result] = build(BuildOptions(root=Path({str(root)!r}), jobs=1, force=True,
                                              languages=("ko",), only=("journal-generated",)))
                seconds = time.perf_counter() - start
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                print(json.dumps({{"seconds": seconds, "pages": result.pages, "peak": peak}}))
            """))
        measured[label] = {"seconds": statistics.median(s["seconds"] for s in samples),
                           "pages": samples[0]["pages"],
                           "peak": max(s["peak"] for s in samples)}
    small, large = measured["small"], measured["large"]
    per_small = small["seconds"] / small["pages"]
    per_large = large["seconds"] / large["pages"]
    ratio = per_large / per_small
    peak_gib = large["peak"] / 2**30
    return {"scenario": f"{large['pages']}-page issue vs {small['pages']}-page issue, "
                        "time per page; peak memory",
            "measured": f"{per_large * 1000:.0f} ms/page vs {per_small * 1000:.0f} ms/page; "
                        f"peak {peak_gib:.2f} GiB",
            "ratio": ratio, "target": "≤ 1.3; < 1.5 GiB",
            "ok": ratio <= 1.3 and peak_gib < 1.5}


SCENARIOS = {"korean": korean_vs_latin, "korean-cli": korean_vs_latin_command,
             "overhead": pipeline_overhead, "parallel": parallel,
             "incremental": incremental, "scale": scale}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS),
                        help="run only these scenarios")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="folio-bench-") as base:
        for name in args.only or SCENARIOS:
            print(f"running {name} …", file=sys.stderr, flush=True)
            rows.append(SCENARIOS[name](Path(base), args.runs))
    print(f"\n{CORES} cores, Python {sys.version.split()[0]}, median of {args.runs} runs\n")
    print("| scenario | measured | ratio | target | met |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        ratio = f"{row['ratio']:.3f}" if row["ratio"] < 0.1 else f"{row['ratio']:.2f}"
        print(f"| {row['scenario']} | {row['measured']} | {ratio} | "
              f"{row['target']} | {'yes' if row['ok'] else '**no**'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
