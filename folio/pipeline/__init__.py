"""The build: which documents, what to check, and who renders them.

Planning, checks before rendering, and the build itself (run.py); the job a
worker runs, composing the stages (jobs.py); the worker processes (workers.py);
what each PDF was made from, for incremental builds (manifest.py, which imports
nothing heavy: the command line's quick check runs on it alone).
"""
