"""What an ingest did, as plain data: :class:`IngestReport` (and JSON via ``to_dict``)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from feedcare.corpus.base.errors import EXIT_OK, EXIT_SKIPPED, InputError
from feedcare.corpus.store.info import SpeakerRole


@dataclass
class IngestReport:
    """The outcome of :func:`~feedcare.corpus.ingest.pipeline`.

    File counts describe source files (new, changed, unchanged, gone); document counts
    describe corpus rows (added, changed = re-read, unchanged = kept as they were, removed).
    Totals describe the whole corpus after the run.
    """

    corpus: str
    files_found: int = 0
    files_new: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_gone: int = 0
    files_rehashed: int = 0  # unchanged files whose mtime had moved, so they were hashed
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    documents: int = 0
    turns: int = 0
    words: int = 0
    participants: int = 0
    roles: dict[str, int] = field(default_factory=dict)  # role → turns
    speakers: list[SpeakerRole] = field(default_factory=list)  # speaker label → role, with counts
    languages: dict[str, int] = field(default_factory=dict)  # language → documents, most first
    other_languages: int = 0  # documents in a language other than English ("und" not counted)
    other_language_examples: list[dict[str, Any]] = field(default_factory=list)  # the first 20
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    # Table columns stored under another name (built-in or taken name, or --rename): not skipped.
    renamed: list[dict[str, str]] = field(default_factory=list)  # path, column, stored, why
    ignored: dict[str, int] = field(default_factory=dict)  # suffix → files not read
    gone_kept: list[str] = field(default_factory=list)  # sources not found, documents kept
    id_pattern_unmatched: list[str] = field(default_factory=list)  # doc_ids given their stem
    meta: str | None = None
    metadata_without_documents: list[str] = field(default_factory=list)
    documents_without_metadata: list[str] = field(default_factory=list)
    audit_findings: dict[str, int] = field(default_factory=dict)  # kind → findings (--audit)
    reread_reason: str | None = None  # why every file was read again, if it was
    written: bool = False
    up_to_date: bool = False

    def add_renamed(self, path: str, renamed: Any) -> None:
        self.renamed.extend({"path": path, "column": r.column, "stored": r.stored, "why": r.why}
                            for r in renamed)

    def renamed_notices(self) -> list[str]:
        """One line per table: which columns are stored under which names, and why."""
        by_path: dict[str, list[dict[str, str]]] = {}
        for item in self.renamed:
            by_path.setdefault(item["path"], []).append(item)
        lines = []
        for path, items in by_path.items():
            parts = [f"{i['column']} → {i['stored']}{_why(i['column'], i['stored'], i['why'])}"
                     for i in items]
            lines.append(f"{path}: column{'s' if len(items) > 1 else ''} kept under another name: "
                         + "; ".join(parts))
        return lines

    @property
    def exit_code(self) -> int:
        """0 when every input was ingested, 3 when something was skipped."""
        return EXIT_SKIPPED if self.skipped else EXIT_OK

    @property
    def status(self) -> str:
        if self.up_to_date:
            return "up to date"
        return "written" if self.written else "not written"

    def language_warning(self) -> str | None:
        """One line naming the documents not in English, and what `feedcare tokens` does with them."""
        if not self.other_languages:
            return None
        return other_languages_warning(self.other_languages, self.other_language_examples) + (
            "; feedcare tokens leaves them out (keep them with tokens --keep-languages, "
            "or list their languages in [tokens] languages)"
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [{"path": path, "reason": reason} for path, reason in self.skipped]
        data["exit_code"] = self.exit_code
        data["status"] = self.status
        return data


def _why(column: str, stored: str, why: str) -> str:
    if why == "--rename":
        return ""
    found = f"--by {column} finds it" if stored == f"{column}_1" else f"--by {stored}"
    what = "a built-in corpus column" if why == "built-in" else "taken by another column (ignoring case)"
    return f" ({column} is {what}; {found}, or choose with --rename {column}=NEW)"


class IngestAborted(InputError):
    """``--strict`` and some inputs could not be read: nothing was written (exit code 3)."""

    exit_code = EXIT_SKIPPED

    def __init__(self, report: IngestReport) -> None:
        n = len(report.skipped)
        shown = "; ".join(f"{path}: {reason}" for path, reason in report.skipped[:3])
        more = f"; and {n - 3} more" if n > 3 else ""
        super().__init__(
            f"{n} input(s) could not be read and --strict is set, so nothing was written "
            f"({shown}{more}); fix or remove them, or drop --strict to ingest the rest"
        )
        self.report = report


def other_languages_warning(n: int, examples: list[dict[str, Any]]) -> str:
    """ "3 documents are not in English: P17 (fr), P20 (de), P31 (cy)" (the first few named)."""
    shown = ", ".join(f"{e['doc_id']} ({e['language']})" for e in examples[:5])
    more = ", …" if n > min(5, len(examples)) else ""
    noun = "document is" if n == 1 else "documents are"
    return f"{n:,} {noun} not in English: {shown}{more}"


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it.

    Bytes of a file name that are not UTF-8 are shown as escapes (``P\\xe9rez.txt``), so the
    path can be printed and stored in JSON.
    """
    try:
        shown = Path(os.path.relpath(path)).as_posix() if path.is_relative_to(Path.cwd()) else path.as_posix()
    except ValueError:
        shown = path.as_posix()
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
