"""Distinctive terms: what sets a topic apart, beside what is merely frequent in it.

Ranking a topic's terms by ``p(term | topic)`` alone puts the corpus's common words at the top
of many topics ("model, work, people…"). Two standard re-rankings are computed from the full
topic × term matrix at fit time (the run stores the scores, so ``themes`` needs no model):

- **FREX** (Roberts, Stewart & Airoldi 2016; stm's ``labelTopics``): the weighted harmonic mean
  of a term's *frequency* rank and *exclusivity* rank within the topic,
  ``1 / (w / ECDF(exclusivity) + (1 - w) / ECDF(frequency))`` with exclusivity
  ``p(term | topic) / Σ_topics p(term | topic)`` and ``w = 0.5`` (stm's default ``frexweight``).
- **Relevance** (Sievert & Shirley 2014, LDAvis):
  ``λ log p(term | topic) + (1 - λ) log(p(term | topic) / p(term))`` with ``λ = 0.6``, the value
  their user study found best for interpreting topics; ``p(term)`` is the term's corpus share.

:func:`corpus_wide_terms` flags terms in the top terms of at least half the topics: words that
say nothing about any one topic, and stopword candidates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

FREX_WEIGHT = 0.5
RELEVANCE_LAMBDA = 0.6
CORPUS_WIDE_SHARE = 0.5  # a term in the top terms of at least this share of topics is corpus-wide


def _ecdf_rows(values: np.ndarray) -> np.ndarray:
    """Per row, the empirical CDF of each value within its row (share of values ≤ it)."""
    n = values.shape[1]
    out = np.empty_like(values, dtype=np.float64)
    for i, row in enumerate(values):
        sorted_row = np.sort(row, kind="stable")
        out[i] = np.searchsorted(sorted_row, row, side="right") / n
    return out


def frex(topic_term: np.ndarray, weight: float = FREX_WEIGHT) -> np.ndarray:
    """FREX score of every (topic, term); higher is more frequent *and* exclusive."""
    phi = np.asarray(topic_term, dtype=np.float64)
    totals = phi.sum(axis=0, keepdims=True)
    exclusivity = np.divide(phi, totals, out=np.zeros_like(phi), where=totals > 0)
    ex, fr = _ecdf_rows(exclusivity), _ecdf_rows(phi)
    return 1.0 / (weight / ex + (1.0 - weight) / fr)


def relevance(
    topic_term: np.ndarray, marginal: np.ndarray | None = None, lam: float = RELEVANCE_LAMBDA
) -> np.ndarray:
    """LDAvis relevance of every (topic, term); ``marginal`` is p(term) in the corpus."""
    phi = np.asarray(topic_term, dtype=np.float64)
    if marginal is None:
        marginal = phi.mean(axis=0)
    marginal = np.asarray(marginal, dtype=np.float64)
    marginal = marginal / marginal.sum() if marginal.sum() > 0 else marginal
    tiny = np.finfo(np.float64).tiny
    log_phi = np.log(np.maximum(phi, tiny))
    return lam * log_phi + (1.0 - lam) * (log_phi - np.log(np.maximum(marginal, tiny)))


def top_ids(scores: np.ndarray, n: int) -> list[list[int]]:
    """Per topic, the ``n`` highest-scoring term ids, best first; ties go to the smaller id."""
    n = min(n, scores.shape[1])
    return np.argsort(-scores, axis=1, kind="stable")[:, :n].tolist()


def corpus_wide_terms(top_terms: Sequence[Sequence[str]], share: float = CORPUS_WIDE_SHARE) -> list[str]:
    """Terms in the top terms of at least ``share`` of the topics (never for fewer than 2 topics).

    Sorted by how many topics carry them (most first), then alphabetically.
    """
    n_topics = len(top_terms)
    if n_topics < 2:
        return []
    counts = Counter(term for terms in top_terms for term in set(terms))
    need = max(2, int(np.ceil(share * n_topics)))
    return sorted((t for t, c in counts.items() if c >= need), key=lambda t: (-counts[t], t))


RANKINGS = ("frex", "relevance")
RANKING_NAMES = {
    "probability": "probability p(term | topic)",
    "frex": f"FREX (frequency and exclusivity, weight {FREX_WEIGHT})",
    "relevance": f"relevance (LDAvis, lambda {RELEVANCE_LAMBDA})",
}


def ranked_terms(rows: list[dict], by: str, n: int) -> dict[int, list[dict]]:
    """topics.parquet rows (topic, rank, term, weight, frex, relevance) → per topic its top ``n``
    rows by ``by`` ("probability", "frex" or "relevance"); no rows for a score the run lacks."""
    out: dict[int, list[dict]] = {}
    if by == "probability":
        for row in sorted(rows, key=lambda r: (r["topic"], r["rank"])):
            if row["rank"] < n:
                out.setdefault(row["topic"], []).append(row)
        return out
    scored = [r for r in rows if r.get(by) is not None]
    for row in sorted(scored, key=lambda r: (r["topic"], -r[by], r["rank"])):
        picked = out.setdefault(row["topic"], [])
        if len(picked) < n:
            picked.append(row)
    return out


def stopword_hint(terms: Sequence[str]) -> str:
    """One line that applies the suggestion: the feedcare.toml setting, then the commands."""
    if not terms:
        return ""
    listed = ", ".join(f'"{t.replace("_", " ")}"' for t in terms)  # a phrase term as its words
    return (
        f"add to feedcare.toml: [tokens] extra_stopwords = [{listed}] (keep any you already have), "
        "then run `feedcare tokens` and `feedcare topics` again"
    )
