"""The plan of a sweep, before fitting: the fits, the settings they run with, and an estimate."""

from __future__ import annotations

import pytest
from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.topics import TopicsConfig, fit_topics, plan_sweep
from feedcare.topics.fit.plan import wall_seconds
from helpers import build_corpus
from topics_fixtures import corpus_with_tokens, planted_units, set_run_status


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    units, _truth = planted_units(n_docs=200, n_topics=5, words_per_topic=15, seed=7)
    return corpus_with_tokens(tmp_path_factory.mktemp("plan") / "c", units)


def test_fits_go_to_the_first_free_worker_in_plan_order():
    assert wall_seconds([10, 10, 10], 2) == 20
    assert wall_seconds([30, 10, 10, 10], 2) == 30  # the short ones share the second worker
    assert wall_seconds([5, 5], 8) == 5
    assert wall_seconds([4, 4, 4], 1) == 12


def test_the_plan_names_every_fit_and_the_settings_for_this_corpus(corpus):
    plan = plan_sweep(corpus, TopicsConfig(k="3:5", seeds=2), jobs=2)
    assert plan.n_fits == 6 and plan.models == ["k3-s42", "k3-s43", "k4-s42", "k4-s43", "k5-s42", "k5-s43"]
    assert (plan.n_units, plan.n_tokens) == (200, sum(len(u) for u in planted_units(n_docs=200)[0]))
    # "auto" is resolved: the plan shows what the fits will run with
    assert isinstance(plan.settings["passes"], int) and isinstance(plan.settings["chunksize"], int)
    assert set(plan.fit_seconds) == set(plan.models) and all(s > 0 for s in plan.fit_seconds.values())
    # more topics never cost less, and two workers beat one
    assert plan.fit_seconds["k5-s42"] >= plan.fit_seconds["k3-s42"]
    one = plan_sweep(corpus, TopicsConfig(k="3:5", seeds=2), jobs=1)
    assert one.estimate_seconds > plan.estimate_seconds
    assert plan.to_dict()["n_fits"] == 6


def test_more_passes_cost_more(corpus):
    few = plan_sweep(corpus, TopicsConfig(k=4, seeds=1, passes=2), jobs=1)
    many = plan_sweep(corpus, TopicsConfig(k=4, seeds=1, passes=20), jobs=1)
    assert many.fit_seconds["k4-s42"] > 4 * few.fit_seconds["k4-s42"]


def test_the_fits_a_resumed_run_has_finished_cost_nothing(corpus, tmp_path):
    import shutil

    config = TopicsConfig(k=4, seeds=2, passes=2, iterations=20)
    fit_topics(corpus, config, run_id="half", jobs=1)
    run = corpus / "runs" / "half"
    set_run_status(run, "running")  # as if interrupted after its first fit
    shutil.rmtree(run / "fits" / "k4-s43")
    plan = plan_sweep(corpus, config, jobs=1, run_id="half")
    assert plan.reused == ["k4-s42"]
    assert plan.estimate_seconds < plan_sweep(corpus, config, jobs=1).estimate_seconds
    seen = []
    fit_topics(corpus, config, run_id="half", jobs=1, on_plan=seen.append)
    assert [p.reused for p in seen] == [["k4-s42"]]
    # another configuration does not count the fits of this one
    assert plan_sweep(corpus, config.replace(iterations=21), jobs=1, run_id="half").reused == []


def test_the_plan_refuses_what_the_run_would(corpus, tmp_path):
    with pytest.raises(UsageError, match="k must be at most the vocabulary size"):
        plan_sweep(corpus, TopicsConfig(k=10_00))
    build_corpus(tmp_path / "bare", {"d1": [("P", "participant", "some words here")]})
    with pytest.raises(DataError, match="no tokens yet"):
        plan_sweep(tmp_path / "bare", TopicsConfig(k=3))
