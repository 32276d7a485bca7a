"""A toy reader and a toy export, registered by tests/test_extending.py as docs/extending.md shows.

They live in a module of their own because a registry row names the module to import.
"""

from __future__ import annotations

from collections.abc import Sequence

from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers.decode import decode_bytes
from feedcare.corpus.readers.types import ParsedText, Turn


def parse_chat(data: bytes, *, labels: Sequence[str] = ()) -> ParsedText:
    """A chat log: one ``Speaker> words`` line per message; other lines stay in the text only."""
    text, encoding = decode_bytes(data)  # sniffs UTF-8/16/cp1252, newlines become "\n"
    turns, offset = [], 0
    for line in text.split("\n"):
        speaker, sep, words = line.partition("> ")
        if sep and words.strip():
            start = offset + len(speaker) + len(sep)
            turns.append(Turn(speaker.strip(), words, char_start=start, char_end=start + len(words)))
        offset += len(line) + 1
    if not turns:
        raise InputError("no 'Speaker> words' lines")  # ingest skips the file with this reason
    return ParsedText(text=text, encoding=encoding, format="chat", turns=turns)


def to_toy(result) -> str:
    """One line per theme: topic, name, and the participants its excerpts quote."""
    lines = []
    for theme in result.themes:
        quoted = sorted({e.participant_id for e in theme.excerpts})
        lines.append(f"{theme.topic}\t{theme.name}\t{','.join(quoted)}\n")
    return "".join(lines)
