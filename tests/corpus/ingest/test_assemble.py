"""corpus/ingest/assemble.py: unique ids, one canonical row order, and the swap that cannot half-happen."""

from __future__ import annotations

import pyarrow as pa
import pytest
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.ingest.assemble import (
    STAGING_PREFIX,
    IdRegistry,
    attribute_order,
    check_corpus_dir,
    combine,
    commit_corpus,
    ordered_parts,
    remove_stale_staging,
)
from feedcare.corpus.store.schema import SEGMENTS, documents_schema
from feedcare.corpus.store.spill import SpillWriter


def documents(rows: list[tuple[str, str]], attributes: dict[str, list[str | None]] | None = None) -> pa.Table:
    """Documents (doc_id, source) with one turn each; ``attributes`` are extra string columns."""
    attributes = attributes or {}
    n = len(rows)
    base = {
        "doc_id": [d for d, _ in rows], "source": [s for _, s in rows], "sha256": ["0" * 64] * n,
        "format": ["txt"] * n, "encoding": ["utf-8"] * n, "participant_id": [d for d, _ in rows],
        "language": ["en"] * n, "n_segments": [1] * n, "n_words": [2] * n,
        "text": [f"text of {d}" for d, _ in rows],
    }
    return pa.Table.from_pydict({**base, **attributes}, schema=documents_schema(list(attributes)))


def segments_of(docs: pa.Table) -> pa.Table:
    ids = docs["doc_id"].to_pylist()
    n = len(ids)
    return pa.Table.from_pydict(
        {"doc_id": ids, "seg": [0] * n, "speaker": [None] * n, "role": ["participant"] * n,
         "start_s": [None] * n, "end_s": [None] * n, "char_start": [0] * n,
         "char_end": [len(t) for t in docs["text"].to_pylist()], "n_words": [2] * n,
         "text": docs["text"].to_pylist()},
        schema=SEGMENTS,
    )


# --- ids ------------------------------------------------------------------------------------------


def test_a_transcript_id_can_be_claimed_once():
    ids = IdRegistry()
    assert ids.claim_one("P01", "a/P01.txt") is None
    assert ids.claim_one("P01", "b/P01.txt") == "a/P01.txt"  # the source that has it


def test_a_table_keeps_the_first_of_repeated_ids_and_says_where_the_other_came_from():
    ids = IdRegistry()
    ids.add_existing(pa.array(["old1"]), pa.array(["kept.csv"]))
    ids.claim_one("P01", "P01.txt")
    keep, reason = ids.claim_many(pa.array(["c1", "c2", "c1", "P01", "old1", "c3"]), "fft.csv")
    assert keep.to_pylist() == [True, True, False, False, False, True]
    assert reason == "3 rows have a duplicate document id, e.g. 'c1' (also from fft.csv)"
    assert ids.claim_one("c3", "other.txt") == "fft.csv"
    assert ids.claim_one("old1", "other.txt") == "kept.csv"
    _, reason = ids.claim_many(pa.array(["P01"]), "more.csv")
    assert reason == "1 row has a duplicate document id, e.g. 'P01' (also from P01.txt)"


# --- order -------------------------------------------------------------------------------------------


def test_attributes_follow_their_sources_order_then_the_metadata_columns():
    by_source = {"b.csv": ["ward", "rating"], "a.csv": ["site", "ward"], "c.csv": ["age_band"]}
    order = attribute_order(by_source, ["age_band", "gender"])
    assert order == ["site", "ward", "rating", "age_band", "gender"]


def test_combine_sorts_by_source_keeping_a_tables_rows_in_file_order():
    table = documents([("c9", "b.csv"), ("c1", "b.csv"), ("c5", "b.csv")], {"ward": ["9", "1", "5"]})
    transcript = documents([("P02", "a/P02.txt")])
    late = documents([("P01", "z.txt")])
    docs, segs = combine(
        [late, table, transcript], [segments_of(late), segments_of(transcript), segments_of(table)],
        ["ward"],
    )
    assert docs["doc_id"].to_pylist() == ["P02", "c9", "c1", "c5", "P01"]
    assert docs["ward"].to_pylist() == [None, "9", "1", "5", None]  # missing attributes are null
    assert segs["doc_id"].to_pylist() == docs["doc_id"].to_pylist()  # turns in document order
    assert docs.schema == documents_schema(["ward"])


def test_spilled_tables_stream_in_at_their_sources_place(tmp_path):
    in_memory = [documents([("P01", "a.txt")]), documents([("P09", "c.txt")]), documents([("P05", "e.txt")])]
    spilled_rows = {"b.csv": [("b1", "b.csv"), ("b2", "b.csv")], "d.csv": [("d1", "d.csv")]}
    spilled = []
    for source, rows in spilled_rows.items():
        writer = SpillWriter(tmp_path / f"{source}.parquet", documents_schema(["ward"]))
        writer.write(documents(rows, {"ward": ["4"] * len(rows)}))
        spilled.append((source, writer.close()))
    docs, segs = combine(in_memory, [segments_of(d) for d in in_memory], ["ward"])
    parts = list(ordered_parts(docs, segs, spilled, ["ward"], segments_of))

    streamed = pa.concat_tables([d for d, _ in parts])
    assert streamed["doc_id"].to_pylist() == ["P01", "b1", "b2", "P09", "d1", "P05"]
    assert streamed["ward"].to_pylist() == [None, "4", "4", None, "4", None]
    assert pa.concat_tables([s for _, s in parts])["doc_id"].to_pylist() == streamed["doc_id"].to_pylist()
    everything = in_memory + [documents(r, {"ward": ["4"] * len(r)}) for r in spilled_rows.values()]
    whole, _ = combine(everything, [segments_of(d) for d in everything], ["ward"])
    assert streamed.equals(whole)  # the same rows, in the same order, as one in-memory sort


# --- the corpus folder and the swap -----------------------------------------------------------------


def test_a_folder_holding_other_files_is_refused(tmp_path):
    check_corpus_dir(tmp_path / "new")  # not there yet: fine
    (tmp_path / "empty").mkdir()
    check_corpus_dir(tmp_path / "empty")
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "P01.txt").write_text("I: Hi\n")
    with pytest.raises(UsageError, match="not empty and is not a feedcare corpus .*'P01.txt'"):
        check_corpus_dir(tmp_path / "transcripts")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file; --corpus must be a folder"):
        check_corpus_dir(tmp_path / "file")


def _write_files(staging, marker: str) -> dict:
    for name in ("documents.parquet", "segments.parquet"):
        (staging / name).write_text(f"{name} {marker}")
    (staging / "manifest.json").write_text(f"manifest {marker}")
    return {"marker": marker}


def test_commit_swaps_the_new_files_in(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    assert commit_corpus(corpus, lambda staging: _write_files(staging, "one")) == {"marker": "one"}
    seen = []
    commit_corpus(corpus, lambda staging: seen.append((staging / "manifest.json").read_text())
                  or _write_files(staging, "two"))
    assert seen == ["manifest one"]  # the writer finds the previous manifest next to it
    assert (corpus / "documents.parquet").read_text() == "documents.parquet two"
    names = sorted(p.name for p in corpus.iterdir())
    assert names == ["documents.parquet", "manifest.json", "segments.parquet"]  # no staging left


def test_a_failing_write_leaves_the_previous_corpus_and_no_staging(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    commit_corpus(corpus, lambda staging: _write_files(staging, "one"))
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}

    def half_then_fail(staging):
        (staging / "documents.parquet").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        commit_corpus(corpus, half_then_fail)
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before


def test_staging_left_by_a_killed_ingest_is_removed(tmp_path):
    (tmp_path / f"{STAGING_PREFIX}4242").mkdir()
    (tmp_path / f"{STAGING_PREFIX}4242" / "documents.parquet").write_text("partial")
    (tmp_path / "manifest.json").write_text("{}")
    remove_stale_staging(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
