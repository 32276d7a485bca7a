"""The tomotopy engine (issue 8): same run directory, deterministic, recovers planted topics."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pytest
from feedcare.topics import TopicsConfig, fit_topics, open_run
from feedcare.topics.stability import match_topics
from topics_fixtures import planted_corpus

needs_tomotopy = pytest.mark.skipif(
    importlib.util.find_spec("tomotopy") is None,
    reason="tomotopy is not installed (pip install 'feedcare[tomotopy]')",
)
FAST = ("--engine", "tomotopy", "--iterations", "200")


def test_missing_tomotopy_is_a_one_line_usage_error(tmp_path, invoke, monkeypatch):
    monkeypatch.setitem(sys.modules, "tomotopy", None)  # import tomotopy now raises ImportError
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=20)
    result = invoke("topics", "--corpus", corpus, "--engine", "tomotopy")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: engine 'tomotopy' needs the tomotopy package; install it with "
        "`pip install 'feedcare[tomotopy]'` or use --engine gensim\n"
    )


@needs_tomotopy
def test_tomotopy_runs_are_byte_identical_whatever_jobs(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=100)
    for name, jobs in (("one", "1"), ("two", "2")):
        result = invoke("topics", "--corpus", corpus, "--k", "3:4", "--seeds", "2", *FAST, "--jobs", jobs,
                        "--run-id", name)
        assert result.exit_code == 0, result.output
    for name in ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet"):
        assert (corpus / "runs" / "one" / name).read_bytes() == (corpus / "runs" / "two" / name).read_bytes()


@needs_tomotopy
def test_tomotopy_run_has_the_same_shape_and_records_the_engine(tmp_path, invoke):
    corpus, truth = planted_corpus(tmp_path / "c", n_docs=300)
    result = invoke("topics", "--corpus", corpus, "--k", "5", "--seeds", "2", *FAST, "--json", "--jobs", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    run = open_run(corpus, data["run_id"])
    engine = run.info["engine"]
    assert engine["name"] == "tomotopy"
    assert engine["settings"]["iterations"] == 200 and engine["settings"]["workers"] == 1
    assert {"tomotopy", "tomotopy_isa"} <= set(engine["packages"])
    assert (run.path / "models" / run.chosen_model / "model.tomotopy.bin").is_file()
    weights = run.doc_topics(run.chosen_model)["weight"].to_numpy().reshape(300, 5)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-9)
    _, sims = match_topics(data["chosen_topics"], truth)
    assert np.mean(sims) >= 0.7, sims


@needs_tomotopy
def test_tomotopy_settings_come_from_feedcare_toml(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=40)
    config = tmp_path / "feedcare.toml"
    config.write_text('[topics]\nengine = "tomotopy"\nk = 3\nseeds = 1\ntomotopy_iterations = 60\n'
                      "tomotopy_alpha = 0.5\n")
    report = fit_topics(corpus, _load(config), jobs=1)
    assert report.engine["settings"]["iterations"] == 60 and report.engine["settings"]["alpha"] == 0.5


def _load(path) -> TopicsConfig:
    from feedcare.topics import load_topics_config

    return load_topics_config(path)
