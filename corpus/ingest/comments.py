"""Comment tables (CSV, TSV, Parquet): one document per row, streamed in record batches.

Every step is a vectorised pyarrow compute call on a whole batch, so a million-row export
streams through in seconds with flat memory per batch. All columns are read as strings:
attributes are labels (trust names, question codes), never numbers to do arithmetic on.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.ingest.language import detect_languages
from feedcare.corpus.ingest.sources import SourceFile
from feedcare.corpus.readers.tables import (
    BATCH_ROWS as BATCH_ROWS,  # re-exported: others open tables via .tables
)
from feedcare.corpus.readers.tables import StringBatches, with_cp1252_fallback
from feedcare.corpus.readers.tables import open_string_table as open_string_table
from feedcare.corpus.readers.tables import read_string_table as read_string_table
from feedcare.corpus.readers.tables import sniff_encoding as sniff_encoding
from feedcare.corpus.store.schema import RenamedColumn, attribute_names, documents_schema
from feedcare.corpus.store.spill import SpilledTable, SpillWriter

_WORKERS = min(4, os.cpu_count() or 1)

# A word is a run of characters that Python's str.split() does not treat as whitespace, so
# table rows (counted here by RE2) and transcript turns (counted by count_words) agree.
_SPACE = (
    r"\t\n\v\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}"
)
WORD_PATTERN = f"[^{_SPACE}]+"



def count_words(text: str) -> int:
    return len(text.split())


def count_words_array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.cast(pc.count_substring_regex(texts, WORD_PATTERN), pa.int32())


def normalise_newlines(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """CRLF and lone CR become LF, as in transcripts, so offsets mean the same everywhere."""
    return pc.replace_substring(pc.replace_substring(texts, "\r\n", "\n"), "\r", "\n")


def is_blank(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(texts), ""), True)


# --- comment tables → document rows ---------------------------------------------------------


@dataclass(frozen=True)
class TableColumns:
    """Which column plays which part; the rest become attributes.

    ``attributes`` are the stored names (documents.parquet), ``sources`` the same columns as
    the table names them; they differ for the ``renamed`` ones (see
    :func:`~feedcare.corpus.store.schema.attribute_names`).
    """

    text: str
    id: str | None
    participant: str | None
    attributes: tuple[str, ...]
    sources: tuple[str, ...]
    renamed: tuple[RenamedColumn, ...] = ()


@dataclass
class TableDocuments:
    documents: SpilledTable  # documents schema + this table's attributes, in row order, on disk
    encoding: str
    attributes: list[str]
    rows: int  # data rows in the file
    notes: list[str]  # one line per kind of skipped row
    renamed: list[RenamedColumn] = field(default_factory=list)  # columns stored under another name
    columns: list[str] = field(default_factory=list)  # the table's columns as it names them


def choose_columns(
    file: SourceFile,
    columns: list[str],
    text_column: str | None,
    id_column: str | None,
    participant_column: str | None,
    rename: dict[str, str] | None = None,
) -> TableColumns:
    """Check the column options against the table's header; UsageError names the fix.

    Attribute columns whose names are taken are stored under new ones (``source`` → ``source_1``)
    and listed in ``renamed``; ``rename`` (``--rename OLD=NEW``) chooses names for columns of
    this table (entries for columns it does not have are ignored: another table may have them).
    """
    listed = ", ".join(repr(c) for c in columns)
    if text_column is None:
        raise UsageError(
            f"{file.source}: a comment table needs --text-column (text_column in [ingest]); "
            f"its columns are {listed}"
        )
    for option, name in (
        ("--text-column", text_column),
        ("--id-column", id_column),
        ("--participant-column", participant_column),
    ):
        if name is not None and name not in columns:
            raise UsageError(f"{file.source}: no column {name!r} for {option}; its columns are {listed}")
    if participant_column is None and "participant_id" in columns:
        participant_column = "participant_id"  # a column with the corpus's own name means just that
    used = {text_column, id_column, participant_column}
    rename = rename or {}
    for old in rename:
        if old in used:
            role = next(o for o, n in (("--text-column", text_column), ("--id-column", id_column),
                                       ("--participant-column", participant_column)) if n == old)
            raise UsageError(
                f"{file.source}: --rename {old}=...: {old!r} is the {role}, not an attribute column; "
                "only attribute columns can be renamed"
            )
    sources = tuple(c for c in columns if c not in used)
    try:
        stored, renamed = attribute_names(sources, {c: rename[c] for c in sources if c in rename})
    except ValueError as exc:
        raise UsageError(f"{file.source}: {exc}") from None
    return TableColumns(text_column, id_column, participant_column, tuple(stored), sources, tuple(renamed))


def read_comment_table(
    file: SourceFile,
    sha256: str,
    *,
    text_column: str | None,
    id_column: str | None,
    participant_column: str | None,
    spill: Path,
    rename: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> TableDocuments:
    """Read a comment table into document rows (one per non-blank row), parked at ``spill``.

    doc_id is the id column's value, else "<source without suffix>:<row>" with the 1-based
    data row number; participant_id is the participant column, else the id, else the doc_id.
    The rows stream into the Parquet file ``spill`` (memory stays flat in the table's size).
    Raises InputError when the file cannot be read, UsageError for bad column options.
    """
    return with_cp1252_fallback(
        file.path,
        file.format,
        lambda opened: _table_documents(
            opened, file, sha256, text_column, id_column, participant_column, rename, spill, progress
        ),
    )


def _table_documents(
    opened: StringBatches,
    file: SourceFile,
    sha256: str,
    text_column: str | None,
    id_column: str | None,
    participant_column: str | None,
    rename: dict[str, str] | None,
    spill: Path,
    progress: ProgressCallback | None,
) -> TableDocuments:
    cols = choose_columns(file, opened.columns, text_column, id_column, participant_column, rename)
    schema = documents_schema(list(cols.attributes))
    rows = blank = no_id = 0
    stage = f"Reading {file.source}"
    writer = SpillWriter(spill, schema)
    try:
        # pyarrow's kernels release the GIL: the word-count regex of one batch runs while the
        # next batch is parsed, which nearly doubles throughput on two cores. Few batches are
        # in flight, and each is written out in order as soon as it is done.
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            pending: deque = deque()
            for batch in opened.batches:
                pending.append(
                    pool.submit(_batch_documents, batch, rows, file, sha256, opened.encoding, cols, schema)
                )
                rows += batch.num_rows
                report(progress, stage, rows, opened.total_rows)
                while len(pending) > _WORKERS:
                    blank, no_id = _drain(pending.popleft(), writer, blank, no_id)
            while pending:
                blank, no_id = _drain(pending.popleft(), writer, blank, no_id)
    except BaseException:
        writer.abort()
        raise
    documents = writer.close()
    notes = []
    if blank:
        notes.append(f"{blank} {_rows(blank)} with an empty {cols.text!r} skipped")
    if no_id:
        notes.append(f"{no_id} {_rows(no_id)} with an empty {cols.id!r} (--id-column) skipped")
    if opened.bad_rows:
        n = len(opened.bad_rows)
        example = opened.bad_rows[0][:60]
        notes.append(f"{n} malformed {_rows(n)} (wrong number of fields) skipped, e.g. {example!r}")
    return TableDocuments(documents, opened.encoding, list(cols.attributes), rows, notes, list(cols.renamed),
                          list(opened.columns))


def _drain(future, writer: SpillWriter, blank: int, no_id: int) -> tuple[int, int]:
    table, n_blank, n_no_id = future.result()
    writer.write(table)
    return blank + n_blank, no_id + n_no_id


def _rows(n: int) -> str:
    return "row" if n == 1 else "rows"


def _batch_documents(
    batch: pa.RecordBatch,
    first_row: int,
    file: SourceFile,
    sha256: str,
    encoding: str,
    cols: TableColumns,
    schema: pa.Schema,
) -> tuple[pa.Table, int, int]:
    n = batch.num_rows
    text = normalise_newlines(pc.cast(batch.column(cols.text), pa.large_string()))
    keep = pc.invert(is_blank(text))
    n_blank = n - pc.sum(keep).as_py() if n else 0
    if cols.id is not None:
        doc_id = batch.column(cols.id)
        has_id = pc.invert(is_blank(doc_id))
        n_no_id = pc.sum(pc.and_(keep, pc.invert(has_id))).as_py() or 0
        keep = pc.and_(keep, has_id)
    else:
        numbers = pc.cast(pa.array(range(first_row + 1, first_row + n + 1), pa.int64()), pa.string())
        doc_id = pc.binary_join_element_wise(f"{file.base_id}:", numbers, "")
        n_no_id = 0
    participant = batch.column(cols.participant) if cols.participant is not None else doc_id
    n_words = count_words_array(text)
    columns = {
        "doc_id": doc_id,
        "source": pa.repeat(file.source, n),
        "sha256": pa.repeat(sha256, n),
        "format": pa.repeat(file.format, n),
        "encoding": pa.repeat(encoding, n),
        "participant_id": participant,
        "language": pa.array(detect_languages(text.to_pylist(), n_words.to_pylist()), pa.string()),
        "n_segments": pa.repeat(pa.scalar(1, pa.int32()), n),
        "n_words": n_words,
        "text": text,
        **{name: batch.column(source) for name, source in zip(cols.attributes, cols.sources, strict=True)},
    }
    table = pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)
    return table.filter(keep), n_blank, n_no_id


def table_segments(documents: pa.Table) -> pa.Table:
    """The one segment of each comment: the whole text, no speaker, the participant's words."""
    from feedcare.corpus.store.schema import SEGMENTS

    n = documents.num_rows
    return pa.Table.from_arrays(
        [
            documents["doc_id"],
            pa.repeat(pa.scalar(0, pa.int32()), n),
            pa.nulls(n, pa.string()),
            pa.repeat("participant", n),
            pa.nulls(n, pa.float64()),
            pa.nulls(n, pa.float64()),
            pa.repeat(pa.scalar(0, pa.int64()), n),
            pc.cast(pc.utf8_length(documents["text"]), pa.int64()),
            documents["n_words"],
            documents["text"],
        ],
        schema=SEGMENTS,
    )
