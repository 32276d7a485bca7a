"""The on-disk corpus: Parquet schemas, the write lock, the writers and spill files, the
:class:`~feedcare.corpus.store.reader.Corpus` reader and ``corpus info``.

Owns the files in a corpus directory (documents.parquet, segments.parquet, manifest.json,
the tokens files' schemas) and how they are written and read. Knows nothing of ingest's sources
or of tokenising.
"""
