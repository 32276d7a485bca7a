"""Passes 2 and 3 of `feedcare tokens`: phrases, the gensim Dictionary, and the final files.

Both passes stream the temporary units file written by pass 1. Term statistics are computed
per batch with Arrow and merged, then ordered the way gensim numbers terms (first appearance,
sorted within a unit) so the ids equal those of ``Dictionary(units)``; gensim's own
``filter_extremes`` then prunes it. The final files are written vectorised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.base.atomic import BatchWriter, iter_batches, write_table
from feedcare.corpus.base.progress import report
from feedcare.corpus.store.schema import FINGERPRINT_KEY, TOKENS, VOCABULARY
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.phrases import DELIMITER

ROWS_PER_WRITE = 50_000
UNITS = pa.schema(
    [
        pa.field("doc_id", pa.string()),
        pa.field("seg_start", pa.int32()),
        pa.field("seg_end", pa.int32()),
        pa.field("question_seg", pa.int32()),
        pa.field("char_start", pa.int64()),
        pa.field("char_end", pa.int64()),
        pa.field("participant_id", pa.string()),
        pa.field("chunks", pa.list_(pa.list_(pa.string()))),
    ]
)
PHRASED = UNITS.remove(UNITS.get_field_index("chunks")).append(pa.field("tokens", pa.list_(pa.string())))


def _flat_tokens(chunks: pa.ListArray, table: frozenset[str] | pa.Array) -> pa.ListArray:
    """Per unit, its chunks joined into one token list, phrases applied (as :func:`apply_phrases`).

    Vectorised: every adjacent pair inside a chunk is joined and looked up at once; gensim's
    greedy left-to-right rule then keeps the 1st, 3rd, 5th... of each run of consecutive
    joinable pairs (a pair's second token cannot start the next one).
    """
    inner = chunks.flatten()
    if len(table) == 0:  # outer offsets index inner offsets
        offsets = pc.take(inner.offsets, chunks.offsets)
        return pa.ListArray.from_arrays(offsets, inner.values)
    tokens = inner.flatten()
    n = len(tokens)
    unit_of_token = np.asarray(pc.list_parent_indices(chunks))[np.asarray(pc.list_parent_indices(inner))]
    joinable = np.zeros(n, dtype=bool)
    joined = pa.nulls(n, pa.string())
    if n > 1:
        chunk_of_token = np.asarray(pc.list_parent_indices(inner))
        pairs = pc.binary_join_element_wise(tokens.slice(0, n - 1), tokens.slice(1), DELIMITER)
        values = table if isinstance(table, pa.Array) else pa.array(sorted(table), pa.string())
        found = np.asarray(pc.fill_null(pc.is_in(pairs, value_set=values), False))
        joinable[:-1] = found & (chunk_of_token[:-1] == chunk_of_token[1:])
        joined = pa.concat_arrays([pairs, pa.nulls(1, pa.string())])
    index = np.arange(n)
    run_start = np.maximum.accumulate(np.where(joinable & ~np.r_[False, joinable[:-1]], index, 0))
    chosen = joinable & ((index - run_start) % 2 == 0)
    emitted = ~np.r_[False, chosen[:-1]]  # the second token of a chosen pair is absorbed
    values = pc.if_else(pa.array(chosen), joined, tokens).filter(pa.array(emitted))
    counts = np.bincount(unit_of_token[emitted], minlength=len(chunks))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
    return pa.ListArray.from_arrays(offsets, values)


def _term_stats(tokens: pa.ListArray, first_unit: int) -> pa.Table:
    """Per term of a batch: collection frequency, units containing it, first unit index."""
    units = pa.array(np.asarray(pc.list_parent_indices(tokens)) + first_unit, pa.int64())
    pairs = pa.table({"term": tokens.flatten(), "unit": units})
    grouped = pairs.group_by("term", use_threads=False).aggregate(
        [("unit", "count"), ("unit", "count_distinct"), ("unit", "min")]
    )
    return _named(grouped, ["unit_count", "unit_count_distinct", "unit_min"])


def _merge_stats(total: pa.Table | None, batch: pa.Table) -> pa.Table:
    if total is None:
        return batch
    merged = pa.concat_tables([total, batch]).group_by("term", use_threads=False)
    merged = merged.aggregate([("cf", "sum"), ("df", "sum"), ("first", "min")])
    return _named(merged, ["cf_sum", "df_sum", "first_min"])


def _named(grouped: pa.Table, aggregates: list[str]) -> pa.Table:
    # Select by name: pyarrow versions differ in where group_by puts the key column.
    columns = [grouped.column(name) for name in aggregates] + [grouped.column("term")]
    return pa.table(columns, names=["cf", "df", "first", "term"])


def pass_phrases(temp: Path, temp2: Path, table: frozenset[str], progress, total: int):
    """Pass 2: phrases applied (to ``temp2``) and the gensim Dictionary of the units."""
    from gensim.corpora import Dictionary

    phrases = pa.array(sorted(table), pa.string())

    stats: pa.Table | None = None
    done = nonempty = 0
    with BatchWriter(temp2, PHRASED) as writer:
        for batch in iter_batches(temp, batch_size=4096):
            tokens = _flat_tokens(batch.column(UNITS.get_field_index("chunks")), phrases)
            lengths = pc.list_value_length(tokens)
            nonempty += pc.sum(pc.greater(lengths, 0)).as_py() or 0
            stats = _merge_stats(stats, _term_stats(tokens, done))
            columns = [batch.column(name) for name in PHRASED.names[:-1]]
            writer.write(pa.RecordBatch.from_arrays([*columns, tokens], schema=PHRASED))
            done += batch.num_rows
            report(progress, "Building vocabulary", done, total)
    dictionary = Dictionary()
    if stats is not None and stats.num_rows:
        # gensim numbers new terms in order of first appearance, sorted within a unit.
        stats = stats.sort_by([("first", "ascending"), ("term", "ascending")])
        terms, dfs, cfs = (stats.column(n).to_pylist() for n in ("term", "df", "cf"))
        dictionary.token2id = {term: i for i, term in enumerate(terms)}
        dictionary.dfs, dictionary.cfs = dict(enumerate(dfs)), dict(enumerate(cfs))
        dictionary.num_pos, dictionary.num_nnz = sum(cfs), sum(dfs)
    dictionary.num_docs = nonempty
    return dictionary, dictionary.num_pos


def prune(dictionary, config: TokensConfig) -> dict[str, Any]:
    """filter_extremes, with how many terms each bound removed (never silent)."""
    before = len(dictionary)
    no_above_abs = int(config.no_above * dictionary.num_docs)  # as gensim computes it
    dfs = dictionary.dfs
    id2token = {i: t for t, i in dictionary.token2id.items()}
    below = [i for i in id2token if dfs.get(i, 0) < config.no_below]
    above = [i for i in id2token if dfs.get(i, 0) >= config.no_below and dfs.get(i, 0) > no_above_abs]
    above.sort(key=lambda i: (-dfs[i], id2token[i]))
    left = before - len(below) - len(above)
    keep_n = config.keep_n or None
    dictionary.filter_extremes(no_below=config.no_below, no_above=config.no_above, keep_n=keep_n)
    return {
        "before": before,
        "after": len(dictionary),
        "no_below": len(below),
        "no_above": len(above),
        "no_above_terms": [id2token[i] for i in above[:20]],
        "keep_n": max(0, left - keep_n) if keep_n else 0,
        "units": dictionary.num_docs,
    }


def kept_tokens(words: pa.Array, vocabulary: pa.Array) -> tuple[pa.Array, np.ndarray, dict[str, pa.Array]]:
    """One batch's token lists cut to the vocabulary (shared by this pass and the Spark backend's).

    Returns (keep: the units left with a token, their token counts, and the ``tokens``,
    ``token_ids`` and ``n_tokens`` columns of the kept units).
    """
    ids = pc.index_in(words.flatten(), value_set=vocabulary)
    kept = pc.is_valid(ids)
    parents = np.asarray(pc.list_parent_indices(words))[np.asarray(kept, dtype=bool)]
    counts = np.bincount(parents, minlength=len(words))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
    keep = pa.array(counts > 0)
    return keep, counts, {
        "tokens": pa.ListArray.from_arrays(offsets, words.flatten().filter(kept)).filter(keep),
        "token_ids": pa.ListArray.from_arrays(offsets, ids.filter(kept).cast(pa.int32())).filter(keep),
        "n_tokens": pa.array(counts[counts > 0], pa.int32()),
    }


def pass_write(path: Path, temp2, dictionary, tokens_fp, progress, total) -> dict[str, int]:
    """Pass 3: tokens.parquet (at ``path``) with the final tokens and ids, non-empty units in order."""
    vocabulary = pa.array(sorted(dictionary.token2id, key=dictionary.token2id.get), pa.string())
    unit_id = tokens = done = 0
    with BatchWriter(path, TOKENS, {FINGERPRINT_KEY: tokens_fp}) as writer:
        for batch in iter_batches(temp2, batch_size=ROWS_PER_WRITE):
            keep, counts, token_columns = kept_tokens(batch.column(PHRASED.get_field_index("tokens")),
                                                      vocabulary)
            n = int(np.count_nonzero(counts))
            columns = {
                "unit_id": pa.array(np.arange(unit_id, unit_id + n), pa.int64()),
                **{name: batch.column(name).filter(keep) for name in PHRASED.names[:-1]},
                **token_columns,
            }
            if n:
                writer.write(pa.table([columns[name] for name in TOKENS.names], schema=TOKENS))
            unit_id += n
            tokens += int(counts.sum())
            done += batch.num_rows
            report(progress, "Writing tokens", done, total)
    return {"units": unit_id, "tokens": tokens}


def write_vocabulary(path: Path, dictionary, tokens_fp: str) -> list[dict[str, Any]]:
    """vocabulary.parquet (at ``path``); returns the terms by collection frequency (for top_terms)."""
    id2token = {i: t for t, i in dictionary.token2id.items()}
    ids = sorted(id2token)
    table = pa.table(
        {
            "token_id": ids,
            "term": [id2token[i] for i in ids],
            "doc_freq": [dictionary.dfs.get(i, 0) for i in ids],
            "coll_freq": [dictionary.cfs.get(i, 0) for i in ids],
        },
        schema=VOCABULARY,
    )
    write_table(path, table, VOCABULARY, {FINGERPRINT_KEY: tokens_fp})
    ranked = sorted(ids, key=lambda i: (-dictionary.cfs.get(i, 0), id2token[i]))
    return [
        {"term": id2token[i], "count": dictionary.cfs.get(i, 0), "units": dictionary.dfs.get(i, 0)}
        for i in ranked
    ]
