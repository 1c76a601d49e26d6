"""The live preview (``folio serve``): rebuild on every save, show every page.

Owns what an editor sees while proof-reading: a watcher that rebuilds what a
change affects (the build's own incremental machinery, and issues laid out by
articles), a snapshot of every document's state after each rebuild (pages,
translation state, preflight, problems, article lengths, the pages that
changed), and a small read-only web server that shows it and tells open pages
to update themselves. It sits above the pipeline and below the command line.
"""
