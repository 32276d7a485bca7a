"""corpus/ingest/attributes.py: a participants file (--meta) joined onto documents by participant id."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.ingest.attributes import coverage, join_meta, load_meta

INTERVIEW = "Interviewer: How did you find the ward?\nP01: Honestly, um, it was fine.\n"


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def as_json(result):
    assert result.stdout.strip(), result.output
    return json.loads(result.stdout)


@pytest.fixture
def folder(tmp_path):
    """Three interviews in three formats, one in a sub-folder."""
    root = tmp_path / "transcripts"
    write(root / "P01.txt", INTERVIEW)
    write(root / "P02.md", INTERVIEW.replace("P01", "P02"))
    write(
        root / "online" / "P03.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Why online?\n\n"
        "00:00:04.500 --> 00:00:09.000\n<v P03>It felt anonymous.\n",
    )
    return root


def test_ids_are_trimmed_and_every_other_column_is_an_attribute(tmp_path):
    path = write(tmp_path / "people.tsv", "age_band\twho\tsite\n18-24\t P1 \tA\n65+\tP2\t\n")
    meta = load_meta(path, "who")
    assert meta.ids.to_pylist() == ["P1", "P2"]
    assert meta.columns == ["age_band", "site"]
    assert meta.attributes.to_pylist() == [
        {"age_band": "18-24", "site": "A"},
        {"age_band": "65+", "site": None},
    ]
    assert len(meta.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.csv", "participant_id,age\nP1,30\n ,31\n", "1 row(s) have an empty 'participant_id'"),
        ("p.csv", "participant_id,text\nP1,hi\n", "--rename text=participant_id: 'participant_id' is a"),
        ("p.txt", "participant_id\nP1\n", "--meta must be a .csv, .tsv or .parquet file"),
        ("p.csv", "", "cannot read the participants file (empty file)"),
    ],
)
def test_a_participants_file_mistake_is_a_usage_error_naming_it(tmp_path, name, content, message):
    path = write(tmp_path / name, content)
    with pytest.raises(UsageError, match=re.escape(message)) as caught:
        load_meta(path, rename={"text": "participant_id"})
    assert str(path) in str(caught.value)


def test_a_column_named_like_a_built_in_one_is_kept_as_name_1(tmp_path):
    meta = load_meta(write(tmp_path / "p.csv", "participant_id,text,Source,age\nP1,hi,web,30\n"))
    assert meta.columns == ["text_1", "Source_1", "age"]
    assert meta.source_columns == ["text", "Source", "age"]
    assert [(r.column, r.stored, r.why) for r in meta.renamed] == [
        ("text", "text_1", "built-in"), ("Source", "Source_1", "built-in")
    ]
    assert meta.attributes.to_pylist() == [{"text_1": "hi", "Source_1": "web", "age": "30"}]
    chosen = load_meta(tmp_path / "p.csv", rename={"text": "said", "elsewhere": "x"})
    assert chosen.columns == ["said", "Source_1", "age"]  # a column this file lacks is ignored here
    with pytest.raises(UsageError, match="'participant_id' is the participant id column"):
        load_meta(tmp_path / "p.csv", rename={"participant_id": "who"})


def test_join_keeps_the_document_order_and_leaves_unknown_participants_null(tmp_path):
    meta = load_meta(write(tmp_path / "p.csv", "participant_id,age_band\nP2,65+\nP1,18-24\nP9,30-44\n"))
    documents = pa.table({"doc_id": ["d3", "d1", "d2", "d4"], "participant_id": ["P1", "P2", "P1", None]})
    joined = join_meta(documents, meta)
    assert joined["doc_id"].to_pylist() == ["d3", "d1", "d2", "d4"]
    assert joined["age_band"].to_pylist() == ["18-24", "65+", "18-24", None]
    gaps = coverage(joined["doc_id"], joined["participant_id"], meta)
    assert gaps.metadata_without_documents == ["P9"]
    assert gaps.documents_without_metadata == ["d4"]


# --- through `feedcare ingest` ----------------------------------------------------------------------


def test_a_metadata_column_clashing_with_a_table_column_is_a_usage_error(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", "comment,participant_id,ward\nGood,P1,4\n")
    meta = write(tmp_path / "people.csv", "participant_id,ward\nP1,5\n")
    result = invoke("ingest", table, "--text-column", "comment", "--meta", meta, "--corpus", tmp_path / "c")
    assert result.exit_code == 2
    assert (
        f"{meta}: column 'ward' is also a column of the comment table; rename it in one of the two files"
        in (result.stderr)
    )


def test_participants_file_joins_attributes_and_reports_both_kinds_of_gap(invoke, folder, tmp_path):
    meta = write(
        tmp_path / "participants.csv",
        "participant_id,age_band,platform\nP01,45-54,NHS website\nP02,18-24,Care Opinion\nP09,65+,Google\n",
    )
    data = as_json(invoke("ingest", folder, "--corpus", tmp_path / "c", "--meta", meta, "--json"))
    assert data["metadata_without_documents"] == ["P09"]
    assert data["documents_without_metadata"] == ["online/P03"]
    corpus = open_corpus(tmp_path / "c")
    assert corpus.attribute_columns == ["age_band", "platform"]
    rows = corpus.documents(columns=["doc_id", "age_band", "platform"]).to_pylist()
    assert rows[0] == {"doc_id": "P01", "age_band": "45-54", "platform": "NHS website"}
    assert rows[2] == {"doc_id": "online/P03", "age_band": None, "platform": None}
    table = invoke("ingest", folder, "--corpus", tmp_path / "c", "--meta", meta)
    assert "ids with no document" in table.stdout and "P09" in table.stdout


def test_participants_file_problems_are_usage_errors(invoke, folder, tmp_path):
    meta = write(tmp_path / "people.csv", "id,age\nP01,30\nP01,31\n")
    result = invoke("ingest", folder, "--corpus", tmp_path / "c", "--meta", meta)
    assert result.exit_code == 2
    assert f"{meta}: no participant id column 'participant_id'; its columns are 'id', 'age'" in result.stderr
    result = invoke("ingest", folder, "--corpus", tmp_path / "c", "--meta", meta, "--meta-id-column", "id")
    assert result.exit_code == 2
    assert f"{meta}: participant id 'P01' appears on more than one row; keep one row per participant" in (
        result.stderr
    )
    result = invoke("ingest", folder, "--corpus", tmp_path / "c", "--meta", tmp_path / "nope.csv")
    assert result.exit_code == 2 and "nope.csv: participants file not found" in result.stderr
