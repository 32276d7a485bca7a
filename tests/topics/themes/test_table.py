"""themes.parquet: one row per unit with its dominant theme; the docs' DuckDB/polars join runs."""

from __future__ import annotations

import re
from collections import Counter

import pyarrow.parquet as pq
import pytest
from conftest import ROOT
from feedcare.corpus import open_corpus
from themes_fixtures import RUN_ID, build_project


@pytest.fixture
def project(tmp_path):
    return build_project(tmp_path)


def test_themes_writes_the_unit_table_with_labels(invoke, project, tmp_path):
    table_path = project.run / "themes.parquet"
    assert invoke("themes", "latest", "--corpus", project.corpus, "--json").exit_code == 0
    table = pq.read_table(table_path)
    units = open_corpus(project.corpus).iter_tokens(["unit_id", "doc_id", "participant_id"])
    expected = [row for batch in units for row in batch.to_pylist()]
    rows = table.to_pylist()
    assert [(r["unit_id"], r["doc_id"], r["participant_id"]) for r in rows] == [
        (u["unit_id"], u["doc_id"], u["participant_id"]) for u in expected
    ]
    assert len({r["model"] for r in rows}) == 1 and {r["run_id"] for r in rows} == {RUN_ID}
    assert {r["label"] for r in rows} == {None}
    json_topics = Counter(r["topic"] for r in rows if r["topic"] is not None)
    data = invoke("themes", "latest", "--corpus", project.corpus, "--json").stdout
    import json

    for topic in json.loads(data)["topics"]:  # n_units of each theme = its rows here
        assert json_topics[topic["topic"]] == topic["n_units"]
    labels = tmp_path / "themes.toml"
    labels.write_text(f'[run]\nid = "{RUN_ID}"\n[topics]\n0 = "Waiting"\n', encoding="utf-8")
    assert invoke("themes", "latest", "--corpus", project.corpus, "--labels", labels).exit_code == 0
    rows = pq.read_table(table_path).to_pylist()
    assert {r["label"] for r in rows if r["topic"] == 0} == {"Waiting"}
    assert {r["theme"] for r in rows if r["topic"] == 0} == {"Waiting"}
    # A later call without --labels keeps the labelled table.
    assert invoke("themes", "latest", "--corpus", project.corpus, "--json").exit_code == 0
    assert {r["label"] for r in pq.read_table(table_path).to_pylist() if r["topic"] == 0} == {"Waiting"}


def test_the_documented_duckdb_and_polars_queries_run(invoke, project, monkeypatch):
    pytest.importorskip("duckdb")
    pytest.importorskip("polars")
    assert invoke("themes", "latest", "--corpus", project.corpus, "--json").exit_code == 0
    doc = (ROOT / "docs" / "themes.md").read_text(encoding="utf-8")
    section = doc.split("<!-- tested: tests/topics/themes/test_table.py runs these two blocks -->", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)[:2]
    assert len(blocks) == 2
    code = "\n".join(blocks).replace(
        '"corpus", "corpus/runs/example"', f'"{project.corpus}", "{project.run}"'
    )
    scope: dict = {}
    exec(compile(code, "docs/themes.md", "exec"), scope)
    duck = scope["by_group"]
    pol = scope["by_group_pl"].rows()
    assert duck and [tuple(r[:4]) for r in duck] == [tuple(r[:4]) for r in pol]
    documents = open_corpus(project.corpus).documents(columns=["doc_id", "age_band"]).to_pylist()
    band = {d["doc_id"]: d["age_band"] for d in documents}
    themes = pq.read_table(project.run / "themes.parquet").to_pylist()
    per_group = Counter(band[r["doc_id"]] for r in themes if r["topic"] is not None)
    for group, count in per_group.items():
        rows = [r for r in duck if r[0] == group]
        assert sum(r[3] for r in rows) == count
        assert sum(r[4] for r in rows) == pytest.approx(1.0)
