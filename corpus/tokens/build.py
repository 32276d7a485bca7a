"""`feedcare tokens`: the corpus → analysis units → tokens.parquet, vocabulary.parquet, tokens.json.

Three streaming passes keep memory flat in the corpus size:

1. documents and their selected turns are read in batches and tokenised in worker processes
   (ordered results, so the output is the same for any ``jobs``); units go to a temporary
   Parquet file and phrase candidates are counted;
2. the temporary units are re-read, phrases applied and the gensim ``Dictionary`` built, then
   ``filter_extremes`` prunes it (every removal is counted and reported);
3. the units are re-read once more and written with their final tokens and ids.

Outputs are rebuilt only when the corpus fingerprint or the effective configuration changed.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus.base.atomic import BatchWriter, commit_files, remove_stale_temps, temp_name
from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.corpus.base.processes import die_with_parent
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.base.settings import as_dict, fingerprint
from feedcare.corpus.store.lock import corpus_lock
from feedcare.corpus.store.reader import Corpus
from feedcare.corpus.store.schema import (
    ENGLISH,
    FINGERPRINT_KEY,
    TOKENS_FILE,
    TOKENS_META_FILE,
    VOCABULARY_FILE,
)
from feedcare.corpus.store.sidecars import (
    PhraseCount,
    Pruning,
    TermCount,
    TokensMeta,
    TokensSummary,
)
from feedcare.corpus.tokens.batches import (
    Reading,
    doc_batches,
    resolve_mode,
    tokenise_doc_batch,
)
from feedcare.corpus.tokens.config import TokensConfig, stopword_file_hashes
from feedcare.corpus.tokens.meta import package_versions, tokens_meta
from feedcare.corpus.tokens.normalise import lemma
from feedcare.corpus.tokens.phrases import PhraseCounter
from feedcare.corpus.tokens.punkt import needs_sentences, punkt_sample
from feedcare.corpus.tokens.tokenizer import load_stoplists, spoken_list_text
from feedcare.corpus.tokens.units import UnitStats, init_worker, train_punkt
from feedcare.corpus.tokens.vocabulary import (
    UNITS,
    pass_phrases,
    pass_write,
    prune,
    write_vocabulary,
)

__all__ = ["TokensReport", "build_tokens", "resolve_mode", "tokens_fingerprint"]

# Bump when the tokenisation changes in a way the fingerprint cannot see.
# 2: documents are filtered by language; redaction markers are patterns; answer units.
TOKENS_FORMAT = 2
_TEMP_UNITS = ".tokens-units.tmp.parquet"
_TEMP_PHRASED = ".tokens-phrased.tmp.parquet"


@dataclass(frozen=True)
class TokensReport:
    """What `feedcare tokens` did (or found up to date), as plain data."""

    corpus: Path
    status: str  # "built" | "up to date"
    fingerprint: str
    corpus_fingerprint: str
    config: dict[str, Any]
    summary: TokensSummary
    phrases: list[PhraseCount]
    pruned: Pruning
    top_terms: list[TermCount]
    seconds: float

    @classmethod
    def from_meta(cls, corpus: Path, status: str, meta: TokensMeta, seconds: float) -> TokensReport:
        return cls(
            corpus=corpus, status=status, fingerprint=meta.fingerprint,
            corpus_fingerprint=meta.corpus_fingerprint, config=meta.config, summary=meta.summary,
            phrases=meta.phrases, pruned=meta.pruned, top_terms=meta.top_terms, seconds=seconds,
        )

    def language_warning(self) -> str | None:
        """ "3 documents are not in English: P17 (fr), …; they are left out of the tokens; ..." """
        n = self.summary.documents_left_out_language
        if not n:
            return None
        examples = self.summary.left_out_language_examples
        shown = ", ".join(f"{e.doc_id} ({e.language})" for e in examples[:5])
        more = ", …" if n > min(5, len(examples)) else ""
        kept = list(self.config["languages"])
        names = " or ".join("English" if code == ENGLISH else code for code in kept)
        found = sorted({e.language for e in examples} - set(kept))
        suggestion = ", ".join(f'"{code}"' for code in [*kept, *found])
        noun = "document is" if n == 1 else "documents are"
        return (
            f"{n:,} {noun} not in {names}: {shown}{more}; they are left out of the tokens; keep "
            f"them with --keep-languages or [tokens] languages = [{suggestion}]"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "corpus": str(self.corpus),
            "fingerprint": self.fingerprint,
            "corpus_fingerprint": self.corpus_fingerprint,
            "config": self.config,
            "summary": self.summary.to_dict(),
            "phrases": [p.to_dict() for p in self.phrases],
            "pruned": self.pruned.to_dict(),
            "top_terms": [t.to_dict() for t in self.top_terms],
            "seconds": round(self.seconds, 3),
        }


def tokens_fingerprint(corpus: Corpus, config: TokensConfig) -> str:
    """Hash of everything the tokens depend on: corpus, settings, word lists, package versions."""
    settings = as_dict(config)
    settings.pop("batch_size")  # changes the work split, never the output
    packages = package_versions()
    lists = {"spoken": fingerprint(spoken_list_text()), "files": stopword_file_hashes(config)}
    return fingerprint(TOKENS_FORMAT, corpus.fingerprint, settings, lists, packages)


def is_up_to_date(corpus: Corpus, tokens_fp: str) -> bool:
    """True when tokens.json, tokens.parquet and vocabulary.parquet all carry ``tokens_fp``."""
    if not (corpus.has_tokens() and corpus.vocabulary_path.is_file()):
        return False
    try:  # a damaged tokens.json, or one of another format version, is rebuilt
        meta = TokensMeta.from_json(corpus.path / TOKENS_META_FILE)
        stamps = [pq.read_schema(p).metadata or {} for p in (corpus.tokens_path, corpus.vocabulary_path)]
    except (DataError, OSError, pa.ArrowException):
        return False
    wanted = tokens_fp.encode()
    return meta.fingerprint == tokens_fp and all(
        s.get(FINGERPRINT_KEY.encode()) == wanted for s in stamps
    )


def build_tokens(
    corpus: Corpus,
    config: TokensConfig | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    wait: float = 0.0,
    progress: ProgressCallback | None = None,
    backend: str = "local",
    spark: Any = None,
) -> TokensReport:
    """Tokenise ``corpus`` into units (tokens.parquet, vocabulary.parquet, tokens.json).

    Does nothing but report when the outputs already match the corpus and ``config`` (pass
    ``force=True`` to rebuild). ``jobs`` worker processes (default: all cores) give the same
    bytes as one. ``wait`` is how long to wait for another process writing the corpus.
    ``backend="spark"`` does the work on Spark (``spark``: a :class:`SparkConfig`), writing the
    same files (see docs/spark.md).
    """
    started = time.monotonic()
    config = config or TokensConfig()
    if backend == "spark":
        from feedcare.corpus.tokens import spark_backend

        spark_backend.check_available(spark)
    elif backend != "local":
        raise UsageError(f"backend must be 'local' or 'spark', got {backend!r}")
    tokens_fp = tokens_fingerprint(corpus, config)
    with corpus_lock(corpus.path, wait):
        remove_stale_temps(corpus.path)  # what a killed `tokens` left behind
        if force or not is_up_to_date(corpus, tokens_fp):
            # Everything is written into a staging folder and renamed into place at the end, so
            # until then the previous tokens stay whole and valid (Ctrl-C, kill -9, full disk).
            staging = temp_name(corpus.path / "tokens", os.getpid())
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            try:
                if backend == "spark":
                    meta = spark_backend.build_on_spark(corpus, config, tokens_fp, spark, progress, staging)
                else:
                    meta = _build(corpus, config, tokens_fp, jobs, progress, staging)
                meta.to_json(staging / TOKENS_META_FILE)
                # tokens.json last: it names the fingerprint both Parquet files must carry.
                commit_files(staging, corpus.path, (TOKENS_FILE, VOCABULARY_FILE, TOKENS_META_FILE))
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            status = "built"
        else:
            meta = TokensMeta.from_json(corpus.path / TOKENS_META_FILE)
            status = "up to date"
    return TokensReport.from_meta(corpus.path, status, meta, time.monotonic() - started)


# --- ordered parallel map -------------------------------------------------------------------


def ordered_map(
    fn: Callable[[Any], Any],
    tasks: Iterable[Any],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple,
) -> Iterator[Any]:
    """``map(fn, tasks)`` over ``jobs`` processes, results in task order, few tasks in flight.

    At most 2 × jobs tasks are queued, so memory does not grow with the number of tasks.
    """
    if jobs <= 1:
        initializer(*initargs)
        yield from map(fn, tasks)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    executor = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                   initargs=(os.getpid(), initializer, initargs))
    pending: deque = deque()
    try:
        for task in tasks:
            pending.append(executor.submit(fn, task))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, initializer: Callable[..., None], initargs: tuple) -> None:
    die_with_parent(parent)  # a killed `tokens` must not leave its workers running
    initializer(*initargs)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- the three passes -----------------------------------------------------------------------


def _build(
    corpus: Corpus, config: TokensConfig, tokens_fp: str, jobs: int | None, progress, staging: Path
) -> TokensMeta:
    """The three passes; every file goes into ``staging`` (the caller commits them)."""
    file_texts = {
        name: Path(name).read_text(encoding="utf-8", errors="replace") for name in config.stopwords_files
    }
    stoplists = load_stoplists(config, file_texts)
    params = None
    if needs_sentences(corpus, config, stoplists):
        report(progress, "Training sentence splitter", 0, 1)
        params = train_punkt(punkt_sample(corpus, config))
        report(progress, "Training sentence splitter", 1, 1)
    n_docs, n_segments = corpus.manifest.counts.documents, corpus.manifest.counts.segments
    jobs = max(1, min(jobs or default_jobs(), math.ceil(n_segments / config.batch_size) or 1))
    if config.lemmatize:
        lemma("warm")  # loads simplemma's dictionary once; forked workers inherit it
    temp, temp2 = staging / _TEMP_UNITS, staging / _TEMP_PHRASED
    try:
        first = _pass_units(corpus, config, temp, jobs, (config, stoplists, params), n_docs, progress)
        phrases = first["phrases"].phrases() if config.phrases else []
        table = frozenset(p.phrase for p in phrases)
        dictionary, n_before = pass_phrases(temp, temp2, table, progress, first["units"])
        pruned = prune(dictionary, config)
        written = pass_write(staging / TOKENS_FILE, temp2, dictionary, tokens_fp, progress, first["units"])
    finally:
        temp.unlink(missing_ok=True)
        temp2.unlink(missing_ok=True)
    vocabulary = write_vocabulary(staging / VOCABULARY_FILE, dictionary, tokens_fp)
    return tokens_meta(corpus, config, tokens_fp, reading=first["reading"], units_built=first["units"],
                       stats=first["stats"], filters=first["filters"], phrases=phrases, n_before=n_before,
                       pruned=pruned, written=written, vocabulary=vocabulary, jobs=jobs)


def _pass_units(corpus, config, temp, jobs, initargs, n_docs, progress) -> dict:
    """Pass 1: tokenise in workers, spill units to ``temp``, count phrase candidates."""
    reading = Reading()
    phrases = PhraseCounter(config)
    stats = UnitStats()
    filters: Counter = Counter()
    done = units = 0
    report(progress, "Tokenising documents", 0, n_docs)
    with BatchWriter(temp, UNITS) as writer:
        batches = doc_batches(corpus, config, reading)
        for result in ordered_map(tokenise_doc_batch, batches, jobs, init_worker, initargs):
            writer.write(pa.table(result.columns, schema=UNITS))
            phrases.add(result.pair_counts, result.pair_words)
            stats.add(result.stats)
            filters.update(result.filter_counts)
            units += len(result.columns["doc_id"])
            done += result.documents
            report(progress, "Tokenising documents", done, n_docs)
    return {"reading": reading, "phrases": phrases, "stats": stats, "filters": dict(filters), "units": units}
