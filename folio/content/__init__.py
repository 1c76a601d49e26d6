"""The content model, read from ``content/``: issues, articles and notices.

Plain frozen dataclasses (model.py) built once per build: front matter split from
Markdown (frontmatter.py), Markdown rendered to HTML fragments (markdown.py),
which file translates which (translations.py), and the loading of all of it with
every problem kept with its document (loading.py). Depends on config only.
"""
