"""What a transcript reader returns: the document's text and its speaker turns."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    format: str  # a transcript suffix of the readers registry
    turns: list[Turn] = field(default_factory=list)
