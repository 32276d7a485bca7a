"""`feedcare topics` on the command line: the plan before fitting and --dry-run."""

from __future__ import annotations

import json

import pytest
from topics_fixtures import corpus_with_tokens, planted_units


@pytest.fixture
def corpus(tmp_path):
    units, _truth = planted_units(n_docs=150, n_topics=4, words_per_topic=10, seed=3)
    return corpus_with_tokens(tmp_path / "c", units)


def test_dry_run_prints_the_plan_and_fits_nothing(invoke, corpus):
    result = invoke("topics", "--corpus", corpus, "--k", "3:5", "--dry-run", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "Plan (nothing fitted)" in result.stdout
    assert "9: k 3–5 × seeds 42–44" in result.stdout
    assert "150 units" in result.stdout and "on a free machine with 2 workers" in result.stdout
    assert not (corpus / "runs").exists()


def test_dry_run_json_is_the_plan(invoke, corpus):
    result = invoke("topics", "--corpus", corpus, "--k", "4", "--seeds", "2", "--passes", "6", "--dry-run",
                    "--json")
    plan = json.loads(result.stdout)
    assert (plan["n_fits"], plan["ks"], plan["seeds"], plan["n_units"]) == (2, [4], [42, 43], 150)
    assert plan["settings"]["passes"] == 6 and plan["settings"]["convergence"] == 0.0
    assert set(plan["fit_seconds"]) == {"k4-s42", "k4-s43"} and plan["estimate_seconds"] > 0


def test_a_run_says_what_it_will_fit_before_fitting(invoke, corpus):
    result = invoke("topics", "--corpus", corpus, "--k", "3", "--seeds", "2", "--passes", "2", "--jobs", "1",
                    "--json")
    assert result.exit_code == 0, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("Fitting 2 models (k 3 × 2 seeds) on 150 units, 1 at a time: about ")
    assert first.endswith("on a free machine (up to 2 passes, chunks of 2,000).")
    json.loads(result.stdout)  # the data stays clean JSON


def test_dry_run_reports_bad_settings_like_a_run(invoke, corpus):
    result = invoke("topics", "--corpus", corpus, "--k", "500", "--dry-run")
    assert result.exit_code == 2 and "k must be at most the vocabulary size" in result.stderr


def test_no_plan_line_when_the_run_cannot_start(invoke, corpus):
    result = invoke("topics", "--corpus", corpus, "--k", "3", "--run-id", "../escape")
    assert result.exit_code == 2 and result.stderr.startswith("Error: --run-id must be")


def test_with_an_early_stop_the_estimate_is_an_upper_bound(invoke, corpus, tmp_path):
    config = tmp_path / "feedcare.toml"
    config.write_text("[topics]\nconvergence = 0.01\n")
    result = invoke("topics", "--corpus", corpus, "--k", "3", "--jobs", "1", "--json", "--config", config)
    first = result.stderr.splitlines()[0]
    assert first.startswith("Fitting 3 models (k 3 × 3 seeds) on 150 units, 1 at a time: at most about ")
    assert first.endswith("(up to 20 passes, chunks of 2,000, stop once topics move < 0.01).")
    report = json.loads(result.stdout)
    assert report["engine"]["settings"]["convergence"] == 0.01
    assert all(1 <= f["engine_info"]["passes_run"] <= 20 for f in report["fits"])


def test_a_small_corpus_gets_the_defaults_it_always_had(invoke, corpus):
    result = invoke("topics", "--corpus", corpus, "--k", "3", "--jobs", "1", "--json")
    assert result.stderr.splitlines()[0].endswith("on a free machine (up to 20 passes, chunks of 2,000).")
    report = json.loads(result.stdout)
    settings = report["engine"]["settings"]
    assert (settings["passes"], settings["chunksize"], settings["convergence"]) == (20, 2000, 0.0)
    assert report["seeds"] == [42, 43, 44]
    assert [f["engine_info"]["passes_run"] for f in report["fits"]] == [20, 20, 20]
