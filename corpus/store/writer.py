"""Writing a whole corpus directory: documents, segments, then the manifest last."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from feedcare.corpus.base.atomic import read_json, write_json, write_table
from feedcare.corpus.store.schema import (
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    SCHEMA_VERSION,
    SEGMENTS,
    SEGMENTS_FILE,
    attribute_columns,
    documents_schema,
)
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
    sources: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write documents.parquet, segments.parquet and manifest.json (last) into ``path``.

    Callers hold :func:`~feedcare.corpus.base.atomic.corpus_lock`. Each file is written to a temp
    file and renamed, and the manifest (which records the row counts) goes last, so readers
    either see the old corpus or the new one. Returns the manifest.
    """
    path = Path(path)
    options = options or {}
    schema = documents_schema(attribute_columns(documents.schema))
    write_table(path / DOCUMENTS_FILE, documents, schema)
    write_table(path / SEGMENTS_FILE, segments, SEGMENTS)
    counts = {
        "documents": documents.num_rows,
        "segments": segments.num_rows,
        "words": int(pa.compute.sum(documents["n_words"]).as_py() or 0),
    }
    return _write_manifest(path, corpus_fingerprint(documents, options), options, sources, counts, extra)


def write_corpus_parts(
    path: Path,
    parts: Iterable[tuple[pa.Table, pa.Table]],
    attributes: list[str],
    *,
    options: dict[str, Any] | None = None,
    sources: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    collectors: Iterable[Any] = (),
    finish_extra: Callable[[], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """:func:`write_corpus` from ``(documents, segments)`` parts in corpus order, in flat memory.

    Gives the same bytes as :func:`write_corpus` of the concatenated parts. Each of
    ``collectors`` also sees every part (``add(documents, segments)``); ``finish_extra()``,
    called once every part is written, adds manifest keys computed from them.
    """
    path = Path(path)
    options = options or {}
    schema = documents_schema(attributes)
    fingerprints = FingerprintCollector()
    n_documents, n_segments, n_words = write_streams(
        path / DOCUMENTS_FILE, path / SEGMENTS_FILE, parts, schema, SEGMENTS, [fingerprints, *collectors]
    )
    counts = {"documents": n_documents, "segments": n_segments, "words": n_words}
    extra = {**(extra or {}), **(finish_extra() if finish_extra is not None else {})}
    fingerprint = fingerprints.fingerprint(attributes, options)
    return _write_manifest(path, fingerprint, options, sources, counts, extra)


def _write_manifest(
    path: Path,
    fingerprint: str,
    options: dict[str, Any],
    sources: dict[str, Any] | None,
    counts: dict[str, int],
    extra: dict[str, Any] | None,
) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    previous = path / MANIFEST_FILE
    created = read_json(previous, MANIFEST_FILE).get("created", now) if previous.is_file() else now
    from feedcare import __version__

    manifest = {
        "schema_version": SCHEMA_VERSION,
        "feedcare_version": __version__,
        "created": created,
        "updated": now,
        "fingerprint": fingerprint,
        "options": options,
        "sources": sources or {},
        "counts": counts,
        **(extra or {}),
    }
    write_json(previous, manifest)
    return manifest
