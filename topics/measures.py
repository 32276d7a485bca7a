"""Quality measures of one fitted model: coherence (c_npmi, c_v, u_mass) and topic diversity.

Coherence is computed with gensim's ``CoherenceModel`` on the top-10 terms of each topic,
against the same units the model was fitted on (their token lists), in one process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import MEASURE_TOP_N

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


def coherence(
    top_terms: list[list[str]],
    texts: Iterable[list[str]],
    dictionary: Any,
    bow: Iterable[list[tuple[int, int]]],
    measure: str,
) -> list[float | None]:
    """Per-topic coherence of ``top_terms`` under ``measure`` (c_npmi, c_v or u_mass)."""
    from gensim.models import CoherenceModel

    if measure not in COHERENCES:
        raise ValueError(f"measure must be one of {', '.join(COHERENCES)}, got {measure!r}")
    kwargs: dict[str, Any] = {"corpus": bow} if measure == "u_mass" else {"texts": texts}
    model = CoherenceModel(
        topics=top_terms,
        dictionary=dictionary,
        coherence=measure,
        topn=max(len(t) for t in top_terms),
        processes=1,
        **kwargs,
    )
    return [_finite(v) for v in model.get_coherence_per_topic()]


def measure_model(
    topic_term: np.ndarray,
    terms: Sequence[str],
    texts: Iterable[list[str]],
    dictionary: Any,
    bow: Iterable[list[tuple[int, int]]],
) -> ModelMeasures:
    """All measures of one model from its topic-term matrix."""
    top = [[terms[i] for i in ids] for ids in top_term_ids(topic_term)]
    per_topic = {m: coherence(top, texts, dictionary, bow, m) for m in COHERENCES}
    means = {m: _mean(values) for m, values in per_topic.items()}
    return ModelMeasures(
        c_npmi=means["c_npmi"],
        c_v=means["c_v"],
        u_mass=means["u_mass"],
        diversity=diversity(top),
        per_topic=per_topic,
    )


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None
