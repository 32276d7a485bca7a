"""Transcript files → document and segment rows for ingest (one document per file)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from feedcare.corpus.ingest.comments import count_words
from feedcare.corpus.ingest.config import IngestConfig
from feedcare.corpus.ingest.language import detect_languages, speech_text
from feedcare.corpus.ingest.sources import SourceFile
from feedcare.corpus.readers import ParsedText
from feedcare.corpus.readers.turns import assign_roles
from feedcare.corpus.store.schema import SEGMENTS, documents_schema


@dataclass
class _Transcripts:
    """Rows of the transcripts read in this run, gathered column by column."""

    documents: dict[str, list] = field(default_factory=lambda: {n: [] for n in documents_schema([]).names})
    segments: dict[str, list] = field(default_factory=lambda: {n: [] for n in SEGMENTS.names})
    speech: list[str] = field(default_factory=list)  # per document: the text its language is judged on

    def add(self, document: dict[str, Any], segments: list[dict[str, Any]]) -> None:
        for name, value in document.items():
            if name != "language":
                self.documents[name].append(value)
        for segment in segments:
            for name, value in segment.items():
                self.segments[name].append(value)
        self.speech.append(speech_text([(s["role"], s["text"]) for s in segments]))

    def tables(self) -> tuple[pa.Table, pa.Table]:
        # Languages at the end, all at once: the detector is fastest on a batch.
        self.documents["language"] = detect_languages(self.speech)
        return (
            pa.Table.from_pydict(self.documents, schema=documents_schema([])),
            pa.Table.from_pydict(self.segments, schema=SEGMENTS),
        )


def transcript_document(
    file: SourceFile, sha256: str, parsed: ParsedText, config: IngestConfig, pattern: re.Pattern | None
) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """One transcript's document row and segment rows; also whether --id-pattern matched."""
    doc_id = file.base_id
    roles = assign_roles([t.speaker for t in parsed.turns], config.interviewers, config.participants)
    segments = [
        {
            "doc_id": doc_id,
            "seg": i,
            "speaker": t.speaker,
            "role": roles[t.speaker],
            "start_s": t.start_s,
            "end_s": t.end_s,
            "char_start": t.char_start,
            "char_end": t.char_end,
            "n_words": count_words(t.text),
            "text": t.text,
        }
        for i, t in enumerate(parsed.turns)
    ]
    participant, matched = participant_id(file.path.name, file.path.stem, pattern)
    document = {
        "doc_id": doc_id,
        "source": file.source,
        "sha256": sha256,
        "format": parsed.format,
        "encoding": parsed.encoding,
        "participant_id": participant,
        "n_segments": len(segments),
        "n_words": sum(s["n_words"] for s in segments),
        "text": parsed.text,
    }
    return document, segments, matched


def participant_id(name: str, stem: str, pattern: re.Pattern | None) -> tuple[str, bool]:
    """From --id-pattern on the file name: its first group, else the whole match; else the stem."""
    if pattern is None:
        return stem, True
    match = pattern.search(name)
    if match is None:
        return stem, False
    value = match.group(1) if match.re.groups and match.group(1) is not None else match.group(0)
    return value, True
