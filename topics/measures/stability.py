"""Stability: do the topics of one seed recur with another seed?

Two fits at the same k are compared by the Jaccard similarity of their topics' top-10 term
sets; topics are paired one-to-one by the Hungarian algorithm to maximise total similarity, and
the matched similarities are averaged. A fit's stability is its mean against every other seed
at its k; a k's stability is the mean over all pairs of seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

TermSets = Sequence[Sequence[object]]


def jaccard_matrix(a: TermSets, b: TermSets) -> np.ndarray:
    """Jaccard similarity of every topic of ``a`` (rows) with every topic of ``b`` (columns)."""
    sets_a = [set(t) for t in a]
    sets_b = [set(t) for t in b]
    out = np.zeros((len(sets_a), len(sets_b)))
    for i, x in enumerate(sets_a):
        for j, y in enumerate(sets_b):
            union = len(x | y)
            out[i, j] = len(x & y) / union if union else 0.0
    return out


def match_topics(a: TermSets, b: TermSets) -> tuple[list[tuple[int, int]], list[float]]:
    """One-to-one topic pairs (index in a, index in b) and their Jaccard similarities."""
    from scipy.optimize import linear_sum_assignment

    sims = jaccard_matrix(a, b)
    rows, cols = linear_sum_assignment(sims, maximize=True)
    pairs = list(zip(rows.tolist(), cols.tolist(), strict=True))
    return pairs, [float(sims[i, j]) for i, j in pairs]


def matched_similarity(a: TermSets, b: TermSets) -> float:
    """Mean Jaccard similarity of the best one-to-one matching of two fits' topics."""
    _, sims = match_topics(a, b)
    return float(np.mean(sims)) if sims else 0.0


def pairwise_stability(fits: Sequence[TermSets]) -> np.ndarray:
    """Symmetric matrix of matched similarities between fits (diagonal 1)."""
    n = len(fits)
    out = np.eye(n)
    for i, j in combinations(range(n), 2):
        out[i, j] = out[j, i] = matched_similarity(fits[i], fits[j])
    return out


def fit_stability(matrix: np.ndarray) -> list[float | None]:
    """Each fit's mean similarity to the other fits (None with a single fit)."""
    n = matrix.shape[0]
    if n < 2:
        return [None] * n
    return [float((matrix[i].sum() - 1.0) / (n - 1)) for i in range(n)]


def k_stability(matrix: np.ndarray) -> float | None:
    """Mean similarity over all pairs of fits (None with a single fit)."""
    n = matrix.shape[0]
    if n < 2:
        return None
    return float(matrix[np.triu_indices(n, 1)].mean())
