"""The readers registry: one row per file suffix ingest and audit can read.

A row names the module and function that read the format, so a new reader is one module plus
one line here (see docs/extending.md). Transcript readers take the file's bytes and return a
:class:`~feedcare.corpus.readers.types.ParsedText`; table readers are opened by
:func:`feedcare.corpus.readers.tables.open_string_table` as streams of string columns. Modules are
imported only when a file of their format is read, so python-docx loads only for a .docx.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ReaderSpec:
    suffix: str  # lower case, no dot
    kind: Literal["transcript", "table"]
    module: str
    function: str  # transcript: f(data: bytes, *, labels) -> ParsedText
    description: str

    def load(self) -> Callable:
        return getattr(importlib.import_module(self.module), self.function)


READERS: dict[str, ReaderSpec] = {}


def register_reader(spec: ReaderSpec) -> ReaderSpec:
    """Add (or replace) the reader for ``spec.suffix``; the formats lists follow."""
    READERS[spec.suffix] = spec
    return spec


def transcript_formats() -> tuple[str, ...]:
    return tuple(s for s, spec in READERS.items() if spec.kind == "transcript")


def table_formats() -> tuple[str, ...]:
    return tuple(s for s, spec in READERS.items() if spec.kind == "table")


_P = "feedcare.corpus.readers."
for _spec in (
    ReaderSpec("txt", "transcript", _P + "plain", "parse_txt", "plain-text transcript"),
    ReaderSpec("md", "transcript", _P + "plain", "parse_md", "Markdown transcript"),
    ReaderSpec("docx", "transcript", _P + "docx", "parse_docx", "Word transcript (also Teams exports)"),
    ReaderSpec("vtt", "transcript", _P + "subtitles", "parse_vtt", "WebVTT captions (Zoom, Teams)"),
    ReaderSpec("srt", "transcript", _P + "subtitles", "parse_srt", "SubRip captions"),
    ReaderSpec("csv", "table", _P + "tables", "open_string_table", "comment table, comma-separated"),
    ReaderSpec("tsv", "table", _P + "tables", "open_string_table", "comment table, tab-separated"),
    ReaderSpec("parquet", "table", _P + "tables", "open_string_table", "comment table, Parquet"),
):
    register_reader(_spec)
