"""The bag-of-words corpus, streamed from ``tokens.parquet``, and the dictionary rebuilt as data.

:class:`BowCorpus` is a gensim-compatible corpus (iterable of ``[(token_id, count), ...]``,
with ``len``) that re-reads the Parquet file on every pass, so a fit's memory does not grow
with the corpus. :func:`load_dictionary` rebuilds gensim's ``Dictionary`` from
``vocabulary.parquet`` without unpickling anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus.base.atomic import iter_batches, parquet_rows

BATCH_SIZE = 4096

Bow = list[tuple[int, int]]


def flatten_lists(lists: pa.ListArray | pa.ChunkedArray, numbers: bool = True) -> tuple[np.ndarray, Any]:
    """(unit number of each element, the elements) of a list column, sliced arrays included.

    ``numbers``: the elements as an int64 numpy array; otherwise they stay Arrow (strings).
    """
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    doc = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    flat = lists.values.slice(offsets[0], offsets[-1] - offsets[0])
    return doc, np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.int64) if numbers else flat


def batch_bows(ids: pa.ListArray | pa.ChunkedArray) -> list[Bow]:
    """Sorted ``(token_id, count)`` lists for a batch of ``token_ids`` lists, vectorised."""
    doc, values = flatten_lists(ids)
    n_units = len(ids)
    # One sort over (doc, id) keys gives every document's ids in order; runs are counts.
    width = int(values.max()) + 1 if values.size else 1
    keys = np.sort(doc * width + values)
    unique, counts = np.unique(keys, return_counts=True)
    pairs = list(zip((unique % width).tolist(), counts.tolist(), strict=True))
    bounds = np.searchsorted(unique // width, np.arange(n_units + 1)).tolist()
    bows = [pairs[bounds[i] : bounds[i + 1]] for i in range(n_units)]
    return bows


@dataclass
class BowCorpus:
    """Units of ``tokens.parquet`` as bags of words, read batch by batch on every pass.

    ``on_batch(n_units)`` is called after each batch is consumed (progress reporting).
    """

    path: Path
    batch_size: int = BATCH_SIZE
    on_batch: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self._len = parquet_rows(self.path)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Bow]:
        for batch in iter_batches(self.path, ["token_ids"], self.batch_size):
            yield from batch_bows(batch.column(0))
            if self.on_batch is not None:
                self.on_batch(batch.num_rows)

    def chunks(self) -> Iterator[list[Bow]]:
        """The corpus in lists of up to ``batch_size`` units (for batched inference)."""
        for batch in iter_batches(self.path, ["token_ids"], self.batch_size):
            yield batch_bows(batch.column(0))
            if self.on_batch is not None:
                self.on_batch(batch.num_rows)


@dataclass
class TextCorpus:
    """Units of ``tokens.parquet`` as token lists (for coherence), streamed per pass."""

    path: Path
    batch_size: int = BATCH_SIZE

    def __len__(self) -> int:
        return parquet_rows(self.path)

    def __iter__(self) -> Iterator[list[str]]:
        for batch in iter_batches(Path(self.path), ["tokens"], self.batch_size):
            yield from batch.column(0).to_pylist()


def count_tokens(tokens_path: Path) -> int:
    """Tokens in the corpus (the n_tokens column only: cheap even at a million units)."""
    import pyarrow.compute as pc

    column = pq.read_table(tokens_path, columns=["n_tokens"])["n_tokens"]
    return int(pc.sum(column).as_py() or 0)


def unit_columns(path: Path) -> pa.Table:
    """unit_id, doc_id, seg_start, seg_end of every unit (small: no token lists)."""
    return pq.read_table(path, columns=["unit_id", "doc_id", "seg_start", "seg_end"])


def load_terms(vocabulary: pa.Table) -> list[str]:
    """Terms indexed by token_id (ids are 0..V-1, checked)."""
    ids = vocabulary.column("token_id").to_numpy()
    terms = vocabulary.column("term").to_pylist()
    if len(ids) and not np.array_equal(np.sort(ids), np.arange(len(ids))):
        raise ValueError("vocabulary token_id values are not 0..V-1")
    ordered = [""] * len(ids)
    for token_id, term in zip(ids.tolist(), terms, strict=True):
        ordered[token_id] = term
    return ordered


def load_dictionary(vocabulary: pa.Table, n_units: int) -> Any:
    """A gensim ``Dictionary`` equal to the one ``feedcare tokens`` built (ids, dfs, cfs)."""
    from gensim.corpora import Dictionary

    terms = load_terms(vocabulary)
    ids = vocabulary.column("token_id").to_pylist()
    dictionary = Dictionary()
    dictionary.token2id = {term: i for i, term in enumerate(terms)}
    dictionary.id2token = dict(enumerate(terms))
    dictionary.dfs = dict(zip(ids, vocabulary.column("doc_freq").to_pylist(), strict=True))
    dictionary.cfs = dict(zip(ids, vocabulary.column("coll_freq").to_pylist(), strict=True))
    dictionary.num_docs = int(n_units)
    dictionary.num_pos = int(sum(dictionary.cfs.values()))
    dictionary.num_nnz = int(sum(dictionary.dfs.values()))
    return dictionary
