"""The Spark MLlib engine (issue 19): planted topics recovered, the same bytes run to run on
local[2], the standard run directory with Spark's version and master in run.json."""

from __future__ import annotations

import numpy as np
import pytest
from feedcare.topics import TopicsConfig, fit_topics, open_run
from feedcare.topics.measures.stability import match_topics
from topics_fixtures import corpus_with_tokens, planted_units

pytestmark = pytest.mark.slow  # a local[2] Spark session: seconds to start, seconds per job
OUTPUTS = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet", "sweep.parquet")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    units, truth = planted_units(n_docs=300, n_topics=5, words_per_topic=15, seed=7)
    return corpus_with_tokens(tmp_path_factory.mktemp("planted") / "c", units), truth


def _bytes(run_dir):
    return {name: (run_dir / name).read_bytes() for name in OUTPUTS if name != "sweep.parquet"}


def test_spark_engine_recovers_planted_topics(planted, spark):
    corpus, truth = planted
    first = fit_topics(corpus, TopicsConfig(k=5, engine="spark", seeds=1), run_id="first")
    _, sims = match_topics(first.chosen_topics, truth)
    assert np.mean(sims) >= 0.6, sims  # with the engine's default settings
    run = open_run(corpus, "first")
    weights = run.doc_topics(run.chosen_model)["weight"].to_numpy().reshape(300, 5)
    assert np.allclose(weights.sum(axis=1), 1.0)
    assert weights.max(axis=1).mean() > 0.5  # each document mostly on the topics it was drawn from
    engine = run.info.engine
    assert engine.name == "spark" and engine.settings["optimizer"] == "online"
    assert engine.packages["spark"] == spark.version
    assert engine.packages["spark_master"] == spark.sparkContext.master == "local[2]"
    assert run.info.measures.fits[0].engine_info["partitions"] == 2
    assert (first.path / "models" / "k5-s42" / "model.spark" / "metadata").is_dir()


def test_the_same_seed_gives_the_same_bytes_run_to_run(planted, spark):
    corpus, _ = planted
    config = TopicsConfig(k=4, engine="spark", seeds=1, spark_iterations=15, spark_partitions=3)
    first = fit_topics(corpus, config, run_id="one")
    again = fit_topics(corpus, config, run_id="two")
    assert _bytes(first.path) == _bytes(again.path)  # same seed, same partitions: same bytes
    other = fit_topics(corpus, config.replace(seed=7), run_id="other")
    assert _bytes(other.path)["topics.parquet"] != _bytes(first.path)["topics.parquet"]


def test_em_optimizer_and_the_cli(planted, spark, invoke, tmp_path):
    corpus, truth = planted
    toml = tmp_path / "feedcare.toml"
    toml.write_text('[topics]\nspark_optimizer = "em"\nspark_partitions = 3\n')
    result = invoke("topics", "--corpus", corpus, "--config", toml, "--engine", "spark", "--k", "5",
                    "--seed", "3", "--iterations", "25", "--run-id", "em", "--json")
    assert result.exit_code == 0, result.output
    run = open_run(corpus, "em")
    assert run.info.engine.settings["optimizer"] == "em"
    assert run.info.engine.settings["iterations"] == 25
    assert run.info.measures.fits[0].engine_info["partitions"] == 3
    _, sims = match_topics(run.info.chosen_topics, truth)
    assert np.mean(sims) >= 0.6, sims
