"""`feedcare topics` through the real CLI: the run directory, the report, and every input error."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import OSCE, needs
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.store.schema import TOKENS_META_FILE
from feedcare.topics import TopicsConfig, fit_topics
from feedcare.topics.fit.bow import BowCorpus, TextCorpus, batch_bows, load_dictionary
from feedcare.topics.runs.rundir import DOC_TOPICS, SWEEP, TOPIC_MEASURES, TOPICS, open_run
from topics_fixtures import corpus_with_tokens, planted_corpus, planted_units

FAST = ("--passes", "2", "--iterations", "30", "--jobs", "1")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """One small sweep (k 3-4, 2 seeds) shared by the read-only tests below."""
    from feedcare.cli import app
    from typer.testing import CliRunner

    corpus, _ = planted_corpus(tmp_path_factory.mktemp("topics") / "c", n_docs=120)
    args = ["topics", "--corpus", str(corpus), "--k", "3:4", "--seeds", "2", "--run-id", "sweep", *FAST]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return corpus, result


def test_sweep_writes_a_complete_run_directory(swept):
    corpus, _ = swept
    run = open_run(corpus, "sweep")
    assert run.info.status == "complete"
    assert run.models == ["k3-s42", "k3-s43", "k4-s42", "k4-s43"]
    assert run.info.ks == [3, 4] and run.info.seeds == [42, 43]
    assert run.info.engine.name == "gensim"
    assert run.info.engine.settings["passes"] == 2
    assert set(run.info.packages) >= {"feedcare", "gensim", "numpy", "pyarrow"}
    assert run.info.chosen_model in run.models and run.info.chosen_reason
    for name, schema in (("topics", TOPICS), ("doc_topics", DOC_TOPICS), ("sweep", SWEEP),
                         ("topic_measures", TOPIC_MEASURES)):
        assert pq.read_schema(run.path / f"{name}.parquet").remove_metadata() == schema
    for model in run.models:
        assert (run.path / "models" / model / "model.gensim").is_file()


def test_doc_topics_is_the_full_distribution_of_every_unit(swept):
    corpus, _ = swept
    run = open_run(corpus, "sweep")
    for model, k in (("k3-s42", 3), ("k4-s43", 4)):
        table = run.doc_topics(model)
        assert table.num_rows == 120 * k
        weights = table["weight"].to_numpy().reshape(120, k)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-9)
        assert table["unit_id"].to_pylist()[:k] == [0] * k
        assert table["topic"].to_pylist()[:k] == list(range(k))
        assert table["doc_id"].to_pylist()[0] == "d0000"


def test_streamed_doc_topics_are_exactly_one_models_rows(swept):
    """Small batches cut across the models' row groups; nothing of another model leaks in."""
    import pyarrow as pa

    corpus, _ = swept
    run = open_run(corpus, "sweep")
    for model in run.models:
        whole = run.doc_topics(model).select(["unit_id", "topic", "weight"])
        batches = list(run.iter_doc_topics(model, ["unit_id", "topic", "weight"], batch_size=50))
        assert all(b.num_rows for b in batches)
        assert pa.Table.from_batches(batches).equals(whole)
    with pytest.raises(DataError, match="doc_topics.parquet: missing"):
        (run.path / "doc_topics.parquet").rename(run.path / "moved.parquet")
        try:
            list(run.iter_doc_topics("k3-s42"))
        finally:
            (run.path / "moved.parquet").rename(run.path / "doc_topics.parquet")


def test_topics_table_has_top_n_terms_per_topic_in_weight_order(swept):
    corpus, _ = swept
    topics = open_run(corpus, "sweep").topics("k4-s42")
    assert pc.sum(pc.less(topics["rank"], 10)).as_py() == 4 * 10
    for topic in range(4):
        rows = topics.filter(pc.equal(topics["topic"], topic))
        weights = rows["weight"].to_pylist()
        assert weights == sorted(weights, reverse=True)
        # The distinctive terms (FREX, relevance top 10) are stored too, beyond rank 10 if need be.
        for score in ("frex", "relevance"):
            values = sorted(rows[score].to_pylist(), reverse=True)
            assert len(values) >= 10 and None not in values


def test_report_shows_distinctive_terms_beside_probability(invoke, swept):
    corpus, result = swept
    assert "distinctive terms (FREX)" in result.stdout
    data = json.loads(invoke("runs", "show", "sweep", "--corpus", corpus, "--json").stdout)
    assert data["distinctive_by"] == "frex" and len(data["distinctive_topics"]) == len(data["chosen_topics"])


def test_sweep_report_marks_the_recommended_k_and_shows_topics(swept):
    corpus, result = swept
    run = open_run(corpus, "sweep")
    chosen_k = int(run.chosen_model[1:].split("-")[0])
    assert f"{chosen_k} ★" in result.stdout
    assert "c_npmi and stability against k" in result.stdout
    assert f"Topics of {run.chosen_model}" in result.stdout
    assert "Run sweep:" in result.stdout
    sweep = run.sweep()
    assert sweep.num_rows == 4 and None not in sweep["stability"].to_pylist()


def test_json_output_is_the_report(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=60)
    result = invoke("topics", "--corpus", corpus, "--k", "3", "--seed", "5", "--json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["chosen_model"] == "k3-s5" and data["seeds"] == [5]
    assert len(data["chosen_topics"]) == 3 and len(data["chosen_topics"][0]) == 10
    assert data["by_k"][0]["mean"]["stability"] is None  # one seed: no stability
    assert (tmp_path / "c" / "runs" / data["run_id"] / "run.json").is_file()


def test_feedcare_toml_settings_are_used(tmp_path, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=60)
    config = tmp_path / "feedcare.toml"
    config.write_text("[topics]\nk = 3\nseeds = 1\npasses = 1\niterations = 20\ntop_n = 5\n")
    result = invoke("topics", "--corpus", corpus, "--config", config, "--json", "--jobs", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["engine"]["settings"]["passes"] == 1
    assert [len(t) for t in data["chosen_topics"]] == [5, 5, 5]


# --- errors: one line, the option's name, what it must be, what it got ------------------------


@pytest.fixture
def small(tmp_path):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=40, n_topics=3, words_per_topic=5)
    return corpus


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--k", "1"), "[topics] k must be between 2 and 1000 topics, got '1'"),
        (("--k", "4:x"),
         "[topics] k must be a number of topics (8) or a range START:STOP[:STEP] (4:16:2), got '4:x'"),
        (("--k", "8:4"), "STOP must be >= START and STEP >= 1"),
        (("--k", "16"), "k must be at most the vocabulary size (15 terms in vocabulary.parquet), got k=16"),
        (("--seeds", "0"), '[topics] seeds must be "auto" or a number from 1 to 100, got 0'),
        (("--seed", "1", "--seeds", "2"), "use --seed N for one seed or --seeds N for several"),
        (("--passes", "0"), '[topics] passes must be "auto" or a number from 1 to 1000, got 0'),
        (("--passes", "many"), "[topics] passes must be an integer or one of 'auto', got 'many'"),
        (("--engine", "mallet"),
         "[topics] engine must be one of 'gensim', 'tomotopy', 'spark', got 'mallet'"),
        (("--run-id", "../escape"), "--run-id must be 1-64 letters, digits"),
        (("--run-id", "latest"), "not 'latest'; got 'latest'"),
    ],
)
def test_bad_options_are_usage_errors(small, invoke, args, message):
    result = invoke("topics", "--corpus", small, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert not (small / "runs").exists() or not any((small / "runs").iterdir())


def test_bad_toml_value_names_the_file_and_key(small, invoke, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[topics]\nalpha = "flat"\n')
    result = invoke("topics", "--corpus", small, "--config", config)
    assert result.exit_code == 2
    expected = (f"{config}: [topics] alpha must be one of symmetric, asymmetric, auto or a number > 0 "
                "and at most 1000, "
                "got 'flat'")
    assert expected in result.stderr


def test_missing_tokens_says_run_tokens_first(tmp_path, invoke):
    from helpers import build_corpus

    corpus = build_corpus(tmp_path / "c", {"a": [("P", "participant", "hello there")]})
    result = invoke("topics", "--corpus", corpus)
    assert result.exit_code == 4
    assert result.stderr == f"Error: {corpus}: no tokens yet; run `feedcare tokens` first\n"


def test_stale_tokens_are_refused(small, invoke):
    meta = json.loads((small / TOKENS_META_FILE).read_text())
    meta["corpus_fingerprint"] = "something-else"
    (small / TOKENS_META_FILE).write_text(json.dumps(meta))
    result = invoke("topics", "--corpus", small)
    assert result.exit_code == 4
    expected = ("the tokens are stale (the corpus changed after `feedcare tokens` ran); "
                "re-run `feedcare tokens`")
    assert expected in result.stderr


def test_tokens_file_not_matching_tokens_json_is_refused(small, invoke):
    meta = json.loads((small / TOKENS_META_FILE).read_text())
    meta["fingerprint"] = "other"
    (small / TOKENS_META_FILE).write_text(json.dumps(meta))
    result = invoke("topics", "--corpus", small)
    assert result.exit_code == 4
    assert "does not match tokens.json" in result.stderr


def test_no_corpus_is_a_data_error(tmp_path, invoke):
    result = invoke("topics", "--corpus", tmp_path / "nothing")
    assert result.exit_code == 4
    assert "no corpus here" in result.stderr


def test_existing_run_id_with_other_settings_is_refused(small, invoke):
    first = invoke("topics", "--corpus", small, "--k", "2", "--seed", "1", "--run-id", "r", *FAST)
    assert first.exit_code == 0
    result = invoke("topics", "--corpus", small, "--k", "3", "--seed", "1", "--run-id", "r", *FAST)
    assert result.exit_code == 2
    assert "run 'r' exists with another configuration or other tokens; choose a new --run-id" in result.stderr


# --- the streamed bag of words is gensim's ---------------------------------------------------


def test_streamed_bow_and_dictionary_equal_gensims(tmp_path):
    from gensim.corpora import Dictionary

    units, _ = planted_units(n_docs=30)
    corpus = corpus_with_tokens(tmp_path / "c", units)
    reference = Dictionary()
    reference.token2id = {t: i for i, t in enumerate(sorted({t for u in units for t in u}))}
    bow = BowCorpus(corpus / "tokens.parquet", batch_size=7)  # batches cut across units
    assert len(bow) == 30
    assert list(bow) == [reference.doc2bow(u) for u in units]
    assert list(bow) == list(bow)  # re-iterable: every pass re-reads the file
    assert list(TextCorpus(corpus / "tokens.parquet")) == units
    dictionary = load_dictionary(pq.read_table(corpus / "vocabulary.parquet"), 30)
    built = Dictionary(units)
    assert {dictionary[i]: dictionary.dfs[i] for i in dictionary} == {built[i]: built.dfs[i] for i in built}
    assert dictionary.num_docs == 30 and dictionary.num_pos == sum(map(len, units))


def test_batch_bows_handles_sliced_arrays():
    import pyarrow as pa

    ids = pa.array([[3, 1, 3], [0], [2, 2, 2, 5]], pa.list_(pa.int32())).slice(1)
    assert batch_bows(ids) == [[(0, 1)], [(2, 3), (5, 1)]]


@needs(OSCE)
def test_osce_participant_turns_end_to_end(tmp_path, invoke):
    """Real transcripts: ingest, tokens, then a small topics run with interpretable terms."""
    corpus = tmp_path / "osce"
    sample = tmp_path / "sample"
    sample.mkdir()
    for path in sorted(OSCE.glob("*.txt"))[:40]:
        shutil.copy(path, sample / path.name)
    assert invoke("ingest", sample, "--corpus", corpus).exit_code in (0, 3)
    tokens = invoke("tokens", "--corpus", corpus)
    assert tokens.exit_code == 0, tokens.output
    result = invoke("topics", "--corpus", corpus, "--k", "4", "--seeds", "2", "--json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    terms = {t for topic in data["chosen_topics"] for t in topic}
    assert terms & {"pain", "cough", "day", "feel", "week"}
    assert data["n_units"] > 50


def test_progress_reports_the_sweep_as_a_share_of_the_estimated_work(tmp_path):
    """One bar per fit and one for the sweep, in percent, rising to 100 (the bar's ETA needs it)."""
    units, _truth = planted_units(n_docs=80, n_topics=3, words_per_topic=8, seed=5)
    corpus = corpus_with_tokens(tmp_path / "c", units)
    calls = []
    fit_topics(corpus, TopicsConfig(k="3:4", seeds=1, passes=2, iterations=20), run_id="p", jobs=1,
               progress=lambda stage, done, total: calls.append((stage, done, total)))
    sweep = [done for stage, done, total in calls if stage == "Fitting 2 models"]
    assert sweep[0] == 0 and sweep == sorted(sweep) and sweep[-1] == pytest.approx(100)
    assert {total for stage, _done, total in calls if stage.startswith(("fit ", "Fitting"))} == {100}
    assert {stage for stage, _d, _t in calls if stage.startswith("fit ")} == {"fit k3-s42", "fit k4-s42"}
    # the bigger k weighs at least as much: it is never behind in its share
    assert max(d for s, d, _t in calls if s == "fit k3-s42") == 100
