"""`feedcare ingest --audit`: documents with residual identifiers are kept out unless allowed."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from feedcare.corpus.base.errors import EXIT_OK, EXIT_SKIPPED

LEAKY = "Interviewer: How can we reach you?\nP01: Ring me on 07700 900123 any time.\n"
CLEAN = "Interviewer: How was it?\nP02: The nurses were kind and the ward was clean.\n"


def _sources(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "P01.txt").write_text(LEAKY, encoding="utf-8")
    (src / "P02.txt").write_text(CLEAN, encoding="utf-8")
    return src


def test_a_transcript_with_findings_is_skipped_with_the_reason(invoke, tmp_path):
    corpus = tmp_path / "corpus"
    result = invoke("ingest", _sources(tmp_path), "--corpus", corpus, "--audit", "--json")
    assert result.exit_code == EXIT_SKIPPED
    report = json.loads(result.stdout)
    assert report["audit_findings"] == {"phone": 1}
    (skip,) = report["skipped"]
    assert skip["path"].endswith("P01.txt")
    assert "1 possible identifier(s) (phone 1)" in skip["reason"]
    assert "--allow-findings" in skip["reason"]
    assert "07700" not in result.stdout  # never shown unmasked
    assert pq.read_table(corpus / "documents.parquet")["doc_id"].to_pylist() == ["P02"]


def test_allow_findings_adds_them_and_counts_them(invoke, tmp_path):
    corpus = tmp_path / "corpus"
    result = invoke(
        "ingest", _sources(tmp_path), "--corpus", corpus, "--audit", "--allow-findings", "--json"
    )
    assert result.exit_code == EXIT_OK
    assert json.loads(result.stdout)["audit_findings"] == {"phone": 1}
    assert sorted(pq.read_table(corpus / "documents.parquet")["doc_id"].to_pylist()) == ["P01", "P02"]


def test_table_rows_with_findings_are_left_out_and_counted(invoke, tmp_path):
    table = tmp_path / "fft.csv"
    table.write_text(
        "id,comment\n1,Lovely staff\n2,Email me at jo.bloggs@example.com please\n3,Too long a wait\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    result = invoke(
        "ingest", table, "--text-column", "comment", "--id-column", "id", "--corpus", corpus,
        "--audit", "--json",
    )
    assert result.exit_code == EXIT_SKIPPED
    report = json.loads(result.stdout)
    assert any("1 row(s) with possible identifiers (email 1)" in s["reason"] for s in report["skipped"])
    assert pq.read_table(corpus / "documents.parquet")["doc_id"].to_pylist() == ["1", "3"]


def test_names_file_is_used(invoke, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Bloggs\n", encoding="utf-8")
    src = tmp_path / "src"
    src.mkdir()
    (src / "P03.txt").write_text("Interviewer: Who helped?\nP03: Nurse Bloggs did.\n", encoding="utf-8")
    result = invoke("ingest", src, "--corpus", tmp_path / "c", "--audit", "--names", names, "--json")
    assert result.exit_code == EXIT_SKIPPED
    assert json.loads(result.stdout)["audit_findings"] == {"name": 1}
