"""Quality measures of one fitted model: coherence (c_npmi, c_v, u_mass) and topic diversity.

Coherence is gensim's (``CoherenceModel``'s segmentation, confirmation and aggregation, with its
default windows) on the top-10 terms of each topic, against the units the model was fitted on.
The word and pair counts behind it come from :mod:`.cooccurrence` in one streamed pass over
``tokens.parquet`` for all three measures, instead of gensim's per-document Python loops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from feedcare.corpus.base.atomic import iter_batches
from feedcare.topics.config import MEASURE_TOP_N
from feedcare.topics.measures.cooccurrence import CoOccurrenceCounter, Counts

COHERENCES = ("c_npmi", "c_v", "u_mass")


@dataclass(frozen=True)
class ModelMeasures:
    """Mean coherences and diversity of a model, and coherence per topic (NaN → None)."""

    c_npmi: float | None
    c_v: float | None
    u_mass: float | None
    diversity: float
    per_topic: dict[str, list[float | None]]


def top_term_ids(topic_term: np.ndarray, n: int = MEASURE_TOP_N) -> list[list[int]]:
    """Term ids of each topic, most probable first; ties broken by the smaller id (stable)."""
    n = min(n, topic_term.shape[1])
    order = np.argsort(-topic_term, axis=1, kind="stable")[:, :n]
    return order.tolist()


def diversity(top_terms: Sequence[Sequence[Any]]) -> float:
    """Share of unique terms among all topics' top-term lists (1 = no term shared)."""
    total = sum(len(t) for t in top_terms)
    return len({term for terms in top_terms for term in terms}) / total if total else 0.0


def count_cooccurrences(top_ids: Sequence[Sequence[int]], terms: Sequence[str], tokens_path: Path,
                        batch_size: int = 4096) -> CoOccurrenceCounter:
    """The counts every coherence measure needs, from one pass over ``tokens.parquet``."""
    counter = CoOccurrenceCounter(top_ids, terms)
    for batch in iter_batches(Path(tokens_path), ["tokens", "token_ids"], batch_size):
        counter.add(batch.column(0), batch.column(1))
    return counter


def coherence(top_ids: Sequence[Sequence[int]], counts: Counts, measure: str) -> list[float | None]:
    """Per-topic coherence under ``measure`` (c_npmi, c_v or u_mass), as gensim computes it."""
    from gensim.models.coherencemodel import COHERENCE_MEASURES

    if measure not in COHERENCES:
        raise ValueError(f"measure must be one of {', '.join(COHERENCES)}, got {measure!r}")
    pipeline = COHERENCE_MEASURES[measure]
    topics = [np.asarray(ids) for ids in top_ids]
    segmented = pipeline.seg(topics)
    # The keyword arguments CoherenceModel.get_coherence_per_topic passes for each measure.
    if measure == "c_v":
        values = pipeline.conf(segmented, counts, topics=topics, measure="nlr", gamma=1)
    elif measure == "u_mass":
        values = pipeline.conf(segmented, counts)
    else:
        values = pipeline.conf(segmented, counts, normalize=True)
    return [_finite(v) for v in values]


def measure_model(topic_term: np.ndarray, terms: Sequence[str], tokens_path: Path) -> ModelMeasures:
    """All measures of one model from its topic-term matrix and the units it was fitted on."""
    top_ids = top_term_ids(topic_term)
    counter = count_cooccurrences(top_ids, terms, tokens_path)
    per_topic = {m: coherence(top_ids, counter.counts(m), m) for m in COHERENCES}
    means = {m: _mean(values) for m, values in per_topic.items()}
    return ModelMeasures(
        c_npmi=means["c_npmi"],
        c_v=means["c_v"],
        u_mass=means["u_mass"],
        diversity=diversity([[terms[i] for i in ids] for ids in top_ids]),
        per_topic=per_topic,
    )


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None
