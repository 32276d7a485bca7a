"""The tomotopy engine (issue 8): same run directory, deterministic, recovers planted topics."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter

import numpy as np
import pytest
from feedcare.topics import TopicsConfig, fit_topics, open_run
from feedcare.topics.measures.stability import match_topics
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


@pytest.mark.slow
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
    engine = run.info.engine
    assert engine.name == "tomotopy"
    import tomotopy

    assert engine.settings == {
        "iterations": 200, "burn_in": 100, "alpha": 0.1, "eta": 0.01, "optim_interval": 10, "rm_top": 0,
        "minimum_probability": 0.0, "workers": 1, "term_weight": "ONE",
    }
    assert engine.packages["tomotopy"] == tomotopy.__version__
    assert engine.packages["tomotopy_isa"] == tomotopy.isa  # results depend on the build
    for fit in run.info.measures.fits:  # the learned priors, per fit
        assert len(fit.engine_info["alpha"]) == 5 and fit.engine_info["ll_per_word"] < 0
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


def _keys(value):
    """The nested key structure of a JSON value (lists by their first item), not its values."""
    if isinstance(value, dict):
        return {key: _keys(item) for key, item in value.items()}
    if isinstance(value, list):  # lists of strings (notes, flagged terms) may be empty for one engine
        return [_keys(value[0])] if value and not isinstance(value[0], str) else "list"
    return None


@needs_tomotopy
def test_themes_output_on_a_tomotopy_run_has_the_shape_of_a_gensim_run(tmp_path, invoke):
    """`feedcare themes` reads only the run directory, so it cannot tell the engines apart."""
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=120)
    outputs = {}
    for engine in ("gensim", "tomotopy"):
        fitted = invoke("topics", "--corpus", corpus, "--engine", engine, "--k", "3", "--seed", "1",
                        "--iterations", "50", "--jobs", "1", "--run-id", engine)
        assert fitted.exit_code == 0, fitted.output
        as_json = invoke("themes", engine, "--corpus", corpus, "--format", "json", "--excerpts", "3")
        as_csv = invoke("themes", engine, "--corpus", corpus, "--format", "csv", "--excerpts", "3")
        assert as_json.exit_code == 0 and as_csv.exit_code == 0, as_json.output + as_csv.output
        outputs[engine] = (json.loads(as_json.stdout), as_csv.stdout.splitlines())
    (gensim_json, gensim_csv), (tomotopy_json, tomotopy_csv) = outputs["gensim"], outputs["tomotopy"]
    assert _keys(tomotopy_json) == _keys(gensim_json)
    assert tomotopy_csv[0] == gensim_csv[0]  # the same CSV columns
    for data in (gensim_json, tomotopy_json):
        assert data["n_topics"] == 3 and sorted(t["topic"] for t in data["topics"]) == [0, 1, 2]
        per_topic = Counter(e["topic"] for e in data["excerpts"])
        assert per_topic == {0: 3, 1: 3, 2: 3}, per_topic
        assert all(e["text"] for e in data["excerpts"])
    assert len(tomotopy_csv) == len(gensim_csv) == 1 + 3 * 3
