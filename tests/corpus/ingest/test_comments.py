"""`feedcare ingest` on comment tables (CSV, TSV, Parquet): one document per row."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import NHS_CSV, needs
from feedcare.corpus import open_corpus

COMMENTS = (
    "id,comment,site,rating\n"
    "c1,The nurses were lovely.,Ward 4,5\n"
    'c2,"Waited two hours,\r\nthen sent home.",A&E,1\n'
    "c3,,Ward 4,3\n"
    "c4,   ,A&E,2\n"
    "c5,Parking was a nightmare,Outpatients,2\n"
)


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def as_json(result):
    assert result.stdout.strip(), result.output
    return json.loads(result.stdout)


def test_each_row_is_a_document_with_its_other_columns_as_attributes(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", COMMENTS)
    result = invoke(
        "ingest", table, "--text-column", "comment", "--id-column", "id", "--corpus", tmp_path / "c", "--json"
    )
    assert result.exit_code == 3  # two blank comments were skipped
    data = as_json(result)
    assert data["skipped"] == [
        {"path": data["skipped"][0]["path"], "reason": "2 rows with an empty 'comment' skipped"}
    ]
    assert data["skipped"][0]["path"].endswith("fft.csv")
    corpus = open_corpus(tmp_path / "c")
    assert corpus.attribute_columns == ["site", "rating"]
    docs = corpus.documents().to_pylist()
    assert [(d["doc_id"], d["participant_id"], d["site"], d["rating"]) for d in docs] == [
        ("c1", "c1", "Ward 4", "5"),
        ("c2", "c2", "A&E", "1"),
        ("c5", "c5", "Outpatients", "2"),
    ]
    assert docs[1]["text"] == "Waited two hours,\nthen sent home."  # CRLF inside quotes normalised
    assert {(d["format"], d["encoding"], d["source"], d["n_segments"]) for d in docs} == {
        ("csv", "utf-8", "fft.csv", 1)
    }
    segments = corpus.segments().to_pylist()
    assert [(s["doc_id"], s["seg"], s["speaker"], s["role"]) for s in segments] == [
        ("c1", 0, None, "participant"),
        ("c2", 0, None, "participant"),
        ("c5", 0, None, "participant"),
    ]
    for doc, seg in zip(docs, segments, strict=True):
        assert doc["text"][seg["char_start"] : seg["char_end"]] == seg["text"] == doc["text"]
        assert seg["n_words"] == doc["n_words"] == len(doc["text"].split())


def test_without_an_id_column_ids_are_file_and_row_number(invoke, tmp_path):
    write(tmp_path / "in" / "fft.csv", COMMENTS)
    invoke("ingest", tmp_path / "in", "--text-column", "comment", "--corpus", tmp_path / "c")
    docs = open_corpus(tmp_path / "c").documents(columns=["doc_id", "participant_id", "id"]).to_pylist()
    # Row numbers count every data row, blank ones too, so ids do not shift when a comment is emptied.
    assert [(d["doc_id"], d["participant_id"], d["id"]) for d in docs] == [
        ("fft:1", "fft:1", "c1"),
        ("fft:2", "fft:2", "c2"),
        ("fft:5", "fft:5", "c5"),
    ]


def test_text_column_is_required_and_checked(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", COMMENTS)
    result = invoke("ingest", table, "--corpus", tmp_path / "c")
    assert result.exit_code == 2
    assert (
        "Error: fft.csv: a comment table needs --text-column (text_column in [ingest]); its columns are "
        "'id', 'comment', 'site', 'rating'"
    ) in result.stderr
    result = invoke("ingest", table, "--text-column", "feedback", "--corpus", tmp_path / "c")
    assert result.exit_code == 2
    assert "fft.csv: no column 'feedback' for --text-column; its columns are 'id', 'comment'" in result.stderr
    result = invoke(
        "ingest", table, "--text-column", "comment", "--id-column", "ID", "--corpus", tmp_path / "c"
    )
    assert result.exit_code == 2 and "no column 'ID' for --id-column" in result.stderr
    assert not (tmp_path / "c" / "manifest.json").exists()


def test_columns_named_like_every_built_in_column_are_kept_and_read_back(invoke, tmp_path):
    """A trust's export keeps its own column names: a clash is stored as NAME_1, with a notice."""
    from feedcare.corpus.store.schema import DOCUMENT_BASE_COLUMNS

    clashing = [c for c in DOCUMENT_BASE_COLUMNS if c != "participant_id"]  # that one means itself
    header = ["comment", "participant_id", *clashing, "Source", "ward"]
    rows = [
        ["Great care", "P1", *[f"{c}-a" for c in clashing], "Web", "5"],
        ["Long wait", "P2", *[f"{c}-b" for c in clashing], "Paper", "6"],
    ]
    table = write(tmp_path / "export.csv", "\n".join(",".join(r) for r in [header, *rows]) + "\n")
    result = invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c", "--json")
    assert result.exit_code == 0, result.output  # kept, not skipped
    data = as_json(result)
    assert [(r["column"], r["stored"], r["why"]) for r in data["renamed"]] == [
        *[(c, f"{c}_1", "built-in") for c in clashing], ("Source", "Source_2", "built-in")
    ]
    documents = open_corpus(tmp_path / "c").documents()
    # Built-in columns keep their meaning; the table's own columns come back under the new names.
    assert documents["source"].to_pylist() == ["export.csv", "export.csv"]
    assert documents["text"].to_pylist() == ["Great care", "Long wait"]
    assert documents["participant_id"].to_pylist() == ["P1", "P2"]
    for column in clashing:
        assert documents[f"{column}_1"].to_pylist() == [f"{column}-a", f"{column}-b"], column
    assert documents["Source_2"].to_pylist() == ["Web", "Paper"]
    assert documents["ward"].to_pylist() == ["5", "6"]
    # Unique ignoring case, so DuckDB and SQL (case blind) can read the file.
    folded = [name.casefold() for name in documents.column_names]
    assert len(folded) == len(set(folded))
    # Without --json the notice is one line on stderr naming the file and the way out.
    result = invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "d")
    notice = [line for line in result.stderr.splitlines() if "kept under another name" in line]
    assert len(notice) == 1 and "export.csv: columns kept under another name: doc_id → doc_id_1" in notice[0]
    assert "source → source_1 (source is a built-in corpus column; --by source finds it, or choose " \
        "with --rename source=NEW)" in notice[0]
    assert "Source → Source_2 (Source is a built-in corpus column; --by Source_2, or choose" in notice[0]


def test_rename_chooses_the_stored_name(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", "comment,source,site\nGreat care,web,Ward 4\nLong wait,paper,A&E\n")
    args = ["ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c"]
    result = invoke(*args, "--rename", "source=channel", "--rename", "site=ward", "--json")
    assert result.exit_code == 0, result.output
    assert [(r["column"], r["stored"], r["why"]) for r in as_json(result)["renamed"]] == [
        ("source", "channel", "--rename"), ("site", "ward", "--rename")
    ]
    corpus = open_corpus(tmp_path / "c")
    assert corpus.attribute_columns == ["channel", "ward"]
    assert corpus.documents(columns=["channel"])["channel"].to_pylist() == ["web", "paper"]
    # The same options again: nothing to read. Another --rename: every file is read again.
    same = invoke(*args, "--rename", "source=channel", "--rename", "site=ward", "--json")
    assert as_json(same)["up_to_date"]
    again = as_json(invoke(*args, "--rename", "source=medium", "--json"))
    assert again["reread_reason"] == "the ingest options changed since the last ingest"
    assert open_corpus(tmp_path / "c").attribute_columns == ["medium", "site"]


@pytest.mark.parametrize(
    ("rename", "message"),
    [
        ("source=text", "fft.csv: --rename source=text: 'text' is a built-in corpus column; choose another "
                        "name"),
        ("source=Site", "fft.csv: --rename source=Site: 'Site' is taken; choose another name"),
        ("comment=note", "fft.csv: --rename comment=...: 'comment' is the --text-column, not an attribute "
                         "column; only attribute columns can be renamed"),
        ("sorce=channel", "--rename sorce=channel: no table read has a column 'sorce'; check the spelling"),
        ("source", "rename (--rename) must be OLD=NEW, e.g. source=channel; got 'source'"),
    ],
)
def test_a_rename_that_cannot_apply_is_a_usage_error(invoke, tmp_path, rename, message):
    table = write(tmp_path / "fft.csv", "comment,source,site\nGreat care,web,Ward 4\n")
    result = invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c",
                    "--rename", rename)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / "c" / "manifest.json").exists()


def test_a_participants_file_column_named_like_a_built_in_one_is_kept_too(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", "comment,who\nGreat care,P1\nLong wait,P2\n")
    meta = write(tmp_path / "people.csv", "participant_id,source,age\nP1,clinic,30\nP2,online,40\n")
    result = invoke("ingest", table, "--text-column", "comment", "--participant-column", "who",
                    "--meta", meta, "--corpus", tmp_path / "c", "--json")
    assert result.exit_code == 0, result.output
    assert [(r["column"], r["stored"]) for r in as_json(result)["renamed"]] == [("source", "source_1")]
    documents = open_corpus(tmp_path / "c").documents(columns=["source", "source_1", "age"])
    assert documents.to_pylist() == [
        {"source": "fft.csv", "source_1": "clinic", "age": "30"},
        {"source": "fft.csv", "source_1": "online", "age": "40"},
    ]


def test_repeated_ids_are_skipped_after_the_first_in_one_line(invoke, tmp_path):
    rows = "".join(f"r{i % 3},comment number {i}\n" for i in range(10))
    table = write(tmp_path / "fft.csv", "id,comment\n" + rows)
    data = as_json(
        invoke(
            "ingest",
            table,
            "--text-column",
            "comment",
            "--id-column",
            "id",
            "--corpus",
            tmp_path / "c",
            "--json",
        )
    )
    assert [s["reason"] for s in data["skipped"]] == [
        "7 rows have a duplicate document id, e.g. 'r0' (also from fft.csv)"
    ]
    docs = open_corpus(tmp_path / "c").documents(columns=["doc_id", "text"]).to_pylist()
    assert docs == [{"doc_id": f"r{i}", "text": f"comment number {i}"} for i in range(3)]


def test_ids_clashing_with_another_source_are_skipped(invoke, tmp_path):
    write(tmp_path / "in" / "a.csv", "id,comment\nx1,first\nx2,second\n")
    write(tmp_path / "in" / "b.csv", "id,comment\nx2,again\nx3,third\n")
    data = as_json(
        invoke(
            "ingest",
            tmp_path / "in",
            "--text-column",
            "comment",
            "--id-column",
            "id",
            "--corpus",
            tmp_path / "c",
            "--json",
        )
    )
    assert [s["reason"] for s in data["skipped"]] == [
        "1 row has a duplicate document id, e.g. 'x2' (also from a.csv)"
    ]
    assert data["documents"] == 3


def test_a_new_table_clashing_with_rows_kept_from_an_earlier_ingest_names_their_source(invoke, tmp_path):
    write(tmp_path / "in" / "a.csv", "id,comment\nx1,first\nx2,second\n")
    args = ("ingest", tmp_path / "in", "--text-column", "comment", "--id-column", "id",
            "--corpus", tmp_path / "c", "--json")
    assert invoke(*args).exit_code == 0
    write(tmp_path / "in" / "b.csv", "id,comment\nx2,again\nx3,third\n")  # a.csv is kept, not re-read
    result = invoke(*args)
    data = as_json(result)
    assert result.exit_code == 3
    assert [s["reason"] for s in data["skipped"]] == [
        "1 row has a duplicate document id, e.g. 'x2' (also from a.csv)"
    ]
    texts = {d["doc_id"]: d["text"] for d in open_corpus(tmp_path / "c").documents().to_pylist()}
    assert texts == {"x1": "first", "x2": "second", "x3": "third"}


def test_malformed_rows_are_counted_and_skipped(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", "comment,ward\nfine,4\nbroken,4,extra\nalso fine,5\n")
    data = as_json(invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c", "--json"))
    assert [s["reason"] for s in data["skipped"]] == [
        "1 malformed row (wrong number of fields) skipped, e.g. 'broken,4,extra'"
    ]
    assert data["documents"] == 2


def test_tsv_and_parquet_tables(invoke, tmp_path):
    write(tmp_path / "in" / "reviews.tsv", "review\tstars\nKind staff\t5\nRude reception\t1\n")
    pq.write_table(
        pa.table(
            {
                "text": ["Clean ward", "Long wait"],
                "score": pa.array([4, 2], pa.int64()),
                "trust": pa.array(["Trust A", "Trust B"]).dictionary_encode(),
            }
        ),
        tmp_path / "in" / "survey.parquet",
    )
    write(tmp_path / "feedcare.toml", '[ingest]\ntext_column = "review"\n')
    result = invoke(
        "ingest",
        tmp_path / "in" / "reviews.tsv",
        "--corpus",
        tmp_path / "c",
        "--config",
        tmp_path / "feedcare.toml",
    )
    assert result.exit_code == 0, result.output
    result = invoke(
        "ingest",
        tmp_path / "in" / "survey.parquet",
        "--text-column",
        "text",
        "--corpus",
        tmp_path / "c2",
        "--json",
    )
    assert result.exit_code == 0, result.output
    docs = open_corpus(tmp_path / "c").documents(columns=["doc_id", "text", "stars", "format"]).to_pylist()
    assert docs[1] == {"doc_id": "reviews:2", "text": "Rude reception", "stars": "1", "format": "tsv"}
    docs = (
        open_corpus(tmp_path / "c2").documents(columns=["doc_id", "score", "trust", "encoding"]).to_pylist()
    )
    assert docs == [
        {"doc_id": "survey:1", "score": "4", "trust": "Trust A", "encoding": "parquet"},
        {"doc_id": "survey:2", "score": "2", "trust": "Trust B", "encoding": "parquet"},
    ]


def test_tables_with_different_columns_share_one_documents_table(invoke, tmp_path):
    write(tmp_path / "in" / "a.csv", "comment,ward\nfirst,4\n")
    write(tmp_path / "in" / "b.csv", "comment,platform\nsecond,web\n")
    invoke("ingest", tmp_path / "in", "--text-column", "comment", "--corpus", tmp_path / "c")
    corpus = open_corpus(tmp_path / "c")
    assert corpus.attribute_columns == ["ward", "platform"]
    assert corpus.documents(columns=["doc_id", "ward", "platform"]).to_pylist() == [
        {"doc_id": "a:1", "ward": "4", "platform": None},
        {"doc_id": "b:1", "ward": None, "platform": "web"},
    ]


def test_participant_column_and_metadata_join(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", "comment,participant_id\nGood,P1\nBad,P2\nOkay,P1\n")
    meta = write(tmp_path / "people.tsv", "who\tage_band\nP1\t18-24\nP3\t65+\n")
    data = as_json(
        invoke(
            "ingest",
            table,
            "--text-column",
            "comment",
            "--meta",
            meta,
            "--meta-id-column",
            "who",
            "--corpus",
            tmp_path / "c",
            "--json",
        )
    )
    assert (data["participants"], data["metadata_without_documents"], data["documents_without_metadata"]) == (
        2,
        ["P3"],
        ["fft:2"],
    )
    docs = open_corpus(tmp_path / "c").documents(columns=["doc_id", "participant_id", "age_band"]).to_pylist()
    assert [(d["participant_id"], d["age_band"]) for d in docs] == [
        ("P1", "18-24"),
        ("P2", None),
        ("P1", "18-24"),
    ]


def test_an_unchanged_table_is_not_read_again_and_a_changed_one_is(invoke, tmp_path):
    table = write(tmp_path / "fft.csv", "comment\none\ntwo\n")
    corpus = tmp_path / "c"
    invoke("ingest", table, "--text-column", "comment", "--corpus", corpus)
    mtime = (corpus / "documents.parquet").stat().st_mtime_ns
    data = as_json(invoke("ingest", table, "--text-column", "comment", "--corpus", corpus, "--json"))
    assert data["status"] == "up to date" and (corpus / "documents.parquet").stat().st_mtime_ns == mtime
    write(table, 'comment\none\n"two, edited"\nthree\n')
    data = as_json(invoke("ingest", table, "--text-column", "comment", "--corpus", corpus, "--json"))
    assert (data["added"], data["changed"], data["removed"], data["documents"]) == (1, 2, 0, 3)
    assert open_corpus(corpus).documents(columns=["text"])["text"].to_pylist() == [
        "one",
        "two, edited",
        "three",
    ]


def test_word_counts_match_python_split_for_unicode_spaces(invoke, tmp_path):
    texts = ["a\u00a0b", "tab\tsep  double", " lead and trail ", "em\u2003space", "ideo\u3000graphic"]
    pq.write_table(pa.table({"t": texts}), tmp_path / "w.parquet")
    invoke("ingest", tmp_path / "w.parquet", "--text-column", "t", "--corpus", tmp_path / "c")
    docs = open_corpus(tmp_path / "c").documents(columns=["text", "n_words"]).to_pylist()
    assert [d["n_words"] for d in docs] == [len(t.split()) for t in texts]


@needs(NHS_CSV)
def test_nhs_feedback_csv_gives_one_document_per_comment(invoke, tmp_path):
    result = invoke("ingest", NHS_CSV, "--text-column", "feedback", "--corpus", tmp_path / "c", "--json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    assert (data["documents"], data["turns"], data["skipped"]) == (10_334, 10_334, [])
    corpus = open_corpus(tmp_path / "c")
    assert corpus.attribute_columns == [
        "code",
        "label",
        "subcategory",
        "criticality",
        "organization",
        "question",
        "row_index",
    ]
    import pyarrow.csv as pcsv

    source = pcsv.read_csv(
        NHS_CSV, convert_options=pcsv.ConvertOptions(column_types={"row_index": pa.string()})
    )
    documents = corpus.documents(columns=["text", "row_index", "organization"])
    assert documents["text"].to_pylist() == [t.replace("\r\n", "\n") for t in source["feedback"].to_pylist()]
    assert documents["row_index"].to_pylist() == source["row_index"].to_pylist()
    assert documents["organization"].to_pylist() == source["organization"].to_pylist()
