"""Comment-table rows parked on disk while an ingest runs, so memory does not grow with the table.

Reading a table writes its document rows batch by batch to a staging Parquet file and keeps
only the ``doc_id`` column in memory (for the duplicate check). When the corpus is written the
rows stream back, with the keep mask and metadata join applied batch by batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

READ_BATCH_ROWS = 65_536
# A temporary file: fast compression, read back once.
_SPILL_OPTIONS = {"compression": "lz4", "use_dictionary": True, "write_statistics": False}


class SpillWriter:
    """Appends document tables to ``path`` (a plain Parquet file in a staging folder)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema = Path(path), schema
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(self.path, schema, **_SPILL_OPTIONS)
        self._ids: list[pa.Array] = []

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table, row_group_size=READ_BATCH_ROWS)
            self._ids.append(table["doc_id"].combine_chunks())

    def close(self) -> SpilledTable:
        self._writer.close()
        ids = pa.concat_arrays(self._ids) if self._ids else pa.array([], pa.string())
        return SpilledTable(self.path, self.schema, ids)

    def abort(self) -> None:
        self._writer.close()
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class SpilledTable:
    """Document rows on disk; ``keep`` (a mask over all rows) and ``transform`` apply on read."""

    path: Path
    schema: pa.Schema
    doc_ids: pa.Array  # of every row, kept or not
    keep: pa.Array | None = None
    transform: Callable[[pa.Table], pa.Table] | None = None

    @property
    def num_rows(self) -> int:
        """Rows that will be read back (after ``keep``)."""
        return len(self.doc_ids) if self.keep is None else int(pc.sum(self.keep).as_py() or 0)

    def kept_ids(self) -> pa.Array:
        return self.doc_ids if self.keep is None else self.doc_ids.filter(self.keep)

    def with_keep(self, keep: pa.Array) -> SpilledTable:
        if pc.all(keep).as_py() is not False:
            return self  # nothing dropped: kept_ids() stays the ids themselves, not a copy
        if self.keep is not None:
            keep = pc.and_(self.keep, keep)
        return dataclasses.replace(self, keep=keep)

    def with_transform(self, transform: Callable[[pa.Table], pa.Table]) -> SpilledTable:
        return dataclasses.replace(self, transform=transform)

    def tables(self, batch_rows: int = READ_BATCH_ROWS) -> Iterator[pa.Table]:
        """The kept rows in file order, transformed, a batch at a time."""
        start = 0
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=batch_rows, use_threads=False):
            table = pa.Table.from_batches([batch])
            if self.keep is not None:
                table = table.filter(self.keep.slice(start, batch.num_rows))
            start += batch.num_rows
            if self.transform is not None:
                table = self.transform(table)
            if table.num_rows:
                yield table

    def load(self) -> pa.Table:
        """All kept rows in memory (for the opt-in paths that need them at once, e.g. audit)."""
        tables = list(self.tables())
        if not tables:
            empty = self.schema.empty_table()
            return self.transform(empty) if self.transform is not None else empty
        return pa.concat_tables(tables)
