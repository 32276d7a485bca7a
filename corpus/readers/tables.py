"""Opening CSV, TSV and Parquet files as streams of all-string record batches.

Encodings are sniffed from the first megabyte (with a cp1252 retry when a "UTF-8" file turns
out not to be), CSV is read in small blocks (flat memory), and pyarrow's errors become one-line
InputErrors. Used for comment tables, participants files and the audit.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers.decode import decode_bytes

T = TypeVar("T")

BATCH_ROWS = 65_536
# pyarrow reads ahead several blocks: 1 MiB blocks keep that to ~40 MB (4 MiB: ~150 MB) and
# parse as fast. A row longer than a block needs bigger blocks: the read starts again with these.
_CSV_BLOCK_BYTES = 1 << 20
_CSV_BIG_BLOCK_BYTES = 1 << 26
_STRADDLING = "straddl"  # pyarrow: "straddling object straddles two block boundaries"
_SNIFF_BYTES = 1 << 20
_BOM_CODECS = {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-32-le": "utf-32", "utf-32-be": "utf-32"}


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


def open_string_table(
    path: Path, fmt: str, encoding: str | None = None, block_bytes: int = _CSV_BLOCK_BYTES
) -> StringBatches:
    """Open a CSV/TSV/Parquet file with every column as a nullable string.

    ``encoding`` forces a codec for CSV/TSV (default: sniffed from the first megabyte);
    ``block_bytes`` is the CSV read block (a row must fit in one).
    """
    if fmt == "parquet":
        return _open_parquet(path, BATCH_ROWS)
    if encoding is None:
        name, codec = sniff_encoding(path)
    else:
        name, codec = encoding, encoding
    return _open_csv(path, fmt, name, codec, block_bytes)


def with_cp1252_fallback(path: Path, fmt: str, consume: Callable[[StringBatches], T]) -> T:
    """Run ``consume`` on the opened table; if a row far into a "UTF-8" file is not UTF-8
    (a Windows export whose first megabyte happened to be ASCII), start again as cp1252.
    A row too long for the read block starts the read again with big blocks."""
    try:
        return _consume_with_fallback(path, fmt, consume, _CSV_BLOCK_BYTES)
    except InputError as exc:
        if fmt == "parquet" or _STRADDLING not in str(exc):
            raise
    return _consume_with_fallback(path, fmt, consume, _CSV_BIG_BLOCK_BYTES)


def _consume_with_fallback(path: Path, fmt: str, consume: Callable[[StringBatches], T], block: int) -> T:
    opened: StringBatches | None = None
    try:
        opened = open_string_table(path, fmt, block_bytes=block)
        return consume(opened)
    except InputError as exc:
        sniffed_utf8 = opened is None or opened.encoding == "utf-8"
        if fmt == "parquet" or not sniffed_utf8 or _UTF8_REASON not in str(exc):
            raise
    return consume(open_string_table(path, fmt, encoding="cp1252", block_bytes=block))


def _open_csv(path: Path, fmt: str, encoding: str, codec: str | None, block: int) -> StringBatches:
    bad_rows: list[str] = []

    def skip_bad_row(row) -> str:
        bad_rows.append(row.text)
        return "skip"

    transcode = {"encoding": codec} if codec else {}
    read = pcsv.ReadOptions(block_size=block, **transcode)
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
    read = pcsv.ReadOptions(block_size=block, column_names=columns, skip_rows=1, **transcode)
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
