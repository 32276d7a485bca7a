"""Residual-identifier audit of a corpus or of source files (``feedcare audit``).

The whole document text is scanned, not only the turns, so speaker labels and headers that
fall outside every turn are checked too; each finding is then placed in its turn. File names
travel into a corpus too, so the document ids, source names, participant ids, speaker labels
and the manifest (source paths, settings) are scanned as well; such a finding names its
``field``. Reports carry masked values only (ids included): the original identifiers never
leave this module.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedcare.corpus.audit.identifiers import KINDS, Finding, count_markers, scan_text, scan_values
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
    # "text" (offsets into the document's text), or the field the identifier is in: "doc_id",
    # "source", "participant_id", "speaker" or "manifest" (offsets into that value).
    field: str = "text"

    def to_dict(self) -> dict[str, object]:
        return {
            "doc_id": self.doc_id, "field": self.field, "seg": self.seg, "speaker": self.speaker,
            "kind": self.kind, "start": self.start, "end": self.end, "doc_start": self.doc_start,
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
    doc_id: str, text: str, turns: list[_TurnSpan], findings: list[Finding],
    labels: dict[str, list[Finding]] | None = None,
) -> list[AuditFinding]:
    """Findings placed in their turns; ``labels`` (findings per speaker label) mask the labels."""
    starts = [t.start for t in turns]
    located = []
    for f in findings:
        i = bisect.bisect_right(starts, f.start) - 1
        turn = turns[i] if i >= 0 and f.start < turns[i].end else None
        speaker = turn.speaker if turn else None
        if speaker and labels is not None and speaker in labels:
            speaker = _shown(speaker, labels)
        located.append(
            AuditFinding(
                doc_id=doc_id,
                seg=turn.seg if turn else None,
                speaker=speaker,
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
    labels = scan_values((t.speaker for spans in turns.values() for t in spans), names)
    total = corpus.manifest.counts.documents
    findings: list[AuditFinding] = []
    reported: set[tuple[str, str]] = set()  # (kind, value) found in document fields
    n_documents = n_markers = 0
    columns = ["doc_id", "source", "participant_id", "text"]
    for batch in corpus.iter_documents(columns, batch_size=BATCH_SIZE):
        rows = list(zip(*(batch[c].to_pylist() for c in columns), strict=True))
        fields = scan_values((v for row in rows for v in row[:3]), names)
        for doc_id, source, participant_id, text in rows:
            shown = _shown(doc_id, fields)
            once: set[tuple[str, str]] = set()  # a file name's identifier is in several fields
            for name, value in (("doc_id", doc_id), ("source", source), ("participant_id", participant_id)):
                new = [f for f in fields.get(value, []) if (f.kind, f.value) not in once]
                once.update((f.kind, f.value) for f in new)
                reported.update((f.kind, f.value) for f in new)
                findings += _field_findings(shown, name, new)
            spans = turns.get(doc_id, [])
            findings += _locate(shown, text, spans, scan_text(text, names), labels)
            n_markers += count_markers(text)
            n_documents += 1
        report(progress, "Auditing documents", n_documents, total)
    findings += _speaker_findings(turns, labels, names)
    # The manifest repeats ids and file names: each identifier not seen in a document is reported
    # once (the source folder's path, an ingest setting...).
    in_manifest = scan_values(_manifest_strings(corpus.manifest.to_dict()), names)
    new = []
    for hits in in_manifest.values():
        for f in hits:
            if (f.kind, f.value) not in reported:
                reported.add((f.kind, f.value))
                new.append(f)
    findings += _field_findings("(manifest)", "manifest", new)
    return AuditReport(
        source=str(corpus_dir),
        findings=findings,
        n_documents=n_documents,
        n_turns=sum(len(t) for t in turns.values()),
        n_markers=n_markers,
    )


def _shown(value: str, fields: dict[str, list[Finding]]) -> str:
    """An id as reports show it: with every identifier in it masked."""
    hits = fields.get(value)
    if not hits:
        return value
    pieces, last = [], 0
    for f in hits:
        pieces += [value[last:f.start], f.masked]
        last = f.end
    return "".join(pieces) + value[last:]


def _field_findings(doc_id: str, field_name: str, found: list[Finding]) -> list[AuditFinding]:
    return [
        AuditFinding(doc_id=doc_id, seg=None, speaker=None, kind=f.kind, start=f.start, end=f.end,
                     doc_start=f.start, doc_end=f.end, masked=f.masked, context=f.context, field=field_name)
        for f in found
    ]


def _speaker_findings(
    turns: dict[str, list[_TurnSpan]], labels: dict[str, list[Finding]], names: tuple[str, ...]
) -> list[AuditFinding]:
    """Speaker labels (once per document and label): the speaker column keeps them as written."""
    if not labels:
        return []
    ids = scan_values(turns, names)
    findings = []
    for doc_id, spans in turns.items():
        for label in dict.fromkeys(t.speaker for t in spans if t.speaker in labels):
            findings += _field_findings(_shown(doc_id, ids), "speaker", labels[label])
    return findings


# Manifest keys whose values are hashes, times or counts: never identifiers, not scanned.
MANIFEST_SKIP = {"fingerprint", "sha256", "created", "updated", "mtime_ns", "size", "counts",
                  "schema_version", "feedcare_version", "reader_version", "meta_sha256", "digest"}


def _manifest_strings(value: object, key: str = "") -> Iterator[str]:
    """Every string (and mapping key) of the manifest that could carry a file name or id."""
    if key in MANIFEST_SKIP:
        return
    if isinstance(value, dict):
        for k, item in value.items():
            yield str(k)
            yield from _manifest_strings(item, str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _manifest_strings(item, key)
    elif isinstance(value, str):
        yield value


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
    labels = scan_values((label for _, label in files), names)
    for done, (file, label) in enumerate(files, start=1):
        shown = _shown(label, labels)
        findings += _field_findings(shown, "source", labels.get(label, []))
        try:
            for doc_id, text, turns in _read_source(file, label):
                findings += _locate(doc_id.replace(label, shown, 1), text, turns, scan_text(text, names))
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
