"""topics/fit/fitting.py: one fit start to finish: its files, its record, its re-use after a stop."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines import ENGINES, EngineSpec
from feedcare.topics.engines.gensim_lda import settings as gensim_settings
from feedcare.topics.fit.fitting import FIT_FILE, FitJob, finished_fit, run_fit, topics_table
from feedcare.topics.measures.distinctive import ranked_terms
from topics_fixtures import planted_corpus

FILES = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path, _ = planted_corpus(tmp_path_factory.mktemp("fitting") / "c", n_docs=50, n_topics=3,
                             words_per_topic=6)
    return path


@pytest.fixture
def toy_engine(monkeypatch):
    monkeypatch.setitem(ENGINES, "toy", EngineSpec("toy", "toy_engine", "round-robin topics (tests)"))


def job(corpus, run_dir, engine="gensim", settings=None, k=3, seed=42, fingerprint="fp-1") -> FitJob:
    if settings is None:
        settings = gensim_settings(TopicsConfig(passes=2, iterations=20))
    return FitJob(corpus / "tokens.parquet", corpus / "vocabulary.parquet", run_dir, fingerprint, engine,
                  settings, k, seed, top_n=5)


def test_a_fit_writes_its_files_its_native_model_and_its_record_last(corpus, tmp_path):
    fit = job(corpus, tmp_path / "run")
    seen = []
    record = run_fit(fit, progress=lambda model, fraction: seen.append((model, fraction)))
    assert sorted(p.name for p in fit.fit_dir.iterdir()) == sorted((*FILES, FIT_FILE))
    assert (tmp_path / "run" / "models" / "k3-s42" / "model.gensim").is_file()
    assert json.loads((fit.fit_dir / FIT_FILE).read_text()) == record
    assert (record["model"], record["k"], record["seed"], record["fingerprint"]) == ("k3-s42", 3, 42, "fp-1")
    assert len(record["top_terms"]) == 3 and all(len(t) == 10 for t in record["top_terms"])
    assert -1 <= record["c_npmi"] <= 1 and 0 < record["diversity"] <= 1
    assert seen[-1] == ("k3-s42", 1.0)
    table = pq.read_table(fit.fit_dir / "topics.parquet").to_pylist()
    # top_n terms per topic by probability, plus the distinctive ones beyond that rank
    assert sum(1 for r in table if r["rank"] < 5) == 3 * 5
    assert all(r["frex"] is not None and r["relevance"] is not None for r in table)
    assert pq.read_table(fit.fit_dir / "topic_measures.parquet")["topic"].to_pylist() == [0, 1, 2]


def test_a_finished_fit_is_reused_only_for_the_same_run_and_only_when_whole(corpus, tmp_path):
    fit = job(corpus, tmp_path / "run")
    assert finished_fit(fit) is None
    record = run_fit(fit)
    assert finished_fit(fit) == record
    assert finished_fit(job(corpus, tmp_path / "run", fingerprint="fp-other")) is None
    (fit.fit_dir / "doc_topics.parquet").unlink()
    assert finished_fit(fit) is None


def test_doc_topics_rows_are_the_engines_rows_for_every_unit(corpus, tmp_path, toy_engine):
    fit = job(corpus, tmp_path / "run", engine="toy", settings={"smoothing": 0.01, "own_weight": 0.7}, k=4,
              seed=1)
    record = run_fit(fit)  # the toy engine returns a plain n × k array
    assert record["engine_info"] == {"units": 50}
    rows = pq.read_table(fit.fit_dir / "doc_topics.parquet").to_pylist()
    assert len(rows) == 50 * 4
    tokens = pq.read_table(corpus / "tokens.parquet", columns=["unit_id", "doc_id"]).to_pylist()
    assert [(r["unit_id"], r["doc_id"]) for r in rows[::4]] == [(t["unit_id"], t["doc_id"]) for t in tokens]
    weights = np.array([r["weight"] for r in rows]).reshape(50, 4)
    assert weights.argmax(axis=1).tolist() == [(i + 1) % 4 for i in range(50)]
    np.testing.assert_allclose(weights.max(axis=1), 0.7)
    assert json.loads((tmp_path / "run" / "models" / "k4-s1" / "toy.json").read_text()) == {"k": 4, "seed": 1}


def test_native_files_appear_whole_or_not_at_all(corpus, tmp_path, toy_engine):
    settings = {"smoothing": 0.01, "own_weight": 0.7}
    run_fit(job(corpus, tmp_path / "run", engine="toy", settings=settings))
    models = tmp_path / "run" / "models"
    with pytest.raises(OSError, match="disk full"):
        run_fit(job(corpus, tmp_path / "run", engine="toy", settings={**settings, "fail_save": True}))
    assert [p.name for p in models.iterdir()] == ["k3-s42"]  # no half-written temp folder
    assert [p.name for p in (models / "k3-s42").iterdir()] == ["toy.json"]  # the earlier model stays


def test_the_topics_table_lists_each_topics_top_terms_by_weight():
    topic_term = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]])
    table = topics_table("k2-s1", topic_term, ["nurse", "wait", "ward"], top_n=2).to_pylist()
    assert [(r["topic"], r["rank"], r["term"]) for r in table if r["rank"] < 2] == [
        (0, 0, "wait"), (0, 1, "ward"), (1, 0, "nurse"), (1, 1, "ward"),
    ]
    assert table[0]["weight"] == 0.6 and {r["model"] for r in table} == {"k2-s1"}


def test_the_topics_table_also_holds_each_topics_distinctive_terms():
    # "ward" is the second most probable term of both topics but exclusive to neither; "food"
    # is rarer in topic 0 but almost only there.
    topic_term = np.array([[0.45, 0.3, 0.2, 0.05], [0.05, 0.3, 0.02, 0.63]])
    terms = ["nurse", "ward", "food", "wait"]
    table = topics_table("k2-s1", topic_term, terms, top_n=2).to_pylist()
    by_frex = ranked_terms(table, "frex", 2)
    assert [r["term"] for r in ranked_terms(table, "probability", 2)[0]] == ["nurse", "ward"]
    assert [r["term"] for r in by_frex[0]] == ["nurse", "food"]
    assert [r["term"] for r in by_frex[1]] == ["wait", "ward"]
    food = next(r for r in table if r["topic"] == 0 and r["term"] == "food")
    assert food["rank"] == 2  # the probability rank, beyond top_n
