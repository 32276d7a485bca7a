"""``feedcare ingest``: source files and comment tables → a corpus directory.

Owns scanning sources (``sources``), transcript documents (``transcripts``), comment tables
(``comments``), participant attributes (``attributes``), the audit gate (``audit_gate``),
assembling and committing (``assemble``, ``pipeline``) and the report. Reads files only through
:mod:`feedcare.corpus.readers` and writes only through :mod:`feedcare.corpus.store`.
"""
