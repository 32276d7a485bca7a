"""`feedcare runs list` and `feedcare runs show RUN`."""

from __future__ import annotations

import json

import pytest
from feedcare.topics import TopicsConfig, fit_topics
from feedcare.topics.runs.listing import check_run_id, new_run_id
from topics_fixtures import planted_corpus, set_run_status

FAST = TopicsConfig(k="3:4", seeds=2, passes=1, iterations=20)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    corpus, _ = planted_corpus(tmp_path_factory.mktemp("runs") / "c", n_docs=50)
    first = fit_topics(corpus, FAST, run_id="first", jobs=1)
    second = fit_topics(corpus, FAST.replace(k=3, seeds=1), jobs=1)
    return corpus, first, second


def test_list_shows_every_run_oldest_first(two_runs, invoke):
    corpus, first, second = two_runs
    result = invoke("runs", "list", "--corpus", corpus, "--json")
    assert result.exit_code == 0
    runs = json.loads(result.stdout)
    assert [r["run_id"] for r in runs] == ["first", second.run_id]
    assert runs[0]["status"] == "complete" and runs[0]["ks"] == [3, 4] and runs[0]["seeds"] == [42, 43]
    assert runs[1]["chosen_model"] == "k3-s42" and runs[1]["engine"] == "gensim"
    table = invoke("runs", "list", "--corpus", corpus)
    assert "first" in table.stdout and second.run_id in table.stdout and "3, 4" in table.stdout


def test_show_by_id_latest_and_path_print_the_same_run(two_runs, invoke):
    corpus, first, second = two_runs
    by_id = json.loads(invoke("runs", "show", "first", "--corpus", corpus, "--json").stdout)
    by_path = json.loads(invoke("runs", "show", first.path, "--json").stdout)
    latest = json.loads(invoke("runs", "show", "latest", "--corpus", corpus, "--json").stdout)
    assert by_id["run_id"] == by_path["run_id"] == "first"
    assert latest["run_id"] == second.run_id
    assert by_id["chosen_model"] == first.chosen_model
    assert by_id["measures"]["by_k"][0]["k"] == 3


def test_show_renders_the_sweep_table_and_topics(two_runs, invoke):
    corpus, first, _ = two_runs
    result = invoke("runs", "show", "first", "--corpus", corpus)
    assert result.exit_code == 0
    assert "Topic models by k" in result.stdout
    assert f"Topics of {first.chosen_model}" in result.stdout
    assert "passes=1" in result.stdout and "★" in result.stdout


def test_unknown_run_lists_recent_ones(two_runs, invoke):
    corpus, _, _ = two_runs
    result = invoke("runs", "show", "nope", "--corpus", corpus)
    assert result.exit_code == 2
    assert f"run 'nope' not found in {corpus / 'runs'}; recent runs: first, " in result.stderr


def test_unfinished_run_is_shown_with_the_resume_command(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=40)
    report = fit_topics(corpus, FAST.replace(k=3, seeds=1), run_id="half", jobs=1)
    set_run_status(report.path, "running")
    result = invoke("runs", "show", "half", "--corpus", corpus)
    assert result.exit_code == 0
    # its one fit had finished: early results, and how to resume (no process is fitting it)
    assert "Early results: run half is interrupted: these are early results from the 1 of 1" in result.stderr
    assert "resume it with `feedcare topics --run-id half`" in result.stderr
    listed = json.loads(invoke("runs", "list", "--corpus", corpus, "--json").stdout)
    assert listed[0]["status"] == "interrupted"


def test_no_runs_yet(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=10)
    listed = invoke("runs", "list", "--corpus", corpus)
    assert listed.exit_code == 0 and "No runs in" in listed.stderr
    assert json.loads(invoke("runs", "list", "--corpus", corpus, "--json").stdout) == []
    shown = invoke("runs", "show", "latest", "--corpus", corpus)
    assert shown.exit_code == 2
    assert "no runs yet; run `feedcare topics` first" in shown.stderr


def test_damaged_run_json_is_listed_as_damaged(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=10)
    broken = corpus / "runs" / "broken"
    broken.mkdir(parents=True)
    (broken / "run.json").write_text("{not json")
    listed = json.loads(invoke("runs", "list", "--corpus", corpus, "--json").stdout)
    assert listed[0]["status"] == "damaged"
    shown = invoke("runs", "show", "broken", "--corpus", corpus)
    assert shown.exit_code == 4 and "run.json is damaged" in shown.stderr


def test_run_ids():
    from datetime import UTC, datetime

    assert new_run_id("abcdef123456", datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)) == "20250304-050607-abcdef"
    assert check_run_id("pilot_2.v1") == "pilot_2.v1"
    for bad in ("", ".hidden", "a/b", "x" * 65, "latest", "sp ace"):
        with pytest.raises(Exception, match="--run-id must be"):
            check_run_id(bad)
