"""Seed-term priors for guided runs (``feedcare topics --codebook``), shared by the engines.

A guided run's engine settings carry ``guidance = {"boost": b, "seed_topics": [[term, ...], ...]}``:
topic ``t`` (0 .. len(seed_topics)-1) is guided by its seed terms. Both engines turn it into the
same topic-term prior (``seed_priors``): a seed term of topic ``t`` gets ``eta + b`` in topic ``t``
and ``eta × EXCLUDED`` in every other topic, so the term belongs to its code; every other
(topic, term) keeps the engine's own eta. (A boost scaled by the term's corpus frequency was
measured and dropped: it starved the guided topics; docs/deductive.md.) gensim also starts each
seed term's counts in its code's topic (``term_counts``). Free
topics (after the guided ones) get no seeds. Expansion terms found in the corpus
(``expanded_topics``, topics/codebook/expansion.py) are treated the same way with
``expanded_weight`` × the boost.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from feedcare.topics.fit.bow import BowCorpus

# A seed term's prior in the topics of other codes, relative to the engine's eta: near zero, so the
# sampler (tomotopy) or the variational updates (gensim) leave the term to its code's topic.
EXCLUDED = 1e-3


def seed_ids(guidance: dict[str, Any], terms: list[str]) -> list[list[int]]:
    """Per guided topic, the token ids of its seed terms (terms not in ``terms`` are skipped)."""
    ids = {term: i for i, term in enumerate(terms)}
    return [[ids[t] for t in seeds if t in ids] for seeds in guidance["seed_topics"]]


def term_counts(bow: BowCorpus, n_terms: int) -> np.ndarray:
    counts = np.zeros(n_terms, dtype=np.float64)
    for chunk in bow.chunks():
        for doc in chunk:
            for term_id, count in doc:
                counts[term_id] += count
    return counts


def seed_priors(guidance: dict[str, Any], terms: list[str], k: int, base: float) -> dict[int, list[float]]:
    """Term id → its prior in each of the k topics, for every seed term (other terms keep ``base``).

    A seed term belongs to its code's topic: there its prior is ``base + boost``; in every other
    topic it is ``base × EXCLUDED`` (a term seeded by several codes belongs to each of them).
    """
    boost = float(guidance["boost"])
    priors: dict[int, list[float]] = {}
    if guidance.get("expanded_topics"):  # first, so a term that is also a name seed keeps the full boost
        weak = boost * float(guidance.get("expanded_weight") or 1.0)
        for topic, ids in enumerate(seed_ids({"seed_topics": guidance["expanded_topics"]}, terms)):
            for term_id in ids:
                row = priors.setdefault(term_id, [base * EXCLUDED] * k)
                row[topic] = base + weak
    for topic, ids in enumerate(seed_ids(guidance, terms)):
        for term_id in ids:
            row = priors.setdefault(term_id, [base * EXCLUDED] * k)
            row[topic] = base + boost
    return priors


def check_k(guidance: dict[str, Any], k: int) -> None:
    if len(guidance["seed_topics"]) > k:
        raise ValueError(f"{len(guidance['seed_topics'])} guided topics need k >= that, got k={k}")
