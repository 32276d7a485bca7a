"""Build small corpora directly (without ingest) for tests of later pipeline steps."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
from feedcare.corpus.store.schema import SEGMENTS, documents_schema
from feedcare.corpus.store.writer import write_corpus


def build_corpus(
    path: Path,
    docs: dict[str, list[tuple[str | None, str, str]]],
    attributes: dict[str, dict[str, str]] | None = None,
    participants: dict[str, str] | None = None,
) -> Path:
    """Write a corpus from ``{doc_id: [(speaker, role, text), ...]}``.

    The document text is "Speaker: text" lines, and segment offsets point at the text part,
    as ingest does for labelled .txt transcripts. ``attributes`` maps doc_id → {column: value}.
    """
    attributes = attributes or {}
    attr_cols: list[str] = []
    for values in attributes.values():
        for col in values:
            if col not in attr_cols:
                attr_cols.append(col)
    doc_rows: dict[str, list] = {name: [] for name in documents_schema(attr_cols).names}
    seg_rows: dict[str, list] = {name: [] for name in SEGMENTS.names}
    for doc_id, turns in docs.items():
        text = ""
        n_words = 0
        for seg, (speaker, role, turn_text) in enumerate(turns):
            prefix = f"{speaker}: " if speaker else ""
            start = len(text) + len(prefix)
            text += prefix + turn_text + "\n"
            words = len(turn_text.split())
            n_words += words
            for key, value in (
                ("doc_id", doc_id), ("seg", seg), ("speaker", speaker), ("role", role),
                ("start_s", None), ("end_s", None), ("char_start", start),
                ("char_end", start + len(turn_text)), ("n_words", words), ("text", turn_text),
            ):
                seg_rows[key].append(value)
        base = {
            "doc_id": doc_id, "source": f"{doc_id}.txt",
            "sha256": hashlib.sha256(text.encode()).hexdigest(), "format": "txt",
            "encoding": "utf-8", "participant_id": (participants or {}).get(doc_id, doc_id),
            "n_segments": len(turns), "n_words": n_words, "text": text,
        }
        for col in doc_rows:
            doc_rows[col].append(base[col] if col in base else attributes.get(doc_id, {}).get(col))
    documents = pa.Table.from_pydict(doc_rows, schema=documents_schema(attr_cols))
    segments = pa.Table.from_pydict(seg_rows, schema=SEGMENTS)
    write_corpus(path, documents, segments, options={"built_by": "tests.helpers"})
    return path
