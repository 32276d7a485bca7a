"""One fit, start to finish, in whatever process runs it: fit, measure, write its files.

A finished fit leaves ``fits/<model>/`` (topics, doc_topics and topic_measures Parquet files
plus ``fit.json``, written last as the completion mark) and ``models/<model>/`` (the engine's
native files). An interrupted sweep re-uses every fit whose ``fit.json`` matches the run's
fingerprint.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus.base.atomic import (
    BatchWriter,
    iter_batches,
    read_json,
    temp_name,
    write_json,
    write_table,
)
from feedcare.corpus.base.errors import UsageError
from feedcare.topics.config import MEASURE_TOP_N
from feedcare.topics.engines import get_engine
from feedcare.topics.fit.bow import BowCorpus, load_terms
from feedcare.topics.fit.doctopics import DocTopics
from feedcare.topics.measures.coherence import measure_model, top_term_ids
from feedcare.topics.measures.distinctive import frex, relevance, top_ids
from feedcare.topics.measures.spread import TopicSpread, topic_spread
from feedcare.topics.runs.rundir import DOC_TOPICS, MODELS_DIR, TOPIC_MEASURES, TOPICS, model_name

FITS_DIR = "fits"
FIT_FILE = "fit.json"
FitProgress = Callable[[str, float], None]  # (model, fraction done)


@dataclass(frozen=True)
class FitJob:
    """Everything a worker process needs for one fit (plain, picklable data)."""

    tokens_path: Path
    vocabulary_path: Path
    run_dir: Path
    fingerprint: str  # of the run's configuration and tokens: a fit from another run is not re-used
    engine: str
    settings: dict[str, Any]
    k: int
    seed: int
    top_n: int

    @property
    def model(self) -> str:
        return model_name(self.k, self.seed)

    @property
    def fit_dir(self) -> Path:
        return self.run_dir / FITS_DIR / self.model


def fit_fingerprint(engine: str, settings: dict[str, Any], top_n: int, tokens_fingerprint: str) -> str:
    """What a fit depends on (engine, its settings, top_n, the tokens): a fit.json with another
    fingerprint belongs to another configuration and is never re-used or shown."""
    from feedcare.corpus.base.settings import fingerprint

    return fingerprint(engine, settings, top_n, tokens_fingerprint)


def finished_fit(job: FitJob) -> dict[str, Any] | None:
    """The record of a fit finished earlier for this run, or None."""
    path = job.fit_dir / FIT_FILE
    if not path.is_file():
        return None
    record = read_json(path, FIT_FILE)
    names = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet")
    if record.get("fingerprint") != job.fingerprint or not all((job.fit_dir / n).is_file() for n in names):
        return None
    return record


def finished_fits(run_dir: Path, plan: list[tuple[int, int]], fingerprint: str) -> list[dict[str, Any]]:
    """The fit.json records of the fits of ``plan`` ((k, seed) pairs, in order) finished so far."""
    jobs = [FitJob(Path(), Path(), Path(run_dir), fingerprint, "", {}, k, seed, 0) for k, seed in plan]
    return [record for job in jobs if (record := finished_fit(job)) is not None]


def finished_models(run_dir: Path, plan: list[tuple[int, int]], fingerprint: str) -> list[str]:
    """The models of ``plan`` ((k, seed) pairs) that a run at ``run_dir`` has already finished."""
    return [record["model"] for record in finished_fits(run_dir, plan, fingerprint)]


def run_fit(job: FitJob, progress: FitProgress | None = None) -> dict[str, Any]:
    """Fit, measure and write one model; returns its record (also saved as fit.json)."""
    vocabulary = pq.read_table(job.vocabulary_path)
    terms = load_terms(vocabulary)
    bow = BowCorpus(job.tokens_path)
    engine = get_engine(job.engine)
    report = (lambda fraction: progress(job.model, fraction)) if progress else None

    started = time.perf_counter()
    result = engine.fit(bow, terms, job.k, job.seed, job.settings, progress=report)
    fit_seconds = time.perf_counter() - started
    if not np.isfinite(result.topic_term).all():  # never a "complete" run of NaN weights
        raise UsageError(
            f"the {job.engine} fit {job.model} produced weights that are not numbers; its priors "
            "(alpha, eta) or settings are out of range: use smaller values"
        )

    _save_native(result.save, job.run_dir / MODELS_DIR / job.model)
    started = time.perf_counter()
    measures = measure_model(result.topic_term, terms, job.tokens_path)
    measure_seconds = time.perf_counter() - started

    job.fit_dir.mkdir(parents=True, exist_ok=True)
    marginal = vocabulary.column("coll_freq").to_numpy()[np.argsort(vocabulary.column("token_id").to_numpy())]
    write_table(job.fit_dir / "topics.parquet",
                topics_table(job.model, result.topic_term, terms, job.top_n, marginal), TOPICS)
    doc_topic = result.doc_topic
    if not isinstance(doc_topic, DocTopics):  # an engine that returns a plain n × k array
        doc_topic = DocTopics.from_array(doc_topic)
    _write_doc_topics(job.fit_dir / "doc_topics.parquet", job.model, doc_topic, job.tokens_path)
    spread = _spread(doc_topic, job.tokens_path)
    narrow = spread.narrow()
    per_topic = {
        **measures.per_topic,
        "n_docs": spread.n_docs,
        "n_participants": spread.n_participants,
        "narrow": [t in narrow for t in range(job.k)],
    }
    write_table(job.fit_dir / "topic_measures.parquet", _measures_table(job.model, per_topic), TOPIC_MEASURES)
    broad = [v for t, v in enumerate(measures.per_topic["c_npmi"]) if t not in narrow and v is not None]
    record = {
        "model": job.model,
        "k": job.k,
        "seed": job.seed,
        "fingerprint": job.fingerprint,
        "c_npmi": measures.c_npmi,
        "c_v": measures.c_v,
        "u_mass": measures.u_mass,
        "diversity": measures.diversity,
        # mean c_npmi without the narrow topics: what the k recommendation uses
        "c_npmi_broad": float(np.mean(broad)) if broad else None,
        "narrow_topics": narrow,
        "narrow_docs": [spread.n_docs[t] for t in narrow],
        "top_terms": [[terms[i] for i in ids] for ids in top_term_ids(result.topic_term, MEASURE_TOP_N)],
        "fit_seconds": round(fit_seconds, 3),
        "measure_seconds": round(measure_seconds, 3),
        "engine_info": result.info,
    }
    write_json(job.fit_dir / FIT_FILE, record)  # last: marks the fit as finished
    return record


def topics_table(
    model: str, topic_term: np.ndarray, terms: list[str], top_n: int, marginal: np.ndarray | None = None
) -> pa.Table:
    """Per topic, the union of its top ``top_n`` terms by probability, FREX and relevance.

    ``rank`` is the term's probability rank, so ``rank < top_n`` gives the probability top
    terms and sorting by ``frex`` (or ``relevance``) gives the distinctive ones exactly.
    ``marginal`` is each term's corpus frequency (for relevance; default: the topics' mean).
    """
    topic_term = np.asarray(topic_term, dtype=np.float64)
    frex_scores = frex(topic_term)
    relevance_scores = relevance(topic_term, marginal)
    order = np.argsort(-topic_term, axis=1, kind="stable")
    by_frex, by_relevance = top_ids(frex_scores, top_n), top_ids(relevance_scores, top_n)
    rows: dict[str, list[Any]] = {name: [] for name in TOPICS.names}
    for topic in range(topic_term.shape[0]):
        rank_of = np.empty(topic_term.shape[1], dtype=np.int64)
        rank_of[order[topic]] = np.arange(topic_term.shape[1])
        wanted = set(order[topic, :top_n].tolist()) | set(by_frex[topic]) | set(by_relevance[topic])
        for term_id in sorted(wanted, key=lambda i: rank_of[i]):
            rows["model"].append(model)
            rows["topic"].append(topic)
            rows["rank"].append(int(rank_of[term_id]))
            rows["term"].append(terms[term_id])
            rows["weight"].append(float(topic_term[topic, term_id]))
            rows["frex"].append(float(frex_scores[topic, term_id]))
            rows["relevance"].append(float(relevance_scores[topic, term_id]))
    return pa.Table.from_pydict(rows, schema=TOPICS)


def _spread(doc_topic: DocTopics, tokens_path: Path) -> TopicSpread:
    """Per-topic spread, streaming the topic weights and the units' documents side by side."""
    step = max(1, 65_536 // max(doc_topic.k, 1))
    units = _blocks(iter_batches(tokens_path, ["doc_id", "participant_id"], step), step)
    pairs = ((weights, next(units)) for weights in _blocks(doc_topic.batches(), step))
    return topic_spread(pairs, doc_topic.k)


def _write_doc_topics(path: Path, model: str, doc_topic: DocTopics, tokens_path: Path) -> None:
    """doc_topics.parquet in row groups of ``65,536 // k`` units, streamed from both inputs."""
    k = doc_topic.k
    step = max(1, 65_536 // max(k, 1))
    units = _blocks(iter_batches(tokens_path, ["unit_id", "doc_id", "seg_start", "seg_end"], step), step)
    with BatchWriter(path, DOC_TOPICS) as writer:
        for weights in _blocks(doc_topic.batches(), step):
            part = next(units, None)
            rows = part.num_rows if part is not None else 0
            if part is None or rows != len(weights):
                raise ValueError(f"{tokens_path} changed while doc_topics was written")
            repeat = np.repeat(np.arange(rows), k)
            writer.write(
                pa.table(
                    {
                        "model": pa.array([model] * (rows * k), pa.string()),
                        "unit_id": part["unit_id"].take(repeat),
                        "doc_id": part["doc_id"].take(repeat),
                        "seg_start": part["seg_start"].take(repeat),
                        "seg_end": part["seg_end"].take(repeat),
                        "topic": pa.array(np.tile(np.arange(k, dtype=np.int32), rows)),
                        "weight": pa.array(weights.reshape(-1)),
                    },
                    schema=DOC_TOPICS,
                )
            )


def _blocks(batches: Iterator[Any], size: int) -> Iterator[Any]:
    """Blocks of exactly ``size`` rows (the last may be shorter) of numpy rows or Arrow batches."""
    pending: list[Any] = []
    have = 0
    for batch in batches:
        pending.append(batch if isinstance(batch, np.ndarray) else pa.Table.from_batches([batch]))
        have += len(batch)
        while have >= size:
            block = _concat(pending)
            yield block[:size]
            pending, have = [block[size:]], have - size
    if have:
        yield _concat(pending)


def _concat(parts: list[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if isinstance(parts[0], np.ndarray) else pa.concat_tables(parts)


def _measures_table(model: str, per_topic: dict[str, list[float | None]]) -> pa.Table:
    k = len(per_topic["c_npmi"])
    return pa.Table.from_pydict(
        {"model": [model] * k, "topic": list(range(k)), **per_topic}, schema=TOPIC_MEASURES
    )


def _save_native(save: Callable[[Path], None], target: Path) -> None:
    """Native model files appear whole or not at all (a temp folder, then a rename)."""
    tmp = temp_name(target, os.getpid())  # a killed writer's folder is swept by the next run
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        save(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
