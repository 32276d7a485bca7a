"""Sweeps: byte-identical output whatever --jobs is, resuming, k specs, stability, the recommendation."""

from __future__ import annotations

import shutil

import pytest
from feedcare.topics import TopicsConfig, fit_topics, parse_k_spec
from feedcare.topics.fit.sweep import KSummary, recommend
from feedcare.topics.measures.stability import (
    jaccard_matrix,
    match_topics,
    matched_similarity,
    pairwise_stability,
)
from topics_fixtures import planted_corpus, set_run_status

SMALL = {"passes": 2, "iterations": 30}
OUTPUTS = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet")


def _bytes(run_dir, names=OUTPUTS):
    return {name: (run_dir / name).read_bytes() for name in names}


@pytest.mark.slow
def test_jobs_do_not_change_a_single_byte(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=100)
    common = ("--corpus", corpus, "--k", "3:4", "--seeds", "2", "--passes", "2", "--iterations", "30")
    for name, jobs in (("one", "1"), ("two", "2"), ("again", "1")):
        result = invoke("topics", *common, "--jobs", jobs, "--run-id", name)
        assert result.exit_code == 0, result.output
    runs = corpus / "runs"
    assert _bytes(runs / "one") == _bytes(runs / "two") == _bytes(runs / "again")


def test_an_interrupted_sweep_resumes_with_the_same_bytes(tmp_path):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=80)
    config = TopicsConfig(k="3:4", seeds=2, **SMALL)
    first = fit_topics(corpus, config, run_id="r", jobs=1)
    expected = _bytes(first.path, (*OUTPUTS, "sweep.parquet"))
    # Simulate an interruption after three of four fits: one fit and the final files are gone.
    shutil.rmtree(first.path / "fits" / "k4-s43")
    shutil.rmtree(first.path / "models" / "k4-s43")
    for name in (*OUTPUTS, "sweep.parquet"):
        (first.path / name).unlink()
    set_run_status(first.path, "running")
    resumed = fit_topics(corpus, config, run_id="r", jobs=1)
    assert resumed.reused_fits == 3
    assert resumed.status == "complete"
    got = _bytes(resumed.path, OUTPUTS)
    assert got == {k: v for k, v in expected.items() if k in OUTPUTS}
    assert (resumed.path / "models" / "k4-s43" / "model.gensim").is_file()


def test_resume_through_the_cli_reports_reused_fits(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=60)
    args = ("topics", "--corpus", corpus, "--k", "3", "--seeds", "2", "--passes", "1", "--iterations", "20",
            "--jobs", "1", "--run-id", "again")
    assert invoke(*args).exit_code == 0
    set_run_status(corpus / "runs" / "again", "running")
    result = invoke(*args)
    assert result.exit_code == 0
    assert "Re-used 2 finished fit(s) of run again." in result.stderr


def test_unfinished_run_cannot_be_opened_by_readers(tmp_path):
    from feedcare.corpus.base.errors import DataError
    from feedcare.topics import open_run

    corpus, _ = planted_corpus(tmp_path / "c", n_docs=40)
    report = fit_topics(corpus, TopicsConfig(k=3, seeds=1, **SMALL), run_id="x", jobs=1)
    set_run_status(report.path, "running")
    with pytest.raises(DataError, match="resume it with `feedcare topics --run-id x`"):
        open_run(corpus, "x")


# --- k specs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "ks"),
    [(8, (8,)), ("8", (8,)), ("4:7", (4, 5, 6, 7)), ("4:16:4", (4, 8, 12, 16)), (" 2:3 ", (2, 3)),
     ("5:9:3", (5, 8))],
)
def test_k_specs(spec, ks):
    assert parse_k_spec(spec) == ks


@pytest.mark.parametrize("spec", ["", "a", "4:", "4:8:0", "9:4", "1", "0:4", "2:3:4:5", "4.5", True, 1001])
def test_bad_k_specs_name_k(spec):
    with pytest.raises(ValueError, match="^k must be"):
        parse_k_spec(spec)


# --- stability -------------------------------------------------------------------------------


def test_stability_is_one_for_the_same_topics_in_any_order_and_zero_for_disjoint_ones():
    a = [["x", "y", "z"], ["p", "q", "r"], ["m", "n", "o"]]
    assert matched_similarity(a, list(reversed(a))) == 1.0
    assert matched_similarity(a, [["1", "2"], ["3", "4"], ["5", "6"]]) == 0.0
    pairs, sims = match_topics(a, [["m", "n", "x"], ["x", "y", "z"], ["p", "q", "w"]])
    assert sorted(pairs) == [(0, 1), (1, 2), (2, 0)]
    assert sims == pytest.approx([1.0, 0.5, 0.5])


def test_hungarian_matching_beats_greedy_matching():
    # Greedy would pair topic 0 with b[0] (0.6) and leave topic 1 with b[1] (0.0).
    a = [["a", "b", "c", "d"], ["a", "b", "e", "f"]]
    b = [["a", "b", "c", "e"], ["c", "d", "x", "y"]]
    sims = jaccard_matrix(a, b)
    assert sims[0, 0] > sims[0, 1]
    assert matched_similarity(a, b) == pytest.approx((sims[0, 1] + sims[1, 0]) / 2)


def test_pairwise_stability_is_symmetric_with_unit_diagonal():
    fits = [[["a", "b"], ["c", "d"]], [["a", "c"], ["b", "d"]], [["c", "d"], ["a", "b"]]]
    matrix = pairwise_stability(fits)
    assert (matrix == matrix.T).all() and (matrix.diagonal() == 1).all()
    assert matrix[0, 2] == 1.0 and matrix[0, 1] == pytest.approx(1 / 3)


# --- the recommendation --------------------------------------------------------------------------


def _summary(k, npmi, stability):
    return KSummary(k=k, n_fits=2, mean={"c_npmi": npmi, "stability": stability}, sd={})


def _records(k, npmis, stabilities=(0.5, 0.5, 0.5)):
    return [{"model": f"k{k}-s{s}", "k": k, "seed": s, "stability": st, "c_npmi": v}
            for s, v, st in zip((1, 2, 3), npmis, stabilities, strict=True)]


def test_recommendation_skips_unstable_ks_and_prefers_the_smaller_k_on_ties():
    summaries = [_summary(4, 0.05, 0.70), _summary(6, 0.05, 0.65), _summary(8, 0.09, 0.40)]
    records = (_records(4, [0.04, 0.06, 0.05], [0.7, 0.8, 0.6]) + _records(6, [0.05, 0.05, 0.05])
               + _records(8, [0.09, 0.09, 0.09]))
    model, reason = recommend(summaries, records)
    # k8 has the best c_npmi but is unstable; 4 and 6 tie → 4; seed 2 is the most coherent at k4
    assert model == "k4-s2"
    assert "k=4 has the highest mean c_npmi (0.050)" in reason
    assert "within 0.1 of the best (0.70)" in reason
    assert "seed 2 has the highest c_npmi (0.060) of the 3 seeds at k=4 (stability 0.80)" in reason


def test_equally_coherent_seeds_go_to_the_more_stable_then_the_smaller_seed():
    summaries = [_summary(4, 0.05, 0.7)]
    model, _ = recommend(summaries, _records(4, [0.05, 0.05, 0.05], [0.6, 0.7, 0.7]))
    assert model == "k4-s2"


def test_recommendation_without_stability_uses_coherence_alone():
    summaries = [KSummary(k=k, n_fits=1, mean={"c_npmi": v, "stability": None}, sd={})
                 for k, v in ((3, 0.01), (5, 0.04))]
    records = [{"model": f"k{k}-s1", "k": k, "seed": 1, "stability": None, "c_npmi": 0.0} for k in (3, 5)]
    model, reason = recommend(summaries, records)
    assert model == "k5-s1" and "stability was not measured" in reason
