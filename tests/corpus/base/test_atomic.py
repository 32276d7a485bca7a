"""Crash safety of writes and the corpus lock (the store module)."""

from __future__ import annotations

import multiprocessing
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.base.atomic import BatchWriter, write_table
from feedcare.corpus.base.errors import DataError, LockedError
from feedcare.corpus.store.lock import corpus_lock
from helpers import build_corpus

SCHEMA = pa.schema([pa.field("x", pa.int64(), nullable=False)])


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "t.parquet"
    write_table(path, pa.table({"x": [1, 2, 3]}, schema=SCHEMA), SCHEMA)
    with pytest.raises(RuntimeError), BatchWriter(path, SCHEMA) as writer:
        writer.write(pa.table({"x": [9]}, schema=SCHEMA))
        raise RuntimeError("crash mid-write")
    assert pq.read_table(path)["x"].to_pylist() == [1, 2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]  # no temp file left


def test_schema_mismatch_is_refused_before_writing(tmp_path):
    path = tmp_path / "t.parquet"
    with pytest.raises(DataError, match="does not match its schema"):
        write_table(path, pa.table({"y": [1]}), SCHEMA)
    assert not path.exists()


def test_same_table_gives_identical_bytes(tmp_path):
    table = pa.table({"x": list(range(1000))}, schema=SCHEMA)
    write_table(tmp_path / "a.parquet", table, SCHEMA)
    write_table(tmp_path / "b.parquet", table, SCHEMA)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def _hold_lock(path, ready, release):
    with corpus_lock(path):
        ready.set()
        release.wait(10)


def test_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(LockedError, match="being written by feedcare"), corpus_lock(tmp_path):
            pass
        start = time.monotonic()
        with pytest.raises(LockedError), corpus_lock(tmp_path, wait=0.5):
            pass
        assert time.monotonic() - start >= 0.4
    finally:
        release.set()
        holder.join(10)
    with corpus_lock(tmp_path):  # released when the holder exits
        pass


def test_open_corpus_detects_rows_disagreeing_with_the_manifest(tmp_path):
    build_corpus(tmp_path, {"a": [("P", "participant", "hello there")]})
    assert open_corpus(tmp_path).manifest.counts.documents == 1
    build_corpus(tmp_path / "other", {"a": [("P", "participant", "x")], "b": [("P", "participant", "y")]})
    (tmp_path / "documents.parquet").write_bytes((tmp_path / "other" / "documents.parquet").read_bytes())
    with pytest.raises(DataError, match="interrupted write"):
        open_corpus(tmp_path)


def test_open_corpus_on_an_empty_directory_says_how_to_make_one(tmp_path):
    with pytest.raises(DataError, match="feedcare ingest"):
        open_corpus(tmp_path / "nothing")
