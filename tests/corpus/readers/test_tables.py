"""corpus/readers/tables.py: CSV, TSV and Parquet files as all-string columns, whatever their encoding."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from feedcare.corpus import IngestConfig, ingest, open_corpus
from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers import tables
from feedcare.corpus.readers.tables import open_string_table, read_string_table, sniff_encoding


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def as_json(result):
    assert result.stdout.strip(), result.output
    return json.loads(result.stdout)


def test_every_column_is_a_string_and_a_quoted_newline_stays_in_its_cell(tmp_path):
    path = write(tmp_path / "fft.csv", 'id,comment,rating\nc1,"Waited,\nthen sent home",1\nc2,,5\n')
    table, encoding = read_string_table(path, "csv")
    assert encoding == "utf-8"
    assert table.schema == pa.schema([(name, pa.string()) for name in ("id", "comment", "rating")])
    assert table.to_pylist() == [
        {"id": "c1", "comment": "Waited,\nthen sent home", "rating": "1"},
        {"id": "c2", "comment": None, "rating": "5"},  # an empty cell is null, not ""
    ]


def test_a_pandas_index_column_gets_a_name_and_a_repeated_header_is_refused(tmp_path):
    table, _ = read_string_table(write(tmp_path / "a.csv", ",comment\n0,fine\n"), "csv")
    assert table.column_names == ["column_1", "comment"]
    with pytest.raises(InputError, match="column name 'comment' appears twice in the header; rename one"):
        read_string_table(write(tmp_path / "b.csv", "comment,comment\nx,y\n"), "csv")


def test_malformed_rows_are_skipped_and_kept_for_the_report(tmp_path):
    path = write(tmp_path / "fft.csv", "comment,ward\nfine,4\nbroken,4,extra\nalso fine,5\n")
    opened = open_string_table(path, "csv")
    rows = [row for batch in opened.batches for row in batch.to_pylist()]
    assert [r["comment"] for r in rows] == ["fine", "also fine"]
    assert opened.bad_rows == ["broken,4,extra"]


def test_tab_separated_files_split_on_tabs(tmp_path):
    table, _ = read_string_table(write(tmp_path / "r.tsv", "review\tstars\nKind, quick staff\t5\n"), "tsv")
    assert table.to_pylist() == [{"review": "Kind, quick staff", "stars": "5"}]


def test_parquet_numbers_and_dictionaries_become_strings(tmp_path):
    pq.write_table(
        pa.table({
            "text": ["Clean"],
            "score": pa.array([4], pa.int64()),
            "trust": pa.array(["A"]).dictionary_encode(),
        }),
        tmp_path / "s.parquet",
    )
    table, encoding = read_string_table(tmp_path / "s.parquet", "parquet")
    assert encoding == "parquet" and table.to_pylist() == [{"text": "Clean", "score": "4", "trust": "A"}]


def test_parquet_that_cannot_be_text_is_refused_with_the_reason(tmp_path):
    pq.write_table(pa.table({"text": ["x"], "tags": [["a", "b"]]}), tmp_path / "nested.parquet")
    with pytest.raises(InputError, match="column 'tags' has type list<element: string>, which cannot"):
        open_string_table(tmp_path / "nested.parquet", "parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        open_string_table(tmp_path / "broken.parquet", "parquet")


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="empty file"):
        sniff_encoding(write(tmp_path / "e.csv", "  \n"))


def test_a_row_longer_than_the_read_block_is_read_with_bigger_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "_CSV_BLOCK_BYTES", 1024)
    long_text = "The nurse listened. " * 200  # 4 KB in one cell
    path = write(tmp_path / "long.csv", f'id,comment\nshort,Kind staff.\nlong,"{long_text}"\n')
    table, _ = read_string_table(path, "csv")
    assert table["comment"].to_pylist() == ["Kind staff.", long_text]


# --- through `feedcare ingest` ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_table_encodings(invoke, tmp_path, encoding):
    table = write(
        tmp_path / "fft.csv", "comment,ward\nCafé staff were brilliant – thank you,Élan\n", encoding
    )
    assert invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c").exit_code == 0
    doc = open_corpus(tmp_path / "c").documents().to_pylist()[0]
    assert (doc["text"], doc["ward"]) == ("Café staff were brilliant – thank you", "Élan")
    assert doc["encoding"] == {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16-le", "cp1252": "cp1252"}[encoding]


def test_windows_1252_far_into_an_ascii_file_is_still_read(invoke, tmp_path):
    body = "".join(f"plain ascii comment {i}\n" for i in range(60_000))  # > 1 MB sniffed as UTF-8
    table = tmp_path / "fft.csv"
    table.write_bytes(("comment\n" + body).encode() + "Café – last\n".encode("cp1252"))
    data = as_json(invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c", "--json"))
    assert data["documents"] == 60_001
    last = open_corpus(tmp_path / "c").documents(columns=["text", "encoding"]).slice(60_000).to_pylist()
    assert last == [{"text": "Café – last", "encoding": "cp1252"}]


def test_a_comment_longer_than_the_read_block_is_read_whole(tmp_path):
    long_text = "The nurse listened. " * 60_000  # 1.2 MB in one cell: longer than a 1 MiB block
    path = tmp_path / "long.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment_id", "feedback"])
        writer.writerow(["short", "Kind staff."])
        writer.writerow(["long", long_text])
    ingest([path], tmp_path / "c", IngestConfig(text_column="feedback", id_column="comment_id"))
    texts = open_corpus(tmp_path / "c").texts(["long", "short"])
    assert texts == {"long": long_text, "short": "Kind staff."}
