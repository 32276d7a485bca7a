"""Transcript readers: bytes on disk → plain text and speaker turns.

Interface used by :mod:`feedcare.corpus.ingest`:

- :func:`read_transcript` reads one .txt/.md/.docx/.vtt/.srt file into a :class:`ParsedText`,
  or raises :class:`~feedcare.corpus.errors.InputError` whose message is the reason to skip it.
- Invariant: for every turn, ``parsed.text[turn.char_start:turn.char_end] == turn.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TRANSCRIPT_FORMATS = ("txt", "md", "docx", "vtt", "srt")
TABLE_FORMATS = ("csv", "tsv", "parquet")


@dataclass(frozen=True)
class Turn:
    speaker: str | None  # the label as written, without the colon; None when unlabelled
    text: str  # the turn's words, label and timestamp removed, verbatim otherwise
    char_start: int  # into ParsedText.text
    char_end: int
    start_s: float | None = None
    end_s: float | None = None


@dataclass(frozen=True)
class ParsedText:
    text: str  # the document's plain text (see schema.DOCUMENTS_BASE "text")
    encoding: str  # e.g. "utf-8", "utf-8-sig", "utf-16", "cp1252", "docx"
    format: str  # one of TRANSCRIPT_FORMATS
    turns: list[Turn] = field(default_factory=list)
