"""The only place that writes feedcare files: temp file, then rename.

Readers may open Parquet anywhere, but every write goes through :func:`write_table`,
:class:`BatchWriter` or :func:`write_json`, so a crash or Ctrl-C never leaves a half-written
file where a finished one is expected. The corpus lock is in :mod:`feedcare.corpus.store.lock`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus.base.errors import DataError, os_errno
from feedcare.corpus.base.processes import pid_alive

# Fixed writer settings so the same table always gives the same bytes.
_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
}


def _temp_path(path: Path) -> Path:
    return temp_name(path, os.getpid())


def temp_name(path: Path, pid: int) -> Path:
    """Where process ``pid`` writes ``path`` (a file or folder) before renaming it into place."""
    return path.with_name(f".{path.name}.{pid}.tmp")


_TEMP = re.compile(r"^\..+\.(\d+)\.tmp$")


def remove_stale_temps(directory: Path) -> list[Path]:
    """Delete the temporary files and folders (:func:`temp_name`) of dead processes in ``directory``.

    A kill -9 or power cut leaves them behind; only those whose writing process is gone are
    removed, so a write in progress elsewhere is never touched. Returns what was removed.
    """
    removed: list[Path] = []
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None or int(match[1]) == os.getpid() or pid_alive(int(match[1])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        # Name the file being written (pyarrow's errors name none, ours the temp file).
        if not isinstance(exc.filename, str) or exc.filename == str(tmp):
            raise OSError(os_errno(exc), exc.strerror or str(exc), str(path)) from exc
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C for the few microseconds a commit's renames take (re-raised after them)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


def commit_files(staging: Path, directory: Path, names: Iterable[str]) -> None:
    """Rename the finished files ``names`` from ``staging`` into ``directory``, in that order.

    Callers write every file of a step into a staging folder first, so an error, Ctrl-C or a
    full disk while writing leaves the previous files untouched; the renames take microseconds
    and the file that marks the set as complete (a manifest) comes last.
    """
    with no_interrupt():
        for name in names:
            os.replace(Path(staging) / name, Path(directory) / name)


def check_schema(table: pa.Table | pa.RecordBatch, schema: pa.Schema, what: str) -> None:
    """Raise DataError when ``table`` does not match ``schema`` (names, order and types)."""
    if table.schema.remove_metadata() != schema.remove_metadata():
        got = ", ".join(f"{f.name}: {f.type}" for f in table.schema)
        want = ", ".join(f"{f.name}: {f.type}" for f in schema)
        raise DataError(f"internal error: {what} does not match its schema; got [{got}], want [{want}]")


def write_table(
    path: Path,
    table: pa.Table,
    schema: pa.Schema,
    metadata: dict[str, str] | None = None,
    row_group_size: int = 64_000,
) -> None:
    """Write ``table`` (checked against ``schema``) to ``path`` atomically."""
    check_schema(table, schema, Path(path).name)
    table = table.cast(schema)
    if metadata:
        table = table.replace_schema_metadata({**(schema.metadata or {}), **metadata})
    with atomic_path(Path(path)) as tmp:
        pq.write_table(table, tmp, row_group_size=row_group_size, **_PARQUET_OPTIONS)


class BatchWriter:
    """Stream record batches into a Parquet file that appears only when closed cleanly.

    Use as a context manager; on an exception the partial file is removed and the previous
    file (if any) stays untouched.
    """

    def __init__(self, path: Path, schema: pa.Schema, metadata: dict[str, str] | None = None):
        self.path = Path(path)
        self.schema = schema.with_metadata({**(schema.metadata or {}), **(metadata or {})})
        self.rows = 0
        self._ctx = atomic_path(self.path)
        self._tmp: Path | None = None
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> BatchWriter:
        self._tmp = self._ctx.__enter__()
        self._writer = pq.ParquetWriter(self._tmp, self.schema, **_PARQUET_OPTIONS)
        return self

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        check_schema(batch, self.schema, self.path.name)
        if isinstance(batch, pa.RecordBatch):
            batch = pa.Table.from_batches([batch])
        assert self._writer is not None
        self._writer.write_table(batch.cast(self.schema))
        self.rows += batch.num_rows

    def __exit__(self, exc_type, exc, tb) -> bool:
        assert self._writer is not None
        try:
            self._writer.close()  # writes the footer: a full disk can fail here too
        except OSError as error:
            if exc_type is None:
                exc_type, exc, tb = type(error), error, error.__traceback__
        if exc_type is None:
            self._ctx.__exit__(None, None, None)
        else:
            self._ctx.__exit__(exc_type, exc, tb)
            if isinstance(exc, OSError):
                raise exc
        return False


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as pretty, key-sorted JSON atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_text(path: Path, text: str) -> None:
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(data)


def read_json(path: Path, what: str) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: {what} is damaged ({exc}); re-create it") from None


def parquet_rows(path: Path) -> int:
    """Row count from the Parquet footer (cheap: reads no data)."""
    return pq.ParquetFile(path).metadata.num_rows


def iter_batches(
    path: Path, columns: list[str] | None = None, batch_size: int = 65_536
) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet file in record batches (memory stays flat in the file's size)."""
    parquet = pq.ParquetFile(path)
    yield from parquet.iter_batches(batch_size=batch_size, columns=columns, use_threads=False)
