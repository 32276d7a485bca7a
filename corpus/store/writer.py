"""Writing a whole corpus directory: documents, segments, then the manifest last."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from feedcare.corpus.base.atomic import write_table
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.store.schema import (
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    SCHEMA_VERSION,
    SEGMENTS,
    SEGMENTS_FILE,
    attribute_columns,
    documents_schema,
)
from feedcare.corpus.store.sidecars import Counts, FileStamp, IngestRecord, Manifest, SourceEntry
from feedcare.corpus.store.streamwrite import FingerprintCollector, write_streams


def corpus_fingerprint(documents: pa.Table, options: dict[str, Any]) -> str:
    """Hash of every (doc_id, sha256) pair plus the ingest options that shaped the rows."""
    collector = FingerprintCollector()
    collector.add(documents)
    return collector.fingerprint(attribute_columns(documents.schema), options)


def write_corpus(
    path: Path,
    documents: pa.Table,
    segments: pa.Table,
    *,
    options: dict[str, Any] | None = None,
    sources: dict[str, SourceEntry] | None = None,
    ingest: IngestRecord | None = None,
) -> Manifest:
    """Write documents.parquet, segments.parquet and manifest.json (last) into ``path``.

    Callers hold :func:`~feedcare.corpus.store.lock.corpus_lock`. Each file is written to a temp
    file and renamed, and the manifest (which records the row counts) goes last, so readers
    either see the old corpus or the new one. ``ingest`` is what an ingest run records about
    itself. Returns the manifest.
    """
    path = Path(path)
    options = options or {}
    schema = documents_schema(attribute_columns(documents.schema))
    write_table(path / DOCUMENTS_FILE, documents, schema)
    write_table(path / SEGMENTS_FILE, segments, SEGMENTS)
    counts = Counts(
        documents=documents.num_rows,
        segments=segments.num_rows,
        words=int(pa.compute.sum(documents["n_words"]).as_py() or 0),
    )
    return _write_manifest(path, corpus_fingerprint(documents, options), options, sources, counts, ingest)


def write_corpus_parts(
    path: Path,
    parts: Iterable[tuple[pa.Table, pa.Table]],
    attributes: list[str],
    *,
    options: dict[str, Any] | None = None,
    sources: dict[str, SourceEntry] | None = None,
    collectors: Iterable[Any] = (),
    finish_ingest: Callable[[], IngestRecord] | None = None,
) -> Manifest:
    """:func:`write_corpus` from ``(documents, segments)`` parts in corpus order, in flat memory.

    Gives the same bytes as :func:`write_corpus` of the concatenated parts. Each of
    ``collectors`` also sees every part (``add(documents, segments)``); ``finish_ingest()``,
    called once every part is written, gives the ingest record computed from them.
    """
    path = Path(path)
    options = options or {}
    schema = documents_schema(attributes)
    fingerprints = FingerprintCollector()
    n_documents, n_segments, n_words = write_streams(
        path / DOCUMENTS_FILE, path / SEGMENTS_FILE, parts, schema, SEGMENTS, [fingerprints, *collectors]
    )
    counts = Counts(documents=n_documents, segments=n_segments, words=n_words)
    ingest = finish_ingest() if finish_ingest is not None else None
    fingerprint = fingerprints.fingerprint(attributes, options)
    return _write_manifest(path, fingerprint, options, sources, counts, ingest)


def _write_manifest(
    path: Path,
    fingerprint: str,
    options: dict[str, Any],
    sources: dict[str, SourceEntry] | None,
    counts: Counts,
    ingest: IngestRecord | None,
) -> Manifest:
    from feedcare import __version__

    now = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = Manifest(
        files={name: FileStamp.of(path / name) for name in (DOCUMENTS_FILE, SEGMENTS_FILE)},
        schema_version=SCHEMA_VERSION,
        feedcare_version=__version__,
        created=_created(path / MANIFEST_FILE) or now,
        updated=now,
        fingerprint=fingerprint,
        options=options,
        sources=sources or {},
        counts=counts,
        ingest=ingest,
    )
    manifest.to_json(path / MANIFEST_FILE)
    return manifest


def _created(previous: Path) -> str | None:
    """When the corpus was first written, from the manifest being replaced (None: there is none).

    A damaged one is being rebuilt: the corpus starts again. One from a newer feedcare never
    gets here (ingest refuses it).
    """
    if not previous.is_file():
        return None
    try:
        return Manifest.from_json(previous).created
    except DataError:
        return None
