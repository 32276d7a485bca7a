"""What a corpus holds: counts, participants, speakers and roles, attributes, formats.

:func:`corpus_info` reads only the small columns of the Parquet files (never the texts).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from feedcare.corpus.store.reader import open_corpus
from feedcare.corpus.store.schema import ENGLISH, UNDETERMINED, attribute_columns
from feedcare.corpus.store.sidecars import SpeakerRole

SPEAKER_COLUMNS = ["doc_id", "speaker", "role", "n_words"]
OTHER_LANGUAGE_EXAMPLES = 20  # documents named in a language warning; the count covers all


@dataclass(frozen=True)
class ParticipantSummary:
    participant_id: str | None
    documents: int
    turns: int  # turns with role "participant"
    words: int  # words in those turns
    all_words: int  # words in the participant's documents, every speaker


@dataclass(frozen=True)
class AttributeSummary:
    name: str
    filled: int  # documents with a value
    distinct: int  # distinct values


@dataclass
class CorpusInfo:
    """A corpus summary as plain data (``to_dict`` for JSON)."""

    path: str
    documents: int
    turns: int
    words: int
    participants: int
    created: str | None = None
    updated: str | None = None
    fingerprint: str | None = None
    sources: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)  # role → turns
    languages: dict[str, int] = field(default_factory=dict)  # language → documents, most first
    other_languages: int = 0  # documents detected in a language other than English (not "und")
    other_language_examples: list[dict[str, str | None]] = field(default_factory=list)
    speakers: list[SpeakerRole] = field(default_factory=list)
    per_participant: list[ParticipantSummary] = field(default_factory=list)
    attributes: list[AttributeSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def language_counts(documents: pa.Table) -> dict[str, Any]:
    """Documents per language (most first), and the documents not in English (nor undetermined).

    ``documents`` needs doc_id, participant_id and language; the examples are the first
    :data:`OTHER_LANGUAGE_EXAMPLES` in corpus order.
    """
    pairs = pc.value_counts(documents["language"]).to_pylist() if documents.num_rows else []
    pairs.sort(key=lambda p: (-p["counts"], p["values"]))
    counts = {str(p["values"]): int(p["counts"]) for p in pairs}
    other = pc.invert(pc.is_in(documents["language"], value_set=pa.array([ENGLISH, UNDETERMINED])))
    foreign = documents.filter(other) if documents.num_rows else documents
    examples = foreign.slice(0, OTHER_LANGUAGE_EXAMPLES).select(["doc_id", "participant_id", "language"])
    return {
        "languages": counts,
        "other_languages": foreign.num_rows,
        "other_language_examples": examples.to_pylist(),
    }


def _counts(column: pa.ChunkedArray | pa.Array) -> dict[str, int]:
    pairs = pc.value_counts(column).to_pylist()
    return {str(p["values"]): int(p["counts"]) for p in sorted(pairs, key=lambda p: str(p["values"]))}


def speaker_roles(segments: pa.Table) -> list[SpeakerRole]:
    """Turns, words and documents per (speaker label, role), most turns first."""
    if segments.num_rows == 0:
        return []
    grouped = (
        segments.select(SPEAKER_COLUMNS)
        .group_by(["speaker", "role"], use_threads=False)
        .aggregate([("doc_id", "count"), ("n_words", "sum"), ("doc_id", "count_distinct")])
    )
    rows = [
        SpeakerRole(
            r["speaker"], r["role"], r["doc_id_count"], r["n_words_sum"] or 0, r["doc_id_count_distinct"]
        )
        for r in grouped.to_pylist()
    ]
    return sorted(rows, key=lambda s: (-s.turns, s.speaker or "", s.role))


def participant_summaries(documents: pa.Table, segments: pa.Table) -> list[ParticipantSummary]:
    """Per participant: documents, their own turns and words, and all words in their documents."""
    if documents.num_rows == 0:
        return []
    docs = documents.select(["doc_id", "participant_id", "n_words"])
    per_doc = docs.group_by("participant_id", use_threads=False).aggregate(
        [("doc_id", "count"), ("n_words", "sum")]
    )
    own = segments.filter(pc.equal(segments["role"], "participant")).select(["doc_id", "n_words"])
    own = own.join(docs.select(["doc_id", "participant_id"]), "doc_id", use_threads=False)
    own = own.group_by("participant_id", use_threads=False).aggregate(
        [("doc_id", "count"), ("n_words", "sum")]
    )
    spoken = {r["participant_id"]: (r["doc_id_count"], r["n_words_sum"] or 0) for r in own.to_pylist()}
    rows = [
        ParticipantSummary(
            r["participant_id"],
            r["doc_id_count"],
            *spoken.get(r["participant_id"], (0, 0)),
            r["n_words_sum"] or 0,
        )
        for r in per_doc.to_pylist()
    ]
    return sorted(rows, key=lambda p: (p.participant_id is None, natural_key(p.participant_id or "")))


def natural_key(text: str) -> list[Any]:
    """Sort "P2" before "P10" and "fft:9" before "fft:10"."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)]


def summarise(documents: pa.Table, segments: pa.Table, *, details: bool = True) -> dict[str, Any]:
    """Counts shared by the ingest report and ``corpus info`` (documents without ``text`` is fine)."""
    roles = _counts(segments["role"]) if segments.num_rows else {}
    summary: dict[str, Any] = {
        "documents": documents.num_rows,
        "turns": segments.num_rows,
        "words": int(pc.sum(documents["n_words"]).as_py() or 0),
        "participants": len(pc.unique(pc.drop_null(documents["participant_id"]))),
        "roles": roles,
        **language_counts(documents),
        "speakers": speaker_roles(segments),
    }
    if details:
        summary["formats"] = _counts(documents["format"])
        summary["encodings"] = _counts(documents["encoding"])
        summary["per_participant"] = participant_summaries(documents, segments)
        summary["attributes"] = [
            AttributeSummary(
                name,
                documents.num_rows - documents[name].null_count,
                len(pc.unique(pc.drop_null(documents[name]))),
            )
            for name in attribute_columns(documents.schema)
        ]
    return summary


def corpus_info(corpus_dir: Path) -> CorpusInfo:
    """Summarise the corpus in ``corpus_dir`` (DataError if there is none)."""
    corpus = open_corpus(Path(corpus_dir))
    columns = [name for name in pq.read_schema(corpus.documents_path).names if name != "text"]
    documents = corpus.documents(columns=columns)
    segments = corpus.segments(columns=SPEAKER_COLUMNS)
    summary = summarise(documents, segments)
    manifest = corpus.manifest
    return CorpusInfo(
        path=str(corpus.path),
        created=manifest.created,
        updated=manifest.updated,
        fingerprint=manifest.fingerprint,
        sources=len(manifest.sources),
        **summary,
    )
