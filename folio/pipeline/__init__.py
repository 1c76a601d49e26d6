"""The build: which documents, what to check, and who renders them.

The build's order of events (run.py), reading one BuildContext (context.py);
planning (planning.py), the kinds of document and what each does differently
(kinds.py), the checks before rendering (checks.py), HTML and jobs
(rendering.py), who runs the jobs (scheduling.py), what is made from finished
PDFs (finishing.py); the job a worker runs, composing the stages (jobs.py); the
worker processes (workers.py); what each PDF was made from, for incremental
builds (manifest.py, which imports nothing heavy: the command line's quick check
runs on it alone).
"""
