"""Build small corpora directly (without ingest) for tests of later pipeline steps."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
from feedcare.corpus import open_corpus
from feedcare.corpus.store.schema import SEGMENTS, TOKENS_META_FILE, documents_schema
from feedcare.corpus.store.sidecars import Pruning, TokensMeta, TokensSummary
from feedcare.corpus.store.writer import write_corpus


def build_corpus(
    path: Path,
    docs: dict[str, list[tuple[str | None, str, str]]],
    attributes: dict[str, dict[str, str]] | None = None,
    participants: dict[str, str] | None = None,
    languages: dict[str, str] | None = None,
) -> Path:
    """Write a corpus from ``{doc_id: [(speaker, role, text), ...]}``.

    The document text is "Speaker: text" lines, and segment offsets point at the text part,
    as ingest does for labelled .txt transcripts. ``attributes`` maps doc_id → {column: value};
    ``languages`` doc_id → language code (default "en").
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
            "language": (languages or {}).get(doc_id, "en"), "n_segments": len(turns),
            "n_words": n_words, "text": text,
        }
        for col in doc_rows:
            doc_rows[col].append(base[col] if col in base else attributes.get(doc_id, {}).get(col))
    documents = pa.Table.from_pydict(doc_rows, schema=documents_schema(attr_cols))
    segments = pa.Table.from_pydict(seg_rows, schema=SEGMENTS)
    write_corpus(path, documents, segments, options={"built_by": "tests.helpers"})
    return path


def write_tokens_meta(corpus_dir: Path, fingerprint: str, units: list[list[str]], config: dict) -> TokensMeta:
    """tokens.json for tokens a test wrote itself, with counts that agree with ``units``."""
    corpus = open_corpus(corpus_dir)
    n_tokens, n_terms = sum(map(len, units)), len({t for unit in units for t in unit})
    summary = TokensSummary(
        documents=corpus.manifest.counts.documents, unit_modes={"turn": corpus.manifest.counts.documents},
        turns=corpus.manifest.counts.segments, turns_selected=corpus.manifest.counts.segments,
        turns_excluded={}, units_built=len(units), units_merged=0, turns_split=0, units=len(units),
        units_dropped_empty=0, words=corpus.manifest.counts.words, removed={},
        tokens_before_filter=n_tokens, tokens=n_tokens, vocabulary_before=n_terms, vocabulary=n_terms,
        phrases_found=0, jobs=1,
    )
    meta = TokensMeta(
        fingerprint=fingerprint, corpus_fingerprint=corpus.fingerprint, config=config, summary=summary,
        phrases=[], top_terms=[], feedcare_version="test",
        pruned=Pruning(before=n_terms, after=n_terms, no_below=0, no_above=0, no_above_terms=[], keep_n=0,
                       units=len(units)),
    )
    meta.to_json(Path(corpus_dir) / TOKENS_META_FILE)
    return meta
