"""Writing a corpus from a stream of (documents, segments) record batches, in flat memory.

:class:`RowGroupWriter` re-cuts whatever batches arrive into row groups of exactly
:data:`ROW_GROUP_ROWS` rows, so a streamed file has the same bytes as
``write_table(whole_table)``: how the input happened to be batched never shows on disk.
:class:`FingerprintCollector` keeps only the document ids and a small code per sha256 and
computes the same hash as hashing ``sorted(zip(doc_id, sha256))`` in one piece, chunk by chunk.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.base.atomic import BatchWriter
from feedcare.corpus.store.sidecars import SpeakerRole

ROW_GROUP_ROWS = 64_000  # as write_table's row_group_size: the two must agree
_HASH_CHUNK = 50_000


class RowGroupWriter:
    """A :class:`BatchWriter` that writes row groups of exactly ``row_group_rows`` rows."""

    def __init__(self, path: Path, schema: pa.Schema, metadata: dict[str, str] | None = None,
                 row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.schema = schema
        self.rows = 0
        self._writer = BatchWriter(path, schema, metadata)
        if not metadata and not schema.metadata:
            # BatchWriter stores an empty metadata map; write_table stores none: match it.
            self._writer.schema = schema
        self._size = row_group_rows
        self._buffer: list[pa.Table] = []
        self._buffered = 0

    def __enter__(self) -> RowGroupWriter:
        self._writer.__enter__()
        return self

    def write(self, table: pa.Table | pa.RecordBatch) -> None:
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        if table.num_rows == 0:
            return
        self._buffer.append(table.cast(self.schema))
        self._buffered += table.num_rows
        self.rows += table.num_rows
        while self._buffered >= self._size:
            whole = pa.concat_tables(self._buffer)
            self._flush(whole.slice(0, self._size))
            rest = whole.slice(self._size)
            self._buffer, self._buffered = [rest], rest.num_rows

    def _flush(self, table: pa.Table) -> None:
        # combine_chunks: one contiguous row group, as write_table would see it.
        self._writer.write(table.combine_chunks())

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None and (self._buffered or self.rows == 0):
            self._flush(pa.concat_tables(self._buffer) if self._buffer else self.schema.empty_table())
        self._buffer = []
        return self._writer.__exit__(exc_type, exc, tb)


class FingerprintCollector:
    """The corpus fingerprint of documents seen batch by batch (see :func:`hash_pairs`)."""

    def __init__(self) -> None:
        self._ids: list[pa.Array] = []
        self._codes: list[np.ndarray] = []
        self._shas: dict[str, int] = {}

    def add(self, documents: pa.Table, segments: pa.Table | None = None) -> None:
        encoded = pc.dictionary_encode(string_array(documents["sha256"]))
        lookup = np.array([self._shas.setdefault(s, len(self._shas)) for s in encoded.dictionary.to_pylist()],
                          dtype=np.int32)
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        self._codes.append(lookup[indices] if len(lookup) else np.zeros(0, np.int32))
        self._ids.append(string_array(documents["doc_id"]))

    def fingerprint(self, attributes: list[str], options: dict[str, Any]) -> str:
        ids = pa.concat_arrays(self._ids) if self._ids else pa.array([], pa.string())
        codes = np.concatenate(self._codes) if self._codes else np.zeros(0, np.int32)
        return hash_pairs(ids, codes, list(self._shas), attributes, options)


def string_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous string array (ids, hashes and source names are compared as strings)."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return values.cast(pa.string()) if values.type != pa.string() else values


def hash_pairs(ids: pa.Array, codes: np.ndarray, shas: list[str], attributes: list[str],
               options: dict[str, Any]) -> str:
    """``config.fingerprint(sorted(zip(ids, sha)), attributes, options)``, without the Python list.

    Arrow orders UTF-8 strings bytewise, which is Python's code-point order, so the sort is
    the same; the JSON text is produced and hashed in chunks.
    """
    dumps = _dumps
    rank = np.empty(len(shas), dtype=np.int32)  # codes are first-seen; sort ties by the sha text
    rank[np.argsort(np.array(shas, dtype=object), kind="stable")] = np.arange(len(shas), dtype=np.int32)
    keys = pa.table({"id": ids, "sha": pa.array(rank[codes] if len(codes) else codes, pa.int32())})
    order = pc.sort_indices(keys, sort_keys=[("id", "ascending"), ("sha", "ascending")]).to_numpy()
    digest = hashlib.sha256(b"[[")
    for start in range(0, len(order), _HASH_CHUNK):
        part = order[start : start + _HASH_CHUNK]
        names = ids.take(part).to_pylist()
        chunk = [[doc_id, shas[code]] for doc_id, code in zip(names, codes[part].tolist(), strict=True)]
        digest.update((b"," if start else b"") + dumps(chunk)[1:-1].encode("utf-8"))
    digest.update(b"]," + dumps(attributes).encode("utf-8") + b"," + dumps(options).encode("utf-8") + b"]")
    return digest.hexdigest()[:16]


def _dumps(value: Any) -> str:
    # Exactly the encoder settings of config.fingerprint.
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


class SummaryCollector:
    """The ingest report's counts (:func:`~.info.summarise`), merged part by part.

    Every part holds whole documents with all their segments, so per-part counts add up;
    only the distinct participants are kept (and, with ``keep_ids``, doc_id/participant_id
    for the metadata coverage check).
    """

    DOCUMENT_COLUMNS = ("doc_id", "participant_id", "language", "n_words")

    def __init__(self, keep_ids: bool = False) -> None:
        self.keep_ids = keep_ids
        self.documents = self.turns = self.words = 0
        self.roles: Counter = Counter()
        self.languages: Counter = Counter()
        self.other_languages = 0
        self.other_language_examples: list[dict[str, Any]] = []
        self._speakers: dict[tuple[str | None, str], list[int]] = {}
        self._participants: list[pa.Array] = []
        self._ids: list[pa.Table] = []

    def add(self, documents: pa.Table, segments: pa.Table) -> None:
        from feedcare.corpus.store.info import OTHER_LANGUAGE_EXAMPLES, SPEAKER_COLUMNS, summarise

        docs = documents.select(list(self.DOCUMENT_COLUMNS))
        part = summarise(docs, segments.select(SPEAKER_COLUMNS), details=False)
        self.documents += part["documents"]
        self.turns += part["turns"]
        self.words += part["words"]
        self.roles.update(part["roles"])
        self.languages.update(part["languages"])
        self.other_languages += part["other_languages"]
        room = OTHER_LANGUAGE_EXAMPLES - len(self.other_language_examples)
        self.other_language_examples += part["other_language_examples"][:room]
        for s in part["speakers"]:
            totals = self._speakers.setdefault((s.speaker, s.role), [0, 0, 0])
            totals[0] += s.turns
            totals[1] += s.words
            totals[2] += s.documents
        self._participants.append(pc.unique(pc.drop_null(docs["participant_id"]).combine_chunks()))
        if self.keep_ids:
            self._ids.append(docs.select(["doc_id", "participant_id"]))

    def summary(self) -> dict[str, Any]:
        """The same dict as ``summarise(all documents, all segments, details=False)``."""
        participants = pa.chunked_array(self._participants, pa.string())
        speakers = [SpeakerRole(k[0], k[1], *v) for k, v in self._speakers.items()]
        return {
            "documents": self.documents,
            "turns": self.turns,
            "words": self.words,
            "participants": len(pc.unique(participants)),
            "roles": dict(sorted(self.roles.items(), key=lambda kv: str(kv[0]))),
            "languages": dict(sorted(self.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "other_languages": self.other_languages,
            "other_language_examples": self.other_language_examples,
            "speakers": sorted(speakers, key=lambda s: (-s.turns, s.speaker or "", s.role)),
        }

    def ids(self) -> pa.Table:
        """doc_id and participant_id of every document (needs ``keep_ids``)."""
        if not self._ids:
            empty = pa.array([], pa.string())
            return pa.table({"doc_id": empty, "participant_id": empty})
        return pa.concat_tables(self._ids)


def write_streams(
    documents_path: Path,
    segments_path: Path,
    parts: Iterable[tuple[pa.Table, pa.Table]],
    documents_schema: pa.Schema,
    segments_schema: pa.Schema,
    collectors: Iterable[Any] = (),
) -> tuple[int, int, int]:
    """Write documents and segments from ``parts``; returns (documents, segments, words).

    Each collector's ``add(documents, segments)`` sees every part (fingerprints, summaries).
    """
    n_words = 0
    collectors = list(collectors)
    with RowGroupWriter(documents_path, documents_schema) as docs, RowGroupWriter(
        segments_path, segments_schema
    ) as segs:
        for documents, segments in parts:
            docs.write(documents)
            segs.write(segments)
            n_words += int(pc.sum(documents["n_words"]).as_py() or 0) if documents.num_rows else 0
            for collector in collectors:
                collector.add(documents, segments)
    return docs.rows, segs.rows, n_words
