"""Sweeps: byte-identical output whatever --jobs is, resuming, k specs, stability, the recommendation."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from feedcare.corpus.base.atomic import write_table
from feedcare.corpus.store.schema import TOKENS
from feedcare.topics import TopicsConfig, fit_topics, parse_k_spec
from feedcare.topics.fit.sweep import KSummary, recommend, summarise_k
from feedcare.topics.measures.stability import (
    jaccard_matrix,
    match_topics,
    matched_similarity,
    pairwise_stability,
)
from topics_fixtures import (
    TOKENS_FINGERPRINT,
    corpus_with_tokens,
    planted_corpus,
    planted_units,
    set_run_status,
)

SMALL = {"passes": 2, "iterations": 30}
# Every Parquet file of a run: sweep.parquet carried fit_seconds and differed (issue 14, #15).
OUTPUTS = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet", "sweep.parquet")


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
    expected = _bytes(first.path)
    # Simulate an interruption after three of four fits: one fit and the final files are gone.
    shutil.rmtree(first.path / "fits" / "k4-s43")
    shutil.rmtree(first.path / "models" / "k4-s43")
    for name in OUTPUTS:
        (first.path / name).unlink()
    set_run_status(first.path, "running")
    resumed = fit_topics(corpus, config, run_id="r", jobs=1)
    assert resumed.reused_fits == 3
    assert resumed.status == "complete"
    assert _bytes(resumed.path) == expected
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


def _fit(k, seed, full, broad, narrow=(), stability=0.7):
    return {"model": f"k{k}-s{seed}", "k": k, "seed": seed, "stability": stability, "c_npmi": full,
            "c_npmi_broad": broad, "narrow_topics": list(narrow), "narrow_docs": [1] * len(narrow)}


def _summaries(records):
    return summarise_k(records, {r["k"]: 0.7 for r in records})


def test_a_topic_carried_by_one_document_does_not_decide_k():
    # As seen on real interviews: one French transcript gets a topic of its own in every fit with
    # c_npmi ~0.48 while the others score ~0; diluted by k, it makes the smallest k look best.
    records = [
        _fit(k, s, (0.48 + (k - 1) * broad) / k, broad, narrow=[0])
        for k, base in ((4, 0.020), (6, 0.040))
        for s in (1, 2, 3)
        for broad in [base + 0.001 * s]
    ]
    model, reason = recommend(_summaries(records), records)
    assert max(records, key=lambda r: r["c_npmi"])["k"] == 4  # the plain mean would have chosen 4
    assert model.startswith("k6-") and "broad topics" in reason
    assert "carried by one or two documents" in reason and "k=4 seed 1: topic 0 (1 document)" in reason


def test_ks_within_noise_go_to_the_smaller_k_and_the_reason_says_so():
    records = [_fit(4, s, v, v) for s, v in ((1, 0.02), (2, 0.10), (3, 0.07))]  # 0.063 ± 0.04
    records += [_fit(5, s, v, v) for s, v in ((1, 0.06), (2, 0.07), (3, 0.07))]  # 0.067 ± 0.006
    records += [_fit(6, s, v, v) for s, v in ((1, 0.01), (2, 0.01), (3, 0.02))]
    model, reason = recommend(_summaries(records), records)
    assert model == "k4-s2"
    assert "k=5 has the highest" in reason and "k=4 (0.063 ± 0.040) is within the noise of k=5" in reason
    assert "the smaller k is recommended" in reason
    # Clearly apart: the best k stands.
    apart = [_fit(4, s, v, v) for s, v in ((1, 0.02), (2, 0.021), (3, 0.022))] + records[3:]
    assert recommend(_summaries(apart), apart)[0].startswith("k5-")


def test_a_one_document_language_outlier_is_flagged_in_every_fit(invoke, tmp_path):
    """A generated corpus with one non-English document of its own vocabulary: its topic is
    flagged narrow (1 document) in topic_measures.parquet and left out of the k decision."""
    french = "en_fait du_coup alors donc voilà quand_même vraiment bref enfin genre truc machin".split()
    units, _ = planted_units(n_docs=160, n_topics=3, seed=7)
    rng = np.random.default_rng(1)
    units += [[french[i] for i in rng.integers(0, len(french), size=30)] for _ in range(20)]
    corpus = corpus_with_tokens(tmp_path / "c", units)
    columns = pq.read_table(corpus / "tokens.parquet").to_pydict()
    for name in ("doc_id", "participant_id"):
        columns[name][-20:] = ["fr"] * 20  # twenty units, one document
    write_table(corpus / "tokens.parquet", pa.Table.from_pydict(columns, schema=TOKENS), TOKENS,
                metadata={"feedcare.fingerprint": TOKENS_FINGERPRINT})
    args = ("--k", "4:5", "--seeds", "2", "--passes", "3", "--iterations", "40", "--jobs", "1")
    result = invoke("topics", "--corpus", corpus, *args, "--run-id", "fr", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    measures = pq.read_table(corpus / "runs" / "fr" / "topic_measures.parquet").to_pylist()
    for model in {m["model"] for m in measures}:
        rows = [m for m in measures if m["model"] == model]
        flagged = [m for m in rows if m["narrow"]]
        assert len(flagged) == 1 and flagged[0]["n_docs"] == 1, model
        # the flagged topic is the French one: the most coherent of its fit
        assert flagged[0]["c_npmi"] == max(m["c_npmi"] for m in rows)
    assert "carried by one or two documents" in data["chosen_reason"]
    for fit in data["fits"]:
        assert fit["model"] in {m["model"] for m in measures}
