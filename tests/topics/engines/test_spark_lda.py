"""The Spark MLlib engine (issue 19): planted topics recovered, the same bytes run to run on
local[2], the seed passed through, the standard run directory with Spark's version and master in
run.json; the em optimizer through the command line.

The fits are overhead-bound on this data (one Spark job per MLlib iteration), so the tests use
15 full-batch iterations: enough to recover the planted topics, a fraction of the default 60.
The default settings' recovery is measured in benchmarks/bench_spark.py (docs/spark.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from feedcare.topics import TopicsConfig, fit_topics, open_run
from feedcare.topics.measures.stability import match_topics
from topics_fixtures import corpus_with_tokens, planted_units

pytestmark = pytest.mark.slow  # uses the suite's one local[2] Spark session
OUTPUTS = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet")
LEAN = {"engine": "spark", "spark_iterations": 15, "spark_subsampling_rate": 1.0}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    units, truth = planted_units(n_docs=300, n_topics=5, words_per_topic=15, seed=7)
    return corpus_with_tokens(tmp_path_factory.mktemp("planted") / "c", units), truth


def _fit_bytes(run_dir, model):
    return {name: (run_dir / "fits" / model / name).read_bytes() for name in OUTPUTS}


def test_spark_engine_recovers_planted_topics_the_same_bytes_run_to_run(planted, spark):
    corpus, truth = planted
    first = fit_topics(corpus, TopicsConfig(k=5, seeds=2, **LEAN), run_id="first")
    run = open_run(corpus, "first")
    _, sims = match_topics(first.chosen_topics, truth)
    assert np.mean(sims) >= 0.6, sims
    weights = run.doc_topics(run.chosen_model)["weight"].to_numpy().reshape(300, 5)
    assert np.allclose(weights.sum(axis=1), 1.0)
    assert weights.max(axis=1).mean() > 0.5  # each document mostly on the topics it was drawn from
    engine = run.info.engine
    assert engine.name == "spark" and engine.settings["optimizer"] == "online"
    assert engine.packages["spark"] == spark.version
    assert engine.packages["spark_master"] == spark.sparkContext.master == "local[2]"
    assert run.info.measures.fits[0].engine_info["partitions"] == 2
    assert (first.path / "models" / "k5-s42" / "model.spark" / "metadata").is_dir()
    # the seed is passed through: two seeds, two models, and stability measured between them
    s42, s43 = _fit_bytes(first.path, "k5-s42"), _fit_bytes(first.path, "k5-s43")
    assert s42["topics.parquet"] != s43["topics.parquet"]
    assert all(fit.stability is not None for fit in run.info.measures.fits)
    # run to run: the same seed and partitions give the same bytes
    again = fit_topics(corpus, TopicsConfig(k=5, seeds=1, **LEAN), run_id="again")
    assert _fit_bytes(again.path, "k5-s42") == s42


def test_em_optimizer_and_the_cli(planted, spark, invoke, tmp_path):
    corpus, _ = planted
    toml = tmp_path / "feedcare.toml"
    toml.write_text('[topics]\nspark_optimizer = "em"\nspark_partitions = 3\n')
    result = invoke("topics", "--corpus", corpus, "--config", toml, "--engine", "spark", "--k", "4",
                    "--seed", "3", "--iterations", "5", "--run-id", "em", "--json")
    assert result.exit_code == 0, result.output
    run = open_run(corpus, "em")
    assert run.info.status == "complete" and run.chosen_model == "k4-s3"
    assert run.info.engine.settings["optimizer"] == "em"
    assert run.info.engine.settings["iterations"] == 5
    assert run.info.measures.fits[0].engine_info["partitions"] == 3
    weights = run.doc_topics(run.chosen_model)["weight"].to_numpy().reshape(300, 4)
    assert np.allclose(weights.sum(axis=1), 1.0)


def test_the_plan_fits_one_model_at_a_time(planted):
    """Each MLlib fit uses the whole cluster: --dry-run's plan says one worker, as the run does."""
    from feedcare.topics import plan_sweep

    corpus, _ = planted
    plan = plan_sweep(corpus, TopicsConfig(k="4:6", seeds=2, engine="spark"), jobs=4)
    assert plan.jobs == 1 and plan.n_fits == 6



def test_a_guided_run_needs_an_engine_with_seed_priors(planted, tmp_path, invoke):
    """MLlib has no per-topic term priors: --codebook with the spark engine is a one-line error
    (exit 2), never a run that silently ignores the codebook."""
    corpus, truth = planted
    book = tmp_path / "codes.csv"
    book.write_text(f'code,description\n"{truth[0][0]} and {truth[0][1]}",\n', encoding="utf-8")
    result = invoke("topics", "--corpus", corpus, "--engine", "spark", "--codebook", book, "--free", "2",
                    "--dry-run")
    assert result.exit_code == 2, result.output
    assert "--codebook needs the gensim or tomotopy engine; the spark engine has no seed-term priors" \
        in result.stderr
