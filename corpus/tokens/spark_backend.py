"""`feedcare tokens --backend spark`: the same three passes as :mod:`.build`, on Spark.

The files are byte-identical to the local backend's for the same corpus and settings:

1. **Tokenise** (executors). ``documents.parquet`` and ``segments.parquet`` are read by Spark,
   each row keeping its place in the file (``_metadata.row_index``); the turns are joined to their
   document, range-partitioned by the document's place so every document is whole in one
   partition, and sorted. ``mapInArrow`` runs feedcare's own tokeniser and unit builder
   (:func:`~.units.tokenise_batch`) over each partition. Every unit carries a key
   (document place × 2^24 + its number in the document) that orders units exactly as the local
   backend writes them.
2. **Phrases, vocabulary, pruning** (Spark aggregations). Unigram and adjacent-pair counts are a
   ``groupBy``; candidates are scored by gensim's own scoring function in the executors (so the
   floats are Python's); phrases are applied with the same vectorised code as locally; term
   statistics (collection and document frequency, first unit) are summed per term; the
   ``filter_extremes`` bounds and ``keep_n`` ranking, ties broken in gensim's id order (first unit,
   then term), run as Spark queries. Only the kept vocabulary and the phrases reach the driver.
3. **Write** (driver). Executors turn their units into the final rows (Arrow IPC blobs, in order);
   the driver streams them partition by partition and writes tokens.parquet in the local
   backend's row groups (one per 50,000 units read, empty units included), then
   vocabulary.parquet, into the same staging folder as the local backend; ``build_tokens``
   renames them into place with tokens.json, under the corpus write lock.

One difference is by design: the local backend bounds its phrase-candidate table at
MAX_VOCAB_SIZE (20 M) entries by pruning rare ones, as gensim does; Spark counts exactly. The two
agree whenever the corpus has fewer distinct words and adjacent pairs than that (docs/spark.md).

pyspark is imported only inside the functions; executors import this module by name, so
feedcare must be installed in the cluster's Python (docs/spark.md).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.base.atomic import BatchWriter
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.store.reader import Corpus
from feedcare.corpus.store.schema import FINGERPRINT_KEY, TOKENS, TOKENS_FILE, VOCABULARY_FILE
from feedcare.corpus.store.sidecars import TokensMeta
from feedcare.corpus.tokens.batches import DOCUMENT_COLUMNS, LANGUAGE_EXAMPLES, DocBatch, Reading
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.meta import tokens_meta
from feedcare.corpus.tokens.phrases import DELIMITER, Phrase
from feedcare.corpus.tokens.punkt import needs_sentences, punkt_sample
from feedcare.corpus.tokens.tokenizer import load_stoplists
from feedcare.corpus.tokens.units import UnitStats, init_worker, tokenise_batch, train_punkt
from feedcare.corpus.tokens.vocabulary import ROWS_PER_WRITE, _flat_tokens, kept_tokens, write_vocabulary

UNIT_BITS = 24  # a unit key is (document place << UNIT_BITS) | unit number within the document
ROWS_PER_PARTITION = 50_000  # turns per partition when [spark] partitions = 0

_UNITS_DDL = (
    "kind int, unit_key long, doc_id string, seg_start int, seg_end int, question_seg int, "
    "char_start long, char_end long, participant_id string, chunks array<array<string>>, summary string"
)
_PHRASED_DDL = (
    "unit_key long, doc_id string, seg_start int, seg_end int, question_seg int, char_start long, "
    "char_end long, participant_id string, tokens array<string>"
)
_STATS_DDL = "term string, cf long, df long, first long"
_SCORED_DDL = "phrase string, count long, score double"
_BLOBS_DDL = "first_key long, n_units long, rows binary"
_UNIT_FIELDS = ("doc_id", "seg_start", "seg_end", "question_seg", "char_start", "char_end", "participant_id")


def check_available(spark_config: Any = None) -> None:
    """pyspark (and, for a local driver, Java) present: checked before the corpus is locked."""
    from feedcare.corpus.spark.session import check_java, check_pyspark

    check_pyspark()
    kind, _url = (spark_config.resolved_master() if spark_config is not None else ("master", ""))
    if kind == "master":
        check_java()


def auto_partitions(n_segments: int, parallelism: int) -> int:
    """Enough partitions for every core, and about ROWS_PER_PARTITION turns each."""
    return max(1, parallelism, math.ceil(n_segments / ROWS_PER_PARTITION))


def build_on_spark(corpus: Corpus, config: TokensConfig, tokens_fp: str, spark_config: Any,
                   progress: ProgressCallback | None, staging: Path) -> TokensMeta:
    """The three passes on Spark; the Parquet files go into ``staging`` (the caller commits them
    with tokens.json, as for the local backend), so a failed or killed run leaves the previous
    tokens whole."""
    from feedcare.corpus.spark.config import SparkConfig
    from feedcare.corpus.spark.session import session_info, spark_session, tracked, translate_errors

    spark_config = spark_config or SparkConfig()
    file_texts = {
        name: Path(name).read_text(encoding="utf-8", errors="replace") for name in config.stopwords_files
    }
    stoplists = load_stoplists(config, file_texts)
    params = None
    if needs_sentences(corpus, config, stoplists):  # a driver-side read, as in the local backend
        report(progress, "Training sentence splitter", 0, 1)
        params = train_punkt(punkt_sample(corpus, config))
        report(progress, "Training sentence splitter", 1, 1)
    spark = spark_session(spark_config)
    info = session_info(spark)
    n_segments = corpus.manifest.counts.segments
    # tokens.json records the parallelism as the local backend does for --jobs N
    jobs = max(1, min(info.default_parallelism or 1, math.ceil(n_segments / config.batch_size) or 1))
    partitions = spark_config.partitions or auto_partitions(n_segments, info.default_parallelism)
    cached: list[Any] = []
    try:
        with translate_errors(info.master):
            units = _tokenised(spark, corpus, config, stoplists, params, partitions).persist()
            cached.append(units)
            with tracked(spark, "Tokenising documents (Spark)", progress):
                reading, stats, filters, units_built = _summaries(units)
            unit_rows = units.filter("kind = 0").drop("kind", "summary")
            with tracked(spark, "Finding phrases (Spark)", progress):
                phrases = _phrases(unit_rows, config) if config.phrases else []
            table = pa.array(sorted(p.phrase for p in phrases), pa.string())
            phrased = unit_rows.mapInArrow(functools.partial(_phrase_partition, table), _PHRASED_DDL)
            phrased = phrased.persist()
            cached.append(phrased)
            with tracked(spark, "Building vocabulary (Spark)", progress):
                dictionary, n_before, pruned = _vocabulary(phrased, config)
            written = _write_tokens(corpus, spark, phrased, dictionary, tokens_fp, units_built, progress,
                                    staging / TOKENS_FILE)
    finally:
        for frame in cached:
            frame.unpersist()
    vocabulary = write_vocabulary(staging / VOCABULARY_FILE, dictionary, tokens_fp)
    return tokens_meta(corpus, config, tokens_fp, reading=reading, units_built=units_built, stats=stats,
                       filters=filters, phrases=phrases, n_before=n_before, pruned=pruned,
                       written=written, vocabulary=vocabulary, jobs=jobs)


# --- pass 1: tokenise in the executors ---------------------------------------------------------


def _tokenised(spark, corpus: Corpus, config: TokensConfig, stoplists, params, partitions: int):
    """Units (kind 0) and one summary row per partition (kind 1), partitioned in corpus order."""
    from pyspark.sql import functions as F

    docs = spark.read.parquet(_uri(corpus.documents_path)).select(
        F.col("_metadata.row_index").alias("doc_row"), *DOCUMENT_COLUMNS
    )
    segs = spark.read.parquet(_uri(corpus.segments_path)).select(
        F.col("_metadata.row_index").alias("seg_row"), "doc_id", "seg", "speaker", "role", "char_start",
        "text",
    )
    joined = docs.join(segs, "doc_id", "left").select(
        "doc_row", *DOCUMENT_COLUMNS, "seg_row", "seg", "speaker", "role", "char_start", "text",
    )
    ordered = joined.repartitionByRange(partitions, "doc_row").sortWithinPartitions("doc_row", "seg_row")
    # The executors do not count phrase pairs: Spark counts them from the units (pass 2).
    work = dataclasses.replace(config, phrases=False)
    task = functools.partial(_tokenise_partition, work, stoplists, params, str(corpus.segments_path))
    return ordered.mapInArrow(task, _UNITS_DDL)


def _uri(path: Path) -> str:
    return Path(path).resolve().as_uri()


def _tokenise_partition(config: TokensConfig, stoplists, params, segments_path: str,
                        batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor: whole documents of a sorted partition → unit rows, then one summary row."""
    init_worker(config, stoplists, params)
    if config.lemmatize:
        from feedcare.corpus.tokens.normalise import lemma

        lemma("warm")
    totals: dict[str, Any] = {"reading": Reading(), "stats": UnitStats(), "filters": Counter(), "units": 0}
    pending: pa.Table | None = None
    for batch in batches:
        table = pa.Table.from_batches([batch])
        pending = table if pending is None else pa.concat_tables([pending, table])
        if pending.num_rows < config.batch_size:
            continue
        rows = pending["doc_row"].to_numpy()
        cut = int(np.searchsorted(rows, rows[-1]))  # the last document may go on in the next batch
        if cut == 0:
            continue
        yield from _units_batch(pending.slice(0, cut), config, segments_path, totals)
        pending = pending.slice(cut)
    if pending is not None and pending.num_rows:
        yield from _units_batch(pending, config, segments_path, totals)
    reading = totals["reading"]
    summary = {
        "reading": {**{k: getattr(reading, k) for k in _READING_COUNTS},
                    **{k: dict(getattr(reading, k)) for k in _READING_COUNTERS},
                    "language_examples": reading.language_examples},
        "stats": dataclasses.asdict(totals["stats"]),
        "filters": dict(totals["filters"]),
        "units": totals["units"],
    }
    yield _units_record({"kind": [1], "summary": [json.dumps(summary)]}, 1)


def _units_batch(rows: pa.Table, config: TokensConfig, segments_path: str, totals: dict) -> Iterator:
    """Complete documents (joined rows, sorted) → their units as one record batch."""
    doc_row = rows["doc_row"].to_numpy()
    starts = np.flatnonzero(np.r_[True, doc_row[1:] != doc_row[:-1]])
    documents = rows.select(DOCUMENT_COLUMNS).take(pa.array(starts))
    has_turn = pc.is_valid(rows["seg_row"])
    segments = rows.filter(has_turn).select(["doc_id", "seg", "speaker", "role", "char_start", "text"])
    _check_turns(rows, doc_row, starts, documents, has_turn, segments_path)
    totals["reading"].add(documents, segments, config)
    batch = DocBatch(documents, segments, config.unit, tuple(config.roles), config.kept_languages)
    result = tokenise_batch(batch.doc_turns())
    totals["stats"].add(result.stats)
    totals["filters"].update(result.filter_counts)
    columns = result.columns
    n = len(columns["doc_id"])
    totals["units"] += n
    if not n:
        return
    place = dict(zip(documents["doc_id"].to_pylist(), doc_row[starts].tolist(), strict=True))
    keys, previous, number = [], None, 0
    for doc_id in columns["doc_id"]:
        number = number + 1 if doc_id == previous else 0
        previous = doc_id
        if number >> UNIT_BITS:
            raise DataError(f"{doc_id}: more than {1 << UNIT_BITS} units in one document; use larger units")
        keys.append((place[doc_id] << UNIT_BITS) | number)
    yield _units_record({"kind": [0] * n, "unit_key": keys, **{f: columns[f] for f in _UNIT_FIELDS},
                         "chunks": columns["chunks"]}, n)


def _check_turns(rows, doc_row, starts, documents, has_turn, segments_path: str) -> None:
    """Each document has exactly its n_segments turns, consecutive in segments.parquet."""
    valid = np.asarray(has_turn, dtype=bool)
    counts = np.add.reduceat(valid.astype(np.int64), starts) if len(starts) else np.zeros(0, np.int64)
    expected = documents["n_segments"].to_numpy(zero_copy_only=False).astype(np.int64)
    seg_row = rows["seg_row"].filter(has_turn).to_numpy()
    doc_of_turn = np.repeat(np.arange(len(starts)), counts)
    steps_ok = np.all((np.diff(seg_row) == 1) | (np.diff(doc_of_turn) != 0)) if len(seg_row) > 1 else True
    if not np.array_equal(counts, expected) or not steps_ok:
        bad = int(np.flatnonzero(counts != expected)[0]) if not np.array_equal(counts, expected) else 0
        raise DataError(
            f"{segments_path}: the turns of document {documents['doc_id'][bad].as_py()!r} do not match "
            "documents.parquet; re-run `feedcare ingest` to rebuild the corpus"
        )


_READING_COUNTS = ("documents", "turns", "selected", "language_documents", "language_turns")
_READING_COUNTERS = ("excluded", "modes", "languages")
_UNITS_SCHEMA = pa.schema([
    ("kind", pa.int32()), ("unit_key", pa.int64()), ("doc_id", pa.string()), ("seg_start", pa.int32()),
    ("seg_end", pa.int32()), ("question_seg", pa.int32()), ("char_start", pa.int64()),
    ("char_end", pa.int64()), ("participant_id", pa.string()), ("chunks", pa.list_(pa.list_(pa.string()))),
    ("summary", pa.string()),
])


def _units_record(columns: dict[str, list], n: int) -> pa.RecordBatch:
    arrays = [pa.array(columns.get(f.name, [None] * n), f.type) for f in _UNITS_SCHEMA]
    return pa.RecordBatch.from_arrays(arrays, schema=_UNITS_SCHEMA)


def _summaries(units) -> tuple[Reading, UnitStats, dict[str, int], int]:
    """The partitions' summary rows added up (this runs pass 1 and fills the cache)."""
    reading, stats, filters, built = Reading(), UnitStats(), Counter(), 0
    for row in units.filter("kind = 1").select("summary").collect():  # in partition order
        part = json.loads(row[0])
        for key in _READING_COUNTS:
            setattr(reading, key, getattr(reading, key) + part["reading"][key])
        for key in _READING_COUNTERS:
            getattr(reading, key).update(part["reading"][key])
        # the first documents left out for their language, in corpus order, as the local backend keeps
        room = LANGUAGE_EXAMPLES - len(reading.language_examples)
        reading.language_examples += part["reading"]["language_examples"][:room]
        stats.add(UnitStats(**part["stats"]))
        filters.update(part["filters"])
        built += part["units"]
    if not filters:  # no document at all: the local backend's counters, all zero
        from feedcare.corpus.tokens.tokenizer import StopLists, Tokenizer

        filters.update(Tokenizer(TokensConfig(), StopLists()).counts())
    return reading, stats, dict(filters), built


# --- pass 2: phrases and the vocabulary as Spark aggregations ----------------------------------


def _phrases(unit_rows, config: TokensConfig) -> list[Phrase]:
    """gensim Phrases' counts (unigrams and adjacent pairs within a chunk) and scores, on Spark."""
    from pyspark.sql import functions as F

    chunks = unit_rows.select(F.explode("chunks").alias("c"))
    pairs = F.expr(
        f"transform(slice(c, 2, greatest(size(c) - 1, 0)), (w, i) -> concat(c[i], '{DELIMITER}', w))"
    )
    keys = chunks.select(F.explode("c").alias("key")).union(chunks.select(F.explode(pairs).alias("key")))
    vocab = keys.groupBy("key").agg(F.count(F.lit(1)).alias("n")).persist()
    try:
        len_vocab = vocab.count()
        words = int(chunks.agg(F.sum(F.size("c"))).first()[0] or 0)  # every token counted once
        # export_phrases: each key with the delimiter, split; its first and last words scored
        parts = F.split("key", DELIMITER, -1)
        candidates = vocab.filter(F.size(parts) >= 2).select(
            F.col("key").alias("phrase"), F.col("n").alias("count"),
            parts.getItem(0).alias("word_a"), F.element_at(parts, -1).alias("word_b"),
        )
        a = vocab.select(F.col("key").alias("word_a"), F.col("n").alias("count_a"))
        b = vocab.select(F.col("key").alias("word_b"), F.col("n").alias("count_b"))
        scored = candidates.join(a, "word_a").join(b, "word_b")
        scored = scored.select("phrase", "count", "count_a", "count_b")
        task = functools.partial(_score_partition, config.phrases_scoring, config.phrases_min_count,
                                 float(config.phrases_threshold), int(len_vocab), words)
        found = scored.mapInArrow(task, _SCORED_DDL).collect()
    finally:
        vocab.unpersist()
    phrases = [Phrase(row["phrase"], int(row["count"]), float(row["score"])) for row in found]
    phrases.sort(key=lambda p: (-p.count, -p.score, p.phrase))
    return phrases


def _score_partition(scoring: str, min_count: int, threshold: float, len_vocab: int, words: int,
                     batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor: gensim's scorer on each candidate; keep those above the threshold."""
    from gensim.models.phrases import npmi_scorer, original_scorer

    scorer = npmi_scorer if scoring == "npmi" else original_scorer
    for batch in batches:
        out: dict[str, list] = {"phrase": [], "count": [], "score": []}
        for phrase, count, count_a, count_b in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            score = scorer(worda_count=count_a, wordb_count=count_b, bigram_count=count, len_vocab=len_vocab,
                           min_count=min_count, corpus_word_count=words)
            if score > threshold:
                out["phrase"].append(phrase)
                out["count"].append(count)
                out["score"].append(float(score))
        yield pa.RecordBatch.from_pydict(
            out, schema=pa.schema([("phrase", pa.string()), ("count", pa.int64()), ("score", pa.float64())])
        )


_PHRASED_SCHEMA = pa.schema([
    ("unit_key", pa.int64()), ("doc_id", pa.string()), ("seg_start", pa.int32()), ("seg_end", pa.int32()),
    ("question_seg", pa.int32()), ("char_start", pa.int64()), ("char_end", pa.int64()),
    ("participant_id", pa.string()), ("tokens", pa.list_(pa.string())),
])


def _phrase_partition(table: pa.Array, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor: each unit's chunks joined into its token list, phrases applied (as locally)."""
    for batch in batches:
        chunks = batch.column("chunks").cast(pa.list_(pa.list_(pa.string())))
        tokens = _flat_tokens(chunks, table)
        columns = [batch.column(f.name).cast(f.type) for f in _PHRASED_SCHEMA if f.name != "tokens"]
        yield pa.RecordBatch.from_arrays([*columns, tokens.cast(pa.list_(pa.string()))],
                                         schema=_PHRASED_SCHEMA)


def _stats_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor: per term of a batch, its count, units and first unit (merged by Spark)."""
    for batch in batches:
        tokens = batch.column("tokens")
        if isinstance(tokens, pa.ChunkedArray):
            tokens = tokens.combine_chunks()
        keys = batch.column("unit_key").to_numpy()
        parents = np.asarray(pc.list_parent_indices(tokens))
        pairs = pa.table({"term": tokens.flatten().cast(pa.string()), "unit": pa.array(keys[parents])})
        grouped = pairs.group_by("term", use_threads=False).aggregate(
            [("unit", "count"), ("unit", "count_distinct"), ("unit", "min")]
        )
        yield pa.RecordBatch.from_arrays(
            [grouped["term"].combine_chunks(), grouped["unit_count"].combine_chunks(),
             grouped["unit_count_distinct"].combine_chunks().cast(pa.int64()),
             grouped["unit_min"].combine_chunks()],
            names=["term", "cf", "df", "first"],
        )


def _vocabulary(phrased, config: TokensConfig):
    """gensim's Dictionary after ``filter_extremes``, with the counts :func:`~.vocabulary.prune` reports."""
    from gensim.corpora import Dictionary
    from pyspark.sql import functions as F

    partial = phrased.select("unit_key", "tokens").mapInArrow(_stats_partition, _STATS_DDL)
    stats = partial.groupBy("term").agg(
        F.sum("cf").alias("cf"), F.sum("df").alias("df"), F.min("first").alias("first")
    ).persist()
    try:
        nonempty = phrased.filter(F.size("tokens") > 0).count()
        no_above_abs = int(config.no_above * nonempty)  # as gensim computes it
        df = F.col("df")
        below, above = df < config.no_below, (df >= config.no_below) & (df > no_above_abs)
        counts = stats.agg(
            F.count(F.lit(1)), F.sum("cf"), F.sum("df"),
            F.sum(F.when(below, 1).otherwise(0)), F.sum(F.when(above, 1).otherwise(0)),
        ).first()
        before, n_before, num_nnz, n_below, n_above = (int(v or 0) for v in counts)
        ranked = stats.filter(above).orderBy(F.desc("df"), "term").select("term")
        above_terms = [row[0] for row in ranked.take(20)]
        good = stats.filter((df >= config.no_below) & (df <= no_above_abs))
        if config.keep_n:
            # gensim sorts the good ids by document frequency (stable): ties stay in id order,
            # and ids follow the first unit, then the term
            good = good.orderBy(F.desc("df"), "first", "term").limit(config.keep_n)
        kept = sorted(good.select("first", "term", "df", "cf").collect(), key=lambda r: (r[0], r[1]))
    finally:
        stats.unpersist()
    dictionary = Dictionary()
    dictionary.token2id = {row[1]: i for i, row in enumerate(kept)}
    dictionary.dfs = {i: int(row[2]) for i, row in enumerate(kept)}
    dictionary.cfs = {i: int(row[3]) for i, row in enumerate(kept)}
    dictionary.num_docs, dictionary.num_pos, dictionary.num_nnz = nonempty, n_before, num_nnz
    left = before - n_below - n_above
    pruned = {
        "before": before,
        "after": len(kept),
        "no_below": n_below,
        "no_above": n_above,
        "no_above_terms": above_terms,
        "keep_n": max(0, left - config.keep_n) if config.keep_n else 0,
        "units": nonempty,
    }
    return dictionary, n_before, pruned


# --- pass 3: the final rows, written by the driver ---------------------------------------------

_FINAL = TOKENS.remove(TOKENS.get_field_index("unit_id")).append(pa.field("position", pa.int64()))


def _final_partition(vocabulary: pa.Array, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor: pass_write's per-unit work; one IPC blob per batch (kept units and their places)."""
    for batch in batches:
        keep, counts, token_columns = kept_tokens(batch.column("tokens").cast(pa.list_(pa.string())),
                                                  vocabulary)
        columns = {name: batch.column(name).cast(TOKENS.field(name).type).filter(keep)
                   for name in _UNIT_FIELDS}
        columns.update(token_columns, position=pa.array(np.flatnonzero(counts > 0), pa.int64()))
        table = pa.table([columns[name] for name in _FINAL.names], schema=_FINAL)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, _FINAL) as stream:
            stream.write_table(table)
        first = int(batch.column("unit_key")[0].as_py()) if batch.num_rows else -1
        yield pa.RecordBatch.from_pydict(
            {"first_key": [first], "n_units": [batch.num_rows], "rows": [sink.getvalue().to_pybytes()]},
            schema=pa.schema([("first_key", pa.int64()), ("n_units", pa.int64()), ("rows", pa.binary())]),
        )


def _write_tokens(corpus: Corpus, spark, phrased, dictionary, tokens_fp: str, units_built: int,
                  progress, path: Path) -> dict[str, int]:
    """tokens.parquet from the executors' rows, in the local backend's row groups."""
    from feedcare.corpus.spark.session import tracked

    vocabulary = pa.array(sorted(dictionary.token2id, key=dictionary.token2id.get), pa.string())
    blobs = phrased.mapInArrow(functools.partial(_final_partition, vocabulary), _BLOBS_DDL)
    seen = unit_id = tokens = 0
    last_key = -1
    parts: list[pa.Table] = []
    group = 0  # index of the 50,000-unit block being filled, as pass_write reads the units

    def flush() -> None:
        nonlocal unit_id, tokens
        if not parts:
            return
        table = pa.concat_tables(parts).combine_chunks()
        parts.clear()
        n = table.num_rows
        columns = {"unit_id": pa.array(np.arange(unit_id, unit_id + n), pa.int64())}
        columns.update({name: table.column(name).combine_chunks() for name in TOKENS.names[1:]})
        writer.write(pa.table([columns[name] for name in TOKENS.names], schema=TOKENS))
        unit_id += n
        tokens += int(pc.sum(table["n_tokens"]).as_py() or 0)

    with tracked(spark, "Writing tokens (Spark)", progress), \
            BatchWriter(path, TOKENS, {FINGERPRINT_KEY: tokens_fp}) as writer:
        for row in blobs.toLocalIterator(prefetchPartitions=True):
            first_key, n_units, data = row[0], row[1], row[2]
            if not n_units:
                continue
            if first_key <= last_key:
                raise DataError(f"{corpus.path}: internal error: Spark returned the units out of order")
            last_key = first_key
            table = pa.ipc.open_stream(data).read_all()
            positions = table["position"].to_numpy() + seen
            blocks = positions // ROWS_PER_WRITE
            for block in np.unique(blocks):
                if block != group:
                    flush()
                    group = int(block)
                parts.append(table.filter(pa.array(blocks == block)).drop_columns(["position"]))
            seen += n_units
            report(progress, "Writing tokens", seen, units_built)
        flush()
    if seen != units_built:
        raise DataError(f"{corpus.path}: internal error: {seen} units written of {units_built} built")
    return {"units": unit_id, "tokens": tokens}
