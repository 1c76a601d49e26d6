"""Worker processes for the PDFs (not threads: WeasyPrint and Pango are not thread-safe).

Started as early as possible, each worker imports WeasyPrint and lets Pango and
fontconfig start (about 0.7 s) while the main process is still reading content
and rendering HTML, so that this start-up is paid once, in parallel.
"""

from __future__ import annotations


def start_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_warm_up,
                               mp_context=multiprocessing.get_context("fork"))
    pool.submit(int)        # with fork, the first task starts every worker at once
    return pool


def _warm_up() -> None:
    from weasyprint import HTML
    HTML(string="<p>a</p>").render()
