"""Stress: many builds of the sample, to show that none hangs (the target is 0).

    .venv/bin/python benchmarks/stress.py [--builds 500] [--soak 200] [--timeout 120]

**Builds.** ``--builds`` runs of ``build.py --jobs 2``, two at a time (each pair in
its own copy of the sample), alternating cold builds (``--force``) and
incremental ones (one article edited before the build), each as an editor runs
it: a new process, killed if it has not finished after ``--timeout`` seconds. A
build that had to be killed is a hang.

**Soak.** ``--soak`` rebuilds in one process that keeps one worker pool for all of
them, as the live preview does for hours: an article is edited before each, and
a rebuild that does not finish within the timeout is a hang.

Prints a table and writes ``--json`` if asked. A hang makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import PYTHON, REPO, sample_copy  # the benchmark's own helpers

ARTICLE = "content/journal/2022-vol1-no1/what-is-a-creative-city.ko.md"


def edit(root: Path, round_: int) -> None:
    """One sentence more in one Korean article (and no stale translation: the
    Korean file is the one edited)."""
    path = root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + f"\n덧붙인 문장 {round_}.\n",
                    encoding="utf-8")


def one_build(root: Path, cold: bool, timeout: float) -> tuple[str, float]:
    """('ok' | 'failed' | 'hung', seconds) of one build.py run."""
    args = [PYTHON, str(REPO / "build.py"), "--root", str(root), "--jobs", "2"]
    if cold:
        args.append("--force")
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()
        return "hung", time.perf_counter() - started
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.stderr.write(err)
        return "failed", seconds
    return "ok", seconds


def builds(base: Path, count: int, timeout: float) -> dict:
    roots = [sample_copy(base, "a"), sample_copy(base, "b")]
    results: list[tuple[str, float, bool]] = []
    for round_ in range(count // 2):
        cold = round_ % 2 == 0
        if not cold:
            for root in roots:
                edit(root, round_)
        pair: list = [None, None]

        def run(index: int, pair=pair, cold=cold) -> None:
            pair[index] = one_build(roots[index], cold, timeout)
        threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results += [(state, seconds, cold) for state, seconds in pair]
        if (round_ + 1) % 25 == 0:
            hung = sum(1 for state, _, _ in results if state == "hung")
            print(f"  {len(results)} builds, {hung} hung", flush=True)
    return summary("builds", results)


SOAK = """
import json, sys, threading, time
from pathlib import Path
from folio.pipeline.run import BuildOptions, build
from folio.pipeline.workers import WorkerPool

root, count, timeout = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
article = root / {article!r}
results = []
with WorkerPool(2) as pool:
    for round_ in range(count):
        article.write_text(article.read_text(encoding="utf-8") + f"\\n덧붙인 문장 {{round_}}.\\n",
                           encoding="utf-8")
        outcome = {{}}
        def run():
            try:
                build(BuildOptions(root=root, jobs=2), pool=pool)
                outcome["state"] = "ok"
            except Exception as error:
                outcome["state"] = f"failed: {{error}}"
        started = time.perf_counter()
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout)
        state = outcome.get("state", "hung")
        results.append((state if state in ("ok", "hung") else "failed",
                        time.perf_counter() - started, False))
        if state == "hung":
            break
print(json.dumps(results))
"""


def soak(base: Path, count: int, timeout: float) -> dict:
    root = sample_copy(base, "soak")
    subprocess.run([PYTHON, str(REPO / "build.py"), "--root", str(root), "--jobs", "2"],
                   check=True, stdout=subprocess.DEVNULL)
    done = subprocess.run([PYTHON, "-c", textwrap.dedent(SOAK.format(article=ARTICLE)),
                           str(root), str(count), str(timeout)],
                          capture_output=True, text=True, cwd=REPO,
                          timeout=timeout * count + 60)
    if done.returncode != 0:
        raise SystemExit(f"soak failed:\n{done.stderr}")
    return summary("soak", [tuple(r) for r in json.loads(done.stdout.splitlines()[-1])])


def summary(name: str, results: list) -> dict:
    times = [seconds for state, seconds, _ in results if state == "ok"]
    return {"scenario": name, "runs": len(results),
            "ok": sum(1 for state, _, _ in results if state == "ok"),
            "failed": sum(1 for state, _, _ in results if state == "failed"),
            "hung": sum(1 for state, _, _ in results if state == "hung"),
            "median_s": round(statistics.median(times), 2) if times else None,
            "max_s": round(max(times), 2) if times else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builds", type=int, default=500)
    parser.add_argument("--soak", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="folio-stress-") as folder:
        base = Path(folder)
        rows = []
        if args.builds:
            print(f"builds: {args.builds}, two at a time, --jobs 2 …", flush=True)
            rows.append(builds(base, args.builds, args.timeout))
        if args.soak:
            print(f"soak: {args.soak} rebuilds in one process …", flush=True)
            rows.append(soak(base, args.soak, args.timeout))
    print("\n| scenario | runs | ok | failed | hung | median | slowest |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['scenario']} | {row['runs']} | {row['ok']} | {row['failed']} | "
              f"{row['hung']} | {row['median_s']} s | {row['max_s']} s |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 1 if any(row["hung"] or row["failed"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
