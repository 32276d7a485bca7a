"""topics/measures/distinctive.py: FREX, relevance and corpus-wide terms, against their definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from feedcare.topics.measures.distinctive import (
    corpus_wide_terms,
    frex,
    ranked_terms,
    relevance,
    stopword_hint,
)


def _ecdf(values, x):
    return sum(1 for v in values if v <= x) / len(values)


def test_frex_is_the_harmonic_mean_of_the_exclusivity_and_frequency_ecdfs():
    rng = np.random.default_rng(3)
    phi = rng.dirichlet(np.full(12, 0.3), size=4)
    got = frex(phi, weight=0.3)
    for k in range(4):
        exclusivity = [phi[k, w] / phi[:, w].sum() for w in range(12)]
        for w in range(12):
            ex, fr = _ecdf(exclusivity, exclusivity[w]), _ecdf(list(phi[k]), phi[k, w])
            assert got[k, w] == pytest.approx(1 / (0.3 / ex + 0.7 / fr))


def test_relevance_follows_sievert_and_shirley():
    phi = np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]])
    marginal = np.array([40.0, 40.0, 20.0])
    got = relevance(phi, marginal, lam=0.6)
    p = marginal / marginal.sum()
    for k in range(2):
        for w in range(3):
            expected = 0.6 * math.log(phi[k, w]) + 0.4 * math.log(phi[k, w] / p[w])
            assert got[k, w] == pytest.approx(expected)
    # lambda = 1 is the probability ranking itself
    assert np.array_equal(np.argsort(-relevance(phi, marginal, 1.0)), np.argsort(-phi))


def test_a_word_frequent_everywhere_is_probable_but_not_distinctive():
    # "people" is the most probable term of every topic; each topic has its own words too.
    phi = np.array(
        [[0.4, 0.3, 0.2, 0.05, 0.05], [0.4, 0.05, 0.05, 0.3, 0.2], [0.4, 0.2, 0.05, 0.05, 0.3]]
    )
    for scores in (frex(phi), relevance(phi)):
        for k in range(3):
            assert np.argmax(phi[k]) == 0 and np.argmax(scores[k]) != 0


def test_corpus_wide_terms_are_in_the_top_terms_of_at_least_half_the_topics():
    tops = [["model", "work", "nurse"], ["model", "work", "ward"], ["model", "food"], ["wait", "queue"]]
    assert corpus_wide_terms(tops) == ["model", "work"]  # 3 and 2 of 4 topics
    assert corpus_wide_terms([["a", "b"]]) == []  # one topic: nothing is "corpus-wide"
    assert corpus_wide_terms([["a"], ["a"], ["b"]]) == ["a"]  # 2 of 3 ≥ half


def test_ranked_terms_and_runs_without_scores():
    rows = [
        {"topic": 0, "rank": 0, "term": "model", "weight": 0.3, "frex": 0.2, "relevance": -1.0},
        {"topic": 0, "rank": 1, "term": "nurse", "weight": 0.2, "frex": 0.9, "relevance": -0.5},
        {"topic": 0, "rank": 7, "term": "kind", "weight": 0.01, "frex": 0.8, "relevance": -0.7},
    ]
    assert [r["term"] for r in ranked_terms(rows, "probability", 2)[0]] == ["model", "nurse"]
    assert [r["term"] for r in ranked_terms(rows, "frex", 2)[0]] == ["nurse", "kind"]
    assert [r["term"] for r in ranked_terms(rows, "relevance", 2)[0]] == ["nurse", "kind"]
    old = [{k: v for k, v in r.items() if k not in ("frex", "relevance")} for r in rows]
    assert ranked_terms(old, "frex", 2) == {}


def test_the_stopword_hint_is_one_line_to_apply():
    hint = stopword_hint(["model", "du_coup"])
    assert "\n" not in hint
    assert '[tokens] extra_stopwords = ["model", "du coup"]' in hint and "feedcare tokens" in hint
    assert stopword_hint([]) == ""
