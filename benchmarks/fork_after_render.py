"""Stress: lay a page out in this process, then at once make a worker pool whose
worker makes a font configuration; count the jobs that never finish.

    .venv/bin/python benchmarks/fork_after_render.py [ROUNDS] [--unguarded]

This is what a program using folio as a library does when it renders, then
builds with --jobs 2 (and what a test did when it hung the suite: see
pipeline/workers.py). ``--unguarded`` forks the zygote without waiting for
Pango's threads, for comparison. On a job that does not finish, the stacks of the
zygote and its workers are printed (gdb) and the run stops.
"""

from __future__ import annotations

import subprocess
import sys
import time

from folio.pdf.ffi_cache import import_weasyprint

import_weasyprint()
from weasyprint import HTML  # noqa: E402 - after the cached import
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from folio.pipeline import workers  # noqa: E402


def fresh_configuration() -> bool:
    FontConfiguration()
    return True


def stacks(pid: int) -> str:
    done = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 25"],
                          capture_output=True, text=True, timeout=120)
    return "\n".join(line[:160] for line in done.stdout.splitlines()
                     if line.startswith(("#", "Thread")))


def main() -> int:
    rounds = int(next((a for a in sys.argv[1:] if a.isdigit()), "300"))
    if "--unguarded" in sys.argv:
        workers._no_pango_thread = lambda limit=2.0: True
    started, spawned = time.monotonic(), 0
    for number in range(rounds):
        HTML(string="<p style='font-family: Noto Serif CJK KR'>창의도시 Creative City</p>"
                    "<p style='font-family: DejaVu Sans'>x</p>").render()
        pool = workers.WorkerPool(1, timeout=120)
        spawned += not pool.forked
        try:
            pool.submit(fresh_configuration).result(timeout=15)
        except Exception as error:  # noqa: BLE001 - a failed round is counted, not raised
            print(f"round {number}: {type(error).__name__} {error}", flush=True)
            children = subprocess.run(["pgrep", "-P", str(pool.pid)], capture_output=True,
                                      text=True).stdout.split()
            for pid in [pool.pid, *map(int, children)]:
                print(f"=== process {pid}\n{stacks(pid)}", flush=True)
            pool.shutdown(cancel_futures=True)
            return 1
        pool.shutdown(cancel_futures=True)
    print(f"{rounds} rounds, none stuck, {spawned} zygotes spawned, "
          f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
