"""Reading a corpus directory: the public entry point for everything downstream.

``topics`` and the CLI read documents, segments and tokens only through :class:`Corpus`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from feedcare.corpus.base.atomic import iter_batches, parquet_rows
from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.corpus.store.schema import (
    DOCUMENTS_FILE,
    FINGERPRINT_KEY,
    MANIFEST_FILE,
    SCHEMA_VERSION,
    SEGMENTS_FILE,
    TOKENS_FILE,
    TOKENS_META_FILE,
    VOCABULARY_FILE,
    attribute_columns,
    is_own_leftover,
)
from feedcare.corpus.store.sidecars import FileStamp, Manifest, TokensMeta


@dataclass(frozen=True)
class Corpus:
    """An ingested corpus directory. Create with :func:`open_corpus`."""

    path: Path
    manifest: Manifest

    @property
    def documents_path(self) -> Path:
        return self.path / DOCUMENTS_FILE

    @property
    def segments_path(self) -> Path:
        return self.path / SEGMENTS_FILE

    @property
    def tokens_path(self) -> Path:
        return self.path / TOKENS_FILE

    @property
    def vocabulary_path(self) -> Path:
        return self.path / VOCABULARY_FILE

    @property
    def fingerprint(self) -> str:
        """Changes whenever the documents or the options they were read with change."""
        return self.manifest.fingerprint

    @property
    def attribute_columns(self) -> list[str]:
        return attribute_columns(pq.read_schema(self.documents_path))

    def resolve_attribute(self, name: str, option: str = "--by") -> str:
        """The attribute column ``name`` means: itself; else ``NAME_1``, where ingest keeps a
        table's column whose name was taken (``source`` → ``source_1``); else the one attribute
        equal to it ignoring case. UsageError listing the attributes otherwise."""
        available = self.attribute_columns
        if name in available:
            return name
        if f"{name}_1" in available:
            return f"{name}_1"
        folded = [a for a in available if a.casefold() == name.casefold()]
        if len(folded) == 1:
            return folded[0]
        have = ", ".join(available) if available else "none (add attributes at ingest with --meta)"
        raise UsageError(f"{option} {name}: no such document attribute; the corpus has: {have}")

    def documents(self, columns: list[str] | None = None, filters: Any = None) -> pa.Table:
        """The documents table (pass ``columns`` to skip the ``text`` column when not needed)."""
        return pq.read_table(self.documents_path, columns=columns, filters=filters)

    def segments(self, columns: list[str] | None = None, filters: Any = None) -> pa.Table:
        return pq.read_table(self.segments_path, columns=columns, filters=filters)

    def iter_segments(
        self, columns: list[str] | None = None, batch_size: int = 65_536
    ) -> Iterator[pa.RecordBatch]:
        """Segments in document order, streamed in record batches."""
        yield from iter_batches(self.segments_path, columns, batch_size)

    def iter_documents(
        self, columns: list[str] | None = None, batch_size: int = 65_536
    ) -> Iterator[pa.RecordBatch]:
        yield from iter_batches(self.documents_path, columns, batch_size)

    def texts(self, doc_ids: list[str]) -> dict[str, str]:
        """Plain text of the given documents (for excerpts), read without loading the rest."""
        table = self.documents_where(doc_ids, ["doc_id", "text"])
        return dict(zip(table["doc_id"].to_pylist(), table["text"].to_pylist(), strict=True))

    def documents_where(self, doc_ids: list[str], columns: list[str]) -> pa.Table:
        """``columns`` of the given documents, in file order; streamed, so memory stays flat."""
        return _rows_where(self.documents_path, doc_ids, columns)

    def segments_where(self, doc_ids: list[str], columns: list[str]) -> pa.Table:
        """``columns`` of the given documents' segments, in file order; streamed."""
        return _rows_where(self.segments_path, doc_ids, columns)

    # --- tokens (written by `feedcare tokens`) ---------------------------------------------

    def has_tokens(self) -> bool:
        return self.tokens_path.is_file() and (self.path / TOKENS_META_FILE).is_file()

    def tokens_meta(self) -> TokensMeta:
        """tokens.json, checked (a DataError when missing, damaged or of another format version)."""
        if not self.has_tokens():
            raise DataError(f"{self.path}: no tokens yet; run `feedcare tokens` first")
        return TokensMeta.from_json(self.path / TOKENS_META_FILE)

    def check_tokens(self) -> TokensMeta:
        """tokens.json, after checking the chain: built from this corpus, and tokens.parquet and
        vocabulary.parquet stamped with its fingerprint (files of one build, not of two).

        One-line DataErrors (exit 4) say which command to re-run.
        """
        meta = self.tokens_meta()
        meta_file = self.path / TOKENS_META_FILE
        if meta.corpus_fingerprint != self.fingerprint:
            raise DataError(
                f"{meta_file}: the tokens are stale (the corpus changed after `feedcare tokens` ran); "
                "re-run `feedcare tokens`"
            )
        for file in (self.tokens_path, self.vocabulary_path):
            if not file.is_file():
                raise DataError(f"{file}: missing; re-run `feedcare tokens`")
            stored = (pq.read_schema(file).metadata or {}).get(FINGERPRINT_KEY.encode(), b"").decode()
            if stored != meta.fingerprint:
                raise DataError(
                    f"{file}: does not match {TOKENS_META_FILE} (an interrupted `feedcare tokens`?); "
                    "re-run `feedcare tokens`"
                )
        return meta

    def iter_tokens(
        self, columns: list[str] | None = None, batch_size: int = 65_536
    ) -> Iterator[pa.RecordBatch]:
        if not self.tokens_path.is_file():
            raise DataError(f"{self.path}: no tokens yet; run `feedcare tokens` first")
        yield from iter_batches(self.tokens_path, columns, batch_size)

    def vocabulary(self) -> pa.Table:
        if not self.vocabulary_path.is_file():
            raise DataError(f"{self.path}: no vocabulary yet; run `feedcare tokens` first")
        return pq.read_table(self.vocabulary_path)


def _rows_where(path: Path, doc_ids: list[str], columns: list[str]) -> pa.Table:
    # Filtered batch by batch: read_table(filters=...) holds whole row groups of a column
    # such as ``text`` at once, hundreds of MB for a million comments.
    wanted = pa.array(sorted(set(doc_ids)), pa.string())
    read = list(dict.fromkeys(["doc_id", *columns]))
    schema = pq.read_schema(path)
    parts = []
    if len(wanted):
        for batch in iter_batches(path, read, 65_536):
            kept = batch.filter(pc.is_in(batch.column(0), value_set=wanted))
            if kept.num_rows:
                parts.append(kept)
    empty = pa.schema([schema.field(name) for name in read]).empty_table()
    table = pa.Table.from_batches(parts) if parts else empty
    return table.select(columns)


def open_corpus(path: Path) -> Corpus:
    """Open a corpus directory written by ``feedcare ingest``; a clear error if it is not one."""
    path = Path(path)
    if not (path / MANIFEST_FILE).is_file():
        if path.is_dir() and any(not is_own_leftover(p.name) for p in path.iterdir()):
            raise DataError(f"{path}: not a feedcare corpus (no {MANIFEST_FILE}); check --corpus")
        raise DataError(
            f"{path}: no corpus here; create one with `feedcare ingest SOURCE --corpus {path}`"
        )
    manifest = Manifest.from_json(path / MANIFEST_FILE)
    version = manifest.schema_version
    if version != SCHEMA_VERSION:
        raise DataError(
            f"{path}: corpus schema version {version} is not supported by this feedcare "
            f"(needs {SCHEMA_VERSION}); re-run `feedcare ingest` on its sources to rebuild it"
        )
    counts = manifest.counts
    for name, count in ((DOCUMENTS_FILE, counts.documents), (SEGMENTS_FILE, counts.segments)):
        file = path / name
        if not file.is_file():
            raise DataError(f"{file}: missing; re-run `feedcare ingest` to rebuild the corpus")
        stamp = (manifest.files or {}).get(name)
        if (stamp is not None and FileStamp.of(file) != stamp) or parquet_rows(file) != count:
            raise DataError(
                f"{file}: does not match {MANIFEST_FILE} (an interrupted write?); "
                "re-run `feedcare ingest` to rebuild it"
            )
    return Corpus(path=path, manifest=manifest)
