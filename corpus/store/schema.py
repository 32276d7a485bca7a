"""The corpus file formats, declared once.

A corpus directory holds ``documents.parquet``, ``segments.parquet``, ``manifest.json`` and,
after ``feedcare tokens``, ``tokens.parquet``, ``vocabulary.parquet`` and ``tokens.json``.
Every writer checks its table against these schemas before writing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

# 2: documents gained `language`
SCHEMA_VERSION = 2

DOCUMENTS_FILE = "documents.parquet"
SEGMENTS_FILE = "segments.parquet"
MANIFEST_FILE = "manifest.json"
TOKENS_FILE = "tokens.parquet"
VOCABULARY_FILE = "vocabulary.parquet"
TOKENS_META_FILE = "tokens.json"
LOCK_FILE = ".feedcare.lock"
# Key of the Parquet metadata entry that stamps tokens.parquet and vocabulary.parquet with the
# fingerprint tokens.json names: a file of another build is caught by reading its footer.
FINGERPRINT_KEY = "feedcare.fingerprint"
READERS_DIR = ".feedcare-readers"  # reader registrations (see corpus/store/lock.py)
HOLDER_FILE = ".feedcare.holder"  # who holds the lock, for the "busy" message
# Hidden names feedcare itself leaves in a corpus folder: locks, staging folders of a write in
# progress (or killed), temporary files. A folder holding only these is not "something else".
_OWN_PREFIXES = (".feedcare", ".ingest-", ".tokens-")

ROLES = ("interviewer", "participant", "other")

# documents.language: an ISO 639 code detected at ingest (corpus/ingest/language.py), or
# UNDETERMINED when the text is too short or the detector unsure. feedcare's tokenisation
# (stopwords, lemmas) is English, so ENGLISH is the language other ones are reported against.
UNDETERMINED = "und"
ENGLISH = "en"

# One row per document. Attribute columns (from --meta or a comment table's extra columns)
# follow these base columns, always as nullable strings, in the order they were first seen.
DOCUMENTS_BASE = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),  # path relative to the ingest root
        pa.field("sha256", pa.string(), nullable=False),  # of the source file's bytes
        pa.field("format", pa.string(), nullable=False),  # txt md docx vtt srt csv tsv parquet
        pa.field("encoding", pa.string(), nullable=False),
        pa.field("participant_id", pa.string()),
        # of the participant's speech (transcripts) or the comment (tables); see UNDETERMINED
        pa.field("language", pa.string(), nullable=False),
        pa.field("n_segments", pa.int32(), nullable=False),
        pa.field("n_words", pa.int32(), nullable=False),
        # The document's plain text: newline-normalised source text (txt, md), paragraphs
        # (docx), "[timestamp] Speaker: text" lines (vtt, srt), or the comment (tables).
        # Segment character offsets index into it.
        pa.field("text", pa.large_string(), nullable=False),
    ]
)
DOCUMENT_BASE_COLUMNS = tuple(DOCUMENTS_BASE.names)

# One row per speaker turn, in document order. Invariant:
# documents.text[char_start:char_end] == segments.text
SEGMENTS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("seg", pa.int32(), nullable=False),  # 0-based turn number within the document
        pa.field("speaker", pa.string()),  # the label as written ("P01", "Interviewer 1"); null if none
        pa.field("role", pa.string(), nullable=False),  # one of ROLES
        pa.field("start_s", pa.float64()),  # timestamp in seconds, when the transcript has one
        pa.field("end_s", pa.float64()),
        pa.field("char_start", pa.int64(), nullable=False),
        pa.field("char_end", pa.int64(), nullable=False),
        pa.field("n_words", pa.int32(), nullable=False),
        pa.field("text", pa.large_string(), nullable=False),
    ]
)

# One row per analysis unit (a merged/split turn, a window, or a whole document); only units
# with at least one token after filtering. Written by `feedcare tokens`.
TOKENS = pa.schema(
    [
        pa.field("unit_id", pa.int64(), nullable=False),  # 0.. in corpus order
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("seg_start", pa.int32(), nullable=False),  # first turn in the unit
        pa.field("seg_end", pa.int32(), nullable=False),  # last turn in the unit (inclusive)
        # The interviewer question the unit answers: the last interviewer turn with content words
        # at or before seg_start (a seg of segments.parquet); null before the first question and
        # in documents without an interviewer (comments). Not the "Mm-hm" continuers.
        pa.field("question_seg", pa.int32()),
        pa.field("char_start", pa.int64(), nullable=False),  # into documents.text
        pa.field("char_end", pa.int64(), nullable=False),
        pa.field("participant_id", pa.string()),
        pa.field("tokens", pa.list_(pa.string()), nullable=False),  # after all filters
        pa.field("token_ids", pa.list_(pa.int32()), nullable=False),  # ids in vocabulary.parquet
        pa.field("n_tokens", pa.int32(), nullable=False),
    ]
)

# The gensim dictionary after filter_extremes, stored as plain data (no pickle).
VOCABULARY = pa.schema(
    [
        pa.field("token_id", pa.int32(), nullable=False),
        pa.field("term", pa.string(), nullable=False),
        pa.field("doc_freq", pa.int64(), nullable=False),
        pa.field("coll_freq", pa.int64(), nullable=False),
    ]
)


def is_own_leftover(name: str) -> bool:
    """True for a lock, staging folder or temporary file feedcare writes next to a corpus."""
    if name.startswith(_OWN_PREFIXES):
        return True
    parts = name.split(".")
    return name.startswith(".") and len(parts) >= 4 and parts[-1] == "tmp" and parts[-2].isdigit()


def documents_schema(attribute_columns: list[str] | tuple[str, ...]) -> pa.Schema:
    """The documents schema with the given attribute columns appended as strings."""
    schema = DOCUMENTS_BASE
    for name in attribute_columns:
        schema = schema.append(pa.field(name, pa.string()))
    return schema


def attribute_columns(schema: pa.Schema) -> list[str]:
    return [name for name in schema.names if name not in DOCUMENT_BASE_COLUMNS]


# --- attribute column names ---------------------------------------------------------------------


@dataclass(frozen=True)
class RenamedColumn:
    """A table column stored under another name: ``why`` is "built-in", "taken" or "--rename"."""

    column: str  # as written in the table
    stored: str  # the documents.parquet column
    why: str


def attribute_names(
    columns: Sequence[str],
    rename: Mapping[str, str] | None = None,
    reserved: Sequence[str] = DOCUMENT_BASE_COLUMNS,
) -> tuple[list[str], list[RenamedColumn]]:
    """The stored name of each attribute column of a table, and the ones that changed.

    A column keeps its name unless that name, ignoring case, is a built-in corpus column or the
    name of an earlier column of the same table; then it is stored as ``NAME_1`` (``NAME_2``, ...
    when that is taken too: the first free one). Case is ignored because DuckDB and SQL are case
    blind: ``Source`` beside ``source`` would make documents.parquet unreadable there.
    ``rename`` (``--rename OLD=NEW``) chooses the name instead; ValueError when ``NEW`` is taken.
    """
    rename = dict(rename or {})
    taken = {name.casefold() for name in reserved}
    reserved_folded = set(taken)
    stored: list[str | None] = [None] * len(columns)
    for i, column in enumerate(columns):
        if column in rename:
            target = rename[column].strip()
            if target.casefold() in taken or any(
                target.casefold() == c.casefold() for c in columns if c != column and c not in rename
            ):
                what = "a built-in corpus column" if target.casefold() in reserved_folded else "taken"
                raise ValueError(f"--rename {column}={target}: {target!r} is {what}; choose another name")
            stored[i] = target
            taken.add(target.casefold())
    for i, column in enumerate(columns):
        if stored[i] is None and column.casefold() not in taken:
            stored[i] = column
            taken.add(column.casefold())
    renamed = []
    for i, column in enumerate(columns):
        if stored[i] is None:
            n = 1
            while f"{column}_{n}".casefold() in taken:
                n += 1
            stored[i] = f"{column}_{n}"
            taken.add(stored[i].casefold())
            why = "built-in" if column.casefold() in reserved_folded else "taken"
            renamed.append(RenamedColumn(column, stored[i], why))
        elif column in rename:
            renamed.append(RenamedColumn(column, stored[i], "--rename"))
    return [name for name in stored if name is not None], renamed
