"""Writing a whole corpus directory: documents, segments, then the manifest last."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from .config import fingerprint
from .schema import (
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    SCHEMA_VERSION,
    SEGMENTS,
    SEGMENTS_FILE,
    attribute_columns,
    documents_schema,
)
from .store import read_json, write_json, write_table


def corpus_fingerprint(documents: pa.Table, options: dict[str, Any]) -> str:
    """Hash of every (doc_id, sha256) pair plus the ingest options that shaped the rows."""
    pairs = sorted(zip(documents["doc_id"].to_pylist(), documents["sha256"].to_pylist(), strict=True))
    attrs = attribute_columns(documents.schema)
    return fingerprint(pairs, attrs, options)


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

    Callers hold :func:`~feedcare.corpus.store.corpus_lock`. Each file is written to a temp
    file and renamed, and the manifest (which records the row counts) goes last, so readers
    either see the old corpus or the new one. Returns the manifest.
    """
    path = Path(path)
    options = options or {}
    schema = documents_schema(attribute_columns(documents.schema))
    write_table(path / DOCUMENTS_FILE, documents, schema)
    write_table(path / SEGMENTS_FILE, segments, SEGMENTS)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    previous = path / MANIFEST_FILE
    created = read_json(previous, MANIFEST_FILE).get("created", now) if previous.is_file() else now
    from feedcare import __version__

    manifest = {
        "schema_version": SCHEMA_VERSION,
        "feedcare_version": __version__,
        "created": created,
        "updated": now,
        "fingerprint": corpus_fingerprint(documents, options),
        "options": options,
        "sources": sources or {},
        "counts": {
            "documents": documents.num_rows,
            "segments": segments.num_rows,
            "words": int(pa.compute.sum(documents["n_words"]).as_py() or 0),
        },
        **(extra or {}),
    }
    write_json(previous, manifest)
    return manifest
