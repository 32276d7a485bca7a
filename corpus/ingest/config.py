"""The ``[ingest]`` section of feedcare.toml, and how command-line options override it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from feedcare.corpus.base.settings import Settings


@dataclass(frozen=True)
class IngestConfig:
    """How source files are read into a corpus. Every field can be set in ``[ingest]``.

    Fields that change how files are parsed (labels, id pattern, columns, metadata) are part
    of the corpus fingerprint: changing them makes the next ingest re-read every file.
    Speaker labels given on the command line add to the file's (``merge = "add"``); the other
    options replace its values. ``meta`` and ``audit_names`` in the file are relative to it.
    """

    SECTION: ClassVar[str] = "ingest"

    interviewers: tuple[str, ...] = field(
        default=(), metadata={"help": "extra speaker labels that mean the interviewer", "merge": "add"}
    )
    participants: tuple[str, ...] = field(
        default=(), metadata={"help": "extra speaker labels that mean the participant", "merge": "add"}
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
    rename: tuple[str, ...] = field(
        default=(),
        metadata={"help": "OLD=NEW: store the table or participants-file column OLD as attribute NEW"},
    )
    meta: str | None = field(
        default=None,
        metadata={"help": "participants file (CSV/TSV/Parquet) joined by participant id", "path": True},
    )
    meta_id_column: str = field(
        default="participant_id", metadata={"help": "the participant id column of the meta file"}
    )
    max_file_mb: float = field(
        # At most 4 GB: a transcript is read into memory whole (and 1e308 overflowed).
        default=50.0, metadata={"help": "transcripts larger than this are skipped", "min": 0.001,
                                "max": 4096}
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
        default=None, metadata={"help": "with audit: a file of names to flag, one per line", "path": True}
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
        self.renames  # noqa: B018  (validates the OLD=NEW pairs)
        if self.max_file_mb <= 0:
            raise ValueError(f"max_file_mb must be positive, got {self.max_file_mb!r}")

    @property
    def renames(self) -> dict[str, str]:
        """``rename`` as {OLD: NEW}; ValueError for a pair that is not OLD=NEW."""
        out: dict[str, str] = {}
        for pair in self.rename:
            old, sep, new = pair.partition("=")
            old, new = old.strip(), new.strip()
            if not sep or not old or not new:
                raise ValueError(f"rename (--rename) must be OLD=NEW, e.g. source=channel; got {pair!r}")
            if old in out and out[old] != new:
                raise ValueError(f"rename (--rename) gives {old!r} two names: {out[old]!r} and {new!r}")
            out[old] = new
        targets = [n.casefold() for n in out.values()]
        if len(set(targets)) != len(targets):
            raise ValueError("rename (--rename) gives two columns the same new name")
        return out

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
            # only when given: corpora ingested before --rename existed are not read again
            **({"rename": dict(sorted(self.renames.items()))} if self.rename else {}),
        }


def load_ingest_config(config_file: Path | None, overrides: dict[str, Any]) -> IngestConfig:
    """``[ingest]`` from feedcare.toml (``--config`` or ./feedcare.toml), then CLI overrides.

    ``overrides`` holds the options the user gave (None values are dropped); labels in
    ``interviewers``/``participants`` add to the file's. See :meth:`Settings.build`.
    """
    return Settings.load(config_file).build(IngestConfig, overrides)
