"""Putting an ingest together: unique document ids, a canonical row order, an atomic swap.

The row order depends only on the inputs, never on what an earlier run kept, so an
incremental ingest writes the same bytes as a fresh one: documents sorted by source path
(rows of one table in file order), attribute columns in the order their sources sort,
metadata columns last, and segments in document order.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from feedcare.corpus.base.atomic import commit_files
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.ingest.sources import SourceFile
from feedcare.corpus.store.schema import (
    DOCUMENT_BASE_COLUMNS,
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    SEGMENTS,
    SEGMENTS_FILE,
    documents_schema,
    is_own_leftover,
)
from feedcare.corpus.store.sidecars import Manifest
from feedcare.corpus.store.spill import SpilledTable
from feedcare.corpus.store.streamwrite import string_array

STAGING_PREFIX = ".ingest-"


@dataclass
class Piece:
    """The rows read from one source file."""

    file: SourceFile
    sha256: str
    documents: pa.Table | SpilledTable  # documents schema plus this source's attribute columns
    segments: pa.Table | None  # None for comment tables: derived after duplicates are dropped
    attributes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # skipped rows (tables)


class IdRegistry:
    """Document ids already taken in this ingest, and the source each came from.

    Transcripts claim one id at a time (a dict); comment tables claim a whole column at once
    with vectorised set operations, so a million-row table is not a million dict inserts.
    """

    def __init__(self) -> None:
        self._one: dict[str, str] = {}
        # (ids, their sources): one source name for a whole table's column, not a million
        # copies of it; an array only for rows kept from an earlier ingest.
        self._many: list[tuple[pa.Array, pa.Array | str]] = []
        self._many_set: set[str] | None = None

    def add_existing(self, ids: pa.Array | pa.ChunkedArray, sources: pa.Array | pa.ChunkedArray) -> None:
        self._add_many(string_array(ids), pc.dictionary_encode(string_array(sources)))

    def _add_many(self, ids: pa.Array, sources: pa.Array | str) -> None:
        if len(ids):
            self._many.append((ids, sources))
            self._many_set = None

    def owner(self, doc_id: str) -> str | None:
        if doc_id in self._one:
            return self._one[doc_id]
        for ids, sources in self._many:
            position = pc.index(ids, doc_id).as_py()
            if position >= 0:
                return sources if isinstance(sources, str) else sources[position].as_py()
        return None

    def claim_one(self, doc_id: str, source: str) -> str | None:
        """Take ``doc_id`` for ``source``; return the other source if it is already taken."""
        if self._many and self._many_set is None:
            self._many_set = set(pa.concat_arrays([ids for ids, _ in self._many]).to_pylist())
        if doc_id in self._one or (self._many_set is not None and doc_id in self._many_set):
            return self.owner(doc_id)
        self._one[doc_id] = source
        return None

    def claim_many(self, ids: pa.Array | pa.ChunkedArray, source: str) -> tuple[pa.Array, str | None]:
        """Keep-mask for ``ids`` (False for every repeat) and a reason line when some repeat."""
        ids = string_array(ids)
        n = len(ids)
        positions = pa.array(range(n), pa.int64())
        firsts = (
            pa.table({"id": ids, "i": positions}).group_by("id", use_threads=False).aggregate([("i", "min")])
        )
        keep = pc.is_in(positions, value_set=firsts["i_min"].combine_chunks())
        taken = [a for a, _ in self._many] + ([pa.array(list(self._one), pa.string())] if self._one else [])
        if taken:
            earlier = pc.is_in(ids, value_set=pa.concat_arrays([t.cast(pa.string()) for t in taken]))
            keep = pc.and_(keep, pc.invert(earlier))
        repeats = n - (pc.sum(keep).as_py() or 0)
        reason = None
        if repeats:
            first = ids[pc.index(keep, False).as_py()].as_py()
            other = self.owner(first) or source
            noun = "row has" if repeats == 1 else "rows have"
            reason = f"{repeats} {noun} a duplicate document id, e.g. {first!r} (also from {other})"
        # With no repeats the column itself is kept: a copy would double the ids' memory.
        self._add_many(ids.filter(keep) if repeats else ids, source)
        return keep, reason


# --- reading what an earlier ingest wrote -------------------------------------------------------


def read_kept(corpus_dir: Path, sources: list[str]) -> tuple[pa.Table, pa.Table] | None:
    """Rows of the documents from ``sources`` (source names), read back from the corpus."""
    if not sources:
        return None
    documents = pq.read_table(corpus_dir / DOCUMENTS_FILE, filters=[("source", "in", sources)])
    segments = pq.read_table(corpus_dir / SEGMENTS_FILE)
    segments = segments.filter(pc.is_in(segments["doc_id"], value_set=documents["doc_id"].combine_chunks()))
    return documents, segments


# --- the final tables ---------------------------------------------------------------------------


def conform(documents: pa.Table, attributes: list[str]) -> pa.Table:
    """``documents`` with exactly the base columns plus ``attributes`` (missing ones null)."""
    schema = documents_schema(attributes)
    n = documents.num_rows
    arrays = [
        documents[name] if name in documents.column_names else pa.nulls(n, pa.string())
        for name in schema.names
    ]
    return pa.Table.from_arrays([a.cast(f.type) for a, f in zip(arrays, schema, strict=True)], schema=schema)


def attribute_order(by_source: dict[str, list[str]], meta_columns: list[str]) -> list[str]:
    """Attributes in the order their sources sort, then the metadata columns."""
    order: list[str] = []
    for source in sorted(by_source):
        order.extend(a for a in by_source[source] if a not in order and a not in meta_columns)
    return order + [m for m in meta_columns if m not in order]


def combine(
    documents: list[pa.Table], segments: list[pa.Table], attributes: list[str]
) -> tuple[pa.Table, pa.Table]:
    """One documents and one segments table in canonical order."""
    schema = documents_schema(attributes)
    docs = (
        pa.concat_tables([conform(d, attributes) for d in documents]) if documents else schema.empty_table()
    )
    if not _ascending(docs["source"]):
        # sort_indices is stable, so the rows of one table stay in file order.
        docs = docs.take(pc.sort_indices(docs, sort_keys=[("source", "ascending")]))
    segs = pa.concat_tables([s.cast(SEGMENTS) for s in segments]) if segments else SEGMENTS.empty_table()
    rank = pc.index_in(segs["doc_id"], value_set=docs["doc_id"].combine_chunks())
    if not _ascending(rank, then=segs["seg"]):
        keys = pa.table({"rank": rank, "seg": segs["seg"]})
        segs = segs.take(pc.sort_indices(keys, sort_keys=[("rank", "ascending"), ("seg", "ascending")]))
    return docs.combine_chunks(), segs.combine_chunks()


def ordered_parts(
    documents: pa.Table,
    segments: pa.Table,
    spilled: list[tuple[str, SpilledTable]],
    attributes: list[str],
    segments_of: Callable[[pa.Table], pa.Table],
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """(documents, segments) parts in canonical order: the in-memory rows (already in order,
    from :func:`combine`) with each spilled table's rows streamed in at its source's place.

    Each spilled table holds one source, so its rows form one run of the sorted order.
    ``segments_of`` makes the segments of a batch of spilled documents.
    """
    sources = documents["source"]
    doc_cuts = [0]
    for source, _table in sorted(spilled, key=lambda item: item[0]):
        doc_cuts.append(doc_cuts[-1] + int(pc.sum(pc.less(sources.slice(doc_cuts[-1]), source)).as_py() or 0))
    doc_cuts.append(documents.num_rows)
    # Segments are in document order: a run of documents owns a contiguous run of segments.
    rank = pc.index_in(segments["doc_id"], value_set=documents["doc_id"].combine_chunks())
    rank = np.asarray(pc.fill_null(rank, documents.num_rows).to_numpy(zero_copy_only=False))
    seg_cuts = np.searchsorted(rank, doc_cuts).tolist()
    seg_cuts[-1] = segments.num_rows
    ordered = sorted(spilled, key=lambda item: item[0])
    for i in range(len(doc_cuts) - 1):
        lo, hi = doc_cuts[i], doc_cuts[i + 1]
        if hi > lo or seg_cuts[i + 1] > seg_cuts[i]:
            yield documents.slice(lo, hi - lo), segments.slice(seg_cuts[i], seg_cuts[i + 1] - seg_cuts[i])
        if i < len(ordered):
            for table in ordered[i][1].tables():
                docs = conform(table, attributes)
                yield docs, segments_of(docs)


def _ascending(values: pa.ChunkedArray | pa.Array, then: pa.ChunkedArray | pa.Array | None = None) -> bool:
    """Already in order (by ``values``, then strictly by ``then``)? Saves a sort of a big table."""
    n = len(values)
    if n < 2:
        return True
    first, rest = values.slice(0, n - 1), values.slice(1)
    if then is None:
        return bool(pc.all(pc.less_equal(first, rest)).as_py())
    tie_ok = pc.and_(pc.equal(first, rest), pc.less(then.slice(0, n - 1), then.slice(1)))
    return bool(pc.all(pc.or_(pc.less(first, rest), tie_ok)).as_py())


def base_columns_only(documents: pa.Table) -> pa.Table:
    return documents.select(list(DOCUMENT_BASE_COLUMNS))


def check_corpus_dir(corpus_dir: Path) -> None:
    """Refuse to write a corpus into a folder that holds something else (e.g. the transcripts)."""
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise UsageError(f"{corpus_dir}: is a file; --corpus must be a folder")
    if not corpus_dir.is_dir() or (corpus_dir / MANIFEST_FILE).is_file():
        return
    ours = {DOCUMENTS_FILE, SEGMENTS_FILE}
    foreign = [p.name for p in corpus_dir.iterdir() if p.name not in ours and not is_own_leftover(p.name)]
    if foreign:
        raise UsageError(
            f"{corpus_dir}: this folder is not empty and is not a feedcare corpus (it holds "
            f"{foreign[0]!r}); choose a new --corpus folder"
        )


# --- the atomic swap ------------------------------------------------------------------------------


def remove_stale_staging(corpus_dir: Path) -> None:
    """Staging folders left by a killed ingest (called while holding the lock)."""
    for stale in corpus_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)


def commit_corpus(corpus_dir: Path, write: Callable[[Path], Manifest]) -> Manifest:
    """Write the whole corpus into a staging folder (``write(staging)``, e.g. a
    :func:`~.writer.write_corpus` call), then rename its files into place.

    Until the renames the previous corpus is untouched, so an error or Ctrl-C while writing
    (the slow part) leaves it readable and identical. The manifest is renamed last.
    """
    staging = corpus_dir / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if (corpus_dir / MANIFEST_FILE).is_file():
            # write_corpus keeps the "created" time of the manifest it finds next to it.
            shutil.copy2(corpus_dir / MANIFEST_FILE, staging / MANIFEST_FILE)
        manifest = write(staging)
        commit_files(staging, corpus_dir, (DOCUMENTS_FILE, SEGMENTS_FILE, MANIFEST_FILE))
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)
