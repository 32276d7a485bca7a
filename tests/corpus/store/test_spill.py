"""corpus/store/spill.py: table rows parked on disk come back in order, masked and transformed per batch."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.store.spill import SpillWriter

SCHEMA = pa.schema([pa.field("doc_id", pa.string(), nullable=False), pa.field("text", pa.string())])


def spilled(tmp_path, n: int = 10, per_write: int = 4):
    writer = SpillWriter(tmp_path / "staging" / "table-0.parquet", SCHEMA)
    for start in range(0, n, per_write):
        ids = [f"c{i}" for i in range(start, min(n, start + per_write))]
        writer.write(pa.table({"doc_id": ids, "text": [f"comment {i}" for i in ids]}, schema=SCHEMA))
    writer.write(SCHEMA.empty_table())  # an empty batch writes nothing
    return writer.close()


def ids(tables) -> list[str]:
    return [i for table in tables for i in table["doc_id"].to_pylist()]


def test_rows_come_back_in_file_order_in_batches_of_any_size(tmp_path):
    table = spilled(tmp_path)
    assert table.num_rows == 10 and table.kept_ids().to_pylist() == [f"c{i}" for i in range(10)]
    assert ids(table.tables()) == [f"c{i}" for i in range(10)]
    batches = list(table.tables(batch_rows=3))
    assert [b.num_rows for b in batches] == [3, 3, 3, 1]
    assert ids(batches) == [f"c{i}" for i in range(10)]


def test_keep_masks_apply_across_batch_boundaries_and_combine(tmp_path):
    table = spilled(tmp_path)
    odd = table.with_keep(pa.array([i % 2 == 1 for i in range(10)]))
    assert ids(odd.tables(batch_rows=3)) == ["c1", "c3", "c5", "c7", "c9"]
    assert odd.num_rows == 5 and odd.kept_ids().to_pylist() == ["c1", "c3", "c5", "c7", "c9"]
    assert len(odd.doc_ids) == 10  # the duplicate check still sees every row
    fewer = odd.with_keep(pa.array([i < 6 for i in range(10)]))
    assert ids(fewer.tables(batch_rows=4)) == ["c1", "c3", "c5"]


def test_keeping_everything_changes_nothing(tmp_path):
    table = spilled(tmp_path)
    assert table.with_keep(pa.array([True] * 10)) is table


def test_a_transform_applies_to_every_batch_and_to_an_empty_result(tmp_path):
    table = spilled(tmp_path)

    def upper(t: pa.Table) -> pa.Table:
        shouted = t.set_column(1, "text", pc.utf8_upper(t["text"]))
        return shouted.append_column("ward", pa.nulls(len(t), pa.string()))

    shouted = table.with_transform(upper)
    loaded = shouted.load()
    assert loaded["text"].to_pylist()[:2] == ["COMMENT C0", "COMMENT C1"]
    assert loaded.column_names == ["doc_id", "text", "ward"]
    none_kept = shouted.with_keep(pa.array([False] * 10))
    assert none_kept.num_rows == 0 and list(none_kept.tables()) == []
    assert none_kept.load().column_names == ["doc_id", "text", "ward"]  # empty, but the same columns


def test_abort_removes_the_parked_rows(tmp_path):
    writer = SpillWriter(tmp_path / "table.parquet", SCHEMA)
    writer.write(pa.table({"doc_id": ["c1"], "text": ["x"]}, schema=SCHEMA))
    writer.abort()
    assert not (tmp_path / "table.parquet").exists()
