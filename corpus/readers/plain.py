"""Plain-text (.txt) and Markdown (.md) transcripts."""

from __future__ import annotations

from collections.abc import Sequence

from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers.decode import decode_bytes
from feedcare.corpus.readers.turns import parse_turns
from feedcare.corpus.readers.types import ParsedText

EMPTY_REASON = "empty file"
NO_WORDS_REASON = "no words, only speaker labels"


def parse_plain(data: bytes, fmt: str, *, labels: Sequence[str] = ()) -> ParsedText:
    """Decode a .txt/.md file's bytes and split it into speaker turns.

    Markdown is read as it is written: headings and emphasis stay in the text of the current
    turn; only bold speaker labels (``**Interviewer:**``, ``**P01**:``) are understood.
    """
    text, encoding = decode_bytes(data)
    return parsed_from_text(text, encoding, fmt, labels=labels)


def parse_txt(data: bytes, *, labels: Sequence[str] = ()) -> ParsedText:
    return parse_plain(data, "txt", labels=labels)


def parse_md(data: bytes, *, labels: Sequence[str] = ()) -> ParsedText:
    return parse_plain(data, "md", labels=labels)


def parsed_from_text(text: str, encoding: str, fmt: str, *, labels: Sequence[str] = ()) -> ParsedText:
    """Turns for already-decoded text; raise InputError when it holds no words."""
    if not text.strip():
        raise InputError(EMPTY_REASON)
    turns = parse_turns(text, labels=labels)
    if not turns:
        raise InputError(NO_WORDS_REASON)
    return ParsedText(text=text, encoding=encoding, format=fmt, turns=turns)
