"""topics/engines/gensim_lda.py: one deterministic LdaModel fit, returned as plain arrays."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from feedcare.corpus.base.errors import MissingDependencyError
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines import gensim_lda
from feedcare.topics.fit.bow import BowCorpus, load_terms
from topics_fixtures import planted_corpus

FAST = {**gensim_lda.settings(TopicsConfig()), "passes": 2, "iterations": 20}


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
    settings = gensim_lda.settings(TopicsConfig(passes=7, iterations=33, alpha="auto"))
    assert (settings["passes"], settings["iterations"], settings["alpha"]) == (7, 33, "auto")
    assert settings["eval_every"] is None  # perplexity logging is never switched on


def test_a_missing_gensim_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(gensim_lda.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match="the gensim engine needs gensim"):
        gensim_lda.check_available()
