"""`feedcare themes --format csv`: one tidy table per result, ready for pandas, R and DuckDB."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from feedcare.corpus import open_corpus
from themes_fixtures import RUN_ID, build_project

EVIL = "<script>alert(1)</script> the *nurse* & [staff](http://x) were kind, caring | `staff`"


@pytest.fixture
def project(tmp_path):
    return build_project(
        tmp_path, extra_docs={"evil": [("Interviewer", "interviewer", "Hi"), ("E1", "participant", EVIL)]}
    )


def run(invoke, project, *args):
    result = invoke("themes", "latest", "--corpus", project.corpus, *args)
    assert result.exit_code == 0, result.output
    return result


def test_csv_on_stdout_has_one_row_per_topic_and_excerpt(invoke, project):
    result = run(invoke, project, "--format", "csv", "--excerpts", "3")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 * 3
    assert {
        "topic",
        "label",
        "top_terms",
        "prevalence",
        "word_share",
        "spread",
        "excerpt_rank",
        "weight",
        "participant_id",
        "doc_id",
        "seg_start",
        "seg_end",
        "start_s",
        "char_start",
        "char_end",
        "text",
    } <= set(rows[0])
    texts = open_corpus(project.corpus).texts(sorted({r["doc_id"] for r in rows}))
    for row in rows:
        assert texts[row["doc_id"]][int(row["char_start"]) : int(row["char_end"])] == row["text"]
    frame = pd.read_csv(io.StringIO(result.stdout))  # ready for pandas / R
    assert frame.groupby("topic").size().tolist() == [3, 3, 3]


def test_topic_without_excerpts_still_has_a_csv_row(invoke, project):
    rows = list(
        csv.DictReader(io.StringIO(run(invoke, project, "--format", "csv", "--min-weight", "0.999").stdout))
    )
    assert sorted(int(r["topic"]) for r in rows) == [0, 1, 2]
    assert all(r["excerpt_rank"] == "" and r["text"] == "" for r in rows)


def test_csv_with_by_is_the_group_table(invoke, project, tmp_path):
    out = tmp_path / "groups.csv"
    result = run(invoke, project, "--by", "age_band", "--out", out)
    assert f"Wrote {out}" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3 * 3
    assert set(rows[0]) >= {
        "attribute",
        "topic",
        "group",
        "mean_weight",
        "n_units",
        "n_participants",
        "few_participants",
        "group_units",
        "group_participants",
    }
    assert {r["group"] for r in rows} == {"18-34", "35-64", "65+"}


def test_out_in_a_new_directory_is_created(invoke, project, tmp_path):
    out = tmp_path / "reports" / "themes.csv"
    run(invoke, project, "--out", out)
    assert out.read_text(encoding="utf-8").startswith("run_id,model,topic,")


def test_codebook_csv_has_the_columns_taguette_and_qualcoder_read(invoke, project, tmp_path):
    labels = tmp_path / "themes.toml"
    labels.write_text(
        f'[run]\nid = "{RUN_ID}"\n[topics]\n0 = {{ name = "Waiting", memo = "Delays, queues" }}\n',
        encoding="utf-8",
    )
    out = tmp_path / "codes.csv"
    result = invoke(
        "themes", "latest", "--corpus", project.corpus, "--labels", labels, "--codebook", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert "code list with 3 codes" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0])[:3] == ["name", "tag", "description"]
    assert {"topic", "label", "memo", "top_terms", "prevalence"} <= set(rows[0])  # what the CSV had
    assert [r["name"] for r in rows] == [
        "Waiting",
        "Topic 1: nurse, kind, caring, friendly",
        "Topic 2: ward, food, meal, clean",
    ]
    assert all(r["tag"] == r["name"] for r in rows)
    assert rows[0]["description"].startswith("Delays, queues\n\nfeedcare run")
