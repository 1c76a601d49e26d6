"""Configuration: what the editor asked for and what the publication declares.

``publication.yaml`` read and checked in one place (publication.py) against its
schema (schema.py, which every YAML file's checks use), YAML read with the line of
every key (yamlio.py), every file of the publication read through one ``Reader``
that refuses what lies outside it and records what it read (reading.py), where
templates and catalogs are found (layout.py), and the build's options
(options.py). Imports nothing of the later stages.
"""
