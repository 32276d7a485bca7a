"""The ``[ingest]`` section of feedcare.toml, and how command-line options override it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedcare.corpus.base.settings import build_section, find_config, load_toml


@dataclass(frozen=True)
class IngestConfig:
    """How source files are read into a corpus. Every field can be set in ``[ingest]``.

    Fields that change how files are parsed (labels, id pattern, columns, metadata) are part
    of the corpus fingerprint: changing them makes the next ingest re-read every file.
    """

    interviewers: tuple[str, ...] = field(
        default=(), metadata={"help": "extra speaker labels that mean the interviewer"}
    )
    participants: tuple[str, ...] = field(
        default=(), metadata={"help": "extra speaker labels that mean the participant"}
    )
    id_pattern: str | None = field(
        default=None,
        metadata={"help": "regular expression giving participant_id from a transcript's file name"},
    )
    text_column: str | None = field(
        default=None, metadata={"help": "the column holding the comment in CSV/TSV/Parquet tables"}
    )
    id_column: str | None = field(
        default=None, metadata={"help": "the column holding each row's document id in tables"}
    )
    participant_column: str | None = field(
        default=None, metadata={"help": "the column holding each row's participant id in tables"}
    )
    meta: str | None = field(
        default=None, metadata={"help": "participants file (CSV/TSV/Parquet) joined by participant id"}
    )
    meta_id_column: str = field(
        default="participant_id", metadata={"help": "the participant id column of the meta file"}
    )
    max_file_mb: float = field(
        default=50.0, metadata={"help": "transcripts larger than this are skipped", "min": 0.001}
    )
    strict: bool = field(default=False, metadata={"help": "any skipped file aborts the ingest"})
    prune: bool = field(default=False, metadata={"help": "remove documents whose source files are gone"})
    audit: bool = field(
        default=False,
        metadata={"help": "check each document read for residual identifiers before adding it"},
    )
    allow_findings: bool = field(
        default=False,
        metadata={"help": "with audit: add documents with findings anyway (they are counted)"},
    )
    audit_names: str | None = field(
        default=None, metadata={"help": "with audit: a file of names to flag, one per line"}
    )

    def __post_init__(self) -> None:
        if self.id_pattern is not None:
            try:
                re.compile(self.id_pattern)
            except re.error as exc:
                raise ValueError(
                    f"id_pattern (--id-pattern) {self.id_pattern!r} is not a valid regular "
                    f"expression ({exc}); fix it, e.g. 'RES\\d+' or '^(P\\d+)_'"
                ) from None
        for name in ("text_column", "id_column", "participant_column", "meta_id_column"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise ValueError(f"{name} must not be empty")
        if self.max_file_mb <= 0:
            raise ValueError(f"max_file_mb must be positive, got {self.max_file_mb!r}")

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    def parsing_options(self) -> dict[str, Any]:
        """The settings that shape the rows; a change means every file is read again."""
        return {
            "interviewers": list(self.interviewers),
            "participants": list(self.participants),
            "id_pattern": self.id_pattern,
            "text_column": self.text_column,
            "id_column": self.id_column,
            "participant_column": self.participant_column,
            "meta_id_column": self.meta_id_column if self.meta else None,
        }


def load_ingest_config(config_file: Path | None, overrides: dict[str, Any]) -> IngestConfig:
    """``[ingest]`` from feedcare.toml (``--config`` or ./feedcare.toml), then CLI overrides.

    ``overrides`` holds only the options the user actually gave (None values are dropped).
    Errors in the file name the file; errors in the overrides name the command line.
    """
    path = find_config(config_file)
    section = dict(load_toml(path).get("ingest", {}))
    build_section(IngestConfig, section, "ingest", str(path) if path else "")
    for key in ("meta", "audit_names"):
        if path is not None and section.get(key):
            # A file named in feedcare.toml is relative to that file, like a Makefile's paths.
            section[key] = str(path.parent / section[key])
    given = {key: value for key, value in overrides.items() if value is not None}
    return build_section(IngestConfig, {**section, **given}, "ingest", "command line")
