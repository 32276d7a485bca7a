"""Readers: bytes on disk → plain text and speaker turns (transcripts) or string columns (tables).

The formats and the module that reads each are one table, :data:`~feedcare.corpus.readers.registry.READERS`;
ingest and audit both read files only through it.

Interface used by :mod:`feedcare.corpus.ingest.pipeline`:

- :func:`read_transcript` reads one .txt/.md/.docx/.vtt/.srt file into a :class:`ParsedText`,
  or raises :class:`~feedcare.corpus.base.errors.InputError` whose message is the reason to skip it.
- Invariant: for every turn, ``parsed.text[turn.char_start:turn.char_end] == turn.text``.
- :func:`feedcare.corpus.readers.decode.decode_bytes` and :mod:`feedcare.corpus.readers.turns` are the
  building blocks (decoding; speaker labels and roles).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers.registry import (
    READERS,
    ReaderSpec,
    register_reader,
    table_formats,
    transcript_formats,
)
from feedcare.corpus.readers.types import ParsedText, Turn

__all__ = ["READERS", "ParsedText", "ReaderSpec", "Turn", "read_transcript", "register_reader",
           "table_formats", "transcript_formats"]

DEFAULT_MAX_BYTES = 50_000_000



def read_transcript(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, labels: Sequence[str] = ()
) -> ParsedText:
    """Read one .txt/.md/.docx/.vtt/.srt transcript (suffix case-insensitive) into turns.

    ``labels`` are extra speaker labels to recognise (e.g. the user's --interviewer names).
    Raises InputError whose message is a short reason to skip the file, e.g. "empty file".
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    spec = READERS.get(fmt)
    if spec is None or spec.kind != "transcript":
        suffix = path.suffix or "(no suffix)"
        names = ["." + s for s in transcript_formats()]
        expected = ", ".join(names[:-1]) + " or " + names[-1]
        raise InputError(f"unsupported file type {suffix!r} (expected {expected})")
    data = _read_bytes(path, max_bytes)
    if not data:
        raise InputError("empty file")
    return spec.load()(data, labels=labels)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit rather than trusting stat(): the file may grow.
            data = handle.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputError("is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(f"file larger than {_megabytes(max_bytes)} MB")
    return data


def _megabytes(n_bytes: int) -> str:
    mb = n_bytes / 1_000_000
    return f"{mb:.0f}" if mb >= 1 else f"{mb:.2g}"
