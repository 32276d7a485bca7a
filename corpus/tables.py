"""Comment tables (CSV, TSV, Parquet): one document per row, streamed in record batches.

Every step is a vectorised pyarrow compute call on a whole batch, so a million-row export
streams through in seconds with flat memory per batch. All columns are read as strings:
attributes are labels (trust names, question codes), never numbers to do arithmetic on.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from .errors import InputError, UsageError
from .progress import ProgressCallback, report
from .readers.decode import decode_bytes
from .schema import DOCUMENT_BASE_COLUMNS, documents_schema
from .sources import SourceFile

T = TypeVar("T")

BATCH_ROWS = 65_536
_WORKERS = min(4, os.cpu_count() or 1)
_CSV_BLOCK_BYTES = 1 << 22
_SNIFF_BYTES = 1 << 20

# A word is a run of characters that Python's str.split() does not treat as whitespace, so
# table rows (counted here by RE2) and transcript turns (counted by count_words) agree.
_SPACE = (
    r"\t\n\v\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}"
)
WORD_PATTERN = f"[^{_SPACE}]+"

_BOM_CODECS = {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-32-le": "utf-32", "utf-32-be": "utf-32"}


def count_words(text: str) -> int:
    return len(text.split())


def count_words_array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.cast(pc.count_substring_regex(texts, WORD_PATTERN), pa.int32())


def normalise_newlines(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """CRLF and lone CR become LF, as in transcripts, so offsets mean the same everywhere."""
    return pc.replace_substring(pc.replace_substring(texts, "\r\n", "\n"), "\r", "\n")


def is_blank(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(texts), ""), True)


# --- reading any table as string columns --------------------------------------------------


@dataclass
class StringBatches:
    """A table opened for streaming: its column names, encoding and record batches."""

    columns: list[str]
    encoding: str
    batches: Iterator[pa.RecordBatch]
    total_rows: int | None
    bad_rows: list[str] = field(default_factory=list)  # text of malformed CSV rows skipped


def sniff_encoding(path: Path) -> tuple[str, str | None]:
    """(encoding name as recorded, codec pyarrow should transcode from; None = native UTF-8)."""
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head.strip():
        raise InputError("empty file")
    if len(head) == _SNIFF_BYTES:
        # Decode whole lines only: a cut inside a multi-byte character would look like cp1252.
        if b"\x00" in head:
            head = head[: len(head) // 4 * 4]
        elif (cut := head.rfind(b"\n")) > 0:
            head = head[: cut + 1]
    _text, encoding = decode_bytes(head)
    if encoding in ("utf-8", "utf-8-sig"):
        return encoding, None
    has_bom = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return encoding, _BOM_CODECS.get(encoding, encoding) if has_bom else encoding


def open_string_table(path: Path, fmt: str, encoding: str | None = None) -> StringBatches:
    """Open a CSV/TSV/Parquet file with every column as a nullable string.

    ``encoding`` forces a codec for CSV/TSV (default: sniffed from the first megabyte).
    """
    if fmt == "parquet":
        return _open_parquet(path, BATCH_ROWS)
    if encoding is None:
        name, codec = sniff_encoding(path)
    else:
        name, codec = encoding, encoding
    return _open_csv(path, fmt, name, codec)


def with_cp1252_fallback(path: Path, fmt: str, consume: Callable[[StringBatches], T]) -> T:
    """Run ``consume`` on the opened table; if a row far into a "UTF-8" file is not UTF-8
    (a Windows export whose first megabyte happened to be ASCII), start again as cp1252."""
    opened: StringBatches | None = None
    try:
        opened = open_string_table(path, fmt)
        return consume(opened)
    except InputError as exc:
        sniffed_utf8 = opened is None or opened.encoding == "utf-8"
        if fmt == "parquet" or not sniffed_utf8 or _UTF8_REASON not in str(exc):
            raise
    return consume(open_string_table(path, fmt, encoding="cp1252"))


def _open_csv(path: Path, fmt: str, encoding: str, codec: str | None) -> StringBatches:
    bad_rows: list[str] = []

    def skip_bad_row(row) -> str:
        bad_rows.append(row.text)
        return "skip"

    transcode = {"encoding": codec} if codec else {}
    read = pcsv.ReadOptions(block_size=_CSV_BLOCK_BYTES, **transcode)
    parse = pcsv.ParseOptions(
        delimiter="\t" if fmt == "tsv" else ",", newlines_in_values=True, invalid_row_handler=skip_bad_row
    )
    # The header pass parses the first block too; its bad rows are counted by the real pass.
    header_parse = pcsv.ParseOptions(
        delimiter=parse.delimiter, newlines_in_values=True, invalid_row_handler=lambda row: "skip"
    )
    try:
        header = pcsv.open_csv(path, read_options=read, parse_options=header_parse).schema.names
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(_arrow_reason(exc)) from None
    columns = _clean_header(header)
    read = pcsv.ReadOptions(block_size=_CSV_BLOCK_BYTES, column_names=columns, skip_rows=1, **transcode)
    convert = pcsv.ConvertOptions(
        column_types={name: pa.string() for name in columns}, strings_can_be_null=True, null_values=[""]
    )
    try:
        reader = pcsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(_arrow_reason(exc)) from None
    return StringBatches(columns, encoding, _guard(reader), None, bad_rows)


def _guard(reader) -> Iterator[pa.RecordBatch]:
    """Turn pyarrow's parse errors part-way through a file into InputError."""
    try:
        yield from reader
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(_arrow_reason(exc)) from None


def _clean_header(names: list[str]) -> list[str]:
    # pandas writes an unnamed first column for its index; give such columns a name.
    columns = [name.strip() or f"column_{i}" for i, name in enumerate(names, 1)]
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise InputError(f"column name {name!r} appears twice in the header; rename one")
        seen.add(name)
    return columns


def _open_parquet(path: Path, batch_rows: int) -> StringBatches:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file ({_arrow_reason(exc)})") from None
    schema = parquet.schema_arrow
    for fld in schema:
        if pa.types.is_nested(fld.type) or pa.types.is_binary(fld.type):
            raise InputError(f"column {fld.name!r} has type {fld.type}, which cannot be read as text")

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for batch in parquet.iter_batches(batch_size=batch_rows, use_threads=False):
                arrays = [_as_string(column) for column in batch.columns]
                yield pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"damaged Parquet file ({_arrow_reason(exc)})") from None

    return StringBatches(_clean_header(schema.names), "parquet", batches(), parquet.metadata.num_rows)


def _as_string(column: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return column if column.type == pa.string() else pc.cast(column, pa.string())


_UTF8_REASON = "cannot decode as UTF-8"


def _arrow_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "invalid UTF8" in text or isinstance(exc, UnicodeDecodeError):
        return f"{_UTF8_REASON} or the encoding its first megabyte suggested ({text[:80]})"
    return text[:200]


def read_string_table(path: Path, fmt: str) -> tuple[pa.Table, str]:
    """A whole (small) table as string columns, e.g. a participants file."""

    def consume(opened: StringBatches) -> tuple[pa.Table, str]:
        batches = list(opened.batches)
        schema = pa.schema([pa.field(name, pa.string()) for name in opened.columns])
        table = pa.Table.from_batches(batches, schema=schema) if batches else schema.empty_table()
        return table, opened.encoding

    return with_cp1252_fallback(path, fmt, consume)


# --- comment tables → document rows ---------------------------------------------------------


@dataclass(frozen=True)
class TableColumns:
    """Which column plays which part; the rest become attributes."""

    text: str
    id: str | None
    participant: str | None
    attributes: tuple[str, ...]


@dataclass
class TableDocuments:
    documents: pa.Table  # documents schema + this table's attributes, in row order
    encoding: str
    attributes: list[str]
    rows: int  # data rows in the file
    notes: list[str]  # one line per kind of skipped row


def choose_columns(
    file: SourceFile,
    columns: list[str],
    text_column: str | None,
    id_column: str | None,
    participant_column: str | None,
) -> TableColumns:
    """Check the column options against the table's header; UsageError names the fix."""
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
    attributes = tuple(c for c in columns if c not in used)
    clashes = [c for c in attributes if c in DOCUMENT_BASE_COLUMNS]
    if clashes:
        raise UsageError(
            f"{file.source}: column {clashes[0]!r} has the name of a built-in corpus column; rename it "
            f"in the table (built-in columns: {', '.join(DOCUMENT_BASE_COLUMNS)})"
        )
    return TableColumns(text_column, id_column, participant_column, attributes)


def read_comment_table(
    file: SourceFile,
    sha256: str,
    *,
    text_column: str | None,
    id_column: str | None,
    participant_column: str | None,
    progress: ProgressCallback | None = None,
) -> TableDocuments:
    """Read a comment table into document rows (one per non-blank row).

    doc_id is the id column's value, else "<source without suffix>:<row>" with the 1-based
    data row number; participant_id is the participant column, else the id, else the doc_id.
    Raises InputError when the file cannot be read, UsageError for bad column options.
    """
    return with_cp1252_fallback(
        file.path,
        file.format,
        lambda opened: _table_documents(
            opened, file, sha256, text_column, id_column, participant_column, progress
        ),
    )


def _table_documents(
    opened: StringBatches,
    file: SourceFile,
    sha256: str,
    text_column: str | None,
    id_column: str | None,
    participant_column: str | None,
    progress: ProgressCallback | None,
) -> TableDocuments:
    cols = choose_columns(file, opened.columns, text_column, id_column, participant_column)
    schema = documents_schema(list(cols.attributes))
    rows = blank = no_id = 0
    stage = f"Reading {file.source}"
    # pyarrow's kernels release the GIL: the word-count regex of one batch runs while the next
    # batch is parsed, which nearly doubles throughput on two cores.
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        futures = []
        for batch in opened.batches:
            futures.append(
                pool.submit(_batch_documents, batch, rows, file, sha256, opened.encoding, cols, schema)
            )
            rows += batch.num_rows
            report(progress, stage, rows, opened.total_rows)
        pieces = []
        for future in futures:
            table, n_blank, n_no_id = future.result()
            pieces.append(table)
            blank += n_blank
            no_id += n_no_id
    documents = pa.concat_tables(pieces) if pieces else schema.empty_table()
    notes = []
    if blank:
        notes.append(f"{blank} {_rows(blank)} with an empty {cols.text!r} skipped")
    if no_id:
        notes.append(f"{no_id} {_rows(no_id)} with an empty {cols.id!r} (--id-column) skipped")
    if opened.bad_rows:
        n = len(opened.bad_rows)
        example = opened.bad_rows[0][:60]
        notes.append(f"{n} malformed {_rows(n)} (wrong number of fields) skipped, e.g. {example!r}")
    return TableDocuments(documents, opened.encoding, list(cols.attributes), rows, notes)


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
    columns = {
        "doc_id": doc_id,
        "source": pa.repeat(file.source, n),
        "sha256": pa.repeat(sha256, n),
        "format": pa.repeat(file.format, n),
        "encoding": pa.repeat(encoding, n),
        "participant_id": participant,
        "n_segments": pa.repeat(pa.scalar(1, pa.int32()), n),
        "n_words": count_words_array(text),
        "text": text,
        **{name: batch.column(name) for name in cols.attributes},
    }
    table = pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)
    return table.filter(keep), n_blank, n_no_id


def table_segments(documents: pa.Table) -> pa.Table:
    """The one segment of each comment: the whole text, no speaker, the participant's words."""
    from .schema import SEGMENTS

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
