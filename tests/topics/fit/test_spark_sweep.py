"""A gensim sweep whose fits run as Spark tasks (issue 19) writes exactly the local sweep's bytes."""

from __future__ import annotations

import json

import pytest
from topics_fixtures import planted_corpus

pytestmark = pytest.mark.slow  # a local[2] Spark session: seconds to start, seconds per job
OUTPUTS = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet")


def test_a_sweep_as_spark_tasks_is_byte_identical_to_jobs_2(tmp_path, spark, invoke):
    corpus, _ = planted_corpus(tmp_path / "c", n_docs=100)
    common = ("--corpus", corpus, "--k", "3:4", "--seeds", "2", "--passes", "2", "--iterations", "30")
    local = invoke("topics", *common, "--jobs", "2", "--run-id", "local")
    assert local.exit_code == 0, local.output
    on_spark = invoke("topics", *common, "--backend", "spark", "--run-id", "spark", "--json")
    assert on_spark.exit_code == 0, on_spark.output
    runs = corpus / "runs"
    for name in OUTPUTS:
        assert (runs / "local" / name).read_bytes() == (runs / "spark" / name).read_bytes(), name
    for model in ("k3-s42", "k3-s43", "k4-s42", "k4-s43"):
        for name in OUTPUTS:
            assert (runs / "spark" / "fits" / model / name).read_bytes() == \
                (runs / "local" / "fits" / model / name).read_bytes()
        assert (runs / "spark" / "models" / model / "model.gensim").is_file()
    info = json.loads((runs / "spark" / "run.json").read_text())
    assert info["status"] == "complete"
    report = json.loads(on_spark.stdout)
    assert report["chosen_model"] == json.loads((runs / "local" / "run.json").read_text())["chosen_model"]
