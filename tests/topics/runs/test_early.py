"""Early results: `runs show` and `themes` on a running or interrupted sweep use its finished fits."""

from __future__ import annotations

import json
import shutil

import pytest
from feedcare.corpus.store.lock import corpus_lock
from feedcare.topics import TopicsConfig, fit_topics
from topics_fixtures import corpus_with_tokens, planted_units, set_run_status

CONFIG = TopicsConfig(k="3:4", seeds=2, passes=2, iterations=20)


@pytest.fixture
def interrupted(tmp_path):
    """A 4-fit sweep stopped after 3 fits: fits/ holds them, run.json says running, nothing assembled."""
    units, _truth = planted_units(n_docs=120, n_topics=3, words_per_topic=8, seed=11)
    corpus = corpus_with_tokens(tmp_path / "c", units)
    fit_topics(corpus, CONFIG, run_id="sweep", jobs=1)
    run = corpus / "runs" / "sweep"
    set_run_status(run, "running")
    shutil.rmtree(run / "fits" / "k4-s43")
    for name in ("topics.parquet", "doc_topics.parquet", "sweep.parquet", "topic_measures.parquet"):
        (run / name).unlink()
    return corpus


def test_runs_show_measures_the_finished_fits_with_a_note(invoke, interrupted):
    result = invoke("runs", "show", "sweep", "--corpus", interrupted)
    assert result.exit_code == 0, result.output
    assert ("Early results: run sweep is interrupted: these are early results from the 3 of 4 fits "
            "finished so far") in result.stderr
    assert "resume it with `feedcare topics --run-id sweep`" in result.stderr
    assert "Recommended:" in result.stdout and "Topic models by k" in result.stdout
    data = json.loads(invoke("runs", "show", "sweep", "--corpus", interrupted, "--json").stdout)
    early = data["early_results"]
    assert (early["state"], early["finished_fits"], early["planned_fits"]) == ("interrupted", 3, 4)
    assert [f["model"] for f in early["fits"]] == ["k3-s42", "k3-s43", "k4-s42"]
    assert early["chosen_model"] in {"k3-s42", "k3-s43", "k4-s42"}
    # stability needs two seeds: k=3 has them, k=4 not yet
    assert [k["mean"]["stability"] is not None for k in early["by_k"]] == [True, False]
    listed = json.loads(invoke("runs", "list", "--corpus", interrupted, "--json").stdout)
    assert [r["status"] for r in listed] == ["interrupted"]


def test_a_run_being_fitted_is_running(invoke, interrupted):
    with corpus_lock(interrupted / "runs" / "sweep"):  # as a `feedcare topics` process holds it
        data = json.loads(invoke("runs", "show", "sweep", "--corpus", interrupted, "--json").stdout)
        listed = json.loads(invoke("runs", "list", "--corpus", interrupted, "--json").stdout)
    assert data["early_results"]["state"] == "running"
    assert "resume" not in data["early_results"]["note"]
    assert [r["status"] for r in listed] == ["running"]


def test_themes_of_an_unfinished_run_use_the_provisional_model_and_say_so(invoke, interrupted):
    result = invoke("themes", "sweep", "--corpus", interrupted, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    shown = json.loads(invoke("runs", "show", "sweep", "--corpus", interrupted, "--json").stdout)
    assert data["model"] == data["chosen_model"] == shown["early_results"]["chosen_model"]
    assert data["notes"][0].startswith("run sweep is interrupted: these are early results from the 3 of 4")
    assert "Early results: run sweep is interrupted" in result.stderr
    assert not (interrupted / "runs" / "sweep" / "themes.parquet").exists()  # the choice may change
    table = invoke("themes", "sweep", "--corpus", interrupted, "--model", "k4-s42")
    assert table.exit_code == 0 and "Note: run sweep is interrupted" in table.stdout
    missing = invoke("themes", "sweep", "--corpus", interrupted, "--model", "k4-s43")
    assert missing.exit_code == 2
    assert "model 'k4-s43' has not finished yet in run sweep; finished so far: k3-s42, k3-s43, k4-s42" \
        in missing.stderr


def test_resuming_completes_the_run_and_the_note_goes(invoke, interrupted):
    report = fit_topics(interrupted, CONFIG, run_id="sweep", jobs=1)
    assert report.reused_fits == 3
    data = json.loads(invoke("themes", "sweep", "--corpus", interrupted, "--format", "json").stdout)
    assert not any("early results" in note for note in data["notes"])


def test_no_finished_fit_yet_is_a_clear_error(invoke, interrupted):
    shutil.rmtree(interrupted / "runs" / "sweep" / "fits")
    result = invoke("themes", "sweep", "--corpus", interrupted)
    assert result.exit_code == 4
    assert "the run is interrupted and no fit has finished yet; resume it with" in result.stderr
    shown = invoke("runs", "show", "sweep", "--corpus", interrupted)
    assert shown.exit_code == 0 and "no fit has finished yet" in shown.stderr


def test_fits_of_another_configuration_are_not_shown(invoke, interrupted):
    fit = interrupted / "runs" / "sweep" / "fits" / "k3-s43" / "fit.json"
    record = json.loads(fit.read_text())
    fit.write_text(json.dumps({**record, "fingerprint": "another-configuration"}))
    data = json.loads(invoke("runs", "show", "sweep", "--corpus", interrupted, "--json").stdout)
    assert [f["model"] for f in data["early_results"]["fits"]] == ["k3-s42", "k4-s42"]
