"""Residual-identifier audit of a corpus or of source files (``feedcare audit``).

The whole document text is scanned, not only the turns, so speaker labels and headers that
fall outside every turn are checked too; each finding is then placed in its turn. Reports
carry masked values only: the original identifiers never leave this module.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedcare.corpus.audit.identifiers import KINDS, Finding, count_markers, scan_text
from feedcare.corpus.base.errors import EXIT_FINDINGS, EXIT_OK, EXIT_SKIPPED, InputError, UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.ingest.report import display_path
from feedcare.corpus.ingest.sources import scan_sources
from feedcare.corpus.readers.registry import READERS
from feedcare.corpus.store.reader import open_corpus

__all__ = [
    "AuditFinding",
    "AuditReport",
    "audit_corpus",
    "audit_document",
    "audit_paths",
    "scan_text",
]

BATCH_SIZE = 1024


@dataclass(frozen=True)
class AuditFinding:
    """A finding placed in its document and turn. ``seg`` is None outside every turn."""

    doc_id: str
    seg: int | None
    speaker: str | None
    kind: str
    start: int | None  # offsets into the turn's text (None outside every turn)
    end: int | None
    doc_start: int  # offsets into the document's text
    doc_end: int
    masked: str
    context: str

    def to_dict(self) -> dict[str, object]:
        return {
            "doc_id": self.doc_id, "seg": self.seg, "speaker": self.speaker, "kind": self.kind,
            "start": self.start, "end": self.end, "doc_start": self.doc_start,
            "doc_end": self.doc_end, "masked": self.masked, "context": self.context,
        }


@dataclass(frozen=True)
class AuditReport:
    source: str  # the corpus directory or the SOURCE paths, for messages
    findings: list[AuditFinding]
    n_documents: int
    n_turns: int
    n_markers: int  # redaction markers recognised as already handled
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings, 3 nothing found but some files could not be read."""
        if self.findings:
            return EXIT_FINDINGS
        return EXIT_SKIPPED if self.skipped else EXIT_OK

    def counts(self) -> dict[str, int]:
        """Findings per kind, in the fixed KINDS order (kinds with none are left out)."""
        counter = Counter(f.kind for f in self.findings)
        return {kind: counter[kind] for kind in KINDS if counter[kind]}

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "clean": self.clean,
            "documents": self.n_documents,
            "turns": self.n_turns,
            "markers": self.n_markers,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
        }


@dataclass(frozen=True)
class _TurnSpan:
    start: int
    end: int
    seg: int
    speaker: str | None


def audit_document(
    doc_id: str, text: str, turns: Sequence[_TurnSpan] | Sequence[object], names: Iterable[str] = ()
) -> list[AuditFinding]:
    """Scan one document's text and place each finding in its turn.

    ``turns`` are objects with ``char_start``/``char_end`` (and optionally ``speaker``), in
    text order: reader :class:`~feedcare.corpus.readers.Turn` objects or corpus segments.
    This is what ``feedcare ingest --audit`` calls for each parsed document.
    """
    spans = [_as_span(i, turn) for i, turn in enumerate(turns)]
    return _locate(doc_id, text, spans, scan_text(text, tuple(names)))


def _as_span(index: int, turn: object) -> _TurnSpan:
    if isinstance(turn, _TurnSpan):
        return turn
    return _TurnSpan(turn.char_start, turn.char_end, index, getattr(turn, "speaker", None))  # type: ignore[attr-defined]


def _locate(
    doc_id: str, text: str, turns: list[_TurnSpan], findings: list[Finding]
) -> list[AuditFinding]:
    starts = [t.start for t in turns]
    located = []
    for f in findings:
        i = bisect.bisect_right(starts, f.start) - 1
        turn = turns[i] if i >= 0 and f.start < turns[i].end else None
        located.append(
            AuditFinding(
                doc_id=doc_id,
                seg=turn.seg if turn else None,
                speaker=turn.speaker if turn else None,
                kind=f.kind,
                start=f.start - turn.start if turn else None,
                end=min(f.end, turn.end) - turn.start if turn else None,
                doc_start=f.start,
                doc_end=f.end,
                masked=f.masked,
                context=f.context,
            )
        )
    return located


# --- a corpus --------------------------------------------------------------------------------


def audit_corpus(
    corpus_dir: Path, *, names: Iterable[str] | None = None, progress: ProgressCallback | None = None
) -> AuditReport:
    """Audit every document of an ingested corpus, streaming documents in batches."""
    corpus = open_corpus(Path(corpus_dir))
    names = tuple(names or ())
    turns = _turn_index(corpus)
    total = corpus.manifest.counts.documents
    findings: list[AuditFinding] = []
    n_documents = n_markers = 0
    for batch in corpus.iter_documents(["doc_id", "text"], batch_size=BATCH_SIZE):
        for doc_id, text in zip(batch["doc_id"].to_pylist(), batch["text"].to_pylist(), strict=True):
            findings += _locate(doc_id, text, turns.get(doc_id, []), scan_text(text, names))
            n_markers += count_markers(text)
            n_documents += 1
        report(progress, "Auditing documents", n_documents, total)
    return AuditReport(
        source=str(corpus_dir),
        findings=findings,
        n_documents=n_documents,
        n_turns=sum(len(t) for t in turns.values()),
        n_markers=n_markers,
    )


def _turn_index(corpus) -> dict[str, list[_TurnSpan]]:
    """Turn offsets per document (no text is read: this stays small)."""
    index: dict[str, list[_TurnSpan]] = {}
    columns = ["doc_id", "seg", "speaker", "char_start", "char_end"]
    for batch in corpus.iter_segments(columns, batch_size=65_536):
        rows = zip(*(batch[c].to_pylist() for c in columns), strict=True)
        for doc_id, seg, speaker, start, end in rows:
            index.setdefault(doc_id, []).append(_TurnSpan(start, end, seg, speaker))
    for spans in index.values():
        spans.sort(key=lambda t: t.start)
    return index


# --- source files ----------------------------------------------------------------------------


def audit_paths(
    paths: Sequence[Path],
    *,
    names: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
) -> AuditReport:
    """Audit transcript files and comment tables directly, without a corpus.

    Directories are searched recursively for .txt .md .docx .vtt .srt .csv .tsv .parquet.
    Transcripts are read exactly as ``feedcare ingest`` reads them; in tables every text cell
    is checked (the column name stands where a speaker would). Files that cannot be read are
    listed in ``skipped``: an audit must not pass silently over a file it could not check.
    """
    names = tuple(names or ())
    files, skipped = _expand(paths)
    findings: list[AuditFinding] = []
    n_documents = n_turns = n_markers = 0
    for done, (file, label) in enumerate(files, start=1):
        try:
            for doc_id, text, turns in _read_source(file, label):
                findings += _locate(doc_id, text, turns, scan_text(text, names))
                n_markers += count_markers(text)
                n_documents += 1
                n_turns += len(turns)
        except InputError as exc:
            skipped.append((str(file), exc.message))
        report(progress, "Auditing files", done, len(files))
    return AuditReport(
        source=" ".join(str(p) for p in paths),
        findings=findings,
        n_documents=n_documents,
        n_turns=n_turns,
        n_markers=n_markers,
        skipped=skipped,
    )


def _expand(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """(file, document label) pairs, found exactly as ``feedcare ingest`` finds them, and the
    folders and files that could not be read (skipped: an audit must say what it did not check).

    One walker for both commands: hidden files, Word's ``~$`` lock files and unsupported
    suffixes are passed over the same way, and the label is the file's ingest source name.
    """
    if not paths:
        raise UsageError("no SOURCE given; pass transcript files or folders, or --corpus DIR")
    scan = scan_sources([Path(p) for p in paths])
    skipped = [(display_path(path), reason) for path, reason in scan.unreadable]
    return [(file.path, file.source) for file in scan.files], skipped


def _read_source(file: Path, label: str) -> Iterator[tuple[str, str, list[_TurnSpan]]]:
    if READERS[file.suffix.lower().lstrip(".")].kind == "table":
        yield from _read_table(file, label)
        return
    if file.stat().st_size == 0:
        yield label, "", []  # an empty file holds no identifiers
        return
    from feedcare.corpus.readers import read_transcript

    parsed = read_transcript(file)
    turns = [_as_span(i, t) for i, t in enumerate(parsed.turns)]
    yield label, parsed.text, turns


def _read_table(file: Path, label: str) -> Iterator[tuple[str, str, list[_TurnSpan]]]:
    """Each row is a document whose text cells are its 'turns' (speaker = column name).

    Tables are opened the way ingest opens them (encoding sniffing, every column a string).
    """
    from feedcare.corpus.readers.tables import open_string_table

    opened = open_string_table(file, file.suffix.lower().lstrip("."))
    row_number = 0
    for batch in opened.batches:
        columns = batch.schema.names
        for row in zip(*(batch.column(c).to_pylist() for c in columns), strict=True):
            row_number += 1
            text, turns = "", []
            for seg, (column, value) in enumerate(zip(columns, row, strict=True)):
                if value is None or not value.strip():
                    continue
                turns.append(_TurnSpan(len(text), len(text) + len(value), seg, column))
                text += value + "\n"
            yield f"{label}:{row_number}", text, turns
