"""Transcript readers: bytes on disk → plain text and speaker turns.

Interface used by :mod:`feedcare.corpus.ingest`:

- :func:`read_transcript` reads one .txt/.md/.docx/.vtt/.srt file into a :class:`ParsedText`,
  or raises :class:`~feedcare.corpus.errors.InputError` whose message is the reason to skip it.
- Invariant: for every turn, ``parsed.text[turn.char_start:turn.char_end] == turn.text``.
- :func:`feedcare.corpus.readers.decode.decode_bytes` and :mod:`feedcare.corpus.turns` are the
  building blocks (decoding; speaker labels and roles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

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


DEFAULT_MAX_BYTES = 50_000_000


def read_transcript(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, labels: Sequence[str] = ()
) -> ParsedText:
    """Read one .txt/.md/.docx/.vtt/.srt transcript (suffix case-insensitive) into turns.

    ``labels`` are extra speaker labels to recognise (e.g. the user's --interviewer names).
    Raises InputError whose message is a short reason to skip the file, e.g. "empty file".
    """
    # The readers are imported here: they import this module (Turn, ParsedText), and
    # python-docx should load only when a .docx is read.
    from .docx import parse_docx
    from .plain import parse_plain
    from .subtitles import parse_srt, parse_vtt

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in TRANSCRIPT_FORMATS:
        suffix = path.suffix or "(no suffix)"
        raise InputError(f"unsupported file type {suffix!r} (expected .txt, .md, .docx, .vtt or .srt)")
    data = _read_bytes(path, max_bytes)
    if not data:
        raise InputError("empty file")
    if fmt == "docx":
        return parse_docx(data, labels=labels)
    if fmt == "vtt":
        return parse_vtt(data, labels=labels)
    if fmt == "srt":
        return parse_srt(data, labels=labels)
    return parse_plain(data, fmt, labels=labels)


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
