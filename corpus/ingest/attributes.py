"""Participant metadata (``--meta participants.csv``) joined onto documents by participant id."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.base.errors import InputError, UsageError
from feedcare.corpus.ingest.comments import is_blank, read_string_table
from feedcare.corpus.ingest.sources import file_format, sha256_file
from feedcare.corpus.store.schema import RenamedColumn, attribute_names


@dataclass(frozen=True)
class Meta:
    """A participants file: one row per participant id, every other column an attribute."""

    path: Path
    sha256: str
    id_column: str
    ids: pa.Array  # participant ids (strings, unique, in file order)
    attributes: pa.Table  # one string column per attribute (stored names), aligned with ``ids``
    renamed: list[RenamedColumn] = field(default_factory=list)  # stored under another name

    @property
    def source_columns(self) -> list[str]:
        """The attribute columns as the participants file names them."""
        back = {r.stored: r.column for r in self.renamed}
        return [back.get(name, name) for name in self.columns]

    @property
    def columns(self) -> list[str]:
        return self.attributes.column_names


def load_meta(
    path: Path | str, id_column: str = "participant_id", rename: dict[str, str] | None = None
) -> Meta:
    """Read and check a participants file; every problem is a UsageError naming the fix.

    Columns named like built-in corpus columns are stored under new names, as in comment
    tables (:func:`~feedcare.corpus.store.schema.attribute_names`); ``rename`` chooses them.
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: participants file not found; check the --meta path")
    fmt = file_format(path)
    if fmt not in ("csv", "tsv", "parquet"):
        raise UsageError(f"{path}: --meta must be a .csv, .tsv or .parquet file")
    try:
        table, _encoding = read_string_table(path, fmt)
    except InputError as exc:
        raise UsageError(f"{path}: cannot read the participants file ({exc})") from None
    if id_column not in table.column_names:
        raise UsageError(
            f"{path}: no participant id column {id_column!r}; its columns are "
            + ", ".join(repr(c) for c in table.column_names)
            + " (name the id column with --meta-id-column)"
        )
    ids = pc.utf8_trim_whitespace(table[id_column].combine_chunks())
    blank = pc.sum(is_blank(ids)).as_py() or 0
    if blank:
        raise UsageError(
            f"{path}: {blank} row(s) have an empty {id_column!r}; fill them in or delete those rows"
        )
    counts = pc.value_counts(ids)
    repeated = [item["values"].as_py() for item in counts if item["counts"].as_py() > 1]
    if repeated:
        raise UsageError(
            f"{path}: participant id {repeated[0]!r} appears on more than one row; keep one row per "
            "participant"
        )
    attributes = table.drop_columns([id_column])
    columns = attributes.column_names
    if rename and id_column in rename:
        raise UsageError(
            f"{path}: --rename {id_column}=...: {id_column!r} is the participant id column "
            "(--meta-id-column), not an attribute column; only attribute columns can be renamed"
        )
    try:
        stored, renamed = attribute_names(columns, {c: n for c, n in (rename or {}).items() if c in columns})
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}") from None
    attributes = pa.Table.from_arrays([c.combine_chunks() for c in attributes.columns], names=stored)
    return Meta(path, sha256_file(path), id_column, ids, attributes, renamed)


def join_meta(documents: pa.Table, meta: Meta) -> pa.Table:
    """Append the metadata columns, matched on participant_id (null where there is no row).

    Keeps the documents' row order (a hash join would not).
    """
    clashes = [c for c in meta.columns if c in documents.column_names]
    if clashes:
        raise UsageError(
            f"{meta.path}: column {clashes[0]!r} is also a column of the comment table; rename it "
            "in one of the two files"
        )
    positions = pc.index_in(documents["participant_id"], value_set=meta.ids)
    for name in meta.columns:
        documents = documents.append_column(
            pa.field(name, pa.string()), meta.attributes[name].take(positions)
        )
    return documents


@dataclass(frozen=True)
class Coverage:
    """Which participant ids the metadata and the documents fail to share."""

    metadata_without_documents: list[str]  # ids in the participants file with no document
    documents_without_metadata: list[str]  # doc_ids whose participant has no metadata row


def coverage(doc_ids: pa.ChunkedArray, participant_ids: pa.ChunkedArray, meta: Meta) -> Coverage:
    has_meta = pc.is_in(participant_ids, value_set=meta.ids)
    without = pc.filter(doc_ids, pc.invert(pc.fill_null(has_meta, False)))
    present = pc.unique(pc.drop_null(participant_ids).combine_chunks())
    unused = pc.filter(meta.ids, pc.invert(pc.is_in(meta.ids, value_set=present)))
    return Coverage(sorted(unused.to_pylist()), sorted(without.to_pylist()))
