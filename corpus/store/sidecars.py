"""The corpus's JSON files, declared once: ``manifest.json`` and ``tokens.json``.

The Parquet tables they describe are in :mod:`.schema`; how the classes read, check and write
(``format_version``, one-line errors) is in :mod:`feedcare.corpus.base.sidecar`. Every reader
and writer of these files goes through :meth:`Manifest.from_json` / :meth:`TokensMeta.from_json`
and ``to_json``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from feedcare.corpus.base.sidecar import FLATTEN, Record, Sidecar
from feedcare.corpus.store.schema import MANIFEST_FILE, TOKENS_META_FILE

# --- manifest.json ------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceEntry(Record):
    """One ingested source file, keyed in the manifest by its absolute POSIX path."""

    source: str  # its name in the corpus (the ``source`` column): relative to ``root``, unique
    root: str  # the SOURCE folder it was found in
    sha256: str
    size: int
    mtime_ns: int  # size and mtime unchanged: trusted without hashing on the next ingest
    format: str
    n_documents: int
    doc_ids: list[str] | None = None  # transcripts; a table's documents are found by ``source``
    attributes: list[str] | None = None  # a table's extra columns, in order (absent when none)


@dataclass(frozen=True)
class Counts(Record):
    """Row counts, checked against the Parquet footers when the corpus is opened."""

    documents: int
    segments: int
    words: int


@dataclass(frozen=True)
class SpeakerRole(Record):
    """Turns, words and documents of one (speaker label, role) pair."""

    speaker: str | None  # the label as written; None for unlabelled text and table comments
    role: str
    turns: int
    words: int
    documents: int


@dataclass(frozen=True)
class MetaSummary(Record):
    """The participants file (--meta) and how its ids met the documents' (samples of 100)."""

    path: str
    columns: list[str]
    n_metadata_without_documents: int
    n_documents_without_metadata: int
    metadata_without_documents: list[str]
    documents_without_metadata: list[str]


@dataclass(frozen=True)
class IngestRecord(Record):
    """What ``feedcare ingest`` recorded about the run that wrote the corpus (top-level keys)."""

    config: dict[str, Any]  # the effective [ingest] settings
    roles: list[SpeakerRole]
    skipped: list[tuple[str, str]]  # (path, reason)
    meta: MetaSummary | None  # None without --meta


@dataclass(frozen=True)
class FileStamp(Record):
    """A data file as its commit wrote it: its size and a hash of its Parquet footer.

    The footer holds every row group's offsets, sizes and statistics, so a file of another
    commit (a crash between the renames) differs in it; checking it reads a few kilobytes.
    """

    size: int
    footer_sha256: str

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        """The stamp of the Parquet file at ``path`` (a file too short to be Parquet: no hash)."""
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            if size < 12:
                return cls(size=size, footer_sha256="")
            handle.seek(size - 8)
            length = min(int.from_bytes(handle.read(4), "little"), size - 8)
            handle.seek(size - 8 - length)
            footer = handle.read(length)
        return cls(size=size, footer_sha256=hashlib.sha256(footer).hexdigest())


@dataclass(frozen=True)
class Manifest(Sidecar):
    """``manifest.json``: what the corpus holds and how it was made; written last by every writer."""

    FILE: ClassVar[str] = MANIFEST_FILE
    FORMAT_VERSION: ClassVar[int] = 1
    REWRITE: ClassVar[str] = "re-run `feedcare ingest` to rebuild the corpus"
    NEWER_FIX: ClassVar[str] = (
        "upgrade feedcare (pip install -U feedcare), or ingest the sources into a new --corpus folder"
    )

    schema_version: int  # of the Parquet tables (schema.SCHEMA_VERSION)
    feedcare_version: str
    created: str
    updated: str
    fingerprint: str  # of every (doc_id, sha256) and the options: changes when the rows can
    options: dict[str, Any]  # what shaped the rows (parsing options, meta hash, reader version)
    sources: dict[str, SourceEntry]
    counts: Counts
    ingest: IngestRecord | None = field(default=None, metadata=FLATTEN)  # absent: not made by ingest
    # documents.parquet and segments.parquet as written with this manifest (absent: an older
    # feedcare wrote it), checked when the corpus is opened.
    files: dict[str, FileStamp] | None = None


# --- tokens.json --------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageExample(Record):
    """A document left out of the tokens for its language (documents.language)."""

    doc_id: str
    participant_id: str | None
    language: str


@dataclass(frozen=True)
class TokensSummary(Record):
    """How turns became units and words became tokens."""

    documents: int
    unit_modes: dict[str, int]  # unit mode → documents
    turns: int
    turns_selected: int  # turns with a modelled role
    turns_excluded: dict[str, int]  # role → turns left out
    units_built: int
    units_merged: int  # units merged from several short turns
    turns_split: int  # long turns split into several units
    units: int  # units written (with at least one token)
    units_dropped_empty: int
    words: int
    removed: dict[str, int]  # filter → words removed (stopwords, numbers, short, ...)
    tokens_before_filter: int
    tokens: int
    vocabulary_before: int
    vocabulary: int
    phrases_found: int
    jobs: int
    # Added by issue 13 (defaults: a tokens.json written before them still reads).
    languages: dict[str, int] = field(default_factory=dict)  # documents per language, most first
    documents_left_out_language: int = 0  # not in [tokens] languages
    turns_left_out_language: int = 0
    left_out_language_examples: list[LanguageExample] = field(default_factory=list)  # the first 20
    units_across_questions: int = 0  # units whose span holds an interviewer question
    interviewer_turns: int = 0
    questions: int = 0  # interviewer turns with a content word; the rest are continuers (Mm-hm)


@dataclass(frozen=True)
class Pruning(Record):
    """What filter_extremes removed from the vocabulary, bound by bound."""

    before: int
    after: int
    no_below: int
    no_above: int
    no_above_terms: list[str]  # the 20 most common terms removed as too common
    keep_n: int
    units: int


@dataclass(frozen=True)
class PhraseCount(Record):
    phrase: str  # words joined by "_"
    count: int
    score: float


@dataclass(frozen=True)
class TermCount(Record):
    term: str
    count: int  # occurrences
    units: int  # units it occurs in


@dataclass(frozen=True)
class TokensMeta(Sidecar):
    """``tokens.json``: the settings and counts behind tokens.parquet and vocabulary.parquet.

    Written last by ``feedcare tokens``; ``fingerprint`` must match the one in both Parquet
    files' metadata, or the tokens are rebuilt (or refused downstream).
    """

    FILE: ClassVar[str] = TOKENS_META_FILE
    FORMAT_VERSION: ClassVar[int] = 1
    REWRITE: ClassVar[str] = "re-run `feedcare tokens --force`"
    NEWER_FIX: ClassVar[str] = (
        "upgrade feedcare (pip install -U feedcare), or re-run `feedcare tokens --force` with this one"
    )

    fingerprint: str
    corpus_fingerprint: str  # the manifest's fingerprint when the tokens were built
    config: dict[str, Any]  # the effective [tokens] settings
    summary: TokensSummary
    phrases: list[PhraseCount]
    pruned: Pruning
    top_terms: list[TermCount]  # the 50 most frequent terms kept
    feedcare_version: str
    # versions of the packages the tokens depend on (nltk, gensim, simplemma); None in tokens.json
    # written before feedcare recorded them
    packages: dict[str, str] | None = None
