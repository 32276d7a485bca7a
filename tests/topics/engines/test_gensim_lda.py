"""topics/engines/gensim_lda.py: one deterministic LdaModel fit, returned as plain arrays; its early stop."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from feedcare.corpus.base.errors import MissingDependencyError
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines import gensim_lda
from feedcare.topics.fit.bow import BowCorpus, load_terms
from topics_fixtures import corpus_with_tokens, planted_corpus, planted_units

FAST = {**gensim_lda.settings(TopicsConfig().for_corpus(60)), "passes": 2, "iterations": 20,
        "convergence": 0.0}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    corpus, _ = planted_corpus(tmp_path_factory.mktemp("gensim") / "c", n_docs=60, n_topics=3,
                               words_per_topic=6)
    terms = load_terms(pq.read_table(corpus / "vocabulary.parquet"))
    return BowCorpus(corpus / "tokens.parquet", batch_size=16), terms


def test_a_fit_is_two_row_stochastic_matrices(planted):
    bow, terms = planted
    result = gensim_lda.fit(bow, terms, 3, 42, FAST)
    assert result.topic_term.shape == (3, len(terms))
    assert result.doc_topic.shape == (60, 3)
    doc_topic = result.doc_topic.to_array()
    np.testing.assert_allclose(result.topic_term.sum(axis=1), 1.0)
    np.testing.assert_allclose(doc_topic.sum(axis=1), 1.0)
    assert (doc_topic >= 0).all() and len(result.info["alpha"]) == 3


def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_model(planted):
    bow, terms = planted
    first, again, other = (gensim_lda.fit(bow, terms, 3, seed, FAST) for seed in (42, 42, 43))
    assert first.topic_term.tobytes() == again.topic_term.tobytes()
    assert first.doc_topic.to_array().tobytes() == again.doc_topic.to_array().tobytes()
    assert not np.allclose(first.topic_term, other.topic_term)


def test_progress_rises_to_one_over_the_passes_and_the_inference(planted):
    bow, terms = planted
    seen = []
    gensim_lda.fit(bow, terms, 3, 42, FAST, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert len(seen) == (FAST["passes"] + 1) * 4  # 60 units in batches of 16, passes + inference


def test_small_weights_are_dropped_from_the_unit_rows(planted):
    bow, terms = planted
    rows = gensim_lda.fit(bow, terms, 3, 42, {**FAST, "minimum_probability": 0.2}).doc_topic.to_array()
    assert ((rows == 0) | (rows >= 0.2)).all() and (rows == 0).any()
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)


def test_the_saved_model_is_gensims_own_and_shows_real_terms(planted, tmp_path):
    from gensim.models import LdaModel

    bow, terms = planted
    result = gensim_lda.fit(bow, terms, 3, 42, FAST)
    result.save(tmp_path / "model")
    model = LdaModel.load(str(tmp_path / "model" / "model.gensim"))
    np.testing.assert_allclose(model.get_topics(), result.topic_term, rtol=1e-5)
    assert model.id2word[0] == terms[0]


def test_settings_come_from_the_configuration():
    settings = gensim_lda.settings(TopicsConfig(passes=7, chunksize=500, iterations=33, alpha="auto"))
    assert (settings["passes"], settings["iterations"], settings["alpha"]) == (7, 33, "auto")
    assert settings["convergence"] == 0.0  # a number of passes runs them all
    assert settings["eval_every"] is None  # perplexity logging is never switched on


def test_a_missing_gensim_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(gensim_lda.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match="the gensim engine needs gensim"):
        gensim_lda.check_available()


# --- early stop at convergence -----------------------------------------------------------------


def _fit(corpus, **settings):
    config = TopicsConfig(k=5, seed=3, seeds=1, iterations=50, chunksize=100, **settings)
    terms = load_terms(pq.read_table(corpus / "vocabulary.parquet"))
    return gensim_lda.fit(BowCorpus(corpus / "tokens.parquet"), terms, 5, 3, gensim_lda.settings(config))


def test_a_converged_fit_equals_the_fit_with_that_many_passes(tmp_path):
    units, _truth = planted_units(n_docs=300, n_topics=5, words_per_topic=15, seed=7)
    corpus = corpus_with_tokens(tmp_path / "c", units)
    stopped = _fit(corpus, passes=30, convergence=0.02)
    info = stopped.info
    assert info["converged"] and 1 < info["passes_run"] < 30, info
    assert info["last_change"] < 0.02
    same = _fit(corpus, passes=info["passes_run"])  # a number of passes: no early stop
    assert same.info["passes_run"] == info["passes_run"] and not same.info["converged"]
    np.testing.assert_array_equal(stopped.topic_term, same.topic_term)
    np.testing.assert_array_equal(stopped.doc_topic.to_array(), same.doc_topic.to_array())
    # The stop came at the first pass that moved no topic by the tolerance (total variation).
    before = _fit(corpus, passes=info["passes_run"] - 1)
    earlier = _fit(corpus, passes=info["passes_run"] - 2)

    def moved(a, b):
        return (0.5 * np.abs(a.topic_term - b.topic_term).sum(axis=1)).max()

    assert abs(moved(same, before) - info["last_change"]) < 1e-6
    assert moved(before, earlier) >= 0.02


def test_without_a_tolerance_every_pass_runs(tmp_path):
    units, _truth = planted_units(n_docs=120, n_topics=5, words_per_topic=15, seed=7)
    corpus = corpus_with_tokens(tmp_path / "c", units)
    result = _fit(corpus, passes=4, convergence=0)
    info = result.info
    assert (info["passes_run"], info["converged"], info["last_change"]) == (4, False, None)


def test_settings_need_the_corpus_for_auto_passes():
    with pytest.raises(ValueError, match="for_corpus"):
        gensim_lda.settings(TopicsConfig())
    settings = gensim_lda.settings(TopicsConfig().for_corpus(1_000))
    assert isinstance(settings["passes"], int) and isinstance(settings["chunksize"], int)
    assert gensim_lda.settings(TopicsConfig(passes=7, chunksize=500))["convergence"] == 0.0
