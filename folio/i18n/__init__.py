"""Translation of the templates' fixed strings, and the translators' picture.

gettext catalogs read, checked as strictly as GNU gettext and compiled in memory
(catalog.py); dates and numbers through Babel (formatting.py); extraction, merging
and counts for the translators' commands (maintenance.py); the status report of
every language (status.py). Depends on config and content.
"""
