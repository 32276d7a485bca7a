"""Planted topics: documents drawn from known topics must give those topics back."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from feedcare.topics import TopicsConfig, fit_topics, open_run
from feedcare.topics.measures.stability import match_topics
from topics_fixtures import corpus_with_tokens, planted_units

# A correct fit finds each planted topic's top-10 terms almost exactly; a fit on the same tokens
# with their co-occurrence destroyed (the negative control below) stays under 0.35.
RECOVERED = 0.7

pytestmark = pytest.mark.slow  # full-length fits: 10-40 s each


def _fitted_top_terms(corpus, run_id: str, config: TopicsConfig) -> list[list[str]]:
    """The chosen model's topics, fitted with feedcare's default settings but for k and seeds."""
    report = fit_topics(corpus, config, run_id=run_id, jobs=1)
    return report.chosen_topics


@pytest.fixture(scope="module")
def planted():
    return planted_units(n_docs=300, n_topics=5, words_per_topic=15, seed=7)


def test_fitted_topics_match_the_planted_ones(tmp_path, planted):
    units, truth = planted
    corpus = corpus_with_tokens(tmp_path / "c", units)
    topics = _fitted_top_terms(corpus, "planted", TopicsConfig(k=5))
    pairs, sims = match_topics(topics, truth)
    assert len(pairs) == 5
    assert np.mean(sims) >= RECOVERED, sims
    assert min(sims) >= 0.5, sims  # every planted topic is found, not just most
    # The fitted unit-topic weights put each document mostly on the topics it was drawn from:
    run = open_run(corpus, "planted")
    weights = run.doc_topics(run.chosen_model)["weight"].to_numpy().reshape(len(units), 5)
    assert weights.max(axis=1).mean() > 0.5


def test_a_fit_without_topic_structure_fails_the_same_check(tmp_path, planted):
    """Negative control: shuffle tokens across documents, so no topic can be recovered."""
    units, truth = planted
    rng = np.random.default_rng(0)
    pool = [t for u in units for t in u]
    rng.shuffle(pool)
    shuffled, start = [], 0
    for unit in units:
        shuffled.append(pool[start : start + len(unit)])
        start += len(unit)
    corpus = corpus_with_tokens(tmp_path / "c", shuffled)
    topics = _fitted_top_terms(corpus, "control", TopicsConfig(k=5))
    _, sims = match_topics(topics, truth)
    assert np.mean(sims) < 0.35, sims
    table = pq.read_table(corpus / "runs" / "control" / "topics.parquet").to_pylist()
    assert sum(1 for r in table if r["rank"] < 10) == 3 * 5 * 10  # plus the distinctive terms


@pytest.mark.parametrize("seed", [1, 2])
def test_recovery_does_not_depend_on_lucky_seeds(tmp_path, planted, seed):
    """Single gensim fits can land in a poor local optimum (seeds 2 and 3 do here); the default
    three seeds and the choice of the most coherent one still recover the planted topics."""
    units, truth = planted
    corpus = corpus_with_tokens(tmp_path / "c", units)
    topics = _fitted_top_terms(corpus, f"s{seed}", TopicsConfig(k=5, seed=seed))
    _, sims = match_topics(topics, truth)
    assert np.mean(sims) >= RECOVERED, sims


def test_planted_topics_are_recovered_from_generated_interviews(tmp_path):
    """Interviews (I:/P: turns, fillers, "Mm-hm." continuers) whose answers are drawn from planted
    topics, through ingest and tokens with default settings: the default unit finds the topics
    again (benchmarks/validity_units.py compares the units)."""
    from feedcare.corpus import ingest, open_corpus
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig
    from topics_fixtures import planted_transcripts

    truth = planted_transcripts(tmp_path / "interviews", n_docs=40)
    ingest([tmp_path / "interviews"], tmp_path / "c")
    build_tokens(open_corpus(tmp_path / "c"), TokensConfig(), jobs=1)
    topics = _fitted_top_terms(tmp_path / "c", "interviews", TopicsConfig(k=5))
    _, sims = match_topics(topics, truth)
    assert np.mean(sims) >= 0.6, sims
